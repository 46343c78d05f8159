#!/usr/bin/python3
"""Scores, scorers and their inputs through PyGObject (protocol.md §6)."""
import math
import unittest

import numpy

import gi
gi.require_version('Lightly', '1.0')
from gi.repository import GLib, GObject, Lightly  # noqa: E402

CLASSIFICATION_NAMES = ['uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy']


def error_matches(testcase, cm, code, *needles):
    testcase.assertTrue(cm.exception.matches(Lightly.error_quark(), code),
                        f'{cm.exception.domain} {cm.exception.code}: {cm.exception.message}')
    for needle in needles:
        testcase.assertIn(needle, cm.exception.message)


class PyScorer(Lightly.Scorer):
    """A Python scorer: one value per sample, called from C."""

    def __init__(self, values):
        super().__init__()
        self.values = values
        self.calls = 0

    def do_calculate_scores(self):
        self.calls += 1
        scores = Lightly.Scores.new(len(self.values))
        scores.add('py_score', self.values)
        return scores


class RaisingScorer(Lightly.Scorer):
    def do_calculate_scores(self):
        raise GLib.Error.new_literal(Lightly.error_quark(), 'my model is not loaded',
                                     int(Lightly.Error.NOT_INITIALIZED))


class NaNScorer(Lightly.Scorer):
    """Bad data: Scores.add raises inside the vfunc, the error reaches the caller."""

    def do_calculate_scores(self):
        scores = Lightly.Scores.new(2)
        scores.add('bad', [0.5, float('nan')])
        return scores


class NoneScorer(Lightly.Scorer):
    def do_calculate_scores(self):
        return None


class ScoresTest(unittest.TestCase):
    def test_add_list(self):
        scores = Lightly.Scores.new(3)
        self.assertEqual(scores.get_n_samples(), 3)
        self.assertEqual(scores.props.n_samples, 3)
        self.assertTrue(scores.add('second', [0.1, 0.2, 0.3]))
        scores.add('first', numpy.array([1.0, 0.0, 0.5]))
        self.assertEqual(scores.dup_names(), ['second', 'first'])
        self.assertEqual(scores.get_n_names(), 2)
        self.assertTrue(scores.contains('first'))
        self.assertFalse(scores.contains('third'))
        self.assertEqual(scores.get_values('second'), [0.1, 0.2, 0.3])
        data = scores.dup_values_bytes('first').get_data()
        self.assertEqual(numpy.frombuffer(data, '<f8').tolist(), [1.0, 0.0, 0.5])
        self.assertIsNone(scores.dup_values_bytes('third'))

    def test_construct_property(self):
        scores = Lightly.Scores(n_samples=2)
        self.assertEqual(scores.get_n_samples(), 2)

    def test_errors(self):
        scores = Lightly.Scores.new(3)
        scores.add('ok', [0, 0, 0])
        with self.assertRaises(GLib.Error) as cm:
            scores.add('short', [0.1, 0.2])
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, '2 values', '3 samples')
        with self.assertRaises(GLib.Error) as cm:
            scores.add('nan', [0.1, float('nan'), 0.3])
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, 'index 1', 'nan')
        with self.assertRaises(GLib.Error) as cm:
            scores.add('inf', [0.1, 0.2, float('inf')])
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, 'index 2', 'inf')
        with self.assertRaises(GLib.Error) as cm:
            scores.add('bad name!', [0, 0, 0])
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, 'bad name!')
        with self.assertRaises(GLib.Error) as cm:
            scores.add('ok', [0, 0, 0])
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, 'exists already')
        self.assertEqual(scores.dup_names(), ['ok'])


class ScorerSubclassTest(unittest.TestCase):
    def test_python_scorer_called_from_c(self):
        scorer = PyScorer([0.25, 0.75])
        scores = Lightly.Scorer.calculate_scores(scorer)
        self.assertEqual(scorer.calls, 1)
        self.assertEqual(scores.dup_names(), ['py_score'])
        self.assertEqual(scores.get_values('py_score'), [0.25, 0.75])
        # the method form goes through the same C wrapper
        self.assertEqual(scorer.calculate_scores().get_values('py_score'), [0.25, 0.75])
        self.assertEqual(scorer.calls, 2)

    def test_raising_scorer(self):
        with self.assertRaises(GLib.Error) as cm:
            Lightly.Scorer.calculate_scores(RaisingScorer())
        error_matches(self, cm, Lightly.Error.NOT_INITIALIZED, 'my model is not loaded')

    def test_bad_data(self):
        with self.assertRaises(GLib.Error) as cm:
            Lightly.Scorer.calculate_scores(NaNScorer())
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, 'bad', 'index 1')

    def test_none(self):
        with self.assertRaises(GLib.Error) as cm:
            Lightly.Scorer.calculate_scores(NoneScorer())
        error_matches(self, cm, Lightly.Error.FAILED, 'NoneScorer', 'no scores and no error')

    def test_abstract(self):
        with self.assertRaises(TypeError):
            Lightly.Scorer()


class ClassificationTest(unittest.TestCase):
    # (row, normalised, raw) from protocol.md §6.1
    VECTORS = [
        ([0.7, 0.2, 0.1], [0.45, 0.5, 0.7298466992], [0.3, 0.5, 1.1567796494]),
        ([0.4, 0.5, 0.1], [0.75, 0.9, 0.8586727111], [0.5, 0.9, 1.3609640474]),
        ([0.3, 0.3, 0.4], [0.9, 0.9, 0.9911594714], [0.6, 0.9, 1.5709505945]),
    ]

    def check(self, scores, expected, eps):
        self.assertEqual(scores.dup_names(), CLASSIFICATION_NAMES)
        for name, column in zip(CLASSIFICATION_NAMES, zip(*expected)):
            values = scores.get_values(name)
            self.assertEqual(len(values), len(column))
            for got, want in zip(values, column):
                self.assertAlmostEqual(got, want, delta=eps)

    def test_vectors_list(self):
        flat = [v for row, _, _ in self.VECTORS for v in row]
        scorer = Lightly.ScorerClassification.new(flat, len(self.VECTORS), 3)
        self.assertTrue(scorer.props.normalize)
        self.check(scorer.calculate_scores(), [n for _, n, _ in self.VECTORS], 1e-9)
        scorer.props.normalize = False
        self.check(scorer.calculate_scores(), [r for _, _, r in self.VECTORS], 1e-9)

    def test_vectors_bytes(self):
        a = numpy.array([row for row, _, _ in self.VECTORS])
        data = GLib.Bytes.new(a.astype(numpy.float32).tobytes())
        scorer = Lightly.ScorerClassification.new_from_bytes(data, *a.shape)
        self.assertEqual(scorer.get_n_rows(), 3)
        self.assertEqual(scorer.get_n_cols(), 3)
        self.check(scorer.calculate_scores(), [n for _, n, _ in self.VECTORS], 1e-6)
        scorer = Lightly.ScorerClassification.new_from_bytes(data, *a.shape)
        scorer.set_normalize(False)
        self.check(scorer.calculate_scores(), [r for _, _, r in self.VECTORS], 1e-6)

    def test_binary_and_nan(self):
        scorer = Lightly.ScorerClassification.new([0.7, 0.4, float('nan')], 3, 1)
        self.check(scorer.calculate_scores(),
                   [[0.6, 0.6, 0.8812908992], [0.8, 0.8, 0.9709505945], [0, 0, 0]], 1e-9)

    def test_empty(self):
        scorer = Lightly.ScorerClassification.new([], 0, 5)
        scores = scorer.calculate_scores()
        self.assertEqual(scores.dup_names(), CLASSIFICATION_NAMES)
        self.assertEqual(scores.get_n_samples(), 0)
        self.assertEqual(scores.get_values('uncertainty_margin'), [])

    def test_errors(self):
        with self.assertRaises(GLib.Error) as cm:
            Lightly.ScorerClassification.new([0.5] * 6, 4, 2)
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, '6 prediction values', '4 rows × 2 columns')
        with self.assertRaises(GLib.Error) as cm:
            Lightly.ScorerClassification.new([], 2, 0)
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, 'empty dimension 1')
        with self.assertRaises(GLib.Error) as cm:
            Lightly.ScorerClassification.new_from_bytes(GLib.Bytes.new(b'\0' * 10), 1, 2)
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, '10 bytes', '8 bytes')

    def test_score_names(self):
        self.assertEqual(Lightly.ScorerClassification.get_score_names(), CLASSIFICATION_NAMES)


class ObjectDetectionTest(unittest.TestCase):
    def test_box(self):
        box = Lightly.BoundingBox.new(-0.1, 0.2, 0.5, 1.3, True)
        self.assertEqual((box.x0, box.y0, box.x1, box.y1), (0.0, 0.2, 0.5, 1.0))
        self.assertAlmostEqual(box.get_area(), 0.4, delta=1e-12)
        yolo = Lightly.BoundingBox.new_from_yolo_label(0.5, 0.5, 0.2, 0.4)
        self.assertAlmostEqual(yolo.x0, 0.4, delta=1e-12)
        self.assertAlmostEqual(yolo.get_height(), 0.4, delta=1e-12)
        xywh = Lightly.BoundingBox.new_from_x_y_w_h(0.1, 0.1, 0.2, 0.2)
        self.assertAlmostEqual(xywh.get_width(), 0.2, delta=1e-12)
        with self.assertRaises(GLib.Error) as cm:
            Lightly.BoundingBox.new(0.5, 0.1, 0.4, 0.9, False)
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, 'x0=0.5', 'x1=0.4')

    def test_example(self):
        box = Lightly.BoundingBox.new(0.1, 0.1, 0.9, 0.9, True)
        o1 = Lightly.ObjectDetectionOutput.new(
            [box, box, box], [0.9, 0.8, 0.5],
            [0.7, 0.2, 0.1, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8], 3)
        self.assertEqual(o1.get_n_boxes(), 3)
        self.assertEqual(o1.get_labels(), [0, 0, 2])
        for got, want in zip(o1.get_scores(), [0.63, 0.48, 0.4]):
            self.assertAlmostEqual(got, want, delta=1e-12)
        self.assertEqual(o1.get_box(2).x1, 0.9)
        o2 = Lightly.ObjectDetectionOutput.new([box], [0.5], [0.5, 0.5, 0.0], 3)
        o3 = Lightly.ObjectDetectionOutput.new([], [], [], 0)
        scorer = Lightly.ScorerObjectDetection.new([o1, o2, o3])
        self.assertEqual(scorer.props.frequency_penalty, 0.25)
        self.assertEqual(scorer.props.min_score, 0.9)
        scores = Lightly.Scorer.calculate_scores(scorer)
        self.assertEqual(scores.dup_names(), Lightly.ScorerObjectDetection.get_score_names())
        expected = {
            'object_frequency': [1.0, 0.9444444444, 0.9],
            'objectness_least_confidence': [0.4966666667, 0.75, 0.0],
            'uncertainty_least_confidence': [0.6, 0.75, 0],
            'uncertainty_margin': [0.7, 1.0, 0],
            'uncertainty_entropy': [0.8173454221, 0.6309297536, 0],
        }
        for name, want in expected.items():
            for g, w in zip(scores.get_values(name), want):
                self.assertAlmostEqual(g, w, delta=1e-9, msg=name)

    def test_from_scores(self):
        box = Lightly.BoundingBox.new(0.1, 0.1, 0.9, 0.9, True)
        out = Lightly.ObjectDetectionOutput.new_from_scores([box, box], [0.8, 0.3], [0, 2])
        self.assertEqual(out.get_n_classes(), 3)
        for g, w in zip(out.get_class_probabilities(), [0.8, 0.1, 0.1, 0.35, 0.35, 0.3]):
            self.assertAlmostEqual(g, w, delta=1e-12)
        self.assertEqual(out.get_labels(), [0, 2])
        with self.assertRaises(GLib.Error) as cm:
            Lightly.ObjectDetectionOutput.new_from_scores([box], [1.5], [0])
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, '1.5')

    def test_errors(self):
        box = Lightly.BoundingBox.new(0.1, 0.1, 0.9, 0.9, True)
        with self.assertRaises(GLib.Error) as cm:
            Lightly.ObjectDetectionOutput.new([box, box], [0.5], [0.5, 0.5, 0.5, 0.5], 2)
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, '2 boxes but 1')
        with self.assertRaises(GLib.Error) as cm:
            Lightly.ScorerObjectDetection.new([])
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, 'at least one output')


class SegmentationAndKeypointsTest(unittest.TestCase):
    def test_segmentation(self):
        a = numpy.array([[[.9, .1], [.5, .5]], [[.2, .8], [1, 0]]])
        scorer = Lightly.ScorerSemanticSegmentation.new()
        self.assertEqual(scorer.calculate_scores().get_n_names(), 0)
        scorer.add_image(a.ravel().tolist(), *a.shape)
        scorer.add_image_from_bytes(GLib.Bytes.new(a.astype(numpy.float32).tobytes()), *a.shape)
        self.assertEqual(scorer.get_n_images(), 2)
        scores = scorer.calculate_scores()
        self.assertEqual(scores.dup_names(), CLASSIFICATION_NAMES)
        for name, want in zip(CLASSIFICATION_NAMES, [0.4, 0.4, 0.5477309221]):
            got = scores.get_values(name)
            self.assertAlmostEqual(got[0], want, delta=1e-9)
            self.assertAlmostEqual(got[1], want, delta=1e-6)
        with self.assertRaises(GLib.Error) as cm:
            scorer.add_image([0.5] * 7, 2, 2, 2)
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, 'Image 2', '7 values')

    def test_keypoints(self):
        inst = Lightly.KeypointInstance.new
        scorer = Lightly.ScorerKeypointDetection.new()
        scorer.add_image([inst([0, 0, 0.1, 1, 1, 0.2]), inst([0, 0, 0.1, 1, 1, 0.3])])
        scorer.add_image([inst([0, 0, 0.1, 1, 1, 0.2])])
        scorer.add_image([])
        scorer.add_image([inst([]), inst([3, 4, 0.9])])
        scorer.add_image_flat([0, 0, 1.0, 1, 1, 1.0, 2, 2, 1.0], [9])
        self.assertEqual(inst([1, 2, 0.5]).get_keypoints(), [1, 2, 0.5])
        values = scorer.calculate_scores().get_values('mean_uncertainty')
        for g, w in zip(values, [0.825, 0.85, 0, 0.1, 0]):
            self.assertAlmostEqual(g, w, delta=1e-9)
        self.assertEqual(len(values), 5)
        with self.assertRaises(GLib.Error) as cm:
            inst([0, 0, 0.5, 1])
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, 'multiple of 3')
        with self.assertRaises(GLib.Error) as cm:
            inst([0, 0, math.nan])
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, 'nan')
        with self.assertRaises(GLib.Error) as cm:
            scorer.add_image_flat([0, 0, 0.5, 0, 0, 1.5], [3, 3])
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, 'instance 1 of image 5', '1.5')


class EnsembleScorer(unittest.TestCase):
    """LightlyScorerEnsemble against numpy on random Dirichlet members."""

    @staticmethod
    def reference(p):
        def entropy(q):
            return -(q * numpy.log2(numpy.where(q > 0, q, 1))).sum(-1)
        t, n, c = p.shape
        mean = p.mean(0)
        bald = numpy.maximum(0, entropy(mean) - entropy(p).mean(0))
        votes = numpy.zeros((n, c), int)
        for member in p.argmax(-1):
            votes[numpy.arange(n), member] += 1
        vr = 1 - votes.max(1) / t
        vr_max = 1 - numpy.ceil(t / c) / t
        return {'uncertainty_bald': bald / numpy.log2(c),
                'uncertainty_variation_ratio': vr / vr_max,
                'uncertainty_predictive_entropy': entropy(mean) / numpy.log2(c)}

    def test_matches_numpy(self):
        rng = numpy.random.default_rng(7)
        p = rng.dirichlet(numpy.full(5, 0.3), size=(8, 200))
        scorer = Lightly.ScorerEnsemble.new(p.ravel().tolist(), *p.shape)
        scores = scorer.calculate_scores()
        self.assertEqual(scores.dup_names(), list(Lightly.ScorerEnsemble.get_score_names()))
        for name, want in self.reference(p).items():
            numpy.testing.assert_allclose(scores.get_values(name), numpy.clip(want, 0, 1), atol=1e-9, err_msg=name)
        f32 = p.astype(numpy.float32)
        from_bytes = Lightly.ScorerEnsemble.new_from_bytes(GLib.Bytes.new(f32.tobytes()), *p.shape)
        for name, want in self.reference(f32.astype(numpy.float64)).items():
            numpy.testing.assert_allclose(from_bytes.calculate_scores().get_values(name),
                                          numpy.clip(want, 0, 1), atol=1e-6, err_msg=name)

    def test_bad_rows(self):
        p = numpy.full((2, 3, 2), 0.5)
        p[1, 2] = [0.9, 0.3]
        with self.assertRaises(GLib.Error) as cm:
            Lightly.ScorerEnsemble.new(p.ravel().tolist(), 2, 3, 2)
        error_matches(self, cm, Lightly.Error.INVALID_INPUT, 'Member 1, row 2', 'sum to 1.2')


if __name__ == '__main__':
    unittest.main()
