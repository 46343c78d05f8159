// BADGE, class probabilities and class balance through GJS.
import Lightly from 'gi://Lightly?version=1.0';
import {check, checkThrows, test, finish} from './harness.js';

const M = Lightly.SamplingMethod;
const Q = Lightly.error_quark();

test('BADGE method', () => {
    check(M.AUTO === 6 && M.BADGE === 7, 'appended after AUTO');
    check(Lightly.sampling_method_to_string(M.BADGE) === 'BADGE', 'to_string');
    check(Lightly.sampling_method_from_string('Badge') === M.BADGE, 'from_string');
    check(new Lightly.SamplerConfig({method: M.BADGE, n_samples: 10}).validate() === true, 'valid');
});

test('balance', () => {
    const c = new Lightly.SamplerConfig();
    check(c.balance === false, 'off by default');
    let n = 0;
    c.connect('notify::balance', () => n++);
    c.balance = true;
    c.set_balance(true);
    check(c.balance === true && n === 1, 'set once, notified once');
    check(c.copy().get_balance() === true, 'copied');
});

test('class probabilities', () => {
    const s = Lightly.Scores.new(2);
    s.add_probabilities([0.25, 0.75, 0.5, 0.5], 2);
    const v = s.get_values('class_probability_1');
    check(v[0] === 0.75 && v[1] === 0.5, 'one score per class');
    checkThrows(() => Lightly.Scores.new(2).add_probabilities([0.25, 0.25, 0.5, 0.5], 2), Q,
        Lightly.Error.INVALID_INPUT, 'a row not summing to 1');
    checkThrows(() => Lightly.Scores.new(2).add_probabilities([0.25, 0.75, 0.5], 2), Q,
        Lightly.Error.INVALID_INPUT, 'wrong shape');
    const scorer = Lightly.ScorerClassification.new([0.1, 0.9, 0.6, 0.4], 2, 2);
    check(scorer.probabilities === false, 'scorer: off by default');
    scorer.probabilities = true;
    const out = scorer.calculate_scores();
    check(out.contains('class_probability_0') && out.contains('uncertainty_margin'),
        'scorer: probabilities with the scores');
});

finish();
