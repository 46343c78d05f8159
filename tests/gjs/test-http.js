// GJS against `lightly-al serve`: a CORESET round over http picks what the
// embedded store picks, and a wrong token is UNAUTHORIZED. The server is
// stopped with SIGTERM at the end and must exit 0.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Lightly from 'gi://Lightly?version=1.0';
import {check, checkThrows, removeTree, test, finish} from './harness.js';

const csv = GLib.getenv('LIGHTLY_TEST_FMNIST_CSV');
const tmp = GLib.dir_make_tmp('lightly-gjs-http-XXXXXX');
const store = GLib.build_filenamev([tmp, 'served']);
const server = Gio.Subprocess.new(
    [GLib.getenv('LIGHTLY_TEST_LIGHTLY_AL'), 'serve', '--store', store, '--port', '0', '--quiet'],
    Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_SILENCE);
const out = new Gio.DataInputStream({base_stream: server.get_stdout_pipe()});
const [url] = out.read_line_utf8(null);
const [, tokenBytes] = GLib.file_get_contents(GLib.build_filenamev([store, 'token']));
const token = new TextDecoder().decode(tokenBytes).trim();

function coresetRound(client) {
    client.create_dataset('gjs', null);
    client.register_samples_from_path(csv, null);
    client.upload_embeddings_from_path(csv, 'default', null);
    const agent = Lightly.Agent.new(client, null, null, null);
    const config = new Lightly.SamplerConfig({method: Lightly.SamplingMethod.CORESET, n_samples: 15, name: 'first'});
    const result = agent.query(config, null, null);
    return [result.get_tag().get_bit_mask_data(), agent.added_set];
}

test('same picks over http', () => {
    check(url.startsWith('http://127.0.0.1:'), `server URL ${url}`);
    const embedded = Lightly.ApiWorkflowClient.new(
        GLib.filename_to_uri(GLib.build_filenamev([tmp, 'embedded']), null), null, null);
    const remote = Lightly.ApiWorkflowClient.new(url, token, null);
    const [localMask, localAdded] = coresetRound(embedded);
    const [httpMask, httpAdded] = coresetRound(remote);
    check(httpMask === localMask, `masks ${httpMask} and ${localMask}`);
    check(httpAdded.length === 15 && httpAdded.join() === localAdded.join(), 'added sets');
});

test('wrong token', () => {
    const remote = Lightly.ApiWorkflowClient.new(url, 'not-the-token', null);
    checkThrows(() => remote.list_datasets(null), Lightly.error_quark(), Lightly.Error.UNAUTHORIZED,
        'wrong token');
});

server.send_signal(15);
server.wait(null);
check(server.get_if_exited() && server.get_exit_status() === 0, 'server exits 0 on SIGTERM');
removeTree(tmp);
finish();
