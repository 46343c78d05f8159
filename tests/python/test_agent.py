#!/usr/bin/python3
"""The seed's tutorial end to end through PyGObject, in an embedded store.

Blocking calls, then _async calls with a main loop; a Python subclass of
Lightly.Scorer passed to query_async; predictions as GBytes of float32;
Lightly.Agent.new_async; the set properties; and the error codes.
The Fashion-MNIST fixture comes from LIGHTLY_TEST_FMNIST_CSV (meson).
"""
import os
import shutil
import tempfile
import threading
import unittest

import numpy

import gi
gi.require_version('Lightly', '1.0')
from gi.repository import Gio, GLib, Lightly  # noqa: E402

N = 300
N_CLASSES = 10


def load_fixture():
    path = os.environ['LIGHTLY_TEST_FMNIST_CSV']
    names, rows, labels = [], [], []
    with open(path, newline='') as f:
        header = f.readline().strip().split(',')
        assert header[0] == 'filenames' and header[-1] == 'labels'
        for line in f:
            cols = line.strip().split(',')
            if len(cols) < 2:
                continue
            names.append(cols[0])
            rows.append([float(v) for v in cols[1:-1]])
            labels.append(int(cols[-1]))
    return path, names, numpy.array(rows, dtype=numpy.float64), numpy.array(labels)


FIXTURE_PATH, NAMES, X, LABELS = load_fixture()
INDEX = {name: i for i, name in enumerate(NAMES)}


def predict_proba(labeled, query):
    """A nearest-centroid classifier with a softmax over negative squared
    distances: trained on the labeled files' true classes, it predicts the
    query files, in the order given."""
    rows = [INDEX[n] for n in labeled]
    centroids = numpy.zeros((N_CLASSES, X.shape[1]))
    present = numpy.zeros(N_CLASSES, dtype=bool)
    for c in range(N_CLASSES):
        members = [r for r in rows if LABELS[r] == c]
        if members:
            centroids[c] = X[members].mean(axis=0)
            present[c] = True
    q = X[[INDEX[n] for n in query]]
    d2 = ((q[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    logits = numpy.where(present[None, :], -d2 / X.shape[1], -numpy.inf)
    logits -= logits.max(axis=1, keepdims=True)
    p = numpy.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def proba_bytes(p):
    return GLib.Bytes.new(p.astype(numpy.float32).tobytes())


class ModelScorer(Lightly.Scorer):
    """A Python scorer: wraps the classification scorer over this round's
    predictions and records the thread it is called on."""

    def __init__(self, proba):
        super().__init__()
        self.inner = Lightly.ScorerClassification.new_from_bytes(proba_bytes(proba), *proba.shape)
        self.threads = []

    def do_calculate_scores(self):
        self.threads.append(threading.get_ident())
        # The overrides give a dict of arrays; the vfunc returns the Scores.
        return self.inner.calculate_scores().scores


class FailingScorer(Lightly.Scorer):
    def do_calculate_scores(self):
        raise GLib.Error.new_literal(Lightly.error_quark(), 'the model is not loaded',
                                     int(Lightly.Error.NOT_INITIALIZED))


def config(method, n_samples, name):
    c = Lightly.SamplerConfig.new()
    c.props.method = method
    c.props.n_samples = n_samples
    c.props.name = name
    return c


class AgentTestBase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='lightly-py-agent-')
        self.client = Lightly.ApiWorkflowClient.new(GLib.filename_to_uri(self.dir, None), None, None)

    def tearDown(self):
        self.client = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def setup_dataset(self, name='fmnist'):
        dataset_id = self.client.create_dataset(name, None)
        self.assertEqual(len(dataset_id), 24)
        self.assertEqual(self.client.props.dataset_id, dataset_id)
        self.assertTrue(self.client.register_samples_from_path(FIXTURE_PATH, None))
        embedding_id = self.client.upload_embeddings_from_path(FIXTURE_PATH, 'default', None)
        self.assertEqual(self.client.props.embedding_id, embedding_id)
        self.assertEqual(self.client.get_file_names(None), NAMES)

    def assertError(self, cm, code):
        self.assertTrue(cm.exception.matches(Lightly.error_quark(), code),
                        f'{cm.exception.domain} {cm.exception.code}: {cm.exception.message}')
        self.assertNotEqual(cm.exception.message, '')

    def assertSets(self, agent, n_labeled):
        query = agent.props.query_set
        labeled = agent.props.labeled_set
        unlabeled = agent.props.unlabeled_set
        self.assertEqual(query, NAMES)
        self.assertEqual(len(labeled), n_labeled)
        self.assertEqual(len(unlabeled), N - n_labeled)
        self.assertEqual(sorted(labeled + unlabeled, key=INDEX.get), query)
        # bit order: ascending mapping index
        self.assertEqual(labeled, sorted(labeled, key=INDEX.get))
        self.assertEqual(unlabeled, sorted(unlabeled, key=INDEX.get))
        self.assertEqual(agent.get_labeled_set(), labeled)
        # the sizes, without the names
        Set = Lightly.AgentSet
        self.assertEqual(agent.get_set_size(Set.QUERY), N)
        self.assertEqual(agent.get_set_size(Set.LABELED), n_labeled)
        self.assertEqual(agent.get_set_size(Set.UNLABELED), N - n_labeled)
        self.assertEqual(agent.get_set_size(Set.ADDED), len(agent.get_added_set() or []))


class BlockingTest(AgentTestBase):
    def test_tutorial(self):
        self.setup_dataset()
        agent = Lightly.Agent.new(self.client, None, None, None)
        self.assertEqual(agent.props.query_tag_name, 'initial-tag')
        self.assertIsNone(agent.props.preselected_tag_name)
        self.assertFalse(agent.get_added_set())  # NULL before the first query
        self.assertFalse(agent.props.querying)
        self.assertSets(agent, 0)

        result = agent.query(config(Lightly.SamplingMethod.CORESET, 30, 'coreset-30'), None, None)
        self.assertFalse(result.props.skipped)
        self.assertEqual(result.props.tag.props.name, 'coreset-30')
        self.assertEqual(len(result.get_added()), 30)
        self.assertEqual(result.get_added(), agent.props.added_set)
        # what the query meant, as the agent decided it
        self.assertEqual(result.get_method(), Lightly.SamplingMethod.CORESET)
        self.assertEqual(result.props.batch_size, 30)
        self.assertEqual(result.get_total(), 30)
        self.assertEqual(agent.props.preselected_tag_name, 'coreset-30')
        self.assertSets(agent, 30)
        labeled1 = agent.props.labeled_set

        # CORAL, scored by a Python subclass of Lightly.Scorer
        scorer = ModelScorer(predict_proba(labeled1, agent.props.query_set))
        result = agent.query(config(Lightly.SamplingMethod.CORAL, 60, 'coral-60'), scorer, None)
        self.assertEqual(scorer.threads, [threading.get_ident()])
        added = result.get_added()
        self.assertEqual(len(added), 30)
        self.assertFalse(set(added) & set(labeled1))
        self.assertEqual(set(agent.props.labeled_set), set(labeled1) | set(added))
        self.assertSets(agent, 60)

        # the built-in scorer directly, predictions as GBytes
        proba = predict_proba(agent.props.labeled_set, agent.props.query_set)
        builtin = Lightly.ScorerClassification.new_from_bytes(proba_bytes(proba), N, N_CLASSES)
        result = agent.query(config(Lightly.SamplingMethod.ACTIVE_LEARNING, 90, 'al-90'), builtin, None)
        self.assertEqual(len(result.get_added()), 30)
        self.assertSets(agent, 90)

        # skip: fewer than already labeled; no tag, nothing changes
        result = agent.query(config(Lightly.SamplingMethod.CORESET, 10, 'skipped'), None, None)
        self.assertTrue(result.props.skipped)
        self.assertIsNone(result.props.tag)
        self.assertEqual(result.props.method, Lightly.SamplingMethod.CORESET)
        self.assertEqual(result.get_batch_size(), 0)
        self.assertEqual(result.props.total, 90)
        self.assertSets(agent, 90)
        self.assertEqual([t.props.name for t in self.client.get_tags(None)],
                         ['initial-tag', 'coreset-30', 'coral-60', 'al-90'])

        # a new agent continues from the preselected tag
        again = Lightly.Agent.new(self.client, None, 'al-90', None)
        self.assertEqual(again.props.labeled_set, agent.props.labeled_set)

    def test_auto_result(self):
        # The result names what AUTO ran, so no caller repeats the rule.
        self.setup_dataset()
        agent = Lightly.Agent.new(self.client, None, None, None)
        result = agent.query(config(Lightly.SamplingMethod.AUTO, 20, 'auto-20'), None, None)
        self.assertEqual(result.props.method, Lightly.SamplingMethod.TYPICLUST)
        self.assertEqual(result.props.tag.props.creator, 'SAMPLER_TYPICLUST')
        self.assertEqual(result.props.batch_size, 20)
        self.assertEqual(result.props.total, 20)
        result = agent.query(config(Lightly.SamplingMethod.AUTO, 25, 'auto-25'), None, None)
        self.assertEqual(result.get_method(), Lightly.SamplingMethod.TYPICLUST)
        self.assertEqual(result.get_batch_size(), 5)
        self.assertEqual(result.get_total(), 25)
        self.assertEqual(len(result.get_added()), 5)

    def test_errors(self):
        self.setup_dataset()
        with self.assertRaises(GLib.Error) as cm:
            Lightly.Agent.new(self.client, None, 'no-such-tag', None)
        self.assertError(cm, Lightly.Error.NOT_FOUND)

        agent = Lightly.Agent.new(self.client, None, None, None)
        with self.assertRaises(GLib.Error) as cm:
            agent.query(config(Lightly.SamplingMethod.CORAL, 30, 'coral'), None, None)
        self.assertError(cm, Lightly.Error.SCORES_REQUIRED)

        with self.assertRaises(GLib.Error) as cm:
            agent.query(config(Lightly.SamplingMethod.CORESET, -1, 'no-stop'), None, None)
        self.assertError(cm, Lightly.Error.INVALID_INPUT)

        agent.query(config(Lightly.SamplingMethod.CORESET, 30, 'coreset-30'), None, None)
        with self.assertRaises(GLib.Error) as cm:
            agent.query(config(Lightly.SamplingMethod.CORESET, 60, 'coreset-30'), None, None)
        self.assertError(cm, Lightly.Error.EXISTS)

        # predictions for one file too few
        short = ModelScorer(predict_proba(agent.props.labeled_set, agent.props.query_set[:-1]))
        with self.assertRaises(GLib.Error) as cm:
            agent.query(config(Lightly.SamplingMethod.CORAL, 60, 'coral-short'), short, None)
        self.assertError(cm, Lightly.Error.INVALID_INPUT)
        self.assertIn('299', cm.exception.message)

        # a scorer's own error reaches the caller with its code
        with self.assertRaises(GLib.Error) as cm:
            agent.query(config(Lightly.SamplingMethod.CORAL, 60, 'coral-fail'), FailingScorer(), None)
        self.assertError(cm, Lightly.Error.NOT_INITIALIZED)

        # a bare bytes object is not GBytes
        with self.assertRaises(TypeError):
            Lightly.ScorerClassification.new_from_bytes(b'\0' * 8, 1, 2)
        # the byte size must match the shape
        with self.assertRaises(GLib.Error) as cm:
            Lightly.ScorerClassification.new_from_bytes(GLib.Bytes.new(b'\0' * 12), 1, 2)
        self.assertError(cm, Lightly.Error.INVALID_INPUT)

        self.assertFalse(agent.props.querying)
        self.assertEqual(agent.props.preselected_tag_name, 'coreset-30')
        self.assertEqual(len(self.client.get_tags(None)), 2)


class AsyncTest(AgentTestBase):
    def run_loop(self, start):
        """Calls start(done) and runs a main loop until done(value) is called."""
        loop = GLib.MainLoop()
        box = {}

        def done(value):
            box['value'] = value
            loop.quit()

        start(done)
        GLib.timeout_add_seconds(60, loop.quit)
        loop.run()
        self.assertIn('value', box, 'timed out')
        return box['value']

    def new_agent(self, preselected=None):
        def start(done):
            Lightly.Agent.new_async(self.client, None, preselected, None,
                                    lambda _src, res: done(res))
        return Lightly.Agent.new_finish(self.run_loop(start))

    def query(self, agent, cfg, scorer):
        def start(done):
            agent.query_async(cfg, scorer, None, lambda a, res: done(res))
        return agent.query_finish(self.run_loop(start))

    def test_tutorial_async(self):
        self.setup_dataset()
        agent = self.new_agent()
        self.assertSets(agent, 0)

        main = threading.get_ident()
        seen = {'progress': [], 'batch': [], 'notify': [], 'threads': set()}

        def on_progress(a, stage, fraction):
            seen['threads'].add(threading.get_ident())
            self.assertTrue(0.0 <= fraction <= 1.0)
            seen['progress'].append((stage, fraction))

        def on_batch(a, result):
            seen['threads'].add(threading.get_ident())
            seen['batch'].append(result.props.tag.props.name)

        def on_notify(a, pspec):
            seen['threads'].add(threading.get_ident())
            seen['notify'].append(pspec.name)

        agent.connect('progress', on_progress)
        agent.connect('batch-ready', on_batch)
        agent.connect('notify', on_notify)

        result = self.query(agent, config(Lightly.SamplingMethod.CORESET, 30, 'coreset-30'), None)
        self.assertEqual(len(result.get_added()), 30)
        self.assertSets(agent, 30)

        scorer = ModelScorer(predict_proba(agent.props.labeled_set, agent.props.query_set))
        labeled1 = agent.props.labeled_set
        result = self.query(agent, config(Lightly.SamplingMethod.CORAL, 60, 'coral-60'), scorer)
        self.assertEqual(len(result.props.added), 30)
        self.assertFalse(set(result.props.added) & set(labeled1))
        self.assertEqual(scorer.threads, [main])
        self.assertSets(agent, 60)

        self.assertEqual(seen['threads'], {main})
        self.assertEqual(seen['batch'], ['coreset-30', 'coral-60'])
        self.assertIn('labeled-set', seen['notify'])
        self.assertIn('querying', seen['notify'])
        self.assertTrue(seen['progress'])
        self.assertEqual(seen['progress'][-1], (Lightly.QueryStage.FINISHING, 1.0))
        stages = {s for s, _ in seen['progress']}
        self.assertIn(Lightly.QueryStage.SELECTING, stages)

        # restart from the store: a new agent has the same sets
        again = self.new_agent('coral-60')
        self.assertEqual(again.props.labeled_set, agent.props.labeled_set)
        self.assertEqual(again.props.unlabeled_set, agent.props.unlabeled_set)

    def test_busy_and_errors_async(self):
        self.setup_dataset()
        agent = self.new_agent()
        loop = GLib.MainLoop()
        results = {}

        def first_done(a, res):
            results['first'] = a.query_finish(res)
            loop.quit()

        def second_done(a, res):
            try:
                a.query_finish(res)
                results['second'] = None
            except GLib.Error as e:
                results['second'] = e

        cfg = config(Lightly.SamplingMethod.CORESET, 30, 'coreset-30')
        agent.query_async(cfg, None, None, first_done)
        self.assertTrue(agent.props.querying)
        agent.query_async(cfg, None, None, second_done)
        GLib.timeout_add_seconds(60, loop.quit)
        loop.run()
        self.assertTrue(results['second'].matches(Lightly.error_quark(), Lightly.Error.BUSY))
        self.assertEqual(len(results['first'].get_added()), 30)
        self.assertFalse(agent.props.querying)

        with self.assertRaises(GLib.Error) as cm:
            self.query(agent, config(Lightly.SamplingMethod.ACTIVE_LEARNING, 60, 'al-no-scores'), None)
        self.assertError(cm, Lightly.Error.SCORES_REQUIRED)

        with self.assertRaises(GLib.Error) as cm:
            self.new_agent('no-such-tag')
        self.assertError(cm, Lightly.Error.NOT_FOUND)

        # cancelled before it starts
        cancellable = Gio.Cancellable.new()
        cancellable.cancel()

        def start(done):
            agent.query_async(config(Lightly.SamplingMethod.CORESET, 60, 'cancelled'), None, cancellable,
                              lambda a, res: done(res))
        res = self.run_loop(start)
        with self.assertRaises(GLib.Error) as cm:
            agent.query_finish(res)
        self.assertTrue(cm.exception.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED))
        self.assertEqual(len(agent.props.labeled_set), 30)
        self.assertEqual([t.props.name for t in self.client.get_tags(None)], ['initial-tag', 'coreset-30'])


if __name__ == '__main__':
    unittest.main()
