/* lightly-object-detection-output.c: LightlyObjectDetectionOutput, one image's detections
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "lightly-object-detection-output.h"
#include "lightly-error.h"

/**
 * LightlyObjectDetectionOutput:
 *
 * An object detector's output for one image (lightly's
 * `ObjectDetectionOutput`): boxes, an objectness probability per box and a
 * vector of class probabilities per box, all of the same length.
 *
 * Each box also gets a score, objectness × the largest class probability,
 * and a label, the index of the first largest class probability. Outputs
 * made with [ctor@Lightly.ObjectDetectionOutput.new_from_scores] keep the
 * scores and labels they were made from instead.
 *
 * An output is immutable. Like lightly, it accepts probabilities as given,
 * including NaN; the scorer turns NaN scores into 0.
 *
 * ```python
 * box = Lightly.BoundingBox.new(0.1, 0.1, 0.5, 0.5, True)
 * out = Lightly.ObjectDetectionOutput.new([box], [0.9], [0.7, 0.2, 0.1], 3)
 * ```
 */

struct _LightlyObjectDetectionOutput
{
  GObject parent_instance;

  gsize n_boxes;
  gsize n_classes;
  LightlyBoundingBox *boxes;       /* n_boxes */
  double *object_probabilities;    /* n_boxes */
  double *class_probabilities;     /* n_boxes × n_classes, row-major */
  double *scores;                  /* n_boxes */
  int *labels;                     /* n_boxes */
};

G_DEFINE_FINAL_TYPE (LightlyObjectDetectionOutput, lightly_object_detection_output, G_TYPE_OBJECT)

static void
lightly_object_detection_output_finalize (GObject *object)
{
  LightlyObjectDetectionOutput *self = LIGHTLY_OBJECT_DETECTION_OUTPUT (object);

  g_clear_pointer (&self->boxes, g_free);
  g_clear_pointer (&self->object_probabilities, g_free);
  g_clear_pointer (&self->class_probabilities, g_free);
  g_clear_pointer (&self->scores, g_free);
  g_clear_pointer (&self->labels, g_free);

  G_OBJECT_CLASS (lightly_object_detection_output_parent_class)->finalize (object);
}

static void
lightly_object_detection_output_class_init (LightlyObjectDetectionOutputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lightly_object_detection_output_finalize;
}

static void
lightly_object_detection_output_init (LightlyObjectDetectionOutput *self)
{
}

/* Takes the arrays' sizes as given; the buffers are never NULL, so that
 * the getters can tell an empty array from a missing object. */
static LightlyObjectDetectionOutput *
output_alloc (LightlyBoundingBox **boxes,
              gsize                n_boxes,
              gsize                n_classes)
{
  LightlyObjectDetectionOutput *self = g_object_new (LIGHTLY_TYPE_OBJECT_DETECTION_OUTPUT, NULL);

  self->n_boxes = n_boxes;
  self->n_classes = n_classes;
  self->boxes = g_new0 (LightlyBoundingBox, MAX (n_boxes, 1));
  self->object_probabilities = g_new0 (double, MAX (n_boxes, 1));
  self->class_probabilities = g_new0 (double, MAX (n_boxes * n_classes, 1));
  self->scores = g_new0 (double, MAX (n_boxes, 1));
  self->labels = g_new0 (int, MAX (n_boxes, 1));
  for (gsize i = 0; i < n_boxes; i++)
    self->boxes[i] = *boxes[i];
  return self;
}

static gboolean
boxes_are_valid (LightlyBoundingBox **boxes,
                 gsize                n_boxes)
{
  for (gsize i = 0; i < n_boxes; i++)
    if (boxes[i] == NULL)
      return FALSE;
  return TRUE;
}

/**
 * lightly_object_detection_output_new:
 * @boxes: (array length=n_boxes) (transfer none):
 *   the detected boxes
 * @n_boxes: the number of boxes
 * @object_probabilities: (array length=n_object_probabilities) (element-type gdouble):
 *   the objectness of each box, in [0, 1]
 * @n_object_probabilities: the number of objectness values; must be @n_boxes
 * @class_probabilities: (array length=n_class_values) (element-type gdouble):
 *   the class probabilities of each box, an @n_boxes × @n_classes matrix,
 *   row-major: box i's are `class_probabilities[i * n_classes …]`
 * @n_class_values: the number of class probabilities; must be
 *   @n_boxes × @n_classes
 * @n_classes: the length of each box's class-probability vector
 * @error: return location for a #GError
 *
 * Creates an image's detector output, copying the arrays.
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT if the arrays do not have one
 * entry (one row) per box, or if @n_classes is 0 while there are boxes.
 *
 * Returns: (transfer full): a new output, or %NULL with @error set
 */
LightlyObjectDetectionOutput *
lightly_object_detection_output_new (LightlyBoundingBox **boxes,
                                     gsize                n_boxes,
                                     const double        *object_probabilities,
                                     gsize                n_object_probabilities,
                                     const double        *class_probabilities,
                                     gsize                n_class_values,
                                     gsize                n_classes,
                                     GError             **error)
{
  LightlyObjectDetectionOutput *self;
  gsize expected;

  g_return_val_if_fail (boxes != NULL || n_boxes == 0, NULL);
  g_return_val_if_fail (boxes_are_valid (boxes, n_boxes), NULL);
  g_return_val_if_fail (object_probabilities != NULL || n_object_probabilities == 0, NULL);
  g_return_val_if_fail (class_probabilities != NULL || n_class_values == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_object_probabilities != n_boxes)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Got %" G_GSIZE_FORMAT " boxes but %" G_GSIZE_FORMAT
                   " object probabilities: give one object probability per box",
                   n_boxes, n_object_probabilities);
      return NULL;
    }
  if (n_boxes > 0 && n_classes == 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Got %" G_GSIZE_FORMAT " boxes with 0 classes: "
                   "give each box at least one class probability",
                   n_boxes);
      return NULL;
    }
  if (!g_size_checked_mul (&expected, n_boxes, n_classes) || n_class_values != expected)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Got %" G_GSIZE_FORMAT " class probabilities, but %" G_GSIZE_FORMAT
                   " boxes × %" G_GSIZE_FORMAT " classes need %" G_GSIZE_FORMAT
                   ": give one row of class probabilities per box",
                   n_class_values, n_boxes, n_classes, n_boxes * n_classes);
      return NULL;
    }

  self = output_alloc (boxes, n_boxes, n_classes);
  if (n_boxes > 0)
    {
      memcpy (self->object_probabilities, object_probabilities, n_boxes * sizeof (double));
      memcpy (self->class_probabilities, class_probabilities, n_class_values * sizeof (double));
    }
  for (gsize i = 0; i < n_boxes; i++)
    {
      const double *row = self->class_probabilities + i * n_classes;
      gsize argmax = 0;

      /* Python's max() and list.index(): the first largest entry. */
      for (gsize j = 1; j < n_classes; j++)
        if (row[j] > row[argmax])
          argmax = j;
      self->scores[i] = self->object_probabilities[i] * row[argmax];
      self->labels[i] = (int) argmax;
    }
  return self;
}

/**
 * lightly_object_detection_output_new_from_scores:
 * @boxes: (array length=n_boxes) (transfer none):
 *   the detected boxes
 * @n_boxes: the number of boxes
 * @scores: (array length=n_scores) (element-type gdouble): each box's
 *   score, in [0, 1]
 * @n_scores: the number of scores; must be @n_boxes
 * @labels: (array length=n_labels) (element-type gint): each box's class
 *   index, 0 or more
 * @n_labels: the number of labels; must be @n_boxes
 * @error: return location for a #GError
 *
 * Creates an image's detector output from a detector that only gives a
 * score and a label per box (lightly's
 * `ObjectDetectionOutput.from_scores`).
 *
 * The objectness of each box is its score. The class probabilities are
 * made up: with `C = max(max(labels), 1)`, each box gets a vector of
 * C + 1 entries, `(1 − score) / C` everywhere except `score` at its label.
 * For example scores [0.8, 0.3] with labels [0, 2] give
 * `[[0.8, 0.1, 0.1], [0.35, 0.35, 0.3]]`. The boxes' scores and labels
 * are the ones given, even where the label is not the largest entry.
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT if the arrays have different
 * lengths, a score is outside [0, 1] or NaN, or a label is negative.
 *
 * Returns: (transfer full): a new output, or %NULL with @error set
 */
LightlyObjectDetectionOutput *
lightly_object_detection_output_new_from_scores (LightlyBoundingBox **boxes,
                                                 gsize                n_boxes,
                                                 const double        *scores,
                                                 gsize                n_scores,
                                                 const int           *labels,
                                                 gsize                n_labels,
                                                 GError             **error)
{
  LightlyObjectDetectionOutput *self;
  int max_label = 0;
  gsize num_classes;

  g_return_val_if_fail (boxes != NULL || n_boxes == 0, NULL);
  g_return_val_if_fail (boxes_are_valid (boxes, n_boxes), NULL);
  g_return_val_if_fail (scores != NULL || n_scores == 0, NULL);
  g_return_val_if_fail (labels != NULL || n_labels == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_scores != n_boxes || n_labels != n_boxes)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Got %" G_GSIZE_FORMAT " boxes, %" G_GSIZE_FORMAT " scores and %"
                   G_GSIZE_FORMAT " labels: give one score and one label per box",
                   n_boxes, n_scores, n_labels);
      return NULL;
    }
  for (gsize i = 0; i < n_boxes; i++)
    {
      if (!(scores[i] >= 0.0 && scores[i] <= 1.0))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "Score %g of box %" G_GSIZE_FORMAT " is not in [0, 1]",
                       scores[i], i);
          return NULL;
        }
      if (labels[i] < 0)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "Label %d of box %" G_GSIZE_FORMAT " is negative: "
                       "labels are class indices, 0 or more",
                       labels[i], i);
          return NULL;
        }
      max_label = MAX (max_label, labels[i]);
    }

  num_classes = n_boxes > 0 ? (gsize) MAX (max_label, 1) : 0;
  self = output_alloc (boxes, n_boxes, n_boxes > 0 ? num_classes + 1 : 0);
  for (gsize i = 0; i < n_boxes; i++)
    {
      double *row = self->class_probabilities + i * self->n_classes;

      for (gsize j = 0; j < self->n_classes; j++)
        row[j] = (1.0 - scores[i]) / (double) num_classes;
      row[labels[i]] = scores[i];
      self->object_probabilities[i] = scores[i];
      self->scores[i] = scores[i];
      self->labels[i] = labels[i];
    }
  return self;
}

/**
 * lightly_object_detection_output_get_n_boxes:
 * @self: a #LightlyObjectDetectionOutput
 *
 * Gets the number of boxes.
 *
 * Returns: the number of boxes
 */
gsize
lightly_object_detection_output_get_n_boxes (LightlyObjectDetectionOutput *self)
{
  g_return_val_if_fail (LIGHTLY_IS_OBJECT_DETECTION_OUTPUT (self), 0);

  return self->n_boxes;
}

/**
 * lightly_object_detection_output_get_n_classes:
 * @self: a #LightlyObjectDetectionOutput
 *
 * Gets the length of each box's class-probability vector; 0 when there are
 * no boxes.
 *
 * Returns: the number of classes
 */
gsize
lightly_object_detection_output_get_n_classes (LightlyObjectDetectionOutput *self)
{
  g_return_val_if_fail (LIGHTLY_IS_OBJECT_DETECTION_OUTPUT (self), 0);

  return self->n_classes;
}

/**
 * lightly_object_detection_output_get_box:
 * @self: a #LightlyObjectDetectionOutput
 * @index: a box index, less than [method@Lightly.ObjectDetectionOutput.get_n_boxes]
 *
 * Gets a box.
 *
 * Returns: (transfer none): the box, owned by @self
 */
const LightlyBoundingBox *
lightly_object_detection_output_get_box (LightlyObjectDetectionOutput *self,
                                         gsize                         index)
{
  g_return_val_if_fail (LIGHTLY_IS_OBJECT_DETECTION_OUTPUT (self), NULL);
  g_return_val_if_fail (index < self->n_boxes, NULL);

  return &self->boxes[index];
}

/**
 * lightly_object_detection_output_get_object_probabilities:
 * @self: a #LightlyObjectDetectionOutput
 * @n: (out) (optional): return location for the number of boxes
 *
 * Gets the objectness of each box.
 *
 * Returns: (array length=n) (element-type gdouble) (transfer none): the
 *   object probabilities, owned by @self
 */
const double *
lightly_object_detection_output_get_object_probabilities (LightlyObjectDetectionOutput *self,
                                                          gsize                        *n)
{
  g_return_val_if_fail (LIGHTLY_IS_OBJECT_DETECTION_OUTPUT (self), NULL);

  if (n != NULL)
    *n = self->n_boxes;
  return self->object_probabilities;
}

/**
 * lightly_object_detection_output_get_class_probabilities:
 * @self: a #LightlyObjectDetectionOutput
 * @n: (out) (optional): return location for the number of values,
 *   boxes × classes
 *
 * Gets the class probabilities of all boxes, row-major: box i's are
 * `[i * n_classes … i * n_classes + n_classes − 1]`.
 *
 * Returns: (array length=n) (element-type gdouble) (transfer none): the
 *   class probabilities, owned by @self
 */
const double *
lightly_object_detection_output_get_class_probabilities (LightlyObjectDetectionOutput *self,
                                                         gsize                        *n)
{
  g_return_val_if_fail (LIGHTLY_IS_OBJECT_DETECTION_OUTPUT (self), NULL);

  if (n != NULL)
    *n = self->n_boxes * self->n_classes;
  return self->class_probabilities;
}

/**
 * lightly_object_detection_output_get_scores:
 * @self: a #LightlyObjectDetectionOutput
 * @n: (out) (optional): return location for the number of boxes
 *
 * Gets each box's score: objectness × its largest class probability, or
 * the score given to [ctor@Lightly.ObjectDetectionOutput.new_from_scores].
 *
 * Returns: (array length=n) (element-type gdouble) (transfer none): the
 *   scores, owned by @self
 */
const double *
lightly_object_detection_output_get_scores (LightlyObjectDetectionOutput *self,
                                            gsize                        *n)
{
  g_return_val_if_fail (LIGHTLY_IS_OBJECT_DETECTION_OUTPUT (self), NULL);

  if (n != NULL)
    *n = self->n_boxes;
  return self->scores;
}

/**
 * lightly_object_detection_output_get_labels:
 * @self: a #LightlyObjectDetectionOutput
 * @n: (out) (optional): return location for the number of boxes
 *
 * Gets each box's label: the index of its first largest class probability,
 * or the label given to [ctor@Lightly.ObjectDetectionOutput.new_from_scores].
 *
 * Returns: (array length=n) (element-type gint) (transfer none): the
 *   labels, owned by @self
 */
const int *
lightly_object_detection_output_get_labels (LightlyObjectDetectionOutput *self,
                                            gsize                        *n)
{
  g_return_val_if_fail (LIGHTLY_IS_OBJECT_DETECTION_OUTPUT (self), NULL);

  if (n != NULL)
    *n = self->n_boxes;
  return self->labels;
}
