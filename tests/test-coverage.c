/* test-coverage.c: carried coverage between rounds (issue 13, item 4)
 *
 * A CORESET/CORAL run started from the minima a previous round ended with
 * (LightlySelectionCarry) must pick exactly what a run from scratch picks,
 * and end with the same minima bit for bit: over several rounds, for
 * CORESET and CORAL, thread counts 1 and 2, every pruning mode, the fast
 * path on and off, several blocks, with and without minDistance, and from
 * a coverage one or more rounds old (more rows uncovered). The store's
 * coverage file must be used only when it applies: not when its covered
 * set is not a subset of P, when a candidate is unknown, when the matrix
 * changed or is another embedding's, or when the file is truncated or
 * damaged (then with a warning); never a crash, never other picks. End to
 * end, rounds through the local backend pick the same with the file as
 * with LIGHTLY_CARRIED_COVERAGE=0, and the carried round computes fewer
 * distances.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <lightly/lightly.h>

#include "test-utils.h"
#include "selection/lightly-selection.h"
#include "store/lightly-store.h"

#define N_ROWS 1200
#define DIM 19

static float *
make_matrix (guint32 seed, gsize n, gsize dim)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (seed);
  float *x = g_new (float, n * dim);
  float centres[24 * DIM];
  gsize i, j;

  g_assert_cmpuint (dim, <=, DIM);
  for (i = 0; i < 24 * dim; i++)
    centres[i] = (float) g_rand_double_range (rng, -1, 1);
  for (i = 0; i < n; i++)
    {
      float *r = x + i * dim;
      double norm = 0;

      if (i % 17 == 5 && i > 0)
        {
          /* Exact duplicates: ties. */
          memcpy (r, x + (i - 1) * dim, dim * sizeof (float));
          continue;
        }
      for (j = 0; j < dim; j++)
        {
          r[j] = centres[(i % 24) * dim + j] + (float) g_rand_double_range (rng, -0.15, 0.15);
          norm += (double) r[j] * r[j];
        }
      for (j = 0; j < dim; j++)
        r[j] = (float) (r[j] / sqrt (norm));
    }
  return x;
}

typedef struct {
  LightlySelectionMethod method;
  double beta;
  guint threads;
  gint pruning;
  gint fast;
  gsize block_rows;
  double min_distance;
} Config;

typedef struct {
  const float *x;
  const double *scores;
  gsize n, dim;
} Data;

static GArray *
run (const Data *d, const Config *c, const guint32 *cand, gsize nc, const guint32 *pre, gsize np,
     gsize k, LightlySelectionCarry *carry)
{
  g_autoptr(GError) error = NULL;
  LightlySelectionParams p = { 0 };
  GArray *picks;

  p.method = c->method;
  p.matrix = d->x;
  p.n_rows = d->n;
  p.dim = d->dim;
  p.candidates = cand;
  p.n_candidates = nc;
  p.preselected = pre;
  p.n_preselected = np;
  p.scores = d->scores;
  p.k = k;
  p.beta = c->beta;
  p.min_distance = c->min_distance;
  p.n_threads = c->threads;
  p.carry = carry;
  lightly_selection_set_pruning (c->pruning);
  lightly_selection_set_fast_path (c->fast);
  lightly_selection_set_block_rows (c->block_rows);
  picks = lightly_selection_run (&p, &error);
  lightly_selection_set_pruning (1);
  lightly_selection_set_fast_path (1);
  lightly_selection_set_block_rows (0);
  g_assert_no_error (error);
  return picks;
}

/* A round's coverage as the store keeps it: per row of the matrix. */
typedef struct {
  GArray *covered;              /* guint32, ascending */
  double *value;                /* per row, NaN: unknown */
  guint32 *anchor;              /* per row */
} Kept;

static void
kept_free (Kept *k)
{
  g_array_unref (k->covered);
  g_free (k->value);
  g_free (k->anchor);
  g_free (k);
}

static int
cmp_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static Kept *
keep (const Data *d, const LightlySelectionCarry *carry, const guint32 *cand, gsize nc,
      const guint32 *pre, gsize np, const GArray *picks)
{
  Kept *k = g_new0 (Kept, 1);
  gsize i;

  g_assert_true (carry->valid);
  g_assert_cmpuint (carry->n_applied, <=, picks->len);
  k->covered = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_vals (k->covered, pre, (guint) np);
  g_array_append_vals (k->covered, picks->data, (guint) carry->n_applied);
  g_array_sort (k->covered, cmp_u32);
  k->value = g_new (double, d->n);
  k->anchor = g_new (guint32, d->n);
  for (i = 0; i < d->n; i++)
    {
      k->value[i] = NAN;
      k->anchor[i] = G_MAXUINT32;
    }
  for (i = 0; i < nc; i++)
    if (carry->mind2[i] >= 0)
      {
        k->value[cand[i]] = carry->mind2[i];
        k->anchor[cand[i]] = carry->anchor[i];
      }
  for (i = 0; i < k->covered->len; i++)
    {
      guint32 r = g_array_index (k->covered, guint32, i);

      k->value[r] = 0;
      k->anchor[r] = r;
    }
  return k;
}

/* The start from kept: FALSE if it does not apply (covered ⊄ P). */
static gboolean
start_from (const Kept *k, const guint32 *cand, gsize nc, const guint32 *pre, gsize np,
            LightlySelectionCarry *carry, GArray *uncovered)
{
  gsize i, c = 0;

  g_array_set_size (uncovered, 0);
  for (i = 0; i < np; i++)
    {
      if (c < k->covered->len && g_array_index (k->covered, guint32, c) == pre[i])
        c++;
      else
        {
          guint32 pos = (guint32) i;

          g_array_append_val (uncovered, pos);
        }
    }
  if (c < k->covered->len)
    return FALSE;
  for (i = 0; i < nc; i++)
    {
      g_assert_false (isnan (k->value[cand[i]]));
      carry->mind2[i] = k->value[cand[i]];
      carry->anchor[i] = k->anchor[cand[i]];
    }
  carry->start = TRUE;
  carry->uncovered = (const guint32 *) (gpointer) uncovered->data;
  carry->n_uncovered = uncovered->len;
  return TRUE;
}

static void
assert_same_picks (const GArray *a, const GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  g_assert_cmpmem (a->data, a->len * sizeof (guint32), b->data, b->len * sizeof (guint32));
}

/* Rounds of a labeling loop: each round's P is the last P and its picks. */
static void
rounds (const Data *d, const Config *c, gsize n_pre0, gsize k, guint n_rounds)
{
  g_autoptr(GArray) pre = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) cand = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) uncovered = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GPtrArray) history = g_ptr_array_new_with_free_func ((GDestroyNotify) kept_free);
  guint32 i;
  guint r, h;

  for (i = 0; i < d->n; i++)
    {
      if (i % 53 == 7 && pre->len < n_pre0)
        g_array_append_val (pre, i);
      else
        g_array_append_val (cand, i);
    }
  for (r = 0; r < n_rounds; r++)
    {
      const guint32 *cv = (const guint32 *) (gpointer) cand->data;
      const guint32 *pv = (const guint32 *) (gpointer) pre->data;
      gsize nc = cand->len, np = pre->len;
      g_autoptr(GArray) ref = run (d, c, cv, nc, pv, np, k, NULL);
      g_autofree double *m_scratch = g_new (double, nc);
      g_autofree guint32 *a_scratch = g_new (guint32, nc);
      LightlySelectionCarry scratch = { m_scratch, a_scratch };
      g_autoptr(GArray) got = run (d, c, cv, nc, pv, np, k, &scratch);
      Kept *next = NULL;

      assert_same_picks (ref, got);
      g_assert_cmpuint (scratch.n_applied, ==,
                        got->len == MIN (k, nc) && got->len > 0 ? got->len - 1 : got->len);
      if (scratch.valid)
        next = keep (d, &scratch, cv, nc, pv, np, got);
      else
        g_assert_true (np == 0 && scratch.n_applied == 0);

      /* From every earlier round's coverage: the last one leaves only
       * the last pick uncovered, older ones more. */
      for (h = 0; h < history->len; h++)
        {
          const Kept *old = g_ptr_array_index (history, h);
          g_autofree double *m = g_new (double, nc);
          g_autofree guint32 *a = g_new (guint32, nc);
          LightlySelectionCarry carried = { m, a };
          g_autoptr(GArray) picks = NULL;

          g_assert_true (start_from (old, cv, nc, pv, np, &carried, uncovered));
          picks = run (d, c, cv, nc, pv, np, k, &carried);
          assert_same_picks (ref, picks);
          g_assert_true (carried.valid);
          g_assert_cmpuint (carried.n_applied, ==, scratch.n_applied);
          /* The minima the run ends with, bit for bit (picked: −1). */
          g_assert_cmpmem (m, nc * sizeof (double), m_scratch, nc * sizeof (double));
          if (h + 1 == history->len && next != NULL)
            {
              /* Chain the carried run's own output to the next round. */
              kept_free (next);
              next = keep (d, &carried, cv, nc, pv, np, picks);
            }
        }
      if (next != NULL)
        g_ptr_array_add (history, next);

      /* P ∪ picks, C \ picks. */
      g_array_append_vals (pre, ref->data, ref->len);
      g_array_sort (pre, cmp_u32);
      {
        g_autoptr(GArray) rest = g_array_new (FALSE, FALSE, sizeof (guint32));
        g_autoptr(GArray) sorted = g_array_copy (ref);

        g_array_sort (sorted, cmp_u32);
        for (i = 0, h = 0; i < cand->len; i++)
          {
            guint32 row = g_array_index (cand, guint32, i);

            while (h < sorted->len && g_array_index (sorted, guint32, h) < row)
              h++;
            if (h < sorted->len && g_array_index (sorted, guint32, h) == row)
              continue;
            g_array_append_val (rest, row);
          }
        g_array_set_size (cand, 0);
        g_array_append_vals (cand, rest->data, rest->len);
      }
      if (ref->len == 0)
        break;
    }
}

static Data *
data_new (void)
{
  Data *d = g_new0 (Data, 1);
  double *s = g_new (double, N_ROWS);
  g_autoptr(GRand) rng = g_rand_new_with_seed (11);
  gsize i;

  for (i = 0; i < N_ROWS; i++)
    s[i] = i % 13 == 0 ? 1.0 : g_rand_double (rng);
  d->x = make_matrix (7, N_ROWS, DIM);
  d->scores = s;
  d->n = N_ROWS;
  d->dim = DIM;
  return d;
}

static void
data_free (Data *d)
{
  g_free ((gpointer) d->x);
  g_free ((gpointer) d->scores);
  g_free (d);
}

static void
test_engine_rounds (gconstpointer user_data)
{
  LightlySelectionMethod method = GPOINTER_TO_INT (user_data);
  static const double betas[] = { 0.0, 0.5, 1.0 };
  Data *d = data_new ();
  guint t, b, pr, f, bl, md, small = test_slow_mode () ? 1 : 0;

  for (b = 0; b < (method == LIGHTLY_SELECTION_METHOD_CORAL ? 3u : 1u); b++)
    for (t = 1; t <= 2; t++)
      for (pr = 0; pr <= 2; pr++)
        for (f = 0; f <= 1; f++)
          for (bl = small; bl < 2; bl++)
            for (md = 0; md < 2 - small; md++)
              {
                Config c = { method, betas[b], t, (gint) pr, (gint) f, bl ? 64 : 0,
                             md ? 0.35 : 0 };

                rounds (d, &c, 20, 15, 4);
                /* Without P: the first round starts from the mean. */
                if (md == 0 && bl == small)
                  rounds (d, &c, 0, 12, 3);
              }
  data_free (d);
}

/* The engine refuses an inconsistent start instead of picking wrong. */
static void
test_engine_bad_start (void)
{
  Data *d = data_new ();
  guint32 pre[] = { 3, 9, 40 };
  g_autofree guint32 *cand = g_new (guint32, 50);
  double m[50];
  guint32 a[50], unc_bad[] = { 2, 1 }, unc_all[] = { 0, 1, 2 };
  gsize i, nc = 0;
  LightlySelectionParams p = { 0 };
  LightlySelectionCarry carry = { m, a };

  for (i = 0; i < 52; i++)
    if (i != 3 && i != 9 && i != 40 && nc < 50)
      cand[nc++] = (guint32) i;
  for (i = 0; i < nc; i++)
    {
      m[i] = 0.5;
      a[i] = G_MAXUINT32;
    }
  p.method = LIGHTLY_SELECTION_METHOD_CORESET;
  p.matrix = d->x;
  p.n_rows = d->n;
  p.dim = d->dim;
  p.candidates = cand;
  p.n_candidates = nc;
  p.preselected = pre;
  p.n_preselected = 3;
  p.k = 5;
  p.n_threads = 1;
  p.carry = &carry;
  carry.start = TRUE;
  for (i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) picks = NULL;

      carry.uncovered = i == 0 ? unc_bad : unc_all;
      carry.n_uncovered = i == 0 ? 2 : 3;
      if (i == 2)
        {
          carry.n_uncovered = 0;
          m[7] = NAN;
        }
      picks = lightly_selection_run (&p, &error);
      g_assert_null (picks);
      g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
      g_assert_false (carry.valid);
    }
  data_free (d);
}

/* ---- The store's file ---------------------------------------------------- */

#define S_ROWS 60
#define S_DIM 8

typedef struct {
  char *dir;
  LightlyStore *store;
  char *ds;
  char *emb;
  char *emb2;
  char *path;
  float *x;
} StoreFixture;

static char *
cov_path (const char *dir, const char *id, const char *suffix)
{
  g_autofree char *base = g_strconcat (id, suffix, NULL);

  return g_build_filename (dir, "embeddings", base, NULL);
}

static void
store_setup (StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree float *x2 = NULL;
  gsize i;

  f->dir = test_make_tmp_dir ("lightly-coverage-");
  f->store = lightly_store_open (f->dir, &error);
  g_assert_no_error (error);
  f->ds = lightly_store_create_dataset (f->store, "cov", &error);
  g_assert_no_error (error);
  for (i = 0; i < S_ROWS; i++)
    g_ptr_array_add (names, g_strdup_printf ("s%02zu.png", i));
  g_ptr_array_add (names, NULL);
  g_assert_true (lightly_store_add_samples (f->store, f->ds, (const char * const *) names->pdata, -1,
                                            &error));
  g_assert_no_error (error);
  f->x = make_matrix (3, S_ROWS, S_DIM);
  x2 = make_matrix (4, S_ROWS, S_DIM);
  f->emb = lightly_store_add_embedding_matrix (f->store, f->ds, "a", (const char * const *) names->pdata,
                                               f->x, S_ROWS, S_DIM, NULL, &error);
  g_assert_no_error (error);
  f->emb2 = lightly_store_add_embedding_matrix (f->store, f->ds, "b", (const char * const *) names->pdata,
                                                x2, S_ROWS, S_DIM, NULL, &error);
  g_assert_no_error (error);
  f->path = cov_path (f->dir, f->emb, ".cov");
}

static void
store_teardown (StoreFixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->ds);
  g_free (f->emb);
  g_free (f->emb2);
  g_free (f->path);
  g_free (f->x);
}

/* The arithmetic version the files are saved and loaded with. */
static guint64 arith = 1;

/* Candidates: rows ≥ 10 but 20; covered {2, 5, 20}. */
static const guint32 covered[] = { 2, 5, 20 };

static gsize
store_cands (guint32 *cand)
{
  gsize n = 0;

  for (guint32 i = 10; i < S_ROWS; i++)
    if (i != 20)
      cand[n++] = i;
  return n;
}

static void
save_sample (StoreFixture *f, const char *emb)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStoreMatrix) m = lightly_store_map_embedding (f->store, emb, &error);
  guint32 cand[S_ROWS], anchor[S_ROWS];
  double mind2[S_ROWS];
  gsize nc = store_cands (cand);

  g_assert_no_error (error);
  for (gsize j = 0; j < nc; j++)
    {
      mind2[j] = j == 3 ? -1.0 : 0.01 * (double) j;   /* one picked, not applied */
      anchor[j] = covered[j % 3];
    }
  g_assert_true (lightly_store_save_coverage (f->store, emb, arith, m, cand, nc, mind2, anchor, covered, 3,
                                              &error));
  g_assert_no_error (error);
}

/* Loads for candidates `cand` (with row 13, candidate 3 of the save,
 * excluded unless with13) and P = pre. */
static gboolean
load (StoreFixture *f, const char *emb, const guint32 *pre, gsize np, gboolean with13,
      double *mind2, guint32 *anchor, GArray *unc_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStoreMatrix) m = lightly_store_map_embedding (f->store, emb, &error);
  guint32 cand[S_ROWS];
  g_autofree guint32 *unc = NULL;
  gsize nc = 0, nu = 0;
  gboolean ok;

  g_assert_no_error (error);
  for (guint32 i = 10; i < S_ROWS; i++)
    if (i != 20 && (with13 || i != 13))
      cand[nc++] = i;
  ok = lightly_store_load_coverage (f->store, emb, arith, m, cand, nc, pre, np, mind2, anchor, &unc,
                                    &nu);
  if (!ok)
    {
      g_assert_null (unc);
      g_assert_cmpuint (nu, ==, 0);
    }
  else if (unc_out != NULL)
    g_array_append_vals (unc_out, unc, (guint) nu);
  return ok;
}

static void
test_store_round_trip (StoreFixture *f, gconstpointer data)
{
  static const guint32 pre[] = { 1, 2, 5, 13, 20 };
  double mind2[S_ROWS];
  guint32 anchor[S_ROWS];
  g_autoptr(GArray) unc = g_array_new (FALSE, FALSE, sizeof (guint32));
  GStatBuf st;

  save_sample (f, f->emb);
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (load (f, f->emb, pre, 5, FALSE, mind2, anchor, unc));
  /* Uncovered: rows 1 and 13, positions 0 and 3 of P. */
  g_assert_cmpuint (unc->len, ==, 2);
  g_assert_cmpuint (g_array_index (unc, guint32, 0), ==, 0);
  g_assert_cmpuint (g_array_index (unc, guint32, 1), ==, 3);
  /* Candidate rows 10, 11, 12, 14, …: saved j = 0, 1, 2, 4, …. */
  g_assert_cmpfloat (mind2[0], ==, 0.0);
  g_assert_cmpfloat (mind2[1], ==, 0.01);
  g_assert_cmpfloat (mind2[3], ==, 0.04);
  g_assert_cmpuint (anchor[3], ==, covered[1]);

  /* Saved by another version of the arithmetic: not used. */
  arith = 2;
  g_assert_false (load (f, f->emb, pre, 5, FALSE, mind2, anchor, NULL));
  arith = 1;
  /* Row 13 (picked, not applied) is unknown as a candidate. */
  g_assert_false (load (f, f->emb, pre, 5, TRUE, mind2, anchor, NULL));
  /* Covered row 5 not in P: the minima include it, unusable. */
  g_assert_false (load (f, f->emb, (const guint32[]) { 1, 2, 13, 20 }, 4, FALSE, mind2, anchor, NULL));
  /* Another embedding (same shape): not its file. */
  g_assert_false (load (f, f->emb2, pre, 5, FALSE, mind2, anchor, NULL));
  {
    g_autofree char *other = cov_path (f->dir, f->emb2, ".cov");
    g_autofree char *bytes = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (f->path, &bytes, &len, NULL));
    g_assert_true (g_file_set_contents (other, bytes, (gssize) len, NULL));
    g_assert_false (load (f, f->emb2, pre, 5, FALSE, mind2, anchor, NULL));
  }
}

/* Damage of any kind: ignored with a warning, never a crash. */
static void
test_store_damaged (StoreFixture *f, gconstpointer data)
{
  static const guint32 pre[] = { 1, 2, 5, 13, 20 };
  double mind2[S_ROWS];
  guint32 anchor[S_ROWS];
  g_autofree char *good = NULL;
  gsize len, cut;
  guint i;

  save_sample (f, f->emb);
  g_assert_true (g_file_get_contents (f->path, &good, &len, NULL));
  for (i = 0; i < 6; i++)
    {
      g_autofree char *bad = g_memdup2 (good, len);
      gsize bad_len = len;

      switch (i)
        {
        case 0: cut = len - 1; bad_len = cut; break;      /* truncated by a byte */
        case 1: bad_len = 30; break;                      /* inside the header */
        case 2: bad_len = 0; break;                       /* empty */
        case 3: bad[len - 40] ^= 0x10; break;             /* a flipped bit in the body */
        case 4: bad[9] ^= 0x01; break;                    /* … in the header */
        default: memset (bad, 0xff, len); break;          /* garbage */
        }
      g_assert_true (g_file_set_contents (f->path, bad, (gssize) bad_len, NULL));
      g_test_expect_message ("Lightly", G_LOG_LEVEL_WARNING, "Ignoring the carried coverage*");
      g_assert_false (load (f, f->emb, pre, 5, FALSE, mind2, anchor, NULL));
      g_test_assert_expected_messages ();
    }
  /* Appended bytes too. */
  {
    g_autofree char *longer = g_malloc0 (len + 8);

    memcpy (longer, good, len);
    g_assert_true (g_file_set_contents (f->path, longer, (gssize) len + 8, NULL));
    g_test_expect_message ("Lightly", G_LOG_LEVEL_WARNING, "Ignoring the carried coverage*");
    g_assert_false (load (f, f->emb, pre, 5, FALSE, mind2, anchor, NULL));
    g_test_assert_expected_messages ();
  }
  g_assert_true (g_file_set_contents (f->path, good, (gssize) len, NULL));
  g_assert_true (load (f, f->emb, pre, 5, FALSE, mind2, anchor, NULL));
}

/* The matrix changed under the same id: the fingerprint no longer
 * matches. Reopening keeps the file, removes temporaries and the files of
 * embeddings that do not exist. */
static void
test_store_matrix_changed (StoreFixture *f, gconstpointer data)
{
  static const guint32 pre[] = { 1, 2, 5, 13, 20 };
  double mind2[S_ROWS];
  guint32 anchor[S_ROWS];
  g_autofree char *f32 = cov_path (f->dir, f->emb, ".f32");
  g_autofree char *tmp = cov_path (f->dir, f->emb, ".cov.Ab12Cd");
  g_autofree char *stray = cov_path (f->dir, "0123456789abcdef01234567", ".cov");
  g_autofree char *bytes = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  save_sample (f, f->emb);
  g_assert_true (g_file_set_contents (tmp, "x", 1, NULL));
  g_assert_true (g_file_set_contents (stray, "x", 1, NULL));
  g_clear_object (&f->store);
  f->store = lightly_store_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (f->path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (stray, G_FILE_TEST_EXISTS));
  g_assert_true (load (f, f->emb, pre, 5, FALSE, mind2, anchor, NULL));

  g_assert_true (g_file_get_contents (f32, &bytes, &len, NULL));
  ((float *) (gpointer) bytes)[S_DIM * 17 + 2] += 0.25f;
  g_assert_true (g_file_set_contents (f32, bytes, (gssize) len, NULL));
  g_assert_false (load (f, f->emb, pre, 5, FALSE, mind2, anchor, NULL));
}

/* Many more rows than the saver's block, saved twice: the second save takes
 * the first file's name (swapped, then the old file removed), every
 * candidate reads back its own value and anchor, and no temporary file is
 * left in the folder. */
static void
test_store_large_replaced (void)
{
  enum { N = 10000, D = 2 };
  static const guint32 cov[] = { 0, 4097, 9999 };
  g_autofree char *dir = test_make_tmp_dir ("lightly-coverage-");
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(LightlyStoreMatrix) m = NULL;
  g_autofree float *x = make_matrix (5, N, D);
  g_autofree char *ds = NULL, *emb = NULL, *folder = NULL;
  g_autofree guint32 *cand = g_new (guint32, N);
  g_autofree double *mind2 = g_new (double, N);
  g_autofree double *back = g_new (double, N);
  g_autofree guint32 *anchor = g_new (guint32, N);
  g_autofree guint32 *aback = g_new (guint32, N);
  gsize nc = 0;

  g_assert_no_error (error);
  ds = lightly_store_create_dataset (store, "large", &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < N; i++)
    g_ptr_array_add (names, g_strdup_printf ("r%05zu.png", i));
  g_ptr_array_add (names, NULL);
  g_assert_true (lightly_store_add_samples (store, ds, (const char * const *) names->pdata, -1, &error));
  emb = lightly_store_add_embedding_matrix (store, ds, "e", (const char * const *) names->pdata, x, N, D,
                                            NULL, &error);
  g_assert_no_error (error);
  m = lightly_store_map_embedding (store, emb, &error);
  g_assert_no_error (error);
  for (guint32 i = 0; i < N; i++)
    if (i != cov[0] && i != cov[1] && i != cov[2])
      cand[nc++] = i;

  for (guint round = 1; round <= 2; round++)
    {
      g_autoptr(GDir) d = NULL;
      g_autofree guint32 *unc = NULL;
      gsize nu = 0;
      const char *entry;

      for (gsize j = 0; j < nc; j++)
        {
          mind2[j] = 0.25 * (double) (j + round);
          anchor[j] = cov[(j + round) % 3];
        }
      g_assert_true (lightly_store_save_coverage (store, emb, arith, m, cand, nc, mind2, anchor, cov, 3,
                                                  &error));
      g_assert_no_error (error);
      g_assert_true (lightly_store_load_coverage (store, emb, arith, m, cand, nc, cov, 3, back, aback,
                                                  &unc, &nu));
      g_assert_cmpuint (nu, ==, 0);
      g_assert_cmpmem (back, nc * sizeof (double), mind2, nc * sizeof (double));
      g_assert_cmpmem (aback, nc * sizeof (guint32), anchor, nc * sizeof (guint32));

      folder = g_build_filename (dir, "embeddings", NULL);
      d = g_dir_open (folder, 0, &error);
      g_assert_no_error (error);
      while ((entry = g_dir_read_name (d)) != NULL)
        g_assert_null (strstr (entry, ".cov."));
      g_clear_pointer (&folder, g_free);
    }
  g_clear_pointer (&m, lightly_store_matrix_unref);
  g_clear_object (&store);
  test_rm_rf (dir);
}

/* ---- End to end through the local backend ----------------------------------- */

#define E_ROWS 800
#define E_DIM 16

typedef struct {
  char *dir;
  LightlyApiWorkflowClient *client;
  char *emb_id;
} E2E;

static void
e2e_setup (E2E *e, const float *x, char **names)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *ds = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (x, sizeof (float) * E_ROWS * E_DIM);

  e->dir = test_make_tmp_dir ("lightly-coverage-e2e-");
  uri = g_filename_to_uri (e->dir, NULL, NULL);
  e->client = lightly_api_workflow_client_new (uri, NULL, NULL, &error);
  g_assert_no_error (error);
  ds = lightly_api_workflow_client_create_dataset (e->client, "cov", NULL, &error);
  g_assert_no_error (error);
  lightly_api_workflow_client_register_samples_from_names (e->client, (const char * const *) names,
                                                           NULL, &error);
  g_assert_no_error (error);
  e->emb_id = lightly_api_workflow_client_upload_embeddings_from_bytes (e->client,
                                                                        (const char * const *) names,
                                                                        bytes, E_ROWS, E_DIM, "emb",
                                                                        NULL, &error);
  g_assert_no_error (error);
}

static void
e2e_clear (E2E *e)
{
  g_clear_object (&e->client);
  test_rm_rf (e->dir);
  g_free (e->dir);
  g_free (e->emb_id);
}

/* Round r: n-samples grows by 25; P is the last round's tag. Returns the
 * bit mask, and *tag_id for the next round. */
static char *
e2e_round (E2E *e, guint r, char **tag_id, guint64 *computed)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("round-%u", r);
  g_autoptr(LightlySamplerConfig) config = g_object_new (LIGHTLY_TYPE_SAMPLER_CONFIG,
                                                         "method", LIGHTLY_SAMPLING_METHOD_CORESET,
                                                         "n-samples", 25 * (r + 1), "name", name,
                                                         NULL);
  g_autoptr(LightlyTag) tag = lightly_api_workflow_client_sampling (e->client, config, *tag_id, NULL,
                                                                    NULL, &error);
  LightlySelectionStats stats;

  g_assert_no_error (error);
  lightly_selection_get_stats (&stats);
  *computed = stats.computed;
  g_free (*tag_id);
  *tag_id = g_strdup (lightly_tag_get_id (tag));
  return g_strdup (lightly_tag_get_bit_mask_data (tag));
}

static void
test_e2e_rounds (void)
{
  g_autofree float *x = make_matrix (21, E_ROWS, E_DIM);
  g_auto(GStrv) names = g_new0 (char *, E_ROWS + 1);
  E2E plain = { 0 }, carried = { 0 };
  g_autofree char *tag_p = NULL, *tag_c = NULL;
  g_autofree char *cov = NULL;
  guint r;

  for (r = 0; r < E_ROWS; r++)
    names[r] = g_strdup_printf ("img-%03u.png", r);
  e2e_setup (&plain, x, names);
  e2e_setup (&carried, x, names);
  cov = cov_path (carried.dir, carried.emb_id, ".cov");
  for (r = 0; r < 5; r++)
    {
      g_autofree char *bits_p = NULL, *bits_c = NULL;
      guint64 comp_p, comp_c;

      g_setenv ("LIGHTLY_CARRIED_COVERAGE", "0", TRUE);
      bits_p = e2e_round (&plain, r, &tag_p, &comp_p);
      g_unsetenv ("LIGHTLY_CARRIED_COVERAGE");
      if (r == 3)
        {
          /* A damaged file: a warning, the round recomputes. */
          g_assert_true (g_file_set_contents (cov, "LGLYCOV1 torn", 13, NULL));
          g_test_expect_message ("Lightly", G_LOG_LEVEL_WARNING, "Ignoring the carried coverage*");
        }
      bits_c = e2e_round (&carried, r, &tag_c, &comp_c);
      if (r == 3)
        g_test_assert_expected_messages ();
      g_assert_cmpstr (bits_p, ==, bits_c);
      g_assert_true (g_file_test (cov, G_FILE_TEST_EXISTS));
      /* Rounds 1, 2 and 4 start from the last one's coverage: the
       * first pass computes the last pick only, not all of P. */
      if (r == 1 || r == 2 || r == 4)
        g_assert_cmpuint (comp_c, <, comp_p);
      else if (r == 3)
        g_assert_cmpuint (comp_c, ==, comp_p);
    }
  /* LIGHTLY_CARRIED_COVERAGE=0 keeps no file. */
  {
    g_autofree char *none = cov_path (plain.dir, plain.emb_id, ".cov");

    g_assert_false (g_file_test (none, G_FILE_TEST_EXISTS));
  }
  e2e_clear (&plain);
  e2e_clear (&carried);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/coverage/engine/rounds/coreset",
                        GINT_TO_POINTER (LIGHTLY_SELECTION_METHOD_CORESET), test_engine_rounds);
  g_test_add_data_func ("/coverage/engine/rounds/coral",
                        GINT_TO_POINTER (LIGHTLY_SELECTION_METHOD_CORAL), test_engine_rounds);
  g_test_add_func ("/coverage/engine/bad-start", test_engine_bad_start);
  g_test_add ("/coverage/store/round-trip", StoreFixture, NULL, store_setup, test_store_round_trip,
              store_teardown);
  g_test_add ("/coverage/store/damaged", StoreFixture, NULL, store_setup, test_store_damaged,
              store_teardown);
  g_test_add ("/coverage/store/matrix-changed", StoreFixture, NULL, store_setup,
              test_store_matrix_changed, store_teardown);
  g_test_add_func ("/coverage/store/large-replaced", test_store_large_replaced);
  g_test_add_func ("/coverage/e2e/rounds", test_e2e_rounds);
  return g_test_run ();
}
