# lightly_suggest_py: a Python batch suggester for libpeas 1.x hosts.
#
# It implements Lightly.BatchSuggester through the synchronous vfunc
# `suggest`; the interface's default `suggest_async` runs it in a worker
# thread, so it may block. Its strategy is its own and keeps no round state:
#
# - with predictions: margin sampling, the unlabeled files whose two most
#   likely classes are closest (Lightly.ScorerClassification's
#   `uncertainty_margin`, computed by the library);
# - without: a random batch, seeded by the number of labeled files, so the
#   same state gives the same suggestion.
#
# Location and dataset come from the context, else from the
# org.lightly.Suggest GSettings schema; a server's token from LIGHTLY_TOKEN.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import random

import gi
gi.require_version('Lightly', '1.0')
from gi.repository import Gio, GLib, GObject, Lightly  # noqa: E402

SCHEMA_ID = 'org.lightly.Suggest'
DEFAULT_BATCH_SIZE = 32


def _error(code, message):
    return GLib.Error.new_literal(Lightly.error_quark(), message, code)


def _settings():
    source = Gio.SettingsSchemaSource.get_default()
    schema = source.lookup(SCHEMA_ID, True) if source is not None else None
    return Gio.Settings.new_full(schema, None, None) if schema is not None else None


class LightlySuggestPy(GObject.Object, Lightly.BatchSuggester):
    __gtype_name__ = 'LightlySuggestPy'

    context = GObject.Property(type=Lightly.SuggestContext)

    def _where(self):
        settings = _settings()
        context = self.props.context
        location = context.props.location if context is not None else None
        dataset_id = context.props.dataset_id if context is not None else None
        if not location and settings is not None:
            location = settings.get_string('location')
        if not dataset_id and settings is not None:
            dataset_id = settings.get_string('dataset-id')
        if not location:
            location = Lightly.ApiWorkflowClient.dup_default_location()
        if not dataset_id:
            raise _error(Lightly.Error.INVALID_INPUT,
                         'lightly_suggest_py has no dataset: give the context a dataset-id, '
                         'or set the dataset-id key of ' + SCHEMA_ID)
        batch_size = settings.get_int('batch-size') if settings is not None else DEFAULT_BATCH_SIZE
        return location, dataset_id, batch_size

    def do_suggest(self, request, cancellable):
        location, dataset_id, default_batch_size = self._where()
        batch_size = request.props.batch_size or default_batch_size
        token = os.environ.get('LIGHTLY_TOKEN') or None
        client = Lightly.ApiWorkflowClient.new(location, token, dataset_id)
        pool = client.get_file_names(cancellable)
        # The default suggest_async queues these to the app's main context.
        self.emit_progress(0.5)

        known = set(pool)
        labeled = set(request.get_labeled())
        for name in labeled:
            if name not in known:
                raise _error(Lightly.Error.INVALID_INPUT,
                             'Labeled file “%s” is not in dataset %s' % (name, dataset_id))
        unlabeled = [name for name in pool if name not in labeled]
        k = min(batch_size, len(unlabeled))
        if cancellable is not None and cancellable.is_cancelled():
            raise GLib.Error.new_literal(Gio.io_error_quark(), 'Operation was cancelled',
                                         Gio.IOErrorEnum.CANCELLED)

        predictions = request.props.predictions
        if predictions is None:
            rng = random.Random(len(labeled))
            batch = rng.sample(unlabeled, k)
            self.emit_progress(1.0)
            return batch

        # Predictions are keyed by file name: reorder them into our order.
        ordered = predictions.reorder(unlabeled)
        scorer = Lightly.ScorerClassification.new_from_bytes(ordered, len(unlabeled),
                                                             predictions.props.n_cols)
        margin = scorer.calculate_scores().get_values('uncertainty_margin')
        ranked = sorted(range(len(unlabeled)), key=lambda i: (-margin[i], unlabeled[i]))
        self.emit_progress(1.0)
        return [unlabeled[i] for i in ranked[:k]]
