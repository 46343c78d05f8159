/* lightly-al-simulate.c: `lightly-al simulate`, the active-learning loop on
 * data whose true classes are known
 *
 * For every strategy and seed, the loop starts with no labels and, for each
 * budget of the schedule, lets the strategy pick the samples that bring the
 * labeled set to that size; it then trains the shared logistic regression
 * (tools/ml/lightly-logreg.h) on the labeled set and measures the accuracy on
 * a held-out split. The picks come from the selection engine itself, with
 * the labeled set as the preselected rows, so what is measured is what a
 * query runs. AUTO is resolved per round by lightly_sampling_method_resolve_in_pool(),
 * as the agent does.
 *
 * Outputs: PREFIX.csv (one row per strategy, seed and round), PREFIX.png and
 * PREFIX.svg (learning curves, RANDOM's mean ± sd as a band), and a short
 * summary on stdout. Progress goes to stderr when it is a terminal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/lightly-local-selection.h"
#include "lightly-al-common.h"
#include "lightly-al-plot.h"
#include "ml/lightly-fashion-mnist.h"
#include "ml/lightly-logreg.h"
#include "store/lightly-embeddings-csv.h"

#define DEFAULT_SCHEDULE "10,20,50,100,200,500,1000,2000,3000"
#define DEFAULT_STRATEGIES "RANDOM,AUTO"
/* The BALD strategy's bootstrap ensemble: logistic regressions. */
#define ENSEMBLE_MEMBERS 5

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
static char *opt_metric;

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
  /* BALD: ACTIVE_LEARNING on the BALD of a bootstrap ensemble. */
  gboolean ensemble;
  /* NAME+BALANCE: per-class quotas from the model's predicted classes. */
  gboolean balance;
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

/* The mean over the test split's classes of the recall of each. */
static double
balanced_accuracy (const Data *d, const LightlyLogreg *model)
{
  g_autofree guint *pred = g_new (guint, MAX (d->n_test, 1));
  g_autofree gsize *hits = g_new0 (gsize, d->n_classes);
  g_autofree gsize *count = g_new0 (gsize, d->n_classes);
  double sum = 0;
  guint present = 0;

  lightly_logreg_predict (model, d->test, d->n_test, pred);
  for (gsize i = 0; i < d->n_test; i++)
    {
      count[d->test_labels[i]]++;
      hits[d->test_labels[i]] += pred[i] == d->test_labels[i];
    }
  for (guint c = 0; c < d->n_classes; c++)
    if (count[c] > 0)
      {
        sum += (double) hits[c] / (double) count[c];
        present++;
      }
  return present > 0 ? sum / present : 0;
}

/* Whether this round needs the model's outputs: scores for CORAL and
 * ACTIVE_LEARNING, probabilities for BADGE and for balance. */
static gboolean
needs_model (const Strategy *st, LightlySamplingMethod method)
{
  return method == LIGHTLY_SAMPLING_METHOD_CORAL || method == LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING ||
         method == LIGHTLY_SAMPLING_METHOD_BADGE || st->balance;
}

/* Lightly's uncertainty_margin: 1 − (p₁ − p₂). */
static void
margin_scores (const double *proba, gsize n, guint n_classes, double *scores)
{
  for (gsize i = 0; i < n; i++)
    {
      double a = 0, b = 0;

      for (guint c = 0; c < n_classes; c++)
        {
          double v = proba[i * n_classes + c];

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
}

/* BALD of a bootstrap ensemble: ENSEMBLE_MEMBERS logistic regressions, each
 * on a resample (with replacement, seeded by @seed) of the labeled set, give
 * T × N × C probabilities for LightlyScorerEnsemble. */
static gboolean
bald_scores (const Data *d, const guint32 *labeled, gsize n_labeled, guint seed, double *scores,
             GError **error)
{
  g_autofree double *probs = g_new (double, ENSEMBLE_MEMBERS * d->n_pool * d->n_classes);
  g_autofree guint32 *rows = g_new (guint32, MAX (n_labeled, 1));
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(LightlyScorerEnsemble) ens = NULL;
  g_autoptr(LightlyScores) out = NULL;
  const double *v;
  gsize n = 0;

  for (guint t = 0; t < ENSEMBLE_MEMBERS; t++)
    {
      LightlyLogreg *m;

      for (gsize i = 0; i < n_labeled; i++)
        rows[i] = labeled[g_rand_int_range (rand, 0, (gint32) n_labeled)];
      m = train (d, rows, n_labeled, d->pool, error);
      if (m == NULL)
        return FALSE;
      lightly_logreg_predict_proba (m, d->pool, d->n_pool, probs + (gsize) t * d->n_pool * d->n_classes);
      lightly_logreg_free (m);
    }
  ens = lightly_scorer_ensemble_new (probs, ENSEMBLE_MEMBERS * d->n_pool * d->n_classes, ENSEMBLE_MEMBERS,
                                     d->n_pool, d->n_classes, error);
  if (ens == NULL)
    return FALSE;
  out = lightly_scorer_calculate_scores (LIGHTLY_SCORER (ens), error);
  if (out == NULL)
    return FALSE;
  v = lightly_scores_get_values (out, "uncertainty_bald", &n);
  g_assert (v != NULL && n == d->n_pool);
  memcpy (scores, v, n * sizeof (double));
  return TRUE;
}

/* The model of this round's labeled set: its class probabilities over the
 * pool (@proba) and the strategy's scores (@scores: the margin, or BALD of
 * a bootstrap ensemble for the BALD strategy). */
static gboolean
model_outputs (const Data *d, const Strategy *st, const guint32 *labeled, gsize n_labeled, guint seed,
               double **proba, double **scores, GError **error)
{
  g_autoptr(LightlyLogreg) model = train (d, labeled, n_labeled, d->pool, error);

  if (model == NULL)
    return FALSE;
  if (*proba == NULL)
    *proba = g_new (double, d->n_pool * d->n_classes);
  if (*scores == NULL)
    *scores = g_new (double, d->n_pool);
  lightly_logreg_predict_proba (model, d->pool, d->n_pool, *proba);
  if (st->ensemble)
    return bald_scores (d, labeled, n_labeled, seed, *scores, error);
  margin_scores (*proba, d->n_pool, d->n_classes, *scores);
  return TRUE;
}

/* Carried coverage across one seed's rounds (the engine's
 * LightlySelectionCarry, as the store keeps it for queries): per pool row,
 * the exact min d² to the covered labeled rows and the row giving it, so a
 * CORESET or CORAL round computes distances only to the rows labeled since
 * the last such round. Same picks bit for bit; LIGHTLY_CARRIED_COVERAGE=0
 * turns it off, to check that. */
typedef struct {
  double *mind2;      /* per pool row */
  guint32 *anchor;    /* per pool row */
  gboolean *covered;  /* per pool row: its distances are in mind2 */
  gboolean any;       /* some row is covered */
  /* The run's arrays, in the order of its candidates. */
  double *run_mind2;
  guint32 *run_anchor;
  guint32 *uncovered;
  LightlySelectionCarry carry;
} Cover;

static void
cover_init (Cover *c, gsize n_pool)
{
  const char *env = g_getenv ("LIGHTLY_CARRIED_COVERAGE");

  memset (c, 0, sizeof *c);
  if (env != NULL && g_strcmp0 (env, "0") == 0)
    return;
  c->mind2 = g_new (double, n_pool);
  c->anchor = g_new (guint32, n_pool);
  c->covered = g_new0 (gboolean, n_pool);
  c->run_mind2 = g_new (double, n_pool);
  c->run_anchor = g_new (guint32, n_pool);
  c->uncovered = g_new (guint32, n_pool);
}

static void
cover_clear (Cover *c)
{
  g_free (c->mind2);
  g_free (c->anchor);
  g_free (c->covered);
  g_free (c->run_mind2);
  g_free (c->run_anchor);
  g_free (c->uncovered);
}

/* The carry for a run over @p (candidates and P ascending), or NULL when
 * the run cannot use one. */
static LightlySelectionCarry *
cover_prepare (Cover *c, const LightlySelectionParams *p, LightlySamplingMethod method)
{
  gsize n_uncovered = 0;

  if (c->mind2 == NULL || p->balance || p->n_candidates == 0 ||
      (method != LIGHTLY_SAMPLING_METHOD_CORESET && method != LIGHTLY_SAMPLING_METHOD_CORAL))
    return NULL;
  for (gsize i = 0; i < p->n_preselected; i++)
    if (!c->covered[p->preselected[i]])
      c->uncovered[n_uncovered++] = (guint32) i;
  memset (&c->carry, 0, sizeof c->carry);
  c->carry.mind2 = c->run_mind2;
  c->carry.anchor = c->run_anchor;
  /* The engine wants a non-empty covered part of P to start from. */
  c->carry.start = c->any && n_uncovered < p->n_preselected;
  if (c->carry.start)
    for (gsize j = 0; j < p->n_candidates; j++)
      {
        c->run_mind2[j] = c->mind2[p->candidates[j]];
        c->run_anchor[j] = c->anchor[p->candidates[j]];
      }
  c->carry.uncovered = c->uncovered;
  c->carry.n_uncovered = n_uncovered;
  return &c->carry;
}

/* After a run with cover_prepare()'s carry: P and the first n_applied
 * picks are covered now. */
static void
cover_keep (Cover *c, const LightlySelectionParams *p, const GArray *picks)
{
  if (p->carry == NULL || !c->carry.valid)
    return;
  for (gsize j = 0; j < p->n_candidates; j++)
    {
      c->mind2[p->candidates[j]] = c->run_mind2[j];
      c->anchor[p->candidates[j]] = c->run_anchor[j];
    }
  for (gsize i = 0; i < p->n_preselected; i++)
    c->covered[p->preselected[i]] = TRUE;
  for (gsize i = 0; i < c->carry.n_applied && i < picks->len; i++)
    c->covered[g_array_index (picks, guint32, i)] = TRUE;
  c->any = TRUE;
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
  g_autofree double *proba = NULL;
  gsize n_labeled = 0;
  Cover cover;
  gboolean ok = FALSE;

  cover_init (&cover, d->n_pool);
  for (guint r = 0; r < n_rounds; r++)
    {
      g_autoptr(GArray) picks = NULL;
      g_autoptr(LightlyLogreg) model = NULL;
      LightlySelectionParams p = { 0 };
      LightlySamplingMethod method;
      gsize budget = MIN ((gsize) schedule[r], d->n_pool), n_cand = 0;

      show_progress (st->name, seed, (guint) opt_seeds, (guint) budget, *step, total_steps, started);
      method = lightly_sampling_method_resolve_in_pool (st->method, (guint) n_labeled,
                                                        (guint) (budget - MIN (budget, n_labeled)),
                                                        (guint) d->n_pool, n_labeled > 0, NULL);
      if (st->switch_at > 0)
        /* AUTO@N: the same rule with another switch point, to measure it. */
        method = n_labeled > 0 && budget >= st->switch_at ? st->after : st->before;
      if ((method == LIGHTLY_SAMPLING_METHOD_CORAL || method == LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING ||
           method == LIGHTLY_SAMPLING_METHOD_BADGE) && n_labeled == 0)
        /* No model yet to score with: the first round is CORESET, as in
         * the demo and DESIGN.md's table (and unbalanced). */
        method = LIGHTLY_SAMPLING_METHOD_CORESET;
      if (n_labeled > 0 && needs_model (st, method) &&
          !model_outputs (d, st, labeled, n_labeled, seed * 1000u + r, &proba, &scores, error))
        goto out;
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
      p.probabilities = proba;
      p.n_classes = proba != NULL ? d->n_classes : 0;
      p.balance = st->balance && proba != NULL;
      p.carry = cover_prepare (&cover, &p, method);
      picks = lightly_local_selection_run (method, &p, error);
      if (picks == NULL)
        goto out;
      cover_keep (&cover, &p, picks);
      for (guint i = 0; i < picks->len; i++)
        {
          guint32 row = g_array_index (picks, guint32, i);

          is_labeled[row] = TRUE;
          labeled[n_labeled++] = row;
        }

      model = train (d, labeled, n_labeled, d->pool, error);
      if (model == NULL)
        goto out;
      st->acc[seed * n_rounds + r] = g_strcmp0 (opt_metric, "balanced") == 0
                                     ? balanced_accuracy (d, model)
                                     : lightly_logreg_accuracy (model, d->test, d->n_test, d->test_labels);
      st->used[seed * n_rounds + r] = method;
      (*step)++;
    }
  ok = TRUE;
out:
  cover_clear (&cover);
  return ok;
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

/* Parses the options into the opt_* variables and @schedule; returns 0, or
 * the exit code for bad usage. Leaves the CSV's path, if any, in (*argv)[1]. */
static int
parse_options (int     *argc,
               char  ***argv,
               GArray  *schedule)
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
      "AUTO@N is TYPICLUST>ACTIVE_LEARNING@N (AUTO's rule with another switch point); BADGE uses the "
      "model's class probabilities, BALD is ACTIVE_LEARNING on the BALD of a bootstrap ensemble of 5 "
      "models; M+BALANCE adds per-class quotas from the model's predicted classes", "M,M,…" },
    { "seeds", 0, 0, G_OPTION_ARG_INT, &opt_seeds, "Seeds per strategy (default 5)", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out,
      "Write PREFIX.csv, PREFIX.png and PREFIX.svg (default: simulate)", "PREFIX" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads, "Selection threads (default: all)", "N" },
    { "max-clusters", 0, 0, G_OPTION_ARG_INT, &opt_max_clusters, "TYPICLUST's cluster cap (default 500)", "N" },
    { "delta", 0, 0, G_OPTION_ARG_DOUBLE, &opt_delta, "PROBCOVER's δ (default: the purity rule)", "D" },
    { "pseudo-classes", 0, 0, G_OPTION_ARG_INT, &opt_pseudo_classes,
      "PROBCOVER's k-means pseudo-classes for the purity rule (default 10)", "N" },
    { "title", 0, 0, G_OPTION_ARG_STRING, &opt_title, "The plot's title", "TEXT" },
    { "metric", 0, 0, G_OPTION_ARG_STRING, &opt_metric,
      "accuracy (default) or balanced: the mean of the per-class recalls, which weighs a rare class "
      "as much as a frequent one (for long-tailed data); the CSV's accuracy column holds it", "M" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[EMBEDDINGS.CSV] — measure strategies against RANDOM");
  g_autoptr(GError) error = NULL;

  g_option_context_set_summary (context,
    "Simulates active learning on data whose true classes are known: the labels column of\n"
    "an embeddings CSV, or Fashion-MNIST. Every strategy starts without labels and picks\n"
    "up to each budget of the schedule; a logistic regression trained on the picks is\n"
    "measured on the held-out split. RANDOM's spread over the seeds shows what luck does.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("lightly-al: %s\nTry “%s --help”.\n", error->message, g_get_prgname ());
      return 2;
    }
  if ((opt_fashion_mnist ? *argc != 1 : *argc != 2) || opt_seeds < 1 || opt_seeds > 1000 || opt_pool < 20 ||
      opt_threads < 0 || opt_max_clusters < 0 || opt_pseudo_classes < 0 || !(opt_delta >= 0 && opt_delta <= 2))
    {
      g_printerr ("lightly-al: simulate takes one embeddings CSV, or --fashion-mnist; --seeds 1…1000, "
                  "--pool ≥ 20, --delta in [0, 2]\nTry “%s --help”.\n", g_get_prgname ());
      return 2;
    }
  if (opt_metric != NULL && strcmp (opt_metric, "accuracy") != 0 && strcmp (opt_metric, "balanced") != 0)
    {
      g_printerr ("lightly-al: --metric is accuracy or balanced, not “%s”\n", opt_metric);
      return 2;
    }
  if (!parse_list ("--schedule", opt_schedule != NULL ? opt_schedule : DEFAULT_SCHEDULE, schedule,
                   G_MAXINT32))
    return 2;
  return 0;
}

/* A>B@N, or AUTO@N for TYPICLUST>ACTIVE_LEARNING@N: @name is cut at @at. */
static gboolean
parse_switch (Strategy *st, char *name, char *at)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) pair = NULL;
  guint64 v = 0;

  *at = '\0';
  pair = g_strsplit (g_ascii_strcasecmp (name, "AUTO") == 0 ? "TYPICLUST>ACTIVE_LEARNING" : name, ">", 2);
  if (pair[1] == NULL || !g_ascii_string_to_unsigned (at + 1, 10, 1, G_MAXINT32, &v, NULL))
    {
      g_printerr ("lightly-al: “%s@%s”: a switch is A>B@N or AUTO@N, with N ≥ 1\n", name, at + 1);
      return FALSE;
    }
  st->before = lightly_sampling_method_from_string (pair[0], &error);
  if (error == NULL)
    st->after = lightly_sampling_method_from_string (pair[1], &error);
  if (error != NULL || st->before == LIGHTLY_SAMPLING_METHOD_AUTO || st->after == LIGHTLY_SAMPLING_METHOD_AUTO)
    {
      g_printerr ("lightly-al: %s\n", error != NULL ? error->message : "AUTO cannot be part of a switch");
      return FALSE;
    }
  st->switch_at = (guint) v;
  st->name = g_strdup_printf ("%s@%u", name, st->switch_at);
  st->method = LIGHTLY_SAMPLING_METHOD_AUTO;
  return TRUE;
}

/* Fills @strategies (one per name of @names) and notes the first RANDOM in
 * @random_index; FALSE after printing what is wrong. */
static gboolean
parse_strategies (char **names, Strategy *strategies, guint *random_index)
{
  for (guint s = 0; names[s] != NULL; s++)
    {
      g_autoptr(GError) error = NULL;
      char *at;

      g_strstrip (names[s]);
      if (g_str_has_suffix (names[s], "+BALANCE") || g_str_has_suffix (names[s], "+balance"))
        {
          strategies[s].balance = TRUE;
          names[s][strlen (names[s]) - strlen ("+BALANCE")] = '\0';
        }
      at = strchr (names[s], '@');
      if (at != NULL)
        {
          if (!parse_switch (&strategies[s], names[s], at))
            return FALSE;
          continue;
        }
      strategies[s].ensemble = g_ascii_strcasecmp (names[s], "BALD") == 0;
      strategies[s].method = strategies[s].ensemble ? LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING
                                                    : lightly_sampling_method_from_string (names[s], &error);
      if (error != NULL)
        {
          g_printerr ("lightly-al: %s\n", error->message);
          return FALSE;
        }
      {
        g_autofree char *full = g_strconcat (names[s], strategies[s].balance ? "+BALANCE" : "", NULL);

        strategies[s].name = g_ascii_strup (full, -1);
      }
      if (strategies[s].method == LIGHTLY_SAMPLING_METHOD_RANDOM && !strategies[s].balance &&
          *random_index == G_MAXUINT)
        *random_index = s;
    }
  return TRUE;
}

/* Runs every strategy for every seed, with a progress line on a terminal. */
static gboolean
run_all (const Data *d, Strategy *strategies, guint n_strategies, const GArray *schedule, double started,
         GError **error)
{
  g_autofree float *pool_norm = g_memdup2 (d->pool, d->n_pool * d->dim * sizeof (float));
  guint step = 0, total_steps = n_strategies * (guint) opt_seeds * schedule->len;

  normalise_rows (pool_norm, d->n_pool, d->dim);
  progress_on_tty = isatty (STDERR_FILENO);
  for (guint s = 0; s < n_strategies; s++)
    {
      strategies[s].acc = g_new0 (double, (gsize) opt_seeds * schedule->len);
      strategies[s].used = g_new0 (LightlySamplingMethod, (gsize) opt_seeds * schedule->len);
      for (guint seed = 0; seed < (guint) opt_seeds; seed++)
        if (!run_one (d, pool_norm, &strategies[s], seed, (const guint *) schedule->data, schedule->len,
                      &step, total_steps, started, error))
          {
            if (progress_on_tty)
              fprintf (stderr, "\n");
            return FALSE;
          }
    }
  if (progress_on_tty)
    fprintf (stderr, "\r\033[K");
  return TRUE;
}

/* PREFIX.csv: one row per strategy, seed and round. */
static gboolean
write_csv (const char *prefix, const Data *d, const Strategy *strategies, guint n_strategies,
           const GArray *schedule, GError **error)
{
  g_autoptr(GString) csv = g_string_new ("strategy,seed,round,labels,method,accuracy\n");
  g_autofree char *path = g_strconcat (prefix, ".csv", NULL);

  /* The accuracy with a decimal point in every locale: "%.4f" wrote
   * 0,8123 under LC_NUMERIC=de_DE, a seventh column. */
  for (guint s = 0; s < n_strategies; s++)
    for (guint seed = 0; seed < (guint) opt_seeds; seed++)
      for (guint r = 0; r < schedule->len; r++)
        {
          char acc[G_ASCII_DTOSTR_BUF_SIZE];

          g_ascii_formatd (acc, sizeof acc, "%.4f", strategies[s].acc[seed * schedule->len + r]);
          g_string_append_printf (csv, "%s,%u,%u,%u,%s,%s\n", strategies[s].name, seed, r + 1,
                                  MIN (g_array_index (schedule, guint, r), (guint) d->n_pool),
                                  lightly_sampling_method_to_string (strategies[s].used[seed * schedule->len + r]),
                                  acc);
        }
  return g_file_set_contents (path, csv->str, (gssize) csv->len, error);
}

/* PREFIX.png and PREFIX.svg. */
static gboolean
write_charts (const char *prefix, const Strategy *strategies, guint n_strategies, guint random_index,
              const GArray *schedule, const char *title, GError **error)
{
  g_autofree LightlyAlPlotSeries *series = g_new0 (LightlyAlPlotSeries, MAX (n_strategies, 1));
  LightlyAlPlot plot;

  for (guint s = 0; s < n_strategies; s++)
    {
      series[s].name = strategies[s].name;
      series[s].emphasised = strategies[s].method == LIGHTLY_SAMPLING_METHOD_AUTO;
      series[s].acc = strategies[s].acc;
    }
  plot.series = series;
  plot.n_series = n_strategies;
  plot.random_index = random_index;
  plot.schedule = (const guint *) schedule->data;
  plot.n_rounds = schedule->len;
  plot.n_seeds = (guint) opt_seeds;
  return lightly_al_write_plots (prefix, &plot, title, error);
}

/* The summary on stdout: one line per budget, then what AUTO ran. */
static void
print_summary (const char *title, const Strategy *strategies, guint n_strategies, guint random_index,
               const GArray *schedule)
{
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
        lightly_al_mean_sd (strategies[random_index].acc, (guint) opt_seeds, schedule->len, r, &rm, &rsd);
      g_print ("%7u", g_array_index (schedule, guint, r));
      for (guint s = 0; s < n_strategies; s++)
        {
          double m, sd;

          lightly_al_mean_sd (strategies[s].acc, (guint) opt_seeds, schedule->len, r, &m, &sd);
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
}

/* 2 when --out's CSV would be the input CSV. */
static int
check_out_is_not_input (const char *input)
{
  g_autofree char *out_csv = g_strconcat (opt_out != NULL ? opt_out : "simulate", ".csv", NULL);
  g_autofree char *a = g_canonicalize_filename (out_csv, NULL);
  g_autofree char *b = g_canonicalize_filename (input, NULL);

  if (g_strcmp0 (a, b) == 0)
    {
      g_printerr ("lightly-al: --out would overwrite the input %s; choose another prefix\n", input);
      return 2;
    }
  return 0;
}

static int
simulate (const char *input, Strategy *strategies, guint n_strategies, guint random_index,
          const GArray *schedule)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv_path = NULL;
  g_autofree char *title = NULL;
  Data d = { 0 };
  double started = g_get_monotonic_time ();
  const char *prefix = opt_out != NULL ? opt_out : "simulate";
  int code = 0;

  if (input != NULL && (code = check_out_is_not_input (input)) != 0)
    return code;
  if (input == NULL ? !load_fashion_mnist (&d, &error) : !load_csv (input, &d, &error))
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
  if (!run_all (&d, strategies, n_strategies, schedule, started, &error))
    {
      code = lightly_al_fail (g_steal_pointer (&error));
      goto out;
    }

  title = opt_title != NULL ? g_strdup (opt_title)
          : g_strdup_printf ("%s: pool %" G_GSIZE_FORMAT ", test %" G_GSIZE_FORMAT,
                             input == NULL ? "Fashion-MNIST" : (csv_path = g_path_get_basename (input)),
                             d.n_pool, d.n_test);
  if (!write_csv (prefix, &d, strategies, n_strategies, schedule, &error) ||
      !write_charts (prefix, strategies, n_strategies, random_index, schedule, title, &error))
    {
      code = lightly_al_fail (g_steal_pointer (&error));
      goto out;
    }
  print_summary (title, strategies, n_strategies, random_index, schedule);
  g_print ("Wrote %s.csv, %s.png, %s.svg in %.0f s\n", prefix, prefix, prefix,
           (g_get_monotonic_time () - started) / 1e6);

out:
  data_clear (&d);
  return code;
}

int
lightly_al_cmd_simulate (int    argc,
                         char **argv)
{
  g_autoptr(GArray) schedule = g_array_new (FALSE, FALSE, sizeof (guint));
  g_auto(GStrv) names = NULL;
  g_autofree Strategy *strategies = NULL;
  guint n_strategies, random_index = G_MAXUINT;
  int code;

  code = parse_options (&argc, &argv, schedule);
  if (code != 0)
    return code;
  names = g_strsplit (opt_strategies != NULL ? opt_strategies : DEFAULT_STRATEGIES, ",", -1);
  n_strategies = g_strv_length (names);
  strategies = g_new0 (Strategy, MAX (n_strategies, 1));
  if (!parse_strategies (names, strategies, &random_index))
    code = 2;
  else
    code = simulate (opt_fashion_mnist ? NULL : argv[1], strategies, n_strategies, random_index, schedule);

  for (guint s = 0; s < n_strategies; s++)
    {
      g_free (strategies[s].name);
      g_free (strategies[s].acc);
      g_free (strategies[s].used);
    }
  return code;
}
