/* lightly-local-inputs.c: the scores and class probabilities of a selection job (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Scores are stored per query tag, in query-set order (protocol §13); the
 * engine reads them per row. Class probabilities (BADGE, balance) are the
 * scores class_probability_0 … class_probability_{C−1} of the same tag.
 */
#include "config.h"

#include "backend/lightly-local-inputs.h"
#include "lightly/lightly-error.h"

/* §13 "Which score": the request's scoreType, else uncertainty_margin, else
 * the newest score of the query tag. */
static LightlyStoreScore *
choose_score (LightlyStore  *store,
              const char    *query_tag_id,
              const char    *score_type,
              GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  LightlyStoreScore *score;

  if (score_type != NULL)
    {
      score = lightly_store_get_score_by_type (store, query_tag_id, score_type, &local_error);
      if (score == NULL)
        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                     "The query tag has no score “%s”: upload scores first", score_type);
      return score;
    }

  score = lightly_store_get_score_by_type (store, query_tag_id, "uncertainty_margin", &local_error);
  if (score != NULL)
    return score;
  g_clear_error (&local_error);
  score = lightly_store_get_newest_score (store, query_tag_id, &local_error);
  if (score == NULL)
    g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_SCORES_REQUIRED,
                         "The query tag has no scores: upload scores first");
  return score;
}

/* BADGE and balance: the class probabilities uploaded with the query tag's
 * scores, class_probability_0 … class_probability_{C−1} (in query-set
 * order, as every score), laid out per row for the engine (n_total × C).
 * Rows outside the query set stay 0; the engine checks the rows it reads
 * and names any that do not sum to 1. NULL with n_classes 0 when there are
 * none: the engine then says what is missing. */
#define MAX_PROBABILITY_CLASSES 65536

static double *
load_probabilities (LightlyStore  *store,
                    const char    *query_tag_id,
                    const guint   *query_idx,
                    gsize          n_query,
                    gsize          n_total,
                    gsize         *n_classes,
                    GError       **error)
{
  g_autoptr(GPtrArray) cols = g_ptr_array_new_with_free_func ((GDestroyNotify) lightly_store_score_free);
  double *out;

  *n_classes = 0;
  for (guint c = 0; c < MAX_PROBABILITY_CLASSES; c++)
    {
      g_autofree char *name = g_strdup_printf ("class_probability_%u", c);
      LightlyStoreScore *col = lightly_store_get_score_by_type (store, query_tag_id, name, NULL);

      if (col == NULL)
        break;
      g_ptr_array_add (cols, col);
      if (col->n_values != n_query)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "Score “%s” has %" G_GSIZE_FORMAT " values but the query tag has %" G_GSIZE_FORMAT
                       " members: upload this round's class probabilities again", name, col->n_values, n_query);
          return NULL;
        }
    }
  if (cols->len == 0)
    return NULL;
  *n_classes = cols->len;
  out = g_new0 (double, n_total * cols->len);
  for (guint c = 0; c < cols->len; c++)
    {
      const LightlyStoreScore *col = g_ptr_array_index (cols, c);

      for (gsize i = 0; i < n_query; i++)
        out[(gsize) query_idx[i] * cols->len + c] = col->values[i];
    }
  return out;
}

void
lightly_local_inputs_clear (LightlyLocalInputs *inputs)
{
  g_clear_pointer (&inputs->scores, g_free);
  g_clear_pointer (&inputs->probabilities, g_free);
  inputs->n_classes = 0;
}

gboolean
lightly_local_inputs_load (LightlyStore                  *store,
                           const LightlySelectionRequest *req,
                           const char                    *query_tag_id,
                           const LightlyBitMask          *query_mask,
                           gsize                          n_total,
                           LightlyLocalInputs            *out,
                           GError                       **error)
{
  g_autofree guint *query_idx = NULL;
  gsize n_query = 0;

  *out = (LightlyLocalInputs) { 0 };
  if (req->method != LIGHTLY_SAMPLING_METHOD_CORAL && req->method != LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING &&
      req->method != LIGHTLY_SAMPLING_METHOD_BADGE && !req->balance)
    return TRUE;
  query_idx = lightly_bit_mask_to_indices (query_mask, &n_query);
  if (req->method == LIGHTLY_SAMPLING_METHOD_CORAL || req->method == LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING)
    {
      g_autoptr(LightlyStoreScore) score = choose_score (store, query_tag_id, req->score_type, error);

      if (score == NULL)
        return FALSE;
      if (score->n_values != n_query)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "Score “%s” has %" G_GSIZE_FORMAT " values but the query tag has %" G_GSIZE_FORMAT
                       " members: upload this round's scores again",
                       score->score_type, score->n_values, n_query);
          return FALSE;
        }
      out->scores = g_new0 (double, MAX (n_total, 1));
      for (gsize i = 0; i < n_query; i++)
        out->scores[query_idx[i]] = score->values[i];
    }
  if (req->method == LIGHTLY_SAMPLING_METHOD_BADGE || req->balance)
    {
      g_autoptr(GError) local_error = NULL;

      out->probabilities = load_probabilities (store, query_tag_id, query_idx, n_query, n_total,
                                               &out->n_classes, &local_error);
      if (local_error != NULL)
        {
          lightly_local_inputs_clear (out);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  return TRUE;
}
