/* annotator-folder-predict.c: the folder's classifier
 *
 * The shared logistic regression (tools/ml/lightly-logreg.h) trained on
 * the labeled images' embeddings, predicting every image of the folder.
 * The predicted class of each image is kept until the next batch is set,
 * which records it for the round's held-out accuracy.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include <string.h>

#include "annotator-folder-private.h"
#include "ml/lightly-logreg.h"

/* ---------------------------------------------------------------------------
 * Predictions: the shared logistic regression over the embeddings
 * ------------------------------------------------------------------------- */

typedef struct {
  const LightlyEmbeddingsCsv *csv;   /* the folder is referenced by the task */
  float *x;                          /* n_labeled × dim */
  guint *y;
  gsize n_labeled;
  guint n_classes;                   /* classes present in the labels */
  int *class_of_column;              /* the folder's class of each column */
  float *proba;                      /* n_rows × n_classes, the result */
} Predict;

static void
predict_free (Predict *p)
{
  g_free (p->x);
  g_free (p->y);
  g_free (p->class_of_column);
  g_free (p->proba);
  g_free (p);
}

static void
predict_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Predict *p = task_data;
  gsize n = p->csv->n_rows;
  guint dim = (guint) p->csv->dim;
  g_autoptr(LightlyLogreg) model = NULL;
  g_autofree double *proba = NULL;
  LightlyLogregOptions options;
  GError *error = NULL;

  lightly_logreg_options_init (&options);
  model = lightly_logreg_fit (p->x, p->n_labeled, dim, p->y, p->n_classes, &options, &error);
  if (model == NULL)
    {
      g_prefix_error (&error, _("Training the classifier on the labels failed: "));
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  proba = g_new (double, n * p->n_classes);
  lightly_logreg_predict_proba (model, p->csv->matrix, n, proba);
  p->proba = g_new (float, n * p->n_classes);
  for (gsize i = 0; i < n * p->n_classes; i++)
    p->proba[i] = (float) proba[i];
  g_task_return_boolean (task, TRUE);
}

/*
 * Trains the logistic regression (tools/ml/lightly-logreg.h) on the labeled
 * images' embeddings and predicts every image of the folder. Needs labels of
 * at least two classes; the prediction columns are the classes present in
 * the labels, in class order.
 */
void
annotator_folder_predict_async (AnnotatorFolder     *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree int *column = g_new (int, self->classes->len);
  Predict *p = g_new0 (Predict, 1);
  gsize dim = self->csv->dim;

  g_task_set_source_tag (task, annotator_folder_predict_async);
  g_task_set_task_data (task, p, (GDestroyNotify) predict_free);
  p->csv = self->csv;

  for (guint c = 0; c < self->classes->len; c++)
    column[c] = -1;
  p->x = g_new (float, MAX (self->label_order->len, 1) * dim);
  p->y = g_new (guint, MAX (self->label_order->len, 1));
  for (guint i = 0; i < self->label_order->len; i++)
    {
      const char *name = g_ptr_array_index (self->label_order, i);
      gsize row = GPOINTER_TO_SIZE (g_hash_table_lookup (self->row_of, name));
      int label = annotator_folder_get_label (self, name);

      if (row == 0)
        continue;
      if (column[label] < 0)
        column[label] = 0;
      memcpy (p->x + p->n_labeled * dim, self->csv->matrix + (row - 1) * dim, dim * sizeof (float));
      p->y[p->n_labeled++] = (guint) label;
    }
  /* Compact the class ids to the classes that occur. */
  p->class_of_column = g_new (int, self->classes->len);
  for (guint c = 0; c < self->classes->len; c++)
    if (column[c] == 0)
      {
        p->class_of_column[p->n_classes] = (int) c;
        column[c] = (int) p->n_classes++;
      }
  for (gsize i = 0; i < p->n_labeled; i++)
    p->y[i] = (guint) column[p->y[i]];

  if (p->n_classes < 2)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                               _("Predictions need labels of at least two classes, there are %u"), p->n_classes);
      return;
    }
  /* A fit on a few hundred labels takes milliseconds. */
  g_task_run_in_thread (task, predict_thread);
}

LightlyPredictions *
annotator_folder_predict_finish (AnnotatorFolder  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  Predict *p = g_task_get_task_data (G_TASK (result));
  gsize n = self->csv->n_rows;

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  /* The predicted class of every image, kept for the next batch's record. */
  g_free (self->predicted);
  self->predicted = g_new (int, n);
  for (gsize i = 0; i < n; i++)
    {
      const float *row = p->proba + i * p->n_classes;
      guint best = 0;

      for (guint c = 1; c < p->n_classes; c++)
        if (row[c] > row[best])
          best = c;
      self->predicted[i] = p->class_of_column[best];
    }
  return lightly_predictions_new (self->csv->names, p->proba, n * p->n_classes, n, p->n_classes, error);
}
