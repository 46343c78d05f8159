/* test-selection-fast.c: the float32 fast path of CORESET/CORAL gives the
 * picks of the pure double path (issue 13)
 *
 * The fast path computes update distances in float32 and recomputes in
 * double only the rows its error bound cannot decide. Its picks must be
 * those of the double path bit for bit, on inputs built to break it: rows a
 * few ulps apart (distances below float resolution), exact duplicates,
 * exact ties (hypercube vertices), and magnitudes whose float squares
 * underflow or overflow; on every SIMD path, thread count, block size and
 * pruning mode, for dims that exercise every kernel tail.
 */
#include <lightly/lightly.h>
#include "selection/lightly-selection.h"
#include "selection/lightly-selection-private.h"
#include "test-selection-util.h"
#include "test-utils.h"

#include <float.h>
#include <math.h>
#include <string.h>

typedef enum {
  CASE_ULPS,          /* one row and copies a few ulps off it */
  CASE_DUPLICATES,    /* a few rows, each repeated, some nudged by an ulp */
  CASE_VERTICES,      /* ±1/√dim: many exactly equal distances */
  CASE_SCALES,        /* random rows scaled by 10^[-25, 25] */
  N_CASES
} Case;

/* The modes of lightly_selection_set_bf16() this CPU runs, from 0: off,
 * AVX512_BF16's tiles, AMX's. */
static guint
bf16_modes (void)
{
  return lightly_selection_bf16_amx_supported () ? 3 : lightly_selection_bf16_supported () ? 2 : 1;
}

static const char *case_names[] = { "ulps", "duplicates", "vertices", "scales" };

static float *
make_rows (GRand *rng, Case c, gsize n, gsize dim)
{
  float *x = g_new (float, n * dim);
  gsize i, j;

  for (i = 0; i < n; i++)
    {
      float *r = x + i * dim;

      switch (c)
        {
        case CASE_ULPS:
          for (j = 0; j < dim; j++)
            {
              gint steps = g_rand_int_range (rng, 0, 4);

              r[j] = 0.3f + 0.01f * (float) j;
              while (steps-- > 0)
                r[j] = nextafterf (r[j], g_rand_boolean (rng) ? 1.0f : -1.0f);
            }
          break;
        case CASE_DUPLICATES:
          if (i < 6)
            for (j = 0; j < dim; j++)
              r[j] = (float) g_rand_double_range (rng, -1, 1);
          else
            {
              memcpy (r, x + (i % 6) * dim, dim * sizeof (float));
              if (i % 5 == 0)
                r[i % dim] = nextafterf (r[i % dim], 2.0f);
            }
          break;
        case CASE_VERTICES:
          for (j = 0; j < dim; j++)
            r[j] = (g_rand_boolean (rng) ? 1.0f : -1.0f) / sqrtf ((float) dim);
          break;
        case CASE_SCALES:
        default:
          {
            float s = powf (10.0f, (float) g_rand_int_range (rng, -25, 26));

            for (j = 0; j < dim; j++)
              r[j] = s * (float) g_rand_double_range (rng, -1, 1);
          }
          break;
        }
    }
  return x;
}

static GArray *
run_ok (const LightlySelectionParams *p)
{
  g_autoptr(GError) error = NULL;
  GArray *a = lightly_selection_run (p, &error);

  g_assert_no_error (error);
  g_assert_nonnull (a);
  return a;
}

static void
assert_same (GArray *ref, GArray *a, const char *what)
{
  if (ref->len != a->len ||
      (a->len > 0 && memcmp (ref->data, a->data, a->len * sizeof (guint32)) != 0))
    g_error ("fast path picks differ from the double path (%s): %u vs %u picks",
             what, ref->len, a->len);
}

/* The reference: the pure double path (portable kernels, fast path and
 * pruning off, 1 thread). The caller restores the fast path and pruning. */
static GArray *
run_double_path (LightlySelectionParams *p)
{
  lightly_selection_set_simd (LIGHTLY_SELECTION_SIMD_PORTABLE);
  lightly_selection_set_fast_path (0);
  lightly_selection_set_pruning (0);
  p->n_threads = 1;
  return run_ok (p);
}

/* Runs p, checks its picks against ref, and leaves its stats in st. */
static void
run_same (const LightlySelectionParams *p, GArray *ref, LightlySelectionStats *st)
{
  g_autoptr(GArray) a = run_ok (p);

  assert_same (ref, a, "speculation");
  lightly_selection_get_stats (st);
}

/* bfloat16 first-pass distances over all compare_all() runs, and those
 * redone in double. */
static guint64 bf16_total, bf16_exact_total;

/* The double path (portable, 1 thread) against the fast path on every
 * configuration, the AVX-512 path with and without the bfloat16 tiles of
 * the first pass over P when the CPU has them; returns the rows the fast
 * path computed and redid. */
static void
compare_all (LightlySelectionParams *p, const char *what, guint64 *fast, guint64 *exact)
{
  g_autoptr(GArray) ref = NULL;
  LightlySelectionStats st;
  LightlySelectionSimd s;
  guint threads[] = { 1, 2, 5 }, t, blocks, prune, bf;

  ref = run_double_path (p);
  lightly_selection_get_stats (&st);
  g_assert_cmpuint (st.fast, ==, 0);
  lightly_selection_set_fast_path (1);
  for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
    {
      if (!lightly_selection_simd_supported (s))
        continue;
      lightly_selection_set_simd (s);
      for (bf = 0; bf < (s == LIGHTLY_SELECTION_SIMD_AVX512 ? bf16_modes () : 1u); bf++)
        for (t = 0; t < G_N_ELEMENTS (threads); t++)
          for (blocks = 0; blocks < 2; blocks++)
            for (prune = 0; prune <= 2; prune += 2)
              {
                g_autoptr(GArray) a = NULL;

                lightly_selection_set_bf16 ((gint) bf);
                p->n_threads = threads[t];
                lightly_selection_set_block_rows (blocks ? 7 : 0);
                lightly_selection_set_pruning ((gint) prune);
                a = run_ok (p);
                assert_same (ref, a, what);
                lightly_selection_get_stats (&st);
                g_assert_cmpuint (st.exact, <=, st.fast);
                g_assert_cmpuint (st.bf16_exact, <=, st.bf16);
                /* The tiles run whenever they may and there is a P. */
                if (bf == 0 || p->n_preselected == 0)
                  g_assert_cmpuint (st.bf16, ==, 0);
                else
                  g_assert_cmpuint (st.bf16, >, 0);
                /* The first pass's buffers sized by P: none without P,
                 * some with the bfloat16 copy, never past what the engine
                 * allows itself (16 B per row or 4 MiB). */
                if (p->n_preselected == 0)
                  g_assert_cmpuint (st.p_bytes, ==, 0);
                if (st.bf16 > 0)
                  g_assert_cmpuint (st.p_bytes, >, 0);
                g_assert_cmpuint (st.p_bytes, <=, MAX (16 * p->n_rows, (gsize) 4 << 20));
                *fast += st.fast;
                *exact += st.exact;
                bf16_total += st.bf16;
                bf16_exact_total += st.bf16_exact;
              }
    }
  lightly_selection_set_bf16 (-1);
  lightly_selection_set_block_rows (0);
  lightly_selection_set_pruning (1);
  lightly_selection_set_simd (-1);
}

static void
test_adversarial (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (1313);
  gsize dims[] = { 1, 3, 13, 37, 130 }, n = test_slow_mode () ? 80 : 240, di, i;
  guint64 fast = 0, exact = 0, case_fast[N_CASES] = { 0 }, case_exact[N_CASES] = { 0 };
  gint c;

  for (c = 0; c < N_CASES; c++)
    for (di = test_slow_mode () ? 1 : 0; di < G_N_ELEMENTS (dims); di += test_slow_mode () ? 2 : 1)
      {
        gsize dim = dims[di];
        g_autofree float *x = make_rows (rng, (Case) c, n, dim);
        g_autofree double *scores = g_new (double, n);
        g_autoptr(GArray) cand = g_array_new (FALSE, FALSE, sizeof (guint32));
        g_autoptr(GArray) pre = g_array_new (FALSE, FALSE, sizeof (guint32));
        gint with_p, method;

        for (i = 0; i < n; i++)
          scores[i] = (double) (i % 7) / 6.0;
        for (with_p = 0; with_p < 2; with_p++)
          {
            g_array_set_size (cand, 0);
            g_array_set_size (pre, 0);
            for (i = 0; i < n; i++)
              {
                guint32 v = (guint32) i;

                g_array_append_val (with_p && i % 9 == 4 ? pre : cand, v);
              }
            for (method = 0; method < 2; method++)
              {
                LightlySelectionParams p = test_coverage_params (method, x, n, dim, cand, pre,
                                                                 scores, test_slow_mode () ? 30 : 60);
                g_autofree char *what = g_strdup_printf ("%s dim %zu %s%s", case_names[c],
                                                         dim, method ? "CORAL" : "CORESET",
                                                         with_p ? " with P" : "");

                compare_all (&p, what, &case_fast[c], &case_exact[c]);
              }
          }
      }
  for (c = 0; c < N_CASES; c++)
    {
      g_test_message ("%s: %" G_GUINT64_FORMAT " fast distances, %" G_GUINT64_FORMAT
                      " redone in double", case_names[c], case_fast[c], case_exact[c]);
      fast += case_fast[c];
      exact += case_exact[c];
    }
  /* The path ran, the bound sent rows back to double, and decided others. */
  g_assert_cmpuint (fast, >, 0);
  g_assert_cmpuint (exact, >, 0);
  g_assert_cmpuint (exact, <, fast);
  /* Rows a few ulps apart are below float resolution: mostly redone. */
  g_assert_cmpuint (case_exact[CASE_ULPS] * 2, >, case_fast[CASE_ULPS]);
}

/* Well-separated random rows: the bound decides nearly every row, so the
 * path does its job (and the picks still equal the double path's). */
static void
test_share (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (7);
  gsize n = test_slow_mode () ? 800 : 4000, dim = 32, i, j;
  g_autofree float *x = g_new (float, n * dim);
  g_autofree guint32 *cand = g_new (guint32, n);
  LightlySelectionParams p = { 0 };
  guint64 fast = 0, exact = 0;

  for (i = 0; i < n; i++)
    {
      double s = 0;

      for (j = 0; j < dim; j++)
        {
          x[i * dim + j] = (float) g_rand_double_range (rng, -1, 1);
          s += (double) x[i * dim + j] * x[i * dim + j];
        }
      for (j = 0; j < dim; j++)
        x[i * dim + j] = (float) (x[i * dim + j] / sqrt (s));
      cand[i] = (guint32) i;
    }
  p.method = LIGHTLY_SELECTION_METHOD_CORESET;
  p.matrix = x;
  p.n_rows = n;
  p.dim = dim;
  p.candidates = cand;
  p.n_candidates = n;
  p.k = 100;
  compare_all (&p, "random unit rows", &fast, &exact);
  g_test_message ("random: %" G_GUINT64_FORMAT " fast, %" G_GUINT64_FORMAT " exact",
                  fast, exact);
  g_assert_cmpuint (fast, >, 0);
  /* Only the rows whose minimum changes (and a sliver within the bound). */
  g_assert_cmpuint (exact * 5, <, fast);
}

/* The first pass over a large P, which keeps float32 distances and decides
 * between rows of P by their bounds: P spans many tiles and sub-tiles (an
 * anchor found earlier in the same tile prunes later rows), and P holds
 * exact duplicates and rows an ulp apart, so that the bounds often cannot
 * decide and both rows go to double. */
static void
test_seed (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (4242);
  gsize n = test_slow_mode () ? 260 : 700, dim = 150, i, j;
  g_autofree float *x = g_new (float, n * dim);
  g_autoptr(GArray) cand = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) pre = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree double *scores = g_new (double, n);
  LightlySelectionParams p = { 0 };
  guint64 fast = 0, exact = 0;
  gint method;

  for (i = 0; i < n; i++)
    {
      float *r = x + i * dim;
      guint32 v = (guint32) i;

      if (i % 7 == 3 && i > 7)
        {
          /* A copy of an earlier row, maybe an ulp off. */
          memcpy (r, x + (i - 7) * dim, dim * sizeof (float));
          if (i % 2)
            r[i % dim] = nextafterf (r[i % dim], 2.0f);
        }
      else
        for (j = 0; j < dim; j++)
          r[j] = (float) (g_rand_int_range (rng, 0, 5) - 2) / 4.0f +
                 (float) g_rand_double_range (rng, -1e-3, 1e-3);
      g_array_append_val (i % 3 == 1 ? pre : cand, v);
      scores[i] = (double) (i % 5) / 4.0;
    }
  for (method = 0; method < 2; method++)
    {
      p = test_coverage_params (method, x, n, dim, cand, pre, scores, 25);
      compare_all (&p, method ? "CORAL, large P" : "CORESET, large P", &fast, &exact);
    }
  g_test_message ("large P: %" G_GUINT64_FORMAT " fast, %" G_GUINT64_FORMAT " exact", fast, exact);
  g_assert_cmpuint (exact, >, 0);
  g_assert_cmpuint (exact, <, fast);
}

/* The bfloat16 tiles of the first pass over P (when the CPU has them) on
 * rows made to defeat them: a P of 600 rows (so that with few candidates P
 * is split between tasks, each with its own anchors), rows of P closer
 * than a bfloat16 ulp to each other and to candidates, exact duplicates,
 * float32 subnormals and values below bfloat16's normal range (which the
 * instruction flushes), and rows near the float32 maximum, which round to
 * ∞ in bfloat16 (every pair of such a row goes to double). */
static void
test_bf16_seed (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (1616);
  gsize n = test_slow_mode () ? 300 : 700, dim = 150, np = test_slow_mode () ? 260 : 600, i, j;
  g_autofree float *x = g_new (float, n * dim);
  g_autoptr(GArray) cand = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) pre = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree double *scores = g_new (double, n);
  LightlySelectionParams p = { 0 };
  guint64 fast = 0, exact = 0;
  gint method;

  bf16_total = bf16_exact_total = 0;
  for (i = 0; i < n; i++)
    {
      float *r = x + i * dim;
      guint32 v = (guint32) i;

      switch (i % 6)
        {
        case 0:
        case 1:
          /* One of 8 centres, moved by less than a bfloat16 ulp. */
          for (j = 0; j < dim; j++)
            r[j] = (float) (((i / 6) % 8) * 7 + j) / 64.0f + 0.5f +
                   (float) g_rand_double_range (rng, -1e-3, 1e-3);
          break;
        case 2:
          memcpy (r, x + (i - 2) * dim, dim * sizeof (float));
          if (i % 4 == 0)
            r[i % dim] = nextafterf (r[i % dim], 2.0f);
          break;
        case 3:
          for (j = 0; j < dim; j++)
            r[j] = (float) g_rand_double_range (rng, -1, 1) *
                   (i % 12 == 3 ? 1e-39f : 3e-38f);
          break;
        case 4:
          for (j = 0; j < dim; j++)
            r[j] = (g_rand_boolean (rng) ? 3.39e38f : -1e38f) *
                   (float) g_rand_double_range (rng, 0.99, 1.0);
          break;
        default:
          for (j = 0; j < dim; j++)
            r[j] = (float) g_rand_double_range (rng, -1, 1);
          break;
        }
      g_array_append_val (i < np ? pre : cand, v);
      scores[i] = (double) (i % 5) / 4.0;
    }
  for (method = 0; method < 2; method++)
    {
      p = test_coverage_params (method, x, n, dim, cand, pre, scores, 20);
      compare_all (&p, method ? "CORAL, bfloat16 P" : "CORESET, bfloat16 P", &fast, &exact);
    }
  /* The minima themselves (carried out of a run with k = 1), not only the
   * picks: every candidate's d² to P, bit for bit. */
  {
    g_autofree double *m_ref = g_new (double, cand->len);
    g_autofree double *m = g_new (double, cand->len);
    g_autofree guint32 *a_ref = g_new (guint32, cand->len);
    g_autofree guint32 *a = g_new (guint32, cand->len);
    LightlySelectionCarry carry = { 0 };
    guint threads, bf;

    p.method = LIGHTLY_SELECTION_METHOD_CORESET;
    p.k = 1;
    p.carry = &carry;
    carry.mind2 = m_ref;
    carry.anchor = a_ref;
    p.n_threads = 1;
    lightly_selection_set_simd (LIGHTLY_SELECTION_SIMD_PORTABLE);
    lightly_selection_set_fast_path (0);
    g_array_unref (run_ok (&p));
    lightly_selection_set_fast_path (1);
    lightly_selection_set_simd (-1);
    carry.mind2 = m;
    carry.anchor = a;
    for (bf = 0; bf < bf16_modes (); bf++)
      for (threads = 1; threads <= 2; threads++)
        {
          lightly_selection_set_bf16 ((gint) bf);
          p.n_threads = threads;
          g_array_unref (run_ok (&p));
          g_assert_true (carry.valid);
          g_assert_cmpmem (m_ref, cand->len * sizeof (double), m, cand->len * sizeof (double));
        }
    lightly_selection_set_bf16 (-1);
    p.carry = NULL;
  }
  if (!lightly_selection_bf16_supported ())
    {
      g_test_message ("bfloat16 tiles: not supported here (float32 tiles only)");
      return;
    }
  g_test_message ("bfloat16 tiles: %" G_GUINT64_FORMAT " distances, %" G_GUINT64_FORMAT
                  " redone in double", bf16_total, bf16_exact_total);
  /* The tiles ran, sent pairs to double, and decided others. */
  g_assert_cmpuint (bf16_exact_total, >, 0);
  g_assert_cmpuint (bf16_exact_total, <, bf16_total);
}

/* A NaN or an infinity in a candidate is a clear error naming the row, on
 * every SIMD path; huge finite values (whose float squares overflow) are
 * not. */
/* State of 300,000 candidates and preselected rows: the per-row arrays
 * (12 B a candidate) pass 2 MiB, so
 * they come from lightly_selection_alloc_rows()'s huge-page branch: on a
 * 2 MiB boundary, and the picks are those of the double path. */
static void
test_large_state (void)
{
  gsize n = 300000, dim = 4, np = 8, i;
  g_autofree float *x = g_new (float, n * dim);
  g_autofree guint32 *cand = g_new (guint32, n - np);
  g_autofree guint32 *pre = g_new (guint32, np);
  g_autoptr(GArray) ref = NULL;
  LightlySelectionParams p = { 0 };
  guint32 state = 12345;
  guint8 *mem;

  mem = lightly_selection_alloc_rows ((3 << 20) / sizeof (double), sizeof (double));
  g_assert_cmpuint ((guintptr) mem % (2 << 20), ==, 0);
  memset (mem, 0x5a, 3 << 20);
  g_assert_cmpuint (mem[(3 << 20) - 1], ==, 0x5a);
  g_free (mem);
  mem = lightly_selection_alloc_rows (100, 3);
  memset (mem, 0, 300);
  g_free (mem);

  for (i = 0; i < n * dim; i++)
    {
      state = state * 1664525u + 1013904223u;
      x[i] = (float) (state >> 8) / (float) (1u << 24);
    }
  for (i = 0; i < np; i++)
    pre[i] = (guint32) i;
  for (i = np; i < n; i++)
    cand[i - np] = (guint32) i;
  p.method = LIGHTLY_SELECTION_METHOD_CORESET;
  p.matrix = x;
  p.n_rows = n;
  p.dim = dim;
  p.candidates = cand;
  p.n_candidates = n - np;
  p.preselected = pre;
  p.n_preselected = np;
  p.k = 4;
  ref = run_double_path (&p);
  lightly_selection_set_fast_path (1);
  lightly_selection_set_pruning (1);
  lightly_selection_set_simd (-1);
  for (guint t = 1; t <= 2; t++)
    {
      g_autoptr(GArray) a = NULL;

      p.n_threads = t;
      a = run_ok (&p);
      assert_same (ref, a, "large state");
    }
}

static void
test_not_finite (void)
{
  gsize n = 40, dim = 37, i;
  g_autofree float *x = g_new (float, n * dim);
  g_autofree guint32 *cand = g_new (guint32, n);
  float bad[] = { NAN, INFINITY, -INFINITY, 3e38f };
  LightlySelectionParams p = { 0 };
  LightlySelectionSimd s;
  guint b;

  for (i = 0; i < n * dim; i++)
    x[i] = (float) (i % 11) / 11.0f;
  for (i = 0; i < n; i++)
    cand[i] = (guint32) i;
  p.method = LIGHTLY_SELECTION_METHOD_CORESET;
  p.matrix = x;
  p.n_rows = n;
  p.dim = dim;
  p.candidates = cand;
  p.n_candidates = n;
  p.k = 3;
  for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
    {
      if (!lightly_selection_simd_supported (s))
        continue;
      lightly_selection_set_simd (s);
      for (b = 0; b < G_N_ELEMENTS (bad); b++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GArray) a = NULL;

          x[17 * dim + 36] = bad[b];
          a = lightly_selection_run (&p, &error);
          if (isfinite (bad[b]))
            {
              g_assert_no_error (error);
              g_assert_nonnull (a);
            }
          else
            {
              g_assert_error (error, LIGHTLY_SELECTION_ERROR,
                              LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
              g_assert_nonnull (strstr (error->message, "row 17 "));
              g_assert_null (a);
            }
          x[17 * dim + 36] = 0.5f;
        }

      /* CORESET without P checks the rows through the sum of its mean:
       * +∞ and −∞ in one column sum to NaN, the first bad row is named
       * all the same; a column of FLT_MAX sums to a finite double. */
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) a = NULL;

        x[9 * dim + 5] = INFINITY;
        x[30 * dim + 5] = -INFINITY;
        a = lightly_selection_run (&p, &error);
        g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
        g_assert_nonnull (strstr (error->message, "row 9 "));
        g_assert_null (a);
        x[9 * dim + 5] = 0.25f;
        x[30 * dim + 5] = 0.75f;
        g_clear_error (&error);
        for (i = 0; i < n; i++)
          x[i * dim + 3] = FLT_MAX;
        g_clear_pointer (&a, g_array_unref);
        a = lightly_selection_run (&p, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (a->len, ==, 3);
        for (i = 0; i < n; i++)
          x[i * dim + 3] = (float) ((i * dim + 3) % 11) / 11.0f;
      }
    }
  lightly_selection_set_simd (-1);
}

/* ---------------------------------------------------------------------- */
/* The first pass over P through float32 tiles (dotf_tile, norm trick)     */

typedef enum {
  TILE_RANDOM,        /* unit rows: the bound decides nearly every entry */
  TILE_NEAR,          /* copies of one row a few ulps apart */
  TILE_DUPLICATES,    /* candidates equal to rows of P, some an ulp off */
  TILE_CANCEL,        /* a large common offset, small differences */
  TILE_SCALES,        /* magnitudes 10^[-25, 25]: float products under/overflow */
  N_TILE_CASES
} TileCase;

static const char *tile_case_names[] = { "random", "near", "duplicates", "cancel", "scales" };

static float *
make_tile_rows (GRand *rng, TileCase c, gsize n, gsize dim)
{
  float *x = g_new (float, n * dim);
  g_autofree float *base = g_new (float, dim);
  gsize i, j;

  for (j = 0; j < dim; j++)
    base[j] = (float) g_rand_double_range (rng, -1, 1);
  for (i = 0; i < n; i++)
    {
      float *r = x + i * dim;

      switch (c)
        {
        case TILE_RANDOM:
          {
            double s = 0;

            for (j = 0; j < dim; j++)
              {
                r[j] = (float) g_rand_double_range (rng, -1, 1);
                s += (double) r[j] * r[j];
              }
            for (j = 0; j < dim; j++)
              r[j] = (float) (r[j] / sqrt (s));
          }
          break;
        case TILE_NEAR:
          for (j = 0; j < dim; j++)
            {
              gint steps = g_rand_int_range (rng, 0, 5);

              r[j] = base[j];
              while (steps-- > 0)
                r[j] = nextafterf (r[j], g_rand_boolean (rng) ? 2.0f : -2.0f);
            }
          break;
        case TILE_DUPLICATES:
          if (i < 5)
            for (j = 0; j < dim; j++)
              r[j] = (float) g_rand_double_range (rng, -1, 1);
          else
            {
              memcpy (r, x + (i % 5) * dim, dim * sizeof (float));
              if (i % 4 == 0)
                r[i % dim] = nextafterf (r[i % dim], 2.0f);
            }
          break;
        case TILE_CANCEL:
          for (j = 0; j < dim; j++)
            r[j] = 1e4f * base[j] + (float) g_rand_double_range (rng, -1e-2, 1e-2);
          break;
        case TILE_SCALES:
        default:
          {
            float sc = powf (10.0f, (float) g_rand_int_range (rng, -25, 26));

            for (j = 0; j < dim; j++)
              r[j] = sc * (float) g_rand_double_range (rng, -1, 1);
          }
          break;
        }
    }
  return x;
}

/* Picks and their utilities (√ of the minimum distances of the first
 * pass, bit for bit) against the double path on every SIMD path, thread
 * count (1, 2, 5) and block size; the share of tile entries redone in
 * double on the first pass alone (k = 1, unpruned) into *fast, *exact. */
static void
compare_tile (LightlySelectionParams *p, const char *what, guint64 *fast, guint64 *exact)
{
  g_autoptr(GArray) ref = NULL;
  g_autoptr(GArray) ref_why = g_array_new (FALSE, FALSE, sizeof (LightlySelectionPick));
  LightlySelectionStats st;
  LightlySelectionSimd s;
  guint threads[] = { 1, 2, 5 }, t, blocks, prune, bf;
  gsize k = p->k;

  p->why = ref_why;
  ref = run_double_path (p);
  g_assert_cmpuint (ref->len, >, 0);
  lightly_selection_set_fast_path (1);
  for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
    {
      if (!lightly_selection_simd_supported (s))
        continue;
      lightly_selection_set_simd (s);
      for (bf = 0; bf < (s == LIGHTLY_SELECTION_SIMD_AVX512 ? bf16_modes () : 1u); bf++)
        for (t = 0; t < G_N_ELEMENTS (threads); t++)
          for (blocks = 0; blocks < 2; blocks++)
            for (prune = 0; prune <= 2; prune += 2)
              {
                g_autoptr(GArray) a = NULL;
                g_autoptr(GArray) why = g_array_new (FALSE, FALSE, sizeof (LightlySelectionPick));
                guint i;

                lightly_selection_set_bf16 ((gint) bf);
                p->n_threads = threads[t];
                p->why = why;
                p->k = k;
                lightly_selection_set_block_rows (blocks ? 7 : 0);
                lightly_selection_set_pruning ((gint) prune);
                a = run_ok (p);
                assert_same (ref, a, what);
                g_assert_cmpuint (why->len, ==, ref_why->len);
                for (i = 0; i < why->len; i++)
                  if (memcmp (&g_array_index (why, LightlySelectionPick, i).utility,
                              &g_array_index (ref_why, LightlySelectionPick, i).utility,
                              sizeof (double)) != 0)
                    g_error ("%s (%s, %u threads): utility %u differs from the double path",
                             what, lightly_selection_simd_name (s), threads[t], i);
                if (prune == 0 && blocks == 0)
                  {
                    g_autoptr(GArray) one = NULL;

                    /* The first pass alone: its float32 entries, its redone ones. */
                    p->k = 1;
                    p->why = NULL;
                    one = run_ok (p);
                    lightly_selection_get_stats (&st);
                    g_assert_cmpuint (g_array_index (one, guint32, 0), ==,
                                      g_array_index (ref, guint32, 0));
                    if (bf)
                      {
                        /* The bfloat16 tiles instead of the float32 ones. */
                        g_assert_cmpuint (st.bf16, ==, (guint64) p->n_candidates * p->n_preselected);
                        g_assert_cmpuint (st.bf16_exact, <=, st.bf16);
                        g_assert_cmpuint (st.fast, ==, 0);
                        bf16_total += st.bf16;
                        bf16_exact_total += st.bf16_exact;
                        continue;
                      }
                    g_assert_cmpuint (st.fast, ==, (guint64) p->n_candidates * p->n_preselected);
                    g_assert_cmpuint (st.exact, <=, st.fast);
                    *fast += st.fast;
                    *exact += st.exact;
                  }
              }
    }
  lightly_selection_set_bf16 (-1);
  p->k = k;
  p->why = NULL;
  lightly_selection_set_block_rows (0);
  lightly_selection_set_pruning (1);
  lightly_selection_set_simd (-1);
}

static void
test_tile_bound (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (1313013);
  gsize dims[] = { 1, 3, 13, 37, 130, 512 }, di, i;
  guint64 fast[N_TILE_CASES] = { 0 }, exact[N_TILE_CASES] = { 0 };
  gint c;

  for (c = 0; c < N_TILE_CASES; c++)
    for (di = 0; di < G_N_ELEMENTS (dims); di += test_slow_mode () ? 2 : 1)
      {
        /* P spans several tiles (8 rows at dim 512, 64 at dim 1) and is
         * not a multiple of the kernels' 4 rows; the last run has a P of
         * 600 rows and few candidates, which the threads split. */
        gboolean split = di == G_N_ELEMENTS (dims) - 1 && c == TILE_RANDOM;
        gsize n = split ? 640 : test_slow_mode () ? 90 : 200, dim = split ? 13 : dims[di];
        g_autofree float *x = make_tile_rows (rng, (TileCase) c, n, dim);
        g_autoptr(GArray) cand = g_array_new (FALSE, FALSE, sizeof (guint32));
        g_autoptr(GArray) pre = g_array_new (FALSE, FALSE, sizeof (guint32));
        g_autofree char *what = g_strdup_printf ("tile %s dim %zu%s", tile_case_names[c],
                                                 dim, split ? " split P" : "");
        LightlySelectionParams p = { 0 };

        for (i = 0; i < n; i++)
          {
            guint32 v = (guint32) i;
            gboolean in_p = split ? i >= 40 : (i % 3 == 1 || (c == TILE_DUPLICATES && i < 5));

            g_array_append_val (in_p ? pre : cand, v);
          }
        p.method = LIGHTLY_SELECTION_METHOD_CORESET;
        p.matrix = x;
        p.n_rows = n;
        p.dim = dim;
        p.candidates = (const guint32 *) cand->data;
        p.n_candidates = cand->len;
        p.preselected = (const guint32 *) pre->data;
        p.n_preselected = pre->len;
        p.k = 12;
        compare_tile (&p, what, &fast[c], &exact[c]);
      }
  for (c = 0; c < N_TILE_CASES; c++)
    g_test_message ("tile %s: %" G_GUINT64_FORMAT " float32 entries of the first pass, %"
                    G_GUINT64_FORMAT " (%.2f%%) redone in double", tile_case_names[c], fast[c],
                    exact[c], 100.0 * (double) exact[c] / (double) MAX (fast[c], 1));
  /* The bound decides well-separated rows, and sends back to double the
   * rows below float resolution and the cancelling norms. */
  g_assert_cmpuint (exact[TILE_RANDOM] * 5, <, fast[TILE_RANDOM]);
  g_assert_cmpuint (exact[TILE_NEAR] * 2, >, fast[TILE_NEAR]);
  g_assert_cmpuint (exact[TILE_CANCEL] * 2, >, fast[TILE_CANCEL]);
  g_assert_cmpuint (exact[TILE_DUPLICATES], >, 0);
}

/* A bfloat16 bit pattern's value. */
static double
test_bf16_value (guint16 h)
{
  guint32 u = (guint32) h << 16;
  float f;

  memcpy (&f, &u, sizeof f);
  return f;
}

/* Each tile kernel's sums against the bound its proof assumes
 * (lightly-selection-coreset-seed-bf16.c, (b)): |g − s̃| ≤ γ·Σ|ã_i b̃_i| +
 * 4nσ with γ = γ_{n+8}, u = 2⁻²³, n = dim, or pad for chain_pad (AMX),
 * s̃ the exact sum of the bfloat16 products. On every tail of 32, every
 * count of rows of a (≤ 32: pack()) and of b (≤ 64), b's rows at one
 * stride (as the unpruned pass hands them) or scattered (the pruned one),
 * with values from subnormal products to 1e30 and sums that cancel. */
static void
test_bf16_tiles (void)
{
  static const gsize dims[] = { 1, 31, 32, 33, 100, 512, 784 };
  static const gsize nas[] = { 1, 5, 16, 17, 32 }, nbs[] = { 1, 15, 16, 17, 40, 64 };
  g_autoptr(GRand) rng = g_rand_new_with_seed (1207);
  guint mode, checked = 0;

  if (!lightly_selection_bf16_supported ())
    {
      g_test_skip ("no AVX512_BF16 on this CPU");
      return;
    }
  lightly_selection_set_simd (-1);
  for (mode = 1; mode < bf16_modes (); mode++)
    {
      const LightlySelectionBf16Kernels *bk;
      gsize di, ai, bi, i, t, j;

      lightly_selection_set_bf16 ((gint) mode);
      bk = lightly_selection_bf16_kernels ();
      g_assert_nonnull (bk);
      g_assert_cmpint (bk->chain_pad, ==, mode == 2);
      for (di = 0; di < G_N_ELEMENTS (dims); di++)
        {
          gsize dim = dims[di], pad = LIGHTLY_BF16_PAD (dim), nrows = 32 + 2 * 64;
          double n = (double) (bk->chain_pad ? pad : dim), gu = (n + 8) * 0x1p-23;
          double gamma = gu / (1 - gu), abs_err = 4 * n * 0x1p-126;
          g_autofree float *x = g_new (float, dim);
          g_autofree guint16 *rows = g_new0 (guint16, nrows * pad);
          g_autofree guint16 *packed = g_new (guint16, 32 * pad);
          g_autofree float *out = g_new (float, 32 * 64);

          for (i = 0; i < nrows; i++)
            {
              double scale = i % 7 == 3 ? 1e-25 : i % 11 == 5 ? 1e15 : 1.0;
              double e2, n2;

              for (j = 0; j < dim; j++)
                x[j] = (float) (scale * (i % 5 == 1 && j % 2 ? -1 : 1) *
                                (i % 5 == 1 ? 0.5 + 0.001 * j : g_rand_double_range (rng, -1, 1)));
              bk->convert (x, dim, pad, rows + i * pad, &e2, &n2);
            }
          for (ai = 0; ai < G_N_ELEMENTS (nas); ai++)
            for (bi = 0; bi < G_N_ELEMENTS (nbs); bi++)
              for (guint scattered = 0; scattered < 2; scattered++)
                {
                  gsize na = nas[ai], nb = nbs[bi];
                  const guint16 *a[32], *b[64];

                  for (i = 0; i < na; i++)
                    a[i] = rows + ((i * 7) % 32) * pad;
                  for (t = 0; t < nb; t++)
                    b[t] = rows + (32 + (scattered ? (t * 37 + 5) % 128 : t)) * pad;
                  if (bk->pack != NULL)
                    bk->pack (a, na, pad, packed);
                  bk->tile (a, bk->pack != NULL ? packed : NULL, na, b, nb, pad, out);
                  for (i = 0; i < na; i++)
                    for (t = 0; t < nb; t++)
                      {
                        double sum = 0, mag = 0, g = out[i * nb + t];

                        for (j = 0; j < pad; j++)
                          {
                            double pa = test_bf16_value (a[i][j]), pb = test_bf16_value (b[t][j]);

                            sum += pa * pb;       /* exact: 16 + 16 significant bits */
                            mag += fabs (pa * pb);
                          }
                        if (!(fabs (g - sum) <= gamma * mag * (1 + 0x1p-40) + abs_err))
                          g_error ("%s tiles, dim %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
                                   " × %" G_GSIZE_FORMAT "%s: entry (%" G_GSIZE_FORMAT ", %"
                                   G_GSIZE_FORMAT ") is %.9g, exact %.9g",
                                   mode == 2 ? "AMX" : "AVX512_BF16", dim, na, nb,
                                   scattered ? " scattered" : "", i, t, g, sum);
                        checked++;
                      }
                }
        }
    }
  lightly_selection_set_bf16 (-1);
  g_test_message ("%u entries within the bound", checked);
  g_assert_cmpuint (checked, >, 0);
}

/* The bfloat16 conversion's Σ x_i² is the row's ‖c‖² of the first pass
 * over P, so it must be the kernels' canonical sum bit for bit, on every
 * length (the tails of 8 and 16) and magnitude (subnormal, near the float32
 * maximum, values that round to ±∞ in bfloat16). */
static void
test_bf16_norms (void)
{
  const LightlySelectionBf16Kernels *bk = lightly_selection_bf16_kernels ();
  g_autoptr(GRand) rng = g_rand_new_with_seed (2612);
  static const gsize dims[] = { 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100, 150, 784, 1001 };
  guint di, rep, s, checked = 0;

  if (bk == NULL)
    {
      g_test_skip ("no AVX512_BF16 on this CPU");
      return;
    }
  for (di = 0; di < G_N_ELEMENTS (dims); di++)
    for (rep = 0; rep < 6; rep++)
      {
        gsize dim = dims[di], pad = LIGHTLY_BF16_PAD (dim), j;
        g_autofree float *x = g_new (float, dim);
        g_autofree guint16 *out = g_new (guint16, pad);
        double scale = rep == 0 ? 1e-39 : rep == 1 ? 3.39e38 : rep == 2 ? 1e-20 : 1.0;
        double e2, n2;

        for (j = 0; j < dim; j++)
          x[j] = (float) (g_rand_double_range (rng, -1, 1) * scale);
        bk->convert (x, dim, pad, out, &e2, &n2);
        for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
          {
            const LightlySelectionKernels *k = lightly_selection_kernels_get ((int) s);

            if (k == NULL)
              continue;
            g_assert_cmpfloat (n2, ==, k->dot (x, x, dim));
            checked++;
          }
      }
  g_assert_cmpuint (checked, >=, G_N_ELEMENTS (dims) * 6);
}

/* Adaptive pruning (the default) prunes a pick only while pruning pays, by
 * the counts of the last pruned pass, and probes again later. On a mixture
 * of tight clusters the first picks' passes cannot skip (the radius is
 * larger than the clusters), so it turns pruning off, and later probes find
 * that it pays again: it must switch both ways. The picks must be those of
 * the double path with pruning forced off and forced on, and the decisions
 * (which picks were pruned, how often it switched) the same on every SIMD
 * path and thread count, as they depend on counts only. The guessed picks
 * (on with the fast path) spare some picks their passes, pruned or not,
 * and how many depends on the room of their lists, set by the block size:
 * so the decisions are compared per block size and fast path. */
static void
test_adaptive_pruning (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (1301);
  gsize n = test_slow_mode () ? 1600 : 6400, dim = 24, n_centres = 40, i, j;
  g_autofree float *x = g_new (float, n * dim);
  g_autofree float *centres = g_new (float, n_centres * dim);
  g_autofree guint32 *cand = g_new (guint32, n);
  g_autoptr(GArray) ref = NULL;
  LightlySelectionParams p = { 0 };
  LightlySelectionStats st;
  LightlySelectionSimd s;
  guint threads[] = { 1, 2, 5 }, t, blocks, mode;
  guint64 pruned[4] = { 0 }, switches[4] = { 0 };
  gboolean seen[4] = { FALSE };

  for (i = 0; i < n_centres * dim; i++)
    centres[i] = (float) g_rand_double_range (rng, -1, 1);
  for (i = 0; i < n; i++)
    {
      gsize c = (gsize) g_rand_int_range (rng, 0, (gint32) n_centres);

      for (j = 0; j < dim; j++)
        x[i * dim + j] = centres[c * dim + j] + (float) g_rand_double_range (rng, -0.02, 0.02);
      cand[i] = (guint32) i;
    }
  p.method = LIGHTLY_SELECTION_METHOD_CORESET;
  p.matrix = x;
  p.n_rows = n;
  p.dim = dim;
  p.candidates = cand;
  p.n_candidates = n;
  p.k = n / 32;

  ref = run_double_path (&p);
  g_assert_cmpuint (ref->len, ==, p.k);
  lightly_selection_get_stats (&st);
  g_assert_cmpuint (st.pruned_picks, ==, 0);
  g_assert_cmpuint (st.skipped, ==, 0);
  for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
    {
      if (!lightly_selection_simd_supported (s))
        continue;
      lightly_selection_set_simd (s);
      for (mode = 0; mode <= 2; mode++)
        for (t = 0; t < G_N_ELEMENTS (threads); t++)
          for (blocks = 0; blocks < 2; blocks++)
            {
              g_autoptr(GArray) a = NULL;
              guint fast = (t + blocks + mode) % 2, key = blocks * 2 + fast;

              lightly_selection_set_fast_path ((gint) fast);
              lightly_selection_set_pruning ((gint) mode);
              lightly_selection_set_block_rows (blocks ? 7 : 0);
              p.n_threads = threads[t];
              a = run_ok (&p);
              assert_same (ref, a, "adaptive pruning");
              lightly_selection_get_stats (&st);
              /* Every pick after the first either had its pass or was a
               * guess that came true. */
              if (mode == 0)
                g_assert_cmpuint (st.pruned_picks, ==, 0);
              else if (mode == 2)
                g_assert_cmpuint (st.pruned_picks + st.spec_hits, ==, p.k - 1);
              else if (!seen[key])
                {
                  pruned[key] = st.pruned_picks;
                  switches[key] = st.prune_switches;
                  seen[key] = TRUE;
                }
              else
                {
                  g_assert_cmpuint (st.pruned_picks, ==, pruned[key]);
                  g_assert_cmpuint (st.prune_switches, ==, switches[key]);
                }
              if (!fast)
                g_assert_cmpuint (st.spec_guesses, ==, 0);
            }
    }
  for (i = 0; i < G_N_ELEMENTS (pruned); i++)
    {
      g_test_message ("adaptive (block size %s, fast path %s): %" G_GUINT64_FORMAT " of %"
                      G_GSIZE_FORMAT " picks pruned, %" G_GUINT64_FORMAT " switches",
                      i / 2 ? "7" : "automatic", i % 2 ? "on" : "off", pruned[i], p.k - 1,
                      switches[i]);
      g_assert_true (seen[i]);
      /* It switched off (the first switch) and on again (the second). */
      g_assert_cmpuint (switches[i], >=, 2);
      g_assert_cmpuint (pruned[i], >, 0);
      g_assert_cmpuint (pruned[i], <, p.k - 1);
    }
  lightly_selection_set_block_rows (0);
  lightly_selection_set_pruning (1);
  lightly_selection_set_fast_path (1);
  lightly_selection_set_simd (-1);
}

/* Speculative picks (lightly-selection-coreset-spec.c): guesses computed on
 * the rows a pass reads anyway, kept only when the greedy argmax then picks
 * them. The picks must be the double path's at every depth, list room
 * (2 entries per block and level overflows nearly every pass), SIMD path,
 * thread count, block size and pruning mode, for CORESET and CORAL, with
 * and without P, on random rows and on the adversarial cases (ties,
 * duplicates); and on random rows the guesses must come true. */
static void
test_speculation (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (2606);
  gsize n = test_slow_mode () ? 700 : 3000, dim = 32, i;
  gint depths[] = { 1, 2, 8, -1 };
  guint threads[] = { 1, 2, 5, 2, 5 };
  guint64 hits_random = 0, guesses_random = 0, hits_small_cap = 0, hits_big_cap = 0;
  guint d, cfg, set, method;

  for (set = 0; set < 1 + N_CASES; set++)
    for (method = 0; method < 2; method++)
      {
        gsize rows = set == 0 ? n : n / 4;
        g_autofree float *x = NULL;
        g_autofree guint32 *cand = g_new (guint32, rows);
        g_autofree double *scores = g_new (double, rows);
        guint32 pre[3];
        g_autoptr(GArray) ref = NULL;
        LightlySelectionParams p = { 0 };
        LightlySelectionStats st;
        LightlySelectionSimd s;

        if (set == 0)
          {
            x = g_new (float, rows * dim);
            for (i = 0; i < rows * dim; i++)
              x[i] = (float) g_rand_double_range (rng, -1, 1);
          }
        else
          x = make_rows (rng, (Case) (set - 1), rows, dim);
        for (i = 0; i < rows; i++)
          {
            cand[i] = (guint32) i;
            scores[i] = g_rand_double_range (rng, 0.05, 1);
          }
        p.method = method ? LIGHTLY_SELECTION_METHOD_CORAL : LIGHTLY_SELECTION_METHOD_CORESET;
        p.scores = scores;
        p.beta = 0.5;
        p.matrix = x;
        p.n_rows = rows;
        p.dim = dim;
        p.candidates = cand;
        p.n_candidates = rows;
        p.k = rows / 10;
        /* CORESET from three rows of P (not candidates), CORAL without. */
        if (method == 0)
          {
            p.n_candidates = rows - 3;
            p.candidates = cand + 3;
            for (i = 0; i < 3; i++)
              pre[i] = (guint32) i;
            p.preselected = pre;
            p.n_preselected = 3;
          }

        ref = run_double_path (&p);
        lightly_selection_get_stats (&st);
        g_assert_cmpuint (st.spec_guesses, ==, 0);
        lightly_selection_set_fast_path (1);
        lightly_selection_set_speculation (0, 0);
        run_same (&p, ref, &st);
        g_assert_cmpuint (st.spec_guesses, ==, 0);
        for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
          {
            if (!lightly_selection_simd_supported (s))
              continue;
            lightly_selection_set_simd (s);
            for (d = 0; d < G_N_ELEMENTS (depths); d++)
              for (cfg = 0; cfg < G_N_ELEMENTS (threads); cfg++)
                {
                  gsize cap = cfg == 2 || cfg == 3 ? 2 : 0;

                  lightly_selection_set_speculation (depths[d], cap);
                  lightly_selection_set_block_rows (cfg & 1 ? 7 : 0);
                  /* Guesses ride on pruned passes too: adaptive, and every
                   * pass pruned. */
                  lightly_selection_set_pruning (cfg == 3 ? 1 : cfg == 4 ? 2 : 0);
                  p.n_threads = threads[cfg];
                  run_same (&p, ref, &st);
                  g_assert_cmpuint (st.spec_hits, <=, st.spec_guesses);
                  g_assert_cmpuint (st.spec_guesses, >, 0);
                  if (set == 0)
                    {
                      hits_random += st.spec_hits;
                      guesses_random += st.spec_guesses;
                      if (cap == 2)
                        hits_small_cap += st.spec_hits;
                      else
                        hits_big_cap += st.spec_hits;
                    }
                }
          }
      }
  g_test_message ("speculation on random rows: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                  " guesses came true (%" G_GUINT64_FORMAT " with 2 entries of room)",
                  hits_random, guesses_random, hits_small_cap);
  /* The guesses save passes on random rows, and overflowing lists lose
   * some of them. */
  g_assert_cmpuint (hits_random, >, guesses_random / 4);
  g_assert_cmpuint (hits_small_cap, <, hits_big_cap);
  lightly_selection_set_speculation (-1, 0);
  lightly_selection_set_block_rows (0);
  lightly_selection_set_pruning (1);
  lightly_selection_set_simd (-1);
}

/* The first pass pruned by pivots of P (lightly-selection-coreset-seed-bf16.c)
 * on clusters with exact duplicates (in P and among the candidates),
 * midpoints of two rows (near-ties), rows near 0 and rows near the float32
 * maximum (left out of the bfloat16 bound): for every count of pivots,
 * thread count and block size, the minima are the double pass's bit for
 * bit, the picks are its picks, every pair is computed or skipped, and the
 * pairs skipped do not depend on the threads or blocks. */
static void
test_bf16_pivots (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (4096);
  gsize n = test_slow_mode () ? 1200 : 3000, dim = 40, nc = 24, i, j;
  g_autofree float *x = g_new (float, n * dim);
  g_autofree float *centres = g_new (float, nc * dim);
  g_autoptr(GArray) cand = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) pre = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree double *m_ref = NULL, *m = NULL;
  g_autofree guint32 *a = NULL;
  g_autoptr(GArray) ref = NULL;
  LightlySelectionParams p = { 0 };
  LightlySelectionCarry carry = { 0 };
  gint pivots[] = { -1, 1, 5, 120, 100000 };
  guint threads[] = { 1, 2, 5 }, pi, t, blocks, mode;
  guint64 skipped_auto = 0;

  if (!lightly_selection_bf16_supported ())
    {
      g_test_skip ("no AVX512_BF16 here: the pivots prune the bfloat16 tiles only");
      return;
    }
  for (i = 0; i < nc * dim; i++)
    centres[i] = (float) g_rand_double_range (rng, -1, 1);
  for (i = 0; i < n; i++)
    {
      float *r = x + i * dim;
      const float *c = centres + (gsize) g_rand_int_range (rng, 0, (gint32) nc) * dim;
      guint32 v = (guint32) i;

      if (i % 10 == 7)
        memcpy (r, x + (i - 3) * dim, dim * sizeof (float));
      else if (i % 10 == 8)
        for (j = 0; j < dim; j++)
          r[j] = (x[(i - 2) * dim + j] + x[(i - 4) * dim + j]) * 0.5f;
      else if (i % 100 == 9)
        for (j = 0; j < dim; j++)
          r[j] = (g_rand_boolean (rng) ? 3.39e38f : -1e38f) *
                 (float) g_rand_double_range (rng, 0.99, 1.0);
      else if (i % 100 == 19)
        for (j = 0; j < dim; j++)
          r[j] = (float) g_rand_double_range (rng, -1, 1) * 1e-39f;
      else
        for (j = 0; j < dim; j++)
          r[j] = c[j] + (float) g_rand_double_range (rng, -0.05, 0.05);
      g_array_append_val (i % 8 == 0 ? pre : cand, v);
    }
  p = test_coverage_params (FALSE, x, n, dim, cand, pre, NULL, 30);
  ref = run_double_path (&p);
  p.k = 1;
  p.carry = &carry;
  carry.mind2 = m_ref = g_new (double, cand->len);
  carry.anchor = a = g_new (guint32, cand->len);
  g_array_unref (run_double_path (&p));
  g_assert_true (carry.valid);
  carry.mind2 = m = g_new (double, cand->len);
  lightly_selection_set_simd (-1);
  lightly_selection_set_fast_path (1);
  lightly_selection_set_pruning (2);
  /* On each tile kernel (AMX's sums over the padded row have their own bound). */
  for (mode = 1; mode < bf16_modes (); mode++)
  for (pi = 0; pi < G_N_ELEMENTS (pivots); pi++)
    {
      guint64 skipped = G_MAXUINT64;

      lightly_selection_set_bf16 ((gint) mode);

      lightly_selection_set_bf16_pivots (pivots[pi]);
      for (t = 0; t < G_N_ELEMENTS (threads); t++)
        for (blocks = 0; blocks < 2; blocks++)
          {
            g_autoptr(GArray) picks = NULL;
            LightlySelectionStats st;

            lightly_selection_set_block_rows (blocks ? 7 : 0);
            p.n_threads = threads[t];
            p.k = 1;
            p.carry = &carry;
            g_array_unref (run_ok (&p));
            lightly_selection_get_stats (&st);
            g_assert_true (carry.valid);
            if (memcmp (m_ref, m, cand->len * sizeof (double)) != 0)
              g_error ("%d pivots, %u threads: the minima differ from the double pass",
                       pivots[pi], threads[t]);
            g_assert_cmpuint (st.bf16 + st.skipped, ==, (guint64) cand->len * pre->len);
            if (skipped == G_MAXUINT64)
              skipped = st.skipped;
            g_assert_cmpuint (st.skipped, ==, skipped);
            p.k = 30;
            p.carry = NULL;
            picks = run_ok (&p);
            assert_same (ref, picks, "pivots");
          }
      g_test_message ("%s tiles, %d pivots: %" G_GUINT64_FORMAT " of %u pairs skipped",
                      mode == 2 ? "AMX" : "AVX512_BF16", pivots[pi], skipped,
                      cand->len * pre->len);
      if (pivots[pi] == -1)
        skipped_auto = skipped;
    }
  /* 24 clusters and 41 pivots (one per 64 candidates): most pairs skipped. */
  g_assert_cmpuint (skipped_auto, >, (guint64) cand->len * pre->len / 2);
  /* CORAL reads the same minima, weighted by the scores. */
  {
    g_autofree double *scores = g_new (double, n);
    g_autoptr(GArray) coral_ref = NULL;

    for (i = 0; i < n; i++)
      scores[i] = (double) ((i * 7) % 11) / 10.0;
    p = test_coverage_params (TRUE, x, n, dim, cand, pre, scores, 30);
    coral_ref = run_double_path (&p);
    lightly_selection_set_simd (-1);
    lightly_selection_set_fast_path (1);
    lightly_selection_set_pruning (2);
    for (pi = 0; pi < 2; pi++)
      for (t = 0; t < 2; t++)
        {
          g_autoptr(GArray) picks = NULL;

          lightly_selection_set_bf16_pivots (pi ? 120 : -1);
          p.n_threads = threads[t];
          picks = run_ok (&p);
          assert_same (coral_ref, picks, "CORAL, pivots");
        }
  }
  lightly_selection_set_bf16_pivots (-1);
  lightly_selection_set_bf16 (-1);
  lightly_selection_set_block_rows (0);
  lightly_selection_set_pruning (1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/selection-fast/adversarial", test_adversarial);
  g_test_add_func ("/selection-fast/share", test_share);
  g_test_add_func ("/selection-fast/seed", test_seed);
  g_test_add_func ("/selection-fast/bf16-seed", test_bf16_seed);
  g_test_add_func ("/selection-fast/bf16-norms", test_bf16_norms);
  g_test_add_func ("/selection-fast/bf16-tiles", test_bf16_tiles);
  g_test_add_func ("/selection-fast/bf16-pivots", test_bf16_pivots);
  g_test_add_func ("/selection-fast/large-state", test_large_state);
  g_test_add_func ("/selection-fast/not-finite", test_not_finite);
  g_test_add_func ("/selection-fast/tile-bound", test_tile_bound);
  g_test_add_func ("/selection-fast/adaptive-pruning", test_adaptive_pruning);
  g_test_add_func ("/selection-fast/speculation", test_speculation);
  return g_test_run ();
}
