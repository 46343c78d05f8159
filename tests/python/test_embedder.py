# test_embedder.py: Lightly.Embedder from a Python host.
#
# The built-in embedder as the lightly-embed-pixels plugin (Peas, the
# X-Lightly-Embedder-ABI check, embed and embed_async with the progress
# signal), and an embedder written in Python in this process: the
# interface's default embed_async runs its do_embed in a worker thread.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import random
import shutil
import tempfile
import threading
import unittest

import gi
gi.require_version('GdkPixbuf', '2.0')
gi.require_version('Lightly', '1.0')
gi.require_version('Peas', '1.0')
from gi.repository import GdkPixbuf, Gio, GLib, GObject, Lightly, Peas  # noqa: E402

import numpy  # noqa: E402

SIDE = 32


def write_folder(folder, n_png=6, seed=3):
    """n_png PNGs of random blocks, a JPEG, a corrupt PNG and a CSV."""
    rng = random.Random(seed)

    def blocks():
        grid = numpy.array([[[rng.randrange(256) for _ in range(3)] for _ in range(4)] for _ in range(4)],
                           numpy.uint8)
        pixels = numpy.ascontiguousarray(grid.repeat(SIDE // 4, 0).repeat(SIDE // 4, 1))
        return GdkPixbuf.Pixbuf.new_from_bytes(GLib.Bytes.new(pixels.tobytes()),
                                               GdkPixbuf.Colorspace.RGB, False, 8, SIDE, SIDE, SIDE * 3)
    for i in range(n_png):
        blocks().savev(os.path.join(folder, 'img-%02d.png' % i), 'png', [], [])
    blocks().savev(os.path.join(folder, 'photo.jpg'), 'jpeg', ['quality'], ['90'])
    with open(os.path.join(folder, 'broken.png'), 'w') as f:
        f.write('not a PNG')
    with open(os.path.join(folder, 'embeddings.csv'), 'w') as f:
        f.write('filenames,embedding_0,labels\r\n')


def rows_of(result):
    data = result.get_embeddings().get_data()
    return numpy.frombuffer(data, numpy.float32).reshape(result.get_n_rows(), result.get_dim())


class PixelsPlugin(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='test-embedder-py-')
        write_folder(self.dir)
        self.folder = Gio.File.new_for_path(self.dir)
        self.engine = Peas.Engine.new()
        self.engine.add_search_path(os.environ['LIGHTLY_PLUGIN_DIR'], None)
        info = self.engine.get_plugin_info('lightly-embed-pixels')
        self.assertIsNotNone(info)
        self.assertEqual(info.get_external_data('Lightly-Embedder-ABI'), Lightly.EMBEDDER_ABI)
        self.assertTrue(self.engine.load_plugin(info))
        self.embedder = self.engine.create_extension(info, Lightly.Embedder, [], [])
        self.assertIsInstance(self.embedder, Lightly.Embedder)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_embed(self):
        result = self.embedder.embed(self.folder, None)
        names = list(result.get_file_names())
        self.assertEqual(names, ['img-%02d.png' % i for i in range(6)] + ['photo.jpg'])
        failed = list(result.get_failed())
        self.assertEqual(len(failed), 1)
        self.assertTrue(failed[0].startswith('broken.png: '), failed[0])
        rows = rows_of(result)
        # 7 images: at most ⌊(7 − 1)/2⌋ = 3 whitened dimensions.
        self.assertTrue(1 <= rows.shape[1] <= 3, rows.shape)
        self.assertTrue(numpy.isfinite(rows).all())
        # Whitened PCA: every kept component has unit variance over the folder.
        numpy.testing.assert_allclose(rows.var(axis=0, ddof=1), 1.0, rtol=1e-3)
        again = self.embedder.embed(self.folder, None)
        self.assertEqual(result.get_embeddings().get_data(), again.get_embeddings().get_data())

    def test_embed_async_progress(self):
        loop = GLib.MainLoop.new(None, False)
        seen = []
        out = {}
        self.embedder.connect('progress', lambda e, done, total: seen.append((done, total)))

        def on_done(embedder, res):
            try:
                out['result'] = embedder.embed_finish(res)
            except GLib.Error as e:
                out['error'] = e
            out['progress_at_return'] = len(seen)
            loop.quit()
        self.embedder.embed_async(self.folder, None, on_done)
        loop.run()
        while GLib.MainContext.default().iteration(False):
            pass
        self.assertNotIn('error', out)
        self.assertEqual(out['result'].get_n_rows(), 7)
        self.assertTrue(seen, 'no progress signal')
        self.assertEqual(seen[-1], (8, 8))
        self.assertEqual(out['progress_at_return'], len(seen), 'progress after the callback')

    def test_not_a_folder(self):
        with self.assertRaises(GLib.Error) as cm:
            self.embedder.embed(self.folder.get_child('img-00.png'), None)
        self.assertTrue(cm.exception.matches(Lightly.error_quark(), Lightly.Error.INVALID_INPUT))


class MeanColour(GObject.Object, Lightly.Embedder):
    """An embedder in Python: the mean RGB of each image."""
    __gtype_name__ = 'TestMeanColour'

    def __init__(self, fail=False):
        super().__init__()
        self.fail = fail
        self.threads = set()

    def do_get_dim(self):
        return 3

    def do_embed(self, folder, cancellable):
        self.threads.add(threading.get_ident())
        if self.fail:
            raise GLib.Error.new_literal(Lightly.error_quark(), 'as asked', Lightly.Error.INVALID_INPUT)
        names = Lightly.Embedder.list_images(folder, cancellable)
        ok, failed, rows = [], [], []
        for i, name in enumerate(names):
            try:
                pixbuf = GdkPixbuf.Pixbuf.new_from_file(os.path.join(folder.get_path(), name))
            except GLib.Error as e:
                failed.append('%s: %s' % (name, e.message))
            else:
                pixels = numpy.frombuffer(pixbuf.read_pixel_bytes().get_data(), numpy.uint8)
                ok.append(name)
                rows.append([pixels[c::pixbuf.get_n_channels()].mean() / 255 for c in range(3)])
            self.report_progress(i + 1, len(names))
        matrix = numpy.array(rows, numpy.float32)
        return Lightly.EmbedderResult.new(ok, GLib.Bytes.new(matrix.tobytes()), 3, failed)


class PythonEmbedder(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='test-embedder-py-')
        write_folder(self.dir, n_png=3)
        self.folder = Gio.File.new_for_path(self.dir)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_default_async_runs_do_embed(self):
        embedder = MeanColour()
        self.assertEqual(embedder.get_dim(), 3)
        seen = []
        embedder.connect('progress', lambda e, done, total: seen.append((done, total)))
        result = embedder.embed(self.folder, None)
        self.assertEqual(list(result.get_file_names()), ['img-00.png', 'img-01.png', 'img-02.png', 'photo.jpg'])
        self.assertEqual(len(result.get_failed()), 1)
        rows = rows_of(result)
        self.assertEqual(rows.shape, (4, 3))
        self.assertTrue(((rows >= 0) & (rows <= 1)).all())
        self.assertEqual(seen[-1], (5, 5))
        # do_embed ran in a worker thread, not in the caller's.
        self.assertNotIn(threading.get_ident(), embedder.threads)

    def test_error_passes_through(self):
        with self.assertRaises(GLib.Error) as cm:
            MeanColour(fail=True).embed(self.folder, None)
        self.assertTrue(cm.exception.matches(Lightly.error_quark(), Lightly.Error.INVALID_INPUT))

    def test_result_checks(self):
        good = numpy.zeros((2, 2), numpy.float32)
        with self.assertRaises(GLib.Error):
            Lightly.EmbedderResult.new(['a.png', 'b.png'], GLib.Bytes.new(good.tobytes()[:12]), 2, [])
        with self.assertRaises(GLib.Error):
            Lightly.EmbedderResult.new(['a.png', 'a.png'], GLib.Bytes.new(good.tobytes()), 2, [])
        r = Lightly.EmbedderResult.new(['a.png', 'b.png'], GLib.Bytes.new(good.tobytes()), 2, None)
        self.assertEqual(r.get_n_rows(), 2)
        self.assertEqual(list(r.get_failed()), [])


if __name__ == '__main__':
    unittest.main(verbosity=2)
