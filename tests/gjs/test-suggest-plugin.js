// test-suggest-plugin.js: a GJS host loading the C plugin (libpeas 1.x has
// no GJS loader, but GJS can host C plugins), as in the interface's docs.
import GLib from 'gi://GLib';
import Peas from 'gi://Peas?version=1.0';
import Lightly from 'gi://Lightly?version=1.0';
import {check, checkThrows, removeTree, test, finish} from './harness.js';

const dir = GLib.dir_make_tmp('test-suggest-gjs-XXXXXX');
const [, out] = GLib.spawn_sync(null, [GLib.getenv('LIGHTLY_SUGGEST_FIXTURE'), dir], null,
    GLib.SpawnFlags.DEFAULT, null);
const datasetId = new TextDecoder().decode(out).trim();
const location = GLib.filename_to_uri(dir, null);

test('predictions from a Float32Array', () => {
    const f = new Float32Array([0.25, 0.75, 0.5, 0.5]);
    const p = Lightly.Predictions.new_from_bytes(['a.png', 'b.png'],
        new GLib.Bytes(new Uint8Array(f.buffer, f.byteOffset, f.byteLength)), 2, 2);
    check(p.get_n_rows() === 2 && p.get_n_cols() === 2, 'shape');
    checkThrows(() => Lightly.Predictions.new_from_bytes(['a.png', 'a.png'],
        new GLib.Bytes(new Uint8Array(f.buffer, f.byteOffset, f.byteLength)), 2, 2),
    Lightly.error_quark(), Lightly.Error.INVALID_INPUT, 'duplicate names');
});

test('GJS host suggests through the C plugin', () => {
    const engine = Peas.Engine.new();
    engine.add_search_path(GLib.getenv('LIGHTLY_PLUGIN_DIR'), null);
    const info = engine.get_plugin_info('lightly-suggest');
    check(info.get_external_data('Lightly-ABI') === Lightly.BATCH_SUGGESTER_ABI, 'ABI');
    check(engine.load_plugin(info), 'loaded');
    const context = new Lightly.SuggestContext({location, dataset_id: datasetId, app_id: 'org.lightly.GjsHost'});
    const suggester = engine.create_extension(info, Lightly.BatchSuggester, ['context'], [context]);
    const labeled = ['fmnist-00000.png', 'fmnist-00001.png'];
    const loop = GLib.MainLoop.new(null, false);
    let names = null;
    suggester.suggest_async(new Lightly.SuggestRequest({batch_size: 6, labeled}), null, (obj, res) => {
        try {
            names = suggester.suggest_finish(res);
        } finally {
            loop.quit();
        }
    });
    loop.run();
    check(names !== null && names.length === 6, `six names: ${names}`);
    check(names.every(n => !labeled.includes(n)), 'disjoint from labeled');
});

removeTree(dir);
finish();
