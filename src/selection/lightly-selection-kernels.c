/* lightly-selection-kernels.c: the portable kernel, the reference order
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-selection-kernels.h"

static inline double
reduce8 (const double acc[8])
{
  double t0 = acc[0] + acc[4], t1 = acc[1] + acc[5];
  double t2 = acc[2] + acc[6], t3 = acc[3] + acc[7];
  double u0 = t0 + t2, u1 = t1 + t3;

  return u0 + u1;
}

static double
portable_dot (const float *a, const float *b, size_t dim)
{
  double acc[8] = { 0 };
  size_t i = 0, l;

  for (; i + 8 <= dim; i += 8)
    for (l = 0; l < 8; l++)
      acc[l] += (double) a[i + l] * (double) b[i + l];
  for (l = 0; i + l < dim; l++)
    acc[l] += (double) a[i + l] * (double) b[i + l];
  return reduce8 (acc);
}

static void
portable_dot4 (const float *a, const float *const *b, size_t dim, double *out)
{
  double acc[4][8] = { { 0 } };
  const float *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
  size_t i = 0, l;

  for (; i + 8 <= dim; i += 8)
    for (l = 0; l < 8; l++)
      {
        double x = a[i + l];

        acc[0][l] += x * (double) b0[i + l];
        acc[1][l] += x * (double) b1[i + l];
        acc[2][l] += x * (double) b2[i + l];
        acc[3][l] += x * (double) b3[i + l];
      }
  for (l = 0; i + l < dim; l++)
    {
      double x = a[i + l];

      acc[0][l] += x * (double) b0[i + l];
      acc[1][l] += x * (double) b1[i + l];
      acc[2][l] += x * (double) b2[i + l];
      acc[3][l] += x * (double) b3[i + l];
    }
  for (l = 0; l < 4; l++)
    out[l] = reduce8 (acc[l]);
}

/* Rows in groups of 4, like portable_dot4, then one by one. */
static void
portable_dot_qf (const double *q, const float *const *rows, size_t n, size_t dim, double *out)
{
  size_t r = 0, i, l;

  for (; r + 4 <= n; r += 4)
    {
      const float *b0 = rows[r], *b1 = rows[r + 1], *b2 = rows[r + 2], *b3 = rows[r + 3];
      double acc[4][8] = { { 0 } };

      for (i = 0; i + 8 <= dim; i += 8)
        for (l = 0; l < 8; l++)
          {
            double x = q[i + l];

            acc[0][l] += x * (double) b0[i + l];
            acc[1][l] += x * (double) b1[i + l];
            acc[2][l] += x * (double) b2[i + l];
            acc[3][l] += x * (double) b3[i + l];
          }
      for (l = 0; i + l < dim; l++)
        {
          double x = q[i + l];

          acc[0][l] += x * (double) b0[i + l];
          acc[1][l] += x * (double) b1[i + l];
          acc[2][l] += x * (double) b2[i + l];
          acc[3][l] += x * (double) b3[i + l];
        }
      for (l = 0; l < 4; l++)
        out[r + l] = reduce8 (acc[l]);
    }
  for (; r < n; r++)
    {
      const float *b = rows[r];
      double acc[8] = { 0 };

      for (i = 0; i + 8 <= dim; i += 8)
        for (l = 0; l < 8; l++)
          acc[l] += q[i + l] * (double) b[i + l];
      for (l = 0; i + l < dim; l++)
        acc[l] += q[i + l] * (double) b[i + l];
      out[r] = reduce8 (acc);
    }
}

static void
portable_dot_qf_norm (const double *q, const float *const *rows, size_t n, size_t dim,
                      double *out, double *norms)
{
  size_t r, i, l;

  for (r = 0; r < n; r++)
    {
      const float *b = rows[r];
      double acc[8] = { 0 }, nacc[8] = { 0 };

      for (i = 0; i + 8 <= dim; i += 8)
        for (l = 0; l < 8; l++)
          {
            double x = b[i + l];

            acc[l] += q[i + l] * x;
            nacc[l] += x * x;
          }
      for (l = 0; i + l < dim; l++)
        {
          double x = b[i + l];

          acc[l] += q[i + l] * x;
          nacc[l] += x * x;
        }
      out[r] = reduce8 (acc);
      norms[r] = reduce8 (nacc);
    }
}

/* Eight float lanes, which the compiler can keep in one vector register. */
static void
portable_d2f (const float *q, const float *const *rows, size_t n, size_t dim, float *out)
{
  size_t r, i, l;

  for (r = 0; r < n; r++)
    {
      const float *b = rows[r];
      float acc[8] = { 0 };

      for (i = 0; i + 8 <= dim; i += 8)
        for (l = 0; l < 8; l++)
          {
            float t = q[i + l] - b[i + l];

            acc[l] += t * t;
          }
      for (l = 0; i + l < dim; l++)
        {
          float t = q[i + l] - b[i + l];

          acc[l] += t * t;
        }
      out[r] = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
    }
}

/* Query by query: the portable path is for correctness, not speed. */
static void
portable_d2f_multi (const float *const *qs, size_t nq, const float *const *rows, size_t n,
                    size_t dim, float *out)
{
  size_t k;

  for (k = 0; k < nq; k++)
    portable_d2f (qs[k], rows, n, dim, out + k * n);
}

/* Pairs one by one, eight float lanes each (as portable_d2f). */
static void
portable_dotf_tile (const float *const *a, size_t na, const float *const *b, size_t nb,
                    size_t dim, float *out)
{
  size_t i, t, k, l;

  for (i = 0; i < na; i++)
    for (t = 0; t < nb; t++)
      {
        const float *x = a[i], *y = b[t];
        float acc[8] = { 0 };

        for (k = 0; k + 8 <= dim; k += 8)
          for (l = 0; l < 8; l++)
            acc[l] += x[k + l] * y[k + l];
        for (l = 0; k + l < dim; l++)
          acc[l] += x[k + l] * y[k + l];
        out[i * nb + t] = ((acc[0] + acc[4]) + (acc[2] + acc[6])) +
                          ((acc[1] + acc[5]) + (acc[3] + acc[7]));
      }
}

static double
portable_tile_bounds (const float *g, const double *pn, size_t n, double c, double kappa,
                      double abs_err, double mh, double *lo)
{
  size_t t;

  for (t = 0; t < n; t++)
    {
      double gd = g[t], S = c + pn[t], e = S - 2.0 * gd, E = kappa * S + abs_err;
      double z = gd - gd, h = ((e > 0 ? e : 0.0) + E) + z;

      lo[t] = (e - E) + z;
      mh = h < mh ? h : mh;
    }
  return mh;
}

static void
portable_sum_rows (double *acc, const float *const *rows, size_t n, size_t dim)
{
  size_t r, i;

  for (r = 0; r < n; r++)
    for (i = 0; i < dim; i++)
      acc[i] += (double) rows[r][i];
}

const LightlySelectionKernels lightly_selection_kernels_portable = {
  portable_dot,
  portable_dot4,
  portable_dot_qf,
  portable_dot_qf_norm,
  portable_d2f,
  portable_d2f_multi,
  portable_dotf_tile,
  portable_tile_bounds,
  portable_sum_rows,
  /* Not measured on its own: the AVX-512 machine's distance. */
  16384,
};
