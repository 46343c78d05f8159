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

/* Scores @n_rows rows into out[k][i] (k: the three scores, in order), from
 * little-endian float32 @f32le if not NULL, else from @values: the same
 * arithmetic as lightly_classification_rows_score(), row by row, so the
 * results are the same to the bit; large matrices are split over threads
 * (LIGHTLY_THREADS, else one per processor). @rows is only read. */
void lightly_classification_score_matrix (const LightlyClassificationRows *rows,
                                          const guint8                    *f32le,
                                          const double                    *values,
                                          gsize                            n_rows,
                                          double                          *out[LIGHTLY_CLASSIFICATION_N_SCORES]);

double lightly_read_f32le (const guint8 *p);

/* The shape rules of an N × C matrix of class probabilities, one message
 * each, shared by LightlyPredictions and LightlyScorerClassification. N = 0
 * is accepted whatever C is (as lightly does); C = 0 is not otherwise.
 * Once it passed, N × C does not overflow even as bytes of doubles. */
gboolean lightly_classification_check_shape    (gsize    n_rows,
                                                gsize    n_cols,
                                                GError **error);
/* @n_values values were given for the checked shape. */
gboolean lightly_classification_check_n_values (gsize    n_values,
                                                gsize    n_rows,
                                                gsize    n_cols,
                                                GError **error);
/* @n_bytes bytes of little-endian float32 were given for the checked shape. */
gboolean lightly_classification_check_n_bytes  (gsize    n_bytes,
                                                gsize    n_rows,
                                                gsize    n_cols,
                                                GError **error);

G_END_DECLS
