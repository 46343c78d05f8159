/* bench-auto.c: AUTO's low-budget step (TYPICLUST) against CORESET of the
 * same k on the same matrix (issue 13 item 5, issue 14).
 *
 *   bench-auto [--n 100000] [--dim 128] [--k 100] [--threads 2]
 *              [--blobs 0] [--repeat 1]
 *
 * Makes an n × dim float32 matrix of L2-normalised rows (iid Gaussian, or
 * a mixture of --blobs Gaussian blobs), with every row a candidate and
 * nothing labeled: AUTO's cold start, which resolves to TYPICLUST. Runs
 * CORESET and TYPICLUST with k picks on --threads threads (best of
 * --repeat wall times each), TYPICLUST again on 1 thread and once more on
 * --threads, and prints the ratio TYPICLUST / CORESET and whether the picks
 * were identical across thread counts and reruns. Exit status 1 if not.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lightly/lightly.h>
#include "selection/lightly-selection.h"

static gint64 opt_n = 100000;
static gint opt_dim = 128;
static gint opt_k = 100;
static gint opt_threads = 2;
static gint opt_blobs = 0;
static gint opt_repeat = 1;

static GOptionEntry entries[] = {
  { "n", 0, 0, G_OPTION_ARG_INT64, &opt_n, "rows (100000)", "N" },
  { "dim", 0, 0, G_OPTION_ARG_INT, &opt_dim, "dimension (128)", "D" },
  { "k", 0, 0, G_OPTION_ARG_INT, &opt_k, "picks (100)", "K" },
  { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads, "threads (2)", "T" },
  { "blobs", 0, 0, G_OPTION_ARG_INT, &opt_blobs, "Gaussian blobs (0: iid)", "B" },
  { "repeat", 0, 0, G_OPTION_ARG_INT, &opt_repeat, "runs per method, best wall time (1)", "R" },
  { NULL }
};

/* splitmix64 and Box–Muller: a fixed matrix for a given size and seed. */
static guint64
next_u64 (guint64 *s)
{
  guint64 z = (*s += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double
gauss (guint64 *s)
{
  double u = ((next_u64 (s) >> 11) + 0.5) / 9007199254740992.0;
  double v = (next_u64 (s) >> 11) / 9007199254740992.0;

  return sqrt (-2 * log (u)) * cos (2 * G_PI * v);
}

static float *
make_matrix (gsize n, gsize dim, guint blobs)
{
  float *x = g_new (float, n * dim);
  g_autofree float *centre = blobs ? g_new (float, (gsize) blobs * dim) : NULL;
  guint64 s = 42;
  gsize i, j;

  for (i = 0; i < (gsize) blobs * dim; i++)
    centre[i] = (float) (3 * gauss (&s));
  for (i = 0; i < n; i++)
    {
      float *r = x + i * dim;
      const float *c = blobs ? centre + (next_u64 (&s) % blobs) * dim : NULL;
      double nn = 0;

      for (j = 0; j < dim; j++)
        {
          r[j] = (float) gauss (&s) + (c ? c[j] : 0.0f);
          nn += (double) r[j] * r[j];
        }
      nn = sqrt (nn);
      for (j = 0; j < dim; j++)
        r[j] = (float) (r[j] / nn);
    }
  return x;
}

static GArray *
run (const float *x, const guint32 *cand, LightlySelectionMethod method, guint threads, double *best)
{
  GArray *picks = NULL;

  for (gint rep = 0; rep < MAX (opt_repeat, 1); rep++)
    {
      LightlySelectionParams p = { 0 };
      g_autoptr(GError) error = NULL;
      gint64 t0;
      double wall;

      p.method = method;
      p.matrix = x;
      p.n_rows = (gsize) opt_n;
      p.dim = (gsize) opt_dim;
      p.candidates = cand;
      p.n_candidates = (gsize) opt_n;
      p.k = (gsize) opt_k;
      p.n_threads = threads;
      t0 = g_get_monotonic_time ();
      if (picks != NULL)
        g_array_unref (picks);
      picks = lightly_selection_run (&p, &error);
      wall = (g_get_monotonic_time () - t0) / 1e6;
      if (picks == NULL)
        g_error ("%s", error->message);
      if (rep == 0 || wall < *best)
        *best = wall;
    }
  return picks;
}

static gboolean
same (GArray *a, GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (guint32)) == 0;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— TYPICLUST (AUTO's cold start) against CORESET");
  g_autoptr(GError) error = NULL;
  g_autofree float *x = NULL;
  g_autofree guint32 *cand = NULL;
  g_autoptr(GArray) cs = NULL, ty = NULL, ty1 = NULL, ty2 = NULL;
  double t_cs = 0, t_ty = 0, t_ty1 = 0, t_ty2 = 0;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  x = make_matrix ((gsize) opt_n, (gsize) opt_dim, (guint) opt_blobs);
  cand = g_new (guint32, opt_n);
  for (gint64 i = 0; i < opt_n; i++)
    cand[i] = (guint32) i;

  cs = run (x, cand, LIGHTLY_SELECTION_METHOD_CORESET, (guint) opt_threads, &t_cs);
  ty = run (x, cand, LIGHTLY_SELECTION_METHOD_TYPICLUST, (guint) opt_threads, &t_ty);
  ty1 = run (x, cand, LIGHTLY_SELECTION_METHOD_TYPICLUST, 1, &t_ty1);
  ty2 = run (x, cand, LIGHTLY_SELECTION_METHOD_TYPICLUST, (guint) opt_threads, &t_ty2);
  ok = same (ty, ty1) && same (ty, ty2);
  g_print ("%" G_GINT64_FORMAT "x%d, %s, k=%d, %d threads: CORESET %.2f s, TYPICLUST %.2f s "
           "(1 thread %.2f s, rerun %.2f s): TYPICLUST/CORESET %.2fx; picks identical across "
           "1/%d threads and rerun: %s\n", opt_n, opt_dim, opt_blobs ? "blobs" : "iid", opt_k, opt_threads,
           t_cs, t_ty, t_ty1, t_ty2, t_ty / t_cs, opt_threads, ok ? "yes" : "NO");
  return ok ? 0 : 1;
}
