#!/usr/bin/python3
"""The error domain and sampling-method names through PyGObject."""
import unittest

import gi
gi.require_version('Lightly', '1.0')
from gi.repository import GLib, Lightly  # noqa: E402


class ErrorTest(unittest.TestCase):
    def test_domain(self):
        self.assertEqual(GLib.quark_to_string(Lightly.error_quark()), 'lightly-error-quark')
        self.assertEqual(int(Lightly.Error.BUSY), 2)

    def test_method_names(self):
        self.assertEqual(Lightly.sampling_method_to_string(Lightly.SamplingMethod.CORAL), 'CORAL')
        self.assertEqual(Lightly.sampling_method_from_string('coreset'), Lightly.SamplingMethod.CORESET)
        with self.assertRaises(GLib.Error) as cm:
            Lightly.sampling_method_from_string('KMEANS')
        self.assertTrue(cm.exception.matches(Lightly.error_quark(), Lightly.Error.INVALID_INPUT))
        self.assertIn('KMEANS', cm.exception.message)


if __name__ == '__main__':
    unittest.main()
