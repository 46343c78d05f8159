#!/usr/bin/python3
"""LightlyMatrixPrecision and LightlySamplerConfig:matrix-precision through
PyGObject: the enum, the property, and a CORESET query in an embedded store
whose float16/bfloat16 picks equal the float32 ones, with the copy kept
beside the matrix."""
import os
import random
import shutil
import tempfile
import unittest

import gi
gi.require_version('Lightly', '1.0')
from gi.repository import GLib, Lightly  # noqa: E402

P = Lightly.MatrixPrecision


class MatrixPrecisionTest(unittest.TestCase):
    def test_enum(self):
        self.assertEqual([P.FLOAT32, P.FLOAT16, P.BFLOAT16], [0, 1, 2])
        self.assertEqual(Lightly.matrix_precision_to_string(P.BFLOAT16), 'BFLOAT16')
        self.assertEqual(Lightly.matrix_precision_from_string('float16'), P.FLOAT16)
        with self.assertRaises(GLib.Error) as cm:
            Lightly.matrix_precision_from_string('fp8')
        self.assertTrue(cm.exception.matches(Lightly.error_quark(), Lightly.Error.INVALID_INPUT))
        self.assertIn('FLOAT32, FLOAT16 or BFLOAT16', cm.exception.message)

    def test_property(self):
        config = Lightly.SamplerConfig()
        self.assertEqual(config.props.matrix_precision, P.FLOAT32)
        seen = []
        config.connect('notify::matrix-precision', lambda obj, pspec: seen.append(obj.props.matrix_precision))
        config.set_matrix_precision(P.FLOAT16)
        config.set_matrix_precision(P.FLOAT16)
        config.props.matrix_precision = P.BFLOAT16
        self.assertEqual(seen, [P.FLOAT16, P.BFLOAT16])
        self.assertEqual(config.get_matrix_precision(), P.BFLOAT16)
        self.assertEqual(config.copy().get_matrix_precision(), P.BFLOAT16)
        self.assertEqual(Lightly.SamplerConfig(matrix_precision=P.FLOAT16).props.matrix_precision, P.FLOAT16)
        self.assertTrue(config.validate())

    def test_query(self):
        work = tempfile.mkdtemp(prefix='lightly-precision-')
        try:
            rng = random.Random(3)
            dim = 16
            csv = os.path.join(work, 'emb.csv')
            with open(csv, 'w') as f:
                f.write('filenames,' + ','.join(f'embedding_{j}' for j in range(dim)) + ',labels\n')
                for i in range(600):
                    f.write(f'img-{i:04d}.png,' + ','.join(f'{rng.gauss(0, 1):.6g}' for _ in range(dim)) + ',0\n')
            store = os.path.join(work, 'store')
            client = Lightly.ApiWorkflowClient.new(GLib.filename_to_uri(store, None), None, None)
            client.create_dataset('precision', None)
            self.assertTrue(client.register_samples_from_path(csv, None))
            embedding_id = client.upload_embeddings_from_path(csv, 'default', None)
            masks = []
            for precision in (P.FLOAT32, P.FLOAT16, P.BFLOAT16):
                config = Lightly.SamplerConfig(method=Lightly.SamplingMethod.CORESET, n_samples=40,
                                               name=f'coreset-{int(precision)}', matrix_precision=precision)
                masks.append(client.sampling(config, None, None, None).get_bit_mask_data())
            self.assertEqual(masks[1], masks[0])
            self.assertEqual(masks[2], masks[0])
            for suffix in ('.f16', '.bf16'):
                path = os.path.join(store, 'embeddings', embedding_id + suffix)
                self.assertEqual(os.path.getsize(path), 64 + 2 * 600 * dim)
        finally:
            shutil.rmtree(work)


if __name__ == '__main__':
    unittest.main()
