/* test-selection-why.c: "why picked", the engine's per-pick provenance
 *
 * Every method fills LightlySelectionParams.why with one entry per pick, in
 * pick order, whose utility is the value the method maximised: checked
 * here against what the method's rule implies (greedy values never rise,
 * TYPICLUST's cold start puts one pick in each cluster, PROBCOVER's gains
 * sum to the covered candidates), for 1 and 3 threads bit for bit.
 */
#include <lightly/lightly.h>
#include "selection/lightly-selection-private.h"

#include <math.h>
#include <string.h>

typedef struct {
  gsize n, dim;
  float *x;
  double *scores;
  guint32 *cand;
  gsize n_cand;
  guint32 *pre;
  gsize n_pre;
} Data;

static void
data_free (Data *d)
{
  g_free (d->x);
  g_free (d->scores);
  g_free (d->cand);
  g_free (d->pre);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Data, data_free)

/* n unit rows around @n_centres centres; every @pre_every-th row
 * preselected (0: none). */
static Data *
make_data (guint32 seed, gsize n, gsize dim, guint n_centres, guint pre_every)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (seed);
  g_autofree float *centres = g_new (float, n_centres * dim);
  Data *d = g_new0 (Data, 1);

  d->n = n;
  d->dim = dim;
  d->x = g_new (float, n * dim);
  d->scores = g_new (double, n);
  d->cand = g_new (guint32, n);
  d->pre = g_new (guint32, n);
  for (gsize i = 0; i < n_centres * dim; i++)
    centres[i] = (float) g_rand_double_range (rng, -1, 1);
  for (gsize i = 0; i < n; i++)
    {
      guint c = (guint) g_rand_int_range (rng, 0, (gint32) n_centres);
      double s = 0;

      for (gsize j = 0; j < dim; j++)
        {
          d->x[i * dim + j] = centres[c * dim + j] + (float) g_rand_double_range (rng, -0.3, 0.3);
          s += (double) d->x[i * dim + j] * d->x[i * dim + j];
        }
      for (gsize j = 0; j < dim; j++)
        d->x[i * dim + j] = (float) (d->x[i * dim + j] / sqrt (s));
      d->scores[i] = g_rand_double (rng);
      if (pre_every > 0 && i % pre_every == 0)
        d->pre[d->n_pre++] = (guint32) i;
      else
        d->cand[d->n_cand++] = (guint32) i;
    }
  return d;
}

/* Runs @method with why-picked on 1 and 3 threads; both runs must agree
 * bit for bit, and the why array must match the picks. Returns it. */
static GArray *
run_why (const Data *d, LightlySelectionMethod method, gsize k, double beta)
{
  GArray *why[2];
  g_autoptr(GArray) picks = NULL;

  for (guint r = 0; r < 2; r++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) got = NULL;
      LightlySelectionParams p = { 0 };

      p.method = method;
      p.matrix = d->x;
      p.n_rows = d->n;
      p.dim = d->dim;
      p.candidates = d->cand;
      p.n_candidates = d->n_cand;
      p.preselected = d->pre;
      p.n_preselected = d->n_pre;
      p.scores = d->scores;
      p.k = k;
      p.min_distance = -1;
      p.beta = beta;
      p.seed = 7;
      p.n_threads = r == 0 ? 1 : 3;
      why[r] = g_array_new (FALSE, FALSE, sizeof (LightlySelectionPick));
      /* A stale entry must not survive: the run empties the array. */
      g_array_set_size (why[r], 3);
      p.why = why[r];
      got = lightly_selection_run (&p, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (why[r]->len, ==, got->len);
      for (guint i = 0; i < got->len; i++)
        {
          const LightlySelectionPick *w = &g_array_index (why[r], LightlySelectionPick, i);

          g_assert_cmpuint (w->row, ==, g_array_index (got, guint32, i));
          g_assert_true (isfinite (w->utility));
        }
      if (r == 0)
        picks = g_steal_pointer (&got);
    }
  g_assert_cmpuint (why[0]->len, ==, why[1]->len);
  g_assert_true (memcmp (why[0]->data, why[1]->data, why[0]->len * sizeof (LightlySelectionPick)) == 0);
  g_array_unref (why[1]);
  return why[0];
}

static const LightlySelectionPick *
at (GArray *why, guint i)
{
  return &g_array_index (why, LightlySelectionPick, i);
}

static void
test_why_greedy (void)
{
  g_autoptr(Data) d = make_data (1, 600, 16, 6, 40);
  g_autoptr(GArray) cs = run_why (d, LIGHTLY_SELECTION_METHOD_CORESET, 40, 0);
  g_autoptr(GArray) al = run_why (d, LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING, 40, 0);
  g_autoptr(GArray) co = run_why (d, LIGHTLY_SELECTION_METHOD_CORAL, 40, 1.0);
  g_autoptr(GArray) rnd = run_why (d, LIGHTLY_SELECTION_METHOD_RANDOM, 40, 0);

  g_assert_cmpuint (cs->len, ==, 40);
  /* k-center: the distance to the selected set never rises; it is > 0 on
   * this data and the cluster is unset. */
  for (guint i = 0; i < cs->len; i++)
    {
      g_assert_cmpfloat (at (cs, i)->utility, >, 0);
      g_assert_cmpint (at (cs, i)->cluster, ==, -1);
      if (i > 0)
        g_assert_cmpfloat (at (cs, i)->utility, <=, at (cs, i - 1)->utility + 1e-9);
    }
  /* ACTIVE_LEARNING: the pick's own score, highest first. */
  for (guint i = 0; i < al->len; i++)
    {
      g_assert_cmpfloat (at (al, i)->utility, ==, d->scores[at (al, i)->row]);
      if (i > 0)
        g_assert_cmpfloat (at (al, i)->utility, <=, at (al, i - 1)->utility + 1e-9);
    }
  /* CORAL: d̂·s^β is in [0, 1] and at most the pick's score. */
  for (guint i = 0; i < co->len; i++)
    {
      g_assert_cmpfloat (at (co, i)->utility, >=, 0);
      g_assert_cmpfloat (at (co, i)->utility, <=, d->scores[at (co, i)->row] + 1e-9);
    }
  for (guint i = 0; i < rnd->len; i++)
    g_assert_cmpfloat (at (rnd, i)->utility, ==, 0);
}

static void
test_why_cold_start (void)
{
  g_autoptr(Data) d = make_data (2, 800, 8, 10, 0);
  g_autoptr(GArray) ty = run_why (d, LIGHTLY_SELECTION_METHOD_TYPICLUST, 10, 0);
  g_autoptr(GArray) pc = run_why (d, LIGHTLY_SELECTION_METHOD_PROBCOVER, 10, 0);
  g_autoptr(GArray) cs = run_why (d, LIGHTLY_SELECTION_METHOD_CORESET, 3, 0);
  gboolean seen[10] = { FALSE };
  guint64 covered = 0;

  /* TYPICLUST with nothing labeled: k clusters for k picks, one pick in
   * each, so the picks cover the pool's modes. */
  g_assert_cmpuint (ty->len, ==, 10);
  for (guint i = 0; i < ty->len; i++)
    {
      gint32 c = at (ty, i)->cluster;

      g_assert_cmpint (c, >=, 0);
      g_assert_cmpint (c, <, 10);
      g_assert_false (seen[c]);
      seen[c] = TRUE;
      g_assert_cmpfloat (at (ty, i)->utility, >, 0);
    }
  /* PROBCOVER: ball i is the i-th pick's, its gain never rises and the
   * gains count distinct candidates. */
  for (guint i = 0; i < pc->len; i++)
    {
      g_assert_cmpint (at (pc, i)->cluster, ==, (gint32) i);
      g_assert_cmpfloat (at (pc, i)->utility, >=, 1);
      g_assert_cmpfloat (at (pc, i)->utility, ==, floor (at (pc, i)->utility));
      if (i > 0)
        g_assert_cmpfloat (at (pc, i)->utility, <=, at (pc, i - 1)->utility);
      covered += (guint64) at (pc, i)->utility;
    }
  g_assert_cmpuint (covered, <=, d->n_cand);
  /* CORESET without P: the first pick's distance to the mean, then
   * distances to the picks. */
  g_assert_cmpuint (cs->len, ==, 3);
  g_assert_cmpfloat (at (cs, 0)->utility, >, 0);
  g_assert_cmpfloat (at (cs, 1)->utility, >, 0);
}

/* Bad input leaves the array empty, and NULL costs nothing. */
static void
test_why_errors (void)
{
  g_autoptr(Data) d = make_data (3, 50, 4, 2, 0);
  g_autoptr(GArray) why = g_array_new (FALSE, FALSE, sizeof (LightlySelectionPick));
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) got = NULL;
  LightlySelectionParams p = { 0 };

  g_array_set_size (why, 2);
  p.method = LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING;
  p.n_rows = d->n;
  p.candidates = d->cand;
  p.n_candidates = d->n_cand;
  p.k = 5;
  p.why = why;
  got = lightly_selection_run (&p, &error);
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_SCORES_REQUIRED);
  g_assert_null (got);
  g_assert_cmpuint (why->len, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/selection-why/greedy", test_why_greedy);
  g_test_add_func ("/selection-why/cold-start", test_why_cold_start);
  g_test_add_func ("/selection-why/errors", test_why_errors);
  return g_test_run ();
}
