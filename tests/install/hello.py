# Run outside the tree against the installed typelib: one active-learning
# round on the embedded store, as in the README.
import os
import tempfile

import gi
gi.require_version('Lightly', '1.0')
from gi.repository import GLib, Lightly

tmp = tempfile.mkdtemp()
csv = os.path.join(tmp, 'embeddings.csv')
with open(csv, 'w', newline='') as f:
    f.write('filenames,embedding_0,embedding_1,labels\r\n')
    for i in range(50):
        f.write(f'img-{i:02d}.png,{1 + i % 7},{1 + (i * 3) % 11},0\r\n')

# The README's Python example starts here.
client = Lightly.ApiWorkflowClient.new(GLib.filename_to_uri(os.path.join(tmp, 'store')), None, None)
client.create_dataset('hello', None)
client.register_samples_from_path(csv, None)
client.upload_embeddings_from_path(csv, 'default', None)

agent = Lightly.Agent.new(client, None, None, None)
config = Lightly.SamplerConfig(method=Lightly.SamplingMethod.CORESET, n_samples=10)
result = agent.query(config, None, None)
print('label next:', agent.props.added_set)
# The README's Python example ends here.

assert len(agent.props.labeled_set) == 10
assert result.get_tag().get_count() == 10
print('Python: selected 10 of 50')
