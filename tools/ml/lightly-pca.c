/* lightly-pca.c: whitened PCA (algorithm in lightly-pca.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "lightly-pca.h"
#include "lightly/lightly-error.h"

#define BLOCK 128          /* samples per covariance block */
#define TI 4               /* tile rows */
#define TJ 8               /* tile columns */
#define MAX_THREADS 16

/* Two doubles: the SSE2 register every x86-64 has (and NEON's on arm64);
 * GCC and Clang map the arithmetic on it to vector instructions. */
typedef double v2d __attribute__ ((vector_size (16)));

static inline v2d
load2 (const double *p)
{
  v2d v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline void
store2 (double *p, v2d v)
{
  memcpy (p, &v, sizeof v);
}

void
lightly_pca_free (LightlyPca *pca)
{
  if (pca == NULL)
    return;
  g_free (pca->mean);
  g_free (pca->components);
  g_free (pca->eigenvalues);
  g_free (pca);
}

/* ---- threads ------------------------------------------------------------ */

static guint
pick_threads (gsize work)
{
  guint n = g_get_num_processors ();

  if (work < 20000000)     /* small problems: threads cost more than they save */
    return 1;
  return CLAMP (n, 1, MAX_THREADS);
}

/* Runs func(work + t * size) for t < n_threads, the first on this thread. */
static void
run_parallel (guint n_threads, GThreadFunc func, gpointer work, gsize size)
{
  GThread *threads[MAX_THREADS];
  guint t;

  for (t = 1; t < n_threads; t++)
    threads[t] = g_thread_new ("lightly-pca", func, (char *) work + t * size);
  func (work);
  for (t = 1; t < n_threads; t++)
    g_thread_join (threads[t]);
}

/* ---- covariance --------------------------------------------------------- */

typedef struct {
  const double *xb;     /* rows × dp, centred block */
  guint         rows;
  guint         dp;     /* padded dimension, multiple of TJ */
  double       *c;      /* dp × dp, lower triangle accumulated */
  guint         thread;
  guint         n_threads;
  gboolean      avx2;
} CovWork;

/* C[i0:i0+4, j0:j0+4] += Σ_s xb[s, i0:i0+4]ᵀ xb[s, j0:j0+4] */
static void
cov_tile4 (const double *xb, guint rows, guint dp, double *c, guint i0, guint j0)
{
  v2d acc[TI][2];
  guint s, p;

  for (p = 0; p < TI; p++)
    {
      acc[p][0] = load2 (c + (gsize) (i0 + p) * dp + j0);
      acc[p][1] = load2 (c + (gsize) (i0 + p) * dp + j0 + 2);
    }
  for (s = 0; s < rows; s++)
    {
      const double *row = xb + (gsize) s * dp;
      v2d b0 = load2 (row + j0), b1 = load2 (row + j0 + 2);

      for (p = 0; p < TI; p++)
        {
          double a = row[i0 + p];
          v2d av = { a, a };

          acc[p][0] += av * b0;
          acc[p][1] += av * b1;
        }
    }
  for (p = 0; p < TI; p++)
    {
      store2 (c + (gsize) (i0 + p) * dp + j0, acc[p][0]);
      store2 (c + (gsize) (i0 + p) * dp + j0 + 2, acc[p][1]);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2_KERNEL 1
typedef double v4d __attribute__ ((vector_size (32)));

/* The same for 4 × 8 with AVX2 + FMA, chosen at run time: 4× the
 * multiply-adds per instruction of the SSE2 kernel. */
__attribute__ ((target ("avx2,fma")))
static void
cov_tile8_avx2 (const double *xb, guint rows, guint dp, double *c, guint i0, guint j0)
{
  v4d acc[TI][2];
  guint s, p;

  for (p = 0; p < TI; p++)
    {
      memcpy (&acc[p][0], c + (gsize) (i0 + p) * dp + j0, sizeof (v4d));
      memcpy (&acc[p][1], c + (gsize) (i0 + p) * dp + j0 + 4, sizeof (v4d));
    }
  for (s = 0; s < rows; s++)
    {
      const double *row = xb + (gsize) s * dp;
      v4d b0, b1;

      memcpy (&b0, row + j0, sizeof b0);
      memcpy (&b1, row + j0 + 4, sizeof b1);
      for (p = 0; p < TI; p++)
        {
          double a = row[i0 + p];
          v4d av = { a, a, a, a };

          acc[p][0] += av * b0;
          acc[p][1] += av * b1;
        }
    }
  for (p = 0; p < TI; p++)
    {
      memcpy (c + (gsize) (i0 + p) * dp + j0, &acc[p][0], sizeof (v4d));
      memcpy (c + (gsize) (i0 + p) * dp + j0 + 4, &acc[p][1], sizeof (v4d));
    }
}
#endif

static gboolean
have_avx2 (void)
{
#ifdef HAVE_AVX2_KERNEL
  return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
#else
  return FALSE;
#endif
}

static gpointer
cov_worker (gpointer data)
{
  CovWork *w = data;
  guint t = 0, i0, j0;

  /* Tiles are dealt round-robin by tile row, so threads get similar work
   * although rows of the lower triangle grow. */
  for (i0 = 0; i0 < w->dp; i0 += TI)
    {
      if (t++ % w->n_threads != w->thread)
        continue;
      for (j0 = 0; j0 <= i0; j0 += TJ)
        {
#ifdef HAVE_AVX2_KERNEL
          if (w->avx2)
            {
              cov_tile8_avx2 (w->xb, w->rows, w->dp, w->c, i0, j0);
              continue;
            }
#endif
          cov_tile4 (w->xb, w->rows, w->dp, w->c, i0, j0);
          cov_tile4 (w->xb, w->rows, w->dp, w->c, i0, j0 + 4);
        }
    }
  return NULL;
}

/* Returns the D × D covariance (n − 1 denominator), full symmetric. */
static double *
covariance (const float *x, gsize n, guint dim, const double *mean)
{
  guint dp = (dim + TJ - 1) / TJ * TJ;
  g_autofree double *c = g_new0 (double, (gsize) dp * dp);
  g_autofree double *xb = g_new0 (double, (gsize) BLOCK * dp);
  double *out;
  guint n_threads = pick_threads ((gsize) n * dim * dim / 2);
  gboolean avx2 = have_avx2 ();
  CovWork work[MAX_THREADS];
  gsize s0;
  guint i, j, t;

  for (s0 = 0; s0 < n; s0 += BLOCK)
    {
      guint rows = (guint) MIN ((gsize) BLOCK, n - s0);

      for (i = 0; i < rows; i++)
        {
          const float *src = x + (s0 + i) * dim;
          double *dst = xb + (gsize) i * dp;

          for (j = 0; j < dim; j++)
            dst[j] = (double) src[j] - mean[j];
        }
      for (t = 0; t < n_threads; t++)
        work[t] = (CovWork) { xb, rows, dp, c, t, n_threads, avx2 };
      run_parallel (n_threads, cov_worker, work, sizeof work[0]);
    }

  /* The tiles cover the lower triangle and a little above the diagonal;
   * mirror the lower triangle and compact to dim × dim. */
  out = g_new (double, (gsize) dim * dim);
  for (i = 0; i < dim; i++)
    for (j = 0; j <= i; j++)
      {
        double v = c[(gsize) i * dp + j] / (double) (n - 1);

        out[(gsize) i * dim + j] = v;
        out[(gsize) j * dim + i] = v;
      }
  return out;
}

/* ---- symmetric eigenproblem --------------------------------------------- */

/* Householder tridiagonalisation of the full symmetric n × n matrix @a (row
 * major, destroyed): d = diagonal, e[i] = T[i, i+1] (e[n-1] = 0). Row j of
 * @a keeps the reflector v_j in a[j, j+1:], with β_j in beta[j]. */
static void
tridiagonalise (double *a, guint n, double *d, double *e, double *beta)
{
  g_autofree double *p = g_new (double, n);
  guint j, r, c;

  for (j = 0; j + 2 < n; j++)
    {
      double *v = a + (gsize) j * n + j + 1;
      guint m = n - j - 1;
      double tail = 0, norm, alpha, vv, b, vp = 0, kk;

      d[j] = a[(gsize) j * n + j];
      for (r = 1; r < m; r++)
        tail += v[r] * v[r];
      if (tail == 0.0)
        {
          /* Already tridiagonal in this column: H = I. */
          e[j] = v[0];
          beta[j] = 0;
          continue;
        }
      norm = sqrt (v[0] * v[0] + tail);
      alpha = v[0] > 0 ? -norm : norm;
      v[0] -= alpha;
      vv = v[0] * v[0] + tail;
      b = 2.0 / vv;
      e[j] = alpha;
      beta[j] = b;

      /* p = β A₂₂ v, the trailing block starting at (j+1, j+1). */
      for (r = 0; r < m; r++)
        {
          const double *row = a + (gsize) (j + 1 + r) * n + j + 1;
          v2d s01 = { 0, 0 }, s23 = { 0, 0 };
          double sum[4];

          for (c = 0; c + 4 <= m; c += 4)
            {
              s01 += load2 (row + c) * load2 (v + c);
              s23 += load2 (row + c + 2) * load2 (v + c + 2);
            }
          store2 (sum, s01);
          store2 (sum + 2, s23);
          for (; c < m; c++)
            sum[0] += row[c] * v[c];
          p[r] = b * ((sum[0] + sum[1]) + (sum[2] + sum[3]));
          vp += v[r] * p[r];
        }
      kk = 0.5 * b * vp;
      for (r = 0; r < m; r++)
        p[r] -= kk * v[r];          /* p is now w */
      for (r = 0; r < m; r++)
        {
          double *row = a + (gsize) (j + 1 + r) * n + j + 1;
          double vr = v[r], wr = p[r];
          v2d vr2 = { vr, vr }, wr2 = { wr, wr };

          for (c = 0; c + 2 <= m; c += 2)
            store2 (row + c, load2 (row + c) - (vr2 * load2 (p + c) + wr2 * load2 (v + c)));
          for (; c < m; c++)
            row[c] -= vr * p[c] + wr * v[c];
        }
    }
  if (n >= 2)
    {
      d[n - 2] = a[(gsize) (n - 2) * n + n - 2];
      e[n - 2] = a[(gsize) (n - 2) * n + n - 1];
      beta[n - 2] = 0;
    }
  d[n - 1] = a[(gsize) (n - 1) * n + n - 1];
  e[n - 1] = 0;
  beta[n - 1] = 0;
}

/* Eigenvalues of the symmetric tridiagonal (d, e) by implicit QL; d is
 * overwritten with them (unsorted), e destroyed. */
static gboolean
tql_values (double *d, double *e, guint n, double tnorm)
{
  guint l;

  for (l = 0; l < n; l++)
    {
      guint iter = 0, m;

      do
        {
          for (m = l; m + 1 < n; m++)
            {
              /* Negligible next to ‖T‖ (as EISPACK tql1), not only next to
               * d[m]: rank-deficient covariances have blocks of near-zero
               * eigenvalues that a purely relative test never deflates. */
              if (fabs (e[m]) <= DBL_EPSILON * (fabs (d[m]) + fabs (d[m + 1]))
                  || fabs (e[m]) <= 0.5 * DBL_EPSILON * tnorm)
                break;
            }
          if (m != l)
            {
              double g, r, s, c, p, f, b;
              gint i;
              gboolean underflow = FALSE;

              if (iter++ == 60)
                return FALSE;
              g = (d[l + 1] - d[l]) / (2.0 * e[l]);
              r = hypot (g, 1.0);
              g = d[m] - d[l] + e[l] / (g + copysign (r, g));
              s = c = 1.0;
              p = 0.0;
              for (i = (gint) m - 1; i >= (gint) l; i--)
                {
                  f = s * e[i];
                  b = c * e[i];
                  r = hypot (f, g);
                  e[i + 1] = r;
                  if (r == 0.0)
                    {
                      d[i + 1] -= p;
                      e[m] = 0.0;
                      underflow = TRUE;
                      break;
                    }
                  s = f / r;
                  c = g / r;
                  g = d[i + 1] - p;
                  r = (d[i] - g) * s + 2.0 * c * b;
                  p = s * r;
                  d[i + 1] = g + p;
                  g = c * r - b;
                }
              if (underflow)
                continue;
              d[l] -= p;
              e[l] = g;
              e[m] = 0.0;
            }
        }
      while (m != l);
    }
  return TRUE;
}

static int
cmp_desc (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x < y) - (x > y);
}

/* Solves (T − λ I) y = y in place by LU with partial pivoting (LAPACK
 * dlagtf/dlagts in spirit); zero pivots become ±tiny. */
static void
tridiag_solve (const double *d, const double *e, guint n, double lambda, double tiny,
               double *u0, double *u1, double *u2, double *l, guint8 *piv, double *y)
{
  guint i;

  u0[0] = d[0] - lambda;
  u1[0] = n > 1 ? e[0] : 0;
  for (i = 0; i + 1 < n; i++)
    {
      double bi = e[i];
      double ai1 = d[i + 1] - lambda;
      double ci1 = i + 2 < n ? e[i + 1] : 0;

      if (fabs (u0[i]) >= fabs (bi))
        {
          double li = u0[i] != 0 ? bi / u0[i] : 0;

          piv[i] = 0;
          l[i] = li;
          u2[i] = 0;
          u0[i + 1] = ai1 - li * u1[i];
          u1[i + 1] = ci1;
        }
      else
        {
          double li = u0[i] / bi, t = u1[i];

          piv[i] = 1;
          l[i] = li;
          u0[i] = bi;
          u1[i] = ai1;
          u2[i] = ci1;
          u0[i + 1] = t - li * ai1;
          u1[i + 1] = -li * ci1;
        }
    }
  u2[n - 1] = 0;

  for (i = 0; i + 1 < n; i++)
    {
      if (piv[i])
        {
          double t = y[i];

          y[i] = y[i + 1];
          y[i + 1] = t;
        }
      y[i + 1] -= l[i] * y[i];
    }
  for (i = n; i-- > 0;)
    {
      double s = y[i], piv_v = u0[i];

      if (i + 1 < n)
        s -= u1[i] * y[i + 1];
      if (i + 2 < n)
        s -= u2[i] * y[i + 2];
      if (fabs (piv_v) < tiny)
        piv_v = piv_v < 0 ? -tiny : tiny;
      y[i] = s / piv_v;
    }
}

/* Back-transforms a vector of T to one of A, v ← H₀(H₁(⋯ H_{n−3} v)), and
 * turns its largest entry positive so that fits are reproducible. */
static void
back_transform (const double *a, const double *beta, guint n, double *v)
{
  double big = 0;
  guint arg = 0, i;
  gint h;

  for (h = (gint) n - 3; h >= 0; h--)
    {
      const double *hv = a + (gsize) h * n + h + 1;
      guint m = n - (guint) h - 1;
      double dot = 0;

      if (beta[h] == 0)
        continue;
      for (i = 0; i < m; i++)
        dot += hv[i] * v[h + 1 + i];
      dot *= beta[h];
      for (i = 0; i < m; i++)
        v[h + 1 + i] -= dot * hv[i];
    }
  for (i = 0; i < n; i++)
    if (fabs (v[i]) > big)
      {
        big = fabs (v[i]);
        arg = i;
      }
  if (v[arg] < 0)
    for (i = 0; i < n; i++)
      v[i] = -v[i];
}

gboolean
lightly_pca_symmetric_eigen (const double *a_in,
                             guint         n,
                             guint         k,
                             double       *eigenvalues,
                             double       *eigenvectors,
                             GError      **error)
{
  g_autofree double *a = NULL, *d = NULL, *e = NULL, *beta = NULL;
  g_autofree double *vals = NULL, *e2 = NULL, *u0 = NULL, *u1 = NULL, *u2 = NULL, *l = NULL;
  g_autofree double *lam = NULL;
  g_autofree guint8 *piv = NULL;
  double tnorm = 0, ortol, tiny;
  guint i, j, it, c, cluster_start = 0;
  guint64 seed = 0x9e3779b97f4a7c15ull;

  g_return_val_if_fail (a_in != NULL && eigenvalues != NULL && eigenvectors != NULL, FALSE);
  g_return_val_if_fail (n >= 1 && k >= 1 && k <= n, FALSE);

  a = g_memdup2 (a_in, sizeof (double) * n * n);
  d = g_new (double, n);
  e = g_new (double, n);
  beta = g_new (double, n);
  tridiagonalise (a, n, d, e, beta);

  for (i = 0; i < n; i++)
    tnorm = MAX (tnorm, fabs (d[i]) + fabs (e[i]) + (i > 0 ? fabs (e[i - 1]) : 0));
  if (tnorm == 0)
    tnorm = 1;

  vals = g_memdup2 (d, sizeof (double) * n);
  e2 = g_memdup2 (e, sizeof (double) * n);
  if (!tql_values (vals, e2, n, tnorm))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_FAILED,
                   "the QL eigenvalue iteration did not converge (%u×%u matrix)", n, n);
      return FALSE;
    }
  qsort (vals, n, sizeof (double), cmp_desc);
  ortol = 1e-3 * tnorm;
  tiny = DBL_EPSILON * tnorm;

  u0 = g_new (double, n);
  u1 = g_new (double, n);
  u2 = g_new (double, n);
  l = g_new (double, n);
  piv = g_new (guint8, n);
  lam = g_new (double, k);

  /* Inverse iteration per eigenvalue; vectors of T go into eigenvectors. */
  for (j = 0; j < k; j++)
    {
      double *v = eigenvectors + (gsize) j * n;

      lam[j] = vals[j];
      if (j > 0 && vals[j - 1] - vals[j] > ortol)
        cluster_start = j;
      /* Equal eigenvalues would give the same iterate: nudge them apart. */
      if (j > cluster_start && lam[j - 1] - lam[j] < 10 * DBL_EPSILON * tnorm)
        lam[j] = lam[j - 1] - 10 * DBL_EPSILON * tnorm;

      for (i = 0; i < n; i++)
        {
          /* splitmix64: a fixed start, so fits are reproducible. */
          guint64 z = (seed += 0x9e3779b97f4a7c15ull);

          z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
          z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
          z ^= z >> 31;
          v[i] = (double) (z >> 11) / 9007199254740992.0 - 0.5;
        }
      for (it = 0; it < 5; it++)
        {
          double norm = 0;

          tridiag_solve (d, e, n, lam[j], tiny, u0, u1, u2, l, piv, v);
          for (c = cluster_start; c < j; c++)
            {
              const double *w = eigenvectors + (gsize) c * n;
              double dot = 0;

              for (i = 0; i < n; i++)
                dot += w[i] * v[i];
              for (i = 0; i < n; i++)
                v[i] -= dot * w[i];
            }
          for (i = 0; i < n; i++)
            norm += v[i] * v[i];
          norm = sqrt (norm);
          if (norm == 0 || !isfinite (norm))
            {
              g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_FAILED,
                           "inverse iteration failed for eigenvalue %u (%g)", j, vals[j]);
              return FALSE;
            }
          for (i = 0; i < n; i++)
            v[i] /= norm;
        }
      eigenvalues[j] = vals[j];
    }

  for (j = 0; j < k; j++)
    back_transform (a, beta, n, eigenvectors + (gsize) j * n);
  return TRUE;
}

/* ---- fit and transform -------------------------------------------------- */

LightlyPca *
lightly_pca_fit (const float  *x,
                 gsize         n,
                 guint         dim,
                 guint         k,
                 GError      **error)
{
  g_autoptr(LightlyPca) pca = NULL;
  g_autofree double *cov = NULL;
  gsize s;
  guint j;

  g_return_val_if_fail (x != NULL || n == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (dim == 0 || k == 0 || k > dim)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "PCA with %u components of %u features is not possible: need 1 ≤ components ≤ features",
                   k, dim);
      return NULL;
    }
  if (n <= k)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "PCA with %u components needs more than %u samples, got %" G_GSIZE_FORMAT,
                   k, k, n);
      return NULL;
    }

  pca = g_new0 (LightlyPca, 1);
  pca->dim = dim;
  pca->k = k;
  pca->n_samples = n;
  pca->mean = g_new0 (double, dim);
  for (s = 0; s < n; s++)
    for (j = 0; j < dim; j++)
      {
        float v = x[s * dim + j];

        if (!isfinite (v))
          {
            g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                         "PCA input has a non-finite value (%g) at row %" G_GSIZE_FORMAT ", column %u",
                         (double) v, s, j);
            return NULL;
          }
        pca->mean[j] += v;
      }
  for (j = 0; j < dim; j++)
    pca->mean[j] /= (double) n;

  cov = covariance (x, n, dim, pca->mean);
  pca->eigenvalues = g_new (double, k);
  pca->components = g_new (double, (gsize) k * dim);
  if (!lightly_pca_symmetric_eigen (cov, dim, k, pca->eigenvalues, pca->components, error))
    return NULL;
  pca->eps = 1e-10 * MAX (pca->eigenvalues[0], G_MINDOUBLE);
  return g_steal_pointer (&pca);
}

typedef struct {
  const LightlyPca *pca;
  const double     *wt;     /* dim × kp, whitening folded in */
  guint             kp;     /* k rounded up to 8 */
  const float      *x;
  float            *out;
  gsize             begin, end;
  gboolean          avx2;
} TransformWork;

/* r[p][c] = Σ_j xc[p, j] wt[j, c0 + c] for 4 samples p and 8 columns c. */
static void
transform_tile8 (const double *xc, guint dim, const double *wt, guint kp, guint c0, double r[TI][8])
{
  guint j, p, h;

  for (h = 0; h < 8; h += 4)
    {
      v2d acc[TI][2];

      memset (acc, 0, sizeof acc);
      for (j = 0; j < dim; j++)
        {
          const double *wr = wt + (gsize) j * kp + c0 + h;
          v2d w0 = load2 (wr), w1 = load2 (wr + 2);

          for (p = 0; p < TI; p++)
            {
              double a = xc[(gsize) p * dim + j];
              v2d av = { a, a };

              acc[p][0] += av * w0;
              acc[p][1] += av * w1;
            }
        }
      for (p = 0; p < TI; p++)
        {
          store2 (r[p] + h, acc[p][0]);
          store2 (r[p] + h + 2, acc[p][1]);
        }
    }
}

#ifdef HAVE_AVX2_KERNEL
__attribute__ ((target ("avx2,fma")))
static void
transform_tile8_avx2 (const double *xc, guint dim, const double *wt, guint kp, guint c0, double r[TI][8])
{
  v4d acc[TI][2];
  guint j, p;

  memset (acc, 0, sizeof acc);
  for (j = 0; j < dim; j++)
    {
      const double *wr = wt + (gsize) j * kp + c0;
      v4d w0, w1;

      memcpy (&w0, wr, sizeof w0);
      memcpy (&w1, wr + 4, sizeof w1);
      for (p = 0; p < TI; p++)
        {
          double a = xc[(gsize) p * dim + j];
          v4d av = { a, a, a, a };

          acc[p][0] += av * w0;
          acc[p][1] += av * w1;
        }
    }
  for (p = 0; p < TI; p++)
    {
      memcpy (r[p], &acc[p][0], sizeof (v4d));
      memcpy (r[p] + 4, &acc[p][1], sizeof (v4d));
    }
}
#endif

static gpointer
transform_worker (gpointer data)
{
  TransformWork *w = data;
  guint dim = w->pca->dim, k = w->pca->k, j, p, c0;
  g_autofree double *xc = g_new0 (double, (gsize) TI * dim);
  gsize s0;

  /* 4 samples × 8 components per register tile, summed over features. */
  for (s0 = w->begin; s0 < w->end; s0 += TI)
    {
      guint rows = (guint) MIN ((gsize) TI, w->end - s0);

      for (p = 0; p < rows; p++)
        for (j = 0; j < dim; j++)
          xc[(gsize) p * dim + j] = (double) w->x[(s0 + p) * dim + j] - w->pca->mean[j];
      for (; p < TI; p++)
        memset (xc + (gsize) p * dim, 0, sizeof (double) * dim);
      for (c0 = 0; c0 < w->kp; c0 += 8)
        {
          double r[TI][8];
          guint c;

#ifdef HAVE_AVX2_KERNEL
          if (w->avx2)
            transform_tile8_avx2 (xc, dim, w->wt, w->kp, c0, r);
          else
#endif
            transform_tile8 (xc, dim, w->wt, w->kp, c0, r);
          for (p = 0; p < rows; p++)
            for (c = 0; c < 8 && c0 + c < k; c++)
              w->out[(s0 + p) * k + c0 + c] = (float) r[p][c];
        }
    }
  return NULL;
}

void
lightly_pca_transform (const LightlyPca *pca,
                       const float      *x,
                       gsize             n,
                       float            *out)
{
  g_autofree double *wt = NULL;
  TransformWork work[MAX_THREADS];
  guint dim, k, kp, j, c, t, n_threads;

  g_return_if_fail (pca != NULL);
  g_return_if_fail (x != NULL || n == 0);
  g_return_if_fail (out != NULL || n == 0);

  dim = pca->dim;
  k = pca->k;
  kp = (k + 7) / 8 * 8;
  wt = g_new0 (double, (gsize) dim * kp);
  for (c = 0; c < k; c++)
    {
      double scale = 1.0 / sqrt (pca->eigenvalues[c] + pca->eps);

      for (j = 0; j < dim; j++)
        wt[(gsize) j * kp + c] = pca->components[(gsize) c * dim + j] * scale;
    }
  n_threads = pick_threads (n * dim * k);
  for (t = 0; t < n_threads; t++)
    work[t] = (TransformWork) { pca, wt, kp, x, out, n * t / n_threads, n * (t + 1) / n_threads,
                                have_avx2 () };
  run_parallel (n_threads, transform_worker, work, sizeof work[0]);
}
