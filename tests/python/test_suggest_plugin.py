# test_suggest_plugin.py: the suggester plugins from a Python host.
#
# A host as a PyGObject annotation app would be one: Peas.Engine, an
# extension set of Lightly.BatchSuggester with a context, the X-Lightly-ABI
# check. Stores come from suggest-fixture (LIGHTLY_SUGGEST_FIXTURE).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import shutil
import subprocess
import tempfile
import unittest

import gi
gi.require_version('Lightly', '1.0')
gi.require_version('Peas', '1.0')
from gi.repository import Gio, GLib, Lightly, Peas  # noqa: E402

import numpy  # noqa: E402

N_POOL = 300


class Store:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='test-suggest-py-')
        out = subprocess.run([os.environ['LIGHTLY_SUGGEST_FIXTURE'], self.dir],
                             check=True, capture_output=True, text=True)
        self.dataset_id = out.stdout.strip()
        self.uri = GLib.filename_to_uri(self.dir, None)

    def client(self):
        return Lightly.ApiWorkflowClient.new(self.uri, None, self.dataset_id)

    def file_names(self):
        return self.client().get_file_names(None)

    def tag_mask(self, name):
        # get_tags() is avoided: its GPtrArray (with a free func) is unreffed
        # twice by PyGObject 3.42 and crashes the interpreter.
        try:
            return self.client().get_tag_by_name(name, None).props.bit_mask_data
        except GLib.Error as e:
            if e.matches(Lightly.error_quark(), Lightly.Error.NOT_FOUND):
                return None
            raise

    def close(self):
        shutil.rmtree(self.dir)


class Host:
    """A fresh engine each time, as after an app restart."""

    def __init__(self, store, module):
        self.engine = Peas.Engine.new()
        if module == 'lightly_suggest_py':
            self.engine.enable_loader('python3')
        self.engine.add_search_path(os.environ['LIGHTLY_PLUGIN_DIR'], None)
        info = self.engine.get_plugin_info(module)
        assert info is not None
        # Hosts refuse plugins built for another interface version.
        assert info.get_external_data('Lightly-ABI') == Lightly.BATCH_SUGGESTER_ABI
        assert self.engine.load_plugin(info)
        context = Lightly.SuggestContext(location=store.uri, dataset_id=store.dataset_id,
                                         app_id='org.lightly.PyTestHost')
        self.set = Peas.ExtensionSet.new(self.engine, Lightly.BatchSuggester,
                                                         ['context'], [context])
        self.suggester = self.set.get_extension(info)
        assert isinstance(self.suggester, Lightly.BatchSuggester)

    def suggest(self, batch_size, labeled=(), predictions=None):
        request = Lightly.SuggestRequest(batch_size=batch_size, labeled=list(labeled),
                                         predictions=predictions)
        return self.suggester.suggest(request, None)


def predictions_for(names, seed=7):
    rng = numpy.random.default_rng(seed)
    logits = rng.uniform(-3, 3, size=(len(names), 10))
    p = numpy.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    return p.astype(numpy.float32)


class TestCPluginFromPython(unittest.TestCase):
    def setUp(self):
        self.store = Store()
        self.pool = self.store.file_names()

    def tearDown(self):
        self.store.close()

    def assert_batch(self, batch, n, labeled):
        self.assertEqual(len(batch), n)
        self.assertEqual(len(set(batch)), n)
        self.assertTrue(set(batch) <= set(self.pool))
        self.assertFalse(set(batch) & set(labeled))

    def test_three_rounds_restarting(self):
        labeled = []
        for n in range(1, 4):
            host = Host(self.store, 'lightly-suggest')
            batch = host.suggest(15, labeled)
            del host
            self.assert_batch(batch, 15, labeled)
            labeled += batch
            mask = Lightly.BitMask.new_from_hex(self.store.tag_mask('lightly-suggest-round-%d' % n))
            self.assertEqual(sorted(mask.masked_select(self.pool)), sorted(labeled))
        self.assertIsNone(self.store.tag_mask('lightly-suggest-labeled-2'))

    def test_picks_in_rank_order(self):
        # Why picked: the request carries one pick per suggested file, and
        # the batch comes in rank order.
        host = Host(self.store, 'lightly-suggest')
        request = Lightly.SuggestRequest(batch_size=6, labeled=[])
        self.assertEqual(len(request.dup_picks()), 0)
        batch = host.suggester.suggest(request, None)
        picks = request.dup_picks()
        self.assertEqual([p.get_file_name() for p in picks], list(batch))
        self.assertEqual([p.get_rank() for p in picks], list(range(6)))
        for p in picks:
            self.assertNotEqual(p.get_method(), Lightly.SamplingMethod.AUTO)
            self.assertTrue(numpy.isfinite(p.get_utility()))

    def test_half_labeled(self):
        host = Host(self.store, 'lightly-suggest')
        first = host.suggest(10)
        labeled = first[:5]
        second = host.suggest(10, labeled)
        self.assert_batch(second, 10, labeled)
        mask = Lightly.BitMask.new_from_hex(self.store.tag_mask('lightly-suggest-labeled-2'))
        self.assertEqual(sorted(mask.masked_select(self.pool)), sorted(labeled))

    def test_predictions_by_name(self):
        other = Store()
        try:
            p = predictions_for(self.pool)
            order = numpy.random.default_rng(3).permutation(N_POOL)
            in_order = Lightly.Predictions.new_from_bytes(
                self.pool, GLib.Bytes.new(p.tobytes()), N_POOL, 10)
            shuffled = Lightly.Predictions.new_from_bytes(
                [self.pool[i] for i in order], GLib.Bytes.new(p[order].tobytes()), N_POOL, 10)
            labeled = self.pool[:10]
            a = Host(self.store, 'lightly-suggest').suggest(12, labeled, in_order)
            b = Host(other, 'lightly-suggest').suggest(12, labeled, shuffled)
            self.assert_batch(a, 12, labeled)
            self.assertEqual(a, b)
        finally:
            other.close()

    def test_busy(self):
        host = Host(self.store, 'lightly-suggest')
        request = Lightly.SuggestRequest(batch_size=8, labeled=[])
        loop = GLib.MainLoop()
        results = {}

        def done(name):
            def callback(suggester, result):
                try:
                    results[name] = suggester.suggest_finish(result)
                except GLib.Error as e:
                    results[name] = e
                if len(results) == 2:
                    loop.quit()
            return callback

        host.suggester.suggest_async(request, None, done('first'))
        host.suggester.suggest_async(request, None, done('second'))
        loop.run()
        self.assert_batch(results['first'], 8, [])
        self.assertIsInstance(results['second'], GLib.Error)
        self.assertTrue(results['second'].matches(Lightly.error_quark(), Lightly.Error.BUSY))

    def test_cancel_leaves_tags(self):
        host = Host(self.store, 'lightly-suggest')
        names = ['initial-tag', 'lightly-suggest-round-1', 'lightly-suggest-labeled-1']
        before = [self.store.tag_mask(name) for name in names]
        cancellable = Gio.Cancellable()
        cancellable.cancel()
        with self.assertRaises(GLib.Error) as cm:
            host.suggester.suggest(Lightly.SuggestRequest(batch_size=8, labeled=self.pool[:3]), cancellable)
        self.assertTrue(cm.exception.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED))
        self.assertEqual([self.store.tag_mask(name) for name in names], before)
        self.assertIsNone(before[1])

        # Cancelled from a timeout while the round runs: CANCELLED, and then
        # no round tag; or, if the round won the race, a finished round.
        loop = GLib.MainLoop()
        result = {}

        def done(suggester, res):
            try:
                result['names'] = suggester.suggest_finish(res)
            except GLib.Error as e:
                result['error'] = e
            loop.quit()

        cancellable = Gio.Cancellable()
        host.suggester.suggest_async(Lightly.SuggestRequest(batch_size=8), cancellable, done)
        GLib.timeout_add(2, lambda: cancellable.cancel() and False)
        loop.run()
        if 'error' in result:
            self.assertTrue(result['error'].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED))
            self.assertIsNone(self.store.tag_mask('lightly-suggest-round-1'))
        else:
            self.assertEqual(len(result['names']), 8)
            self.assertIsNotNone(self.store.tag_mask('lightly-suggest-round-1'))

    def test_bad_predictions(self):
        names = self.pool[:2]
        with self.assertRaises(GLib.Error) as cm:
            Lightly.Predictions.new_from_bytes(
                names, GLib.Bytes.new(numpy.array([[0.5, float('nan')], [0.5, 0.5]],
                                                  dtype=numpy.float32).tobytes()), 2, 2)
        self.assertIn(names[0], cm.exception.message)
        with self.assertRaises(GLib.Error) as cm:
            Lightly.Predictions.new_from_bytes(
                [names[0], names[0]], GLib.Bytes.new(numpy.full((2, 1), 0.5, numpy.float32).tobytes()), 2, 1)
        self.assertIn('twice', cm.exception.message)


class TestPythonPluginFromPython(unittest.TestCase):
    def setUp(self):
        self.store = Store()
        self.pool = self.store.file_names()

    def tearDown(self):
        self.store.close()

    def test_margin_and_random(self):
        host = Host(self.store, 'lightly_suggest_py')
        progress = []
        host.suggester.connect('progress', lambda _s, fraction: progress.append(fraction))
        batch = host.suggest(7, self.pool[:100])
        # The Python plugin reports from its worker thread; the host gets
        # the fractions in its own thread, before the batch.
        self.assertEqual(progress, [0.5, 1.0])
        self.assertEqual(len(batch), 7)
        self.assertFalse(set(batch) & set(self.pool[:100]))

        p = numpy.full((N_POOL, 1), 0.99, numpy.float32)
        p[::50, 0] = 0.5
        predictions = Lightly.Predictions.new_from_bytes(self.pool, GLib.Bytes.new(p.tobytes()), N_POOL, 1)
        batch = host.suggest(3, [self.pool[0]], predictions)
        self.assertEqual(batch, [self.pool[50], self.pool[100], self.pool[150]])


if __name__ == '__main__':
    unittest.main()
