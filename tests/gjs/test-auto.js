// AUTO and the lightly-glib extension methods through GJS.
import Lightly from 'gi://Lightly?version=1.0';
import {check, test, finish} from './harness.js';

const M = Lightly.SamplingMethod;

test('names', () => {
    check(Lightly.sampling_method_to_string(M.TYPICLUST) === 'TYPICLUST', 'TYPICLUST');
    check(Lightly.sampling_method_from_string('probcover') === M.PROBCOVER, 'PROBCOVER');
    check(Lightly.sampling_method_from_string('Auto') === M.AUTO, 'AUTO');
});

test('resolve', () => {
    check(Lightly.sampling_method_resolve(M.AUTO, 0, 10, false) === M.TYPICLUST, 'cold start');
    check(Lightly.sampling_method_resolve(M.AUTO, 500, 500, true) === M.ACTIVE_LEARNING, 'switch');
    check(Lightly.sampling_method_resolve(M.AUTO, 500, 499, true) === M.TYPICLUST, 'below the switch');
    check(Lightly.sampling_method_resolve(M.AUTO, 500, 500, false) === M.RANDOM, 'past it, no scores');
    check(Lightly.sampling_method_resolve(M.RANDOM, 500, 500, true) === M.RANDOM, 'others stay');
});

test('resolve in pool', () => {
    const [m1, r1] = Lightly.sampling_method_resolve_in_pool(M.AUTO, 100, 200, 3000, true);
    check(m1 === M.TYPICLUST && r1.startsWith('TYPICLUST: 300 of 3000'), 'within 10% of the pool');
    const [m2, r2] = Lightly.sampling_method_resolve_in_pool(M.AUTO, 100, 201, 3000, true);
    check(m2 === M.BADGE && r2.includes('the model has only 100 labels'), 'mid budget');
    const [m4, r4] = Lightly.sampling_method_resolve_in_pool(M.AUTO, 100, 201, 3000, false);
    check(m4 === M.RANDOM && r4.includes('no scores given'), 'mid budget without a model');
    const [m3, r3] = Lightly.sampling_method_resolve_in_pool(M.AUTO, 300, 300, 3000, true);
    check(m3 === M.ACTIVE_LEARNING && r3.includes('the batch of 300 is no larger'), 'high budget');
    check(new Lightly.QueryResult().reason === null, 'reason of an empty result');
});

test('pick', () => {
    const pick = Lightly.Pick.new(3, 'a.png', M.TYPICLUST, 1.5, 7);
    check(pick.get_rank() === 3 && pick.get_file_name() === 'a.png', 'rank and file name');
    check(pick.get_method() === M.TYPICLUST && pick.get_utility() === 1.5 && pick.get_cluster() === 7,
        'method, utility, cluster');
    check(Lightly.Pick.new(0, null, M.RANDOM, NaN, -5).get_utility() === 0, 'NaN is stored as 0');
    check(new Lightly.QueryResult().get_picks().length === 0, 'no picks on an empty result');
});

test('suggest request picks', () => {
    // The suggester sets them (tests/python/test_suggest_plugin.py runs one);
    // before, the request has none.
    const request = new Lightly.SuggestRequest({batch_size: 2});
    check(request.dup_picks().length === 0, 'empty before the suggester answers');
});

test('config default stays CORESET', () => {
    check(new Lightly.SamplerConfig().method === M.CORESET, 'default');
});

finish();
