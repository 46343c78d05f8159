#!/usr/bin/python3
"""AUTO and the lightly-glib extension methods through PyGObject."""
import unittest

import gi
gi.require_version('Lightly', '1.0')
from gi.repository import Lightly  # noqa: E402

M = Lightly.SamplingMethod


class AutoTest(unittest.TestCase):
    def test_names(self):
        for method, name in ((M.TYPICLUST, 'TYPICLUST'), (M.PROBCOVER, 'PROBCOVER'), (M.AUTO, 'AUTO')):
            self.assertEqual(Lightly.sampling_method_to_string(method), name)
            self.assertEqual(Lightly.sampling_method_from_string(name.lower()), method)

    def test_resolve(self):
        self.assertEqual(Lightly.sampling_method_resolve(M.AUTO, 0, 10, False), M.TYPICLUST)
        self.assertEqual(Lightly.sampling_method_resolve(M.AUTO, 500, 499, True), M.TYPICLUST)
        self.assertEqual(Lightly.sampling_method_resolve(M.AUTO, 500, 500, True), M.ACTIVE_LEARNING)
        self.assertEqual(Lightly.sampling_method_resolve(M.AUTO, 500, 500, False), M.RANDOM)
        self.assertEqual(Lightly.sampling_method_resolve(M.CORAL, 0, 10, False), M.CORAL)

    def test_resolve_in_pool(self):
        # 10 % of a pool of 3000 is 300: typical samples up to there.
        method, reason = Lightly.sampling_method_resolve_in_pool(M.AUTO, 100, 200, 3000, True)
        self.assertEqual(method, M.TYPICLUST)
        self.assertTrue(reason.startswith('TYPICLUST: 300 of 3000'), reason)
        # Past it, a model of 100 labels is too weak to rank by its scores
        # alone: BADGE, uncertainty and diversity together (mid budget).
        method, reason = Lightly.sampling_method_resolve_in_pool(M.AUTO, 100, 201, 3000, True)
        self.assertEqual(method, M.BADGE)
        self.assertIn('only 100 labels', reason)
        # A batch larger than the labeled set: BADGE too.
        method, reason = Lightly.sampling_method_resolve_in_pool(M.AUTO, 300, 301, 3000, True)
        self.assertEqual(method, M.BADGE)
        self.assertIn('the batch of 301 is larger', reason)
        # Without a model's outputs, the mid budget is RANDOM.
        method, reason = Lightly.sampling_method_resolve_in_pool(M.AUTO, 100, 201, 3000, False)
        self.assertEqual(method, M.RANDOM)
        self.assertIn('no scores given', reason)
        # 300 labels and a batch no larger: the highest scores.
        method, reason = Lightly.sampling_method_resolve_in_pool(M.AUTO, 300, 300, 3000, True)
        self.assertEqual(method, M.ACTIVE_LEARNING)
        self.assertIn('the batch of 300 is no larger', reason)
        method, reason = Lightly.sampling_method_resolve_in_pool(M.AUTO, 0, 10, 1400, True)
        self.assertEqual(method, M.TYPICLUST)
        self.assertIn('cold start', reason)

    def test_query_result_reason(self):
        result = Lightly.QueryResult()
        self.assertIsNone(result.props.reason)
        self.assertIsNone(result.get_reason())

    def test_pick(self):
        pick = Lightly.Pick.new(3, 'a.png', M.TYPICLUST, 1.5, 7)
        self.assertEqual(pick.get_rank(), 3)
        self.assertEqual(pick.get_file_name(), 'a.png')
        self.assertEqual(pick.get_method(), M.TYPICLUST)
        self.assertEqual(pick.get_utility(), 1.5)
        self.assertEqual(pick.get_cluster(), 7)
        copy = pick.copy()
        self.assertEqual(copy.get_file_name(), 'a.png')
        # Not finite is stored as 0; clusters below -1 as -1.
        self.assertEqual(Lightly.Pick.new(0, None, M.RANDOM, float('nan'), -5).get_utility(), 0.0)
        self.assertEqual(Lightly.Pick.new(0, None, M.RANDOM, 0.0, -5).get_cluster(), -1)
        self.assertEqual(len(Lightly.QueryResult().get_picks()), 0)

    def test_config_default_stays_coreset(self):
        self.assertEqual(Lightly.SamplerConfig().props.method, M.CORESET)
        config = Lightly.SamplerConfig(method=M.AUTO, n_samples=10)
        config.validate()


if __name__ == '__main__':
    unittest.main()
