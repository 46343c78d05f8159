#!/usr/bin/python3
"""LightlySamplerConfig through PyGObject: protocol §5 and §13."""
import math
import unittest

import gi
gi.require_version('Lightly', '1.0')
from gi.repository import GLib, GObject, Lightly  # noqa: E402


class SamplerConfigTest(unittest.TestCase):
    def assertInvalid(self, config, *fragments):
        with self.assertRaises(GLib.Error) as cm:
            config.validate()
        self.assertTrue(cm.exception.matches(Lightly.error_quark(), Lightly.Error.INVALID_INPUT),
                        cm.exception)
        for fragment in fragments:
            self.assertIn(fragment, cm.exception.message)

    def test_defaults(self):
        config = Lightly.SamplerConfig.new()
        self.assertEqual(config.props.method, Lightly.SamplingMethod.CORESET)
        self.assertEqual(config.props.n_samples, 32)
        self.assertEqual(config.props.min_distance, -1.0)
        self.assertIsNone(config.props.name)
        self.assertIsNone(config.props.score_type)
        self.assertEqual(config.props.score_strength, 1.0)
        self.assertEqual(config.props.seed, 0)
        self.assertFalse(config.props.reuse_scores)
        self.assertTrue(config.validate())

    def test_construct_with_properties(self):
        for config in (Lightly.SamplerConfig(method=Lightly.SamplingMethod.CORAL, n_samples=200,
                                             min_distance=0.25, name='round-2',
                                             score_type='uncertainty_margin', score_strength=2.5,
                                             seed=2 ** 64 - 1, reuse_scores=True),
                       GObject.new(Lightly.SamplerConfig, method=Lightly.SamplingMethod.CORAL,
                                   n_samples=200, min_distance=0.25, name='round-2',
                                   score_type='uncertainty_margin', score_strength=2.5,
                                   seed=2 ** 64 - 1, reuse_scores=True)):
            self.assertEqual(config.get_method(), Lightly.SamplingMethod.CORAL)
            self.assertEqual(config.get_n_samples(), 200)
            self.assertEqual(config.get_min_distance(), 0.25)
            self.assertEqual(config.get_name(), 'round-2')
            self.assertEqual(config.get_score_type(), 'uncertainty_margin')
            self.assertEqual(config.get_score_strength(), 2.5)
            self.assertEqual(config.get_seed(), 2 ** 64 - 1)
            self.assertTrue(config.get_reuse_scores())
            self.assertTrue(config.validate())

    def test_setters_props_and_notify(self):
        config = Lightly.SamplerConfig()
        seen = []
        config.connect('notify', lambda obj, pspec: seen.append(pspec.name))
        config.set_method(Lightly.SamplingMethod.RANDOM)
        config.set_n_samples(-1)
        config.set_min_distance(0.1)
        config.set_name('my tag')
        config.set_score_type('x')
        config.set_score_strength(0.0)
        config.set_seed(7)
        config.set_reuse_scores(True)
        self.assertEqual(seen, ['method', 'n-samples', 'min-distance', 'name', 'score-type',
                                'score-strength', 'seed', 'reuse-scores'])
        seen.clear()
        config.props.n_samples = -1          # unchanged: no notify
        config.props.name = 'my tag'
        self.assertEqual(seen, [])
        config.props.n_samples = 10
        config.props.name = None
        self.assertEqual(seen, ['n-samples', 'name'])
        self.assertIsNone(config.get_name())
        self.assertEqual(config.props.min_distance, 0.1)
        self.assertEqual(config.props.method, Lightly.SamplingMethod.RANDOM)

    def test_copy(self):
        config = Lightly.SamplerConfig(n_samples=77, name='abc', seed=9, score_type='s')
        copy = config.copy()
        config.props.name = 'other'
        self.assertEqual(copy.props.name, 'abc')
        self.assertEqual(copy.props.n_samples, 77)
        self.assertEqual(copy.props.seed, 9)
        self.assertEqual(copy.props.score_type, 's')

    def test_generate_name(self):
        when = GLib.DateTime.new_utc(2021, 5, 27, 14, 45, 13)
        config = Lightly.SamplerConfig()
        self.assertEqual(config.generate_name(when), 'CORESET_32_-1_05_27_2021__14_45_13')
        config.props.n_samples = -1
        config.props.min_distance = 0.1
        self.assertEqual(config.generate_name(when), 'CORESET_-1_0.1_05_27_2021__14_45_13')
        config.props.min_distance = 0.1 + 0.2
        self.assertEqual(config.generate_name(when),
                         'CORESET_-1_%r_05_27_2021__14_45_13' % (0.1 + 0.2))
        self.assertTrue(config.generate_name(None).startswith('CORESET_-1_0.30000000000000004_'))

    def test_validate(self):
        C = Lightly.SamplingMethod
        self.assertTrue(Lightly.SamplerConfig(n_samples=-1, min_distance=0.1).validate())
        self.assertTrue(Lightly.SamplerConfig(method=C.RANDOM, score_type='x',
                                              reuse_scores=True).validate())
        self.assertInvalid(Lightly.SamplerConfig(n_samples=-1, min_distance=-1),
                           'no stopping condition', 'n-samples is -1')
        self.assertInvalid(Lightly.SamplerConfig(min_distance=2.5), '2.5', '[0, 2]')
        self.assertInvalid(Lightly.SamplerConfig(min_distance=math.inf), 'min-distance inf')
        nan = Lightly.SamplerConfig()
        nan.set_min_distance(math.nan)        # GObject refuses NaN as a property value
        self.assertInvalid(nan, 'min-distance nan', 'finite')
        self.assertInvalid(Lightly.SamplerConfig(score_strength=-0.5), 'score-strength -0.5')
        self.assertInvalid(Lightly.SamplerConfig(score_strength=math.inf), 'score-strength inf')
        self.assertInvalid(Lightly.SamplerConfig(name='ab'), '“ab”', 'too short')
        self.assertInvalid(Lightly.SamplerConfig(name='_abc'), 'starts with “_”')
        self.assertInvalid(Lightly.SamplerConfig(name='ab/c'), '“/” at index 2')
        self.assertInvalid(Lightly.SamplerConfig(name='tag ü'), '“ü” at index 4')
        self.assertInvalid(Lightly.SamplerConfig(score_type=''), 'score type is empty')
        self.assertInvalid(Lightly.SamplerConfig(score_type='a b'), 'U+0020 at index 1')


if __name__ == '__main__':
    unittest.main()
