/* test-selection-badge.c: BADGE and class balance in the engine
 *
 * BADGE's distances are checked against gradient embeddings materialised
 * here (the engine never forms them), its picks for determinism over
 * threads and SIMD paths, its use of P as centres, its tie rule and its
 * errors; class balance on a long-tailed pool where the unbalanced batch is
 * one class.
 */
#include <lightly/lightly.h>
#include "selection/lightly-selection-private.h"

#include <math.h>
#include <string.h>

typedef struct {
  gsize n, dim, nc;
  float *x;
  double *prob;
  double *scores;
  guint *label;
  GArray *cand;
  GArray *pre;
} Data;

static void
data_free (Data *d)
{
  g_free (d->x);
  g_free (d->prob);
  g_free (d->scores);
  g_free (d->label);
  g_array_unref (d->cand);
  g_array_unref (d->pre);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Data, data_free)

/* n unit rows in nc classes (class i mod nc, or class 0 for the first
 * @n_major rows), each row's softmax of a noisy score vector leaning to its
 * class (by more than the noise, so the predicted class is the label); every @pre_every-th row preselected (0: none). */
static Data *
make_data (guint32 seed, gsize n, gsize dim, gsize nc, gsize n_major, guint pre_every)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (seed);
  Data *d = g_new0 (Data, 1);

  d->n = n;
  d->dim = dim;
  d->nc = nc;
  d->x = g_new (float, n * dim);
  d->prob = g_new (double, n * nc);
  d->scores = g_new (double, n);
  d->label = g_new (guint, n);
  d->cand = g_array_new (FALSE, FALSE, sizeof (guint32));
  d->pre = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (gsize i = 0; i < n; i++)
    {
      guint y = i < n_major ? 0 : (guint) (i % nc);
      double s = 0, z = 0;
      guint32 row = (guint32) i;

      d->label[i] = y;
      for (gsize j = 0; j < dim; j++)
        {
          d->x[i * dim + j] = (float) (g_rand_double_range (rng, -0.5, 0.5) + (j % nc == y ? 1.0 : 0.0));
          s += (double) d->x[i * dim + j] * d->x[i * dim + j];
        }
      for (gsize j = 0; j < dim; j++)
        d->x[i * dim + j] = (float) (d->x[i * dim + j] / sqrt (s));
      for (gsize c = 0; c < nc; c++)
        {
          d->prob[i * nc + c] = exp (g_rand_double_range (rng, 0, 2) + (c == y ? 2.5 : 0.0));
          z += d->prob[i * nc + c];
        }
      for (gsize c = 0; c < nc; c++)
        d->prob[i * nc + c] /= z;
      /* The majority class is the most uncertain, as on long-tailed data. */
      d->scores[i] = (y == 0 ? 0.5 : 0.0) + g_rand_double (rng) * 0.5;
      if (pre_every > 0 && i % pre_every == 0)
        g_array_append_val (d->pre, row);
      else
        g_array_append_val (d->cand, row);
    }
  return d;
}

static LightlySelectionParams
params_for (const Data *d, LightlySelectionMethod method, gsize k)
{
  LightlySelectionParams p = { 0 };

  p.method = method;
  p.matrix = d->x;
  p.n_rows = d->n;
  p.dim = d->dim;
  p.candidates = (const guint32 *) (gpointer) d->cand->data;
  p.n_candidates = d->cand->len;
  p.preselected = (const guint32 *) (gpointer) d->pre->data;
  p.n_preselected = d->pre->len;
  p.scores = d->scores;
  p.probabilities = d->prob;
  p.n_classes = d->nc;
  p.k = k;
  p.seed = 7;
  p.min_distance = -1;
  return p;
}

/* The gradient embedding (p − onehot(argmax p)) ⊗ x of a row, materialised. */
static double *
gradient (const Data *d, gsize row)
{
  double *g = g_new (double, d->nc * d->dim);
  const double *pr = d->prob + row * d->nc;
  gsize y = 0;

  for (gsize c = 1; c < d->nc; c++)
    if (pr[c] > pr[y])
      y = c;
  for (gsize c = 0; c < d->nc; c++)
    for (gsize j = 0; j < d->dim; j++)
      g[c * d->dim + j] = (pr[c] - (c == y)) * d->x[row * d->dim + j];
  return g;
}

static double
gdist (const Data *d, gsize a, gsize b)
{
  g_autofree double *ga = gradient (d, a);
  g_autofree double *gb = gradient (d, b);
  double s = 0;

  for (gsize i = 0; i < d->nc * d->dim; i++)
    s += (ga[i] - gb[i]) * (ga[i] - gb[i]);
  return sqrt (s);
}

/* Each pick's utility is its gradient distance to P ∪ earlier picks (the
 * first without P: its gradient norm, the largest of all). */
static void
test_badge_factorised (void)
{
  for (guint pre_every = 0; pre_every <= 7; pre_every += 7)
    {
      g_autoptr(Data) d = make_data (1, 300, 12, 4, 0, pre_every);
      g_autoptr(GArray) why = g_array_new (FALSE, FALSE, sizeof (LightlySelectionPick));
      g_autoptr(GArray) picks = NULL;
      g_autoptr(GError) error = NULL;
      LightlySelectionParams p = params_for (d, LIGHTLY_SELECTION_METHOD_BADGE, 25);

      p.why = why;
      picks = lightly_selection_run (&p, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (picks->len, ==, 25);
      g_assert_cmpuint (why->len, ==, 25);
      for (guint t = 0; t < picks->len; t++)
        {
          guint32 row = g_array_index (picks, guint32, t);
          double best = INFINITY;

          for (guint i = 0; i < d->pre->len; i++)
            best = MIN (best, gdist (d, row, g_array_index (d->pre, guint32, i)));
          for (guint i = 0; i < t; i++)
            best = MIN (best, gdist (d, row, g_array_index (picks, guint32, i)));
          if (t == 0 && pre_every == 0)
            {
              g_autofree double *g = gradient (d, row);
              double norm = 0;

              for (gsize i = 0; i < d->nc * d->dim; i++)
                norm += g[i] * g[i];
              best = sqrt (norm);
              /* The largest gradient norm of all candidates. */
              for (guint i = 0; i < d->cand->len; i++)
                {
                  g_autofree double *h = gradient (d, g_array_index (d->cand, guint32, i));
                  double n2 = 0;

                  for (gsize j = 0; j < d->nc * d->dim; j++)
                    n2 += h[j] * h[j];
                  g_assert_cmpfloat (sqrt (n2), <=, best + 1e-9);
                }
            }
          g_assert_cmpfloat (fabs (g_array_index (why, LightlySelectionPick, t).utility - best), <, 1e-9);
          g_assert_cmpint (g_array_index (why, LightlySelectionPick, t).cluster, ==, -1);
          g_assert_cmpuint (g_array_index (why, LightlySelectionPick, t).row, ==, row);
        }
    }
}

/* The same picks for 1, 2 and 5 threads and every SIMD path; another seed
 * gives other picks. */
static void
test_badge_deterministic (void)
{
  g_autoptr(Data) d = make_data (2, 3000, 37, 5, 0, 10);
  g_autoptr(GArray) ref = NULL;
  g_autoptr(GArray) other = NULL;
  LightlySelectionParams p = params_for (d, LIGHTLY_SELECTION_METHOD_BADGE, 60);
  guint threads[] = { 1, 2, 5 };

  p.n_threads = 1;
  ref = lightly_selection_run (&p, NULL);
  g_assert_nonnull (ref);
  for (gint simd = LIGHTLY_SELECTION_SIMD_PORTABLE; simd <= LIGHTLY_SELECTION_SIMD_AVX512; simd++)
    {
      if (!lightly_selection_simd_supported ((LightlySelectionSimd) simd))
        continue;
      lightly_selection_set_simd (simd);
      for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
        {
          g_autoptr(GArray) picks = NULL;

          p.n_threads = threads[i];
          picks = lightly_selection_run (&p, NULL);
          g_assert_nonnull (picks);
          g_assert_cmpuint (picks->len, ==, ref->len);
          g_assert_cmpmem (picks->data, picks->len * 4, ref->data, ref->len * 4);
        }
    }
  lightly_selection_set_simd (-1);
  p.seed = 8;
  other = lightly_selection_run (&p, NULL);
  g_assert_nonnull (other);
  g_assert_false (memcmp (other->data, ref->data, ref->len * 4) == 0);
}

/* P are centres: candidates that copy a row of P (embedding and
 * probabilities) weigh 0, so the one distinct candidate comes first; then
 * the copies follow in row order with utility 0. Without P, identical
 * largest norms tie to the smallest row. */
static void
test_badge_preselected_and_ties (void)
{
  g_autoptr(Data) d = make_data (3, 20, 6, 3, 0, 0);
  g_autoptr(GArray) why = g_array_new (FALSE, FALSE, sizeof (LightlySelectionPick));
  g_autoptr(GArray) picks = NULL;
  LightlySelectionParams p;

  for (gsize i = 10; i < 20; i++)
    {
      memcpy (d->x + i * 6, d->x + (i - 10) * 6, 6 * sizeof (float));
      memcpy (d->prob + i * 3, d->prob + (i - 10) * 3, 3 * sizeof (double));
    }
  g_array_set_size (d->cand, 0);
  g_array_set_size (d->pre, 0);
  for (guint32 i = 0; i < 20; i++)
    if (i < 10)
      g_array_append_val (d->pre, i);
    else
      g_array_append_val (d->cand, i);
  /* Row 13 becomes distinct. */
  d->prob[13 * 3 + 0] = 0.2;
  d->prob[13 * 3 + 1] = 0.3;
  d->prob[13 * 3 + 2] = 0.5;
  p = params_for (d, LIGHTLY_SELECTION_METHOD_BADGE, 4);
  p.why = why;
  picks = lightly_selection_run (&p, NULL);
  g_assert_nonnull (picks);
  g_assert_cmpuint (g_array_index (picks, guint32, 0), ==, 13);
  g_assert_cmpfloat (g_array_index (why, LightlySelectionPick, 0).utility, >, 0.01);
  g_assert_cmpuint (g_array_index (picks, guint32, 1), ==, 10);
  g_assert_cmpuint (g_array_index (picks, guint32, 2), ==, 11);
  g_assert_cmpfloat (g_array_index (why, LightlySelectionPick, 1).utility, ==, 0.0);

  /* Without P: rows 3 and 13 (both copies of row 3 now) have the largest norm. */
  memcpy (d->prob + 13 * 3, d->prob + 3 * 3, 3 * sizeof (double));
  for (gsize c = 0; c < 3; c++)
    d->prob[3 * 3 + c] = d->prob[13 * 3 + c] = c == 0 ? 0.34 : 0.33;
  g_array_set_size (d->cand, 0);
  g_array_set_size (d->pre, 0);
  for (guint32 i = 0; i < 20; i++)
    g_array_append_val (d->cand, i);
  g_clear_pointer (&picks, g_array_unref);
  p = params_for (d, LIGHTLY_SELECTION_METHOD_BADGE, 1);
  picks = lightly_selection_run (&p, NULL);
  g_assert_nonnull (picks);
  g_assert_cmpuint (g_array_index (picks, guint32, 0), ==, 3);
}

static void
expect_error (LightlySelectionParams *p, gint code, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) picks = lightly_selection_run (p, &error);

  g_assert_null (picks);
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s” lacks “%s”", error->message, fragment);
}

static void
test_badge_errors (void)
{
  g_autoptr(Data) d = make_data (4, 50, 8, 3, 0, 5);
  LightlySelectionParams p = params_for (d, LIGHTLY_SELECTION_METHOD_BADGE, 5);
  double saved;

  p.probabilities = NULL;
  expect_error (&p, LIGHTLY_SELECTION_ERROR_SCORES_REQUIRED, "class probabilities");
  p = params_for (d, LIGHTLY_SELECTION_METHOD_RANDOM, 5);
  p.balance = TRUE;
  p.probabilities = NULL;
  expect_error (&p, LIGHTLY_SELECTION_ERROR_SCORES_REQUIRED, "Class balance");
  p = params_for (d, LIGHTLY_SELECTION_METHOD_BADGE, 5);
  p.n_classes = 1;
  expect_error (&p, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "at least 2 classes");
  p.n_classes = 3;
  saved = d->prob[7 * 3 + 1];
  d->prob[7 * 3 + 1] = NAN;
  expect_error (&p, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "row 7");
  d->prob[7 * 3 + 1] = saved / 2;
  expect_error (&p, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "sum to");
  d->prob[7 * 3 + 1] = saved;
  /* A preselected row (0) is read by BADGE too. */
  d->prob[0] = -0.5;
  expect_error (&p, LIGHTLY_SELECTION_ERROR_INVALID_INPUT, "row 0");
}

/* The last progress report. */
static void
record_progress (guint64 done, guint64 total, gpointer data)
{
  guint64 *last = data;

  g_assert_cmpuint (done, <=, total);
  last[0] = done;
  last[1] = total;
}

static guint
count_class (const Data *d, GArray *picks, guint y)
{
  guint n = 0;

  for (guint i = 0; i < picks->len; i++)
    n += d->label[g_array_index (picks, guint32, i)] == y;
  return n;
}

/* Long tail: 925 of 1000 rows are class 0 and the most uncertain. Without
 * balance the batch of 20 is (nearly) all class 0; with it, 5 per class. */
static void
test_balance_long_tail (void)
{
  g_autoptr(Data) d = make_data (5, 1000, 16, 4, 900, 0);
  LightlySelectionMethod methods[] = {
    LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING, LIGHTLY_SELECTION_METHOD_RANDOM,
    LIGHTLY_SELECTION_METHOD_BADGE, LIGHTLY_SELECTION_METHOD_CORESET,
  };

  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      g_autoptr(GArray) plain = NULL;
      g_autoptr(GArray) balanced = NULL;
      g_autoptr(GArray) again = NULL;
      g_autoptr(GArray) why = g_array_new (FALSE, FALSE, sizeof (LightlySelectionPick));
      LightlySelectionParams p = params_for (d, methods[m], 20);
      guint64 last[2] = { 0, 0 };

      plain = lightly_selection_run (&p, NULL);
      g_assert_nonnull (plain);
      if (methods[m] == LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING || methods[m] == LIGHTLY_SELECTION_METHOD_RANDOM)
        g_assert_cmpuint (count_class (d, plain, 0), >=, 15);
      p.balance = TRUE;
      p.why = why;
      /* The ranking's progress is reported on the batch's scale. */
      p.progress = record_progress;
      p.progress_data = last;
      balanced = lightly_selection_run (&p, NULL);
      g_assert_cmpuint (last[0], ==, 20);
      g_assert_cmpuint (last[1], ==, 20);
      g_assert_nonnull (balanced);
      g_assert_cmpuint (balanced->len, ==, 20);
      g_assert_cmpuint (why->len, ==, 20);
      for (guint y = 0; y < 4; y++)
        g_test_message ("method %u class %u: %u of 20, %u unbalanced", m, y, count_class (d, balanced, y),
                        count_class (d, plain, y));
      /* RANDOM and ACTIVE_LEARNING rank every candidate, so the quotas
       * are met exactly; the greedy methods rank 4·20, which holds fewer
       * than 5 of some minority classes here: the leftover goes to others. */
      for (guint y = 0; y < 4; y++)
        if (m < 2)
          g_assert_cmpuint (count_class (d, balanced, y), ==, 5);
        else
          g_assert_cmpuint (count_class (d, balanced, y), >=, 3);
      g_assert_cmpuint (count_class (d, balanced, 0), <=, 7);
      for (guint i = 0; i < 20; i++)
        g_assert_cmpuint (g_array_index (why, LightlySelectionPick, i).row, ==,
                          g_array_index (balanced, guint32, i));
      p.n_threads = 3;
      p.why = NULL;
      again = lightly_selection_run (&p, NULL);
      g_assert_cmpmem (again->data, again->len * 4, balanced->data, balanced->len * 4);
    }
}

/* A class with fewer members than its share: its leftover goes to the
 * others, lowest class first, and the batch is still full. */
static void
test_balance_leftover (void)
{
  g_autoptr(Data) d = make_data (6, 400, 8, 3, 0, 0);
  g_autoptr(GArray) picks = NULL;
  LightlySelectionParams p;
  guint n_two = 0;

  /* Only rows 2 and 5 stay class 2 (by prediction and label). */
  for (gsize i = 0; i < d->n; i++)
    if (d->label[i] == 2 && i != 2 && i != 5)
      {
        double t = d->prob[i * 3 + 2];

        d->prob[i * 3 + 2] = d->prob[i * 3 + 1];
        d->prob[i * 3 + 1] = t;
        d->label[i] = 1;
      }
  for (gsize i = 0; i < d->n; i++)
    n_two += lightly_selection_predicted_class (&(LightlySelectionParams) { .probabilities = d->prob,
                                                                            .n_classes = 3 },
                                                (guint32) i) == 2;
  g_assert_cmpuint (n_two, ==, 2);
  p = params_for (d, LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING, 31);
  p.balance = TRUE;
  picks = lightly_selection_run (&p, NULL);
  g_assert_nonnull (picks);
  g_assert_cmpuint (picks->len, ==, 31);
  g_assert_cmpuint (count_class (d, picks, 2), ==, 2);
  g_assert_cmpuint (count_class (d, picks, 0), ==, 15);
  g_assert_cmpuint (count_class (d, picks, 1), ==, 14);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/selection/badge/factorised", test_badge_factorised);
  g_test_add_func ("/selection/badge/deterministic", test_badge_deterministic);
  g_test_add_func ("/selection/badge/preselected-and-ties", test_badge_preselected_and_ties);
  g_test_add_func ("/selection/badge/errors", test_badge_errors);
  g_test_add_func ("/selection/balance/long-tail", test_balance_long_tail);
  g_test_add_func ("/selection/balance/leftover", test_balance_leftover);
  return g_test_run ();
}
