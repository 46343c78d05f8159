/* lightly-al-simulate.c: `lightly-al simulate`, the active-learning loop on
 * data whose true classes are known
 *
 * For every strategy and seed, the loop starts with no labels and, for each
 * budget of the schedule, lets the strategy pick the samples that bring the
 * labeled set to that size; it then trains the shared logistic regression
 * (tools/ml/lightly-logreg.h) on the labeled set and measures the accuracy on
 * a held-out split. The picks come from the selection engine itself, with
 * the labeled set as the preselected rows, so what is measured is what a
 * query runs. AUTO is resolved per round by lightly_sampling_method_resolve(),
 * as the agent does.
 *
 * Outputs: PREFIX.csv (one row per strategy, seed and round), PREFIX.png and
 * PREFIX.svg (learning curves, RANDOM's mean ± sd as a band), and a short
 * summary on stdout. Progress goes to stderr when it is a terminal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <cairo.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/lightly-local-backend.h"
#include "lightly-al-common.h"
#include "ml/lightly-fashion-mnist.h"
#include "ml/lightly-logreg.h"
#include "store/lightly-embeddings-csv.h"

#define DEFAULT_SCHEDULE "10,20,50,100,200,500,1000,2000,3000"
#define DEFAULT_STRATEGIES "RANDOM,AUTO"

static gboolean opt_fashion_mnist;
static char *opt_data_dir;
static int opt_pool = 20000;
static double opt_test = -1;
static char *opt_schedule;
static char *opt_strategies;
static int opt_seeds = 5;
static char *opt_out;
static int opt_threads;
static int opt_max_clusters;
static double opt_delta;
static int opt_pseudo_classes;
static char *opt_title;

typedef struct {
  /* Pool: rows to select from, L2-normalised for the engine (§13). */
  gsize n_pool;
  gsize dim;
  float *pool;
  guint *pool_labels;
  gsize n_test;
  float *test;
  guint *test_labels;
  guint n_classes;
} Data;

static void
data_clear (Data *d)
{
  g_free (d->pool);
  g_free (d->pool_labels);
  g_free (d->test);
  g_free (d->test_labels);
}

typedef struct {
  char *name;                   /* as given: RANDOM, AUTO, … */
  LightlySamplingMethod method;
  double *acc;                  /* seeds × rounds */
  LightlySamplingMethod *used;  /* seeds × rounds: the method AUTO resolved to */
  /* A>B@N (AUTO@N is TYPICLUST>ACTIVE_LEARNING@N): A below N labels, B from N on,
   * to measure a switch point. */
  guint switch_at;
  LightlySamplingMethod before, after;
} Strategy;

/* ---------------------------------------------------------------------- */
/* Input                                                                  */

static void
normalise_rows (float *x, gsize n, gsize dim)
{
  for (gsize i = 0; i < n; i++)
    {
      double s = 0;

      for (gsize j = 0; j < dim; j++)
        s += (double) x[i * dim + j] * x[i * dim + j];
      s = s > 0 ? 1.0 / sqrt (s) : 0.0;
      for (gsize j = 0; j < dim; j++)
        x[i * dim + j] = (float) (x[i * dim + j] * s);
    }
}

static int
cmp_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* The CSV's rows, split by a fixed shuffle (seed 0) into test and pool. */
static gboolean
load_csv (const char *path, Data *d, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, error);
  g_autoptr(LightlyEmbeddingsCsv) csv = NULL;
  g_autofree gint64 *classes = NULL;
  g_autofree guint *perm = NULL;
  GRand *rand;
  gsize n, n_test, n_classes = 0;

  if (in == NULL)
    return FALSE;
  csv = lightly_embeddings_csv_parse (G_INPUT_STREAM (in), NULL, LIGHTLY_EMBEDDINGS_CSV_MAX_LINE_DEFAULT,
                                      NULL, error);
  if (csv == NULL)
    return FALSE;
  n = csv->n_rows;
  if (csv->labels == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s has no labels column: simulate needs the true class of every row there", path);
      return FALSE;
    }
  n_test = opt_test < 0 ? n / 5 : opt_test < 1 ? (gsize) round (opt_test * n) : (gsize) opt_test;
  if (n < 4 || n_test < 1 || n_test >= n)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s has %" G_GSIZE_FORMAT " rows; --test must leave both a test split and a pool "
                   "(got %" G_GSIZE_FORMAT " test rows)", path, n, n_test);
      return FALSE;
    }
  /* Classes: the distinct label values, in increasing order. */
  classes = g_memdup2 (csv->labels, n * sizeof (gint64));
  qsort (classes, n, sizeof (gint64), (GCompareFunc) cmp_gint64);
  for (gsize i = 0; i < n; i++)
    if (n_classes == 0 || classes[i] != classes[n_classes - 1])
      classes[n_classes++] = classes[i];
  if (n_classes < 2)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s has a single class in its labels column; simulate needs at least two", path);
      return FALSE;
    }

  perm = g_new (guint, n);
  for (gsize i = 0; i < n; i++)
    perm[i] = (guint) i;
  rand = g_rand_new_with_seed (0);
  for (gsize i = n - 1; i > 0; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) (i + 1));
      guint t = perm[i];

      perm[i] = perm[j];
      perm[j] = t;
    }
  g_rand_free (rand);

  d->dim = csv->dim;
  d->n_classes = (guint) n_classes;
  d->n_test = n_test;
  d->n_pool = n - n_test;
  d->test = g_new (float, n_test * d->dim);
  d->test_labels = g_new (guint, n_test);
  d->pool = g_new (float, d->n_pool * d->dim);
  d->pool_labels = g_new (guint, d->n_pool);
  for (gsize i = 0; i < n; i++)
    {
      gsize r = perm[i];
      gint64 *c = bsearch (&csv->labels[r], classes, n_classes, sizeof (gint64),
                           (GCompareFunc) cmp_gint64);
      gboolean is_test = i < n_test;
      float *dst = is_test ? d->test + i * d->dim : d->pool + (i - n_test) * d->dim;

      memcpy (dst, csv->matrix + r * d->dim, d->dim * sizeof (float));
      if (is_test)
        d->test_labels[i] = (guint) (c - classes);
      else
        d->pool_labels[i - n_test] = (guint) (c - classes);
    }
  /* The pool stays in file order within the split, so row numbers are
   * meaningful to someone who reads the CSV; shuffling only decided which
   * rows are held out. */
  return TRUE;
}

static gboolean
load_fashion_mnist (Data *d, GError **error)
{
  g_autoptr(LightlyFashionMnist) fm = NULL;

  fm = lightly_fashion_mnist_load (opt_data_dir, (guint) opt_pool,
                                   opt_test < 0 ? 10000 : (guint) opt_test, 64, NULL, error);
  if (fm == NULL)
    return FALSE;
  d->dim = fm->dim;
  d->n_classes = LIGHTLY_FASHION_MNIST_N_CLASSES;
  d->n_pool = fm->n_pool;
  d->n_test = fm->n_test;
  d->pool = g_steal_pointer (&fm->pool_embeddings);
  d->pool_labels = g_steal_pointer (&fm->pool_labels);
  d->test = g_steal_pointer (&fm->test_embeddings);
  d->test_labels = g_steal_pointer (&fm->test_labels);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* The loop                                                               */

static LightlyLogreg *
train (const Data *d, const guint32 *rows, gsize n, const float *pool_raw, GError **error)
{
  g_autofree float *x = g_new (float, MAX (n, 1) * d->dim);
  g_autofree guint *y = g_new (guint, MAX (n, 1));
  LightlyLogregOptions options;

  for (gsize i = 0; i < n; i++)
    {
      memcpy (x + i * d->dim, pool_raw + (gsize) rows[i] * d->dim, d->dim * sizeof (float));
      y[i] = d->pool_labels[rows[i]];
    }
  lightly_logreg_options_init (&options);
  return lightly_logreg_fit (x, n, (guint) d->dim, y, d->n_classes, &options, error);
}

static int
cmp_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return (x > y) - (x < y);
}

static gboolean progress_on_tty;

static void
show_progress (const char *strategy, guint seed, guint n_seeds, guint budget, guint done, guint total,
               double started)
{
  double elapsed = (g_get_monotonic_time () - started) / 1e6;

  if (!progress_on_tty)
    return;
  fprintf (stderr, "\r\033[K%-10s seed %u/%u  labels %5u  [%3u%%]  %.0f s", strategy, seed + 1, n_seeds, budget,
           total > 0 ? 100 * done / total : 100, elapsed);
  fflush (stderr);
}

/* Runs one strategy for one seed; writes the accuracy per round. */
static gboolean
run_one (const Data *d, const float *pool_norm, Strategy *st, guint seed, const guint *schedule,
         guint n_rounds, guint *step, guint total_steps, double started, GError **error)
{
  g_autofree guint32 *labeled = g_new (guint32, d->n_pool);
  g_autofree guint32 *cand = g_new (guint32, d->n_pool);
  g_autofree gboolean *is_labeled = g_new0 (gboolean, d->n_pool);
  g_autofree double *scores = NULL;
  gsize n_labeled = 0;

  for (guint r = 0; r < n_rounds; r++)
    {
      g_autoptr(GArray) picks = NULL;
      g_autoptr(LightlyLogreg) model = NULL;
      LightlySelectionParams p = { 0 };
      LightlySamplingMethod method;
      gsize budget = MIN ((gsize) schedule[r], d->n_pool), n_cand = 0;

      show_progress (st->name, seed, (guint) opt_seeds, (guint) budget, *step, total_steps, started);
      method = lightly_sampling_method_resolve (st->method, (guint) n_labeled,
                                                (guint) (budget - MIN (budget, n_labeled)), n_labeled > 0);
      if (st->switch_at > 0)
        /* AUTO@N: the same rule with another switch point, to measure it. */
        method = n_labeled > 0 && budget >= st->switch_at ? st->after : st->before;
      if ((method == LIGHTLY_SAMPLING_METHOD_CORAL || method == LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING) &&
          n_labeled == 0)
        /* No model yet to score with: the first round is CORESET, as in
         * the demo and DESIGN.md's table. */
        method = LIGHTLY_SAMPLING_METHOD_CORESET;
      if (method == LIGHTLY_SAMPLING_METHOD_CORAL || method == LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING)
        {
          g_autofree double *proba = g_new (double, d->n_pool * d->n_classes);

          /* Lightly's uncertainty_margin: 1 − (p₁ − p₂). */
          model = train (d, labeled, n_labeled, d->pool, error);
          if (model == NULL)
            return FALSE;
          lightly_logreg_predict_proba (model, d->pool, d->n_pool, proba);
          if (scores == NULL)
            scores = g_new (double, d->n_pool);
          for (gsize i = 0; i < d->n_pool; i++)
            {
              double a = 0, b = 0;

              for (guint c = 0; c < d->n_classes; c++)
                {
                  double v = proba[i * d->n_classes + c];

                  if (v > a)
                    {
                      b = a;
                      a = v;
                    }
                  else if (v > b)
                    b = v;
                }
              scores[i] = CLAMP (1.0 - (a - b), 0.0, 1.0);
            }
          g_clear_pointer (&model, lightly_logreg_free);
        }

      for (gsize i = 0; i < d->n_pool; i++)
        if (!is_labeled[i])
          cand[n_cand++] = (guint32) i;
      qsort (labeled, n_labeled, sizeof (guint32), (GCompareFunc) cmp_u32);
      p.matrix = pool_norm;
      p.n_rows = d->n_pool;
      p.dim = d->dim;
      p.candidates = cand;
      p.n_candidates = n_cand;
      p.preselected = labeled;
      p.n_preselected = n_labeled;
      p.scores = scores;
      p.k = budget - MIN (budget, n_labeled);
      p.min_distance = -1;
      p.beta = 1.0;
      p.seed = seed;
      p.n_threads = (guint) MAX (opt_threads, 0);
      p.max_clusters = (guint) MAX (opt_max_clusters, 0);
      p.delta = opt_delta;
      p.pseudo_classes = (guint) MAX (opt_pseudo_classes, 0);
      picks = lightly_local_backend_select (method, &p, error);
      if (picks == NULL)
        return FALSE;
      for (guint i = 0; i < picks->len; i++)
        {
          guint32 row = g_array_index (picks, guint32, i);

          is_labeled[row] = TRUE;
          labeled[n_labeled++] = row;
        }

      model = train (d, labeled, n_labeled, d->pool, error);
      if (model == NULL)
        return FALSE;
      st->acc[seed * n_rounds + r] = lightly_logreg_accuracy (model, d->test, d->n_test, d->test_labels);
      st->used[seed * n_rounds + r] = method;
      (*step)++;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Statistics                                                             */

static void
mean_sd (const double *acc, guint n_seeds, guint n_rounds, guint r, double *mean, double *sd)
{
  double s = 0, s2 = 0;

  for (guint i = 0; i < n_seeds; i++)
    s += acc[i * n_rounds + r];
  *mean = s / n_seeds;
  for (guint i = 0; i < n_seeds; i++)
    s2 += (acc[i * n_rounds + r] - *mean) * (acc[i * n_rounds + r] - *mean);
  *sd = n_seeds > 1 ? sqrt (s2 / (n_seeds - 1)) : 0.0;
}

/* ---------------------------------------------------------------------- */
/* Plot                                                                   */

static const double palette[][3] = {
  { 0.85, 0.37, 0.01 },         /* orange */
  { 0.00, 0.45, 0.70 },         /* blue */
  { 0.00, 0.62, 0.45 },         /* green */
  { 0.80, 0.47, 0.65 },         /* purple */
  { 0.34, 0.71, 0.91 },         /* sky */
  { 0.90, 0.62, 0.00 },         /* yellow */
  { 0.40, 0.40, 0.40 },         /* grey */
};

typedef struct {
  double x0, x1, y0, y1;        /* plot area in device units */
  double lmin, lmax;            /* log10 budget range */
  double vmin, vmax;            /* value range */
} Frame;

typedef struct {
  Strategy *strategies;
  guint n_strategies;
  guint random_index;
  const guint *schedule;
  guint n_rounds;
  guint n_seeds;
} Plot;

static double
fx (const Frame *f, double budget)
{
  return f->x0 + (log10 (budget) - f->lmin) / (f->lmax - f->lmin) * (f->x1 - f->x0);
}

static double
fy (const Frame *f, double v)
{
  return f->y1 - (v - f->vmin) / (f->vmax - f->vmin) * (f->y1 - f->y0);
}

/* Panel values: accuracy, or points above RANDOM's mean (delta). */
static void
value_at (const Plot *pl, guint s, guint r, gboolean delta, double *mean, double *sd)
{
  mean_sd (pl->strategies[s].acc, pl->n_seeds, pl->n_rounds, r, mean, sd);
  if (delta)
    {
      double rm, rsd;

      mean_sd (pl->strategies[pl->random_index].acc, pl->n_seeds, pl->n_rounds, r, &rm, &rsd);
      *mean = 100 * (*mean - rm);
      *sd = 100 * *sd;
    }
}

static void
show_text_at (cairo_t *cr, double x, double y, double align, const char *text)
{
  cairo_text_extents_t ext;

  cairo_text_extents (cr, text, &ext);
  cairo_move_to (cr, x - align * ext.x_advance, y);
  cairo_show_text (cr, text);
}

static void
colour_of (const Plot *pl, guint s, double rgb[3])
{
  guint c = 0;

  if (s == pl->random_index)
    {
      memcpy (rgb, palette[6], sizeof palette[6]);
      return;
    }
  for (guint i = 0; i < s; i++)
    c += i != pl->random_index;
  memcpy (rgb, palette[c % 6], sizeof palette[0]);
}

static void
draw_series (cairo_t *cr, const Plot *pl, const Frame *f, guint s, gboolean delta)
{
  double rgb[3];
  gboolean is_auto = pl->strategies[s].method == LIGHTLY_SAMPLING_METHOD_AUTO;
  guint r;

  colour_of (pl, s, rgb);
  cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
  cairo_set_line_width (cr, is_auto ? 3.5 : 2);
  if (s == pl->random_index)
    {
      double dash[] = { 6, 4 };

      cairo_set_dash (cr, dash, 2, 0);
    }
  for (r = 0; r < pl->n_rounds; r++)
    {
      double m, sd;

      value_at (pl, s, r, delta, &m, &sd);
      if (r == 0)
        cairo_move_to (cr, fx (f, pl->schedule[r]), fy (f, m));
      else
        cairo_line_to (cr, fx (f, pl->schedule[r]), fy (f, m));
    }
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  for (r = 0; r < pl->n_rounds; r++)
    {
      double m, sd;

      value_at (pl, s, r, delta, &m, &sd);
      cairo_arc (cr, fx (f, pl->schedule[r]), fy (f, m), is_auto ? 4 : 3, 0, 2 * G_PI);
      cairo_fill (cr);
    }
}

static void
draw_panel (cairo_t *cr, const Plot *pl, Frame *f, gboolean delta, gboolean x_labels, const char *y_label)
{
  double lo = delta ? 0 : 1, hi = 0, step, v, last_right = -1e9, unit;
  guint s, r;
  char buf[64];

  for (s = 0; s < pl->n_strategies; s++)
    for (r = 0; r < pl->n_rounds; r++)
      {
        double m, sd;

        value_at (pl, s, r, delta, &m, &sd);
        if (s == pl->random_index || !delta)
          {
            lo = MIN (lo, m - sd);
            hi = MAX (hi, m + sd);
          }
        lo = MIN (lo, m);
        hi = MAX (hi, m);
      }
  /* Round the range to a step of the axis: 1, 2 or 5 times a power of ten. */
  unit = (hi - lo) / 5;
  if (!(unit > 0))
    unit = delta ? 1 : 0.01;
  step = pow (10, floor (log10 (unit)));
  if (unit / step > 5)
    step *= 5;
  else if (unit / step > 2)
    step *= 2;
  f->vmin = floor (lo / step) * step;
  f->vmax = ceil (hi / step) * step;
  if (f->vmax <= f->vmin)
    f->vmax = f->vmin + step;
  if (!delta)
    {
      f->vmin = MAX (0, f->vmin);
      f->vmax = MIN (1, f->vmax);
    }

  /* Grid and y ticks. */
  cairo_set_font_size (cr, 11);
  cairo_set_line_width (cr, 1);
  for (v = f->vmin; v <= f->vmax + step / 2; v += step)
    {
      gboolean zero = delta && fabs (v) < step / 2;

      cairo_set_source_rgb (cr, zero ? 0.55 : 0.88, zero ? 0.55 : 0.88, zero ? 0.55 : 0.88);
      cairo_move_to (cr, f->x0, fy (f, v));
      cairo_line_to (cr, f->x1, fy (f, v));
      cairo_stroke (cr);
      cairo_set_source_rgb (cr, 0, 0, 0);
      if (delta)
        g_snprintf (buf, sizeof buf, "%+.*f", step < 1 ? 1 : 0, fabs (v) < step / 2 ? 0.0 : v);
      else
        g_snprintf (buf, sizeof buf, "%.*f", step < 0.01 ? 3 : 2, v);
      show_text_at (cr, f->x0 - 8, fy (f, v) + 4, 1.0, buf);
    }
  /* x ticks at the budgets (log scale); labels that would overlap are left out. */
  for (r = 0; r < pl->n_rounds; r++)
    {
      double x = fx (f, pl->schedule[r]);
      cairo_text_extents_t ext;

      cairo_set_source_rgb (cr, 0.93, 0.93, 0.93);
      cairo_move_to (cr, x, f->y0);
      cairo_line_to (cr, x, f->y1);
      cairo_stroke (cr);
      cairo_set_source_rgb (cr, 0, 0, 0);
      cairo_move_to (cr, x, f->y1);
      cairo_line_to (cr, x, f->y1 + 4);
      cairo_stroke (cr);
      g_snprintf (buf, sizeof buf, "%u", pl->schedule[r]);
      cairo_text_extents (cr, buf, &ext);
      if (x_labels && x - ext.x_advance / 2 > last_right + 4)
        {
          show_text_at (cr, x, f->y1 + 17, 0.5, buf);
          last_right = x + ext.x_advance / 2;
        }
    }
  /* Axes and the y label. */
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_set_line_width (cr, 1.2);
  cairo_move_to (cr, f->x0, f->y0);
  cairo_line_to (cr, f->x0, f->y1);
  cairo_line_to (cr, f->x1, f->y1);
  cairo_stroke (cr);
  cairo_set_font_size (cr, 12);
  cairo_save (cr);
  cairo_translate (cr, 24, (f->y0 + f->y1) / 2);
  cairo_rotate (cr, -G_PI / 2);
  show_text_at (cr, 0, 0, 0.5, y_label);
  cairo_restore (cr);

  /* RANDOM's band first, so that the lines stay on top. */
  if (pl->random_index < pl->n_strategies)
    {
      for (r = 0; r < pl->n_rounds; r++)
        {
          double m, sd;

          value_at (pl, pl->random_index, r, delta, &m, &sd);
          if (r == 0)
            cairo_move_to (cr, fx (f, pl->schedule[r]), fy (f, m + sd));
          else
            cairo_line_to (cr, fx (f, pl->schedule[r]), fy (f, m + sd));
        }
      for (r = pl->n_rounds; r-- > 0;)
        {
          double m, sd;

          value_at (pl, pl->random_index, r, delta, &m, &sd);
          cairo_line_to (cr, fx (f, pl->schedule[r]), fy (f, m - sd));
        }
      cairo_close_path (cr);
      cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.25);
      cairo_fill (cr);
    }
  /* AUTO last and thicker: it often coincides with the method it ran. */
  for (s = 0; s < pl->n_strategies; s++)
    if (pl->strategies[s].method != LIGHTLY_SAMPLING_METHOD_AUTO)
      draw_series (cr, pl, f, s, delta);
  for (s = 0; s < pl->n_strategies; s++)
    if (pl->strategies[s].method == LIGHTLY_SAMPLING_METHOD_AUTO)
      draw_series (cr, pl, f, s, delta);
}

static void
draw_plot (cairo_t *cr, double width, double height, const Plot *pl, const char *title)
{
  Frame top, bottom;
  double legend_w = 0, lx, ly;
  gboolean with_delta = pl->random_index < pl->n_strategies;
  guint s;
  char buf[64];

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 12);
  for (s = 0; s < pl->n_strategies; s++)
    {
      cairo_text_extents_t ext;

      cairo_text_extents (cr, pl->strategies[s].name, &ext);
      legend_w = MAX (legend_w, ext.x_advance);
    }
  legend_w = MAX (legend_w, 90) + 56;

  top.x0 = bottom.x0 = 75;
  top.x1 = bottom.x1 = width - legend_w - 10;
  top.lmin = bottom.lmin = log10 (pl->schedule[0]) - 0.08;
  top.lmax = bottom.lmax = log10 (pl->schedule[pl->n_rounds - 1]) + 0.08;
  if (pl->n_rounds == 1)
    {
      top.lmin = bottom.lmin = top.lmin - 0.5;
      top.lmax = bottom.lmax = top.lmax + 0.5;
    }
  top.y0 = 45;
  top.y1 = with_delta ? 45 + (height - 45 - 60) * 0.62 : height - 60;
  bottom.y0 = top.y1 + 30;
  bottom.y1 = height - 60;

  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_set_font_size (cr, 15);
  show_text_at (cr, (top.x0 + top.x1) / 2, 28, 0.5, title);
  draw_panel (cr, pl, &top, FALSE, !with_delta, "test accuracy");
  if (with_delta)
    draw_panel (cr, pl, &bottom, TRUE, TRUE, "points vs RANDOM");
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_set_font_size (cr, 12);
  show_text_at (cr, (top.x0 + top.x1) / 2, height - 22, 0.5, "labeled samples (log scale)");

  /* Legend. */
  lx = top.x1 + 24;
  ly = top.y0 + 10;
  for (s = 0; s < pl->n_strategies; s++)
    {
      double rgb[3];
      gboolean is_auto = pl->strategies[s].method == LIGHTLY_SAMPLING_METHOD_AUTO;

      colour_of (pl, s, rgb);
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      cairo_set_line_width (cr, is_auto ? 3.5 : 2);
      if (s == pl->random_index)
        {
          double dash[] = { 6, 4 };

          cairo_set_dash (cr, dash, 2, 0);
        }
      cairo_move_to (cr, lx, ly);
      cairo_line_to (cr, lx + 28, ly);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      cairo_set_source_rgb (cr, 0, 0, 0);
      show_text_at (cr, lx + 36, ly + 4, 0, pl->strategies[s].name);
      ly += 22;
      if (s == pl->random_index)
        {
          cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.25);
          cairo_rectangle (cr, lx, ly - 7, 28, 12);
          cairo_fill (cr);
          cairo_set_source_rgb (cr, 0, 0, 0);
          show_text_at (cr, lx + 36, ly + 4, 0, "RANDOM ± sd");
          ly += 22;
        }
    }
  cairo_set_source_rgb (cr, 0.3, 0.3, 0.3);
  cairo_set_font_size (cr, 10);
  g_snprintf (buf, sizeof buf, "mean of %u seeds", pl->n_seeds);
  show_text_at (cr, lx, ly + 6, 0, buf);
}

static gboolean
cairo_ok (cairo_status_t status, const char *path, GError **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write %s: %s", path,
               cairo_status_to_string (status));
  return FALSE;
}

static gboolean
write_plots (const char *prefix, const Plot *pl, const char *title, GError **error)
{
  const double w = 900, h = pl->random_index < pl->n_strategies ? 640 : 540;
  g_autofree char *png = g_strconcat (prefix, ".png", NULL);
  g_autofree char *svg = g_strconcat (prefix, ".svg", NULL);
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) w, (int) h);
  cr = cairo_create (surface);
  draw_plot (cr, w, h, pl, title);
  status = cairo_status (cr);
  cairo_destroy (cr);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_write_to_png (surface, png);
  cairo_surface_destroy (surface);
  if (!cairo_ok (status, png, error))
    return FALSE;

  surface = cairo_svg_surface_create (svg, w, h);
  cr = cairo_create (surface);
  draw_plot (cr, w, h, pl, title);
  status = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  /* The toy font API keeps caches (cairo's and fontconfig's) for the life of
   * the process; let leak checkers see a clean exit. */
  cairo_debug_reset_static_data ();
  FcFini ();
  return cairo_ok (status, svg, error);
}

/* ---------------------------------------------------------------------- */
/* Command                                                                */

static gboolean
parse_list (const char *what, const char *text, GArray *out, guint64 max)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 v;

      if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 1, max, &v, NULL) ||
          (out->len > 0 && v <= g_array_index (out, guint, out->len - 1)))
        {
          g_printerr ("lightly-al: %s needs increasing sizes between 1 and %" G_GUINT64_FORMAT
                      ", got “%s”\n", what, max, parts[i]);
          return FALSE;
        }
      g_array_append_val (out, (guint) { (guint) v });
    }
  return out->len > 0;
}

int
lightly_al_cmd_simulate (int    argc,
                         char **argv)
{
  const GOptionEntry entries[] = {
    { "fashion-mnist", 0, 0, G_OPTION_ARG_NONE, &opt_fashion_mnist,
      "Use Fashion-MNIST with the demo's embedding instead of a CSV (pool: the first --pool "
      "training images, test: the first --test test images)", NULL },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_data_dir,
      "Fashion-MNIST IDX files (default: $LIGHTLY_FASHION_MNIST_DIR or /usr/share/datasets/fashion-mnist)", "DIR" },
    { "pool", 0, 0, G_OPTION_ARG_INT, &opt_pool, "Fashion-MNIST pool size (default 20000)", "N" },
    { "test", 0, 0, G_OPTION_ARG_DOUBLE, &opt_test,
      "Held-out rows: a count, or a fraction of the CSV below 1 (default: 20% of the CSV; "
      "10000 Fashion-MNIST test images)", "N" },
    { "schedule", 0, 0, G_OPTION_ARG_STRING, &opt_schedule,
      "Labeled-set sizes, one round each (default " DEFAULT_SCHEDULE ")", "N,N,…" },
    { "strategies", 0, 0, G_OPTION_ARG_STRING, &opt_strategies,
      "Methods to compare (default " DEFAULT_STRATEGIES "); CORAL and ACTIVE_LEARNING rank by the "
      "model's margin and start with a CORESET round; A>B@N runs A below N labels and B from N on, "
      "AUTO@N is TYPICLUST>ACTIVE_LEARNING@N (AUTO's rule with another switch point)", "M,M,…" },
    { "seeds", 0, 0, G_OPTION_ARG_INT, &opt_seeds, "Seeds per strategy (default 5)", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out,
      "Write PREFIX.csv, PREFIX.png and PREFIX.svg (default: simulate)", "PREFIX" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads, "Selection threads (default: all)", "N" },
    { "max-clusters", 0, 0, G_OPTION_ARG_INT, &opt_max_clusters, "TYPICLUST's cluster cap (default 500)", "N" },
    { "delta", 0, 0, G_OPTION_ARG_DOUBLE, &opt_delta, "PROBCOVER's δ (default: the purity rule)", "D" },
    { "pseudo-classes", 0, 0, G_OPTION_ARG_INT, &opt_pseudo_classes,
      "PROBCOVER's k-means pseudo-classes for the purity rule (default 10)", "N" },
    { "title", 0, 0, G_OPTION_ARG_STRING, &opt_title, "The plot's title", "TEXT" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[EMBEDDINGS.CSV] — measure strategies against RANDOM");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) schedule = g_array_new (FALSE, FALSE, sizeof (guint));
  g_auto(GStrv) names = NULL;
  g_autofree Strategy *strategies = NULL;
  g_autofree float *pool_norm = NULL;
  g_autofree char *csv_path = NULL;
  g_autofree char *title = NULL;
  g_autoptr(GString) csv = g_string_new ("strategy,seed,round,labels,method,accuracy\n");
  Data d = { 0 };
  Plot plot;
  guint n_strategies, random_index = G_MAXUINT, step = 0, total_steps;
  double started = g_get_monotonic_time ();
  const char *prefix;
  int code = 0;

  g_option_context_set_summary (context,
    "Simulates active learning on data whose true classes are known: the labels column of\n"
    "an embeddings CSV, or Fashion-MNIST. Every strategy starts without labels and picks\n"
    "up to each budget of the schedule; a logistic regression trained on the picks is\n"
    "measured on the held-out split. RANDOM's spread over the seeds shows what luck does.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("lightly-al: %s\nTry “%s --help”.\n", error->message, g_get_prgname ());
      return 2;
    }
  if ((opt_fashion_mnist ? argc != 1 : argc != 2) || opt_seeds < 1 || opt_seeds > 1000 || opt_pool < 20 ||
      opt_threads < 0 || opt_max_clusters < 0 || opt_pseudo_classes < 0 || !(opt_delta >= 0 && opt_delta <= 2))
    {
      g_printerr ("lightly-al: simulate takes one embeddings CSV, or --fashion-mnist; --seeds 1…1000, "
                  "--pool ≥ 20, --delta in [0, 2]\nTry “%s --help”.\n", g_get_prgname ());
      return 2;
    }
  if (!parse_list ("--schedule", opt_schedule != NULL ? opt_schedule : DEFAULT_SCHEDULE, schedule,
                   G_MAXINT32))
    return 2;
  names = g_strsplit (opt_strategies != NULL ? opt_strategies : DEFAULT_STRATEGIES, ",", -1);
  n_strategies = g_strv_length (names);
  strategies = g_new0 (Strategy, MAX (n_strategies, 1));
  for (guint s = 0; s < n_strategies; s++)
    {
      char *at;

      g_strstrip (names[s]);
      at = strchr (names[s], '@');
      if (at != NULL)
        {
          g_auto(GStrv) pair = NULL;
          guint64 v = 0;

          *at = '\0';
          pair = g_strsplit (g_ascii_strcasecmp (names[s], "AUTO") == 0 ? "TYPICLUST>ACTIVE_LEARNING" : names[s], ">", 2);
          if (pair[1] == NULL || !g_ascii_string_to_unsigned (at + 1, 10, 1, G_MAXINT32, &v, NULL))
            {
              g_printerr ("lightly-al: “%s@%s”: a switch is A>B@N or AUTO@N, with N ≥ 1\n", names[s], at + 1);
              code = 2;
          goto out;
            }
          strategies[s].before = lightly_sampling_method_from_string (pair[0], &error);
          if (error == NULL)
            strategies[s].after = lightly_sampling_method_from_string (pair[1], &error);
          if (error != NULL || strategies[s].before == LIGHTLY_SAMPLING_METHOD_AUTO ||
              strategies[s].after == LIGHTLY_SAMPLING_METHOD_AUTO)
            {
              g_printerr ("lightly-al: %s\n", error != NULL ? error->message : "AUTO cannot be part of a switch");
              code = 2;
          goto out;
            }
          strategies[s].switch_at = (guint) v;
          strategies[s].name = g_strdup_printf ("%s@%u", names[s], strategies[s].switch_at);
          strategies[s].method = LIGHTLY_SAMPLING_METHOD_AUTO;
          continue;
        }
      strategies[s].method = lightly_sampling_method_from_string (names[s], &error);
      if (error != NULL)
        {
          g_printerr ("lightly-al: %s\n", error->message);
          code = 2;
          goto out;
        }
      strategies[s].name = g_ascii_strup (names[s], -1);
      if (strategies[s].method == LIGHTLY_SAMPLING_METHOD_RANDOM && random_index == G_MAXUINT)
        random_index = s;
    }

  if (!opt_fashion_mnist)
    {
      g_autofree char *out_csv = g_strconcat (opt_out != NULL ? opt_out : "simulate", ".csv", NULL);
      g_autofree char *a = g_canonicalize_filename (out_csv, NULL);
      g_autofree char *b = g_canonicalize_filename (argv[1], NULL);

      if (g_strcmp0 (a, b) == 0)
        {
          g_printerr ("lightly-al: --out would overwrite the input %s; choose another prefix\n", argv[1]);
          code = 2;
          goto out;
        }
    }
  if (opt_fashion_mnist ? !load_fashion_mnist (&d, &error) : !load_csv (argv[1], &d, &error))
    {
      code = lightly_al_fail (g_steal_pointer (&error));
      goto out;
    }
  if (g_array_index (schedule, guint, schedule->len - 1) > d.n_pool)
    {
      g_printerr ("lightly-al: the schedule's last budget (%u) is larger than the pool (%" G_GSIZE_FORMAT ")\n",
                  g_array_index (schedule, guint, schedule->len - 1), d.n_pool);
      code = 2;
      goto out;
    }
  pool_norm = g_memdup2 (d.pool, d.n_pool * d.dim * sizeof (float));
  normalise_rows (pool_norm, d.n_pool, d.dim);
  progress_on_tty = isatty (STDERR_FILENO);

  total_steps = n_strategies * (guint) opt_seeds * schedule->len;
  for (guint s = 0; s < n_strategies; s++)
    {
      strategies[s].acc = g_new0 (double, (gsize) opt_seeds * schedule->len);
      strategies[s].used = g_new0 (LightlySamplingMethod, (gsize) opt_seeds * schedule->len);
      for (guint seed = 0; seed < (guint) opt_seeds; seed++)
        if (!run_one (&d, pool_norm, &strategies[s], seed, (const guint *) schedule->data, schedule->len,
                      &step, total_steps, started, &error))
          {
            if (progress_on_tty)
              fprintf (stderr, "\n");
            code = lightly_al_fail (g_steal_pointer (&error));
            goto out;
          }
    }
  if (progress_on_tty)
    fprintf (stderr, "\r\033[K");

  /* CSV. */
  for (guint s = 0; s < n_strategies; s++)
    for (guint seed = 0; seed < (guint) opt_seeds; seed++)
      for (guint r = 0; r < schedule->len; r++)
        g_string_append_printf (csv, "%s,%u,%u,%u,%s,%.4f\n", strategies[s].name, seed, r + 1,
                                MIN (g_array_index (schedule, guint, r), (guint) d.n_pool),
                                lightly_sampling_method_to_string (strategies[s].used[seed * schedule->len + r]),
                                strategies[s].acc[seed * schedule->len + r]);
  prefix = opt_out != NULL ? opt_out : "simulate";
  plot.strategies = strategies;
  plot.n_strategies = n_strategies;
  plot.random_index = random_index;
  plot.schedule = (const guint *) schedule->data;
  plot.n_rounds = schedule->len;
  plot.n_seeds = (guint) opt_seeds;
  {
    g_autofree char *path = g_strconcat (prefix, ".csv", NULL);

    title = opt_title != NULL ? g_strdup (opt_title)
            : g_strdup_printf ("%s: pool %" G_GSIZE_FORMAT ", test %" G_GSIZE_FORMAT,
                               opt_fashion_mnist ? "Fashion-MNIST" : (csv_path = g_path_get_basename (argv[1])),
                               d.n_pool, d.n_test);
    if (!g_file_set_contents (path, csv->str, (gssize) csv->len, &error) ||
        !write_plots (prefix, &plot, title, &error))
      {
        code = lightly_al_fail (g_steal_pointer (&error));
        goto out;
      }
  }

  /* Summary: one line per budget. */
  g_print ("%s; %d seeds; accuracy mean ± sd", title, opt_seeds);
  if (random_index != G_MAXUINT)
    g_print ("; Δ = points above RANDOM's mean, ! = below RANDOM's mean − 0.5 sd");
  g_print ("\n%7s", "labels");
  for (guint s = 0; s < n_strategies; s++)
    g_print ("  %-*s", s == random_index ? 13 : 21, strategies[s].name);
  g_print ("\n");
  for (guint r = 0; r < schedule->len; r++)
    {
      double rm = 0, rsd = 0;

      if (random_index != G_MAXUINT)
        mean_sd (strategies[random_index].acc, (guint) opt_seeds, schedule->len, r, &rm, &rsd);
      g_print ("%7u", g_array_index (schedule, guint, r));
      for (guint s = 0; s < n_strategies; s++)
        {
          double m, sd;

          mean_sd (strategies[s].acc, (guint) opt_seeds, schedule->len, r, &m, &sd);
          if (s == random_index)
            g_print ("  %.3f ± %.3f", m, sd);
          else if (random_index != G_MAXUINT)
            g_print ("  %.3f ± %.3f %+5.1f%s", m, sd, 100 * (m - rm), m < rm - 0.5 * rsd ? "!" : " ");
          else
            g_print ("  %.3f ± %.3f       ", m, sd);
        }
      g_print ("\n");
    }
  for (guint s = 0; s < n_strategies; s++)
    if (strategies[s].method == LIGHTLY_SAMPLING_METHOD_AUTO && strategies[s].switch_at == 0)
      {
        g_print ("AUTO ran:");
        for (guint r = 0; r < schedule->len; r++)
          g_print (" %s%s", lightly_sampling_method_to_string (strategies[s].used[r]),
                   r + 1 < schedule->len ? "," : "");
        g_print ("\n");
        break;
      }
  g_print ("Wrote %s.csv, %s.png, %s.svg in %.0f s\n", prefix, prefix, prefix,
           (g_get_monotonic_time () - started) / 1e6);

out:
  for (guint s = 0; s < n_strategies; s++)
    {
      g_free (strategies[s].name);
      g_free (strategies[s].acc);
      g_free (strategies[s].used);
    }
  data_clear (&d);
  return code;
}
