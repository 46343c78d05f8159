#!/usr/bin/python3
"""The PyGObject overrides (introspection/overrides/Lightly.py): numpy in,
numpy out, embeddings from an array, and the errors for bad shapes.

Runs with the in-tree copy of the overrides first on PYTHONPATH (meson)."""
import os
import shutil
import tempfile
import unittest

import numpy

import gi
gi.require_version('Lightly', '1.0')
from gi.repository import GLib, Lightly  # noqa: E402


def error_code(cm):
    return cm.exception.code if cm.exception.domain == GLib.quark_to_string(Lightly.error_quark()) else None


class OverridesLoaded(unittest.TestCase):
    def test_from_this_tree(self):
        # The override module, not the bare typelib class, answers.
        self.assertTrue(hasattr(Lightly.ApiWorkflowClient, 'upload_embeddings_from_array'))
        expected = os.environ.get('LIGHTLY_TEST_OVERRIDES')
        if expected:
            import gi.overrides.Lightly as mod
            self.assertEqual(os.path.realpath(mod.__file__), os.path.realpath(expected))


class ScorerTest(unittest.TestCase):
    PROBS = numpy.array([[0.7, 0.2, 0.1], [0.4, 0.4, 0.2], [1 / 3, 1 / 3, 1 / 3]])

    def test_classification_any_float_dtype(self):
        ref = Lightly.ScorerClassification.new(self.PROBS.ravel().tolist(), 3, 3).calculate_scores()
        self.assertIsInstance(ref, dict)
        self.assertEqual(sorted(ref), sorted(Lightly.ScorerClassification.get_score_names()))
        for dtype in (numpy.float16, numpy.float32, numpy.float64, '>f8'):
            scores = Lightly.ScorerClassification.new(self.PROBS.astype(dtype)).calculate_scores()
            for name, values in scores.items():
                self.assertIsInstance(values, numpy.ndarray)
                self.assertEqual(values.dtype, numpy.float64)
                self.assertEqual(values.shape, (3,))
                numpy.testing.assert_allclose(values, ref[name], atol=2e-3 if dtype == numpy.float16 else 1e-6)
        # margin of row 0: 1 - (0.7 - 0.2)
        self.assertAlmostEqual(ref['uncertainty_margin'][0], 0.5, places=6)

    def test_classification_views(self):
        # A Fortran-ordered array and a strided view are converted, not misread.
        f = numpy.asfortranarray(self.PROBS.astype(numpy.float32))
        wide = numpy.zeros((3, 6), dtype=numpy.float32)
        wide[:, ::2] = self.PROBS
        a = Lightly.ScorerClassification.new(f).calculate_scores()
        b = Lightly.ScorerClassification.new(wide[:, ::2]).calculate_scores()
        c = Lightly.ScorerClassification.new(self.PROBS).calculate_scores()
        for name in c:
            numpy.testing.assert_allclose(a[name], c[name], atol=1e-6)
            numpy.testing.assert_allclose(b[name], c[name], atol=1e-6)
        self.assertEqual(len(Lightly.ScorerClassification.new(self.PROBS)), 3)

    def test_zero_copy_paths_same_results(self):
        # An array over a whole bytes object is handed to GLib.Bytes as that
        # bytes object (no Python-side copy); a plain array, an offset view
        # and a reshaped one take the tobytes() path. All score the same,
        # and the same as the C form (a flat list) and as raw GLib.Bytes.
        import gi.overrides.Lightly as mod
        probs = self.PROBS.astype('<f4')
        raw = probs.tobytes()
        over_bytes = numpy.frombuffer(raw, dtype='<f4').reshape(3, 3)
        self.assertIs(mod._bytes_source(over_bytes), raw)
        self.assertIsNone(mod._bytes_source(probs))
        padded = numpy.frombuffer(b'\0' * 4 + raw, dtype='<f4')[1:].reshape(3, 3)
        self.assertIsNone(mod._bytes_source(padded))
        ref = Lightly.ScorerClassification.new(self.PROBS.ravel().tolist(), 3, 3).calculate_scores()
        direct = Lightly.Scorer.calculate_scores(
            Lightly.ScorerClassification.new_from_bytes(GLib.Bytes.new(raw), 3, 3))
        for source in (over_bytes, probs, padded):
            scores = Lightly.ScorerClassification.new(source).calculate_scores()
            for name in ref:
                numpy.testing.assert_array_equal(scores[name], direct[name])
                numpy.testing.assert_allclose(scores[name], ref[name], atol=1e-6)
        # Scores out: a read-only float64 view (numpy.frombuffer), no copy of its own.
        self.assertFalse(scores['uncertainty_margin'].flags.writeable)
        self.assertFalse(scores['uncertainty_margin'].flags.owndata)

    def test_classification_bad_shape(self):
        with self.assertRaisesRegex(ValueError, r'shape \(n_samples, n_classes\).*\(3,\)'):
            Lightly.ScorerClassification.new(numpy.zeros(3))
        with self.assertRaisesRegex(ValueError, r'2-D.*\(2, 2, 2\)'):
            Lightly.ScorerClassification.new(numpy.zeros((2, 2, 2)))
        with self.assertRaisesRegex(ValueError, 'float array'):
            Lightly.ScorerClassification.new(numpy.array([['a', 'b']]))

    def test_scores_still_a_lightly_scores(self):
        scores = Lightly.ScorerClassification.new(self.PROBS).calculate_scores()
        # The C object is kept: its methods stay reachable, and it can be uploaded.
        self.assertIsInstance(scores.scores, Lightly.Scores)
        self.assertEqual(scores.get_n_samples(), 3)
        self.assertEqual(list(scores.get_values('uncertainty_margin')), list(scores['uncertainty_margin']))
        plain = scores.scores
        self.assertEqual(len(plain), 3)
        self.assertEqual(sorted(plain), sorted(scores))
        numpy.testing.assert_array_equal(plain['uncertainty_entropy'], scores['uncertainty_entropy'])
        with self.assertRaises(KeyError):
            plain['nope']

    def test_segmentation_3d(self):
        rng = numpy.random.default_rng(1)
        images = rng.random((2, 4, 5, 3))
        images /= images.sum(axis=3, keepdims=True)
        a = Lightly.ScorerSemanticSegmentation.new()
        self.assertEqual(len(a), 0)
        self.assertTrue(a)                      # empty, but an object is never false
        for image in images:
            self.assertTrue(a.add_image(image))
        b = Lightly.ScorerSemanticSegmentation.new()
        for image in images:
            b.add_image(image.ravel().tolist(), *image.shape)
        self.assertEqual(len(a), 2)
        sa, sb = a.calculate_scores(), b.calculate_scores()
        self.assertEqual(sorted(sa), sorted(sb))
        for name in sa:
            numpy.testing.assert_allclose(sa[name], sb[name], atol=1e-6)
        self.assertEqual(len(Lightly.ScorerSemanticSegmentation.new_from_images(images)), 2)
        with self.assertRaisesRegex(ValueError, r'\(width, height, n_classes\).*\(4, 5\)'):
            a.add_image(images[0, :, :, 0])

    def test_keypoints_3d(self):
        kp = numpy.array([[[1, 2, 0.9], [3, 4, 0.2]], [[5, 6, 0.5], [7, 8, 0.4]]], dtype=numpy.float32)
        scorer = Lightly.ScorerKeypointDetection.new()
        self.assertTrue(scorer.add_image(kp))
        self.assertEqual(len(scorer), 1)
        self.assertIn('mean_uncertainty', scorer.calculate_scores())
        with self.assertRaisesRegex(ValueError, r'\(n_instances, n_keypoints, 3\)'):
            scorer.add_image(numpy.zeros((2, 2)))

    def test_predictions(self):
        p = Lightly.Predictions.new(['a', 'b'], numpy.array([[0.1, 0.9], [0.6, 0.4]]))
        self.assertEqual(len(p), 2)
        numpy.testing.assert_allclose(p.to_numpy(), [[0.1, 0.9], [0.6, 0.4]], atol=1e-7)
        with self.assertRaisesRegex(ValueError, r'\(len\(names\), n_classes\)'):
            Lightly.Predictions.new(['a'], numpy.zeros(2))


class BatchSuggesterProgressTest(unittest.TestCase):
    def test_progress_signal(self):
        # A Python suggester reports progress with emit_progress(); the
        # fraction is clamped to [0, 1] for the host.
        from gi.repository import GObject

        class Suggester(GObject.Object, Lightly.BatchSuggester):
            context = GObject.Property(type=Lightly.SuggestContext)

        s = Suggester()
        seen = []
        s.connect('progress', lambda _s, f: seen.append(f))
        for f in (0.0, 0.25, 1.5, -1.0):
            s.emit_progress(f)
        self.assertEqual(seen, [0.0, 0.25, 1.0, 0.0])


class EmbeddingsAndMasksTest(unittest.TestCase):
    N, D = 60, 8

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='lightly-py-overrides-')
        self.client = Lightly.ApiWorkflowClient.new(GLib.filename_to_uri(self.dir, None), None, None)
        self.names = [f'img-{i:03d}.png' for i in range(self.N)]
        self.client.create_dataset('ds', None)
        self.assertTrue(self.client.register_samples_from_names(self.names, None))
        self.x = numpy.random.default_rng(3).standard_normal((self.N, self.D)).astype(numpy.float32)

    def tearDown(self):
        self.client = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_upload_then_query_as_numpy(self):
        emb_id = self.client.upload_embeddings_from_array(self.names, self.x.astype(numpy.float64), 'x')
        self.assertEqual(self.client.props.embedding_id, emb_id)
        agent = Lightly.Agent.new(self.client, None, None, None)
        config = Lightly.SamplerConfig(method=Lightly.SamplingMethod.CORESET, n_samples=7)
        result = agent.query(config, None, None)
        self.assertEqual(len(result), 7)
        self.assertEqual(list(result), result.get_added())
        mask = result.to_numpy()
        self.assertEqual(mask.dtype, bool)
        self.assertEqual(mask.shape, (self.N,))
        self.assertEqual(int(mask.sum()), 7)
        idx = result.indices()
        numpy.testing.assert_array_equal(idx, numpy.flatnonzero(mask))
        self.assertEqual(sorted(numpy.array(self.names)[idx].tolist()), sorted(agent.props.labeled_set))
        tag = result.get_tag()
        self.assertEqual(len(tag), 7)
        self.assertEqual(list(tag), idx.tolist())
        bm = tag.bit_mask()
        self.assertEqual(len(bm), 7)
        self.assertIn(int(idx[0]), bm)
        numpy.testing.assert_array_equal(bm.indices(), idx)

    def test_upload_same_as_csv(self):
        # The array path and the CSV path store the same matrix: the same
        # CORESET picks from the same seed.
        csv = os.path.join(self.dir, 'emb.csv')
        with open(csv, 'w') as f:
            f.write('filenames,' + ','.join(f'embedding_{j}' for j in range(self.D)) + '\n')
            for n, row in zip(self.names, self.x):
                f.write(n + ',' + ','.join(repr(float(v)) for v in row) + '\n')
        picks = []
        for how in ('csv', 'array'):
            if how == 'csv':
                self.client.upload_embeddings_from_path(csv, how, None)
            else:
                self.client.upload_embeddings_from_array(self.names, self.x, how)
            config = Lightly.SamplerConfig(method=Lightly.SamplingMethod.CORESET, n_samples=5, name=how)
            tag = self.client.sampling(config, None, None, None)
            picks.append(tag.indices().tolist())
        self.assertEqual(picks[0], picks[1])

    def test_upload_zero_copy_same_matrix(self):
        # Every way in stores the same normalised matrix, byte for byte: an
        # array over a whole bytes object (read in place, no copy), a plain
        # float32 array (one tobytes copy), float64 (converted), and the C
        # API's GLib.Bytes.
        import gi.overrides.Lightly as mod
        raw = self.x.tobytes()
        over_bytes = numpy.frombuffer(raw, dtype='<f4').reshape(self.N, self.D)
        self.assertIs(mod._bytes_source(over_bytes), raw)
        ids = [
            self.client.upload_embeddings_from_array(self.names, over_bytes, 'zero-copy'),
            self.client.upload_embeddings_from_array(self.names, self.x, 'tobytes'),
            self.client.upload_embeddings_from_array(self.names, self.x.astype(numpy.float64), 'f64'),
            self.client.upload_embeddings_from_data(self.names, raw, self.N, self.D, 'data', None),
            self.client.upload_embeddings_from_bytes(self.names, GLib.Bytes.new(raw), self.N, self.D, 'gbytes',
                                                     None),
        ]
        stored = []
        for emb_id in ids:
            with open(os.path.join(self.dir, 'embeddings', emb_id + '.f32'), 'rb') as f:
                stored.append(f.read())
        self.assertEqual(len(stored[0]), self.N * self.D * 4)
        for other in stored[1:]:
            self.assertEqual(other, stored[0])
        with self.assertRaises(GLib.Error) as cm:
            self.client.upload_embeddings_from_data(self.names, raw[:-4], self.N, self.D, 'short', None)
        self.assertEqual(error_code(cm), Lightly.Error.EMBEDDING_INVALID)

    def test_upload_async(self):
        loop = GLib.MainLoop()
        out = {}

        def done(client, res):
            try:
                out['id'] = client.upload_embeddings_from_bytes_finish(res)
            except GLib.Error as e:
                out['error'] = e
            loop.quit()
        self.client.upload_embeddings_from_array_async(self.names, self.x, 'async', None, done)
        loop.run()
        self.assertNotIn('error', out)
        self.assertEqual(self.client.props.embedding_id, out['id'])

    def test_upload_refusals(self):
        with self.assertRaisesRegex(ValueError, r'one row per file name'):
            self.client.upload_embeddings_from_array(self.names[:-1], self.x, 'short')
        with self.assertRaisesRegex(ValueError, r'\(len\(file_names\), dim\)'):
            self.client.upload_embeddings_from_array(self.names, self.x.ravel(), 'flat')
        bad = self.x.copy()
        bad[4, 2] = numpy.nan
        with self.assertRaises(GLib.Error) as cm:
            self.client.upload_embeddings_from_array(self.names, bad, 'nan')
        self.assertEqual(error_code(cm), int(Lightly.Error.EMBEDDING_INVALID))
        self.assertIn('row 4', cm.exception.message)
        bad[4, 2] = numpy.inf
        with self.assertRaises(GLib.Error) as cm:
            self.client.upload_embeddings_from_array(self.names, bad, 'inf')
        self.assertIn('infinite', cm.exception.message)
        with self.assertRaises(GLib.Error) as cm:
            self.client.upload_embeddings_from_array([], numpy.zeros((0, 4), numpy.float32), 'empty')
        self.assertEqual(error_code(cm), int(Lightly.Error.EMBEDDING_INVALID))
        # The C call checks the byte count itself.
        with self.assertRaises(GLib.Error) as cm:
            self.client.upload_embeddings_from_bytes(self.names, GLib.Bytes.new(b'\0' * 12), self.N, self.D, 'b', None)
        self.assertEqual(error_code(cm), int(Lightly.Error.EMBEDDING_INVALID))
        self.assertIsNone(self.client.props.embedding_id)


if __name__ == '__main__':
    unittest.main(verbosity=2)
