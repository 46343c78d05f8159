// Run outside the tree against the installed typelib: one active-learning
// round on the embedded store, as in the README.
import GLib from 'gi://GLib';
import Lightly from 'gi://Lightly?version=1.0';
import System from 'system';

const tmp = GLib.dir_make_tmp('lightly-hello-XXXXXX');
const csv = GLib.build_filenamev([tmp, 'embeddings.csv']);
let rows = 'filenames,embedding_0,embedding_1,labels\r\n';
for (let i = 0; i < 50; i++)
    rows += `img-${String(i).padStart(2, '0')}.png,${1 + i % 7},${1 + (i * 3) % 11},0\r\n`;
GLib.file_set_contents(csv, rows);

// The README's GJS example starts here.
const client = Lightly.ApiWorkflowClient.new(
    GLib.filename_to_uri(GLib.build_filenamev([tmp, 'store']), null), null, null);
client.create_dataset('hello', null);
client.register_samples_from_path(csv, null);
client.upload_embeddings_from_path(csv, 'default', null);

const agent = Lightly.Agent.new(client, null, null, null);
const config = new Lightly.SamplerConfig({method: Lightly.SamplingMethod.CORESET, n_samples: 10});
const loop = new GLib.MainLoop(null, false);
agent.query_async(config, null, null, (source, res) => {
    const result = source.query_finish(res);
    print(`label next: ${agent.added_set.join(' ')} (tag ${result.get_tag().get_name()})`);
    loop.quit();
});
loop.run();
// The README's GJS example ends here.

if (agent.labeled_set.length !== 10)
    System.exit(1);
print('GJS: selected 10 of 50');
