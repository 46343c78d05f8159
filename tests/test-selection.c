/* test-selection.c: the selection engine against a brute-force float64 reference
 *
 * Every greedy pick is checked as §13 Tests asks: its brute-force value is at
 * least the step's maximum − 1e-6, and no smaller index has a value within ε
 * of the maximum. Every run is repeated on every SIMD path the CPU supports,
 * with 1 and 2 threads and with small blocks, and the picks must be identical.
 */
#include <lightly/lightly.h>
#include "backend/lightly-local-selection.h"
#include "selection/lightly-selection.h"
#include "selection/lightly-selection-kernels.h"
#include "test-utils.h"

#include <math.h>
#include <string.h>
#include <gio/gio.h>

#define EPS 1e-9
#define TOL 1e-6
/* Slack of the tie check: brute-force and engine values of well-separated
 * points differ by far less; exact ties (duplicates) are exactly equal. */
#define TIE_SLACK 1e-10

/* ---------------------------------------------------------------------- */
/* Inputs                                                                 */

typedef struct {
  gsize n, dim;
  float *x;
  double *scores;
  GArray *cand;                 /* guint32 */
  GArray *pre;                  /* guint32 */
} Data;

static void
data_free (Data *d)
{
  g_free (d->x);
  g_free (d->scores);
  g_array_unref (d->cand);
  g_array_unref (d->pre);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Data, data_free)

static void
normalise (float *v, gsize dim)
{
  double s = 0;
  gsize i;

  for (i = 0; i < dim; i++)
    s += (double) v[i] * v[i];
  s = sqrt (s);
  for (i = 0; i < dim; i++)
    v[i] = (float) (v[i] / s);
}

/* n random unit rows, some exact duplicates, coarse coordinates for some
 * (more exact ties), scores from a few levels (ties) or continuous. */
static Data *
make_data (GRand *rng, gsize n, gsize dim, double p_frac, double c_frac)
{
  Data *d = g_new0 (Data, 1);
  gboolean coarse = g_rand_boolean (rng);
  gboolean levels = g_rand_boolean (rng);
  gsize i, j;

  d->n = n;
  d->dim = dim;
  d->x = g_new (float, n * dim);
  d->scores = g_new (double, n);
  d->cand = g_array_new (FALSE, FALSE, sizeof (guint32));
  d->pre = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (i = 0; i < n; i++)
    {
      float *v = d->x + i * dim;

      if (i > 0 && g_rand_int_range (rng, 0, 6) == 0)
        memcpy (v, d->x + g_rand_int_range (rng, 0, (gint32) i) * dim, dim * sizeof (float));
      else
        {
          do
            {
              double s = 0;

              for (j = 0; j < dim; j++)
                {
                  v[j] = coarse ? (float) g_rand_int_range (rng, -2, 3) : (float) g_rand_double_range (rng, -1, 1);
                  s += fabs (v[j]);
                }
              if (s > 0)
                break;
            }
          while (TRUE);
          normalise (v, dim);
        }
      d->scores[i] = levels ? g_rand_int_range (rng, 0, 4) / 3.0 : g_rand_double (rng);
    }
  for (i = 0; i < n; i++)
    {
      double u = g_rand_double (rng);
      guint32 v = (guint32) i;

      if (u < p_frac)
        g_array_append_val (d->pre, v);
      else if (u < p_frac + c_frac)
        g_array_append_val (d->cand, v);
    }
  return d;
}

static void
params_for (LightlySelectionParams *p, const Data *d, LightlySelectionMethod method, gsize k)
{
  memset (p, 0, sizeof *p);
  p->method = method;
  p->matrix = d->x;
  p->n_rows = d->n;
  p->dim = d->dim;
  p->candidates = (const guint32 *) d->cand->data;
  p->n_candidates = d->cand->len;
  p->preselected = (const guint32 *) d->pre->data;
  p->n_preselected = d->pre->len;
  p->scores = d->scores;
  p->k = k;
  p->beta = 1.0;
  p->n_threads = 1;
}

/* ---------------------------------------------------------------------- */
/* Running on every path                                                  */

static GArray *
run_ok (const LightlySelectionParams *p)
{
  g_autoptr(GError) error = NULL;
  GArray *a = lightly_selection_run (p, &error);

  g_assert_no_error (error);
  g_assert_nonnull (a);
  return a;
}

static void
force_simd (LightlySelectionSimd s)
{
  lightly_selection_set_simd (s);
  g_assert_cmpint (lightly_selection_simd_current (), ==, s);
}

static gboolean
same_picks (GArray *a, GArray *b)
{
  return a->len == b->len &&
         (a->len == 0 || memcmp (a->data, b->data, a->len * sizeof (guint32)) == 0);
}

static void
assert_same (GArray *a, GArray *b, const char *what)
{
  if (!same_picks (a, b))
    {
      guint i;

      for (i = 0; i < MAX (a->len, b->len); i++)
        g_printerr ("%u: %d %d\n", i, i < a->len ? (int) g_array_index (a, guint32, i) : -1,
                    i < b->len ? (int) g_array_index (b, guint32, i) : -1);
    }
  if (!same_picks (a, b))
    g_error ("picks differ (%s): %u vs %u picks", what, a->len, b->len);
}

/* Runs p on every supported path × {1, 2, 5 threads} × {automatic, 7-row
 * blocks} × {no pruning, pruning at every pick}; asserts identical picks and
 * returns them. The 1-thread runs with automatic blocks have the float32
 * fast path off (every distance in double), the others on: the fast path
 * must give the picks of the pure double path. */
static GArray *
run_everywhere (LightlySelectionParams *p)
{
  GArray *ref = NULL;
  LightlySelectionSimd s;
  guint threads[] = { 1, 2, 5 }, t, blocks, prune;

  for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
    {
      if (!lightly_selection_simd_supported (s))
        continue;
      force_simd (s);
      for (t = 0; t < G_N_ELEMENTS (threads); t++)
        for (blocks = 0; blocks < 2; blocks++)
          for (prune = 0; prune <= 2; prune += 2)
          {
            GArray *a;

            p->n_threads = threads[t];
            lightly_selection_set_block_rows (blocks ? 7 : 0);
            lightly_selection_set_pruning (prune);
            lightly_selection_set_fast_path (t == 0 && blocks == 0 ? 0 : 1);
            a = run_ok (p);
            if (ref == NULL)
              ref = a;
            else
              {
                assert_same (ref, a, lightly_selection_simd_name (s));
                g_array_unref (a);
              }
          }
    }
  lightly_selection_set_block_rows (0);
  lightly_selection_set_pruning (1);
  lightly_selection_set_fast_path (1);
  lightly_selection_set_simd (-1);
  return ref;
}

/* ---------------------------------------------------------------------- */
/* Brute-force reference                                                  */

static double
bdot (const float *a, const float *b, gsize dim)
{
  double s = 0;
  gsize i;

  for (i = 0; i < dim; i++)
    s += (double) a[i] * (double) b[i];
  return s;
}

static double
bdist (const Data *d, const float *a, const float *b)
{
  double d2 = bdot (a, a, d->dim) + bdot (b, b, d->dim) - 2 * bdot (a, b, d->dim);

  return sqrt (MAX (d2, 0));
}

/* Asserts that pick p is an ε-argmax of v over the rows with alive[] set. */
static void
check_argmax (const Data *d, const double *v, const gboolean *alive, guint32 p, gsize step)
{
  double M = -INFINITY;
  gsize i;

  for (i = 0; i < d->n; i++)
    if (alive[i] && v[i] > M)
      M = v[i];
  g_assert_true (alive[p]);
  if (!(v[p] >= M - TOL))
    g_error ("step %" G_GSIZE_FORMAT ": pick %u has value %.17g, max is %.17g", step, p, v[p], M);
  for (i = 0; i < p; i++)
    if (alive[i] && v[i] >= M - EPS + TIE_SLACK)
      g_error ("step %" G_GSIZE_FORMAT ": pick %u (%.17g) but smaller index %" G_GSIZE_FORMAT
               " has %.17g, within ε of the max %.17g", step, p, v[p], i, v[i], M);
}

/* Distances to the candidates' mean, rounded to float as the engine defines it. */
static void
mean_dist (const Data *d, double *out)
{
  g_autofree double *mu = g_new0 (double, d->dim);
  g_autofree float *muf = g_new (float, d->dim);
  gsize i, j;

  for (j = 0; j < d->cand->len; j++)
    for (i = 0; i < d->dim; i++)
      mu[i] += d->x[g_array_index (d->cand, guint32, j) * d->dim + i];
  for (i = 0; i < d->dim; i++)
    muf[i] = (float) (mu[i] / d->cand->len);
  for (i = 0; i < d->n; i++)
    out[i] = bdist (d, d->x + i * d->dim, muf);
}

/* Replays a CORESET or CORAL pick list step by step. */
static void
check_greedy (const Data *d, const LightlySelectionParams *p, GArray *picks)
{
  gboolean coral = p->method == LIGHTLY_SELECTION_METHOD_CORAL;
  g_autofree gboolean *alive = g_new0 (gboolean, d->n);
  g_autofree double *mind = g_new (double, d->n);
  g_autofree double *v = g_new (double, d->n);
  g_autofree double *w = g_new (double, d->n);
  gsize i, j, t, expect = MIN (p->k, d->cand->len);

  for (j = 0; j < d->cand->len; j++)
    alive[g_array_index (d->cand, guint32, j)] = TRUE;
  for (i = 0; i < d->n; i++)
    {
      mind[i] = INFINITY;
      w[i] = pow (d->scores[i], p->beta);
      for (j = 0; j < d->pre->len; j++)
        mind[i] = MIN (mind[i], bdist (d, d->x + i * d->dim,
                                       d->x + g_array_index (d->pre, guint32, j) * d->dim));
    }
  g_assert_cmpuint (picks->len, <=, expect);
  for (t = 0; t <= picks->len; t++)
    {
      double dmax = 0, umax = 0;
      gboolean any = FALSE;

      for (i = 0; i < d->n; i++)
        if (alive[i])
          {
            any = TRUE;
            dmax = MAX (dmax, mind[i]);
            umax = MAX (umax, mind[i] * w[i]);
          }
      if (!any)
        break;
      if (t == 0 && d->pre->len == 0)
        {
          mean_dist (d, v);
          if (coral)
            {
              double wmax = 0;

              for (i = 0; i < d->n; i++)
                if (alive[i])
                  wmax = MAX (wmax, w[i]);
              /* Only the score ties compete on the mean distance. */
              if (picks->len > 0)
                g_assert_cmpfloat (w[g_array_index (picks, guint32, 0)], >=, wmax - EPS);
              for (i = 0; i < d->n; i++)
                if (alive[i] && w[i] < wmax - EPS)
                  v[i] = -1;
            }
        }
      else
        for (i = 0; i < d->n; i++)
          {
            if (!coral)
              v[i] = mind[i];
            else if (dmax == 0)
              v[i] = 0;
            else if (umax == 0)
              v[i] = mind[i] / dmax;
            else
              v[i] = mind[i] * w[i] / dmax;
          }
      if (t == picks->len)
        {
          /* The engine stopped early: only a minDistance stop is allowed. */
          if (t < expect)
            {
              double M = -INFINITY;
              gboolean justified = FALSE;

              g_assert_cmpfloat (p->min_distance, >, 0);
              for (i = 0; i < d->n; i++)
                if (alive[i])
                  M = MAX (M, v[i]);
              for (i = 0; i < d->n; i++)
                if (alive[i] && v[i] >= M - TOL && mind[i] < p->min_distance + TOL)
                  justified = TRUE;
              g_assert_true (justified);
            }
          break;
        }
      {
        guint32 pk = g_array_index (picks, guint32, t);

        check_argmax (d, v, alive, pk, t);
        if (p->min_distance > 0 && !(t == 0 && d->pre->len == 0))
          g_assert_cmpfloat (mind[pk], >=, p->min_distance - TOL);
        alive[pk] = FALSE;
        for (i = 0; i < d->n; i++)
          mind[i] = MIN (mind[i], bdist (d, d->x + i * d->dim, d->x + pk * d->dim));
      }
    }
}

static void
check_active_learning (const Data *d, const LightlySelectionParams *p, GArray *picks)
{
  g_autofree gboolean *alive = g_new0 (gboolean, d->n);
  gsize j, t;

  for (j = 0; j < d->cand->len; j++)
    alive[g_array_index (d->cand, guint32, j)] = TRUE;
  g_assert_cmpuint (picks->len, ==, MIN (p->k, d->cand->len));
  for (t = 0; t < picks->len; t++)
    {
      guint32 pk = g_array_index (picks, guint32, t);

      check_argmax (d, d->scores, alive, pk, t);
      alive[pk] = FALSE;
    }
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                  */

#define KROWS 21

/* The bound (1) of lightly-selection-coreset-update.c on a float32 d2f
 * of q and row, against the exact value (double: exact for these sums of
 * squares of float differences up to rounding far below the bound). */
static void
assert_d2f_bound (const float *q, const float *row, gsize dim, float f)
{
  double d = 0, g = (dim + 2) * 0x1p-24 / (1 - (dim + 2) * 0x1p-24);
  gsize c;

  for (c = 0; c < dim; c++)
    d += ((double) q[c] - row[c]) * ((double) q[c] - row[c]);
  g_assert_cmpfloat (fabs (f - d), <=, g * d * 1.0001 + dim * 0x1p-149);
}

static void
test_kernels (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (7);
  const LightlySelectionKernels *k[3];
  gsize dim, i, r, n = 0;
  LightlySelectionSimd s;

  for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
    if ((k[n] = lightly_selection_kernels_get (s)) != NULL)
      n++;
    else
      g_assert_false (lightly_selection_simd_supported (s));
  g_assert_cmpuint (n, >=, 1);
  for (dim = 1; dim <= 70; dim++)
    {
      gsize dim8 = LIGHTLY_SELECTION_PAD8 (dim), e;
      g_autofree float *a = g_new (float, dim);
      g_autofree float *b = g_new (float, KROWS * dim);
      g_autofree double *qd = g_new0 (double, dim8);
      const float *rows[KROWS];
      double ref[KROWS];

      for (i = 0; i < dim; i++)
        qd[i] = a[i] = (float) g_rand_double_range (rng, -1, 1);
      for (i = 0; i < KROWS * dim; i++)
        b[i] = (float) g_rand_double_range (rng, -1, 1);
      for (r = 0; r < KROWS; r++)
        {
          rows[r] = b + r * dim;
          ref[r] = k[0]->dot (a, rows[r], dim);
          g_assert_cmpfloat (fabs (ref[r] - bdot (a, rows[r], dim)), <, 1e-12);
        }
      /* Bit-identical on every path, for every kernel and batch size. */
      for (i = 0; i < n; i++)
        {
          double out[KROWS];

          k[i]->dot4 (a, rows, dim, out);
          for (r = 0; r < 4; r++)
            g_assert_true (memcmp (&out[r], &ref[r], sizeof (double)) == 0);
          for (r = 0; r < KROWS; r++)
            {
              g_assert_true (k[i]->dot (a, rows[r], dim) == ref[r]);
              g_assert_true (k[i]->dot (rows[r], a, dim) == ref[r]);
            }
          for (e = 1; e <= KROWS; e += (e < 9 ? 1 : 4))
            {
              k[i]->dot_qf (qd, rows, e, dim, out);
              for (r = 0; r < e; r++)
                g_assert_true (memcmp (&out[r], &ref[r], sizeof (double)) == 0);
            }
          /* The fused kernel: the same dots, and the norms of dot (b, b). */
          for (e = 1; e <= KROWS; e++)
            {
              double dots[KROWS], norms[KROWS];

              k[i]->dot_qf_norm (qd, rows, e, dim, dots, norms);
              for (r = 0; r < e; r++)
                {
                  double nref = k[0]->dot (rows[r], rows[r], dim);

                  g_assert_true (memcmp (&dots[r], &ref[r], sizeof (double)) == 0);
                  g_assert_true (memcmp (&norms[r], &nref, sizeof (double)) == 0);
                }
            }
          /* The float32 distances of the fast path: any order, but within
           * the bound (1) of lightly-selection-coreset.c, for every group
           * size (eight, four and lone rows) and tail. */
          for (e = 1; e <= KROWS; e++)
            {
              float f[KROWS];

              k[i]->d2f (a, rows, e, dim, f);
              for (r = 0; r < e; r++)
                assert_d2f_bound (a, rows[r], dim, f[r]);
            }
          /* Several queries at once (the pick and its guesses): each
           * output within the same bound, for every number of queries
           * (groups of four and the rest), rows (pairs and a lone row)
           * and tail. */
          for (e = 1; e <= KROWS; e++)
            {
              const float *qs[1 + 8];
              float f[(1 + 8) * KROWS];
              gsize nq, q;

              qs[0] = a;
              for (q = 1; q < G_N_ELEMENTS (qs); q++)
                qs[q] = rows[(q * 5) % KROWS];
              for (nq = 1; nq <= G_N_ELEMENTS (qs); nq++)
                {
                  memset (f, 0xff, sizeof f);
                  k[i]->d2f_multi (qs, nq, rows, e, dim, f);
                  for (q = 0; q < nq; q++)
                    for (r = 0; r < e; r++)
                      assert_d2f_bound (qs[q], rows[r], dim, f[q * e + r]);
                }
            }
          /* The mean's sums: row by row, each element one double add,
           * as plain C adds them (the same bits on every path). */
          for (e = 1; e <= KROWS; e += 3)
            {
              double acc[70], want[70];
              gsize c;

              for (c = 0; c < dim; c++)
                acc[c] = want[c] = 1e8 * (double) a[c];
              for (r = 0; r < e; r++)
                for (c = 0; c < dim; c++)
                  want[c] += (double) rows[r][c];
              k[i]->sum_rows (acc, rows, e, dim);
              g_assert_true (memcmp (acc, want, dim * sizeof (double)) == 0);
            }
        }
    }

  /* The mean's sums past one strip of 128 columns (the AVX-512 kernel's)
   * and over more rows than a pass gives at once: the same bits again. */
  {
    static const gsize wide[] = { 112, 127, 128, 129, 200, 256, 257, 784 };
    gsize w, e, c;

    for (w = 0; w < G_N_ELEMENTS (wide); w++)
      for (e = 1; e <= 130; e += 43)
        {
          gsize d = wide[w];
          g_autofree float *b = g_new (float, e * d);
          g_autofree const float **rows = g_new (const float *, e);
          g_autofree double *want = g_new (double, d);
          g_autofree double *acc = g_new (double, d);

          for (c = 0; c < e * d; c++)
            b[c] = (float) g_rand_double_range (rng, -1e3, 1e3);
          for (r = 0; r < e; r++)
            rows[r] = b + r * d;
          for (i = 0; i < n; i++)
            {
              for (c = 0; c < d; c++)
                acc[c] = want[c] = (double) c * 1e7;
              for (r = 0; r < e; r++)
                for (c = 0; c < d; c++)
                  want[c] += (double) rows[r][c];
              k[i]->sum_rows (acc, rows, e, d);
              g_assert_true (memcmp (acc, want, d * sizeof (double)) == 0);
            }
        }
  }
}

typedef struct {
  gsize calls;
  guint64 last, total;
} Progress;

static void
on_progress (guint64 processed, guint64 total, gpointer user_data)
{
  Progress *pr = user_data;

  if (processed == 1)
    pr->last = 0;               /* the next of several runs */
  g_assert_cmpuint (processed, ==, pr->last + 1);
  pr->calls++;
  pr->last = processed;
  pr->total = total;
}

static void
test_random_inputs (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (20261129);
  guint iter, n_iter = test_slow_mode () ? 12 : 120;

  for (iter = 0; iter < n_iter; iter++)
    {
      gsize n = g_rand_int_range (rng, 1, 90);
      gsize dims[] = { 1, 2, 3, 7, 8, 9, 16, 17, 33 };
      gsize dim = dims[g_rand_int_range (rng, 0, G_N_ELEMENTS (dims))];
      double pf = g_rand_boolean (rng) ? 0 : g_rand_double_range (rng, 0, 0.4);
      g_autoptr(Data) d = make_data (rng, n, dim, pf, g_rand_double_range (rng, 0.3, 1.0 - pf));
      LightlySelectionMethod methods[] = { LIGHTLY_SELECTION_METHOD_CORESET,
                                          LIGHTLY_SELECTION_METHOD_CORAL,
                                          LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING };
      guint mi;

      for (mi = 0; mi < G_N_ELEMENTS (methods); mi++)
        {
          LightlySelectionParams p;
          g_autoptr(GArray) picks = NULL;
          Progress pr = { 0 };
          gsize k = g_rand_int_range (rng, 0, (gint32) n + 5);

          params_for (&p, d, methods[mi], k);
          if (g_rand_int_range (rng, 0, 3) == 0)
            p.min_distance = g_rand_double_range (rng, 0.1, 1.4);
          p.beta = g_rand_boolean (rng) ? 1.0 : g_rand_double_range (rng, 0, 5);
          p.progress = on_progress;
          p.progress_data = &pr;
          picks = run_everywhere (&p);
          g_assert_cmpuint (pr.last, ==, picks->len);
          if (picks->len > 0)
            g_assert_cmpuint (pr.total, ==, MIN (k, d->cand->len));
          if (methods[mi] == LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING)
            check_active_learning (d, &p, picks);
          else
            check_greedy (d, &p, picks);
        }
    }
}

/* Several P tiles (64 rows), a P not a multiple of 4, several mean chunks
 * (8192 rows), and blocks of the automatic size. */
static void
test_medium (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (99);
  LightlySelectionMethod methods[] = { LIGHTLY_SELECTION_METHOD_CORESET, LIGHTLY_SELECTION_METHOD_CORAL };
  guint mi;

  for (mi = 0; mi < G_N_ELEMENTS (methods); mi++)
    {
      g_autoptr(Data) d = make_data (rng, test_slow_mode () ? 200 : 600, 20, 0.45, 0.55);
      LightlySelectionParams p;
      g_autoptr(GArray) picks = NULL;

      g_assert_cmpuint (d->pre->len, >, 64);
      params_for (&p, d, methods[mi], 25);
      picks = run_everywhere (&p);
      check_greedy (d, &p, picks);
    }
  /* A big P and few candidates: P is split over the threads. */
  for (mi = 0; mi < G_N_ELEMENTS (methods); mi++)
    {
      g_autoptr(Data) d = make_data (rng, test_slow_mode () ? 700 : 1400, 20, 0.8, 0.2);
      LightlySelectionParams p;
      g_autoptr(GArray) picks = NULL;

      g_assert_cmpuint (d->pre->len, >=, 512);
      params_for (&p, d, methods[mi], 12);
      picks = run_everywhere (&p);
      check_greedy (d, &p, picks);
    }
  if (!test_slow_mode ())
    for (mi = 0; mi < G_N_ELEMENTS (methods); mi++)
      {
        g_autoptr(Data) d = make_data (rng, 9000, 6, 0, 1);
        LightlySelectionParams p;
        g_autoptr(GArray) picks = NULL;

        g_assert_cmpuint (d->cand->len, >, 8192);
        params_for (&p, d, methods[mi], 3);
        p.beta = 0;   /* CORAL: every score ties, so the mean decides the first pick */
        picks = run_everywhere (&p);
        check_greedy (d, &p, picks);
      }
}

/* Clustered rows, where the triangle inequality skips most distances: the
 * pruned first pass over P and the pruned updates (anchors in P and in the
 * picks) give the same picks as no pruning, on every path and thread count,
 * and skip more than half of the distance work. */
static void
test_pruning (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (17);
  gsize n = test_slow_mode () ? 1600 : 4000, dim = 12, n_clusters = 16, i, j, with_p;
  g_autoptr(Data) d = g_new0 (Data, 1);
  g_autofree float *centres = g_new (float, n_clusters * dim);
  LightlySelectionMethod methods[] = { LIGHTLY_SELECTION_METHOD_CORESET,
                                      LIGHTLY_SELECTION_METHOD_CORAL,
                                      LIGHTLY_SELECTION_METHOD_CORAL };
  double betas[] = { 1.0, 1.0, 2.5 };
  guint mi;

  d->n = n;
  d->dim = dim;
  d->x = g_new (float, n * dim);
  d->scores = g_new (double, n);
  d->cand = g_array_new (FALSE, FALSE, sizeof (guint32));
  d->pre = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (i = 0; i < n_clusters * dim; i++)
    centres[i] = (float) g_rand_double_range (rng, -1, 1);
  for (i = 0; i < n; i++)
    {
      gsize c = (gsize) g_rand_int_range (rng, 0, (gint32) n_clusters);

      for (j = 0; j < dim; j++)
        d->x[i * dim + j] = centres[c * dim + j] + (float) g_rand_double_range (rng, -0.05, 0.05);
      normalise (d->x + i * dim, dim);
      d->scores[i] = g_rand_double (rng);
    }

  for (with_p = 0; with_p < 2; with_p++)
    {
      g_array_set_size (d->cand, 0);
      g_array_set_size (d->pre, 0);
      for (i = 0; i < n; i++)
        {
          guint32 v = (guint32) i;

          if (with_p && i % 50 == 7)
            g_array_append_val (d->pre, v);
          else
            g_array_append_val (d->cand, v);
        }
      for (mi = 0; mi < G_N_ELEMENTS (methods); mi++)
        {
          LightlySelectionParams p;
          g_autoptr(GArray) ref = NULL;
          LightlySelectionStats st;
          LightlySelectionSimd s;
          guint64 skipped_ref[3][3] = { { 0 } };

          params_for (&p, d, methods[mi], 40);
          p.beta = betas[mi];
          lightly_selection_set_pruning (0);
          ref = run_ok (&p);
          lightly_selection_get_stats (&st);
          g_assert_cmpuint (st.skipped, ==, 0);
          check_greedy (d, &p, ref);
          for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
            {
              guint t;

              if (!lightly_selection_simd_supported (s))
                continue;
              force_simd (s);
              for (t = 1; t <= 2; t++)
                {
                  gint prune;

                  p.n_threads = t;
                  for (prune = 1; prune <= 2; prune++)
                    {
                      g_autoptr(GArray) a = NULL;

                      lightly_selection_set_pruning (prune);
                      /* One thread without guessed picks, two with: a
                       * pruned pass with guesses skips only the rows that
                       * none of its queries can lower, so the share of
                       * skipped work is asserted without them. */
                      lightly_selection_set_speculation (t == 1 ? 0 : -1, 0);
                      a = run_ok (&p);
                      assert_same (ref, a, lightly_selection_simd_name (s));
                      lightly_selection_get_stats (&st);
                      /* The bfloat16 tiles (AVX-512 with AVX512_BF16)
                       * compute the first pass over P unpruned; the
                       * pruning's counts are taken without them. */
                      if (st.bf16 != 0)
                        {
                          g_autoptr(GArray) b = NULL;

                          lightly_selection_set_bf16 (0);
                          b = run_ok (&p);
                          lightly_selection_set_bf16 (-1);
                          assert_same (ref, b, "without the bfloat16 tiles");
                          lightly_selection_get_stats (&st);
                          g_assert_cmpuint (st.bf16, ==, 0);
                        }
                      if (t == 1)
                        g_assert_cmpuint (st.skipped, >, st.computed);
                      else
                        {
                          g_assert_cmpuint (st.skipped, >, 0);
                          if (mi == 0 && prune == 2)
                            g_assert_cmpuint (st.spec_hits, >, 0);
                        }
                      /* The pruning decides alike on every path (and
                       * thread count: the guesses' lists do not depend on
                       * the threads either). */
                      if (s == LIGHTLY_SELECTION_SIMD_PORTABLE)
                        skipped_ref[t][prune] = st.skipped;
                      else
                        g_assert_cmpuint (st.skipped, ==, skipped_ref[t][prune]);
                    }
                }
            }
          lightly_selection_set_simd (-1);
          lightly_selection_set_pruning (1);
          lightly_selection_set_speculation (-1, 0);
        }
    }
}

/* Hand-made ties: every row duplicated, P empty; k > |C|. */
static void
test_ties (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (3);
  g_autoptr(Data) d = make_data (rng, 40, 5, 0, 1);
  LightlySelectionParams p;
  g_autoptr(GArray) picks = NULL;
  gsize i, n_distinct = 0;

  for (i = 20; i < 40; i++)
    memcpy (d->x + i * 5, d->x + (i - 20) * 5, 5 * sizeof (float));
  g_array_set_size (d->cand, 0);
  for (i = 0; i < 40; i++)
    {
      guint32 v = i;

      g_array_append_val (d->cand, v);
      d->scores[i] = 0.5;
    }
  params_for (&p, d, LIGHTLY_SELECTION_METHOD_CORESET, 100);
  picks = run_everywhere (&p);
  g_assert_cmpuint (picks->len, ==, 40);
  check_greedy (d, &p, picks);
  /* A duplicate of a picked row has distance 0: the distinct rows come first. */
  for (i = 0; i < 40; i++)
    {
      guint32 pi = g_array_index (picks, guint32, i);
      gsize j;

      n_distinct++;
      for (j = 0; j < i; j++)
        if (memcmp (d->x + pi * 5, d->x + g_array_index (picks, guint32, j) * 5, 5 * sizeof (float)) == 0)
          {
            n_distinct--;
            break;
          }
      if (n_distinct < i + 1)
        break;
    }
  g_assert_cmpuint (n_distinct, <=, 20);
  g_clear_pointer (&picks, g_array_unref);

  /* minDistance stops before the first duplicate. */
  p.min_distance = 1e-3;
  picks = run_everywhere (&p);
  check_greedy (d, &p, picks);
  g_assert_cmpuint (picks->len, ==, n_distinct);
  g_clear_pointer (&picks, g_array_unref);

  /* All-zero scores: CORAL falls back to the largest d̂, i.e. CORESET. */
  for (i = 0; i < 40; i++)
    d->scores[i] = 0;
  p.min_distance = 0;
  p.method = LIGHTLY_SELECTION_METHOD_CORESET;
  picks = run_everywhere (&p);
  {
    g_autoptr(GArray) coral = NULL;

    p.method = LIGHTLY_SELECTION_METHOD_CORAL;
    coral = run_everywhere (&p);
    check_greedy (d, &p, coral);
    assert_same (picks, coral, "CORAL with zero scores vs CORESET");
  }
  g_clear_pointer (&picks, g_array_unref);

  /* ACTIVE_LEARNING with all-equal scores: index order. */
  p.method = LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING;
  p.k = 7;
  picks = run_everywhere (&p);
  for (i = 0; i < 7; i++)
    g_assert_cmpuint (g_array_index (picks, guint32, i), ==, i);
}

static void
test_coral_beta (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (11);
  guint iter;

  for (iter = 0; iter < 10; iter++)
    {
      g_autoptr(Data) d = make_data (rng, 60, 24, iter % 2 ? 0.2 : 0, 0.7);
      LightlySelectionParams p;
      g_autoptr(GArray) coreset = NULL;
      g_autoptr(GArray) coral = NULL;
      g_autoptr(GArray) al = NULL;
      g_autofree guint32 *perm = NULL;
      gsize i, m = d->cand->len;

      /* β = 0 is CORESET, whatever the scores. */
      params_for (&p, d, LIGHTLY_SELECTION_METHOD_CORESET, 15);
      coreset = run_everywhere (&p);
      p.method = LIGHTLY_SELECTION_METHOD_CORAL;
      p.beta = 0;
      coral = run_everywhere (&p);
      assert_same (coreset, coral, "CORAL β=0 vs CORESET");
      g_clear_pointer (&coral, g_array_unref);

      /* Distinct, well-spaced scores and a large β: ACTIVE_LEARNING. */
      perm = g_new (guint32, m);
      for (i = 0; i < m; i++)
        perm[i] = i;
      for (i = m; i > 1; i--)
        {
          gsize j = g_rand_int_range (rng, 0, (gint32) i);
          guint32 tmp = perm[i - 1];

          perm[i - 1] = perm[j];
          perm[j] = tmp;
        }
      for (i = 0; i < m; i++)
        d->scores[g_array_index (d->cand, guint32, i)] = (perm[i] + 1.0) / m;
      /* No duplicates here, so no d̂ is 0. */
      for (i = 0; i < d->n; i++)
        {
          gsize j;

          for (j = 0; j < d->dim; j++)
            d->x[i * d->dim + j] = (float) g_rand_double_range (rng, -1, 1);
          normalise (d->x + i * d->dim, d->dim);
        }
      /* Large, but not so large that s^β of the picks falls within the
       * absolute tie ε = 1e-9, where every product counts as a tie. */
      p.beta = 60;
      p.k = 6;
      coral = run_everywhere (&p);
      check_greedy (d, &p, coral);
      p.method = LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING;
      al = run_everywhere (&p);
      assert_same (coral, al, "CORAL large β vs ACTIVE_LEARNING");
    }
}

static void
test_random (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (5);
  g_autoptr(Data) d = make_data (rng, 200, 2, 0.1, 0.6);
  LightlySelectionParams p;
  g_autoptr(GArray) a = NULL;
  g_autoptr(GArray) b = NULL;
  g_autofree gboolean *seen = g_new0 (gboolean, d->n);
  guint counts[10] = { 0 }, first[10] = { 0 };
  guint32 ten[10];
  guint i, runs = test_slow_mode () ? 2000 : 20000;
  /* Golden picks from an independent Python implementation of the documented
   * algorithm (splitmix64 → xoshiro256**, rejection bound, partial Fisher–Yates). */
  const guint32 golden[5] = { 7, 2, 3, 9, 6 };

  params_for (&p, d, LIGHTLY_SELECTION_METHOD_RANDOM, 50);
  p.matrix = NULL;
  p.seed = 42;
  a = run_ok (&p);
  b = run_ok (&p);
  assert_same (a, b, "RANDOM with one seed");
  g_assert_cmpuint (a->len, ==, 50);
  for (i = 0; i < a->len; i++)
    {
      guint32 v = g_array_index (a, guint32, i);

      g_assert_false (seen[v]);
      seen[v] = TRUE;
    }
  for (i = 0; i < d->n; i++)
    if (seen[i])
      {
        guint j;
        gboolean in_c = FALSE;

        for (j = 0; j < d->cand->len; j++)
          in_c |= g_array_index (d->cand, guint32, j) == i;
        g_assert_true (in_c);
      }
  g_clear_pointer (&b, g_array_unref);
  p.seed = 43;
  b = run_ok (&p);
  g_assert_false (memcmp (a->data, b->data, 50 * sizeof (guint32)) == 0);
  g_clear_pointer (&b, g_array_unref);

  /* k > |C|: every candidate once. */
  p.k = 1000;
  b = run_ok (&p);
  g_assert_cmpuint (b->len, ==, d->cand->len);
  g_clear_pointer (&b, g_array_unref);

  /* Uniformity: 3 of 10, many seeds. */
  for (i = 0; i < 10; i++)
    ten[i] = i;
  p.candidates = ten;
  p.n_candidates = 10;
  p.preselected = NULL;
  p.n_preselected = 0;
  p.k = 3;
  for (i = 0; i < runs; i++)
    {
      g_autoptr(GArray) r = NULL;
      guint j;

      p.seed = i;
      r = run_ok (&p);
      g_assert_cmpuint (r->len, ==, 3);
      for (j = 0; j < 3; j++)
        counts[g_array_index (r, guint32, j)]++;
      first[g_array_index (r, guint32, 0)]++;
    }
  for (i = 0; i < 10; i++)
    {
      /* Expectations 0.3·runs and 0.1·runs; 6σ bounds. */
      double sd3 = sqrt (runs * 0.3 * 0.7), sd1 = sqrt (runs * 0.1 * 0.9);

      g_assert_cmpfloat (fabs (counts[i] - 0.3 * runs), <, 6 * sd3);
      g_assert_cmpfloat (fabs (first[i] - 0.1 * runs), <, 6 * sd1);
    }

  p.seed = 1234;
  p.k = 5;
  g_clear_pointer (&b, g_array_unref);
  b = run_ok (&p);
  for (i = 0; i < 5; i++)
    if (g_array_index (b, guint32, i) != golden[i])
      g_error ("RANDOM seed 1234 gave %u at %u, expected %u", g_array_index (b, guint32, i),
               i, golden[i]);
}

static void
expect_error (LightlySelectionParams *p, GQuark domain, gint code, const char *needle)
{
  g_autoptr(GError) error = NULL;
  GArray *a = lightly_selection_run (p, &error);

  g_assert_null (a);
  g_assert_error (error, domain, code);
  if (strstr (error->message, needle) == NULL)
    g_error ("error \"%s\" does not mention \"%s\"", error->message, needle);
}

/* lightly_local_selection_run(): the engine's errors in the public codes. */
static void
test_public_codes (void)
{
  float x[2 * 2] = { 1, 0, 0, 1 };
  guint32 c[2] = { 0, 1 };
  gint cancel = 1;
  LightlySelectionParams p = { 0 };
  g_autoptr(GError) error = NULL;
  GArray *picks;

  p.matrix = x;
  p.n_rows = 2;
  p.dim = 2;
  p.candidates = c;
  p.n_candidates = 2;
  p.k = 1;
  p.n_threads = 1;
  picks = lightly_local_selection_run (LIGHTLY_SAMPLING_METHOD_CORAL, &p, &error);
  g_assert_null (picks);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_SCORES_REQUIRED);
  g_assert_nonnull (strstr (error->message, "CORAL"));
  g_clear_error (&error);
  p.candidates = NULL;
  picks = lightly_local_selection_run (LIGHTLY_SAMPLING_METHOD_CORESET, &p, &error);
  g_assert_null (picks);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  p.candidates = c;
  p.cancel = &cancel;
  picks = lightly_local_selection_run (LIGHTLY_SAMPLING_METHOD_CORESET, &p, &error);
  g_assert_null (picks);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  p.cancel = NULL;
  picks = lightly_local_selection_run (LIGHTLY_SAMPLING_METHOD_RANDOM, &p, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (picks->len, ==, 1);
  g_array_unref (picks);
}

static void
test_validation (void)
{
  float x[5 * 2] = { 1, 0, 0, 1, -1, 0, 0, -1, 1, 0 };
  double s[5] = { 0.1, 0.2, 0.3, 0.4, 0.5 };
  guint32 c[3] = { 0, 2, 4 }, pre[1] = { 1 };
  LightlySelectionParams p = { 0 };
  g_autoptr(GArray) ok = NULL;

  p.method = LIGHTLY_SELECTION_METHOD_CORAL;
  p.matrix = x;
  p.n_rows = 5;
  p.dim = 2;
  p.candidates = c;
  p.n_candidates = 3;
  p.preselected = pre;
  p.n_preselected = 1;
  p.scores = s;
  p.k = 2;
  p.beta = 1;
  p.n_threads = 1;
  ok = run_ok (&p);
  g_assert_cmpuint (ok->len, ==, 2);

  c[1] = 7;
  expect_error (&p, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "7");
  c[1] = 0;
  expect_error (&p, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "sorted");
  c[1] = 1;
  expect_error (&p, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "both a candidate and preselected");
  c[1] = 2;
  s[2] = NAN;
  expect_error (&p, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "row 2");
  s[2] = 1.5;
  expect_error (&p, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "1.5");
  p.method = LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING;
  g_clear_pointer (&ok, g_array_unref);
  ok = run_ok (&p);                     /* AL takes any finite score */
  g_assert_cmpuint (g_array_index (ok, guint32, 0), ==, 2);
  p.method = LIGHTLY_SELECTION_METHOD_CORAL;
  s[2] = 0.3;
  p.beta = -1;
  expect_error (&p, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "-1");
  p.beta = 1;
  p.min_distance = NAN;
  expect_error (&p, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "minDistance");
  p.min_distance = 0;
  p.scores = NULL;
  expect_error (&p, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_SCORES_REQUIRED, "CORAL");
  p.scores = s;
  x[4] = NAN;
  expect_error (&p, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "row 2");
  x[4] = -1;
  x[2] = INFINITY;
  expect_error (&p, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "row 1");
  x[2] = 0;
  p.dim = 0;
  expect_error (&p, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "dim");
  p.dim = 2;
  pre[0] = 9;
  expect_error (&p, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "9");
  pre[0] = 1;
  p.method = (LightlySelectionMethod) 42;
  expect_error (&p, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "42");

  /* Nothing to do is not an error. */
  p.method = LIGHTLY_SELECTION_METHOD_CORESET;
  p.k = 0;
  g_clear_pointer (&ok, g_array_unref);
  ok = run_ok (&p);
  g_assert_cmpuint (ok->len, ==, 0);
  p.k = 3;
  p.n_candidates = 0;
  g_clear_pointer (&ok, g_array_unref);
  ok = run_ok (&p);
  g_assert_cmpuint (ok->len, ==, 0);
}

static void
test_target_k (void)
{
  gboolean bounded = FALSE;

  g_assert_cmpuint (lightly_selection_target_k (10, 100, 3, 50, &bounded), ==, 7);
  g_assert_true (bounded);
  g_assert_cmpuint (lightly_selection_target_k (2, 100, 3, 50, NULL), ==, 0);
  g_assert_cmpuint (lightly_selection_target_k (3, 100, 3, 50, NULL), ==, 0);
  g_assert_cmpuint (lightly_selection_target_k (1000, 100, 3, 50, NULL), ==, 50);
  g_assert_cmpuint (lightly_selection_target_k (1e300, 100, 3, 50, NULL), ==, 50);
  g_assert_cmpuint (lightly_selection_target_k (0.1, 100, 3, 50, NULL), ==, 7);
  g_assert_cmpuint (lightly_selection_target_k (0.125, 100, 0, 50, NULL), ==, 13);  /* round */
  g_assert_cmpuint (lightly_selection_target_k (0.5, 101, 0, 50, NULL), ==, 50);
  g_assert_cmpuint (lightly_selection_target_k (-1, 100, 3, 50, &bounded), ==, 50);
  g_assert_false (bounded);
  g_assert_cmpuint (lightly_selection_target_k (0, 100, 3, 50, &bounded), ==, 50);
  g_assert_false (bounded);
  g_assert_cmpuint (lightly_selection_target_k (NAN, 100, 3, 50, &bounded), ==, 50);
  g_assert_false (bounded);
}

typedef struct {
  gint flag;
  gint64 set_at;
  guint delay_ms;
} Canceller;

static gpointer
cancel_later (gpointer data)
{
  Canceller *c = data;

  g_usleep (c->delay_ms * 1000);
  c->set_at = g_get_monotonic_time ();
  g_atomic_int_set (&c->flag, 1);
  return NULL;
}

static void
run_cancelled (LightlySelectionParams *p, guint delay_ms)
{
  Canceller c = { 0, 0, delay_ms };
  g_autoptr(GError) error = NULL;
  GThread *th;
  GArray *a;
  gint64 done, limit = test_slow_mode () ? 5 * G_USEC_PER_SEC : G_USEC_PER_SEC / 2;

  p->cancel = &c.flag;
  th = g_thread_new ("canceller", cancel_later, &c);
  a = lightly_selection_run (p, &error);
  done = g_get_monotonic_time ();
  g_thread_join (th);
  g_assert_null (a);
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_CANCELLED);
  g_test_message ("stopped %.1f ms after the flag", (done - c.set_at) / 1000.0);
  /* 100 ms is the goal; the bound is generous for sanitizers and slow CI. */
  g_assert_cmpint (done - c.set_at, <, limit);
}

static void
test_cancel (void)
{
  gsize n = test_slow_mode () ? 3000 : 40000, dim = test_slow_mode () ? 16 : 128, i;
  g_autofree float *x = g_new (float, n * dim);
  g_autofree guint32 *all = g_new (guint32, n);
  g_autoptr(GRand) rng = g_rand_new_with_seed (1);
  LightlySelectionParams p = { 0 };
  gint pre_set = 1;
  g_autoptr(GError) error = NULL;

  for (i = 0; i < n * dim; i++)
    x[i] = (float) g_rand_double_range (rng, -1, 1);
  for (i = 0; i < n; i++)
    {
      normalise (x + i * dim, dim);
      all[i] = i;
    }
  p.method = LIGHTLY_SELECTION_METHOD_CORESET;
  p.matrix = x;
  p.n_rows = n;
  p.dim = dim;
  p.candidates = all;
  p.n_candidates = n;
  p.k = n;
  p.n_threads = 2;

  /* Already set: nothing runs. */
  p.cancel = &pre_set;
  g_assert_null (lightly_selection_run (&p, &error));
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_CANCELLED);

  for (i = 0; i < 4; i++)
    {
      LightlySelectionMethod m = i;
      g_autofree double *scores = g_new0 (double, n);

      g_clear_error (&error);
      p.method = m;
      p.scores = scores;
      g_assert_null (lightly_selection_run (&p, &error));
      g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_CANCELLED);
    }
  p.method = LIGHTLY_SELECTION_METHOD_CORESET;
  p.scores = NULL;

  /* During the picks (k = n takes far longer than the delay). */
  run_cancelled (&p, 50);

  /* During the seeding with a big P (|P|·|C|·dim multiply-adds). */
  p.candidates = all + n / 2;
  p.n_candidates = n - n / 2;
  p.preselected = all;
  p.n_preselected = n / 2;
  run_cancelled (&p, 20);
}

static void
test_simd_env_subprocess (void)
{
  LightlySelectionSimd s;

  /* The environment can be changed here: no other thread runs yet. */
  for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
    if (lightly_selection_simd_supported (s))
      {
        g_setenv ("LIGHTLY_SIMD", lightly_selection_simd_name (s), TRUE);
        g_assert_cmpint (lightly_selection_simd_current (), ==, s);
      }
  for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
    if (!lightly_selection_simd_supported (s))
      {
        /* Falls back with a warning (fatal in tests, so the parent sees it). */
        g_setenv ("LIGHTLY_SIMD", lightly_selection_simd_name (s), TRUE);
        lightly_selection_simd_current ();
        return;
      }
  g_setenv ("LIGHTLY_SIMD", "mmx", TRUE);
  lightly_selection_simd_current ();
}

static void
test_simd_env (void)
{
  /* The child may see other CPU features than we do (under valgrind, which
   * does not follow it), so either warning will do. */
  g_test_trap_subprocess ("/selection/simd-env/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*LIGHTLY_SIMD=*; using *");
  g_assert_nonnull (lightly_selection_simd_name (lightly_selection_simd_current ()));
  g_assert_true (lightly_selection_simd_supported (LIGHTLY_SELECTION_SIMD_PORTABLE));
}

/* LIGHTLY_AMX=0 keeps the bfloat16 tiles off AMX (and the process off
 * Linux's tile state), wherever AMX could run them. */
static void
test_amx_env_subprocess (void)
{
  /* No other thread runs yet, and nothing has asked about AMX. */
  g_setenv ("LIGHTLY_AMX", "0", TRUE);
  g_assert_false (lightly_selection_bf16_amx_supported ());
}

static void
test_amx_env (void)
{
  g_test_trap_subprocess ("/selection/amx-env/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_message ("AMX tiles here without LIGHTLY_AMX: %s",
                  lightly_selection_bf16_amx_supported () ? "yes" : "no");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("LIGHTLY_SIMD");
  g_unsetenv ("LIGHTLY_AMX");
  g_test_add_func ("/selection/kernels", test_kernels);
  g_test_add_func ("/selection/random-inputs", test_random_inputs);
  g_test_add_func ("/selection/medium", test_medium);
  g_test_add_func ("/selection/ties", test_ties);
  g_test_add_func ("/selection/pruning", test_pruning);
  g_test_add_func ("/selection/coral-beta", test_coral_beta);
  g_test_add_func ("/selection/random", test_random);
  g_test_add_func ("/selection/validation", test_validation);
  g_test_add_func ("/selection/public-codes", test_public_codes);
  g_test_add_func ("/selection/target-k", test_target_k);
  g_test_add_func ("/selection/cancel", test_cancel);
  g_test_add_func ("/selection/simd-env", test_simd_env);
  g_test_add_func ("/selection/simd-env/subprocess", test_simd_env_subprocess);
  g_test_add_func ("/selection/amx-env", test_amx_env);
  g_test_add_func ("/selection/amx-env/subprocess", test_amx_env_subprocess);
  return g_test_run ();
}
