/* lightly-local-half.c: the half-precision copy a local selection streams
 *
 * LightlySamplerConfig:matrix-precision reaches the engine here: a CORESET
 * or CORAL job with FLOAT16 or BFLOAT16 maps the embedding's copy from the
 * store (lightly-store-half.c), or rounds the float32 matrix with the
 * engine's lightly_selection_half_new() and saves the result for the next
 * job, and hands it to the engine as LightlySelectionParams.matrix_half.
 * The engine redoes in double, from the float32 row, every distance the
 * copy cannot decide, so the picks are those of FLOAT32 bit for bit; this
 * file only decides which bytes the passes stream.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backend/lightly-local-half.h"
#include "lightly/lightly-error.h"

static GBytes *
build (LightlyStoreMatrix    *matrix,
       LightlySelectionHalf   kind,
       GError               **error)
{
  g_autoptr(GError) engine_error = NULL;
  gsize n_rows = lightly_store_matrix_get_n_rows (matrix);
  gsize dim = lightly_store_matrix_get_dim (matrix);
  guint16 *values = lightly_selection_half_new (lightly_store_matrix_get_data (matrix), n_rows, dim,
                                                kind, &engine_error);

  if (values == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "matrix-precision %s: %s", kind == LIGHTLY_SELECTION_HALF_FP16 ? "FLOAT16" : "BFLOAT16",
                   engine_error->message);
      return NULL;
    }
  return g_bytes_new_with_free_func (values, n_rows * dim * sizeof (guint16), g_aligned_free, values);
}

gboolean
lightly_local_half_prepare (LightlyLocalHalf        *half,
                            LightlyStore            *store,
                            const char              *embedding_id,
                            LightlyStoreMatrix      *matrix,
                            LightlySamplingMethod    method,
                            LightlyMatrixPrecision   precision,
                            LightlySelectionParams  *params,
                            GError                 **error)
{
  LightlyStoreHalfKind store_kind;
  LightlySelectionHalf kind;
  gint64 t0, t1, t2;

  half->values = NULL;
  half->built = FALSE;
  if ((method != LIGHTLY_SAMPLING_METHOD_CORESET && method != LIGHTLY_SAMPLING_METHOD_CORAL) ||
      params->k == 0 || params->n_candidates == 0)
    return TRUE;
  switch (precision)
    {
    case LIGHTLY_MATRIX_PRECISION_FLOAT16:
      store_kind = LIGHTLY_STORE_HALF_FLOAT16;
      kind = LIGHTLY_SELECTION_HALF_FP16;
      break;
    case LIGHTLY_MATRIX_PRECISION_BFLOAT16:
      store_kind = LIGHTLY_STORE_HALF_BFLOAT16;
      kind = LIGHTLY_SELECTION_HALF_BF16;
      break;
    case LIGHTLY_MATRIX_PRECISION_FLOAT32:
      return TRUE;
    default:
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Unknown matrix precision %d: use FLOAT32, FLOAT16 or BFLOAT16", (int) precision);
      return FALSE;
    }

  /* The timings (G_MESSAGES_DEBUG=Lightly) are what bench/run-query-half.sh
   * reports as the copy's first-use and per-query costs. */
  t0 = g_get_monotonic_time ();
  half->values = lightly_store_load_half (store, embedding_id, store_kind, matrix);
  t1 = g_get_monotonic_time ();
  if (half->values != NULL)
    g_debug ("%s copy of embedding %s mapped and checked in %.1f ms", lightly_selection_half_name (kind),
             embedding_id, (double) (t1 - t0) / 1000.0);
  else
    {
      g_autoptr(GError) save_error = NULL;

      half->values = build (matrix, kind, error);
      if (half->values == NULL)
        return FALSE;
      half->built = TRUE;
      t2 = g_get_monotonic_time ();
      if (!lightly_store_save_half (store, embedding_id, store_kind, matrix,
                                    g_bytes_get_data (half->values, NULL), &save_error))
        g_warning ("The half-precision copy of embedding %s was not saved (%s); the next "
                   "selection builds it again", embedding_id, save_error->message);
      g_debug ("%s copy of embedding %s built in %.1f ms, saved in %.1f ms", lightly_selection_half_name (kind),
               embedding_id, (double) (t2 - t1) / 1000.0, (double) (g_get_monotonic_time () - t2) / 1000.0);
    }
  params->matrix_half = g_bytes_get_data (half->values, NULL);
  params->half_kind = kind;
  return TRUE;
}

void
lightly_local_half_clear (LightlyLocalHalf *half)
{
  g_clear_pointer (&half->values, g_bytes_unref);
}
