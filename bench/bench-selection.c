/* bench-selection.c: the selection engine's benchmark (issue 7)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Run it through bench/run.sh (which also runs the numpy reference and
 * writes bench/README.md), or by hand:
 *
 *   _build/bench/bench-selection --dir DIR [--k 1000] [--small-k 100]
 *       [--datasets iid,clustered,preselected,fmnist,typiclust,probcover]
 *       [--methods CORESET,CORAL] [--repeat 3] [--ext-k 100] [--k-large K]
 *       [--threads 2] [--probcover-n 20000] [--half fp16,bf16] [--no-bf16] [--no-amx]
 *       [--prefetch-ahead BYTES] [--speculation N]
 *
 * For each data set it writes the float32 matrix to DIR/<name>.f32 (plus
 * .scores.f64 and, for the preselected set, .pre.u32), maps it read-only
 * (the engine reads the matrix as the store serves it: memory-mapped) and
 * runs CORESET and CORAL with k picks; it records wall and CPU time,
 * picks/s, the bytes read, peak RSS and the engine's extra memory, and the
 * share of distance work the triangle inequality skipped. It also runs the
 * same data with pruning off (identical picks required), with 1 thread and
 * twice with all threads (identical picks required), and measures the
 * streaming read bandwidth of the mapped matrix. Every timed run is
 * repeated --repeat times (the machine may be shared) and the minimum and
 * median are recorded. The typiclust and probcover sets run those methods
 * alone (bench_ext_typiclust / bench_ext_probcover), for
 * bench/reference/ext_sklearn.py. Results go to DIR/c-results.tsv and the
 * picks to DIR/<name>.<method>.picks (uint32) for the references.
 *
 * --half fp16|bf16|fp16,bf16 also times CORESET with a float16/bfloat16
 * copy of the matrix (LightlySelectionParams.matrix_half) against the
 * float32 path of the same run (identical picks required), and leaves out
 * the double-path and pruning-off runs, which do not change with it.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <lightly/lightly.h>
#include "selection/lightly-selection.h"
#include "selection/lightly-probcover-graph.h"
#include "ml/lightly-idx.h"

typedef struct {
  const char *name;
  const char *what;
  gsize n, dim, n_pre;
  GMappedFile *mf;
  const float *x;
  double *scores;
  guint32 *cand, *pre;
  gsize n_cand;
} Dataset;

static const char *dir;
static FILE *tsv;
static guint n_threads;
static guint n_repeat = 3;
/* --half: the kinds to time; the copy the next run() uses, or NULL. */
static LightlySelectionHalf half_kinds[2];
static guint n_half_kinds;
static const guint16 *half_matrix;
static LightlySelectionHalf half_kind;

/* ---------------------------------------------------------------------- */
/* Random numbers: xoshiro256** seeded by splitmix64, Box–Muller normals.   */

typedef struct { guint64 s[4]; gboolean has; double spare; } Rng;

static guint64
rng_u64 (Rng *r)
{
  guint64 *s = r->s, res = ((s[1] * 5) << 7 | (s[1] * 5) >> 57) * 9, t = s[1] << 17;

  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return res;
}

static void
rng_seed (Rng *r, guint64 x)
{
  int i;

  for (i = 0; i < 4; i++)
    {
      guint64 z = (x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

      z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
      z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
      r->s[i] = z ^ (z >> 31);
    }
  r->has = FALSE;
}

static double
rng_uniform (Rng *r)
{
  return (rng_u64 (r) >> 11) * (1.0 / 9007199254740992.0);
}

static double
rng_normal (Rng *r)
{
  double u, v;

  if (r->has)
    {
      r->has = FALSE;
      return r->spare;
    }
  do
    u = rng_uniform (r);
  while (u <= 0);
  v = rng_uniform (r);
  r->spare = sqrt (-2 * log (u)) * sin (2 * G_PI * v);
  r->has = TRUE;
  return sqrt (-2 * log (u)) * cos (2 * G_PI * v);
}

/* ---------------------------------------------------------------------- */
/* Data sets                                                               */

static void
normalise_rows (float *x, gsize n, gsize dim)
{
  gsize i, j;

  for (i = 0; i < n; i++)
    {
      float *v = x + i * dim;
      double s = 0;

      for (j = 0; j < dim; j++)
        s += (double) v[j] * v[j];
      s = sqrt (s);
      for (j = 0; j < dim; j++)
        v[j] = (float) (v[j] / s);
    }
}

/* iid N(0, I) rows, or a mixture: n_clusters centres N(0, I), rows centre +
 * σ·N(0, I); then every row L2-normalised. */
static float *
gaussian (gsize n, gsize dim, gsize n_clusters, double sigma, guint64 seed)
{
  float *x = g_new (float, n * dim);
  g_autofree float *centres = g_new (float, MAX (n_clusters, 1) * dim);
  Rng r;
  gsize i, j;

  rng_seed (&r, seed);
  for (i = 0; i < n_clusters * dim; i++)
    centres[i] = (float) rng_normal (&r);
  for (i = 0; i < n; i++)
    {
      float *v = x + i * dim;

      if (n_clusters == 0)
        for (j = 0; j < dim; j++)
          v[j] = (float) rng_normal (&r);
      else
        {
          const float *c = centres + (rng_u64 (&r) % n_clusters) * dim;

          for (j = 0; j < dim; j++)
            v[j] = c[j] + (float) (sigma * rng_normal (&r));
        }
    }
  normalise_rows (x, n, dim);
  return x;
}

static float *
fashion_mnist (gsize *n, gsize *dim)
{
  const char *d = g_getenv ("LIGHTLY_FASHION_MNIST_DIR");
  const char *files[] = { "train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz" };
  g_autoptr(GError) error = NULL;
  float *x = NULL;
  gsize off = 0, i, f;

  if (d == NULL)
    d = "/usr/share/datasets/fashion-mnist";
  *n = 0;
  for (f = 0; f < 2; f++)
    {
      g_autofree char *path = g_build_filename (d, files[f], NULL);
      g_autoptr(LightlyIdx) idx = lightly_idx_read (path, 3, 0, 0, NULL, &error);

      if (idx == NULL)
        g_error ("Fashion-MNIST: %s (install dataset-fashion-mnist or set "
                 "LIGHTLY_FASHION_MNIST_DIR)", error->message);
      *dim = idx->item_size;
      *n += idx->n_items;
      x = g_renew (float, x, *n * *dim);
      for (i = 0; i < idx->n_items * idx->item_size; i++)
        x[off + i] = idx->data[i] / 255.0f;
      off += idx->n_items * idx->item_size;
    }
  normalise_rows (x, *n, *dim);
  return x;
}

static void
write_file (const char *name, const char *suffix, const void *data, gsize len)
{
  g_autofree char *path = g_strdup_printf ("%s/%s%s", dir, name, suffix);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, data, (gssize) len, &error))
    g_error ("%s", error->message);
}

static void
dataset_load (Dataset *ds)
{
  g_autofree char *path = g_strdup_printf ("%s/%s.f32", dir, ds->name);
  g_autoptr(GError) error = NULL;
  float *x = NULL;
  Rng r;
  gsize i;

  if (strcmp (ds->name, "iid") == 0)
    x = gaussian (ds->n, ds->dim, 0, 0, 1);
  else if (strcmp (ds->name, "clustered") == 0)
    x = gaussian (ds->n, ds->dim, 200, 0.5, 2);
  else if (strcmp (ds->name, "typiclust") == 0)
    x = gaussian (ds->n, ds->dim, 200, 0.5, 5);
  else if (strcmp (ds->name, "probcover") == 0)
    x = gaussian (ds->n, ds->dim, 200, 0.5, 6);
  else if (strcmp (ds->name, "preselected") == 0)
    x = gaussian (ds->n, ds->dim, 200, 0.5, 3);
  else
    x = fashion_mnist (&ds->n, &ds->dim);
  write_file (ds->name, ".f32", x, ds->n * ds->dim * sizeof (float));
  g_free (x);

  ds->scores = g_new (double, ds->n);
  rng_seed (&r, 4);
  for (i = 0; i < ds->n; i++)
    ds->scores[i] = rng_uniform (&r);
  write_file (ds->name, ".scores.f64", ds->scores, ds->n * sizeof (double));

  ds->cand = g_new (guint32, ds->n);
  ds->pre = g_new (guint32, MAX (ds->n_pre, 1));
  ds->n_cand = 0;
  for (i = 0; i < ds->n; i++)
    if (ds->n_pre > 0 && i % (ds->n / ds->n_pre) == 0 && i / (ds->n / ds->n_pre) < ds->n_pre)
      ds->pre[i / (ds->n / ds->n_pre)] = (guint32) i;
    else
      ds->cand[ds->n_cand++] = (guint32) i;
  if (ds->n_pre > 0)
    write_file (ds->name, ".pre.u32", ds->pre, ds->n_pre * sizeof (guint32));

  ds->mf = g_mapped_file_new (path, FALSE, &error);
  if (ds->mf == NULL)
    g_error ("%s", error->message);
  ds->x = (const float *) g_mapped_file_get_contents (ds->mf);
}

static void
dataset_free (Dataset *ds)
{
  g_mapped_file_unref (ds->mf);
  g_free (ds->scores);
  g_free (ds->cand);
  g_free (ds->pre);
}

/* ---------------------------------------------------------------------- */
/* Measurements                                                            */

static double
cpu_seconds (void)
{
  struct rusage u;

  getrusage (RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

/* VmRSS or VmHWM in bytes. */
static guint64
status_kb (const char *key)
{
  g_autofree char *s = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &s, NULL, NULL) || (p = strstr (s, key)) == NULL)
    return 0;
  return g_ascii_strtoull (p + strlen (key) + 1, NULL, 10) * 1024;
}

static void
reset_peak (void)
{
  FILE *f = fopen ("/proc/self/clear_refs", "w");

  if (f != NULL)
    {
      fputs ("5", f);
      fclose (f);
    }
}

static double
load_average (void)
{
  g_autofree char *s = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &s, NULL, NULL))
    return -1;
  return g_ascii_strtod (s, NULL);
}

typedef struct {
  const float *p;
  gsize n;                      /* floats */
  float sum;
} ReadPart;

typedef float v4sf __attribute__ ((vector_size (16)));

static gpointer
read_part (gpointer data)
{
  ReadPart *rp = data;
  v4sf a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
  gsize i;

  for (i = 0; i + 16 <= rp->n; i += 16)
    {
      v4sf x0, x1, x2, x3;

      memcpy (&x0, rp->p + i, 16);
      memcpy (&x1, rp->p + i + 4, 16);
      memcpy (&x2, rp->p + i + 8, 16);
      memcpy (&x3, rp->p + i + 12, 16);
      a0 += x0; a1 += x1; a2 += x2; a3 += x3;
    }
  a0 += a1 + a2 + a3;
  rp->sum = a0[0] + a0[1] + a0[2] + a0[3];
  return NULL;
}

/* Streaming read of the mapped matrix with t threads; best of 5, GB/s. */
static double
stream_bandwidth (const float *x, gsize n_floats, guint t)
{
  double best = 0;
  int rep;

  for (rep = 0; rep < 5; rep++)
    {
      ReadPart parts[64];
      GThread *th[64];
      gint64 t0 = g_get_monotonic_time ();
      double s;
      guint i;

      for (i = 0; i < t; i++)
        {
          parts[i].p = x + i * (n_floats / t);
          parts[i].n = n_floats / t;
          th[i] = i ? g_thread_new ("read", read_part, &parts[i]) : NULL;
        }
      read_part (&parts[0]);
      for (i = 1; i < t; i++)
        g_thread_join (th[i]);
      s = (g_get_monotonic_time () - t0) / 1e6;
      best = MAX (best, n_floats * 4.0 / s / 1e9);
      if (parts[0].sum == 12345.f)
        g_print (" ");   /* keeps the loads */
    }
  return best;
}

typedef struct {
  double wall, cpu;
  guint64 peak, extra;
  LightlySelectionStats st;
  GArray *picks;
} Result;

static Result
run (Dataset *ds, LightlySelectionMethod method, gsize k, guint threads, gint prune)
{
  LightlySelectionParams p = { 0 };
  g_autoptr(GError) error = NULL;
  Result res = { 0 };
  guint64 rss0;
  gint64 t0;
  double c0;

  p.method = method;
  p.matrix = ds->x;
  p.n_rows = ds->n;
  p.dim = ds->dim;
  p.candidates = ds->cand;
  p.n_candidates = ds->n_cand;
  p.preselected = ds->pre;
  p.n_preselected = ds->n_pre;
  p.scores = ds->scores;
  p.k = k;
  p.beta = 1;
  p.n_threads = threads;
  p.matrix_half = half_matrix;
  p.half_kind = half_matrix != NULL ? half_kind : LIGHTLY_SELECTION_HALF_NONE;
  lightly_selection_set_pruning (prune);
  reset_peak ();
  rss0 = status_kb ("VmRSS:");
  c0 = cpu_seconds ();
  t0 = g_get_monotonic_time ();
  res.picks = lightly_selection_run (&p, &error);
  res.wall = (g_get_monotonic_time () - t0) / 1e6;
  res.cpu = cpu_seconds () - c0;
  if (res.picks == NULL)
    g_error ("%s", error->message);
  res.peak = status_kb ("VmHWM:");
  res.extra = res.peak > rss0 ? res.peak - rss0 : 0;
  lightly_selection_get_stats (&res.st);
  lightly_selection_set_pruning (1);
  return res;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* Wall times of n runs: the minimum and the median. */
static void
min_median (double *w, guint n, double *min, double *med)
{
  qsort (w, n, sizeof (double), cmp_double);
  *min = w[0];
  *med = n % 2 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2;
}

/* run() n_repeat times: the first run's result (its picks, memory, work)
 * with the minimum wall time in .wall, the median in *med. Every repeat
 * must give the same picks. */
static Result
run_rep (Dataset *ds, LightlySelectionMethod method, gsize k, guint threads, gint prune,
         double *med)
{
  g_autofree double *w = g_new (double, MAX (n_repeat, 1));
  Result first = run (ds, method, k, threads, prune);
  guint i;

  w[0] = first.wall;
  for (i = 1; i < n_repeat; i++)
    {
      Result r = run (ds, method, k, threads, prune);

      if (r.picks->len != first.picks->len ||
          memcmp (r.picks->data, first.picks->data, r.picks->len * sizeof (guint32)) != 0)
        g_error ("%s: repeat %u gave other picks", ds->name, i);
      w[i] = r.wall;
      g_array_unref (r.picks);
    }
  min_median (w, MAX (n_repeat, 1), &first.wall, med);
  return first;
}

static gboolean
is_prefix (GArray *a, GArray *full)
{
  return a->len <= full->len && memcmp (a->data, full->data, a->len * sizeof (guint32)) == 0;
}

static void
emit (const char *ds, const char *method, const char *key, double v)
{
  fprintf (tsv, "%s\t%s\t%s\t%.6g\n", ds, method, key, v);
  fflush (tsv);
}

/* The same run with the float32 fast path off (every distance in double,
 * the engine before issue 13): its time, and its picks, which must be the
 * fast path's (also written to DIR/<name>.<method>.double.picks for cmp). */
static void
bench_double_path (Dataset *ds, LightlySelectionMethod method, gsize k, GArray *fast_picks,
                   double fast_wall)
{
  const char *mname = lightly_selection_method_name (method);
  g_autofree char *suffix = g_strdup_printf (".%s.double.picks", mname);
  double med;
  Result d;
  gboolean same;

  lightly_selection_set_fast_path (0);
  d = run_rep (ds, method, k, n_threads, 1, &med);
  lightly_selection_set_fast_path (1);
  same = d.picks->len == fast_picks->len &&
         memcmp (d.picks->data, fast_picks->data, d.picks->len * sizeof (guint32)) == 0;
  write_file (ds->name, suffix, d.picks->data, d.picks->len * sizeof (guint32));
  g_print ("  %-11s %-8s double path (fast path off): %.2f s wall (%.2f s CPU), fast path "
           "%.2fx faster, identical picks: %s\n", ds->name, mname, d.wall, d.cpu,
           d.wall / fast_wall, same ? "yes" : "NO");
  emit (ds->name, mname, "cpu_double", d.cpu);
  emit (ds->name, mname, "wall_double", d.wall);
  emit (ds->name, mname, "wall_double_med", med);
  emit (ds->name, mname, "same_double", same);
  g_array_unref (d.picks);
}

/* CORESET from a half copy of each --half kind against the float32 run
 * of the same data (f32: its picks, wall and CPU time). */
static void
bench_half (Dataset *ds, gsize k, const Result *f32)
{
  guint i;

  for (i = 0; i < n_half_kinds; i++)
    {
      const char *kname = lightly_selection_half_name (half_kinds[i]);
      g_autoptr(GError) error = NULL;
      g_autofree char *key = NULL;
      gint64 t0 = g_get_monotonic_time ();
      guint16 *h = lightly_selection_half_new (ds->x, ds->n, ds->dim, half_kinds[i], &error);
      double made = (g_get_monotonic_time () - t0) / 1e6, med;
      double picks, share;
      gboolean same;
      Result r;

      if (h == NULL)
        {
          g_print ("  %-11s %s copy refused: %s\n", ds->name, kname, error->message);
          continue;
        }
      half_matrix = h;
      half_kind = half_kinds[i];
      r = run_rep (ds, LIGHTLY_SELECTION_METHOD_CORESET, k, n_threads, 1, &med);
      half_matrix = NULL;
      same = r.picks->len == f32->picks->len &&
             memcmp (r.picks->data, f32->picks->data, r.picks->len * sizeof (guint32)) == 0;
      picks = MAX (r.picks->len, 1);
      share = (double) r.st.half_exact / MAX (1, r.st.half);
      g_print ("  %-11s CORESET  %s copy (%.0f MB, made in %.2f s): %.2f s wall (%.2f s CPU), "
               "%.2f ms/pick against %.2f ms/pick float32 (%.2fx faster; CPU %.2fx); "
               "%.3f%% of %" G_GUINT64_FORMAT " half rows needed the float32 row; "
               "identical picks: %s\n", ds->name, kname, ds->n * ds->dim * 2 / 1e6, made,
               r.wall, r.cpu, 1e3 * r.wall / picks, 1e3 * f32->wall / picks,
               f32->wall / r.wall, f32->cpu / r.cpu, 100 * share, r.st.half,
               same ? "yes" : "NO");
      key = g_strdup_printf ("wall_%s", kname);
      emit (ds->name, "CORESET", key, r.wall);
      g_free (key);
      key = g_strdup_printf ("wall_%s_med", kname);
      emit (ds->name, "CORESET", key, med);
      g_free (key);
      key = g_strdup_printf ("cpu_%s", kname);
      emit (ds->name, "CORESET", key, r.cpu);
      g_free (key);
      key = g_strdup_printf ("float32_share_%s", kname);
      emit (ds->name, "CORESET", key, share);
      g_free (key);
      key = g_strdup_printf ("same_%s", kname);
      emit (ds->name, "CORESET", key, same);
      g_array_unref (r.picks);
      g_aligned_free (h);
    }
}

static void
bench_dataset (Dataset *ds, gsize k, gsize small_k, double bw, gboolean with_coral)
{
  LightlySelectionMethod methods[] = { LIGHTLY_SELECTION_METHOD_CORESET, LIGHTLY_SELECTION_METHOD_CORAL };
  gboolean prunable = strcmp (ds->name, "iid") != 0;
  double med, med_small, med_off;
  double row_bytes = ds->dim * 4.0;
  guint mi;

  emit (ds->name, "-", "n", ds->n);
  emit (ds->name, "-", "dim", ds->dim);
  emit (ds->name, "-", "n_pre", ds->n_pre);
  emit (ds->name, "-", "k", k);
  emit (ds->name, "-", "load_start", load_average ());
  if (ds->n_pre > 0)
    {
      /* The first pass alone: k = 1 seeds the distances to P and picks once;
       * the fastest of --repeat runs, pruned and unpruned in turn. */
      Result on = run (ds, LIGHTLY_SELECTION_METHOD_CORESET, 1, n_threads, 1);
      Result off = run (ds, LIGHTLY_SELECTION_METHOD_CORESET, 1, n_threads, 0);
      guint rep;

      for (rep = 1; rep < n_repeat; rep++)
        {
          Result a = run (ds, LIGHTLY_SELECTION_METHOD_CORESET, 1, n_threads, 1);
          Result b = run (ds, LIGHTLY_SELECTION_METHOD_CORESET, 1, n_threads, 0);

          if (a.wall < on.wall)
            {
              on.wall = a.wall;
              on.cpu = a.cpu;
            }
          if (b.wall < off.wall)
            {
              off.wall = b.wall;
              off.cpu = b.cpu;
            }
          g_array_unref (a.picks);
          g_array_unref (b.picks);
        }

      /* Where the tiles run on AMX, the same two runs on AVX512_BF16's
       * tiles, for the record (the fastest of --repeat runs each). */
      if (lightly_selection_bf16_kernels () != NULL &&
          lightly_selection_bf16_kernels ()->chain_pad)
        {
          double vp = G_MAXDOUBLE, vu = G_MAXDOUBLE;

          lightly_selection_set_bf16 (1);
          for (rep = 0; rep < n_repeat; rep++)
            {
              Result a = run (ds, LIGHTLY_SELECTION_METHOD_CORESET, 1, n_threads, 1);
              Result b = run (ds, LIGHTLY_SELECTION_METHOD_CORESET, 1, n_threads, 0);

              vp = MIN (vp, a.wall);
              vu = MIN (vu, b.wall);
              g_array_unref (a.picks);
              g_array_unref (b.picks);
            }
          lightly_selection_set_bf16 (-1);
          g_print ("  %-11s first pass on AVX512_BF16 tiles instead of AMX: %.3f s pruned, "
                   "%.3f s unpruned\n", ds->name, vp, vu);
          emit (ds->name, "seed", "wall_vnni", vp);
          emit (ds->name, "seed", "wall_vnni_unpruned", vu);
        }
      /* With AVX512_BF16 both runs use the bfloat16 tiles (unpruned), and
       * the share is that of the bfloat16 entries. */
      g_print ("  %-11s first pass over |P| = %" G_GSIZE_FORMAT ": %.3f s pruned "
               "(%.3f s CPU, %.1f%% skipped, +%.1f MB), %.3f s unpruned (%.3f s CPU, "
               "%.3f%% of the %s entries redone in double, +%.1f MB), same pick: %s\n",
               ds->name, ds->n_pre, on.wall, on.cpu,
               100.0 * on.st.skipped / MAX (1, on.st.skipped + on.st.computed), on.extra / 1e6,
               off.wall, off.cpu,
               100.0 * (off.st.exact + off.st.bf16_exact) / MAX (1, off.st.fast + off.st.bf16),
               off.st.bf16 > 0 ? "bfloat16" : "float32", off.extra / 1e6,
               g_array_index (on.picks, guint32, 0) == g_array_index (off.picks, guint32, 0) ?
               "yes" : "NO");
      emit (ds->name, "seed", "wall", on.wall);
      emit (ds->name, "seed", "cpu", on.cpu);
      emit (ds->name, "seed", "extra_bytes", on.extra);
      emit (ds->name, "seed", "skipped_share", (double) on.st.skipped / MAX (1, on.st.skipped + on.st.computed));
      emit (ds->name, "seed", "wall_unpruned", off.wall);
      emit (ds->name, "seed", "cpu_unpruned", off.cpu);
      emit (ds->name, "seed", "exact_share_unpruned", (double) (off.st.exact + off.st.bf16_exact) /
                                                      MAX (1, off.st.fast + off.st.bf16));
      emit (ds->name, "seed", "bf16", off.st.bf16 > 0);
      emit (ds->name, "seed", "extra_bytes_unpruned", off.extra);
      emit (ds->name, "seed", "same", g_array_index (on.picks, guint32, 0) == g_array_index (off.picks, guint32, 0));
      g_array_unref (on.picks);
      g_array_unref (off.picks);
    }
  for (mi = 0; mi < (with_coral ? 2u : 1u); mi++)
    {
      const char *mname = lightly_selection_method_name (methods[mi]);
      Result r = run_rep (ds, methods[mi], k, n_threads, 1, &med);
      double passes = (double) r.picks->len - 1 + (ds->n_pre == 0 ? 1 : 0);
      double nominal = passes * ds->n_cand * row_bytes;
      double read = r.st.rows_read * row_bytes;
      double share = (double) r.st.skipped / MAX (1, r.st.skipped + r.st.computed);
      g_autofree char *suffix = g_strdup_printf (".%s.picks", mname);
      /* A prefix of r's picks: no more than it made (--k below --small-k). */
      gsize check_k = MIN (small_k, k);
      Result one = run (ds, methods[mi], check_k, 1, 1);
      Result again = run_rep (ds, methods[mi], check_k, n_threads, 1, &med_small);
      gboolean same_threads = is_prefix (one.picks, r.picks) && is_prefix (again.picks, r.picks);

      write_file (ds->name, suffix, r.picks->data, r.picks->len * sizeof (guint32));
      g_print ("  %-11s %-8s k=%" G_GSIZE_FORMAT ": %.2f s wall (%.2f s CPU), %.0f picks/s, "
               "read %.1f GB/s (%.0f%% of stream), effective %.1f GB/s, skipped %.1f%%, "
               "peak RSS %.0f MB (+%.1f MB engine, %.1f MB of it sized by P), "
               "1 vs %u threads and rerun identical: %s\n",
               ds->name, mname, k, r.wall, r.cpu, r.picks->len / r.wall, read / r.wall / 1e9,
               100 * read / r.wall / 1e9 / bw, nominal / r.wall / 1e9, 100 * share,
               r.peak / 1e6, r.extra / 1e6, r.st.p_bytes / 1e6, n_threads,
               same_threads ? "yes" : "NO");
      g_print ("  %-11s %-8s float32 fast path: %.3f%% of %" G_GUINT64_FORMAT
               " update distances redone in double\n", ds->name, mname,
               100.0 * r.st.exact / MAX (1, r.st.fast), r.st.fast);
      g_print ("  %-11s %-8s adaptive pruning: %" G_GUINT64_FORMAT " of %u picks' passes pruned, "
               "%" G_GUINT64_FORMAT " switches\n", ds->name, mname, r.st.pruned_picks,
               r.picks->len > 0 ? r.picks->len - 1 : 0, r.st.prune_switches);
      g_print ("  %-11s %-8s speculative picks: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
               " guesses came true (each saved a pass)\n", ds->name, mname, r.st.spec_hits,
               r.st.spec_guesses);
      emit (ds->name, mname, "spec_guesses", r.st.spec_guesses);
      emit (ds->name, mname, "spec_hits", r.st.spec_hits);
      emit (ds->name, mname, "pruned_picks", r.st.pruned_picks);
      emit (ds->name, mname, "prune_switches", r.st.prune_switches);
      emit (ds->name, mname, "fast_distances", r.st.fast);
      emit (ds->name, mname, "exact_share", (double) r.st.exact / MAX (1, r.st.fast));
      if (mi == 0 && n_half_kinds > 0)
        bench_half (ds, k, &r);
      else if (mi == 0)
        bench_double_path (ds, methods[mi], k, r.picks, r.wall);
      emit (ds->name, mname, "wall", r.wall);
      emit (ds->name, mname, "wall_med", med);
      emit (ds->name, mname, "reps", n_repeat);
      emit (ds->name, mname, "cpu", r.cpu);
      emit (ds->name, mname, "picks", r.picks->len);
      emit (ds->name, mname, "read_gbs", read / r.wall / 1e9);
      emit (ds->name, mname, "effective_gbs", nominal / r.wall / 1e9);
      emit (ds->name, mname, "skipped_share", share);
      emit (ds->name, mname, "peak_rss", r.peak);
      emit (ds->name, mname, "extra_bytes", r.extra);
      emit (ds->name, mname, "p_bytes", r.st.p_bytes);
      emit (ds->name, mname, "same_threads_rerun", same_threads);
      emit (ds->name, mname, "small_k", check_k);
      emit (ds->name, mname, "wall_small", again.wall);
      emit (ds->name, mname, "wall_small_med", med_small);
      emit (ds->name, mname, "wall_small_1thread", one.wall);
      if ((prunable || mi == 0) && n_half_kinds == 0)
        {
          /* Pruning off, identical picks required; on the iid set only a
           * short run (nothing is skipped there). */
          gsize koff = prunable ? k : check_k;
          Result off = run_rep (ds, methods[mi], koff, n_threads, 0, &med_off);
          gboolean same = is_prefix (off.picks, r.picks);
          double t_on = prunable ? r.wall : again.wall;

          g_print ("  %-11s %-8s pruning off, k=%" G_GSIZE_FORMAT ": %.2f s, %.2fx slower, "
                   "identical picks: %s\n", ds->name, mname, koff, off.wall, off.wall / t_on,
                   same ? "yes" : "NO");
          g_print ("  %-11s %-8s pruning off: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                   " guesses came true\n", ds->name, mname, off.st.spec_hits,
                   off.st.spec_guesses);
          emit (ds->name, mname, "k_unpruned", koff);
          emit (ds->name, mname, "wall_unpruned", off.wall);
          emit (ds->name, mname, "wall_unpruned_med", med_off);
          emit (ds->name, mname, "speedup_pruning", off.wall / t_on);
          emit (ds->name, mname, "same_unpruned", same);
          emit (ds->name, mname, "read_gbs_unpruned", off.st.rows_read * row_bytes / off.wall / 1e9);
          g_array_unref (off.picks);
        }
      g_array_unref (r.picks);
      g_array_unref (one.picks);
      g_array_unref (again.picks);
    }
  emit (ds->name, "-", "load_end", load_average ());
}

/* ---------------------------------------------------------------------- */
/* The extensions, timed against bench/reference/ext_sklearn.py            */

/* TYPICLUST's cluster cap, set explicitly so that the reference uses the
 * same K = min(k, cap). */
#define TYPICLUST_CAP 500

/* One TYPICLUST or PROBCOVER run through the engine's entry point,
 * n_repeat times (identical picks required); the first run's picks. */
static GArray *
run_ext (Dataset *ds, LightlySelectionMethod method, gsize k, double delta,
         double *min, double *med)
{
  g_autofree double *w = g_new (double, MAX (n_repeat, 1));
  GArray *first = NULL;
  guint i;

  for (i = 0; i < MAX (n_repeat, 1); i++)
    {
      LightlySelectionParams p = { 0 };
      g_autoptr(GError) error = NULL;
      gint64 t0;
      GArray *picks;

      p.method = method;
      p.matrix = ds->x;
      p.n_rows = ds->n;
      p.dim = ds->dim;
      p.candidates = ds->cand;
      p.n_candidates = ds->n_cand;
      p.k = k;
      p.seed = 1;
      p.delta = delta;
      p.max_clusters = TYPICLUST_CAP;
      p.n_threads = n_threads;
      t0 = g_get_monotonic_time ();
      picks = lightly_selection_run (&p, &error);
      w[i] = (g_get_monotonic_time () - t0) / 1e6;
      if (picks == NULL)
        g_error ("%s: %s", ds->name, error->message);
      if (first == NULL)
        first = picks;
      else
        {
          if (picks->len != first->len ||
              memcmp (picks->data, first->data, picks->len * sizeof (guint32)) != 0)
            g_error ("%s: repeat %u gave other picks", ds->name, i);
          g_array_unref (picks);
        }
    }
  min_median (w, MAX (n_repeat, 1), min, med);
  return first;
}

static void
emit_meta (Dataset *ds, gsize k)
{
  emit (ds->name, "-", "n", ds->n);
  emit (ds->name, "-", "dim", ds->dim);
  emit (ds->name, "-", "n_pre", ds->n_pre);
  emit (ds->name, "-", "k", k);
}

static void
bench_ext_typiclust (Dataset *ds, gsize k)
{
  double min, med;
  g_autoptr(GArray) picks = NULL;

  emit_meta (ds, k);
  picks = run_ext (ds, LIGHTLY_SELECTION_METHOD_TYPICLUST, k, 0, &min, &med);

  write_file (ds->name, ".TYPICLUST.picks", picks->data, picks->len * sizeof (guint32));
  g_print ("  %-11s TYPICLUST k=%" G_GSIZE_FORMAT " (%" G_GSIZE_FORMAT " clusters): "
           "%.2f s min, %.2f s median of %u\n", ds->name, k,
           MIN (k, (gsize) TYPICLUST_CAP), min, med, n_repeat);
  emit (ds->name, "TYPICLUST", "wall", min);
  emit (ds->name, "TYPICLUST", "wall_med", med);
  emit (ds->name, "TYPICLUST", "picks", picks->len);
  emit (ds->name, "TYPICLUST", "clusters", MIN (k, (gsize) TYPICLUST_CAP));
  emit (ds->name, "TYPICLUST", "reps", n_repeat);
  {
    /* The plain Lloyd loop (before issue 13): same picks required. */
    g_autoptr(GArray) plain = NULL;
    double pmin, pmed;
    guint64 skipped;
    gboolean same;

    run_ext (ds, LIGHTLY_SELECTION_METHOD_TYPICLUST, k, 0, &pmin, &pmed);
    skipped = lightly_selection_kmeans_last_skipped ();
    lightly_selection_set_kmeans_bounds (0);
    plain = run_ext (ds, LIGHTLY_SELECTION_METHOD_TYPICLUST, k, 0, &pmin, &pmed);
    lightly_selection_set_kmeans_bounds (1);
    same = plain->len == picks->len &&
           memcmp (plain->data, picks->data, picks->len * sizeof (guint32)) == 0;
    g_print ("  %-11s TYPICLUST without Hamerly's bounds: %.2f s min, %.2fx slower; the bounds "
             "skipped %" G_GUINT64_FORMAT " point assignments; identical picks: %s\n",
             ds->name, pmin, pmin / min, skipped, same ? "yes" : "NO");
    emit (ds->name, "TYPICLUST", "wall_plain_lloyd", pmin);
    emit (ds->name, "TYPICLUST", "same_plain_lloyd", same);
  }
}

/* A fixed δ for the PROBCOVER comparison, so that both sides build the same
 * graph: the distance within which a row has about `ball` candidates, from
 * the distances of 100 evenly spaced rows to all rows (float64 here). */
static double
probcover_delta (Dataset *ds, gsize ball)
{
  gsize n_s = MIN ((gsize) 100, ds->n_cand), i, j, d, at = 0;
  g_autofree double *dist = g_new (double, n_s * ds->n_cand);

  for (i = 0; i < n_s; i++)
    {
      const float *a = ds->x + (gsize) ds->cand[i * ds->n_cand / n_s] * ds->dim;

      for (j = 0; j < ds->n_cand; j++)
        {
          const float *b = ds->x + (gsize) ds->cand[j] * ds->dim;
          double s = 0;

          for (d = 0; d < ds->dim; d++)
            s += ((double) a[d] - b[d]) * ((double) a[d] - b[d]);
          dist[at++] = sqrt (s);
        }
    }
  qsort (dist, at, sizeof (double), cmp_double);
  return dist[MIN (at - 1, n_s * ball)];
}

static void
bench_ext_probcover (Dataset *ds, gsize k)
{
  double delta = probcover_delta (ds, 50), min, med, pmin, pmed;
  guint64 n_edges, n_checked, n_double;
  g_autoptr(GArray) picks = NULL;
  g_autoptr(GArray) purity = NULL;

  emit_meta (ds, k);
  picks = run_ext (ds, LIGHTLY_SELECTION_METHOD_PROBCOVER, k, delta, &min, &med);
  lightly_probcover_last_graph_stats (&n_edges, &n_checked, &n_double);
  purity = run_ext (ds, LIGHTLY_SELECTION_METHOD_PROBCOVER, k, 0, &pmin, &pmed);
  {
    guint64 n_entries, n_pdouble;

    lightly_probcover_last_purity_stats (&n_entries, &n_pdouble);
    g_print ("  %-11s PROBCOVER purity rule: %.5f%% of its %" G_GUINT64_FORMAT
             " sampled entries were computed in double\n", ds->name,
             100.0 * (double) n_pdouble / (double) MAX (n_entries, 1), n_entries);
    emit (ds->name, "PROBCOVER", "purity_share_double", (double) n_pdouble / (double) MAX (n_entries, 1));
  }

  g_print ("  %-11s PROBCOVER graph at the fixed delta: %" G_GUINT64_FORMAT " edges; %.4f%% of the n² entries passed "
           "the float32 filter, %.5f%% were decided in double\n", ds->name, n_edges,
           100.0 * (double) n_checked / ((double) ds->n_cand * (double) ds->n_cand),
           100.0 * (double) n_double / ((double) ds->n_cand * (double) ds->n_cand));
  emit (ds->name, "PROBCOVER", "edges", (double) n_edges);
  emit (ds->name, "PROBCOVER", "share_checked", (double) n_checked / ((double) ds->n_cand * (double) ds->n_cand));
  emit (ds->name, "PROBCOVER", "share_double", (double) n_double / ((double) ds->n_cand * (double) ds->n_cand));
  if (ds->n_cand <= 50000)
    {
      /* The exact builder (every entry in double) once, for the speed-up
       * and identical picks. */
      g_autoptr(GArray) exact = NULL;
      double emin, emed;
      guint rep = n_repeat;
      gboolean same;

      n_repeat = 1;
      lightly_probcover_set_exact_graph (TRUE);
      exact = run_ext (ds, LIGHTLY_SELECTION_METHOD_PROBCOVER, k, delta, &emin, &emed);
      lightly_probcover_set_exact_graph (FALSE);
      n_repeat = rep;
      same = exact->len == picks->len &&
             memcmp (exact->data, picks->data, picks->len * sizeof (guint32)) == 0;
      g_print ("  %-11s PROBCOVER with the exact (all-double) graph builder: %.3f s, %.1fx slower; "
               "identical picks: %s\n", ds->name, emin, emin / min, same ? "yes" : "NO");
      emit (ds->name, "PROBCOVER", "wall_exact_graph", emin);
      emit (ds->name, "PROBCOVER", "same_exact_graph", same);
    }
  write_file (ds->name, ".PROBCOVER.picks", picks->data, picks->len * sizeof (guint32));
  g_print ("  %-11s PROBCOVER k=%" G_GSIZE_FORMAT ", fixed delta %.6f (about 50 per ball): "
           "%.3f s min, %.3f s median of %u; with the purity rule (delta 0): %.3f s min, "
           "%.3f s median\n", ds->name, k, delta, min, med, n_repeat, pmin, pmed);
  emit (ds->name, "PROBCOVER", "delta", delta);
  emit (ds->name, "PROBCOVER", "wall", min);
  emit (ds->name, "PROBCOVER", "wall_med", med);
  emit (ds->name, "PROBCOVER", "picks", picks->len);
  emit (ds->name, "PROBCOVER", "wall_purity", pmin);
  emit (ds->name, "PROBCOVER", "wall_purity_med", pmed);
  emit (ds->name, "PROBCOVER", "reps", n_repeat);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- selection engine benchmark");
  g_autoptr(GError) error = NULL;
  g_autofree char *tsv_path = NULL;
  g_auto(GStrv) names = NULL;
  char *dsets = NULL;
  char *methods = NULL;
  char *half = NULL;
  gint k = 1000, small_k = 100, threads = 0, repeat = 3, ext_k = 100, k_large = 0;
  gint probcover_n = 20000;
  gboolean no_bf16 = FALSE, no_amx = FALSE;
  gint prefetch_ahead = -1, speculation = -1;
  GOptionEntry entries[] = {
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "Where the data and results go", "DIR" },
    { "k", 0, 0, G_OPTION_ARG_INT, &k, "Picks per run (1000)", "K" },
    { "k-large", 0, 0, G_OPTION_ARG_INT, &k_large, "Picks on sets of 500k rows or more "
      "(default: --k)", "K" },
    { "small-k", 0, 0, G_OPTION_ARG_INT, &small_k, "Picks of the 1-thread and rerun checks (100)", "K" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads (all cores)", "T" },
    { "datasets", 0, 0, G_OPTION_ARG_STRING, &dsets, "Comma-separated subset of "
      "iid,clustered,preselected,fmnist,typiclust,probcover", "LIST" },
    { "methods", 0, 0, G_OPTION_ARG_STRING, &methods, "CORESET (default) or CORESET,CORAL", "LIST" },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &repeat, "Runs of every timing (3)", "N" },
    { "ext-k", 0, 0, G_OPTION_ARG_INT, &ext_k, "Picks of TYPICLUST and PROBCOVER (100)", "K" },
    { "probcover-n", 0, 0, G_OPTION_ARG_INT, &probcover_n, "Rows of the probcover set (20000)", "N" },
    { "half", 0, 0, G_OPTION_ARG_STRING, &half, "Also time CORESET from a float16 and/or "
      "bfloat16 copy (fp16, bf16 or fp16,bf16); skips the double-path and pruning-off runs",
      "KINDS" },
    { "no-bf16", 0, 0, G_OPTION_ARG_NONE, &no_bf16, "Keep the bfloat16 tiles of the first pass "
      "over P off (float32 tiles, for a comparison)", NULL },
    { "no-amx", 0, 0, G_OPTION_ARG_NONE, &no_amx, "Run the bfloat16 tiles on AVX512_BF16 "
      "even where AMX could run them", NULL },
    { "prefetch-ahead", 0, 0, G_OPTION_ARG_INT, &prefetch_ahead, "Bytes the update pass "
      "prefetches beyond the chunk in hand, half that in a pass with guesses (default: the SIMD "
      "path's own)", "BYTES" },
    { "speculation", 0, 0, G_OPTION_ARG_INT, &speculation, "Guessed picks per update pass "
      "(0: off; default: the engine's)", "N" },
    { NULL }
  };
  Dataset all[] = {
    { "iid", "iid Gaussian, L2-normalised", 1000000, 128, 0 },
    { "clustered", "200-cluster Gaussian mixture (σ 0.5), L2-normalised", 200000, 64, 0 },
    { "preselected", "200-cluster mixture, 1,000 preselected (every 100th row)", 100000, 512, 1000 },
    { "fmnist", "Fashion-MNIST train + test pixels, L2-normalised", 70000, 784, 0 },
    { "typiclust", "200-cluster mixture for TYPICLUST", 100000, 64, 0 },
    { "probcover", "200-cluster mixture for PROBCOVER", 20000, 64, 0 },
  };
  double bw1 = 0, bw = 0;
  guint i;

  /* Large blocks always from mmap and back on free, so that the peak RSS of
   * a run shows the engine's memory, not a heap grown by earlier runs. */
  mallopt (M_MMAP_THRESHOLD, 128 * 1024);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  all[G_N_ELEMENTS (all) - 1].n = (gsize) MAX (probcover_n, 100);
  if (half != NULL)
    {
      g_auto(GStrv) kinds = g_strsplit (half, ",", -1);
      guint j;

      for (j = 0; kinds[j] != NULL && n_half_kinds < G_N_ELEMENTS (half_kinds); j++)
        {
          if (g_strcmp0 (kinds[j], "fp16") == 0)
            half_kinds[n_half_kinds++] = LIGHTLY_SELECTION_HALF_FP16;
          else if (g_strcmp0 (kinds[j], "bf16") == 0)
            half_kinds[n_half_kinds++] = LIGHTLY_SELECTION_HALF_BF16;
          else
            {
              g_printerr ("--half: unknown kind %s (use fp16, bf16 or fp16,bf16)\n", kinds[j]);
              return 2;
            }
        }
    }
  if (dir == NULL)
    dir = g_get_tmp_dir ();
  g_mkdir_with_parents (dir, 0755);
  n_threads = threads > 0 ? (guint) threads : g_get_num_processors ();
  n_repeat = (guint) MAX (repeat, 1);
  names = g_strsplit (dsets ? dsets : "iid,clustered,preselected,fmnist,typiclust,probcover",
                      ",", -1);
  tsv_path = g_build_filename (dir, "c-results.tsv", NULL);
  tsv = fopen (tsv_path, "w");
  if (tsv == NULL)
    g_error ("%s: %s", tsv_path, g_strerror (errno));
  emit ("-", "-", "threads", n_threads);
  emit ("-", "-", "simd", lightly_selection_simd_current ());
  if (no_bf16)
    lightly_selection_set_bf16 (0);
  else if (no_amx)
    lightly_selection_set_bf16 (1);
  lightly_selection_set_prefetch_ahead (prefetch_ahead);
  lightly_selection_set_speculation (speculation, 0);
  emit ("-", "-", "bf16_tiles", lightly_selection_bf16_kernels () == NULL ? 0 :
                                lightly_selection_bf16_kernels ()->chain_pad ? 2 : 1);
  g_print ("SIMD path %s, %u threads, bfloat16 tiles of the first pass over P %s",
           lightly_selection_simd_name (lightly_selection_simd_current ()), n_threads,
           no_bf16 ? "off (--no-bf16)" :
           lightly_selection_bf16_kernels () == NULL ? "not supported" :
           lightly_selection_bf16_kernels ()->chain_pad ? "on (AMX)" :
           lightly_selection_bf16_amx_supported () ? "on (AVX512_BF16, --no-amx)" :
           "on (AVX512_BF16)");
  if (prefetch_ahead >= 0)
    g_print (", update-pass prefetch %d bytes ahead (--prefetch-ahead)", prefetch_ahead);
  if (speculation >= 0)
    g_print (", %d guessed picks per pass (--speculation)", speculation);
  g_print ("\n");

  for (i = 0; i < G_N_ELEMENTS (all); i++)
    {
      Dataset *ds = &all[i];
      gint64 t0;

      if (!g_strv_contains ((const char *const *) names, ds->name))
        continue;
      t0 = g_get_monotonic_time ();
      dataset_load (ds);
      g_print ("%s: %s, %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " (made in %.1f s)\n",
               ds->name, ds->what, ds->n, ds->dim, (g_get_monotonic_time () - t0) / 1e6);
      if (bw == 0)
        {
          /* The streaming baseline over the first mapped matrix (also
           * faults its pages in, as the runs then find them). */
          gsize nf = ds->n * ds->dim;

          bw1 = stream_bandwidth (ds->x, nf, 1);
          bw = stream_bandwidth (ds->x, nf, n_threads);
          g_print ("streaming read of the %.0f MB mapped matrix: %.1f GB/s (1 thread), "
                   "%.1f GB/s (%u threads)\n", nf * 4 / 1e6, bw1, bw, n_threads);
          emit ("-", "-", "stream_gbs_1", bw1);
          emit ("-", "-", "stream_gbs", bw);
        }
      else
        stream_bandwidth (ds->x, ds->n * ds->dim, n_threads);
      if (strcmp (ds->name, "typiclust") == 0)
        bench_ext_typiclust (ds, (gsize) ext_k);
      else if (strcmp (ds->name, "probcover") == 0)
        bench_ext_probcover (ds, (gsize) ext_k);
      else
        {
          gint kk = k_large > 0 && ds->n >= 500000 ? k_large : k;

          bench_dataset (ds, (gsize) kk, (gsize) small_k, bw,
                         methods != NULL && strstr (methods, "CORAL") != NULL);
        }
      dataset_free (ds);
    }
  fclose (tsv);
  g_free (dsets);
  g_free (methods);
  g_free (half);
  return 0;
}
