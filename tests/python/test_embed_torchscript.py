# test_embed_torchscript.py: the TorchScript embedder plugin (suite long).
#
# Builds a tiny random TorchScript model here (torch.jit.trace of a small
# conv net), then embeds a folder of PNGs, a JPEG, an exact copy and a
# corrupt file through the lightly_embed_torchscript plugin from a Python
# host, and through `lightly-al embed --embedder torchscript --model`.
# It needs Debian's python3-torch, and fails (never skips) without it: run
# it with `meson test -C _build --setup long --suite long`.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import gi
gi.require_version('GdkPixbuf', '2.0')
gi.require_version('Lightly', '1.0')
gi.require_version('Peas', '1.0')
from gi.repository import GdkPixbuf, Gio, GLib, Lightly, Peas  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_embedder import rows_of, write_folder  # noqa: E402

try:
    import numpy
    import torch
except ImportError as e:
    sys.exit('FAIL: this test needs python3-torch for /usr/bin/python3 (apt install python3-torch): %s' % e)

OUT_DIM = 16
INPUT = 32


def make_model(path):
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, stride=2, padding=1),
        torch.nn.ReLU(),
        torch.nn.Conv2d(8, 8, 3, stride=2, padding=1),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(8, OUT_DIM),
    ).eval()
    torch.jit.trace(net, torch.rand(2, 3, INPUT, INPUT)).save(path)


class TorchscriptPlugin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix='test-embed-torchscript-')
        cls.images = os.path.join(cls.dir, 'images')
        os.mkdir(cls.images)
        write_folder(cls.images, n_png=6)
        shutil.copy(os.path.join(cls.images, 'img-00.png'), os.path.join(cls.images, 'img-00-copy.png'))
        cls.model = os.path.join(cls.dir, 'model.pt')
        make_model(cls.model)
        cls.engine = Peas.Engine.new()
        cls.engine.enable_loader('python3')
        cls.engine.add_search_path(os.environ['LIGHTLY_PLUGIN_DIR'], None)
        cls.info = cls.engine.get_plugin_info('lightly_embed_torchscript')
        assert cls.info is not None
        assert cls.info.get_external_data('Lightly-Embedder-ABI') == Lightly.EMBEDDER_ABI
        assert cls.engine.load_plugin(cls.info)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def embedder(self, **props):
        e = self.engine.create_extension(self.info, Lightly.Embedder, [], [])
        self.assertIsInstance(e, Lightly.Embedder)
        for name, value in props.items():
            e.set_property(name, value)
        return e

    def test_embed(self):
        e = self.embedder(model=self.model, input_size=INPUT, batch_size=3)
        self.assertEqual(e.get_dim(), OUT_DIM)
        seen = []
        e.connect('progress', lambda emb, done, total: seen.append((done, total)))
        folder = Gio.File.new_for_path(self.images)
        result = e.embed(folder, None)
        names = list(result.get_file_names())
        listed = [n for n in Lightly.Embedder.list_images(folder, None) if n != 'broken.png']
        self.assertEqual(names, listed)
        self.assertEqual(len(names), 8)
        failed = list(result.get_failed())
        self.assertEqual(len(failed), 1)
        self.assertTrue(failed[0].startswith('broken.png: '), failed)
        rows = rows_of(result)
        self.assertEqual(rows.shape, (8, OUT_DIM))
        self.assertTrue(numpy.isfinite(rows).all())
        # An exact copy embeds exactly the same; different images do not.
        self.assertTrue((rows[names.index('img-00.png')] == rows[names.index('img-00-copy.png')]).all())
        self.assertFalse(numpy.allclose(rows[names.index('img-01.png')], rows[names.index('img-02.png')]))
        self.assertEqual(seen[-1], (9, 9))

        # The pipeline, computed here independently: the PNGs are already
        # INPUT × INPUT, so no resizing; RGB order, [0, 1], ImageNet statistics.
        pixbuf = GdkPixbuf.Pixbuf.new_from_file(os.path.join(self.images, 'img-03.png'))
        self.assertEqual((pixbuf.get_width(), pixbuf.get_n_channels()), (INPUT, 3))
        pixels = numpy.frombuffer(pixbuf.read_pixel_bytes().get_data(), numpy.uint8)
        pixels = pixels[:INPUT * pixbuf.get_rowstride()].reshape(INPUT, -1)[:, :INPUT * 3].reshape(INPUT, INPUT, 3)
        x = torch.from_numpy(pixels.astype(numpy.float32) / 255).permute(2, 0, 1)
        x = (x - torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
        with torch.no_grad():
            expected = torch.jit.load(self.model)(x.unsqueeze(0))[0].numpy()
        numpy.testing.assert_allclose(rows[names.index('img-03.png')], expected, rtol=1e-4, atol=1e-5)

        # Deterministic, and batching does not mix images up.
        again = e.embed(folder, None)
        self.assertEqual(result.get_embeddings().get_data(), again.get_embeddings().get_data())
        one_by_one = rows_of(self.embedder(model=self.model, input_size=INPUT, batch_size=1).embed(folder, None))
        numpy.testing.assert_allclose(one_by_one, rows, rtol=1e-4, atol=1e-5)

    def test_model_errors(self):
        folder = Gio.File.new_for_path(self.images)
        with self.assertRaises(GLib.Error) as cm:
            self.embedder().embed(folder, None)
        self.assertTrue(cm.exception.matches(Lightly.error_quark(), Lightly.Error.INVALID_INPUT))
        self.assertIn('model', cm.exception.message)
        not_model = os.path.join(self.dir, 'not-a-model.pt')
        with open(not_model, 'w') as f:
            f.write('hello')
        with self.assertRaises(GLib.Error) as cm:
            self.embedder(model=not_model).embed(folder, None)
        self.assertIn('not a TorchScript model', cm.exception.message)
        # A model made for another input size fails with a clear message.
        fixed = os.path.join(self.dir, 'fixed.pt')
        net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * INPUT * INPUT, 4)).eval()
        torch.jit.trace(net, torch.rand(1, 3, INPUT, INPUT)).save(fixed)
        wrong = self.embedder(model=fixed, input_size=INPUT + 1)
        with self.assertRaises(GLib.Error) as cm:
            wrong.embed(folder, None)
        self.assertTrue(cm.exception.matches(Lightly.error_quark(), Lightly.Error.INVALID_INPUT))

    def test_cancel(self):
        cancellable = Gio.Cancellable.new()
        cancellable.cancel()
        with self.assertRaises(GLib.Error) as cm:
            self.embedder(model=self.model).embed(Gio.File.new_for_path(self.images), cancellable)
        self.assertTrue(cm.exception.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED))

    def test_cli(self):
        lightly_al = os.environ.get('LIGHTLY_TEST_LIGHTLY_AL')
        self.assertTrue(lightly_al, 'LIGHTLY_TEST_LIGHTLY_AL is not set (build with -Dtools=enabled)')
        out = os.path.join(self.dir, 'cli.csv')
        run = subprocess.run([lightly_al, 'embed', self.images, '--embedder', 'torchscript',
                              '--model', self.model, '-o', out, '-q'],
                             capture_output=True, text=True, timeout=300)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn('skipped broken.png', run.stderr)
        with open(out, newline='') as f:
            table = list(csv.reader(f))
        self.assertEqual(table[0], ['filenames'] + ['embedding_%d' % i for i in range(OUT_DIM)] + ['labels'])
        self.assertEqual(len(table), 9)
        # The default input size (224) here, so the values differ from
        # test_embed's, but copies still agree.
        by_name = {row[0]: row[1:] for row in table[1:]}
        self.assertEqual(by_name['img-00.png'], by_name['img-00-copy.png'])

        run = subprocess.run([lightly_al, 'embed', self.images, '--embedder', 'torchscript', '-o', out, '-q'],
                             capture_output=True, text=True, timeout=300)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn('--model', run.stderr)
        run = subprocess.run([lightly_al, 'embed', self.images, '--model', self.model, '-o', out, '-q'],
                             capture_output=True, text=True, timeout=300)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn('takes no --model', run.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
