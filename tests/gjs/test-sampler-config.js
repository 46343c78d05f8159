// LightlySamplerConfig through GJS: protocol §5 and §13.
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Lightly from 'gi://Lightly?version=1.0';
import {check, checkThrows, test, finish} from './harness.js';

const Q = Lightly.error_quark();
const INVALID = Lightly.Error.INVALID_INPUT;
const M = Lightly.SamplingMethod;

function checkInvalid(config, fragments, what) {
    checkThrows(() => config.validate(), Q, INVALID, what);
    try {
        config.validate();
    } catch (e) {
        for (const f of fragments)
            check(e.message.includes(f), `${what}: “${f}” in “${e.message}”`);
    }
}

test('defaults', () => {
    const c = Lightly.SamplerConfig.new();
    check(c.method === M.CORESET, 'method');
    check(c.n_samples === 32, 'n-samples');
    check(c.min_distance === -1, 'min-distance');
    check(c.name === null, 'name');
    check(c.score_type === null, 'score-type');
    check(c.score_strength === 1, 'score-strength');
    check(c.seed === 0, 'seed');
    check(c.reuse_scores === false, 'reuse-scores');
    check(c.validate() === true, 'valid');
});

test('construction with properties', () => {
    const props = {
        method: M.CORAL, n_samples: 200, min_distance: 0.25, name: 'round-2',
        score_type: 'uncertainty_margin', score_strength: 2.5, seed: 42, reuse_scores: true,
    };
    for (const [how, c] of [['GObject.Object.new', GObject.Object.new(Lightly.SamplerConfig, props)],
        ['new', new Lightly.SamplerConfig(props)]]) {
        check(c.get_method() === M.CORAL, `${how}: method`);
        check(c.get_n_samples() === 200, `${how}: n-samples`);
        check(c.get_min_distance() === 0.25, `${how}: min-distance`);
        check(c.get_name() === 'round-2', `${how}: name`);
        check(c.get_score_type() === 'uncertainty_margin', `${how}: score-type`);
        check(c.get_score_strength() === 2.5, `${how}: score-strength`);
        check(c.get_seed() === 42, `${how}: seed`);
        check(c.get_reuse_scores() === true, `${how}: reuse-scores`);
        check(c.validate(), `${how}: valid`);
    }
});

test('setters, properties and notify', () => {
    const c = new Lightly.SamplerConfig();
    const seen = [];
    c.connect('notify', (obj, pspec) => seen.push(pspec.name));
    c.set_method(M.RANDOM);
    c.set_n_samples(-1);
    c.set_min_distance(0.1);
    c.set_name('my tag');
    c.set_score_type('x');
    c.set_score_strength(0);
    c.set_seed(7);
    c.set_reuse_scores(true);
    check(seen.join() === 'method,n-samples,min-distance,name,score-type,score-strength,seed,reuse-scores',
        `one notify each: ${seen}`);
    seen.length = 0;
    c.n_samples = -1;
    c.name = 'my tag';
    check(seen.length === 0, 'unchanged values do not notify');
    c.n_samples = 10;
    c.name = null;
    check(seen.join() === 'n-samples,name', `notify on change: ${seen}`);
    check(c.name === null && c.method === M.RANDOM && c.min_distance === 0.1, 'values');
});

test('copy', () => {
    const c = new Lightly.SamplerConfig({n_samples: 77, name: 'abc', seed: 9, score_type: 's'});
    const copy = c.copy();
    c.name = 'other';
    check(copy.name === 'abc' && copy.n_samples === 77 && copy.seed === 9 && copy.score_type === 's',
        'independent copy');
});

test('generate name', () => {
    const when = GLib.DateTime.new_utc(2021, 5, 27, 14, 45, 13);
    const c = new Lightly.SamplerConfig();
    check(c.generate_name(when) === 'CORESET_32_-1_05_27_2021__14_45_13', 'default name');
    c.n_samples = -1;
    c.min_distance = 0.1;
    check(c.generate_name(when) === 'CORESET_-1_0.1_05_27_2021__14_45_13', '0.1');
    c.min_distance = 0.1 + 0.2;
    check(c.generate_name(when) === `CORESET_-1_${0.1 + 0.2}_05_27_2021__14_45_13`, 'shortest form');
    check(c.generate_name(null).startsWith('CORESET_-1_0.30000000000000004_'), 'now');
});

test('validate', () => {
    check(new Lightly.SamplerConfig({n_samples: -1, min_distance: 0.1}).validate(), 'docstring example');
    check(new Lightly.SamplerConfig({method: M.RANDOM, score_type: 'x', reuse_scores: true}).validate(),
        'ignored options');
    checkInvalid(new Lightly.SamplerConfig({n_samples: -1, min_distance: -1}),
        ['no stopping condition', 'n-samples is -1'], 'no stop');
    checkInvalid(new Lightly.SamplerConfig({min_distance: 2.5}), ['2.5', '[0, 2]'], 'distance > 2');
    checkInvalid(new Lightly.SamplerConfig({min_distance: Infinity}), ['min-distance inf'], 'inf');
    const nan = new Lightly.SamplerConfig();
    nan.set_min_distance(NaN);
    checkInvalid(nan, ['min-distance nan', 'finite'], 'NaN');
    checkInvalid(new Lightly.SamplerConfig({score_strength: -0.5}), ['score-strength -0.5'], 'β < 0');
    checkInvalid(new Lightly.SamplerConfig({name: 'ab'}), ['“ab”', 'too short'], 'short name');
    checkInvalid(new Lightly.SamplerConfig({name: '_abc'}), ['starts with “_”'], 'name start');
    checkInvalid(new Lightly.SamplerConfig({name: 'ab/c'}), ['“/” at index 2'], 'name char');
    checkInvalid(new Lightly.SamplerConfig({score_type: ''}), ['score type is empty'], 'empty score type');
    checkInvalid(new Lightly.SamplerConfig({score_type: 'a b'}), ['U+0020 at index 1'], 'score type char');
});

finish();
