// The seed's tutorial end to end through GJS, in an embedded store: blocking
// calls, then _async calls with a main loop, a GJS subclass of Lightly.Scorer
// passed to query_async, predictions as GBytes of float32,
// Lightly.Agent.new_async, the set properties, and the error codes.
// The Fashion-MNIST fixture comes from LIGHTLY_TEST_FMNIST_CSV (meson).
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Lightly from 'gi://Lightly?version=1.0';
import {check, checkThrows, removeTree, test, finish} from './harness.js';

const N = 300;
const N_CLASSES = 10;
const E = Lightly.Error;
const Method = Lightly.SamplingMethod;

function loadFixture() {
    const path = GLib.getenv('LIGHTLY_TEST_FMNIST_CSV');
    const [, bytes] = GLib.file_get_contents(path);
    const lines = new TextDecoder().decode(bytes).split(/\r?\n/).filter(l => l.length > 0);
    const names = [], rows = [], labels = [];
    for (const line of lines.slice(1)) {
        const cols = line.split(',');
        names.push(cols[0]);
        rows.push(cols.slice(1, -1).map(Number));
        labels.push(Number(cols[cols.length - 1]));
    }
    return {path, names, rows, labels};
}

const FIX = loadFixture();
const INDEX = new Map(FIX.names.map((n, i) => [n, i]));

// A nearest-centroid classifier with a softmax over negative squared
// distances, trained on the labeled files' true classes; predicts the query
// files in the order given. Returns a Float32Array, row-major.
function predictProba(labeled, query) {
    const dim = FIX.rows[0].length;
    const sums = [], counts = new Array(N_CLASSES).fill(0);
    for (let c = 0; c < N_CLASSES; c++)
        sums.push(new Float64Array(dim));
    for (const name of labeled) {
        const r = INDEX.get(name), c = FIX.labels[r];
        counts[c]++;
        for (let d = 0; d < dim; d++)
            sums[c][d] += FIX.rows[r][d];
    }
    const out = new Float32Array(query.length * N_CLASSES);
    query.forEach((name, q) => {
        const x = FIX.rows[INDEX.get(name)];
        const logits = [];
        for (let c = 0; c < N_CLASSES; c++) {
            if (counts[c] === 0) {
                logits.push(-Infinity);
                continue;
            }
            let d2 = 0;
            for (let d = 0; d < dim; d++) {
                const v = x[d] - sums[c][d] / counts[c];
                d2 += v * v;
            }
            logits.push(-d2 / dim);
        }
        const max = Math.max(...logits);
        const exps = logits.map(l => Math.exp(l - max));
        const total = exps.reduce((a, b) => a + b, 0);
        exps.forEach((e, c) => {
            out[q * N_CLASSES + c] = e / total;
        });
    });
    return out;
}

function f32Bytes(f) {
    return new GLib.Bytes(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
}

// A GJS scorer: wraps the classification scorer over this round's predictions.
const ModelScorer = GObject.registerClass(
class ModelScorer extends Lightly.Scorer {
    _init(proba, nRows) {
        super._init();
        this._inner = Lightly.ScorerClassification.new_from_bytes(f32Bytes(proba), nRows, N_CLASSES);
        this.calls = 0;
    }

    vfunc_calculate_scores() {
        this.calls++;
        return this._inner.calculate_scores();
    }
});

const FailingScorer = GObject.registerClass(
class FailingScorer extends Lightly.Scorer {
    vfunc_calculate_scores() {
        throw new GLib.Error(Lightly.error_quark(), E.NOT_INITIALIZED, 'the model is not loaded');
    }
});

function config(method, nSamples, name) {
    const c = Lightly.SamplerConfig.new();
    c.method = method;
    c.n_samples = nSamples;
    c.name = name;
    return c;
}

function newStore() {
    const dir = GLib.dir_make_tmp('lightly-gjs-agent-XXXXXX');
    const client = Lightly.ApiWorkflowClient.new(GLib.filename_to_uri(dir, null), null, null);
    return {dir, client};
}

function setupDataset(client) {
    const id = client.create_dataset('fmnist', null);
    check(id.length === 24, `dataset id ${id}`);
    check(client.dataset_id === id, 'dataset-id is set');
    check(client.register_samples_from_path(FIX.path, null), 'register samples');
    const embeddingId = client.upload_embeddings_from_path(FIX.path, 'default', null);
    check(client.embedding_id === embeddingId, 'embedding-id is set');
    check(JSON.stringify(client.get_file_names(null)) === JSON.stringify(FIX.names), 'file names in CSV order');
}

function inBitOrder(names) {
    for (let i = 1; i < names.length; i++) {
        if (INDEX.get(names[i - 1]) >= INDEX.get(names[i]))
            return false;
    }
    return true;
}

function checkSets(agent, nLabeled, what) {
    const query = agent.query_set, labeled = agent.labeled_set, unlabeled = agent.unlabeled_set;
    check(JSON.stringify(query) === JSON.stringify(FIX.names), `${what}: query set`);
    check(labeled.length === nLabeled, `${what}: |labeled| ${labeled.length} != ${nLabeled}`);
    check(unlabeled.length === N - nLabeled, `${what}: |unlabeled| ${unlabeled.length}`);
    check(inBitOrder(labeled) && inBitOrder(unlabeled), `${what}: bit order`);
    const all = new Set([...labeled, ...unlabeled]);
    check(all.size === N, `${what}: labeled and unlabeled partition the query set`);
    const sizes = [Lightly.AgentSet.QUERY, Lightly.AgentSet.LABELED, Lightly.AgentSet.UNLABELED,
        Lightly.AgentSet.ADDED].map(s => agent.get_set_size(s));
    const added = agent.get_added_set() ?? [];
    check(JSON.stringify(sizes) === JSON.stringify([N, nLabeled, N - nLabeled, added.length]),
        `${what}: set sizes ${sizes}`);
}

function throwsCode(fn, code, what) {
    checkThrows(fn, Lightly.error_quark(), code, what);
}

// Runs start(done) and a main loop until done(value) is called.
function runAsync(start) {
    const loop = new GLib.MainLoop(null, false);
    let box = null;
    start(value => {
        box = {value};
        loop.quit();
    });
    const timeout = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 60, () => {
        loop.quit();
        return GLib.SOURCE_REMOVE;
    });
    if (box === null)
        loop.run();
    GLib.source_remove(timeout);
    if (box === null)
        throw new Error('timed out');
    return box.value;
}

function newAgentAsync(client, preselected) {
    const res = runAsync(done => Lightly.Agent.new_async(client, null, preselected, null, (_src, r) => done(r)));
    return Lightly.Agent.new_finish(res);
}

function queryAsync(agent, cfg, scorer, cancellable = null) {
    const res = runAsync(done => agent.query_async(cfg, scorer, cancellable, (_a, r) => done(r)));
    return agent.query_finish(res);
}

test('blocking tutorial', () => {
    const {dir, client} = newStore();
    setupDataset(client);
    const agent = Lightly.Agent.new(client, null, null, null);
    check(agent.query_tag_name === 'initial-tag', 'query-tag-name default');
    check(agent.preselected_tag_name === null, 'no preselected tag');
    check(!agent.querying, 'not querying');
    checkSets(agent, 0, 'fresh');

    let result = agent.query(config(Method.CORESET, 30, 'coreset-30'), null, null);
    check(!result.skipped, 'CORESET not skipped');
    check(result.tag.name === 'coreset-30', 'tag name');
    check(result.get_added().length === 30, 'CORESET added 30');
    check(result.method === Method.CORESET, 'result method');
    check(result.batch_size === 30 && result.get_batch_size() === 30, 'result batch size');
    check(result.total === 30 && result.get_total() === 30, 'result total');
    check(agent.preselected_tag_name === 'coreset-30', 'preselected follows');
    checkSets(agent, 30, 'after CORESET');
    const labeled1 = agent.labeled_set;

    // CORAL with the built-in scorer, predictions as GBytes
    const proba = predictProba(labeled1, agent.query_set);
    const scorer = Lightly.ScorerClassification.new_from_bytes(f32Bytes(proba), N, N_CLASSES);
    result = agent.query(config(Method.CORAL, 60, 'coral-60'), scorer, null);
    const added = result.get_added();
    check(added.length === 30, 'CORAL added 30');
    check(added.every(n => !labeled1.includes(n)), 'CORAL picks are new');
    checkSets(agent, 60, 'after CORAL');

    // skip
    result = agent.query(config(Method.CORESET, 10, 'skipped'), null, null);
    check(result.skipped, 'skipped');
    check(result.tag === null, 'no tag when skipped');
    check(result.batch_size === 0 && result.total === 60, 'skipped: nothing added, total kept');
    checkSets(agent, 60, 'after skip');
    const tags = client.get_tags(null).map(t => t.name);
    check(JSON.stringify(tags) === JSON.stringify(['initial-tag', 'coreset-30', 'coral-60']), `tags ${tags}`);
    check(client.list_datasets(null).length === 1, 'one dataset');

    // errors
    throwsCode(() => Lightly.Agent.new(client, null, 'no-such-tag', null), E.NOT_FOUND, 'unknown tag');
    throwsCode(() => agent.query(config(Method.CORAL, 90, 'coral-90'), null, null), E.SCORES_REQUIRED,
        'CORAL without a scorer');
    throwsCode(() => agent.query(config(Method.CORESET, 90, 'coreset-30'), null, null), E.EXISTS,
        'duplicate tag name');
    throwsCode(() => agent.query(config(Method.CORESET, -1, 'no-stop'), null, null), E.INVALID_INPUT,
        'no stopping condition');
    const short = new ModelScorer(predictProba(agent.labeled_set, agent.query_set.slice(1)), N - 1);
    throwsCode(() => agent.query(config(Method.CORAL, 90, 'coral-short'), short, null), E.INVALID_INPUT,
        'scorer of the wrong length');
    check(short.calls === 1, 'the short scorer was called');
    throwsCode(() => agent.query(config(Method.CORAL, 90, 'coral-fail'), new FailingScorer(), null),
        E.NOT_INITIALIZED, "a scorer's own error");
    throwsCode(() => Lightly.ScorerClassification.new_from_bytes(new GLib.Bytes(new Uint8Array(12)), 1, 2),
        E.INVALID_INPUT, 'bytes of the wrong size');
    checkSets(agent, 60, 'after errors');
    check(client.get_tags(null).length === 3, 'errors made no tags');
    removeTree(dir);
});

test('the result says what AUTO ran', () => {
    const {dir, client} = newStore();
    setupDataset(client);
    const agent = Lightly.Agent.new(client, null, null, null);
    let result = queryAsync(agent, config(Method.AUTO, 20, 'auto-20'), null);
    check(result.method === Method.TYPICLUST, `AUTO ran ${result.method}`);
    check(result.tag.creator === 'SAMPLER_TYPICLUST', 'the tag agrees');
    check(result.batch_size === 20 && result.total === 20, 'first batch');
    result = agent.query(config(Method.AUTO, 25, 'auto-25'), null, null);
    check(result.get_method() === Method.TYPICLUST, 'still the cold start');
    check(result.get_batch_size() === 5 && result.get_added().length === 5, 'batch is total minus labeled');
    check(result.get_total() === 25, 'total');
    removeTree(dir);
});

test('async tutorial with a GJS scorer', () => {
    const {dir, client} = newStore();
    setupDataset(client);
    const agent = newAgentAsync(client, null);
    checkSets(agent, 0, 'async fresh');

    const progress = [], batches = [], notified = new Set();
    agent.connect('progress', (_a, stage, fraction) => {
        check(fraction >= 0 && fraction <= 1, `fraction ${fraction}`);
        progress.push([stage, fraction]);
    });
    agent.connect('batch-ready', (_a, r) => batches.push(r.tag.name));
    agent.connect('notify', (_a, pspec) => notified.add(pspec.name));

    let result = queryAsync(agent, config(Method.CORESET, 30, 'coreset-30'), null);
    check(result.get_added().length === 30, 'async CORESET added 30');
    checkSets(agent, 30, 'async after CORESET');
    const labeled1 = agent.labeled_set;

    const scorer = new ModelScorer(predictProba(labeled1, agent.query_set), N);
    result = queryAsync(agent, config(Method.CORAL, 60, 'coral-60'), scorer);
    check(scorer.calls === 1, 'the GJS scorer was called once');
    check(result.added.length === 30, 'async CORAL added 30');
    check(result.added.every(n => !labeled1.includes(n)), 'async CORAL picks are new');
    check(JSON.stringify(agent.added_set) === JSON.stringify(result.added), 'added-set property');
    checkSets(agent, 60, 'async after CORAL');

    check(JSON.stringify(batches) === JSON.stringify(['coreset-30', 'coral-60']), `batch-ready ${batches}`);
    check(notified.has('labeled-set') && notified.has('querying') && notified.has('preselected-tag-name'),
        `notify ${[...notified]}`);
    check(progress.length > 0, 'progress was reported');
    const last = progress[progress.length - 1];
    check(last[0] === Lightly.QueryStage.FINISHING && last[1] === 1, `last progress ${last}`);
    check(progress.some(([s]) => s === Lightly.QueryStage.SELECTING), 'a SELECTING stage');

    // BUSY: a second query while the first runs
    let busyError = null, first = null;
    const loop = new GLib.MainLoop(null, false);
    const cfg = config(Method.CORESET, 90, 'coreset-90');
    agent.query_async(cfg, null, null, (a, r) => {
        first = a.query_finish(r);
        loop.quit();
    });
    check(agent.querying, 'querying while it runs');
    agent.query_async(cfg, null, null, (a, r) => {
        try {
            a.query_finish(r);
        } catch (e) {
            busyError = e;
        }
    });
    loop.run();
    check(busyError !== null && busyError.matches(Lightly.error_quark(), E.BUSY), `BUSY: ${busyError}`);
    check(first !== null && first.get_added().length === 30, 'the first query completed');

    // SCORES_REQUIRED and NOT_FOUND through the async paths
    throwsCode(() => queryAsync(agent, config(Method.ACTIVE_LEARNING, 120, 'al-120'), null),
        E.SCORES_REQUIRED, 'async ACTIVE_LEARNING without a scorer');
    throwsCode(() => newAgentAsync(client, 'no-such-tag'), E.NOT_FOUND, 'async unknown tag');

    // cancelled before it starts: G_IO_ERROR_CANCELLED, nothing changes
    const cancellable = new Gio.Cancellable();
    cancellable.cancel();
    checkThrows(() => queryAsync(agent, config(Method.CORESET, 120, 'cancelled'), null, cancellable),
        Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED, 'cancelled query');
    checkSets(agent, 90, 'after cancel');

    // restart: a new agent from the preselected tag has the same sets
    const again = newAgentAsync(client, agent.preselected_tag_name);
    check(JSON.stringify(again.labeled_set) === JSON.stringify(agent.labeled_set), 'restart: same labeled set');
    check(JSON.stringify(again.unlabeled_set) === JSON.stringify(agent.unlabeled_set), 'restart: same unlabeled set');
    removeTree(dir);
});

finish();
