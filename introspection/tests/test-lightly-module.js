// The GJS module introspection/gjs/lightly.js: promise-based calls (every
// _async/_finish pair of the typelib), Float32Array → GLib.Bytes, and an
// await-driven round from embeddings in memory. LIGHTLY_GJS_MODULE (meson)
// names the module file.
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import {check, finish, removeTree} from '../../tests/gjs/harness.js';

const modulePath = GLib.getenv('LIGHTLY_GJS_MODULE');
const loop = new GLib.MainLoop(null, false);
let failure = null;

async function main() {
    // A dynamic import resolves on the main loop, so it is awaited in here
    // (a top-level await would wait before loop.run() and hang).
    const {default: Lightly, floatBytes, promisified, scoreValues, uploadEmbeddings} =
        await import(GLib.filename_to_uri(modulePath, null));
    // Every pair is found, not just a hand-kept list.
    const keys = promisified.map(([k, m]) => `${k}.${m}`);
    for (const want of ['Agent.query_async', 'Agent.new_async', 'ApiWorkflowClient.create_dataset_async',
        'ApiWorkflowClient.upload_embeddings_from_bytes_async', 'ApiWorkflowClient.sampling_async',
        'BatchSuggester.suggest_async'])
        check(keys.includes(want), `promisified ${want}`);
    check(keys.every(k => !k.endsWith('_finish')), 'only _async methods');

    // floatBytes: a subarray passes its own bytes, from its offset.
    const all = new Float32Array([9, 1.5, -2, 3.25, 9]);
    const bytes = floatBytes(all.subarray(1, 4));
    check(bytes.get_size() === 12, 'subarray size');
    const back = new Float32Array(bytes.toArray().slice().buffer);
    check(back.join(',') === '1.5,-2,3.25', `subarray values ${back.join(',')}`);
    let threw = false;
    try {
        floatBytes([1, 2]);
    } catch (e) {
        threw = e instanceof TypeError;
    }
    check(threw, 'floatBytes refuses a plain array');

    const probs = new Float32Array([0.7, 0.2, 0.1, 0.4, 0.4, 0.2]);
    const scorer = Lightly.ScorerClassification.new_from_bytes(floatBytes(probs), 2, 3);
    const margin = scoreValues(scorer.calculate_scores(), 'uncertainty_margin');
    check(margin instanceof Float64Array && Math.abs(margin[0] - 0.5) < 1e-6 && Math.abs(margin[1] - 1) < 1e-6,
        `margin ${Array.from(margin)}`);

    // Both ways in give the same scores: the C form (a JS array, converted
    // element by element) and floatBytes (one copy of the typed array's
    // bytes). The way out is zero-copy: toArray() is a view over the
    // GBytes' own memory, which scoreValues wraps as a Float64Array.
    const viaList = scoreValues(Lightly.ScorerClassification.new(Array.from(probs), 2, 3).calculate_scores(),
        'uncertainty_margin');
    check(viaList.every((v, i) => v === margin[i]), 'floatBytes and the C form score the same');
    const marginBytes = scorer.calculate_scores().dup_values_bytes('uncertainty_margin');
    const view = marginBytes.toArray();
    view[0] ^= 0xff;
    check(marginBytes.toArray()[0] === view[0], 'toArray() is a view, not a copy');

    // A suggester reports progress through emit_progress(), clamped to [0, 1].
    const Suggester = GObject.registerClass({
        Implements: [Lightly.BatchSuggester],
        Properties: {
            context: GObject.ParamSpec.override('context', Lightly.BatchSuggester),
        },
    }, class Suggester extends GObject.Object {});
    const suggester = new Suggester();
    const seen = [];
    suggester.connect('progress', (_s, f) => seen.push(f));
    [0, 0.25, 1.5, -1].forEach(f => suggester.emit_progress(f));
    check(seen.join(',') === '0,0.25,1,0', `progress ${seen.join(',')}`);

    // A round with await only: dataset, samples, embeddings from memory, query.
    const dir = GLib.dir_make_tmp('lightly-gjs-module-XXXXXX');
    const client = Lightly.ApiWorkflowClient.new(GLib.filename_to_uri(dir, null), null, null);
    const datasetId = await client.create_dataset_async('gjs', null);
    check(datasetId.length === 24, 'dataset id');
    const n = 30, dim = 4;
    const names = Array.from({length: n}, (_, i) => `img-${String(i).padStart(2, '0')}.png`);
    const csv = `filenames,embedding_0\n${names.map(x => `${x},0\n`).join('')}`;
    await client.register_samples_async(Gio.MemoryInputStream.new_from_bytes(new GLib.Bytes(csv)), null);
    const m = new Float32Array(n * dim).map((_, i) => ((i * 7) % 11) - 5);
    const embId = await uploadEmbeddings(client, names, m, dim, 'default');
    check(client.embedding_id === embId, 'embedding id set');

    let code = null;
    try {
        await uploadEmbeddings(client, names.slice(1), m, dim, 'short');
    } catch (e) {
        code = e.matches(Lightly.error_quark(), Lightly.Error.EMBEDDING_INVALID) ? 'invalid' : String(e);
    }
    check(code === 'invalid', `names count refused: ${code}`);

    const agent = await Lightly.Agent.new_async(client, null, null, null);
    const config = new Lightly.SamplerConfig({method: Lightly.SamplingMethod.CORESET, n_samples: 6});
    const result = await agent.query_async(config, null, null);
    check(result.get_tag().get_count() === 6, 'six picks');
    check(agent.labeled_set.length === 6, 'labeled set');
    removeTree(dir);
}

main().catch(e => {
    failure = e;
}).finally(() => loop.quit());
loop.run();
check(failure === null, `main: ${failure}\n${failure?.stack}`);
finish();
