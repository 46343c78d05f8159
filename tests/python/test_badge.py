#!/usr/bin/python3
"""BADGE, class probabilities and class balance through PyGObject."""
import unittest

import gi
gi.require_version('Lightly', '1.0')
from gi.repository import GLib, Lightly  # noqa: E402

M = Lightly.SamplingMethod


class BadgeTest(unittest.TestCase):
    def test_method(self):
        # Appended after AUTO: the older values keep their numbers.
        self.assertEqual(int(M.AUTO), 6)
        self.assertEqual(int(M.BADGE), 7)
        self.assertEqual(Lightly.sampling_method_to_string(M.BADGE), 'BADGE')
        self.assertEqual(Lightly.sampling_method_from_string('badge'), M.BADGE)
        self.assertTrue(Lightly.SamplerConfig(method=M.BADGE, n_samples=10).validate())

    def test_balance(self):
        config = Lightly.SamplerConfig()
        self.assertFalse(config.props.balance)
        seen = []
        config.connect('notify::balance', lambda *a: seen.append(config.props.balance))
        config.props.balance = True
        config.set_balance(True)
        self.assertEqual(seen, [True])
        self.assertTrue(config.get_balance())
        self.assertTrue(config.copy().props.balance)
        self.assertTrue(Lightly.SamplerConfig(balance=True).props.balance)

    def test_add_probabilities(self):
        scores = Lightly.Scores.new(2)
        scores.add_probabilities([0.25, 0.75, 0.5, 0.5], 2)
        self.assertEqual(list(scores.get_values('class_probability_1')), [0.75, 0.5])
        for values, n_classes, fragment in (([0.25, 0.75, 0.5], 2, '2 samples × 2 classes'),
                                            ([0.25, 0.25, 0.5, 0.5], 2, 'sum to 0.5'),
                                            ([0.5, 0.5], 1, 'at least 2 classes'),
                                            ([float('nan'), 1.0, 0.5, 0.5], 2, 'is nan')):
            with self.assertRaises(GLib.Error) as cm:
                Lightly.Scores.new(2).add_probabilities(values, n_classes)
            self.assertTrue(cm.exception.matches(Lightly.error_quark(), Lightly.Error.INVALID_INPUT))
            self.assertIn(fragment, cm.exception.message)

    def test_classification_scorer_probabilities(self):
        scorer = Lightly.ScorerClassification.new([0.1, 0.9, 0.6, 0.4], 2, 2)
        self.assertFalse(scorer.props.probabilities)
        self.assertNotIn('class_probability_0', scorer.calculate_scores().scores)
        scorer.props.probabilities = True
        scores = scorer.calculate_scores().scores
        self.assertEqual(list(scores['class_probability_0']), [0.1, 0.6])
        self.assertEqual(list(scores['class_probability_1']), [0.9, 0.4])
        self.assertIn('uncertainty_margin', scores)
        # Not probabilities: calculate_scores says which row.
        bad = Lightly.ScorerClassification.new([0.1, 0.1, 0.6, 0.4], 2, 2)
        bad.props.probabilities = True
        with self.assertRaises(GLib.Error) as cm:
            bad.calculate_scores()
        self.assertIn('sample 0', cm.exception.message)


if __name__ == '__main__':
    unittest.main()
