// LightlyMatrixPrecision and LightlySamplerConfig:matrix-precision through
// GJS: the enum, the property, and a CORESET query in an embedded store whose
// float16/bfloat16 picks equal the float32 ones.
import GLib from 'gi://GLib';
import Lightly from 'gi://Lightly?version=1.0';
import {check, checkThrows, removeTree, test, finish} from './harness.js';

const P = Lightly.MatrixPrecision;

test('enum', () => {
    check(P.FLOAT32 === 0 && P.FLOAT16 === 1 && P.BFLOAT16 === 2, 'values');
    check(Lightly.matrix_precision_to_string(P.FLOAT16) === 'FLOAT16', 'to_string');
    check(Lightly.matrix_precision_from_string('bfloat16') === P.BFLOAT16, 'from_string');
    checkThrows(() => Lightly.matrix_precision_from_string('half'), Lightly.error_quark(),
        Lightly.Error.INVALID_INPUT, 'unknown name');
});

test('property', () => {
    const c = new Lightly.SamplerConfig();
    check(c.matrix_precision === P.FLOAT32, 'default');
    let notified = 0;
    c.connect('notify::matrix-precision', () => notified++);
    c.set_matrix_precision(P.BFLOAT16);
    c.matrix_precision = P.BFLOAT16;
    check(notified === 1, `one notify, got ${notified}`);
    check(c.get_matrix_precision() === P.BFLOAT16, 'getter');
    check(c.copy().matrix_precision === P.BFLOAT16, 'copy');
    check(new Lightly.SamplerConfig({matrix_precision: P.FLOAT16}).matrix_precision === P.FLOAT16, 'construct');
    check(c.validate(), 'valid');
});

test('query', () => {
    const dir = GLib.dir_make_tmp('lightly-precision-XXXXXX');
    const dim = 12;
    let seed = 11;
    const rand = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648 - 0.5;
    };
    let text = `filenames,${[...Array(dim).keys()].map(j => `embedding_${j}`).join(',')},labels\n`;
    for (let i = 0; i < 500; i++)
        text += `img-${i}.png,${[...Array(dim)].map(() => rand().toFixed(6)).join(',')},0\n`;
    const csv = GLib.build_filenamev([dir, 'emb.csv']);
    GLib.file_set_contents(csv, text);
    const store = GLib.build_filenamev([dir, 'store']);
    const client = Lightly.ApiWorkflowClient.new(GLib.filename_to_uri(store, null), null, null);
    client.create_dataset('precision', null);
    check(client.register_samples_from_path(csv, null), 'register');
    const embeddingId = client.upload_embeddings_from_path(csv, 'default', null);
    const masks = [P.FLOAT32, P.FLOAT16, P.BFLOAT16].map(p => client.sampling(new Lightly.SamplerConfig({
        method: Lightly.SamplingMethod.CORESET, n_samples: 30, name: `coreset-${p}`, matrix_precision: p,
    }), null, null, null).get_bit_mask_data());
    check(masks[1] === masks[0], `float16 ${masks[1]} = float32 ${masks[0]}`);
    check(masks[2] === masks[0], `bfloat16 ${masks[2]} = float32 ${masks[0]}`);
    check(GLib.file_test(GLib.build_filenamev([store, 'embeddings', `${embeddingId}.f16`]),
        GLib.FileTest.IS_REGULAR), 'the float16 copy is kept');
    removeTree(dir);
});

finish();
