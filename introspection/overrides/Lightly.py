# PyGObject overrides for Lightly-1.0: numpy in, numpy out.
#
# A thin layer over the C API: every numpy array goes to the C library as
# little-endian float32 GLib.Bytes (the *_from_bytes calls), and every result
# comes back as a numpy view of what the library returned. Nothing here
# scores, selects or parses; a second implementation would drift.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

from ..module import get_introspection_module
from ..overrides import override

from gi.repository import GLib

Lightly = get_introspection_module('Lightly')

__all__ = []

try:
    import numpy
except ImportError:  # the overrides must not make numpy a hard dependency
    numpy = None


def _require_numpy():
    if numpy is None:
        raise ImportError('Lightly: this call takes numpy arrays; install numpy (python3-numpy)')


def _bytes_source(a):
    """The bytes object whose whole buffer @a is, or None.

    PyGObject 3.42 hands a bytes object's own buffer to a `guint8*`
    (transfer none) argument, so GLib.Bytes.new(b) makes the one copy the C
    API makes too (g_bytes_new); any other buffer (a numpy array, a
    memoryview, a bytearray) is converted element by element, hundreds of
    times slower, so those go through one a.tobytes() first.
    """
    base = a.base
    while isinstance(base, numpy.ndarray):
        base = base.base
    if not isinstance(base, bytes) or a.nbytes != len(base) or not a.flags.c_contiguous:
        return None
    start = numpy.frombuffer(base, dtype=numpy.uint8).__array_interface__['data'][0]
    return base if a.__array_interface__['data'][0] == start else None


def _float32_array(array, ndim, shape_doc):
    """@array as a C-contiguous little-endian float32 array of @ndim
    dimensions: as it is when it already is one, else converted once."""
    _require_numpy()
    a = numpy.asarray(array)
    if a.ndim != ndim:
        raise ValueError(f'expected a {ndim}-D array of shape {shape_doc}, got shape {a.shape}')
    if a.dtype.kind not in 'fiu':
        raise ValueError(f'expected a float array of shape {shape_doc}, got dtype {a.dtype}')
    if a.dtype != numpy.dtype('<f4') or not a.flags.c_contiguous:
        a = numpy.ascontiguousarray(a, dtype='<f4')
    return a


def _float32_bytes(array, ndim, shape_doc):
    """Returns (GLib.Bytes, shape) for a float array of @ndim dimensions.

    A C-contiguous little-endian float32 array over a whole bytes object
    (numpy.frombuffer(data, '<f4'), e.g. read from a file or a socket) is
    passed with no copy on the Python side; any other float32 array with one
    (tobytes); any other float dtype or layout is converted once first.
    """
    a = _float32_array(array, ndim, shape_doc)
    source = _bytes_source(a)
    return GLib.Bytes.new(source if source is not None else a.tobytes()), a.shape


# ---------------------------------------------------------------------------
# Scores and scorers
# ---------------------------------------------------------------------------

class ScoreArrays(dict):
    """What Scorer.calculate_scores() returns: {name: numpy float64 array}.

    The LightlyScores it was read from is kept as .scores (upload it, or
    return it from a do_calculate_scores vfunc); its methods stay reachable
    on this dict, so code written against Lightly.Scores keeps working.
    """

    def __init__(self, scores):
        super().__init__()
        self.scores = scores
        for name in scores.dup_names():
            data = scores.dup_values_bytes(name).get_data()
            self[name] = numpy.frombuffer(data, dtype='<f8') if numpy is not None else list(
                scores.get_values(name))

    def __getattr__(self, attr):
        scores = self.__dict__.get('scores')
        if scores is None:
            raise AttributeError(attr)
        return getattr(scores, attr)


class Scores(Lightly.Scores):
    def __len__(self):
        return self.get_n_names()

    def __bool__(self):
        # An object is never false, even with len() 0 (GObject convention).
        return True

    def __iter__(self):
        return iter(self.dup_names())

    def __contains__(self, name):
        return self.contains(name)

    def __getitem__(self, name):
        if not self.contains(name):
            raise KeyError(name)
        data = self.dup_values_bytes(name).get_data()
        return numpy.frombuffer(data, dtype='<f8') if numpy is not None else list(self.get_values(name))

    def as_dict(self):
        """The scores as {name: numpy float64 array}."""
        return ScoreArrays(self)


Scores = override(Scores)
__all__.append('Scores')


class Scorer(Lightly.Scorer):
    def calculate_scores(self):
        """Scores as {name: numpy float64 array} (a ScoreArrays dict)."""
        return ScoreArrays(Lightly.Scorer.calculate_scores(self))


Scorer = override(Scorer)
__all__.append('Scorer')


class ScorerClassification(Lightly.ScorerClassification):
    @classmethod
    def new(cls, predictions, n_rows=None, n_cols=None):
        """new(predictions) with an N × C array of any float dtype, or the
        C form new(flat_values, n_rows, n_cols)."""
        if n_rows is None and n_cols is None:
            data, shape = _float32_bytes(predictions, 2, '(n_samples, n_classes)')
            return Lightly.ScorerClassification.new_from_bytes(data, shape[0], shape[1])
        return Lightly.ScorerClassification.new(predictions, n_rows, n_cols)

    def __len__(self):
        return self.get_n_rows()

    def __bool__(self):
        # An object is never false, even with len() 0 (GObject convention).
        return True


ScorerClassification = override(ScorerClassification)
__all__.append('ScorerClassification')


class ScorerSemanticSegmentation(Lightly.ScorerSemanticSegmentation):
    def add_image(self, probs, width=None, height=None, n_classes=None):
        """add_image(probs) with a W × H × C array of any float dtype, or the
        C form add_image(flat_values, width, height, n_classes)."""
        if width is None and height is None and n_classes is None:
            data, shape = _float32_bytes(probs, 3, '(width, height, n_classes)')
            return self.add_image_from_bytes(data, *shape)
        return Lightly.ScorerSemanticSegmentation.add_image(self, probs, width, height, n_classes)

    @classmethod
    def new_from_images(cls, images):
        """A scorer over an iterable of W × H × C arrays, or one N × W × H × C array."""
        scorer = Lightly.ScorerSemanticSegmentation.new()
        for image in images:
            scorer.add_image(image)
        return scorer

    def __len__(self):
        return self.get_n_images()

    def __bool__(self):
        # An object is never false, even with len() 0 (GObject convention).
        return True


ScorerSemanticSegmentation = override(ScorerSemanticSegmentation)
__all__.append('ScorerSemanticSegmentation')


class ScorerObjectDetection(Lightly.ScorerObjectDetection):
    def __len__(self):
        return self.get_n_outputs()

    def __bool__(self):
        # An object is never false, even with len() 0 (GObject convention).
        return True


ScorerObjectDetection = override(ScorerObjectDetection)
__all__.append('ScorerObjectDetection')


class ScorerKeypointDetection(Lightly.ScorerKeypointDetection):
    def add_image(self, instances):
        """add_image(instances) with an n_instances × n_keypoints × 3 array
        (x, y, confidence) of any float dtype, or the C form (a list of
        Lightly.KeypointInstance)."""
        if numpy is not None and isinstance(instances, numpy.ndarray):
            a = numpy.ascontiguousarray(instances, dtype=numpy.float64)
            if a.ndim != 3 or a.shape[2] != 3:
                raise ValueError('expected a 3-D array of shape (n_instances, n_keypoints, 3), '
                                 f'got shape {instances.shape}')
            lengths = [a.shape[1] * 3] * a.shape[0]
            return self.add_image_flat(a.ravel().tolist(), lengths)
        return Lightly.ScorerKeypointDetection.add_image(self, instances)

    def __len__(self):
        return self.get_n_images()

    def __bool__(self):
        # An object is never false, even with len() 0 (GObject convention).
        return True


ScorerKeypointDetection = override(ScorerKeypointDetection)
__all__.append('ScorerKeypointDetection')


class Predictions(Lightly.Predictions):
    @classmethod
    def new(cls, names, values, n_rows=None, n_cols=None):
        """new(names, array) with an N × C array (one row per name) of any
        float dtype, or the C form new(names, flat_values, n_rows, n_cols)."""
        if n_rows is None and n_cols is None:
            data, shape = _float32_bytes(values, 2, '(len(names), n_classes)')
            return Lightly.Predictions.new_from_bytes(names, data, shape[0], shape[1])
        return Lightly.Predictions.new(names, values, n_rows, n_cols)

    def __len__(self):
        return self.get_n_rows()

    def __bool__(self):
        # An object is never false, even with len() 0 (GObject convention).
        return True

    def to_numpy(self):
        """The predictions as an N × C float32 array (a read-only view)."""
        _require_numpy()
        return numpy.frombuffer(self.get_bytes().get_data(), dtype='<f4').reshape(
            self.get_n_rows(), self.get_n_cols())


Predictions = override(Predictions)
__all__.append('Predictions')


# ---------------------------------------------------------------------------
# Embeddings
# ---------------------------------------------------------------------------

def _embeddings_args(file_names, embeddings):
    data, shape = _float32_bytes(embeddings, 2, '(len(file_names), dim)')
    names = list(file_names)
    if len(names) != shape[0]:
        raise ValueError(f'expected an array of shape ({len(names)}, dim), one row per file name, '
                         f'got shape {shape}')
    return names, data, shape[0], shape[1]


class ApiWorkflowClient(Lightly.ApiWorkflowClient):
    def upload_embeddings_from_array(self, file_names, embeddings, name, cancellable=None):
        """Blocking: uploads an N × D array (any float dtype), row i being
        the embedding of file_names[i]. Returns the embedding id.

        The library reads the array's bytes where they are
        (upload_embeddings_from_data): no copy at all for a float32 array
        over a whole bytes object, one (tobytes) for any other float32
        array, one conversion for other dtypes."""
        a = _float32_array(embeddings, 2, '(len(file_names), dim)')
        names = list(file_names)
        if len(names) != a.shape[0]:
            raise ValueError(f'expected an array of shape ({len(names)}, dim), one row per file name, '
                             f'got shape {a.shape}')
        source = _bytes_source(a)
        data = source if source is not None else a.tobytes()
        return self.upload_embeddings_from_data(names, data, a.shape[0], a.shape[1], name, cancellable)

    def upload_embeddings_from_array_async(self, file_names, embeddings, name, cancellable,
                                           callback, *user_data):
        """Like upload_embeddings_from_array(); finish with
        upload_embeddings_from_bytes_finish()."""
        names, data, rows, dim = _embeddings_args(file_names, embeddings)
        return self.upload_embeddings_from_bytes_async(names, data, rows, dim, name, cancellable,
                                                       callback, *user_data)


ApiWorkflowClient = override(ApiWorkflowClient)
__all__.append('ApiWorkflowClient')


# ---------------------------------------------------------------------------
# Bit masks, tags and query results as numpy
# ---------------------------------------------------------------------------

def _indices(mask):
    _require_numpy()
    return numpy.asarray(mask.to_indices(), dtype=numpy.intp)


def _bool_mask(indices, length):
    out = numpy.zeros(length, dtype=bool)
    out[indices] = True
    return out


class BitMask(Lightly.BitMask):
    def __len__(self):
        return self.count()

    def __bool__(self):
        # An object is never false, even with len() 0 (GObject convention).
        return True

    def __iter__(self):
        return iter(self.to_indices())

    def __contains__(self, index):
        return 0 <= index < self.get_bit_length() and self.get_bit(index)

    def indices(self):
        """The set bits as a numpy index array, ascending."""
        return _indices(self)

    def to_numpy(self, length=None):
        """The mask as a numpy bool array of @length (default: the bit length)."""
        return _bool_mask(_indices(self), self.get_bit_length() if length is None else length)


BitMask = override(BitMask)
__all__.append('BitMask')


class Tag(Lightly.Tag):
    def __len__(self):
        return self.get_count()

    def __bool__(self):
        # An object is never false, even with len() 0 (GObject convention).
        return True

    def __iter__(self):
        return iter(self.indices().tolist())

    def bit_mask(self):
        """The tag's members as a Lightly.BitMask."""
        return Lightly.BitMask.new_from_hex(self.get_bit_mask_data())

    def indices(self):
        """The members as a numpy index array (sample i of the dataset is bit i)."""
        return _indices(self.bit_mask())

    def to_numpy(self):
        """The members as a numpy bool mask over the dataset's tot_size samples."""
        return _bool_mask(self.indices(), self.get_tot_size())


Tag = override(Tag)
__all__.append('Tag')


class QueryResult(Lightly.QueryResult):
    def __len__(self):
        return len(self.get_added())

    def __bool__(self):
        # An object is never false, even with len() 0 (GObject convention).
        return True

    def __iter__(self):
        return iter(self.get_added())

    def indices(self):
        """The selected set (the result's tag) as a numpy index array."""
        return self.get_tag().indices()

    def to_numpy(self):
        """The selected set as a numpy bool mask over the dataset."""
        return self.get_tag().to_numpy()


QueryResult = override(QueryResult)
__all__.append('QueryResult')
