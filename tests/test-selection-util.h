/* test-selection-util.h: the selection request the engine tests build
 * again and again
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "selection/lightly-selection.h"

/* A CORESET run (CORAL with β = 1 when @coral) of @k picks from the rows
 * in @cand (guint32 indices into @x), covering from the rows in @pre. */
static inline LightlySelectionParams
test_coverage_params (gboolean      coral,
                      const float  *x,
                      gsize         n_rows,
                      gsize         dim,
                      const GArray *cand,
                      const GArray *pre,
                      const double *scores,
                      guint         k)
{
  LightlySelectionParams p = { 0 };

  p.method = coral ? LIGHTLY_SELECTION_METHOD_CORAL : LIGHTLY_SELECTION_METHOD_CORESET;
  p.matrix = x;
  p.n_rows = n_rows;
  p.dim = dim;
  p.candidates = (const guint32 *) cand->data;
  p.n_candidates = cand->len;
  p.preselected = (const guint32 *) pre->data;
  p.n_preselected = pre->len;
  p.scores = scores;
  p.beta = 1.0;
  p.k = k;
  return p;
}
