#!/usr/bin/python3
"""The tutorial through gi.repository.Lightly over http selects exactly what
the embedded store selects.

Starts `lightly-al serve` on a free loopback port (LIGHTLY_TEST_LIGHTLY_AL),
runs the same loop (CORESET, then CORAL with the same predictions, then an
agent re-created from the preselected tag name) against it and against a
file:// store, and compares the tags' bit masks. The server is stopped
however the test ends.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

import numpy

import gi
gi.require_version('Lightly', '1.0')
from gi.repository import GLib, Lightly  # noqa: E402

CSV = os.environ['LIGHTLY_TEST_FMNIST_CSV']


def probabilities(names):
    """Deterministic class probabilities per file name, so both stores get
    the same predictions."""
    rows = []
    for name in names:
        rng = numpy.random.RandomState(sum(name.encode()) % 1000)
        p = rng.dirichlet(numpy.ones(10))
        rows.append(p)
    return numpy.array(rows, dtype=numpy.float64)


def run_loop(client):
    client.create_dataset('tutorial', None)
    client.register_samples_from_path(CSV, None)
    client.upload_embeddings_from_path(CSV, 'default', None)
    masks = []

    agent = Lightly.Agent.new(client, None, None, None)
    config = Lightly.SamplerConfig(method=Lightly.SamplingMethod.CORESET, n_samples=20, name='round-1')
    result = agent.query(config, None, None)
    masks.append(result.get_tag().get_bit_mask_data())

    query = agent.props.query_set
    p = probabilities(query)
    scorer = Lightly.ScorerClassification.new(p.ravel().tolist(), len(query), 10)
    config = Lightly.SamplerConfig(method=Lightly.SamplingMethod.CORAL, n_samples=40, name='round-2')
    result = agent.query(config, scorer, None)
    masks.append(result.get_tag().get_bit_mask_data())
    added = list(agent.props.added_set)

    # A new agent from the preselected tag's name, as after a restart.
    again = Lightly.Agent.new(client, None, 'round-2', None)
    assert list(again.props.labeled_set) == list(agent.props.labeled_set)
    config = Lightly.SamplerConfig(method=Lightly.SamplingMethod.RANDOM, n_samples=50, seed=7, name='round-3')
    result = again.query(config, None, None)
    masks.append(result.get_tag().get_bit_mask_data())

    # BADGE with class balance: the class probabilities travel as scores,
    # balance as the request's lightly-glib extension field.
    query = again.props.query_set
    p = probabilities(query)
    scorer = Lightly.ScorerClassification.new(p.ravel().tolist(), len(query), 10)
    scorer.props.probabilities = True
    config = Lightly.SamplerConfig(method=Lightly.SamplingMethod.BADGE, n_samples=70, balance=True,
                                   name='round-4')
    result = again.query(config, scorer, None)
    assert result.get_method() == Lightly.SamplingMethod.BADGE
    masks.append(result.get_tag().get_bit_mask_data())
    predicted = p.argmax(axis=1)
    row = {name: i for i, name in enumerate(query)}
    counts = numpy.bincount([predicted[row[n]] for n in result.get_added()], minlength=10)
    assert list(counts) == [2] * 10, counts

    # A duplicate name is refused.
    try:
        again.query(Lightly.SamplerConfig(n_samples=80, name='round-1'), None, None)
        raise AssertionError('a duplicate tag name was accepted')
    except GLib.Error as e:
        assert e.matches(Lightly.error_quark(), Lightly.Error.EXISTS), e.message
    return masks, added


class HttpTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        store = os.path.join(self.tmp, 'served')
        self.server = subprocess.Popen(
            [os.environ['LIGHTLY_TEST_LIGHTLY_AL'], 'serve', '--store', store, '--port', '0', '--quiet'],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = self.server.stdout.readline().strip()
        self.assertTrue(self.url.startswith('http://127.0.0.1:'), self.url)
        with open(os.path.join(store, 'token')) as f:
            self.token = f.read().strip()

    def tearDown(self):
        self.server.send_signal(signal.SIGTERM)
        try:
            self.assertEqual(self.server.wait(timeout=30), 0)
        finally:
            if self.server.poll() is None:
                self.server.kill()
            self.server.stdout.close()
            shutil.rmtree(self.tmp)

    def test_same_picks_as_embedded(self):
        embedded = Lightly.ApiWorkflowClient.new(
            GLib.filename_to_uri(os.path.join(self.tmp, 'embedded')), None, None)
        remote = Lightly.ApiWorkflowClient.new(self.url, self.token, None)
        local_masks, local_added = run_loop(embedded)
        http_masks, http_added = run_loop(remote)
        self.assertEqual(http_masks, local_masks)
        self.assertEqual(http_added, local_added)
        self.assertEqual(len(local_added), 20)

    def test_wrong_token(self):
        remote = Lightly.ApiWorkflowClient.new(self.url, 'not-the-token', None)
        with self.assertRaises(GLib.Error) as cm:
            remote.list_datasets(None)
        self.assertTrue(cm.exception.matches(Lightly.error_quark(), Lightly.Error.UNAUTHORIZED),
                        cm.exception.message)


if __name__ == '__main__':
    unittest.main()
