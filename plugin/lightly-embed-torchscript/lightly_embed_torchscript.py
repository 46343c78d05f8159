# lightly_embed_torchscript: a Lightly.Embedder that runs your TorchScript model.
#
# A Lightly user's self-supervised backbone, exported with
#     torch.jit.trace(backbone.eval(), torch.rand(1, 3, 224, 224)).save('model.pt')
# embeds a folder of images here with Debian's python3-torch:
#     lightly-al embed photos/ --embedder torchscript --model model.pt
#
# Images are decoded by gdk-pixbuf (EXIF orientation honoured), resized to
# input-size × input-size RGB, scaled to [0, 1] and, unless normalize is off,
# standardised with the ImageNet mean and deviation (what Lightly's
# transforms do), then run through the model in batches of batch-size on
# the CPU. The output of each image, flattened, is its embedding (a tuple or
# list output: its first element). Decoding runs on one thread per CPU
# (PyGObject releases the GIL in C calls), the model on PyTorch's threads.
#
# It implements the synchronous vfunc `embed`; the interface's default
# `embed_async` runs it in a worker thread. torch is imported when the first
# folder is embedded, so hosts can list the plugin without it.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import concurrent.futures
import os

import gi
gi.require_version('GdkPixbuf', '2.0')
gi.require_version('Lightly', '1.0')
from gi.repository import GdkPixbuf, Gio, GLib, GObject, Lightly  # noqa: E402

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _error(code, message):
    return GLib.Error.new_literal(Lightly.error_quark(), message, code)


def _check_cancelled(cancellable):
    if cancellable is not None and cancellable.is_cancelled():
        raise GLib.Error.new_literal(Gio.io_error_quark(), 'Operation was cancelled',
                                     Gio.IOErrorEnum.CANCELLED)


def _import_torch():
    try:
        import numpy
        import torch
    except ImportError as e:
        raise _error(Lightly.Error.NOT_SUPPORTED,
                     'The TorchScript embedder needs PyTorch and numpy for /usr/bin/python3 '
                     '(apt install python3-torch): %s' % e)
    return numpy, torch


def _pixels(numpy, path, size):
    """The image at path as size × size × 3 uint8, upright."""
    pixbuf = GdkPixbuf.Pixbuf.new_from_file_at_scale(path, size, size, False)
    pixbuf = pixbuf.apply_embedded_orientation() or pixbuf
    if pixbuf.get_width() != size or pixbuf.get_height() != size:
        pixbuf = pixbuf.scale_simple(size, size, GdkPixbuf.InterpType.BILINEAR)
    channels = pixbuf.get_n_channels()
    stride = pixbuf.get_rowstride()
    data = numpy.frombuffer(pixbuf.read_pixel_bytes().get_data(), numpy.uint8)
    # The last row is not padded to the stride.
    padded = numpy.zeros(stride * size, numpy.uint8)
    padded[:len(data)] = data
    rows = padded.reshape(size, stride)[:, :size * channels]
    return rows.reshape(size, size, channels)[:, :, :3]


class LightlyEmbedTorchscript(GObject.Object, Lightly.Embedder):
    __gtype_name__ = 'LightlyEmbedTorchscript'

    model = GObject.Property(type=str, default=None,
                             nick='Model', blurb='Path of the TorchScript model (model.pt)')
    input_size = GObject.Property(type=int, default=224, minimum=1, maximum=4096,
                                  nick='Input size', blurb='Side of the square images fed to the model')
    batch_size = GObject.Property(type=int, default=32, minimum=1, maximum=65536,
                                  nick='Batch size', blurb='Images per forward pass')
    normalize = GObject.Property(type=bool, default=True,
                                 nick='Normalize', blurb='Standardise with the ImageNet mean and deviation')

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._loaded = None   # (path, mtime, module)

    def _module(self, torch):
        path = self.props.model
        if not path:
            raise _error(Lightly.Error.INVALID_INPUT,
                         'The TorchScript embedder needs a model: set its “model” property '
                         '(lightly-al embed --model model.pt)')
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError as e:
            raise _error(Lightly.Error.INVALID_INPUT, 'Cannot read the model %s: %s' % (path, e.strerror))
        if self._loaded is None or self._loaded[:2] != (path, mtime):
            try:
                module = torch.jit.load(path, map_location='cpu')
            except Exception as e:  # torch raises RuntimeError, ValueError…
                raise _error(Lightly.Error.INVALID_INPUT,
                             '%s is not a TorchScript model: %s' % (path, str(e).splitlines()[0]))
            module.eval()
            self._loaded = (path, mtime, module)
        return self._loaded[2]

    def _forward(self, numpy, torch, module, images):
        size = self.props.input_size
        x = torch.from_numpy(numpy.stack(images)).permute(0, 3, 1, 2).float()
        # One multiply and one subtract in place: (x / 255 − mean) / std.
        mean = torch.tensor(IMAGENET_MEAN if self.props.normalize else (0.0, 0.0, 0.0))
        std = torch.tensor(IMAGENET_STD if self.props.normalize else (1.0, 1.0, 1.0))
        x.mul_((1.0 / (255.0 * std)).view(1, 3, 1, 1)).sub_((mean / std).view(1, 3, 1, 1))
        try:
            with torch.no_grad():
                out = module(x.contiguous())
        except Exception as e:
            raise _error(Lightly.Error.INVALID_INPUT,
                         'The model %s failed on a batch of %d × 3 × %d × %d images: %s'
                         % (self.props.model, len(images), size, size, str(e).splitlines()[0]))
        if isinstance(out, (tuple, list)):
            out = out[0]
        if not isinstance(out, torch.Tensor):
            raise _error(Lightly.Error.INVALID_INPUT,
                         'The model %s returns %s, not a tensor' % (self.props.model, type(out).__name__))
        return out.reshape(len(images), -1).float().numpy()

    def do_get_dim(self):
        try:
            numpy, torch = _import_torch()
            module = self._module(torch)
            size = self.props.input_size
            blank = numpy.zeros((size, size, 3), numpy.uint8)
            return int(self._forward(numpy, torch, module, [blank]).shape[1])
        except GLib.Error:
            return 0

    def _decode(self, numpy, folder, name):
        path = os.path.join(folder, name)
        try:
            return _pixels(numpy, path, self.props.input_size), None
        except GLib.Error as e:
            return None, '%s: %s' % (name, e.message)

    def do_embed(self, folder, cancellable):
        numpy, torch = _import_torch()
        module = self._module(torch)
        root = folder.get_path()
        if root is None:
            raise _error(Lightly.Error.INVALID_INPUT,
                         '%s is not a local folder' % folder.get_uri())
        names = Lightly.Embedder.list_images(folder, cancellable)
        batch = self.props.batch_size
        ok, failed, rows = [], [], []
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for start in range(0, len(names), batch):
                _check_cancelled(cancellable)
                chunk = names[start:start + batch]
                images = []
                for name, (pixels, reason) in zip(chunk, pool.map(lambda n: self._decode(numpy, root, n), chunk)):
                    if pixels is None:
                        failed.append(reason)
                    else:
                        ok.append(name)
                        images.append(pixels)
                if images:
                    rows.append(self._forward(numpy, torch, module, images))
                self.report_progress(start + len(chunk), len(names))
        if not ok:
            raise _error(Lightly.Error.INVALID_INPUT,
                         '%s holds no readable image (%d unreadable file%s)'
                         % (root, len(failed), '' if len(failed) == 1 else 's'))
        matrix = numpy.ascontiguousarray(numpy.concatenate(rows), dtype=numpy.float32)
        return Lightly.EmbedderResult.new(ok, GLib.Bytes.new(matrix.tobytes()), matrix.shape[1], failed)
