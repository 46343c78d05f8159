/* lightly-logreg.c: multinomial logistic regression (see lightly-logreg.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "lightly-logreg.h"
#include "lightly/lightly-error.h"

void
lightly_logreg_options_init (LightlyLogregOptions *options)
{
  g_return_if_fail (options != NULL);
  options->c = 1.0;
  options->gtol = 1e-4;
  options->ftol = 64 * DBL_EPSILON;
  options->max_iter = 1000;
  options->history = 10;
  options->normalize = TRUE;
}

void
lightly_logreg_free (LightlyLogreg *model)
{
  if (model == NULL)
    return;
  g_free (model->weights);
  g_free (model->intercepts);
  g_free (model);
}

/* The rows as doubles, L2-normalised when asked. */
static double *
prepare (const float *x, gsize n, guint dim, gboolean normalize)
{
  double *out = g_new (double, MAX (n * dim, 1));
  gsize i;
  guint j;

  for (i = 0; i < n; i++)
    {
      double *row = out + i * dim;
      double ss = 0;

      for (j = 0; j < dim; j++)
        {
          row[j] = x[i * dim + j];
          ss += row[j] * row[j];
        }
      if (normalize && ss > 0)
        {
          double inv = 1.0 / sqrt (ss);

          for (j = 0; j < dim; j++)
            row[j] *= inv;
        }
    }
  return out;
}

/* Softmax of @z (length k) in place; returns log Σ exp z. */
static double
softmax (double *z, guint k)
{
  double mx = z[0], sum = 0, lse;
  guint c;

  for (c = 1; c < k; c++)
    mx = MAX (mx, z[c]);
  for (c = 0; c < k; c++)
    {
      z[c] = exp (z[c] - mx);
      sum += z[c];
    }
  lse = mx + log (sum);
  for (c = 0; c < k; c++)
    z[c] /= sum;
  return lse;
}

/* f and ∇f at θ (k × (dim + 1): weights then intercept per class). */
static double
objective (const double *theta, const double *x, gsize n, guint dim, const guint *y,
           guint k, double c_reg, double *grad, double *z)
{
  guint stride = dim + 1, c, j;
  double f = 0;
  gsize i;

  if (grad)
    memset (grad, 0, sizeof (double) * k * stride);
  for (i = 0; i < n; i++)
    {
      const double *row = x + i * dim;
      double lse, zy;

      for (c = 0; c < k; c++)
        {
          const double *w = theta + (gsize) c * stride;
          double s = w[dim];

          for (j = 0; j < dim; j++)
            s += w[j] * row[j];
          z[c] = s;
        }
      zy = z[y[i]];
      lse = softmax (z, k);
      f += lse - zy;
      if (grad)
        for (c = 0; c < k; c++)
          {
            double r = z[c] - (c == y[i] ? 1.0 : 0.0);
            double *g = grad + (gsize) c * stride;

            for (j = 0; j < dim; j++)
              g[j] += r * row[j];
            g[dim] += r;
          }
    }
  for (c = 0; c < k; c++)
    {
      const double *w = theta + (gsize) c * stride;
      double *g = grad ? grad + (gsize) c * stride : NULL;

      for (j = 0; j < dim; j++)
        {
          f += 0.5 * w[j] * w[j] / c_reg;
          if (g)
            g[j] += w[j] / c_reg;
        }
    }
  return f;
}

static double
dot (const double *a, const double *b, gsize n)
{
  double s = 0;
  gsize i;

  for (i = 0; i < n; i++)
    s += a[i] * b[i];
  return s;
}

static double
max_abs (const double *a, gsize n)
{
  double m = 0;
  gsize i;

  for (i = 0; i < n; i++)
    m = MAX (m, fabs (a[i]));
  return m;
}

static gboolean
check_input (const float *x, gsize n, guint dim, const guint *y, guint n_classes, GError **error)
{
  gsize i;
  guint j;

  if (dim == 0 || n == 0 || n_classes < 2)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "logistic regression needs samples, features and at least 2 classes; "
                   "got %" G_GSIZE_FORMAT " samples, %u features, %u classes", n, dim, n_classes);
      return FALSE;
    }
  for (i = 0; i < n; i++)
    {
      if (y[i] >= n_classes)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "label %u of sample %" G_GSIZE_FORMAT " is not below the number of classes (%u)",
                       y[i], i, n_classes);
          return FALSE;
        }
      for (j = 0; j < dim; j++)
        if (!isfinite (x[i * dim + j]))
          {
            g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                         "feature %u of sample %" G_GSIZE_FORMAT " is not finite (%g)",
                         j, i, (double) x[i * dim + j]);
            return FALSE;
          }
    }
  return TRUE;
}

LightlyLogreg *
lightly_logreg_fit (const float                 *x,
                    gsize                        n,
                    guint                        dim,
                    const guint                 *y,
                    guint                        n_classes,
                    const LightlyLogregOptions  *options,
                    GError                     **error)
{
  LightlyLogregOptions opt;
  g_autoptr(LightlyLogreg) model = NULL;
  g_autofree double *xd = NULL, *theta = NULL, *g = NULL, *theta_new = NULL, *g_new_ = NULL;
  g_autofree double *dir = NULL, *s_hist = NULL, *y_hist = NULL, *rho = NULL, *alpha = NULL, *z = NULL;
  gsize np;
  guint m, n_pairs = 0, head = 0, iter, c;
  double f, gmax;

  g_return_val_if_fail (x != NULL && y != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options)
    opt = *options;
  else
    lightly_logreg_options_init (&opt);
  if (!(opt.c > 0) || !isfinite (opt.c) || !(opt.gtol > 0) || opt.history == 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "logistic regression options are invalid: C = %g and gtol = %g must be "
                   "positive, history = %u at least 1", opt.c, opt.gtol, opt.history);
      return NULL;
    }
  if (!check_input (x, n, dim, y, n_classes, error))
    return NULL;

  xd = prepare (x, n, dim, opt.normalize);
  np = (gsize) n_classes * (dim + 1);
  m = opt.history;
  theta = g_new0 (double, np);
  theta_new = g_new (double, np);
  g = g_new (double, np);
  g_new_ = g_new (double, np);
  dir = g_new (double, np);
  s_hist = g_new (double, np * m);
  y_hist = g_new (double, np * m);
  rho = g_new (double, m);
  alpha = g_new (double, m);
  z = g_new (double, n_classes);

  f = objective (theta, xd, n, dim, y, n_classes, opt.c, g, z);
  gmax = max_abs (g, np);
  for (iter = 0; iter < opt.max_iter && gmax > opt.gtol; iter++)
    {
      double step, gd, f_new = f;
      guint t, ls;
      gsize i;

      /* Two-loop recursion: dir = −H g. */
      memcpy (dir, g, sizeof (double) * np);
      for (t = 0; t < n_pairs; t++)
        {
          guint idx = (head + m - 1 - t) % m;

          alpha[idx] = rho[idx] * dot (s_hist + idx * np, dir, np);
          for (i = 0; i < np; i++)
            dir[i] -= alpha[idx] * y_hist[idx * np + i];
        }
      if (n_pairs > 0)
        {
          guint last = (head + m - 1) % m;
          double gamma = dot (s_hist + last * np, y_hist + last * np, np)
                         / dot (y_hist + last * np, y_hist + last * np, np);

          for (i = 0; i < np; i++)
            dir[i] *= gamma;
        }
      for (t = n_pairs; t-- > 0;)
        {
          guint idx = (head + m - 1 - t) % m;
          double beta = rho[idx] * dot (y_hist + idx * np, dir, np);

          for (i = 0; i < np; i++)
            dir[i] += s_hist[idx * np + i] * (alpha[idx] - beta);
        }
      for (i = 0; i < np; i++)
        dir[i] = -dir[i];
      gd = dot (g, dir, np);
      if (!(gd < 0))
        {
          /* Not a descent direction (rounding): restart from steepest descent. */
          n_pairs = 0;
          for (i = 0; i < np; i++)
            dir[i] = -g[i];
          gd = -dot (g, g, np);
        }

      step = n_pairs == 0 ? MIN (1.0, 1.0 / sqrt (-gd)) : 1.0;
      for (ls = 0; ls < 60; ls++)
        {
          for (i = 0; i < np; i++)
            theta_new[i] = theta[i] + step * dir[i];
          f_new = objective (theta_new, xd, n, dim, y, n_classes, opt.c, g_new_, z);
          if (f_new <= f + 1e-4 * step * gd)
            break;
          step *= 0.5;
        }
      if (ls == 60)
        break;   /* no decrease possible at double precision: we are at the optimum */

      {
        double *sv = s_hist + head * np, *yv = y_hist + head * np, sy;

        for (i = 0; i < np; i++)
          {
            sv[i] = theta_new[i] - theta[i];
            yv[i] = g_new_[i] - g[i];
          }
        sy = dot (sv, yv, np);
        if (sy > 1e-10 * dot (yv, yv, np))
          {
            rho[head] = 1.0 / sy;
            head = (head + 1) % m;
            n_pairs = MIN (n_pairs + 1, m);
          }
      }
      memcpy (theta, theta_new, sizeof (double) * np);
      memcpy (g, g_new_, sizeof (double) * np);
      gmax = max_abs (g, np);
      /* scikit-learn's stopping rule (scipy's ftol = 64 ε): a relative
       * decrease this small means rounding, not progress, and chasing it
       * costs dozens of line-search steps per iteration. */
      if (opt.ftol > 0 && f - f_new <= opt.ftol * MAX (MAX (fabs (f), fabs (f_new)), 1.0))
        {
          f = f_new;
          iter++;
          break;
        }
      f = f_new;
    }

  model = g_new0 (LightlyLogreg, 1);
  model->dim = dim;
  model->n_classes = n_classes;
  model->normalize = opt.normalize;
  model->weights = g_new (double, (gsize) n_classes * dim);
  model->intercepts = g_new (double, n_classes);
  for (c = 0; c < n_classes; c++)
    {
      memcpy (model->weights + (gsize) c * dim, theta + (gsize) c * (dim + 1), sizeof (double) * dim);
      model->intercepts[c] = theta[(gsize) c * (dim + 1) + dim];
    }
  model->n_iter = iter;
  model->objective = f;
  model->grad_max = gmax;
  model->converged = gmax <= opt.gtol;
  return g_steal_pointer (&model);
}

void
lightly_logreg_predict_proba (const LightlyLogreg *model,
                              const float         *x,
                              gsize                n,
                              double              *proba)
{
  g_autofree double *xd = NULL;
  guint k, dim, c, j;
  gsize i;

  g_return_if_fail (model != NULL);
  g_return_if_fail ((x != NULL && proba != NULL) || n == 0);

  k = model->n_classes;
  dim = model->dim;
  xd = prepare (x, n, dim, model->normalize);
  for (i = 0; i < n; i++)
    {
      double *z = proba + i * k;

      for (c = 0; c < k; c++)
        {
          const double *w = model->weights + (gsize) c * dim;
          double s = model->intercepts[c];

          for (j = 0; j < dim; j++)
            s += w[j] * xd[i * dim + j];
          z[c] = s;
        }
      softmax (z, k);
    }
}

void
lightly_logreg_predict (const LightlyLogreg *model,
                        const float         *x,
                        gsize                n,
                        guint               *labels)
{
  g_autofree double *p = NULL;
  guint k, c;
  gsize i;

  g_return_if_fail (model != NULL);
  g_return_if_fail ((x != NULL && labels != NULL) || n == 0);

  k = model->n_classes;
  p = g_new (double, MAX (n * k, 1));
  lightly_logreg_predict_proba (model, x, n, p);
  for (i = 0; i < n; i++)
    {
      guint best = 0;

      for (c = 1; c < k; c++)
        if (p[i * k + c] > p[i * k + best])
          best = c;
      labels[i] = best;
    }
}

double
lightly_logreg_accuracy (const LightlyLogreg *model,
                         const float         *x,
                         gsize                n,
                         const guint         *y)
{
  g_autofree guint *pred = NULL;
  gsize i, hits = 0;

  g_return_val_if_fail (model != NULL, 0);
  g_return_val_if_fail ((x != NULL && y != NULL) || n == 0, 0);

  if (n == 0)
    return 0;
  pred = g_new (guint, n);
  lightly_logreg_predict (model, x, n, pred);
  for (i = 0; i < n; i++)
    hits += pred[i] == y[i];
  return (double) hits / (double) n;
}

double
lightly_logreg_objective (const LightlyLogreg *model,
                          const float         *x,
                          gsize                n,
                          const guint         *y,
                          double               c_reg,
                          double              *grad)
{
  g_autofree double *xd = NULL, *theta = NULL, *z = NULL;
  guint k, dim, c;

  g_return_val_if_fail (model != NULL, NAN);
  g_return_val_if_fail ((x != NULL && y != NULL) || n == 0, NAN);

  k = model->n_classes;
  dim = model->dim;
  xd = prepare (x, n, dim, model->normalize);
  theta = g_new (double, (gsize) k * (dim + 1));
  for (c = 0; c < k; c++)
    {
      memcpy (theta + (gsize) c * (dim + 1), model->weights + (gsize) c * dim, sizeof (double) * dim);
      theta[(gsize) c * (dim + 1) + dim] = model->intercepts[c];
    }
  z = g_new (double, k);
  return objective (theta, xd, n, dim, y, k, c_reg, grad, z);
}
