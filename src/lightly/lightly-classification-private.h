/* lightly-classification-private.h: the per-row uncertainty scores of
 * protocol.md §6.1, shared by the classification, object-detection and
 * semantic-segmentation scorers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LIGHTLY_CLASSIFICATION_N_SCORES 3

typedef struct {
  gsize n_cols;          /* as given; 1 means binary */
  gboolean normalize;
  double lo[LIGHTLY_CLASSIFICATION_N_SCORES];     /* scores of a very sure row */
  double hi[LIGHTLY_CLASSIFICATION_N_SCORES];     /* scores of a uniform row */
  double slope[LIGHTLY_CLASSIFICATION_N_SCORES];
  double *scratch;       /* room for one expanded row */
} LightlyClassificationRows;

void lightly_classification_rows_init  (LightlyClassificationRows *rows,
                                        gsize                      n_cols,
                                        gboolean                   normalize);
void lightly_classification_rows_clear (LightlyClassificationRows *rows);
void lightly_classification_rows_score (LightlyClassificationRows *rows,
                                        const double              *row,
                                        double                     out[LIGHTLY_CLASSIFICATION_N_SCORES]);
void lightly_classification_rows_score_f32le (LightlyClassificationRows *rows,
                                              const guint8              *row,
                                              double                     out[LIGHTLY_CLASSIFICATION_N_SCORES]);

double lightly_read_f32le (const guint8 *p);

G_END_DECLS
