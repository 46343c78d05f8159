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

/* L-BFGS's memory: the last @m steps s = θ' − θ and gradient changes
 * y = g' − g, in a ring starting at @head. */
typedef struct {
  gsize np;
  guint m;
  guint n_pairs;
  guint head;
  double *s_hist;
  double *y_hist;
  double *rho;
  double *alpha;
} Lbfgs;

static void
lbfgs_init (Lbfgs *lb, gsize np, guint m)
{
  lb->np = np;
  lb->m = m;
  lb->n_pairs = 0;
  lb->head = 0;
  lb->s_hist = g_new (double, np * m);
  lb->y_hist = g_new (double, np * m);
  lb->rho = g_new (double, m);
  lb->alpha = g_new (double, m);
}

static void
lbfgs_clear (Lbfgs *lb)
{
  g_free (lb->s_hist);
  g_free (lb->y_hist);
  g_free (lb->rho);
  g_free (lb->alpha);
}

/* Two-loop recursion: dir = −H g. Returns g·dir, restarting from steepest
 * descent when rounding left no descent direction. */
static double
lbfgs_direction (Lbfgs *lb, const double *g, double *dir)
{
  gsize np = lb->np, i;
  guint m = lb->m, t;
  double gd;

  memcpy (dir, g, sizeof (double) * np);
  for (t = 0; t < lb->n_pairs; t++)
    {
      guint idx = (lb->head + m - 1 - t) % m;

      lb->alpha[idx] = lb->rho[idx] * dot (lb->s_hist + idx * np, dir, np);
      for (i = 0; i < np; i++)
        dir[i] -= lb->alpha[idx] * lb->y_hist[idx * np + i];
    }
  if (lb->n_pairs > 0)
    {
      guint last = (lb->head + m - 1) % m;
      double gamma = dot (lb->s_hist + last * np, lb->y_hist + last * np, np)
                     / dot (lb->y_hist + last * np, lb->y_hist + last * np, np);

      for (i = 0; i < np; i++)
        dir[i] *= gamma;
    }
  for (t = lb->n_pairs; t-- > 0;)
    {
      guint idx = (lb->head + m - 1 - t) % m;
      double beta = lb->rho[idx] * dot (lb->y_hist + idx * np, dir, np);

      for (i = 0; i < np; i++)
        dir[i] += lb->s_hist[idx * np + i] * (lb->alpha[idx] - beta);
    }
  for (i = 0; i < np; i++)
    dir[i] = -dir[i];
  gd = dot (g, dir, np);
  if (!(gd < 0))
    {
      lb->n_pairs = 0;
      for (i = 0; i < np; i++)
        dir[i] = -g[i];
      gd = -dot (g, g, np);
    }
  return gd;
}

/* Remembers the step θ → θ' unless its curvature s·y is too small to be
 * trusted. */
static void
lbfgs_push (Lbfgs *lb, const double *theta, const double *theta_new, const double *g, const double *g_next)
{
  gsize np = lb->np, i;
  double *sv = lb->s_hist + lb->head * np, *yv = lb->y_hist + lb->head * np, sy;

  for (i = 0; i < np; i++)
    {
      sv[i] = theta_new[i] - theta[i];
      yv[i] = g_next[i] - g[i];
    }
  sy = dot (sv, yv, np);
  if (sy > 1e-10 * dot (yv, yv, np))
    {
      lb->rho[lb->head] = 1.0 / sy;
      lb->head = (lb->head + 1) % lb->m;
      lb->n_pairs = MIN (lb->n_pairs + 1, lb->m);
    }
}

/* The data and buffers of one fit. */
typedef struct {
  const double *xd;
  gsize n;
  guint dim;
  const guint *y;
  guint n_classes;
  double c;
  double *z;
} Problem;

/* Backtracking (Armijo) line search from @theta along @dir; writes the
 * accepted point, its objective and gradient. FALSE when no step of 60
 * halvings decreases the objective: at double precision, the optimum. */
static gboolean
line_search (const Problem *pb, const double *theta, const double *dir, gsize np, double f, double gd,
             double step, double *theta_new, double *g_next, double *f_new)
{
  for (guint ls = 0; ls < 60; ls++)
    {
      for (gsize i = 0; i < np; i++)
        theta_new[i] = theta[i] + step * dir[i];
      *f_new = objective (theta_new, pb->xd, pb->n, pb->dim, pb->y, pb->n_classes, pb->c, g_next, pb->z);
      if (*f_new <= f + 1e-4 * step * gd)
        return TRUE;
      step *= 0.5;
    }
  return FALSE;
}

/* θ holds one row of dim weights and an intercept per class. */
static LightlyLogreg *
model_from_theta (const double *theta, guint dim, guint n_classes, gboolean normalize)
{
  LightlyLogreg *model = g_new0 (LightlyLogreg, 1);

  model->dim = dim;
  model->n_classes = n_classes;
  model->normalize = normalize;
  model->weights = g_new (double, (gsize) n_classes * dim);
  model->intercepts = g_new (double, n_classes);
  for (guint c = 0; c < n_classes; c++)
    {
      memcpy (model->weights + (gsize) c * dim, theta + (gsize) c * (dim + 1), sizeof (double) * dim);
      model->intercepts[c] = theta[(gsize) c * (dim + 1) + dim];
    }
  return model;
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
  LightlyLogreg *model;
  g_autofree double *xd = NULL, *theta = NULL, *g = NULL, *theta_new = NULL, *g_next = NULL;
  g_autofree double *dir = NULL, *z = NULL;
  Problem pb;
  Lbfgs lb;
  gsize np;
  guint iter;
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
  theta = g_new0 (double, np);
  theta_new = g_new (double, np);
  g = g_new (double, np);
  g_next = g_new (double, np);
  dir = g_new (double, np);
  z = g_new (double, n_classes);
  pb = (Problem) { xd, n, dim, y, n_classes, opt.c, z };
  lbfgs_init (&lb, np, opt.history);

  f = objective (theta, xd, n, dim, y, n_classes, opt.c, g, z);
  gmax = max_abs (g, np);
  for (iter = 0; iter < opt.max_iter && gmax > opt.gtol; iter++)
    {
      double gd = lbfgs_direction (&lb, g, dir);
      double step = lb.n_pairs == 0 ? MIN (1.0, 1.0 / sqrt (-gd)) : 1.0;
      double f_new = f;

      if (!line_search (&pb, theta, dir, np, f, gd, step, theta_new, g_next, &f_new))
        break;
      lbfgs_push (&lb, theta, theta_new, g, g_next);
      memcpy (theta, theta_new, sizeof (double) * np);
      memcpy (g, g_next, sizeof (double) * np);
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
  lbfgs_clear (&lb);

  model = model_from_theta (theta, dim, n_classes, opt.normalize);
  model->n_iter = iter;
  model->objective = f;
  model->grad_max = gmax;
  model->converged = gmax <= opt.gtol;
  return model;
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
