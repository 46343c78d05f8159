/* test-selection-ext.c: TYPICLUST, PROBCOVER and AUTO against brute force
 *
 * The brute-force references below compute every distance in float64 from
 * the coordinate differences, keep dense matrices and follow the rules of
 * lightly-typiclust.c and lightly-probcover.c literally. TYPICLUST's
 * reference starts from the engine's own clustering (k-means is checked
 * separately: a converged run is a fixed point of Lloyd's step). Every run
 * is repeated with 1, 2 and 5 threads and on every SIMD path the CPU
 * supports, and the picks must be identical.
 */
#include <lightly/lightly.h>
#include "backend/lightly-local-selection.h"
#include "selection/lightly-selection-private.h"
#include "test-utils.h"

#include <math.h>
#include <string.h>
#include <gio/gio.h>

#define EPS 1e-9

typedef struct {
  gsize n, dim;
  float *x;
  guint32 *cand;
  gsize n_cand;
  guint32 *pre;
  gsize n_pre;
} Data;

static void
data_free (Data *d)
{
  g_free (d->x);
  g_free (d->cand);
  g_free (d->pre);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Data, data_free)

/* n unit rows around a few centres, some exact duplicates; a share of the
 * rows preselected, the rest candidates. */
static Data *
make_data (GRand *rng, gsize n, gsize dim, guint n_centres, double p_frac)
{
  Data *d = g_new0 (Data, 1);
  g_autofree float *centres = g_new (float, n_centres * dim);
  gsize i, j;

  d->n = n;
  d->dim = dim;
  d->x = g_new (float, n * dim);
  d->cand = g_new (guint32, n);
  d->pre = g_new (guint32, n);
  for (i = 0; i < n_centres * dim; i++)
    centres[i] = (float) g_rand_double_range (rng, -1, 1);
  for (i = 0; i < n; i++)
    {
      float *v = d->x + i * dim;
      double s = 0;

      if (i > 0 && g_rand_int_range (rng, 0, 8) == 0)
        {
          memcpy (v, d->x + g_rand_int_range (rng, 0, (gint32) i) * dim, dim * sizeof (float));
          continue;
        }
      do
        {
          guint c = (guint) g_rand_int_range (rng, 0, (gint32) n_centres);

          s = 0;
          for (j = 0; j < dim; j++)
            {
              v[j] = centres[c * dim + j] + (float) g_rand_double_range (rng, -0.4, 0.4);
              s += (double) v[j] * v[j];
            }
        }
      while (s < 1e-6);
      s = sqrt (s);
      for (j = 0; j < dim; j++)
        v[j] = (float) (v[j] / s);
    }
  for (i = 0; i < n; i++)
    {
      if (g_rand_double (rng) < p_frac)
        d->pre[d->n_pre++] = (guint32) i;
      else
        d->cand[d->n_cand++] = (guint32) i;
    }
  return d;
}

static double
bf_d2 (const Data *d, guint32 a, guint32 b)
{
  double s = 0;
  gsize j;

  for (j = 0; j < d->dim; j++)
    {
      double t = (double) d->x[(gsize) a * d->dim + j] - (double) d->x[(gsize) b * d->dim + j];

      s += t * t;
    }
  return s;
}

static double
bf_d2_centroid (const Data *d, guint32 a, const float *c)
{
  double s = 0;
  gsize j;

  for (j = 0; j < d->dim; j++)
    {
      double t = (double) d->x[(gsize) a * d->dim + j] - (double) c[j];

      s += t * t;
    }
  return s;
}

static LightlySelectionParams
params_for (const Data *d, LightlySelectionMethod method, gsize k, guint64 seed)
{
  LightlySelectionParams p = { 0 };

  p.method = method;
  p.matrix = d->x;
  p.n_rows = d->n;
  p.dim = d->dim;
  p.candidates = d->cand;
  p.n_candidates = d->n_cand;
  p.preselected = d->pre;
  p.n_preselected = d->n_pre;
  p.k = k;
  p.min_distance = -1;
  p.seed = seed;
  p.n_threads = 1;
  return p;
}

static LightlyPoints
points_of (const Data *d, guint n_threads)
{
  LightlyPoints pts = { 0 };

  pts.matrix = d->x;
  pts.dim = d->dim;
  pts.rows = d->cand;
  pts.n = d->n_cand;
  pts.kern = lightly_selection_kernels_get (lightly_selection_simd_current ());
  pts.n_threads = n_threads;
  return pts;
}

/* The picks of @p must be the same for 1, 2 and 5 threads and every SIMD
 * path; returns them. */
static GArray *
run_everywhere (LightlySelectionParams *p)
{
  GArray *first = NULL;
  guint threads[] = { 1, 2, 5 };
  gint simd;

  for (simd = LIGHTLY_SELECTION_SIMD_PORTABLE; simd <= LIGHTLY_SELECTION_SIMD_AVX512; simd++)
    {
      if (!lightly_selection_simd_supported ((LightlySelectionSimd) simd))
        continue;
      lightly_selection_set_simd (simd);
      for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
        {
          g_autoptr(GError) error = NULL;
          GArray *picks;

          p->n_threads = threads[t];
          picks = lightly_selection_run (p, &error);
          g_assert_no_error (error);
          g_assert_nonnull (picks);
          if (first == NULL)
            first = picks;
          else
            {
              g_assert_cmpuint (picks->len, ==, first->len);
              g_assert_cmpmem (picks->data, picks->len * sizeof (guint32),
                               first->data, first->len * sizeof (guint32));
              g_array_unref (picks);
            }
        }
    }
  lightly_selection_set_simd (-1);
  return first;
}

/* ---------------------------------------------------------------------- */
/* k-means                                                                */

static void
test_kmeans_fixed_point (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (11);

  for (guint round = 0; round < 20; round++)
    {
      g_autoptr(Data) d = make_data (rng, 40 + g_rand_int_range (rng, 0, 200), 3 + round % 7,
                                     2 + round % 6, 0.0);
      LightlyPoints pts = points_of (d, 1 + round % 3);
      guint k = 1 + round % 12, kk, c;
      g_autofree guint32 *assign = g_new (guint32, d->n_cand);
      g_autofree float *centroids = g_new (float, k * d->dim);
      g_autofree double *sums = g_new0 (double, k * d->dim);
      g_autofree guint *counts = g_new0 (guint, k);
      g_autoptr(GError) error = NULL;
      gsize i, j;

      kk = lightly_kmeans (&pts, k, round, assign, centroids, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (kk, >=, 1);
      g_assert_cmpuint (kk, <=, k);
      /* Every point is at its nearest centroid (ties: the smallest). */
      for (i = 0; i < d->n_cand; i++)
        {
          double mine = bf_d2_centroid (d, d->cand[i], centroids + assign[i] * d->dim);

          for (c = 0; c < kk; c++)
            {
              double other = bf_d2_centroid (d, d->cand[i], centroids + c * d->dim);

              g_assert_cmpfloat (mine, <=, other + 1e-9);
              if (c < assign[i])
                g_assert_cmpfloat (other, >, mine - 1e-9);
            }
        }
      /* Converged (small inputs always do): centroids are the means. */
      for (i = 0; i < d->n_cand; i++)
        {
          counts[assign[i]]++;
          for (j = 0; j < d->dim; j++)
            sums[assign[i] * d->dim + j] += d->x[(gsize) d->cand[i] * d->dim + j];
        }
      for (c = 0; c < kk; c++)
        if (counts[c] > 0)
          for (j = 0; j < d->dim; j++)
            g_assert_cmpfloat (fabs (centroids[c * d->dim + j] - sums[c * d->dim + j] / counts[c]), <, 1e-6);
    }
}

static void
test_kmeans_threads (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (12);
  g_autoptr(Data) d = make_data (rng, 3000, 16, 9, 0.0);
  g_autofree guint32 *a1 = g_new (guint32, d->n_cand);
  g_autofree guint32 *a4 = g_new (guint32, d->n_cand);
  g_autofree float *c1 = g_new (float, 20 * d->dim);
  g_autofree float *c4 = g_new (float, 20 * d->dim);
  LightlyPoints p1 = points_of (d, 1), p4 = points_of (d, 4);

  g_assert_cmpuint (lightly_kmeans (&p1, 20, 7, a1, c1, NULL, NULL, NULL), ==, 20);
  g_assert_cmpuint (lightly_kmeans (&p4, 20, 7, a4, c4, NULL, NULL, NULL), ==, 20);
  g_assert_cmpmem (a1, d->n_cand * sizeof (guint32), a4, d->n_cand * sizeof (guint32));
  g_assert_cmpmem (c1, 20 * d->dim * sizeof (float), c4, 20 * d->dim * sizeof (float));
}

/* Hamerly's bounds give the plain Lloyd loop's assignments and centroids
 * bit for bit (issue 13), also with duplicate rows (exact ties), and skip
 * work; with them the pairs are screened by the float32 tiles first, whose
 * sums differ between SIMD paths: every path must still give those bits. */
static void
test_kmeans_bounds (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (31);
  guint ks[] = { 1, 7, 20, 60 }, ki, dims[] = { 3, 16, 2, 100 }, di, t;
  guint64 skipped = 0;
  gint simd;

  /* Under valgrind (~45 s with dim 100) the short rows only. */
  for (di = 0; di < G_N_ELEMENTS (dims) - (test_slow_mode () ? 1 : 0); di++)
    {
      g_autoptr(Data) d = make_data (rng, 2000, dims[di], 9, 0.0);
      g_autofree guint32 *a0 = g_new (guint32, d->n_cand);
      g_autofree guint32 *a1 = g_new (guint32, d->n_cand);
      g_autofree float *c0 = g_new (float, 60 * d->dim);
      g_autofree float *c1 = g_new (float, 60 * d->dim);
      gsize i;

      /* Dim 2: points on a 4 × 4 grid of integers, so that many points lie
       * exactly between two centroids (ties between clusters). */
      if (dims[di] == 2)
        for (i = 0; i < d->n * d->dim; i++)
          d->x[i] = (float) g_rand_int_range (rng, 0, 4);
      /* Every tenth row a copy of the one before: exact ties. */
      for (i = 10; i < d->n; i += 10)
        memcpy (d->x + i * d->dim, d->x + (i - 1) * d->dim, d->dim * sizeof (float));
      for (ki = 0; ki < G_N_ELEMENTS (ks); ki++)
        for (t = 1; t <= 2; t++)
          for (simd = LIGHTLY_SELECTION_SIMD_PORTABLE; simd <= LIGHTLY_SELECTION_SIMD_AVX512; simd++)
          {
            LightlyPoints pts;
            guint k0, k1;

            if (!lightly_selection_simd_supported ((LightlySelectionSimd) simd))
              continue;
            lightly_selection_set_simd (simd);
            pts = points_of (d, t);
            lightly_selection_set_kmeans_bounds (0);
            k0 = lightly_kmeans (&pts, ks[ki], 5, a0, c0, NULL, NULL, NULL);
            g_assert_cmpuint (lightly_selection_kmeans_last_skipped (), ==, 0);
            lightly_selection_set_kmeans_bounds (1);
            k1 = lightly_kmeans (&pts, ks[ki], 5, a1, c1, NULL, NULL, NULL);
            skipped += lightly_selection_kmeans_last_skipped ();
            g_assert_cmpuint (k0, ==, k1);
            g_assert_cmpmem (a0, d->n_cand * sizeof (guint32), a1, d->n_cand * sizeof (guint32));
            g_assert_cmpmem (c0, k0 * d->dim * sizeof (float), c1, k1 * d->dim * sizeof (float));
          }
    }
  lightly_selection_set_simd (-1);
  g_assert_cmpuint (skipped, >, 0);
}

/* ---------------------------------------------------------------------- */
/* TYPICLUST                                                              */

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static GArray *
bf_typiclust (const Data *d, gsize k, guint cap, guint64 seed)
{
  LightlyPoints pts = points_of (d, 1);
  gsize m = d->n_cand, i, j, t;
  guint kc = (guint) MIN (MIN ((gsize) cap, d->n_pre + k), m), c;
  g_autofree guint32 *assign = g_new (guint32, m);
  g_autofree float *centroids = g_new (float, kc * d->dim);
  g_autofree guint *size = NULL;
  g_autofree guint64 *count = NULL;
  g_autofree double *mean = g_new (double, m);
  g_autofree gboolean *taken = g_new0 (gboolean, m);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint32));

  kc = lightly_kmeans (&pts, kc, seed, assign, centroids, NULL, NULL, NULL);
  size = g_new0 (guint, kc);
  count = g_new0 (guint64, kc);
  for (i = 0; i < m; i++)
    size[assign[i]]++;
  for (i = 0; i < d->n_pre; i++)
    {
      guint best = 0;
      double bd = INFINITY;

      for (c = 0; c < kc; c++)
        {
          double v = bf_d2_centroid (d, d->pre[i], centroids + c * d->dim);

          if (v < bd)
            {
              bd = v;
              best = c;
            }
        }
      count[best]++;
    }
  /* Typicality of every candidate within its cluster: the mean of the
   * distances to its min(20, size − 1) nearest fellow members. */
  for (i = 0; i < m; i++)
    {
      g_autoptr(GArray) ds = g_array_new (FALSE, FALSE, sizeof (double));
      guint nb = MIN (LIGHTLY_TYPICLUST_NEIGHBOURS, size[assign[i]] - 1), l;
      double s = 0;

      for (j = 0; j < m; j++)
        if (j != i && assign[j] == assign[i])
          {
            double v = sqrt (bf_d2 (d, d->cand[i], d->cand[j]));

            g_array_append_val (ds, v);
          }
      g_array_sort (ds, cmp_double);
      for (l = 0; l < nb; l++)
        s += g_array_index (ds, double, l);
      mean[i] = nb > 0 ? s / nb : 0.0;
    }
  for (t = 0; t < k; t++)
    {
      guint best = G_MAXUINT;
      double mmin = INFINITY;
      gsize arg = G_MAXSIZE;

      for (c = 0; c < kc; c++)
        {
          gboolean left = FALSE, small_c, small_b;

          for (i = 0; i < m && !left; i++)
            left = assign[i] == c && !taken[i];
          if (!left)
            continue;
          if (best == G_MAXUINT)
            {
              best = c;
              continue;
            }
          small_c = size[c] < LIGHTLY_TYPICLUST_MIN_CLUSTER;
          small_b = size[best] < LIGHTLY_TYPICLUST_MIN_CLUSTER;
          if (small_c != small_b ? small_b
              : count[c] != count[best] ? count[c] < count[best]
              : size[c] > size[best])
            best = c;
        }
      g_assert_cmpuint (best, !=, G_MAXUINT);
      for (i = 0; i < m; i++)
        if (assign[i] == best && !taken[i] && mean[i] < mmin)
          mmin = mean[i];
      for (i = 0; i < m && arg == G_MAXSIZE; i++)
        if (assign[i] == best && !taken[i] && mean[i] <= mmin + EPS)
          arg = i;
      taken[arg] = TRUE;
      count[best]++;
      g_array_append_val (out, d->cand[arg]);
    }
  return out;
}

static void
test_typiclust_brute_force (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (21);

  for (guint round = 0; round < 24; round++)
    {
      g_autoptr(Data) d = make_data (rng, 20 + g_rand_int_range (rng, 0, 140), 2 + round % 9,
                                     1 + round % 7, round % 3 == 0 ? 0.0 : 0.15);
      gsize k = 1 + (gsize) g_rand_int_range (rng, 0, (gint32) d->n_cand);
      guint cap = round % 4 == 0 ? 3 : 500;
      LightlySelectionParams p = params_for (d, LIGHTLY_SELECTION_METHOD_TYPICLUST, k, round);
      g_autoptr(GArray) picks = NULL;
      g_autoptr(GArray) ref = NULL;

      if (d->n_cand == 0)
        continue;
      p.max_clusters = cap;
      picks = run_everywhere (&p);
      ref = bf_typiclust (d, k, cap, round);
      g_assert_cmpuint (picks->len, ==, k);
      g_assert_cmpuint (picks->len, ==, ref->len);
      g_assert_cmpmem (picks->data, picks->len * sizeof (guint32), ref->data, ref->len * sizeof (guint32));
      /* K = min(cap, |P| + k, |C|), fewer only with duplicate rows. */
      g_assert_cmpuint (lightly_typiclust_last_clusters (), <=,
                        MIN (MIN (cap, d->n_pre + k), d->n_cand));
      g_assert_cmpuint (lightly_typiclust_last_clusters (), >=, 1);
    }
}

/* Duplicates tie exactly: the smaller row wins. */
static void
test_typiclust_ties (void)
{
  g_autoptr(Data) d = g_new0 (Data, 1);
  LightlySelectionParams p;
  g_autoptr(GArray) picks = NULL;
  gsize i;

  d->n = 12;
  d->dim = 2;
  d->x = g_new0 (float, d->n * d->dim);
  d->cand = g_new (guint32, d->n);
  d->pre = g_new (guint32, 1);
  /* One tight cluster, centre rows 4 and 9 identical. */
  for (i = 0; i < d->n; i++)
    {
      double a = (i == 4 || i == 9) ? 0.0 : 0.01 * ((double) i - 5.5);

      d->x[i * 2] = (float) cos (a);
      d->x[i * 2 + 1] = (float) sin (a);
      d->cand[d->n_cand++] = (guint32) i;
    }
  p = params_for (d, LIGHTLY_SELECTION_METHOD_TYPICLUST, 2, 3);
  p.max_clusters = 1;
  picks = run_everywhere (&p);
  g_assert_cmpuint (picks->len, ==, 2);
  g_assert_cmpuint (g_array_index (picks, guint32, 0), ==, 4);
  g_assert_cmpuint (g_array_index (picks, guint32, 1), ==, 9);
}

/* Above LIGHTLY_TYPICLUST_SAMPLE_ABOVE candidates the clusters come from a
 * seeded sample: the picks stay the same for every thread count and SIMD
 * path, are candidates, distinct, and still one per well-separated mode;
 * another seed draws another sample. */
static void
test_typiclust_sampled (void)
{
  g_autoptr(Data) d = g_new0 (Data, 1);
  LightlySelectionParams p;
  g_autoptr(GArray) picks = NULL;
  g_autoptr(GArray) other = NULL;
  g_autoptr(GError) error = NULL;
  const gsize modes = 6;
  gboolean seen[6] = { FALSE };
  guint64 s = 7;
  gsize i, j;

  d->n = LIGHTLY_TYPICLUST_SAMPLE_ABOVE * 3 / 2 + 3000;
  d->dim = 8;
  d->x = g_new0 (float, d->n * d->dim);
  d->cand = g_new (guint32, d->n);
  d->pre = g_new (guint32, 1);
  /* Six tight blobs around the axes e0 … e5, rows dealt round-robin; every
   * third round is not a candidate. */
  for (i = 0; i < d->n; i++)
    {
      double nn = 0;

      for (j = 0; j < d->dim; j++)
        {
          s = s * 6364136223846793005ull + 1442695040888963407ull;
          d->x[i * d->dim + j] = (float) (((s >> 33) / 4294967296.0 - 0.5) * 0.05 + (j == i % modes ? 1.0 : 0.0));
          nn += (double) d->x[i * d->dim + j] * d->x[i * d->dim + j];
        }
      for (j = 0; j < d->dim; j++)
        d->x[i * d->dim + j] = (float) (d->x[i * d->dim + j] / sqrt (nn));
      if ((i / modes) % 3 != 2)
        d->cand[d->n_cand++] = (guint32) i;
    }
  g_assert_cmpuint (d->n_cand, >, LIGHTLY_TYPICLUST_SAMPLE_ABOVE);
  p = params_for (d, LIGHTLY_SELECTION_METHOD_TYPICLUST, modes, 11);
  picks = run_everywhere (&p);
  g_assert_cmpuint (picks->len, ==, modes);
  for (i = 0; i < picks->len; i++)
    {
      guint32 r = g_array_index (picks, guint32, i);

      g_assert_cmpuint ((r / modes) % 3, !=, 2);
      g_assert_false (seen[r % modes]);
      seen[r % modes] = TRUE;
    }
  p.seed = 12;
  p.n_threads = 2;
  other = lightly_selection_run (&p, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (other->len, ==, modes);
  g_assert_true (memcmp (other->data, picks->data, modes * sizeof (guint32)) != 0);
}

/* ---------------------------------------------------------------------- */
/* PROBCOVER                                                              */

static GArray *
bf_probcover (const Data *d, gsize k, double delta, guint64 seed)
{
  gsize m = d->n_cand, i, j, t;
  g_autofree gboolean *adj = g_new0 (gboolean, m * m);
  g_autofree gboolean *covered = g_new0 (gboolean, m);
  g_autofree gboolean *picked = g_new0 (gboolean, m);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (i = 0; i < m; i++)
    for (j = 0; j < m; j++)
      adj[i * m + j] = i == j || bf_d2 (d, d->cand[i], d->cand[j]) < delta * delta;
  for (i = 0; i < m; i++)
    for (j = 0; j < d->n_pre; j++)
      if (bf_d2 (d, d->cand[i], d->pre[j]) < delta * delta)
        covered[i] = TRUE;
  for (t = 0; t < k; t++)
    {
      gsize best = G_MAXSIZE, best_deg = 0;

      for (i = 0; i < m; i++)
        {
          gsize deg = 0;

          if (picked[i])
            continue;
          for (j = 0; j < m; j++)
            deg += adj[i * m + j] && !covered[j];
          if (deg > best_deg)
            {
              best_deg = deg;
              best = i;
            }
        }
      if (best == G_MAXSIZE)
        break;
      picked[best] = TRUE;
      for (j = 0; j < m; j++)
        if (adj[best * m + j])
          covered[j] = TRUE;
      g_array_append_val (out, d->cand[best]);
    }
  if (out->len < k)
    {
      g_autofree guint32 *rest = g_new (guint32, m);
      gsize n_rest = 0;
      LightlyRng rng;

      for (i = 0; i < m; i++)
        if (!picked[i])
          rest[n_rest++] = (guint32) i;
      lightly_rng_init (&rng, seed);
      for (i = 0; out->len < k && i < n_rest; i++)
        {
          gsize r = i + (gsize) lightly_rng_below (&rng, n_rest - i);
          guint32 tmp = rest[i];

          rest[i] = rest[r];
          rest[r] = tmp;
          g_array_append_val (out, d->cand[rest[i]]);
        }
    }
  return out;
}

static void
test_probcover_brute_force (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (31);

  for (guint round = 0; round < 30; round++)
    {
      g_autoptr(Data) d = make_data (rng, 20 + g_rand_int_range (rng, 0, 180), 2 + round % 9,
                                     1 + round % 6, round % 3 == 0 ? 0.0 : 0.1);
      gsize k = 1 + (gsize) g_rand_int_range (rng, 0, (gint32) MAX (d->n_cand, 1));
      double delta = g_rand_double_range (rng, 0.05, 0.9);
      LightlySelectionParams p = params_for (d, LIGHTLY_SELECTION_METHOD_PROBCOVER, k, round);
      g_autoptr(GArray) picks = NULL;
      g_autoptr(GArray) ref = NULL;

      if (d->n_cand == 0)
        continue;
      p.delta = delta;
      picks = run_everywhere (&p);
      ref = bf_probcover (d, k, delta, round);
      g_assert_cmpfloat (lightly_probcover_last_delta (), ==, delta);
      g_assert_cmpuint (picks->len, ==, MIN (k, d->n_cand));
      g_assert_cmpuint (picks->len, ==, ref->len);
      g_assert_cmpmem (picks->data, picks->len * sizeof (guint32), ref->data, ref->len * sizeof (guint32));
    }
}

/* δ by the purity rule, against the rule computed by hand from the same
 * pseudo-labels; then the picks at that δ against brute force. */
static void
test_probcover_purity (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (41);

  for (guint round = 0; round < 8; round++)
    {
      g_autoptr(Data) d = make_data (rng, 60 + g_rand_int_range (rng, 0, 300), 3 + round % 5, 4, 0.1);
      guint kp = 2 + round % 5;
      gsize m = d->n_cand, S = MIN (m, (gsize) LIGHTLY_PROBCOVER_PURITY_SAMPLE), s, j, a;
      LightlyPoints pts = points_of (d, 1);
      g_autofree guint32 *labels = g_new (guint32, m);
      g_autofree float *centroids = g_new (float, kp * d->dim);
      g_autofree double *r = g_new (double, S);
      LightlySelectionParams p = params_for (d, LIGHTLY_SELECTION_METHOD_PROBCOVER, 10, round);
      g_autoptr(GArray) picks = NULL;
      g_autoptr(GArray) ref = NULL;
      double delta;

      kp = (guint) MIN ((gsize) kp, m);
      lightly_kmeans (&pts, kp, round, labels, centroids, NULL, NULL, NULL);
      for (s = 0; s < S; s++)
        {
          gsize qi = (gsize) ((guint64) s * m / S);

          r[s] = INFINITY;
          for (j = 0; j < m; j++)
            if (labels[j] != labels[qi])
              r[s] = MIN (r[s], sqrt (bf_d2 (d, d->cand[qi], d->cand[j])));
        }
      qsort (r, S, sizeof (double), cmp_double);
      a = MIN ((gsize) floor ((1.0 - LIGHTLY_PROBCOVER_PURITY) * S), S - 1);
      delta = isfinite (r[a]) ? r[a] : 2.0;

      p.pseudo_classes = kp;
      picks = run_everywhere (&p);
      g_assert_cmpfloat (fabs (lightly_probcover_last_delta () - delta), <, 1e-9);
      ref = bf_probcover (d, 10, lightly_probcover_last_delta (), round);
      g_assert_cmpmem (picks->data, picks->len * sizeof (guint32), ref->data, ref->len * sizeof (guint32));
    }
}

/* A graph over the edge cap fails with a message; the purity rule shrinks
 * δ to fit instead. */
static void
test_probcover_edge_cap (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (51);
  g_autoptr(Data) d = make_data (rng, 400, 4, 2, 0.0);
  LightlySelectionParams p = params_for (d, LIGHTLY_SELECTION_METHOD_PROBCOVER, 5, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) picks = NULL;
  double free_delta;
  gsize i, j, e_free = 0, e_min = 0;

  p.delta = 2.0;
  p.max_edges = 1000;
  picks = lightly_selection_run (&p, &error);
  g_assert_null (picks);
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "smaller δ"));
  g_clear_error (&error);

  p.delta = 0;
  p.max_edges = 0;
  p.pseudo_classes = 2;
  picks = lightly_selection_run (&p, &error);
  g_assert_no_error (error);
  g_clear_pointer (&picks, g_array_unref);
  free_delta = lightly_probcover_last_delta ();
  for (i = 0; i < d->n_cand; i++)
    for (j = 0; j < d->n_cand; j++)
      {
        double d2 = bf_d2 (d, d->cand[i], d->cand[j]);

        e_free += i == j || d2 < free_delta * free_delta;
        e_min += i == j || d2 < 1e-12;
      }
  g_assert_cmpuint (e_free, >, 2 * e_min);
  p.max_edges = (e_free + e_min) / 2;
  picks = lightly_selection_run (&p, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (picks->len, ==, 5);
  g_assert_cmpfloat (lightly_probcover_last_delta (), <, free_delta);
}

/* ---------------------------------------------------------------------- */
/* Common contract                                                        */

typedef struct {
  guint64 last, total;
  guint calls;
  gint *cancel;
  guint cancel_after;
} Seen;

static void
on_progress (guint64 processed, guint64 total, gpointer data)
{
  Seen *s = data;

  g_assert_cmpuint (processed, >=, s->last);
  g_assert_cmpuint (processed, <=, total);
  s->last = processed;
  s->total = total;
  if (++s->calls == s->cancel_after && s->cancel != NULL)
    g_atomic_int_set (s->cancel, 1);
}

static void
test_progress_and_cancel (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (61);
  g_autoptr(Data) d = make_data (rng, 2000, 8, 5, 0.05);
  LightlySelectionMethod methods[] = { LIGHTLY_SELECTION_METHOD_TYPICLUST, LIGHTLY_SELECTION_METHOD_PROBCOVER };

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      LightlySelectionParams p = params_for (d, methods[i], 300, 5);
      Seen seen = { 0 };
      gint cancel = 0;
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) picks = NULL;

      p.progress = on_progress;
      p.progress_data = &seen;
      p.n_threads = 2;
      picks = lightly_selection_run (&p, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (picks->len, ==, 300);
      g_assert_cmpuint (seen.last, ==, 300);
      g_assert_cmpuint (seen.total, ==, 300);
      g_assert_cmpuint (seen.calls, >, 10);
      g_clear_pointer (&picks, g_array_unref);

      /* Cancelled before the start, and from the progress callback. */
      cancel = 1;
      p.cancel = &cancel;
      picks = lightly_selection_run (&p, &error);
      g_assert_null (picks);
      g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_CANCELLED);
      g_clear_error (&error);
      cancel = 0;
      memset (&seen, 0, sizeof seen);
      seen.cancel = &cancel;
      seen.cancel_after = 3;
      picks = lightly_selection_run (&p, &error);
      g_assert_null (picks);
      g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_CANCELLED);
    }
}

static void
test_seeds (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (71);
  g_autoptr(Data) d = make_data (rng, 1500, 8, 6, 0.0);
  LightlySelectionParams p = params_for (d, LIGHTLY_SELECTION_METHOD_TYPICLUST, 40, 1);
  g_autoptr(GArray) a = run_everywhere (&p);
  g_autoptr(GArray) b = NULL;
  g_autoptr(GArray) c = NULL;

  p.seed = 2;
  b = run_everywhere (&p);
  p.seed = 1;
  c = lightly_selection_run (&p, NULL);
  /* Another seed clusters differently; the same seed repeats exactly. */
  g_assert_false (memcmp (a->data, b->data, 40 * sizeof (guint32)) == 0);
  g_assert_cmpmem (a->data, 40 * sizeof (guint32), c->data, 40 * sizeof (guint32));
}

static void
test_bad_input (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (81);
  g_autoptr(Data) d = make_data (rng, 50, 4, 2, 0.2);
  LightlySelectionParams p = params_for (d, LIGHTLY_SELECTION_METHOD_TYPICLUST, 5, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) picks = NULL;
  guint32 unsorted[] = { 3, 2 };

  /* AUTO never reaches the engine: its public caller refuses it. */
  picks = lightly_local_selection_run (LIGHTLY_SAMPLING_METHOD_AUTO, &p, &error);
  g_assert_null (picks);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "AUTO"));
  g_clear_error (&error);
  /* The public caller maps the engine's errors onto the public codes. */
  p.delta = NAN;
  picks = lightly_local_selection_run (LIGHTLY_SAMPLING_METHOD_PROBCOVER, &p, &error);
  g_assert_null (picks);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  p.method = LIGHTLY_SELECTION_METHOD_PROBCOVER;
  p.delta = NAN;
  picks = lightly_selection_run (&p, &error);
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  p.delta = 2.5;
  picks = lightly_selection_run (&p, &error);
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  p.method = LIGHTLY_SELECTION_METHOD_TYPICLUST;
  p.candidates = unsorted;
  p.n_candidates = 2;
  picks = lightly_selection_run (&p, &error);
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* Nothing to pick is not an error. */
  p.candidates = d->cand;
  p.n_candidates = d->n_cand;
  p.k = 0;
  picks = lightly_selection_run (&p, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (picks->len, ==, 0);
}

/* ---------------------------------------------------------------------- */
/* AUTO                                                                   */

static void
test_auto_rule (void)
{
  const LightlySamplingMethod T = LIGHTLY_SAMPLING_METHOD_TYPICLUST, C = LIGHTLY_SAMPLING_METHOD_CORAL;
  const LightlySamplingMethod AL = LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING;
  const LightlySamplingMethod A = LIGHTLY_SAMPLING_METHOD_AUTO;
  const LightlySamplingMethod R = LIGHTLY_SAMPLING_METHOD_RANDOM, B = LIGHTLY_SAMPLING_METHOD_BADGE;
  /* Pool size unknown: typical samples below 1000 labels after the query;
   * then scores from a model of 200 labels or more and a batch no larger
   * (any batch from 1000 labels), else BADGE, or RANDOM without scores
   * (docs/quality.md). */
  const struct { guint labeled, batch; gboolean scores; LightlySamplingMethod want; } cases[] = {
    { 0, 10, FALSE, T },
    { 0, 10, TRUE, T },
    { 0, 2000, TRUE, T },                     /* nothing labeled: cold start */
    { 10, 10, TRUE, T },
    { 500, 499, TRUE, T },                    /* one below the switch */
    { 500, 500, TRUE, AL },                   /* at the switch */
    { 999, 1, TRUE, AL },
    { 2000, 1000, TRUE, AL },
    { 500, 500, FALSE, R },                   /* no scores: cannot rank by them */
    { 2000, 1000, FALSE, R },
    { 100, 900, TRUE, B },                    /* a model of 100 labels */
    { 300, 700, TRUE, B },                    /* a batch larger than its labels */
    { 100, 900, FALSE, R },                   /* the same without scores */
    { 1000, 3000, TRUE, AL },
    { G_MAXUINT, G_MAXUINT, TRUE, AL },       /* no overflow */
    { 10, 0, FALSE, LIGHTLY_SAMPLING_METHOD_CORESET },  /* minDistance only */
    { 10, 0, TRUE, C },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (lightly_sampling_method_resolve (A, cases[i].labeled, cases[i].batch, cases[i].scores),
                     ==, cases[i].want);
  /* Every other method stays. */
  for (LightlySamplingMethod m = LIGHTLY_SAMPLING_METHOD_RANDOM; m < A; m++)
    g_assert_cmpint (lightly_sampling_method_resolve (m, 0, 10, TRUE), ==, m);
  g_assert_cmpstr (lightly_sampling_method_to_string (A), ==, "AUTO");
  g_assert_cmpint (lightly_sampling_method_from_string ("typiclust", NULL), ==, T);
}

/* With the pool known: typical samples up to 10% of it (rounded up) and
 * below 1000 labels; then the highest scores once the model has 200 labels
 * and the batch is no larger than them (or 1000 labels); BADGE between,
 * RANDOM there without scores.
 * The reason names the method and the numbers. */
static void
test_auto_resolve_in_pool (void)
{
  const LightlySamplingMethod T = LIGHTLY_SAMPLING_METHOD_TYPICLUST, A = LIGHTLY_SAMPLING_METHOD_AUTO;
  const LightlySamplingMethod AL = LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING, R = LIGHTLY_SAMPLING_METHOD_RANDOM;
  const LightlySamplingMethod B = LIGHTLY_SAMPLING_METHOD_BADGE;
  const struct {
    guint labeled, batch, pool;
    gboolean scores;
    LightlySamplingMethod want;
    const char *reason;
  } cases[] = {
    { 0, 10, 1400, TRUE, T, "TYPICLUST: cold start" },
    { 0, 900, 1400, TRUE, T, "TYPICLUST: cold start" },
    { 100, 40, 1400, TRUE, T, "TYPICLUST: 140 of 1400 labeled after the query (10%), within" },
    { 100, 41, 1400, TRUE, B, "BADGE: 141 of 1400 labeled after the query (10%), past" },
    { 199, 100, 1400, TRUE, B, "BADGE: 299 of 1400" },                 /* model of 199 labels */
    { 200, 201, 1400, TRUE, B, "BADGE: 401 of 1400" },                 /* batch > labeled */
    { 200, 200, 1400, TRUE, AL, "ACTIVE_LEARNING: 400 of 1400 labeled after the query (29%)" },
    { 200, 300, 1400, FALSE, R, "RANDOM: 500 of 1400" },                /* no scores */
    { 100, 200, 3001, TRUE, T, "TYPICLUST: 300 of 3001" },             /* ⌈300.1⌉ = 301 */
    { 100, 201, 3001, TRUE, T, "TYPICLUST: 301 of 3001" },
    { 100, 202, 3001, TRUE, B, "BADGE: 302 of 3001" },
    { 500, 499, 20000, TRUE, T, "TYPICLUST: 999 of 20000 labeled after the query (5%)" },
    { 500, 500, 20000, TRUE, AL, "ACTIVE_LEARNING: 1000 of 20000" },
    { 1000, 4000, 20000, TRUE, AL, "ACTIVE_LEARNING: 5000 of 20000" },  /* 1000 labels: any batch */
    { 999, 1000, 20000, TRUE, B, "BADGE: 1999 of 20000" },
    { 500, 499, 0, TRUE, T, "TYPICLUST: 999 labeled after the query" },
    { 500, 500, 0, TRUE, AL, "ACTIVE_LEARNING: 1000 labeled after the query" },
    { 1, 0, 100, TRUE, LIGHTLY_SAMPLING_METHOD_CORAL, "CORAL: only a minimum distance" },
    { G_MAXUINT, G_MAXUINT, G_MAXUINT, TRUE, AL, "ACTIVE_LEARNING" },
  };

  g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL;

  /* Why: which bound ended the typical samples, and what the model lacks. */
  lightly_sampling_method_resolve_in_pool (A, 100, 41, 1400, TRUE, &r1);
  g_assert_true (strstr (r1, "past the typical samples' 10% of the pool (140)") != NULL);
  g_assert_true (g_str_has_suffix (r1, "the model has only 100 labels (ranking by scores needs 200), so "
                                     "uncertainty and diversity together"));
  lightly_sampling_method_resolve_in_pool (A, 200, 201, 1400, TRUE, &r2);
  g_assert_true (strstr (r2, "the batch of 201 is larger than the 200 labels") != NULL);
  lightly_sampling_method_resolve_in_pool (A, 500, 500, 0, TRUE, &r3);
  g_assert_true (strstr (r3, "limit below 1000 labels (pool size unknown)") != NULL);
  lightly_sampling_method_resolve_in_pool (A, 500, 500, 20000, TRUE, &r4);
  g_assert_true (strstr (r4, "past the typical samples' limit below 1000 labels (999)") != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *reason = NULL;

      g_assert_cmpint (lightly_sampling_method_resolve_in_pool (A, cases[i].labeled, cases[i].batch, cases[i].pool,
                                                                cases[i].scores, &reason), ==, cases[i].want);
      g_assert_true (g_str_has_prefix (reason, cases[i].reason));
      /* Without a reason location, the same answer. */
      g_assert_cmpint (lightly_sampling_method_resolve_in_pool (A, cases[i].labeled, cases[i].batch, cases[i].pool,
                                                                cases[i].scores, NULL), ==, cases[i].want);
    }
  {
    g_autofree char *reason = NULL;

    g_assert_cmpint (lightly_sampling_method_resolve_in_pool (LIGHTLY_SAMPLING_METHOD_CORESET, 0, 5, 10, FALSE,
                                                              &reason), ==, LIGHTLY_SAMPLING_METHOD_CORESET);
    g_assert_cmpstr (reason, ==, "CORESET: the method asked for");
  }
  g_assert_cmpint (lightly_sampling_method_from_string ("ProbCover", NULL), ==,
                   LIGHTLY_SAMPLING_METHOD_PROBCOVER);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/selection-ext/kmeans/fixed-point", test_kmeans_fixed_point);
  g_test_add_func ("/selection-ext/kmeans/threads", test_kmeans_threads);
  g_test_add_func ("/selection-ext/kmeans/bounds", test_kmeans_bounds);
  g_test_add_func ("/selection-ext/typiclust/brute-force", test_typiclust_brute_force);
  g_test_add_func ("/selection-ext/typiclust/ties", test_typiclust_ties);
  g_test_add_func ("/selection-ext/typiclust/sampled", test_typiclust_sampled);
  g_test_add_func ("/selection-ext/probcover/brute-force", test_probcover_brute_force);
  g_test_add_func ("/selection-ext/probcover/purity", test_probcover_purity);
  g_test_add_func ("/selection-ext/probcover/edge-cap", test_probcover_edge_cap);
  g_test_add_func ("/selection-ext/progress-and-cancel", test_progress_and_cancel);
  g_test_add_func ("/selection-ext/seeds", test_seeds);
  g_test_add_func ("/selection-ext/bad-input", test_bad_input);
  g_test_add_func ("/selection-ext/auto", test_auto_rule);
  g_test_add_func ("/selection-ext/auto-in-pool", test_auto_resolve_in_pool);
  return g_test_run ();
}
