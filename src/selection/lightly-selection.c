/* lightly-selection.c: the engine's entry point
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lightly_selection_run() validates the params once for every method and
 * hands them to the method's file (see lightly-selection-private.h); this
 * file knows no method's inside. Rules: protocol.md §13.
 */
#include "config.h"

#include <math.h>

#include "lightly-selection-private.h"

G_DEFINE_QUARK (lightly-selection-error-quark, lightly_selection_error)

const char *
lightly_selection_method_name (LightlySelectionMethod method)
{
  switch (method)
    {
    case LIGHTLY_SELECTION_METHOD_RANDOM: return "RANDOM";
    case LIGHTLY_SELECTION_METHOD_CORESET: return "CORESET";
    case LIGHTLY_SELECTION_METHOD_CORAL: return "CORAL";
    case LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING: return "ACTIVE_LEARNING";
    case LIGHTLY_SELECTION_METHOD_TYPICLUST: return "TYPICLUST";
    case LIGHTLY_SELECTION_METHOD_PROBCOVER: return "PROBCOVER";
    case LIGHTLY_SELECTION_METHOD_BADGE: return "BADGE";
    default: return NULL;
    }
}

/* ---------------------------------------------------------------------- */
/* Target size (§13)                                                      */

/**
 * lightly_selection_target_k:
 * @n_samples: the request's nSamples
 * @n_total: N, the dataset size
 * @n_preselected: |P|
 * @n_candidates: |C|
 * @out_bounded: (out) (optional): whether nSamples is a stopping condition
 *
 * The number of picks to add by §13 Target size: nSamples ≥ 1 is the total
 * size of the result tag (a fractional part is dropped); 0 < nSamples < 1 is
 * round(nSamples·N); nSamples ≤ 0 or NaN is inactive, and then every
 * candidate may be picked (the caller must require minDistance > 0).
 *
 * Returns: k = max(0, min(n − |P|, |C|))
 */
gsize
lightly_selection_target_k (double    n_samples,
                            gsize     n_total,
                            gsize     n_preselected,
                            gsize     n_candidates,
                            gboolean *out_bounded)
{
  double n;

  if (out_bounded)
    *out_bounded = FALSE;
  if (!(n_samples > 0))
    return n_candidates;
  if (out_bounded)
    *out_bounded = TRUE;
  n = n_samples >= 1 ? floor (n_samples) : round (n_samples * (double) n_total);
  if (n <= (double) n_preselected)
    return 0;
  if (n - (double) n_preselected >= (double) n_candidates)
    return n_candidates;
  return (gsize) n - n_preselected;
}

/* ---------------------------------------------------------------------- */
/* Validation                                                             */

typedef LightlySelectionRunFunc RunFunc;

static const struct {
  RunFunc run;
  gboolean matrix;              /* reads the embeddings */
  gboolean scored;              /* reads the scores */
  gboolean cold_start;          /* TYPICLUST, PROBCOVER */
  gboolean probabilities;       /* reads the class probabilities */
} methods[] = {
  [LIGHTLY_SELECTION_METHOD_RANDOM] = { lightly_random_run, FALSE, FALSE, FALSE, FALSE },
  [LIGHTLY_SELECTION_METHOD_CORESET] = { lightly_coreset_run, TRUE, FALSE, FALSE, FALSE },
  [LIGHTLY_SELECTION_METHOD_CORAL] = { lightly_coreset_run, TRUE, TRUE, FALSE, FALSE },
  [LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING] = { lightly_active_learning_run, FALSE, TRUE, FALSE, FALSE },
  [LIGHTLY_SELECTION_METHOD_TYPICLUST] = { lightly_typiclust_run, TRUE, FALSE, TRUE, FALSE },
  [LIGHTLY_SELECTION_METHOD_PROBCOVER] = { lightly_probcover_run, TRUE, FALSE, TRUE, FALSE },
  [LIGHTLY_SELECTION_METHOD_BADGE] = { lightly_badge_run, TRUE, FALSE, FALSE, TRUE },
};

static gboolean
invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (LIGHTLY_SELECTION_ERROR,
                                                LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                                                format, args));
  va_end (args);
  return FALSE;
}

/* The half-precision copy: both fields or neither, a known kind. */
static gboolean
check_half (const LightlySelectionParams *p, GError **error)
{
  gboolean known = p->half_kind == LIGHTLY_SELECTION_HALF_FP16 ||
                   p->half_kind == LIGHTLY_SELECTION_HALF_BF16;

  if (p->matrix_half == NULL && p->half_kind == LIGHTLY_SELECTION_HALF_NONE)
    return TRUE;
  if (p->matrix_half == NULL || !known)
    return invalid (error, "The half-precision matrix needs both a copy and its kind "
                    "(float16 or bfloat16); got %s and kind %d",
                    p->matrix_half ? "a copy" : "no copy", (int) p->half_kind);
  return TRUE;
}

/* The matrix: present and addressable when the method reads it. The greedy
 * methods need it only when there are candidates; the cold-start methods
 * check its size whenever dim is set. */
static gboolean
check_matrix (const LightlySelectionParams *p, GError **error)
{
  const char *name = lightly_selection_method_name (p->method);
  gboolean cold = methods[p->method].cold_start;

  if (!methods[p->method].matrix || (!cold && p->n_candidates == 0))
    return TRUE;
  if (p->n_candidates > 0 && (p->dim == 0 || p->matrix == NULL))
    return invalid (error, "%s needs an embedding matrix, but dim is %" G_GSIZE_FORMAT
                    " and the matrix is %s", name, p->dim, p->matrix ? "set" : "NULL");
  if (p->dim > 0 && p->n_rows > G_MAXSIZE / sizeof (float) / p->dim)
    return invalid (error, "A matrix of %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " is too large",
                    p->n_rows, p->dim);
  return check_half (p, error);
}

static gboolean
check_scores (const LightlySelectionParams *p, GError **error)
{
  const char *name = lightly_selection_method_name (p->method);
  gboolean coral = p->method == LIGHTLY_SELECTION_METHOD_CORAL;
  gsize i;

  if (!methods[p->method].scored || p->n_candidates == 0)
    return TRUE;
  if (p->scores == NULL)
    {
      g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_SCORES_REQUIRED,
                   "%s needs active-learning scores; upload scores first", name);
      return FALSE;
    }
  for (i = 0; i < p->n_candidates; i++)
    {
      double s = p->scores[p->candidates[i]];

      if (!isfinite (s) || (coral && (s < 0 || s > 1)))
        return invalid (error, "The score of row %u is %g; %s needs %s", p->candidates[i], s,
                        name, coral ? "scores in [0, 1]" : "finite scores");
    }
  return TRUE;
}

/* One row of class probabilities: finite, in [0, 1], summing to 1. */
static gboolean
check_probability_row (const LightlySelectionParams *p, guint32 row, GError **error)
{
  const double *pr = p->probabilities + (gsize) row * p->n_classes;
  double sum = 0;

  for (gsize c = 0; c < p->n_classes; c++)
    {
      if (!isfinite (pr[c]) || pr[c] < -LIGHTLY_SELECTION_PROBABILITY_SLACK ||
          pr[c] > 1 + LIGHTLY_SELECTION_PROBABILITY_SLACK)
        return invalid (error, "The probability of class %" G_GSIZE_FORMAT " for row %u is %g; "
                        "class probabilities must be finite numbers in [0, 1]", c, row, pr[c]);
      sum += pr[c];
    }
  if (fabs (sum - 1) > LIGHTLY_SELECTION_PROBABILITY_SLACK)
    return invalid (error, "The class probabilities of row %u sum to %g; each row must sum to 1 "
                    "(±%g): give softmax outputs, not logits", row, sum,
                    LIGHTLY_SELECTION_PROBABILITY_SLACK);
  return TRUE;
}

/* BADGE reads the probabilities of C and P, balance those of C. */
static gboolean
check_probabilities (const LightlySelectionParams *p, GError **error)
{
  gboolean badge = methods[p->method].probabilities;
  const char *what = badge ? lightly_selection_method_name (p->method) : "Class balance";
  gsize i;

  if ((!badge && !p->balance) || p->n_candidates == 0)
    return TRUE;
  if (p->probabilities == NULL || p->n_classes == 0)
    {
      g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_SCORES_REQUIRED,
                   "%s needs the model's class probabilities (one row of n_classes per sample); "
                   "give predictions first", what);
      return FALSE;
    }
  if (p->n_classes < 2)
    return invalid (error, "%s needs at least 2 classes, but the probabilities have %" G_GSIZE_FORMAT,
                    what, p->n_classes);
  if (p->n_rows > G_MAXSIZE / sizeof (double) / p->n_classes)
    return invalid (error, "%" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " probabilities are too many",
                    p->n_rows, p->n_classes);
  for (i = 0; i < p->n_candidates; i++)
    if (!check_probability_row (p, p->candidates[i], error))
      return FALSE;
  for (i = 0; badge && i < p->n_preselected; i++)
    if (!check_probability_row (p, p->preselected[i], error))
      return FALSE;
  return TRUE;
}

static gboolean
validate (const LightlySelectionParams *p, GError **error)
{
  if ((guint) p->method >= G_N_ELEMENTS (methods))
    return invalid (error, "Unknown sampling method %d", (int) p->method);
  if (!lightly_selection_check_sets (p, error) || !check_matrix (p, error))
    return FALSE;
  /* The cold-start methods ignore minDistance. */
  if (!methods[p->method].cold_start && isnan (p->min_distance))
    return invalid (error, "minDistance is NaN; use a value in [0, 2], or ≤ 0 for none");
  if (p->method == LIGHTLY_SELECTION_METHOD_CORAL && !(p->beta >= 0 && isfinite (p->beta)))
    return invalid (error, "Score strength β = %g is invalid; it must be a finite number ≥ 0",
                    p->beta);
  if (p->method == LIGHTLY_SELECTION_METHOD_PROBCOVER && (isnan (p->delta) || p->delta > 2))
    return invalid (error, "PROBCOVER's δ = %g is invalid: use a radius in (0, 2], or 0 to "
                    "choose it by the purity rule", p->delta);
  return check_scores (p, error) && check_probabilities (p, error);
}

/* ---------------------------------------------------------------------- */
/* Entry point                                                            */

/**
 * lightly_selection_run:
 * @params: what to select
 * @error: return location for a #GError
 *
 * Runs a selection in the calling thread plus worker threads of its own,
 * which end before it returns.
 *
 * Returns: (transfer full) (element-type guint32): the picked row indices in
 *   pick order, at most min(k, |C|) of them; NULL with @error set in the
 *   LIGHTLY_SELECTION_ERROR domain on bad input (INVALID_INPUT,
 *   SCORES_REQUIRED) or on cancellation (CANCELLED)
 */
GArray *
lightly_selection_run (const LightlySelectionParams  *params,
                       GError                       **error)
{
  g_autoptr(GArray) out = NULL;
  gsize k;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (params->why != NULL)
    g_array_set_size (params->why, 0);
  if (params->carry != NULL)
    {
      params->carry->valid = FALSE;
      params->carry->n_applied = 0;
    }
  if (!validate (params, error))
    return NULL;
  if (lightly_selection_cancel_raised (params))
    {
      lightly_selection_set_cancelled (error);
      return NULL;
    }
  k = MIN (params->k, params->n_candidates);
  out = g_array_sized_new (FALSE, FALSE, sizeof (guint32), (guint) MIN (k, 1u << 20));
  /* The cold-start methods report an empty run as done (0 of 0). */
  if (k == 0 && methods[params->method].cold_start)
    {
      lightly_selection_report (params, 0, 0);
      return g_steal_pointer (&out);
    }
  if (!(params->balance
         ? lightly_selection_balance_run (params, methods[params->method].run, k, out, error)
         : methods[params->method].run (params, k, out, error)))
    {
      if (params->why != NULL)
        g_array_set_size (params->why, 0);
      return NULL;
    }
  g_assert (params->why == NULL || params->why->len == out->len);
  return g_steal_pointer (&out);
}
