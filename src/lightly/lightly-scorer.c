/* lightly-scorer.c: LightlyScorer, the abstract active-learning scorer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-scorer.h"
#include "lightly-scorer-private.h"
#include "lightly-scorer-classification.h"
#include "lightly-scorer-object-detection.h"
#include "lightly-scorer-semantic-segmentation.h"
#include "lightly-scorer-keypoint-detection.h"
#include "lightly-error.h"

/**
 * LightlyScorer:
 *
 * The base class of active-learning scorers: an object that turns a model's
 * predictions for the query set into named [class@Lightly.Scores], one value
 * per sample, higher meaning more worth labeling.
 *
 * lightly-glib ships [class@Lightly.ScorerClassification],
 * [class@Lightly.ScorerObjectDetection],
 * [class@Lightly.ScorerSemanticSegmentation] and
 * [class@Lightly.ScorerKeypointDetection]. Applications can write their own
 * scorer by subclassing `LightlyScorer` and implementing the
 * `calculate_scores` virtual function, in C or in a language binding.
 *
 * In Python (PyGObject) implement `do_calculate_scores`; raise a
 * `GLib.Error` to fail:
 *
 * ```python
 * class MyScorer(Lightly.Scorer):
 *     def do_calculate_scores(self):
 *         scores = Lightly.Scores.new(len(self.values))
 *         scores.add('my_score', self.values)
 *         return scores
 * ```
 *
 * In JavaScript (GJS) implement `vfunc_calculate_scores`; throw a
 * `GLib.Error` to fail:
 *
 * ```js
 * const MyScorer = GObject.registerClass(
 * class MyScorer extends Lightly.Scorer {
 *     vfunc_calculate_scores() {
 *         const scores = Lightly.Scores.new(3);
 *         scores.add('my_score', [0.1, 0.9, 0.5]);
 *         return scores;
 *     }
 * });
 * ```
 *
 * Callers always go through [method@Lightly.Scorer.calculate_scores], which
 * checks what the subclass returned. [method@Lightly.Scores.add] already
 * rejects arrays of the wrong length and NaN or infinite values, and the
 * agent checks that the number of samples matches its query set.
 *
 * Threads: the virtual function is only ever called in the scorer's owner
 * context, the thread-default main context that was current when the scorer
 * was created, so an implementation in Python or JavaScript never runs in a
 * worker thread. An agent's query computes the scores before it starts any
 * thread.
 */

G_DEFINE_ABSTRACT_TYPE (LightlyScorer, lightly_scorer, G_TYPE_OBJECT)

static void
lightly_scorer_class_init (LightlyScorerClass *klass)
{
}

static void
lightly_scorer_init (LightlyScorer *self)
{
}

/**
 * lightly_scorer_calculate_scores:
 * @self: a #LightlyScorer
 * @error: return location for a #GError
 *
 * Computes the scores, one array per score name, each with one value per
 * sample of the query set, in query-set order.
 *
 * Call this from the scorer's owner context. A subclass that returns
 * nothing and sets no error makes this fail with %LIGHTLY_ERROR_FAILED,
 * naming the subclass; an error the subclass sets is passed on unchanged.
 *
 * Returns: (transfer full): the scores, or %NULL with @error set
 */
LightlyScores *
lightly_scorer_calculate_scores (LightlyScorer  *self,
                                 GError        **error)
{
  LightlyScorerClass *klass;
  g_autoptr(LightlyScores) scores = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (LIGHTLY_IS_SCORER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  klass = LIGHTLY_SCORER_GET_CLASS (self);
  if (klass->calculate_scores == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_FAILED,
                   "The scorer type %s does not implement calculate_scores",
                   G_OBJECT_TYPE_NAME (self));
      return NULL;
    }

  scores = klass->calculate_scores (self, &local_error);

  if (local_error != NULL)
    {
      /* A result next to an error is a bug in the subclass; the error is the
       * safer of the two to believe, so the scores are dropped. */
      if (scores != NULL)
        g_warning ("%s.calculate_scores returned scores and set an error; ignoring the scores",
                   G_OBJECT_TYPE_NAME (self));
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (scores == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_FAILED,
                   "The scorer %s returned no scores and no error: "
                   "calculate_scores must return a LightlyScores or fail with an error",
                   G_OBJECT_TYPE_NAME (self));
      return NULL;
    }

  if (!LIGHTLY_IS_SCORES (scores))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_FAILED,
                   "The scorer %s returned a %s instead of a LightlyScores",
                   G_OBJECT_TYPE_NAME (self), G_OBJECT_TYPE_NAME (scores));
      return NULL;
    }

  return g_steal_pointer (&scores);
}

gboolean
lightly_scorer_is_builtin (LightlyScorer *self)
{
  GType type;

  g_return_val_if_fail (LIGHTLY_IS_SCORER (self), FALSE);

  type = G_OBJECT_TYPE (self);
  return type == LIGHTLY_TYPE_SCORER_CLASSIFICATION ||
         type == LIGHTLY_TYPE_SCORER_OBJECT_DETECTION ||
         type == LIGHTLY_TYPE_SCORER_SEMANTIC_SEGMENTATION ||
         type == LIGHTLY_TYPE_SCORER_KEYPOINT_DETECTION;
}
