/* test-selection-half.c: the float16/bfloat16 copy of the matrix for
 * CORESET/CORAL (issue 13)
 *
 * The copy is the float32 matrix rounded to nearest, ties to even, with
 * the same bits on every SIMD path; values that overflow are refused with
 * a clear error. The update passes that read it give the picks of the pure
 * double path bit for bit.
 */
#include <lightly/lightly.h>
#include "selection/lightly-selection.h"
#include "test-selection-util.h"
#include "test-utils.h"
#include "selection/lightly-selection-half.h"

#include <math.h>
#include <string.h>

static float
f_of (guint32 x)
{
  float f;

  memcpy (&f, &x, sizeof f);
  return f;
}

/* Hand-checked roundings, ties and edges of both formats. */
static void
test_convert_edges (void)
{
  static const struct { float x; guint16 h; } fp16[] = {
    { 1.0f, 0x3c00 }, { -2.0f, 0xc000 }, { 0.0f, 0x0000 }, { -0.0f, 0x8000 },
    { 65504.0f, 0x7bff }, { 65519.99f, 0x7bff }, { 65520.0f, 0x7c00 },
    { 0x1p-14f, 0x0400 },                       /* smallest normal */
    { 0x1p-24f, 0x0001 },                       /* smallest subnormal */
    { 0x1p-25f, 0x0000 },                       /* tie: to even (0) */
    { 0x1.000002p-25f, 0x0001 },
    { 0x3p-25f, 0x0002 },                       /* 1.5 steps: tie to even (2) */
    { 0x5p-25f, 0x0002 },                       /* 2.5 steps: tie to even (2) */
    { 0x1.ffcp-15f, 0x0400 },                   /* 1023.5 steps: up to the normal */
    { 1.0f + 0x1p-11f, 0x3c00 },                /* tie: to even */
    { 1.0f + 0x3p-11f, 0x3c02 },                /* tie: to even, up */
    { 1e-30f, 0x0000 }, { 0x1p-149f, 0x0000 },
  };
  static const struct { float x; guint16 h; } bf16[] = {
    { 1.0f, 0x3f80 }, { -1.0f, 0xbf80 }, { 1.0f + 0x1p-8f, 0x3f80 },
    { 1.0f + 0x3p-8f, 0x3f82 }, { 0x1p-149f, 0x0000 }, { 0x1p-133f, 0x0001 },
    { 3.0e38f, 0x7f62 }, { 65520.0f, 0x4780 },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (fp16); i++)
    {
      if (lightly_half_fp16_from_float (fp16[i].x) != fp16[i].h)
        g_error ("fp16 (%a) = %04x, expected %04x", fp16[i].x,
                 lightly_half_fp16_from_float (fp16[i].x), fp16[i].h);
      if (fp16[i].h != 0x7c00)
        g_assert_cmpfloat (fabs (lightly_half_fp16_to_float (fp16[i].h) - fp16[i].x), <=,
                           fabs (fp16[i].x) * 0x1p-11 + 0x1p-25);
    }
  for (i = 0; i < G_N_ELEMENTS (bf16); i++)
    {
      if (lightly_half_bf16_from_float (bf16[i].x) != bf16[i].h)
        g_error ("bf16 (%a) = %04x, expected %04x", bf16[i].x,
                 lightly_half_bf16_from_float (bf16[i].x), bf16[i].h);
    }
  g_assert_cmphex (lightly_half_bf16_from_float (G_MAXFLOAT), ==, 0x7f80);
  g_assert_true (isnan (lightly_half_fp16_to_float (lightly_half_fp16_from_float (NAN))));
  g_assert_true (isnan (lightly_half_bf16_to_float (lightly_half_bf16_from_float (NAN))));
}

/* Every float16 value survives the trip through float32 and back; a sweep
 * over float32 bit patterns (every exponent, the tie and carry patterns)
 * gives the same float16 bits on every SIMD path as the scalar reference,
 * within the error bound the update pass's proof uses. */
static void
test_convert_sweep (void)
{
  gsize n = 0, i, cap = 1 << 21;
  g_autofree float *x = g_new (float, cap);
  g_autofree guint16 *ref = g_new (guint16, cap);
  g_autofree guint16 *h = g_new (guint16, cap);
  guint64 e;
  LightlySelectionSimd s;

  for (i = 0; i < 0x10000; i++)
    {
      guint16 v = (guint16) i;

      if ((v & 0x7c00) == 0x7c00)
        continue;
      g_assert_cmphex (lightly_half_fp16_from_float (lightly_half_fp16_to_float (v)), ==, v);
      g_assert_cmphex (lightly_half_bf16_from_float (lightly_half_bf16_to_float (v)), ==, v);
    }
  /* Finite float32 patterns: all exponents, low bits around the rounding
   * point (…fff, 1000, 1001 and 0x0fff/0x1000/0x1001 of the dropped bits). */
  for (e = 0; e < 255 && n + 64 <= cap; e++)
    {
      static const guint32 low[] = { 0, 1, 0xfff, 0x1000, 0x1001, 0x1fff, 0x2000, 0x3000,
                                     0x7fffff, 0x7ff000, 0x7fefff, 0x400000, 0x401000 };
      guint32 k, sign;

      for (sign = 0; sign < 2; sign++)
        for (k = 0; k < G_N_ELEMENTS (low); k++)
          x[n++] = f_of ((sign << 31) | ((guint32) e << 23) | low[k]);
    }
  for (e = 0; n < cap; e++)
    x[n++] = f_of ((guint32) ((e * 2654435761u) & 0x7f7fffff) | (guint32) (e & 1) << 31);
  for (i = 0; i < n; i++)
    {
      float v;

      ref[i] = lightly_half_fp16_from_float (x[i]);
      v = lightly_half_fp16_to_float (ref[i]);
      if (isfinite (v))
        g_assert_cmpfloat (fabs ((double) v - x[i]), <=, fabs (x[i]) * 0x1p-11 + 0x1p-25);
      else
        g_assert_cmpfloat (fabs (x[i]), >=, 65520.0f);
      v = lightly_half_bf16_to_float (lightly_half_bf16_from_float (x[i]));
      if (isfinite (v))
        g_assert_cmpfloat (fabs ((double) v - x[i]), <=, fabs (x[i]) * 0x1p-8 + 0x1p-134);
    }
  for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
    {
      const LightlySelectionHalfKernels *hk;
      gsize len;

      if (!lightly_selection_simd_supported (s))
        continue;
      hk = lightly_selection_half_kernels_get (s);
      /* Odd lengths: the tails too. */
      for (len = n - 13; len <= n; len += 13)
        {
          memset (h, 0xab, n * sizeof (guint16));
          hk->to_fp16 (x, h, len);
          if (memcmp (h, ref, len * sizeof (guint16)) != 0)
            {
              for (i = 0; i < len && h[i] == ref[i]; i++)
                ;
              g_error ("%s: fp16 (%a) = %04x, the reference %04x",
                       lightly_selection_simd_name (s), x[i], h[i], ref[i]);
            }
          if (len < n)
            g_assert_cmphex (h[len], ==, 0xabab);
        }
    }
}

/* The half kernels on every path: Σ (q − h(c))² within float rounding of
 * the double value, for dims that exercise every tail and row counts that
 * are not multiples of four. */
static void
test_kernels (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (99);
  gsize dims[] = { 1, 7, 8, 15, 16, 17, 33, 128, 131 }, di, i, r, kind;
  LightlySelectionSimd s;

  for (di = 0; di < G_N_ELEMENTS (dims); di++)
    {
      gsize dim = dims[di], nr = 7;
      g_autofree float *q = g_new (float, dim);
      g_autofree guint16 *rows = g_new (guint16, nr * dim);
      const guint16 *rp[7];
      float out[7];

      for (i = 0; i < dim; i++)
        q[i] = (float) g_rand_double_range (rng, -1, 1);
      for (kind = 0; kind < 2; kind++)
        {
          double want[7];

          for (r = 0; r < nr; r++)
            {
              double acc = 0;

              rp[r] = rows + r * dim;
              for (i = 0; i < dim; i++)
                {
                  float v = (float) g_rand_double_range (rng, -1, 1);
                  guint16 hv = kind ? lightly_half_bf16_from_float (v)
                                    : lightly_half_fp16_from_float (v);
                  double t = (double) q[i] - (kind ? lightly_half_bf16_to_float (hv)
                                                   : lightly_half_fp16_to_float (hv));

                  rows[r * dim + i] = hv;
                  acc += t * t;
                }
              want[r] = acc;
            }
          for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
            {
              const LightlySelectionHalfKernels *hk;
              gsize n;

              if (!lightly_selection_simd_supported (s))
                continue;
              hk = lightly_selection_half_kernels_get (s);
              for (n = 1; n <= nr; n++)
                {
                  (kind ? hk->d2_bf16 : hk->d2_fp16) (q, rp, n, dim, out);
                  for (r = 0; r < n; r++)
                    g_assert_cmpfloat (fabs (out[r] - want[r]), <=,
                                       want[r] * (dim + 2) * 0x1p-23 + 1e-30);
                }
            }
        }
    }
}

/* Values past float16's range, and values that are not finite, are refused
 * with an error that names the row; bfloat16 takes the large ones. */
static void
test_overflow (void)
{
  float x[4 * 3] = { 0.5f, 0.25f, 0, 1, 2, 3, 65519.0f, -65504.0f, 1, 0, 0, 0 };
  g_autoptr(GError) error = NULL;
  guint16 *h;

  h = lightly_selection_half_new (x, 4, 3, LIGHTLY_SELECTION_HALF_FP16, &error);
  g_assert_no_error (error);
  g_assert_cmphex (h[6], ==, 0x7bff);
  g_assert_cmphex (h[7], ==, 0xfbff);
  g_aligned_free (h);

  x[10] = -70000.0f;
  h = lightly_selection_half_new (x, 4, 3, LIGHTLY_SELECTION_HALF_FP16, &error);
  g_assert_null (h);
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "row 3"));
  g_assert_nonnull (strstr (error->message, "overflows float16"));
  g_clear_error (&error);

  h = lightly_selection_half_new (x, 4, 3, LIGHTLY_SELECTION_HALF_BF16, &error);
  g_assert_no_error (error);
  g_assert_cmphex (h[10], ==, lightly_half_bf16_from_float (-70000.0f));
  g_aligned_free (h);

  x[10] = G_MAXFLOAT;
  h = lightly_selection_half_new (x, 4, 3, LIGHTLY_SELECTION_HALF_BF16, &error);
  g_assert_null (h);
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "overflows bfloat16"));
  g_clear_error (&error);

  x[10] = NAN;
  h = lightly_selection_half_new (x, 4, 3, LIGHTLY_SELECTION_HALF_BF16, &error);
  g_assert_null (h);
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "not finite"));
  g_clear_error (&error);

  h = lightly_selection_half_new (x, 4, 3, (LightlySelectionHalf) 7, &error);
  g_assert_null (h);
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
}

/* The params: a copy needs its kind and a kind needs its copy. */
static void
test_params (void)
{
  float x[2 * 2] = { 1, 0, 0, 1 };
  guint16 hx[2 * 2] = { 0x3c00, 0, 0, 0x3c00 };
  guint32 cand[2] = { 0, 1 };
  LightlySelectionParams p = { 0 };
  g_autoptr(GError) error = NULL;
  GArray *a;

  p.method = LIGHTLY_SELECTION_METHOD_CORESET;
  p.matrix = x;
  p.n_rows = 2;
  p.dim = 2;
  p.candidates = cand;
  p.n_candidates = 2;
  p.k = 1;
  p.matrix_half = hx;
  a = lightly_selection_run (&p, &error);
  g_assert_null (a);
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  p.matrix_half = NULL;
  p.half_kind = LIGHTLY_SELECTION_HALF_BF16;
  a = lightly_selection_run (&p, &error);
  g_assert_null (a);
  g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  p.matrix_half = hx;
  p.half_kind = LIGHTLY_SELECTION_HALF_FP16;
  a = lightly_selection_run (&p, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->len, ==, 1);
  g_array_unref (a);
}

/* ---------------------------------------------------------------------- */
/* Picks through the half copy                                             */

typedef enum {
  CASE_UNIT,          /* random unit rows: the bound decides most rows */
  CASE_ULPS,          /* copies of one row a few float32 ulps apart */
  CASE_HALF_ULPS,     /* copies a fraction of a float16 ulp apart: equal half rows */
  CASE_DUPLICATES,    /* a few rows, each repeated, some nudged by an ulp */
  CASE_VERTICES,      /* ±1/√dim: many exactly equal distances */
  CASE_SCALES,        /* random rows scaled by 10^[-25, 4]: float16 subnormals and zeros */
  CASE_CLUSTERS,      /* tight clusters: near-ties between members */
  N_CASES
} Case;

static const char *case_names[] = {
  "unit", "ulps", "half-ulps", "duplicates", "vertices", "scales", "clusters"
};

static float *
make_rows (GRand *rng, Case c, gsize n, gsize dim)
{
  float *x = g_new (float, n * dim);
  gsize i, j;

  for (i = 0; i < n; i++)
    {
      float *r = x + i * dim;
      double s = 0;

      switch (c)
        {
        case CASE_UNIT:
          for (j = 0; j < dim; j++)
            {
              r[j] = (float) g_rand_double_range (rng, -1, 1);
              s += (double) r[j] * r[j];
            }
          for (j = 0; j < dim; j++)
            r[j] = (float) (r[j] / sqrt (s));
          break;
        case CASE_ULPS:
        case CASE_HALF_ULPS:
          for (j = 0; j < dim; j++)
            {
              gint steps = g_rand_int_range (rng, 0, 4);

              r[j] = 0.3f + 0.01f * (float) j;
              if (c == CASE_HALF_ULPS)
                r[j] += (float) g_rand_double_range (rng, -4e-5, 4e-5);
              else
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
          {
            float sc = powf (10.0f, (float) g_rand_int_range (rng, -25, 5));

            for (j = 0; j < dim; j++)
              r[j] = sc * (float) g_rand_double_range (rng, -1, 1);
          }
          break;
        case CASE_CLUSTERS:
        default:
          if (i < 5)
            for (j = 0; j < dim; j++)
              r[j] = (float) g_rand_double_range (rng, -1, 1);
          else
            for (j = 0; j < dim; j++)
              r[j] = x[(i % 5) * dim + j] + (float) g_rand_double_range (rng, -1e-3, 1e-3);
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

/* The double path (portable, 1 thread, no copy) against the half copy of
 * each kind on every SIMD path, 1 and 2 threads, small and automatic
 * blocks, pruning off, on every pick and adaptive; adds the rows computed
 * from the copy and those that needed the float32 row. */
static void
compare_half (LightlySelectionParams *p, const char *what, guint64 *half, guint64 *exact)
{
  g_autoptr(GArray) ref = NULL;
  LightlySelectionStats st;
  LightlySelectionSimd s;
  guint threads[] = { 1, 2 }, t, blocks, prune, kind, spec;

  lightly_selection_set_simd (LIGHTLY_SELECTION_SIMD_PORTABLE);
  lightly_selection_set_fast_path (0);
  lightly_selection_set_pruning (0);
  p->matrix_half = NULL;
  p->half_kind = LIGHTLY_SELECTION_HALF_NONE;
  p->n_threads = 1;
  ref = run_ok (p);
  lightly_selection_set_fast_path (1);
  for (kind = LIGHTLY_SELECTION_HALF_FP16; kind <= LIGHTLY_SELECTION_HALF_BF16; kind++)
    {
      g_autoptr(GError) error = NULL;
      guint16 *h = lightly_selection_half_new (p->matrix, p->n_rows, p->dim,
                                               (LightlySelectionHalf) kind, &error);

      g_assert_no_error (error);
      p->matrix_half = h;
      p->half_kind = (LightlySelectionHalf) kind;
      for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
        {
          if (!lightly_selection_simd_supported (s))
            continue;
          lightly_selection_set_simd (s);
          for (t = 0; t < G_N_ELEMENTS (threads); t++)
            for (blocks = 0; blocks < 2; blocks++)
              for (prune = 0; prune <= 2; prune++)
                for (spec = 0; spec < 2; spec++)
                  {
                    g_autoptr(GArray) a = NULL;

                    /* Guesses off: every fast pass streams the copy; on:
                     * the passes with guesses stream the float32 rows. */
                    lightly_selection_set_speculation (spec ? -1 : 0, 0);
                    p->n_threads = threads[t];
                    lightly_selection_set_block_rows (blocks ? 7 : 0);
                    lightly_selection_set_pruning ((gint) prune);
                    a = run_ok (p);
                    if (ref->len != a->len ||
                        (a->len > 0 &&
                         memcmp (ref->data, a->data, a->len * sizeof (guint32)) != 0))
                      g_error ("%s picks differ from the double path (%s, %s, %u threads, "
                               "pruning %u): %u vs %u picks",
                               lightly_selection_half_name (kind), what,
                               lightly_selection_simd_name (s), threads[t], prune, ref->len,
                               a->len);
                    lightly_selection_get_stats (&st);
                    /* Passes with guesses stream the float32 rows, pruned
                     * or not (and the first pass over P keeps its float32
                     * tiles). */
                    if (spec == 0)
                      g_assert_cmpuint (st.half, >, 0);
                    if (spec == 0)
                      g_assert_cmpuint (st.spec_guesses, ==, 0);
                    g_assert_cmpuint (st.half, <=, st.fast);
                    g_assert_cmpuint (st.half_exact, <=, st.half);
                    g_assert_cmpuint (st.half_exact, <=, st.exact);
                    half[kind - 1] += st.half;
                    exact[kind - 1] += st.half_exact;
                  }
        }
      p->matrix_half = NULL;
      p->half_kind = LIGHTLY_SELECTION_HALF_NONE;
      g_aligned_free (h);
    }
  lightly_selection_set_speculation (-1, 0);
  lightly_selection_set_block_rows (0);
  lightly_selection_set_pruning (1);
  lightly_selection_set_simd (-1);
}

static void
test_picks (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (1414);
  /* Under valgrind the first two: odd dims below and above a SIMD width
   * (the kernels' test covers the others one by one). All four ran 380 s
   * there, most of the unit suite's budget. */
  gsize dims[] = { 13, 37, 1, 130 }, n = 200, di, i, n_dims = test_slow_mode () ? 2 : G_N_ELEMENTS (dims);
  guint64 half[N_CASES][2] = { { 0 } }, exact[N_CASES][2] = { { 0 } };
  gint c;

  for (c = 0; c < N_CASES; c++)
    for (di = 0; di < n_dims; di++)
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
                                                                 scores, 40);
                g_autofree char *what = g_strdup_printf ("%s dim %zu %s%s", case_names[c],
                                                         dim, method ? "CORAL" : "CORESET",
                                                         with_p ? " with P" : "");

                compare_half (&p, what, half[c], exact[c]);
              }
          }
      }
  for (c = 0; c < N_CASES; c++)
    {
      g_test_message ("%s: float16 %" G_GUINT64_FORMAT " rows, %" G_GUINT64_FORMAT
                      " needed float32; bfloat16 %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT,
                      case_names[c], half[c][0], exact[c][0], half[c][1], exact[c][1]);
      g_assert_cmpuint (half[c][0], >, 0);
      g_assert_cmpuint (half[c][1], >, 0);
    }
  /* The copy decides most well-separated rows, float16 more than bfloat16;
   * rows closer than its resolution go back to float32 (all but those at
   * distance 0, which cannot get lower). */
  g_assert_cmpuint (exact[CASE_UNIT][0] * 3, <, half[CASE_UNIT][0]);
  g_assert_cmpuint (exact[CASE_UNIT][0], <=, exact[CASE_UNIT][1]);
  g_assert_cmpuint (exact[CASE_HALF_ULPS][0] * 100, >, half[CASE_HALF_ULPS][0] * 99);
}

/* Carried coverage through the half copy: the carried minima and the picks
 * equal those of a run from scratch without it. */
static void
test_carry (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (5);
  gsize n = 600, dim = 24, i;
  g_autofree float *x = make_rows (rng, CASE_UNIT, n, dim);
  g_autoptr(GArray) cand = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) pre = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GError) error = NULL;
  guint16 *h = lightly_selection_half_new (x, n, dim, LIGHTLY_SELECTION_HALF_FP16, &error);
  g_autofree double *m_ref = NULL, *m_half = NULL;
  g_autofree guint32 *a_ref = NULL, *a_half = NULL;
  g_autoptr(GArray) r1 = NULL;
  g_autoptr(GArray) r2 = NULL;
  LightlySelectionCarry carry = { 0 };
  LightlySelectionParams p = { 0 };

  g_assert_no_error (error);
  for (i = 0; i < n; i++)
    {
      guint32 v = (guint32) i;

      g_array_append_val (i % 10 == 3 ? pre : cand, v);
    }
  m_ref = g_new (double, cand->len);
  m_half = g_new (double, cand->len);
  a_ref = g_new (guint32, cand->len);
  a_half = g_new (guint32, cand->len);
  p.method = LIGHTLY_SELECTION_METHOD_CORESET;
  p.matrix = x;
  p.n_rows = n;
  p.dim = dim;
  p.candidates = (const guint32 *) cand->data;
  p.n_candidates = cand->len;
  p.preselected = (const guint32 *) pre->data;
  p.n_preselected = pre->len;
  p.k = 30;
  p.carry = &carry;
  carry.mind2 = m_ref;
  carry.anchor = a_ref;
  lightly_selection_set_fast_path (0);
  r1 = run_ok (&p);
  lightly_selection_set_fast_path (1);
  carry.mind2 = m_half;
  carry.anchor = a_half;
  p.matrix_half = h;
  p.half_kind = LIGHTLY_SELECTION_HALF_FP16;
  r2 = run_ok (&p);
  g_assert_true (carry.valid);
  g_assert_cmpuint (r1->len, ==, r2->len);
  g_assert_cmpmem (r1->data, r1->len * sizeof (guint32), r2->data, r2->len * sizeof (guint32));
  g_assert_cmpmem (m_ref, cand->len * sizeof (double), m_half, cand->len * sizeof (double));
  g_aligned_free (h);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/selection-half/convert-edges", test_convert_edges);
  g_test_add_func ("/selection-half/convert-sweep", test_convert_sweep);
  g_test_add_func ("/selection-half/kernels", test_kernels);
  g_test_add_func ("/selection-half/overflow", test_overflow);
  g_test_add_func ("/selection-half/params", test_params);
  g_test_add_func ("/selection-half/picks", test_picks);
  g_test_add_func ("/selection-half/carry", test_carry);
  return g_test_run ();
}
