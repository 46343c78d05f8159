/* lightly-classification.c: the per-row uncertainty scores of protocol.md §6.1
 *
 * Mirrors lightly 1.1.23's ScorerClassification step by step, so that the
 * edge cases (NaN, infinities, rows that do not sum to 1) come out exactly as
 * numpy computes them: raw score, np.nan_to_num, then np.interp between the
 * scores of a very sure row and of a uniform row.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "lightly-classification-private.h"
#include "lightly-error.h"

gboolean
lightly_classification_check_shape (gsize    n_rows,
                                    gsize    n_cols,
                                    GError **error)
{
  gsize n_values, n_bytes;

  /* Bounded as doubles, the widest element either type stores. */
  if (!g_size_checked_mul (&n_values, n_rows, n_cols) ||
      !g_size_checked_mul (&n_bytes, n_values, sizeof (double)))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Predictions of %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " values are too large",
                   n_rows, n_cols);
      return FALSE;
    }
  if (n_rows > 0 && n_cols == 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The predictions (%" G_GSIZE_FORMAT " rows × 0 columns) must not have an "
                   "empty dimension 1: give at least one class probability per row",
                   n_rows);
      return FALSE;
    }
  return TRUE;
}

gboolean
lightly_classification_check_n_values (gsize    n_values,
                                       gsize    n_rows,
                                       gsize    n_cols,
                                       GError **error)
{
  if (n_values != n_rows * n_cols)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Got %" G_GSIZE_FORMAT " prediction values, but %" G_GSIZE_FORMAT
                   " rows × %" G_GSIZE_FORMAT " columns need %" G_GSIZE_FORMAT
                   ": pass the N × C matrix row by row",
                   n_values, n_rows, n_cols, n_rows * n_cols);
      return FALSE;
    }
  return TRUE;
}

gboolean
lightly_classification_check_n_bytes (gsize    n_bytes,
                                      gsize    n_rows,
                                      gsize    n_cols,
                                      GError **error)
{
  gsize expected = n_rows * n_cols * 4;

  if (n_bytes != expected)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The predictions have %" G_GSIZE_FORMAT " bytes, but %" G_GSIZE_FORMAT
                   " rows × %" G_GSIZE_FORMAT " columns of float32 need %" G_GSIZE_FORMAT
                   " bytes: pass little-endian float32 values, row by row",
                   n_bytes, n_rows, n_cols, expected);
      return FALSE;
    }
  return TRUE;
}

double
lightly_read_f32le (const guint8 *p)
{
  guint32 bits;
  float f;

  /* memcpy, because GBytes data need not be aligned for float. */
  memcpy (&bits, p, sizeof bits);
  bits = GUINT32_FROM_LE (bits);
  memcpy (&f, &bits, sizeof f);
  return f;
}

/* Raw scores of a row with n >= 2 entries, as numpy computes them. */
static void
raw_scores (const double *p,
            gsize         n,
            double        out[LIGHTLY_CLASSIFICATION_N_SCORES])
{
  double max = -INFINITY;
  double first = -INFINITY;
  double second = -INFINITY;
  gboolean has_nan = FALSE;
  double sum = 0.0;

  for (gsize j = 0; j < n; j++)
    {
      double v = p[j];

      if (isnan (v))
        {
          has_nan = TRUE;
        }
      else
        {
          if (v > max)
            max = v;
          if (v > first)
            {
              second = first;
              first = v;
            }
          else if (v > second)
            {
              second = v;
            }
        }
      /* np.log2 (p, out=zeros, where=p > 0), then p * log_p: a NaN or
       * -inf entry still poisons the sum, as in numpy. */
      sum += v * (v > 0 ? log2 (v) : 0.0);
    }

  /* np.max propagates NaN, and np.partition sorts NaN last (largest). */
  out[0] = has_nan ? NAN : 1.0 - max;
  out[1] = has_nan ? NAN : 1.0 - (first - second);
  out[2] = -1.0 * sum;
}

static double
nan_to_num (double v)
{
  if (isnan (v))
    return 0.0;
  if (isinf (v))
    return v > 0 ? DBL_MAX : -DBL_MAX;
  return v;
}

/* np.interp (x, [lo, hi], [0, 1]) */
static double
interp01 (double x,
          double lo,
          double hi,
          double slope)
{
  if (x < lo || x == lo)
    return 0.0;
  if (x > hi || x == hi)
    return 1.0;
  return slope * (x - lo);
}

void
lightly_classification_rows_init (LightlyClassificationRows *rows,
                                  gsize                      n_cols,
                                  gboolean                   normalize)
{
  gsize n = MAX (n_cols, 2);

  g_assert (n_cols > 0);

  memset (rows, 0, sizeof *rows);
  rows->n_cols = n_cols;
  rows->normalize = normalize;
  rows->scratch = g_new0 (double, n);

  /* Score a very sure and a uniform row, as lightly does, so that the
   * normalisation uses numpy's very rounding of 1 − 1/C and of log2(C). */
  rows->scratch[0] = 1.0;
  raw_scores (rows->scratch, n, rows->lo);
  for (gsize j = 0; j < n; j++)
    rows->scratch[j] = 1.0 / (double) n;
  raw_scores (rows->scratch, n, rows->hi);
  for (guint k = 0; k < LIGHTLY_CLASSIFICATION_N_SCORES; k++)
    {
      rows->lo[k] = nan_to_num (rows->lo[k]);
      rows->hi[k] = nan_to_num (rows->hi[k]);
      rows->slope[k] = (1.0 - 0.0) / (rows->hi[k] - rows->lo[k]);
    }
}

void
lightly_classification_rows_clear (LightlyClassificationRows *rows)
{
  g_clear_pointer (&rows->scratch, g_free);
}

static void
finish (LightlyClassificationRows *rows,
        const double              *p,
        double                     out[LIGHTLY_CLASSIFICATION_N_SCORES])
{
  raw_scores (p, MAX (rows->n_cols, 2), out);
  for (guint k = 0; k < LIGHTLY_CLASSIFICATION_N_SCORES; k++)
    {
      out[k] = nan_to_num (out[k]);
      if (rows->normalize)
        out[k] = interp01 (out[k], rows->lo[k], rows->hi[k], rows->slope[k]);
    }
}

void
lightly_classification_rows_score (LightlyClassificationRows *rows,
                                   const double              *row,
                                   double                     out[LIGHTLY_CLASSIFICATION_N_SCORES])
{
  if (rows->n_cols == 1)
    {
      /* A single column is a binary classifier: [p, 1 − p]. */
      rows->scratch[0] = row[0];
      rows->scratch[1] = 1.0 - row[0];
      finish (rows, rows->scratch, out);
    }
  else
    {
      finish (rows, row, out);
    }
}

void
lightly_classification_rows_score_f32le (LightlyClassificationRows *rows,
                                         const guint8              *row,
                                         double                     out[LIGHTLY_CLASSIFICATION_N_SCORES])
{
  if (rows->n_cols == 1)
    {
      rows->scratch[0] = lightly_read_f32le (row);
      rows->scratch[1] = 1.0 - rows->scratch[0];
    }
  else
    {
      for (gsize j = 0; j < rows->n_cols; j++)
        rows->scratch[j] = lightly_read_f32le (row + 4 * j);
    }
  finish (rows, rows->scratch, out);
}

/* ---- Whole matrices ------------------------------------------------------ */

/* Below this many values a matrix is scored on the calling thread: a
 * thread costs tens of microseconds, a value a few nanoseconds. Work is
 * shared in chunks of CHUNK_VALUES values (about 0.1 ms each). */
#define PARALLEL_MIN_VALUES (1 << 16)
#define CHUNK_VALUES (1 << 15)
#define MAX_THREADS 16

/* The work of one matrix, shared by the calling thread and its helpers.
 * Chunks are claimed from @next; the caller returns once @done counts
 * them all, without waiting for a helper to be scheduled (on a loaded
 * machine that can take milliseconds): a helper that starts late finds no
 * chunk left, touches nothing but this struct, and drops its reference. */
typedef struct {
  gatomicrefcount ref;
  LightlyClassificationRows rows;   /* a copy, without scratch */
  const guint8 *f32le;
  const double *values;
  gsize n_rows;
  gsize chunk_rows;
  guint n_chunks;
  gint next;                        /* atomic */
  GMutex lock;
  GCond cond;
  guint done;                       /* under lock */
  double *out[LIGHTLY_CLASSIFICATION_N_SCORES];
} Work;

static void
work_unref (Work *w)
{
  if (g_atomic_ref_count_dec (&w->ref))
    {
      g_mutex_clear (&w->lock);
      g_cond_clear (&w->cond);
      g_free (w);
    }
}

/* raw_scores() of a row of @n >= 2 little-endian float32 values, to the
 * bit: the same operations in the same order, without the branches.
 *
 * - The largest value `first` is what raw_scores() calls max (both are
 *   updated on the same v > current test), and its second largest is
 *   max (second, min (v, first)): for v > first that is first, for
 *   second < v <= first it is v, else second, as the if/else chain gives.
 *   A NaN entry makes the row's first two scores NaN whatever they hold.
 *   (A tie of -0 and +0 can leave `second` with the other zero's sign;
 *   first − second, and so the score, is the same either way.)
 * - The entropy sum adds v · log2 v, or v · 0 for v <= 0 and NaN, in
 *   index order: log2 runs only for v > 0, as in raw_scores(). */
static void
raw_scores_f32le (const guint8 *row,
                  gsize         n,
                  double        out[LIGHTLY_CLASSIFICATION_N_SCORES])
{
  double first = -INFINITY;
  double second = -INFINITY;
  double sum = 0.0;
  gboolean has_nan = FALSE;

  for (gsize j = 0; j < n; j++)
    {
      double v = lightly_read_f32le (row + 4 * j);
      double below = v < first ? v : first;

      has_nan |= isnan (v);
      second = below > second ? below : second;
      first = v > first ? v : first;
      sum += v * (v > 0 ? log2 (v) : 0.0);
    }

  out[0] = has_nan ? NAN : 1.0 - first;
  out[1] = has_nan ? NAN : 1.0 - (first - second);
  out[2] = -1.0 * sum;
}

static void
finish_into (const LightlyClassificationRows *rows,
             double                           s[LIGHTLY_CLASSIFICATION_N_SCORES],
             double                          *out[LIGHTLY_CLASSIFICATION_N_SCORES],
             gsize                            i)
{
  for (guint k = 0; k < LIGHTLY_CLASSIFICATION_N_SCORES; k++)
    {
      double v = nan_to_num (s[k]);

      out[k][i] = rows->normalize ? interp01 (v, rows->lo[k], rows->hi[k], rows->slope[k]) : v;
    }
}

/* Rows [start, end): the per-row steps of
 * lightly_classification_rows_score{,_f32le} and finish(), inlined. */
static void
score_rows (Work  *w,
            gsize  start,
            gsize  end)
{
  gsize nc = w->rows.n_cols;

  for (gsize i = start; i < end; i++)
    {
      double s[LIGHTLY_CLASSIFICATION_N_SCORES];
      double pair[2];

      if (w->f32le != NULL && nc >= 2)
        raw_scores_f32le (w->f32le + i * nc * 4, nc, s);
      else if (nc >= 2)
        raw_scores (w->values + i * nc, nc, s);
      else
        {
          /* A single column is a binary classifier: [p, 1 − p]. */
          pair[0] = w->f32le != NULL ? lightly_read_f32le (w->f32le + i * 4) : w->values[i];
          pair[1] = 1.0 - pair[0];
          raw_scores (pair, 2, s);
        }
      finish_into (&w->rows, s, w->out, i);
    }
}

/* Claims and scores chunks until none is left. */
static void
work_run (Work *w)
{
  for (;;)
    {
      guint c = (guint) g_atomic_int_add (&w->next, 1);

      if (c >= w->n_chunks)
        return;
      score_rows (w, c * w->chunk_rows, MIN (w->n_rows, (c + 1) * w->chunk_rows));
      g_mutex_lock (&w->lock);
      if (++w->done == w->n_chunks)
        g_cond_signal (&w->cond);
      g_mutex_unlock (&w->lock);
    }
}

static gpointer
helper_main (gpointer data)
{
  work_run (data);
  work_unref (data);
  return NULL;
}

static guint
thread_count (gsize n_rows, gsize n_cols)
{
  const char *env = g_getenv ("LIGHTLY_THREADS");
  guint64 n = 0;

  if (n_rows < 2 || n_rows * MAX (n_cols, 2) < PARALLEL_MIN_VALUES)
    return 1;
  if (env == NULL || !g_ascii_string_to_unsigned (env, 10, 1, 256, &n, NULL))
    n = g_get_num_processors ();
  return (guint) CLAMP (MIN (n, n_rows), 1, MAX_THREADS);
}

void
lightly_classification_score_matrix (const LightlyClassificationRows *rows,
                                     const guint8                    *f32le,
                                     const double                    *values,
                                     gsize                            n_rows,
                                     double                          *out[LIGHTLY_CLASSIFICATION_N_SCORES])
{
  gsize width = MAX (rows->n_cols, 2);
  guint n_threads = thread_count (n_rows, rows->n_cols);
  Work *w = g_new0 (Work, 1);

  g_atomic_ref_count_init (&w->ref);
  w->rows = *rows;
  w->rows.scratch = NULL;
  w->f32le = f32le;
  w->values = values;
  w->n_rows = n_rows;
  w->chunk_rows = n_threads > 1 ? MAX (CHUNK_VALUES / width, 1) : MAX (n_rows, 1);
  w->n_chunks = (guint) ((n_rows + w->chunk_rows - 1) / w->chunk_rows);
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  memcpy (w->out, out, sizeof w->out);

  for (guint t = 1; t < n_threads; t++)
    {
      GThread *thread;

      g_atomic_ref_count_inc (&w->ref);
      thread = g_thread_try_new ("lightly-scorer", helper_main, w, NULL);
      if (thread == NULL)
        {
          g_atomic_ref_count_dec (&w->ref);
          break;
        }
      g_thread_unref (thread);
    }
  work_run (w);
  g_mutex_lock (&w->lock);
  while (w->done < w->n_chunks)
    g_cond_wait (&w->cond, &w->lock);
  g_mutex_unlock (&w->lock);
  work_unref (w);
}
