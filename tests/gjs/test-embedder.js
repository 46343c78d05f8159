// test-embedder.js: a GJS host loading the built-in embedder plugin
// (libpeas 1.x has no GJS loader, but GJS can host C plugins).
import GdkPixbuf from 'gi://GdkPixbuf?version=2.0';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Peas from 'gi://Peas?version=1.0';
import Lightly from 'gi://Lightly?version=1.0';
import {check, checkThrows, removeTree, test, finish} from './harness.js';

const SIDE = 24;
const dir = GLib.dir_make_tmp('test-embedder-gjs-XXXXXX');

// Six PNGs of random blocks and one file that is not an image.
let seed = 5;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) % 256;
for (let i = 0; i < 6; i++) {
    const pixels = new Uint8Array(SIDE * SIDE * 3);
    const grid = Array.from({length: 16 * 3}, rand);
    for (let y = 0; y < SIDE; y++) {
        for (let x = 0; x < SIDE; x++) {
            for (let c = 0; c < 3; c++)
                pixels[(y * SIDE + x) * 3 + c] = grid[(Math.floor(y / 6) * 4 + Math.floor(x / 6)) * 3 + c];
        }
    }
    const pixbuf = GdkPixbuf.Pixbuf.new_from_bytes(new GLib.Bytes(pixels), GdkPixbuf.Colorspace.RGB,
        false, 8, SIDE, SIDE, SIDE * 3);
    pixbuf.savev(`${dir}/img-${i}.png`, 'png', [], []);
}
GLib.file_set_contents(`${dir}/notes.txt`, 'not an image');

test('GJS host embeds through the built-in plugin', () => {
    const engine = Peas.Engine.new();
    engine.add_search_path(GLib.getenv('LIGHTLY_PLUGIN_DIR'), null);
    const info = engine.get_plugin_info('lightly-embed-pixels');
    check(info.get_external_data('Lightly-Embedder-ABI') === Lightly.EMBEDDER_ABI, 'ABI');
    check(engine.load_plugin(info), 'loaded');
    const embedder = engine.create_extension(info, Lightly.Embedder, [], []);
    const loop = GLib.MainLoop.new(null, false);
    let result = null, last = null;
    embedder.connect('progress', (e, done, total) => {
        last = [done, total];
    });
    embedder.embed_async(Gio.File.new_for_path(dir), null, (obj, res) => {
        try {
            result = embedder.embed_finish(res);
        } finally {
            loop.quit();
        }
    });
    loop.run();
    check(result !== null, 'a result');
    check(last !== null && last[0] === 7 && last[1] === 7, `progress ${last}`);
    check(result.get_n_rows() === 6, `six rows: ${result.get_n_rows()}`);
    const names = result.get_file_names();
    check(names.length === 6 && names[0] === 'img-0.png', `names ${names}`);
    const failed = result.get_failed();
    check(failed.length === 1 && failed[0].startsWith('notes.txt: '), `failed ${failed}`);
    const bytes = result.get_embeddings().toArray();
    const rows = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    check(rows.length === 6 * result.get_dim() && rows.every(Number.isFinite), 'finite rows');
    checkThrows(() => embedder.embed(Gio.File.new_for_path(`${dir}/img-0.png`), null),
        Lightly.error_quark(), Lightly.Error.INVALID_INPUT, 'not a folder');
});

test('list_images leaves out hidden files and CSVs', () => {
    GLib.file_set_contents(`${dir}/.hidden`, 'x');
    GLib.file_set_contents(`${dir}/embeddings.csv`, 'x');
    const names = Lightly.Embedder.list_images(Gio.File.new_for_path(dir), null);
    check(names.length === 7 && names[6] === 'notes.txt', `names ${names}`);
});

removeTree(dir);
finish();
