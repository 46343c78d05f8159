/* test-probcover-graph.c: PROBCOVER's blocked δ-graph builder gives the
 * exact builder's graph, and the same picks (issue 13)
 *
 * The blocked builder (lightly-probcover-graph.c) computes float32 tiles and
 * redoes in double only the entries its error bound cannot decide. Its graph
 * must equal the exact builder's entry for entry, on inputs built to break
 * it: random rows, rows at exactly δ from each other (small integers, so
 * the double distances are exact), rows a few ulps from the δ sphere,
 * duplicates, magnitudes whose float products underflow, and norms large
 * enough to force the exact fallback; on every SIMD path and with 1 and 2
 * threads, for dims that exercise the tile's edges (1 … 100, rows not a
 * multiple of 6 or 16); and again with the pruning between cells forced
 * (far-apart blobs, where it skips tiles, and two slabs 1 ± 2⁻²⁰ apart at
 * δ = 1, where a bound looser by 10⁻⁵ is caught). The purity rule's δ and
 * every histogram bin its edge estimate reads equal the all-double pass's.
 */
#include <lightly/lightly.h>
#include "selection/lightly-selection.h"
#include "selection/lightly-probcover-graph.h"
#include "test-utils.h"

#include <math.h>
#include <string.h>

typedef enum {
  CASE_RANDOM,        /* Gaussian rows, δ near the median distance */
  CASE_LATTICE,       /* coordinates in {0, ½, 1}: many distances exactly δ = 1 */
  CASE_SPHERE,        /* pairs x, x + δ·v: distances within ulps of δ */
  CASE_DUPLICATES,    /* a few rows repeated, some nudged by an ulp; tiny δ */
  CASE_TINY,          /* rows of 1e-21: float products underflow */
  CASE_HUGE,          /* rows of 1e18: norms beyond 2¹⁰⁰, the exact fallback */
  CASE_BLOBS,         /* 9 far-apart blobs: the pruning separates their cells */
  CASE_SLABS,         /* two slabs 1 ± 2⁻²⁰ apart, δ = 1: cells just within or beyond δ */
  N_CASES
} Case;

/* Under valgrind (or LIGHTLY_TEST_SMALL) the random sizes shrink: the
 * cases and their edges stay, the O(n²) work drops by ~10×. */
static gint32
max_rows (gint32 full)
{
  return test_slow_mode () ? full / 3 : full;
}

static const char *case_names[] = { "random", "lattice", "sphere", "duplicates", "tiny", "huge", "blobs", "slabs" };

static float *
make_rows (GRand *rng, Case c, gsize n, gsize dim, double *delta)
{
  float *x = g_new (float, n * dim);
  float slab = g_rand_boolean (rng) ? 1.0f - 0x1p-20f : 1.0f + 0x1p-20f;
  gsize i, j;

  *delta = 1.0;
  for (i = 0; i < n; i++)
    {
      float *r = x + i * dim;

      switch (c)
        {
        case CASE_RANDOM:
        case CASE_TINY:
        case CASE_HUGE:
          for (j = 0; j < dim; j++)
            r[j] = (float) g_rand_double_range (rng, -1, 1);
          break;
        case CASE_LATTICE:
          for (j = 0; j < dim; j++)
            r[j] = 0.5f * (float) g_rand_int_range (rng, 0, 3);
          break;
        case CASE_SPHERE:
          if (i % 2 == 0)
            for (j = 0; j < dim; j++)
              r[j] = (float) g_rand_double_range (rng, -1, 1);
          else
            {
              double norm = 0;
              g_autofree double *v = g_new (double, dim);

              for (j = 0; j < dim; j++)
                {
                  v[j] = g_rand_double_range (rng, -1, 1);
                  norm += v[j] * v[j];
                }
              norm = sqrt (norm);
              for (j = 0; j < dim; j++)
                r[j] = (float) (r[j - dim] + 0.75 * v[j] / norm);
            }
          break;
        case CASE_BLOBS:
          /* Blob i mod 9 at 4·(its number's bits) on the first dims. */
          for (j = 0; j < dim; j++)
            r[j] = (float) (4.0 * (double) (((i % 9) >> (j % 4)) & 1) + g_rand_double_range (rng, -0.5, 0.5));
          break;
        case CASE_SLABS:
          r[0] = (float) (i % 2) * slab;
          for (j = 1; j < dim; j++)
            r[j] = 0.01f * (float) g_rand_int_range (rng, 0, 2);
          break;
        case CASE_DUPLICATES:
          if (i < 5)
            for (j = 0; j < dim; j++)
              r[j] = (float) g_rand_double_range (rng, -1, 1);
          else
            {
              memcpy (r, x + (gsize) g_rand_int_range (rng, 0, 5) * dim, dim * sizeof (float));
              if (g_rand_boolean (rng))
                r[0] = nextafterf (r[0], 2.0f);
            }
          break;
        default:
          g_assert_not_reached ();
        }
    }
  if (c == CASE_RANDOM)
    *delta = sqrt (2.0 * dim / 3.0) * g_rand_double_range (rng, 0.5, 0.9);
  else if (c == CASE_SPHERE)
    *delta = 0.75;
  else if (c == CASE_BLOBS)
    *delta = sqrt (dim / 3.0) * 0.6;
  else if (c == CASE_DUPLICATES)
    *delta = 1e-7;
  else if (c == CASE_TINY || c == CASE_HUGE)
    {
      double s = c == CASE_TINY ? 1e-21 : 1e18;

      for (i = 0; i < n * dim; i++)
        x[i] = (float) (x[i] * s);
      *delta = sqrt (2.0 * dim / 3.0) * 0.7 * s;
    }
  return x;
}

static void
assert_same_graph (const LightlyProbcoverGraph *a, const LightlyProbcoverGraph *b, const char *what)
{
  gsize i;

  g_assert_cmpuint (a->n, ==, b->n);
  g_assert_cmpuint (a->n_edges, ==, b->n_edges);
  for (i = 0; i < a->n; i++)
    {
      guint32 na, nb;
      const guint32 *ea = lightly_probcover_graph_neighbours (a, i, &na);
      const guint32 *eb = lightly_probcover_graph_neighbours (b, i, &nb);

      if (na != nb || memcmp (ea, eb, na * sizeof (guint32)) != 0)
        g_error ("%s: row %" G_GSIZE_FORMAT " has %u neighbours, the exact graph %u", what, i, na, nb);
    }
}

static void
test_graph_equal (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (1313);
  gsize dims[] = { 1, 3, 7, 16, 33, 64, 100 };
  guint64 checked = 0, redone = 0, fallback_checked = 0, skipped = 0;
  guint c, di;

  for (c = 0; c < N_CASES; c++)
    for (di = 0; di < G_N_ELEMENTS (dims); di++)
      {
        gsize dim = dims[di], n = 50 + (gsize) g_rand_int_range (rng, 0, max_rows (700)), i;
        g_autofree guint32 *rows = g_new (guint32, n);
        g_autofree float *x = NULL;
        g_autofree double *norms = NULL;
        LightlyProbcoverGraph ref = { 0 };
        LightlyPoints pts = { 0 };
        g_autoptr(GError) error = NULL;
        double delta;
        int s;

        x = make_rows (rng, (Case) c, n, dim, &delta);
        /* Candidates in a shuffled order, as a subset would be. */
        for (i = 0; i < n; i++)
          rows[i] = (guint32) i;
        for (i = n - 1; i > 0; i--)
          {
            gsize j = (gsize) g_rand_int_range (rng, 0, (gint32) i + 1);
            guint32 t = rows[i];

            rows[i] = rows[j];
            rows[j] = t;
          }
        pts.matrix = x;
        pts.dim = dim;
        pts.rows = rows;
        pts.n = n;
        pts.n_threads = 1;
        pts.kern = lightly_selection_kernels_get (LIGHTLY_SELECTION_SIMD_PORTABLE);
        norms = lightly_points_norms (&pts);
        g_assert_true (lightly_probcover_graph_build (&pts, norms, delta, G_MAXSIZE, TRUE, NULL, NULL,
                                                      &ref, &error));
        g_assert_no_error (error);
        g_assert_cmpuint (ref.n_edges, >=, n);
        for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
          for (guint t = 1; t <= 4; t++)
            {
              LightlyProbcoverGraph g = { 0 };
              /* t = 3, 4: 1 and 2 threads again, with the pruning forced. */
              guint nt = 2 - t % 2;
              gboolean prune = t > 2;
              g_autofree char *what = g_strdup_printf ("%s dim %" G_GSIZE_FORMAT " n %" G_GSIZE_FORMAT
                                                       " simd %d threads %u pruning %d", case_names[c],
                                                       dim, n, s, nt, prune);

              if (!lightly_selection_simd_supported ((LightlySelectionSimd) s))
                continue;
              pts.kern = lightly_selection_kernels_get (s);
              pts.n_threads = nt;
              lightly_probcover_set_graph_pruning (prune ? 1 : 0);
              g_assert_true (lightly_probcover_graph_build (&pts, norms, delta, G_MAXSIZE, FALSE, NULL,
                                                            NULL, &g, &error));
              lightly_probcover_set_graph_pruning (-1);
              skipped += g.n_skipped;
              if (!prune)
                g_assert_cmpuint (g.n_skipped, ==, 0);
              g_assert_no_error (error);
              assert_same_graph (&g, &ref, what);
              if (c == CASE_HUGE)
                fallback_checked += g.n_checked;
              else
                g_assert_cmpuint (g.n_checked, >=, n);
              checked += g.n_checked;
              redone += g.n_double;
              lightly_probcover_graph_clear (&g);
            }
        lightly_probcover_graph_clear (&ref);
      }
  /* The lattice and sphere cases cannot be decided in float32; the blobs
   * are pruned. */
  g_assert_cmpuint (redone, >, 0);
  g_assert_cmpuint (fallback_checked, ==, 0);
  g_assert_cmpuint (skipped, >, 0);
  g_test_message ("%" G_GUINT64_FORMAT " entries past the float32 filter, %" G_GUINT64_FORMAT
                  " redone in double, %" G_GUINT64_FORMAT " tiles pruned", checked, redone, skipped);
}

/* The edge cap fails the same way on both builders. */
static void
test_graph_cap (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (7);
  gsize n = 400, dim = 8, i;
  g_autofree guint32 *rows = g_new (guint32, n);
  g_autofree float *x = NULL;
  g_autofree double *norms = NULL;
  LightlyPoints pts = { 0 };
  double delta;
  guint exact;

  x = make_rows (rng, CASE_RANDOM, n, dim, &delta);
  for (i = 0; i < n; i++)
    rows[i] = (guint32) i;
  pts.matrix = x;
  pts.dim = dim;
  pts.rows = rows;
  pts.n = n;
  pts.n_threads = 2;
  pts.kern = lightly_selection_kernels_get (lightly_selection_simd_current ());
  norms = lightly_points_norms (&pts);
  for (exact = 0; exact < 2; exact++)
    {
      LightlyProbcoverGraph g = { 0 };
      g_autoptr(GError) error = NULL;

      g_assert_false (lightly_probcover_graph_build (&pts, norms, delta, n + 10, exact, NULL, NULL,
                                                     &g, &error));
      g_assert_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT);
      lightly_probcover_graph_clear (&g);
    }
}

/* Picks through the entry point: blocked and exact builders, every SIMD path,
 * 1 and 2 threads, with and without labeled rows and the purity rule. */
static void
test_picks_equal (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (99);
  guint round;

  for (round = 0; round < 12; round++)
    {
      Case c = (Case) (round % 4);
      gsize n = 200 + (gsize) g_rand_int_range (rng, 0, 600), dim = 2 + round * 5, i, n_pre = 0;
      g_autofree float *x = NULL;
      g_autofree guint32 *cand = g_new (guint32, n);
      g_autofree guint32 *pre = g_new (guint32, n);
      LightlySelectionParams p = { 0 };
      g_autoptr(GArray) ref = NULL;
      g_autoptr(GError) error = NULL;
      double delta;
      int s;

      x = make_rows (rng, c, n, dim, &delta);
      if (delta > 2)
        {
          /* The entry point takes δ ≤ 2 (normalised embeddings). */
          for (i = 0; i < n * dim; i++)
            x[i] = (float) (x[i] * 1.5 / delta);
          delta = 1.5;
        }
      for (i = 0; i < n; i++)
        if (round % 3 == 1 && i % 9 == 4)
          pre[n_pre++] = (guint32) i;
        else
          cand[i - n_pre] = (guint32) i;
      p.method = LIGHTLY_SELECTION_METHOD_PROBCOVER;
      p.matrix = x;
      p.n_rows = n;
      p.dim = dim;
      p.candidates = cand;
      p.n_candidates = n - n_pre;
      p.preselected = pre;
      p.n_preselected = n_pre;
      p.k = 5 + round * 7;
      p.min_distance = -1;
      p.seed = round;
      p.delta = round % 4 == 3 ? 0 : delta;
      p.n_threads = 1;
      lightly_selection_set_simd (LIGHTLY_SELECTION_SIMD_PORTABLE);
      lightly_probcover_set_exact_graph (TRUE);
      lightly_probcover_set_exact_purity (TRUE);
      ref = lightly_selection_run (&p, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ref->len, ==, p.k);
      lightly_probcover_set_exact_graph (FALSE);
      lightly_probcover_set_exact_purity (FALSE);
      for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
        for (guint t = 1; t <= 2; t++)
          {
            g_autoptr(GArray) a = NULL;

            if (!lightly_selection_simd_supported ((LightlySelectionSimd) s))
              continue;
            lightly_selection_set_simd (s);
            p.n_threads = t;
            /* 2 threads with the graph's pruning forced. */
            lightly_probcover_set_graph_pruning (t == 2 ? 1 : -1);
            a = lightly_selection_run (&p, &error);
            lightly_probcover_set_graph_pruning (-1);
            g_assert_no_error (error);
            g_assert_cmpmem (a->data, a->len * sizeof (guint32), ref->data, ref->len * sizeof (guint32));
          }
    }
  lightly_selection_set_simd (-1);
}

/* The purity rule's δ from the float32 sample pass equals the all-double
 * pass's bit for bit, and so does every shrink of δ by the edge estimate
 * (which reads the histogram's counts bin by bin): swept over edge caps. */
static void
test_purity_equal (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (2024);
  gsize dims[] = { 1, 5, 16, 33, 64 };
  guint64 entries = 0, redone = 0;
  guint c, di, round = 0;

  for (c = 0; c <= N_CASES; c++)
    for (di = 0; di < G_N_ELEMENTS (dims); di++, round++)
      {
        gsize dim = dims[di], n = 40 + (gsize) g_rand_int_range (rng, 0, max_rows (900)), i, cap;
        g_autofree guint32 *rows = g_new (guint32, n);
        g_autofree float *x = NULL;
        g_autofree double *norms = NULL;
        LightlySelectionParams p = { 0 };
        LightlyPoints pts = { 0 };
        double delta, scale = 1.0;

        if (c == N_CASES)
          {
            /* Bin edges: rows k/2048 · e₀ plus one shared vector v ⊥ e₀
             * of full-mantissa floats, so that every distance is exactly a
             * multiple of 1/2048, and the computed ones (norms ≈ ‖v‖²,
             * then cancellation) land within ulps of a bin edge, on either
             * side; with duplicates. */
            g_autofree float *v = g_new0 (float, dim);
            gsize j;

            for (j = 1; j < dim; j++)
              v[j] = (float) g_rand_double_range (rng, -1, 1);
            x = g_new (float, n * dim);
            for (i = 0; i < n; i++)
              {
                memcpy (x + i * dim, v, dim * sizeof (float));
                x[i * dim] = (float) g_rand_int_range (rng, 0, 1400) / 2048.0f;
              }
          }
        else
          {
            x = make_rows (rng, (Case) c, n, dim, &delta);
            /* Distances about 1, as for normalised embeddings; one dim in
             * three left large, so that the last bin collects them. */
            if ((c == CASE_RANDOM || c == CASE_LATTICE || c == CASE_SPHERE) && di % 3 != 2)
              scale = 1.0 / sqrt ((double) dim);
            for (i = 0; i < n * dim; i++)
              x[i] = (float) (x[i] * scale);
          }
        for (i = 0; i < n; i++)
          rows[i] = (guint32) i;
        for (i = n - 1; i > 0; i--)
          {
            gsize j = (gsize) g_rand_int_range (rng, 0, (gint32) i + 1);
            guint32 t = rows[i];

            rows[i] = rows[j];
            rows[j] = t;
          }
        pts.matrix = x;
        pts.dim = dim;
        pts.rows = rows;
        pts.n = n;
        p.seed = round;
        /* One label (every ball pure: δ = 2, all bins read), a few, many. */
        p.pseudo_classes = round % 4 == 0 ? 1 : round % 4 == 1 ? 3 : round % 4 == 2 ? 10 : 40;
        /* Edge caps from none to ones that shrink δ at various bins. */
        for (cap = 0; cap < 6; cap++)
          {
            gsize max_edges = cap == 0 ? G_MAXSIZE / 4 : n * (gsize) (1 << (2 * cap - 1));
            double ref_delta = -1;
            g_autofree guint64 *ref_hist = NULL;
            const guint64 *h0;
            gsize ref_bins;
            int s;

            pts.kern = lightly_selection_kernels_get (LIGHTLY_SELECTION_SIMD_PORTABLE);
            pts.n_threads = 1;
            g_free (norms);
            norms = lightly_points_norms (&pts);
            lightly_probcover_set_exact_purity (TRUE);
            g_assert_true (lightly_probcover_purity_delta (&p, &pts, norms, max_edges, NULL, NULL,
                                                           &ref_delta, NULL));
            lightly_probcover_set_exact_purity (FALSE);
            g_assert_cmpfloat (ref_delta, >, 0);
            h0 = lightly_probcover_last_purity_hist (&ref_bins);
            ref_hist = g_memdup2 (h0, ref_bins * sizeof (guint64));
            g_assert_cmpuint (ref_bins, >=, 1);
            for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
              for (guint t = 1; t <= 2; t++)
                {
                  double d = -1;
                  guint64 ne, nd;

                  if (!lightly_selection_simd_supported ((LightlySelectionSimd) s))
                    continue;
                  pts.kern = lightly_selection_kernels_get (s);
                  pts.n_threads = t;
                  g_assert_true (lightly_probcover_purity_delta (&p, &pts, norms, max_edges, NULL,
                                                                 NULL, &d, NULL));
                  if (memcmp (&d, &ref_delta, sizeof d) != 0)
                    g_error ("case %u dim %" G_GSIZE_FORMAT " n %" G_GSIZE_FORMAT " classes %u cap %"
                             G_GSIZE_FORMAT " simd %d threads %u: δ %a, the all-double pass %a",
                             c, dim, n, p.pseudo_classes, max_edges, s, t, d, ref_delta);
                  {
                    gsize nb;
                    const guint64 *h = lightly_probcover_last_purity_hist (&nb);

                    /* The counts of every bin the edge estimate reads. */
                    g_assert_cmpuint (nb, ==, ref_bins);
                    g_assert_cmpmem (h, nb * sizeof (guint64), ref_hist, ref_bins * sizeof (guint64));
                  }
                  lightly_probcover_last_purity_stats (&ne, &nd);
                  g_assert_cmpuint (ne, ==, (guint64) MIN (n, (gsize) LIGHTLY_PROBCOVER_PURITY_SAMPLE) * n);
                  entries += ne;
                  redone += nd;
                }
          }
      }
  /* The edge and lattice cases cannot all be decided in float32. */
  g_assert_cmpuint (redone, >, 0);
  g_assert_cmpuint (redone, <, entries);
  g_test_message ("%" G_GUINT64_FORMAT " sampled entries, %" G_GUINT64_FORMAT " computed in double",
                  entries, redone);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/probcover-graph/equal", test_graph_equal);
  g_test_add_func ("/probcover-graph/cap", test_graph_cap);
  g_test_add_func ("/probcover-graph/picks", test_picks_equal);
  g_test_add_func ("/probcover-graph/purity", test_purity_equal);
  return g_test_run ();
}
