/* lightly-selection-coreset.c: CORESET and CORAL, greedy k-center
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Rules: protocol.md §13 and lightly-selection.h. CORAL is CORESET with the
 * distances weighted by s^β, so both share every pass here. Layout of a
 * run: the candidates are cut into blocks of a size that depends only on
 * `dim`, never on the thread count. A pass hands the blocks to the workers
 * of a pool (lightly-selection-common.c); every block leaves its own maxima,
 * and the calling thread merges them. Maxima are exact and the tie rule
 * ("smallest index among values ≥ max − ε") is evaluated against the merged
 * maximum, so the picks do not depend on the number of threads. The only
 * order-dependent sum, the candidates' mean, is summed in fixed chunks that
 * are merged in order.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-selection-coreset-private.h"

static gsize forced_block_rows = 0;
static LightlySelectionStats last_stats;
static gint pruning = 1;
static gint fast_mode = 1;

/* Tests only: the float32 fast path of the updates 0: off (every distance
 * in double), 1: on where it applies, to compare the picks. */
void
lightly_selection_set_fast_path (gint mode)
{
  fast_mode = mode;
}

/* Tests only: triangle-inequality pruning 0: off, 1: automatic, 2: always
 * (also for few candidates), to compare the picks. */
void
lightly_selection_set_pruning (gint mode)
{
  pruning = mode;
}

/* Tests only: blocks of this many rows (0: automatic), so that small inputs
 * are spread over several blocks and threads. Not thread-safe. */
void
lightly_selection_set_block_rows (gsize rows)
{
  forced_block_rows = rows;
}

/**
 * lightly_selection_get_stats:
 * @out: (out): the counters of the most recent greedy run
 */
void
lightly_selection_get_stats (LightlySelectionStats *out)
{
  *out = last_stats;
}

/* ---------------------------------------------------------------------- */
/* Block passes                                                           */

/* Finds the first candidate of the block whose norm is not finite (a NaN
 * or an infinity in the row); data is a guint32 per block, G_MAXUINT32 if
 * none. */
static void
check_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  guint32 *bad = data;
  gsize lo, hi, j;

  block_range (r, b, &lo, &hi);
  bad[b] = G_MAXUINT32;
  for (j = lo; j < hi; j++)
    {
      const float *x = row (r, r->cand[j]);
      float f;

      /* d2f (x, x) is 0 when every element is finite and NaN otherwise
       * (x − x), in float32 SIMD: the double norm this pass computed before
       * cost as much as a pick. */
      r->kern->d2f (x, &x, 1, r->dim, &f);
      if (f != 0)
        {
          bad[b] = (guint32) j;
          break;
        }
    }
  count_add (&r->rows_read, hi - lo);
}

static void
pnorms_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  const guint32 *pre = r->p->preselected;
  gsize lo = b * r->block_rows, hi = MIN (r->p->n_preselected, lo + r->block_rows), j;

  for (j = lo; j < hi; j++)
    {
      const float *x = row (r, pre[j]);

      r->pnorm[j] = r->kern->dot (x, x, r->dim);
    }
}

typedef struct {
  const double *qd;             /* the query, converted and padded */
  const float *qf;              /* the query row (fast path) */
  double alpha, beta;           /* fast path: the linear bound α·f − β, lightly_fast_linear() */
  double qnorm;
  gboolean replace;             /* first update after a first pick without P */
  gint32 tag;                   /* anchor id of the query, −1 for the mean */
  const double *dsp;            /* d(query, anchor a) for a < tag, or NULL: no pruning */
  gssize pick;                  /* position of the pick, whose block changed, or −1 */
} UpdateTask;

/* Triangle inequality: if the candidate's anchor a (the P row or pick that
 * gave its minimum) is far from the query q, d(q, a) ≥ 2·d(c, a) + margin,
 * then d(c, q) ≥ d(c, a) + margin − 3δ for computed distances with errors
 * below δ, and the update cannot change anything. δ < 1e-5 even near 0 (√ of
 * a d² error of ~1e-12 for dim ≤ 10⁴), so with PRUNE_MARGIN a pruned run
 * gives the same bits as an unpruned one. With the fast path, dsp holds a
 * lower bound of the double d(q, a) (√ of the float32 bound), so the test
 * holds only where it holds for the double value. */
static inline gboolean
can_skip (Run *r, const UpdateTask *u, gsize j)
{
  gint32 a = r->anchor[j];

  if (u->dsp == NULL || a < 0)
    return FALSE;
  return far_enough (u->dsp[a], r->mind2[j]);
}

/* Rows handed to the kernel at once. */
#define UPDATE_BATCH 64

/* Returns whether a minimum changed. */
static inline gboolean
update_batch (Run *r, const UpdateTask *u, const gsize *idx, const float *const *rows, gsize n)
{
  double dots[UPDATE_BATCH], norms[UPDATE_BATCH];
  gboolean changed = FALSE;
  gsize l;

  r->kern->dot_qf_norm (u->qd, rows, n, r->dim, dots, norms);
  for (l = 0; l < n; l++)
    {
      gsize j = idx[l];
      double d2 = lightly_sqdist (norms[l], u->qnorm, dots[l]);

      if (u->replace || d2 < r->mind2[j])
        {
          r->mind2[j] = d2;
          r->anchor[j] = u->tag;
          changed = TRUE;
        }
    }
  return changed;
}

/* The float32 fast path.
 *
 * The picks are those of the double arithmetic of §13: mind2[j] always
 * holds the double-path value d_D = max(0, (‖c‖²_D + ‖q‖²_D) − 2⟨c,q⟩_D),
 * bit for bit. The fast path only decides, per row, whether an update
 * `if (d_D < mind2[j]) mind2[j] = d_D` can change anything; when it cannot
 * be sure, it computes d_D with the double kernels (same bits as the double
 * pass), so every mind2, anchor, maximum and pick is the same.
 *
 * Claim: with n = dim, u = 2⁻²⁴, U = 2⁻⁵³, γ_k = k·u/(1 − k·u), Γ_k the same
 * with U, f = d2f() of the row (float32, any summation order, with or
 * without FMA) and d = Σ (q_i − c_i)² the exact real value,
 *   (1) |f − d| ≤ γ_{n+2}·d + n·2⁻¹⁴⁹          if f is finite,
 *   (2) |d_D − d| ≤ Γ_{n+1}·(‖q‖ + ‖c‖)² ≤ Γ_{n+1}·(2‖q‖ + √d)².
 * Proof of (1): fl(q_i − c_i) = (q_i − c_i)(1 + ε₁) (exact when the result
 * is subnormal); its square, alone or inside an FMA, is rounded once to
 * t_i = (q_i − c_i)²(1 + ε₁)²(1 + ε₂) + η_i with |ε| ≤ u and |η_i| ≤ 2⁻¹⁵⁰
 * (underflow; 0 for the FMA's product, which is not rounded on its own).
 * Summing n terms of one sign in any order makes at most n − 1 roundings
 * per term, each relative (sums of floats are exact in the subnormal
 * range), so f = Σ t_i (1 + θ_i), |θ_i| ≤ γ_{n−1}, and the factors combine
 * to |1 − Π| ≤ γ_{n+2} (Higham, Lemma 3.3) on terms ≥ 0: (1), the η
 * terms giving n·2⁻¹⁵⁰·(1 + γ) ≤ n·2⁻¹⁴⁹. No overflow happened when f is
 * finite, as every partial sum is ≤ f (terms ≥ 0, rounding monotone).
 * Proof of (2): the products of two floats are exact in double (48 bits,
 * exponents far inside double's range), so ‖c‖²_D, ‖q‖²_D and ⟨c,q⟩_D are
 * sums of n exact terms: relative error ≤ Γ_{n−1} of Σ|terms|, and
 * Σ|c_i q_i| ≤ ‖c‖‖q‖. The sum of the norms and the difference add two
 * roundings; the doubling is exact; the clamp at 0 moves toward d ≥ 0. So
 * |d_D − d| ≤ Γ_{n+1}(‖c‖² + ‖q‖² + 2‖c‖‖q‖), and ‖c‖ ≤ ‖q‖ + √d.
 * Hence with d ≤ D⁺ = (f + a₀)/(1 − γ) and d ≥ (f − a₀)/(1 + γ):
 *   d_D ≥ (f − a₀)/(1 + γ) − Γ_{n+1}·(2‖q‖ + √D⁺)²,
 * and when that lower bound is ≥ mind2[j], d_D < mind2[j] is false: the
 * update cannot change anything and is skipped. fast_lower() evaluates the
 * bound with its factors doubled (γ → 4γ in the scale factors, Γ → 2Γ,
 * ‖q‖²_D inflated by 4Γ), which covers the few double roundings of its own
 * evaluation (each ≤ U, against slack ≥ 3γ ≈ 2·10⁻⁷·n relative). A row
 * whose f is not finite (overflow) or whose bound is below mind2[j] is
 * recomputed in double. The path is used for n < 2²⁰ (γ < 1/16).
 *
 * The passes evaluate the bound in a weaker linear form, α·f − β with α, β
 * per query (lightly_fast_linear(): (x + y)² ≤ 2x² + 2y² removes the
 * square root), and the first pass over P also an upper bound α'·f + β'
 * (lightly_fast_upper_linear()), to decide which of two rows of P is
 * nearer without computing either in double. Where the bounds cannot
 * decide, both sides are computed in double, so every decision is the one
 * the double arithmetic makes. */
static void
fast_init (Run *r)
{
  r->fast = fast_mode != 0 && lightly_fast_bound_init (&r->fb, r->dim);
}

/* update_batch() through the float32 distances: only rows the bound cannot
 * rule out are computed in double, by the same kernel as the double pass
 * (dot_qf_norm: the same bits), gathered into one call per batch so that
 * the rows are still in L1. The linear bound (lightly_fast_linear()) is
 * weaker than fast_lower() only by a term ~2⁻⁵²·‖q‖², so it is the only
 * test. A row at distance 0 cannot get lower (d² ≥ 0 after the clamp). */
static gboolean
update_batch_fast (Run *r, const UpdateTask *u, const gsize *idx, const float *const *rows,
                   gsize n, gsize *n_exact)
{
  float f[UPDATE_BATCH];
  const float *redo[UPDATE_BATCH];
  gsize redo_idx[UPDATE_BATCH], nr = 0, l;
  double dots[UPDATE_BATCH], norms[UPDATE_BATCH];
  gboolean changed = FALSE;

  r->kern->d2f (u->qf, rows, n, r->dim, f);
  for (l = 0; l < n; l++)
    {
      double m = r->mind2[idx[l]];
      double lower = f[l] <= G_MAXFLOAT ? u->alpha * f[l] - u->beta : -1.0;

      if (lower >= m || m == 0)
        continue;
      redo[nr] = rows[l];
      redo_idx[nr++] = idx[l];
    }
  if (nr == 0)
    return FALSE;
  r->kern->dot_qf_norm (u->qd, redo, nr, r->dim, dots, norms);
  *n_exact += nr;
  for (l = 0; l < nr; l++)
    {
      gsize j = redo_idx[l];
      double d2 = lightly_sqdist (norms[l], u->qnorm, dots[l]);

      if (d2 < r->mind2[j])
        {
          r->mind2[j] = d2;
          r->anchor[j] = u->tag;
          changed = TRUE;
        }
    }
  return changed;
}

static inline void
prefetch_rows (Run *r, const float *const *rows, gsize n)
{
  gsize bytes = r->dim * sizeof (float), i, o;

  for (i = 0; i < n; i++)
    for (o = 0; o < bytes; o += 64)
      __builtin_prefetch ((const char *) rows[i] + o, 0, 3);
}

/* mind2[j] = min (mind2[j], d²(c_j, q)) over the unpicked rows; also used
 * with q = the mean to fill mind2 with distances to the mean.
 *
 * The rows to compute are gathered in batches of at most UPDATE_BYTES, and
 * the next batch is prefetched while the kernel works on the current one:
 * the kernel alone keeps too few loads in flight to stream from memory
 * (measured 7.5 GB/s without, 12.5 GB/s with, one thread, against 30 GB/s
 * of a plain read). Both batches must fit L1 (32–48 KiB) with the query,
 * or the prefetch evicts the batch being computed: 64 KiB batches did for
 * dims ≥ 256. 16 KiB ahead is still ~5× the bytes in flight that one
 * core's bandwidth × latency needs (~3 KiB at 30 GB/s × 100 ns). */
#define UPDATE_BYTES 16384
static void
update_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  const UpdateTask *u = data;
  gsize lo, hi, j, idx[2][UPDATE_BATCH], n[2] = { 0, 0 }, computed = 0, skipped = 0;
  gsize n_exact = 0;
  gboolean fast = r->fast && !u->replace;
  gsize batch = CLAMP (UPDATE_BYTES / (r->dim * sizeof (float)), 4, UPDATE_BATCH);
  const float *rows[2][UPDATE_BATCH];
  gboolean changed = FALSE;
  guint cur = 0;

  block_range (r, b, &lo, &hi);
  for (j = lo; j <= hi; j++)
    {
      if (j < hi)
        {
          if (r->mind2[j] < 0)
            continue;
          if (can_skip (r, u, j))
            {
              skipped++;
              continue;
            }
          idx[cur][n[cur]] = j;
          rows[cur][n[cur]] = row (r, r->cand[j]);
          if (++n[cur] < batch)
            continue;
        }
      /* A full batch (or the end): prefetch it, compute the previous one. */
      prefetch_rows (r, rows[cur], n[cur]);
      cur ^= 1;
      if (n[cur] > 0)
        {
          if (fast)
            changed |= update_batch_fast (r, u, idx[cur], rows[cur], n[cur], &n_exact);
          else
            changed |= update_batch (r, u, idx[cur], rows[cur], n[cur]);
          computed += n[cur];
          n[cur] = 0;
        }
    }
  cur ^= 1;
  if (n[cur] > 0)
    {
      if (fast)
        changed |= update_batch_fast (r, u, idx[cur], rows[cur], n[cur], &n_exact);
      else
        changed |= update_batch (r, u, idx[cur], rows[cur], n[cur]);
      computed += n[cur];
    }
  if (fast)
    {
      count_add (&r->n_fast, computed);
      count_add (&r->n_exact, n_exact);
    }
  count_add (&r->n_computed, computed);
  count_add (&r->n_skipped, skipped);
  count_add (&r->rows_read, computed);
  /* The block's maxima only move if a minimum did or the pick is in it. */
  if (changed || u->replace || (u->pick >= (gssize) lo && u->pick < (gssize) hi))
    lightly_coreset_block_stats (r, b);
}

typedef struct {
  double *partial;              /* n_chunks × dim */
} MeanTask;

static void
mean_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  MeanTask *t = data;
  double *acc = t->partial + b * r->dim;
  gsize lo = b * MEAN_CHUNK, hi = MIN (r->m, lo + MEAN_CHUNK), j, i;
  gsize stride = MAX (1, 65536 / MAX (r->dim, 1));

  for (j = lo; j < hi; j++)
    {
      const float *x = row (r, r->cand[j]);

      if ((j - lo) % stride == 0 && cancel_requested (r))
        return;
      for (i = 0; i < r->dim; i++)
        acc[i] += x[i];
    }
}

/* Fills mind2 with d² to the candidates' mean (rounded to float, so the
 * distances use the same exact-product kernels) and the block maxima. */
static gboolean
mean_distances (Run *r)
{
  gsize n_chunks = (r->m + MEAN_CHUNK - 1) / MEAN_CHUNK, c, i;
  g_autofree double *partial = g_new0 (double, n_chunks * r->dim);
  g_autofree double *sum = g_new0 (double, r->dim);
  g_autofree float *mean = g_new (float, r->dim);
  g_autofree double *qd = g_new (double, LIGHTLY_SELECTION_PAD8 (r->dim));
  MeanTask mt = { partial };
  UpdateTask ut = { 0 };

  if (!parallel (r, mean_block, &mt, n_chunks))
    return FALSE;
  for (c = 0; c < n_chunks; c++)
    for (i = 0; i < r->dim; i++)
      sum[i] += partial[c * r->dim + i];
  for (i = 0; i < r->dim; i++)
    mean[i] = (float) (sum[i] / (double) r->m);
  lightly_to_double (qd, mean, r->dim, LIGHTLY_SELECTION_PAD8 (r->dim));
  ut.qd = qd;
  ut.qnorm = r->kern->dot (mean, mean, r->dim);
  ut.replace = TRUE;
  ut.tag = -1;
  ut.pick = -1;
  return parallel (r, update_block, &ut, r->n_blocks);
}

/* ---------------------------------------------------------------------- */
/* Greedy argmax                                                          */

typedef enum {
  VALUE_D,                      /* √d² */
  VALUE_DHAT,                   /* √d² / dmax */
  VALUE_CORAL,                  /* √d² · w / dmax */
} ValueKind;

static inline double
value_of (Run *r, ValueKind kind, gsize j, double dmax)
{
  double d = sqrt (r->mind2[j]);

  switch (kind)
    {
    case VALUE_DHAT:
      return d / dmax;
    case VALUE_CORAL:
      return (d * weight (r, j)) / dmax;
    case VALUE_D:
    default:
      return d;
    }
}

static inline double
block_value (Run *r, ValueKind kind, gsize b, double dmax)
{
  switch (kind)
    {
    case VALUE_DHAT:
      return sqrt (r->bmax2[b]) / dmax;
    case VALUE_CORAL:
      return r->bmaxu[b] / dmax;
    case VALUE_D:
    default:
      return sqrt (r->bmax2[b]);
    }
}

/* The smallest unpicked index whose value is within ε of the step maximum,
 * or −1 if every candidate is picked. The maximum of the values is the value
 * of the maximal d² (or u), as √ and division are monotone. */
static gssize
greedy_argmax (Run *r, gboolean coral, double *value)
{
  double m2 = -1.0, mu = -1.0, dmax, thr;
  ValueKind kind = VALUE_D;
  gsize b, j;

  for (b = 0; b < r->n_blocks; b++)
    {
      if (r->bmax2[b] > m2)
        m2 = r->bmax2[b];
      if (coral && r->bmaxu[b] > mu)
        mu = r->bmaxu[b];
    }
  if (m2 < 0)
    return -1;
  dmax = sqrt (m2);
  thr = dmax - EPS;
  if (coral && dmax > 0)
    {
      if (mu > 0)
        {
          kind = VALUE_CORAL;
          thr = mu / dmax - EPS;
        }
      else
        {
          /* Every product is 0: the largest d̂ wins. */
          kind = VALUE_DHAT;
          thr = 1.0 - EPS;
        }
    }
  for (b = 0; b < r->n_blocks; b++)
    {
      gsize lo, hi;

      if (r->bmax2[b] < 0 || !(block_value (r, kind, b, dmax) >= thr))
        continue;
      block_range (r, b, &lo, &hi);
      for (j = lo; j < hi; j++)
        if (r->mind2[j] >= 0 && value_of (r, kind, j, dmax) >= thr)
          {
            /* The value compared, for "why picked". */
            if (value != NULL)
              *value = value_of (r, kind, j, dmax);
            return (gssize) j;
          }
    }
  g_assert_not_reached ();
  return -1;
}

/* CORAL without P: maximise s^β; ties by the CORESET first-pick rule. */
static gssize
coral_first_pick (Run *r, gboolean *ok)
{
  double wmax = -1.0, dbest;
  gsize j, n_tied = 0, first = 0;
  gssize pick = -1;

  *ok = TRUE;
  for (j = 0; j < r->m; j++)
    if (weight (r, j) > wmax)
      wmax = weight (r, j);
  for (j = 0; j < r->m; j++)
    if (weight (r, j) >= wmax - EPS)
      {
        if (n_tied++ == 0)
          first = j;
      }
  if (n_tied == 1)
    return (gssize) first;
  if (!mean_distances (r))
    {
      *ok = FALSE;
      return -1;
    }
  dbest = -1.0;
  for (j = 0; j < r->m; j++)
    if (weight (r, j) >= wmax - EPS && r->mind2[j] > dbest)
      dbest = r->mind2[j];
  dbest = sqrt (dbest);
  for (j = 0; j < r->m && pick < 0; j++)
    if (weight (r, j) >= wmax - EPS && sqrt (r->mind2[j]) >= dbest - EPS)
      pick = (gssize) j;
  return pick;
}

typedef struct {
  const UpdateTask *u;
  gsize n;
  double *dsp;
} AnchorTask;

/* Anchors per block of anchor_distances(): with |P| = 1,000 rows of dim 512
 * one pick's anchors are ~1 M multiply-adds, worth both threads. */
#define ANCHOR_BLOCK 256

static void
anchor_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  AnchorTask *t = data;
  const float *rows[UPDATE_BATCH];
  double dots[UPDATE_BATCH];
  gsize i0, i, hi = MIN (t->n, (b + 1) * ANCHOR_BLOCK);

  for (i0 = b * ANCHOR_BLOCK; i0 < hi; i0 += UPDATE_BATCH)
    {
      gsize bn = MIN (hi - i0, UPDATE_BATCH);

      for (i = 0; i < bn; i++)
        rows[i] = row (r, r->arow[i0 + i]);
      if (r->fast)
        {
          /* A lower bound of the double distance is enough: can_skip()
           * then prunes only where it would with the double value. */
          float f[UPDATE_BATCH];

          r->kern->d2f (t->u->qf, rows, bn, r->dim, f);
          for (i = 0; i < bn; i++)
            {
              double lower = f[i] <= G_MAXFLOAT ? t->u->alpha * f[i] - t->u->beta : 0.0;

              t->dsp[i0 + i] = lower > 0 ? sqrt (lower) : 0.0;
            }
          continue;
        }
      r->kern->dot_qf (t->u->qd, rows, bn, r->dim, dots);
      for (i = 0; i < bn; i++)
        t->dsp[i0 + i] = sqrt (lightly_sqdist (r->anorm[i0 + i], t->u->qnorm, dots[i]));
    }
}

/* dsp[a] = d(query, anchor a) for a < n, in batches through the kernel.
 * FALSE if cancelled. */
static gboolean
anchor_distances (Run *r, const UpdateTask *u, gsize n, double *dsp)
{
  AnchorTask t = { u, n, dsp };

  r->n_overhead += (gint64) n;
  return parallel (r, anchor_block, &t, (n + ANCHOR_BLOCK - 1) / ANCHOR_BLOCK);
}

/* Carried coverage: the anchors come as rows; a row of P becomes its
 * position in P, the anchor id of the pruning when P's rows are anchors
 * (n_panchor = |P|), any other row −1 (unknown: that candidate is not
 * pruned until a pass lowers its minimum). */
static void
carry_init_block (Run *r, gsize lo, gsize hi)
{
  const guint32 *pre = r->p->preselected;
  gsize np = r->p->n_preselected, j;

  for (j = lo; j < hi; j++)
    {
      guint32 a = (guint32) r->anchor[j];
      gsize l = 0, h = np;

      r->anchor[j] = -1;
      if (r->n_panchor == 0 || a == G_MAXUINT32)
        continue;
      while (l < h)
        {
          gsize mid = l + (h - l) / 2;

          if (pre[mid] < a)
            l = mid + 1;
          else
            h = mid;
        }
      if (l < np && pre[l] == a)
        r->anchor[j] = (gint32) l;
    }
}

/* First touch: each block's per-candidate state is written first by the
 * worker that later runs the block's passes, so on a NUMA machine its pages
 * sit on that worker's node (the blocks go to the workers in the same
 * order in every pass, so most blocks stay where they were touched). */
static void
init_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  gsize lo, hi, j;

  block_range (r, b, &lo, &hi);
  if (r->carry != NULL && r->carry->start)
    {
      carry_init_block (r, lo, hi);
      return;
    }
  for (j = lo; j < hi; j++)
    {
      r->anchor[j] = -1;
      r->mind2[j] = 0.0;   /* ≥ 0: not picked */
    }
}

/* The per-candidate state, the anchors' arrays and CORAL's weights. FALSE
 * if cancelled. */
static gboolean
alloc_state (Run *r, gsize n_anchors, gboolean coral)
{
  const LightlySelectionParams *p = r->p;
  gsize j;

  r->arow = g_new (guint32, MAX (n_anchors, 1));
  r->anorm = g_new (double, MAX (n_anchors, 1));
  if (r->carry != NULL)
    {
      r->anchor = (gint32 *) r->carry->anchor;
      r->mind2 = r->carry->mind2;
    }
  else
    {
      r->anchor = g_new (gint32, r->m);
      r->mind2 = g_new (double, r->m);
    }
  r->bmax2 = g_new (double, r->n_blocks);
  if (coral)
    {
      r->bmaxu = g_new (double, r->n_blocks);
      if (p->beta == 0)
        r->wmode = WEIGHT_ONE;
      else if (p->beta == 1)
        r->wmode = WEIGHT_SCORE;
      else
        {
          r->wmode = WEIGHT_ARRAY;
          r->w = g_new (double, r->m);
          for (j = 0; j < r->m; j++)
            r->w[j] = pow (p->scores[r->cand[j]], p->beta);
        }
    }
  if (p->n_preselected > 0)
    r->pnorm = g_new (double, p->n_preselected);
  return parallel (r, init_block, NULL, r->n_blocks);
}

/* Every row of C and P has a finite norm (one NaN would poison every
 * distance); fills ‖p‖² and P's anchors on the way. */
static gboolean
check_rows (Run *r, GError **error)
{
  const LightlySelectionParams *p = r->p;
  gsize np = p->n_preselected, pblocks = (np + r->block_rows - 1) / r->block_rows, j, b;
  g_autofree guint32 *bad = g_new (guint32, r->n_blocks);

  if (!parallel (r, check_block, bad, r->n_blocks))
    return lightly_selection_set_cancelled (error);
  for (b = 0; b < r->n_blocks; b++)
    if (bad[b] != G_MAXUINT32)
      {
        g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                     "Embedding row %u contains a value that is not finite (NaN or infinity); "
                     "fix the embeddings", r->cand[bad[b]]);
        return FALSE;
      }
  if (np == 0)
    return TRUE;
  if (!parallel (r, pnorms_block, NULL, pblocks))
    return lightly_selection_set_cancelled (error);
  for (j = 0; j < np; j++)
    if (!isfinite (r->pnorm[j]))
      {
        g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                     "Embedding row %u (preselected) contains a value that is not finite "
                     "(NaN or infinity); fix the embeddings", p->preselected[j]);
        return FALSE;
      }
  for (j = 0; j < r->n_panchor; j++)
    {
      r->arow[j] = p->preselected[j];
      r->anorm[j] = r->pnorm[j];
    }
  return TRUE;
}

static void
stats_block (gpointer ctx, gsize b, gpointer data)
{
  lightly_coreset_block_stats (ctx, b);
}

/* The first pass from carried coverage: mind2 holds the minima over the
 * covered rows of P, and each uncovered row lowers them as a pick does.
 * The update computes the same double d² as the seeding (the same exact
 * kernels; the fast path and the pruning only skip rows they prove cannot
 * change), and min is exact, so mind2 ends as the seeding over all of P
 * would leave it, bit for bit. With P's rows as anchors (n_panchor = |P|),
 * the carried anchors prune these passes and the picks' ones. */
static gboolean
carried_pass (Run *r, double *dsp)
{
  const LightlySelectionCarry *c = r->carry;
  gsize dim8 = LIGHTLY_SELECTION_PAD8 (r->dim), i;
  g_autofree double *qd = g_new (double, dim8);

  if (!parallel (r, stats_block, NULL, r->n_blocks))
    return FALSE;
  for (i = 0; i < c->n_uncovered; i++)
    {
      gsize pos = c->uncovered[i];
      const float *x = row (r, r->p->preselected[pos]);
      UpdateTask ut = { 0 };

      if (cancel_requested (r))
        return FALSE;
      lightly_to_double (qd, x, r->dim, dim8);
      ut.qd = qd;
      ut.qf = x;
      ut.qnorm = r->pnorm[pos];
      lightly_fast_linear (&r->fb, fast_qterm (r, ut.qnorm), &ut.alpha, &ut.beta);
      ut.pick = -1;
      ut.tag = -1;
      if (r->n_panchor > 0)
        {
          if (!anchor_distances (r, &ut, r->n_panchor, dsp))
            return FALSE;
          ut.tag = (gint32) pos;
          ut.dsp = dsp;
        }
      if (!parallel (r, update_block, &ut, r->n_blocks))
        return FALSE;
    }
  return TRUE;
}

/* A carried run's start: every minimum a distance (≥ 0, finite), the
 * uncovered positions ascending in P, and at least one row covered. */
static gboolean
carry_check (const LightlySelectionParams *p, GError **error)
{
  const LightlySelectionCarry *c = p->carry;
  gsize j;

  if (c->mind2 == NULL || c->anchor == NULL || p->n_preselected == 0 ||
      c->n_uncovered >= p->n_preselected || (c->n_uncovered > 0 && c->uncovered == NULL))
    goto bad;
  for (j = 0; j < c->n_uncovered; j++)
    if (c->uncovered[j] >= p->n_preselected || (j > 0 && c->uncovered[j] <= c->uncovered[j - 1]))
      goto bad;
  for (j = 0; j < p->n_candidates; j++)
    if (!(c->mind2[j] >= 0 && isfinite (c->mind2[j])))
      goto bad;
  return TRUE;

bad:
  g_set_error_literal (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                       "The carried coverage is inconsistent with the preselected rows");
  return FALSE;
}

/* The carried state out: anchors as rows, and whether mind2 is a coverage
 * (there was P or an applied pick: else it holds distances to the mean). */
static void
carry_finish (Run *r)
{
  LightlySelectionCarry *c = r->carry;
  gsize j;

  c->n_applied = r->n_applied;
  c->valid = r->p->n_preselected > 0 || r->n_applied > 0;
  if (!c->valid)
    return;
  for (j = 0; j < r->m; j++)
    c->anchor[j] = r->anchor[j] < 0 ? G_MAXUINT32 : r->arow[r->anchor[j]];
}

/* The first pass: distances to P, or without P the first pick (into
 * *first) by the CORESET or CORAL rule. */
static gboolean
first_pass (Run *r, gboolean coral, gboolean prune_seed, double *dsp, gssize *first,
            GError **error)
{
  gboolean ok = TRUE;

  if (r->carry != NULL && r->carry->start)
    ok = carried_pass (r, dsp);
  else if (r->p->n_preselected > 0)
    ok = prune_seed ? lightly_coreset_seed_pruned (r) : lightly_coreset_seed (r);
  else if (coral)
    *first = coral_first_pick (r, &ok);
  else if ((ok = mean_distances (r)))
    *first = greedy_argmax (r, FALSE, NULL);
  return ok ? TRUE : lightly_selection_set_cancelled (error);
}

static gboolean
run_greedy (Run *r, gsize k, GArray *out, GError **error)
{
  const LightlySelectionParams *p = r->p;
  gboolean coral = p->method == LIGHTLY_SELECTION_METHOD_CORAL;
  gsize np = p->n_preselected, t, n_anchors;
  gssize first = -1;
  g_autofree double *qd = g_new (double, LIGHTLY_SELECTION_PAD8 (r->dim));
  g_autofree double *dsp = NULL;
  /* Pruning needs d(new pick, every anchor): (|P| + t)·dim per step. It stays
   * on while t is under 1/32 of |C|, and P's rows are anchors (the seeding is
   * pruned) when |P| is too; so that work stays under 1/16 of a pass. */
  gsize prune_picks = pruning == 0 ? 0 : pruning == 2 ? k : MIN (r->m / 32, (gsize) G_MAXINT32);
  gboolean p_anchors = np > 0 && pruning != 0 && (pruning == 2 || np <= r->m / 32) &&
                       np + MIN (k, prune_picks) < (gsize) G_MAXINT32;
  gboolean start = r->carry != NULL && r->carry->start;
  gboolean prune_seed = p_anchors && k > 0 && !start;

  /* A carried start keeps P's rows as anchors too: its anchors are rows of P. */
  r->n_panchor = prune_seed || (start && p_anchors) ? np : 0;
  n_anchors = r->n_panchor + MIN (k, prune_picks);
  dsp = g_new (double, MAX (n_anchors, 1));
  if (!alloc_state (r, n_anchors, coral))
    return lightly_selection_set_cancelled (error);
  if (!check_rows (r, error))
    return FALSE;
  if (k == 0)
    return TRUE;
  if (!first_pass (r, coral, prune_seed, dsp, &first, error))
    return FALSE;

  for (t = 0; t < k; t++)
    {
      gssize pick;
      UpdateTask ut;
      guint32 c;
      const float *x;
      double utility = 0;

      if (cancel_requested (r))
        return lightly_selection_set_cancelled (error);
      if (t == 0 && np == 0)
        {
          /* CORAL: s^β; CORESET: the distance to the candidates' mean. */
          pick = first;
          utility = coral ? weight (r, (gsize) first) : sqrt (MAX (r->mind2[first], 0));
        }
      else
        {
          pick = greedy_argmax (r, coral, &utility);
          if (pick < 0)
            break;
          if (p->min_distance > 0 && sqrt (r->mind2[pick]) < p->min_distance)
            break;
        }
      c = r->cand[pick];
      g_array_append_val (out, c);
      lightly_selection_explain (p, c, utility, -1);
      r->mind2[pick] = -1.0;
      lightly_selection_report (p, t + 1, k);
      if (t + 1 == k)
        break;
      x = row (r, c);
      lightly_to_double (qd, x, r->dim, LIGHTLY_SELECTION_PAD8 (r->dim));
      ut.qd = qd;
      ut.qf = x;
      ut.qnorm = r->kern->dot (x, x, r->dim);
      lightly_fast_linear (&r->fb, fast_qterm (r, ut.qnorm), &ut.alpha, &ut.beta);
      ut.replace = (t == 0 && np == 0);
      ut.pick = pick;
      ut.dsp = NULL;
      if (t < prune_picks)
        {
          gsize id = r->n_panchor + t;

          if (!anchor_distances (r, &ut, id, dsp))
            return lightly_selection_set_cancelled (error);
          r->arow[id] = c;
          r->anorm[id] = ut.qnorm;
          ut.tag = (gint32) id;
          ut.dsp = dsp;
        }
      else
        ut.tag = -1;   /* anchors only for picks with known distances */
      if (!parallel (r, update_block, &ut, r->n_blocks))
        return lightly_selection_set_cancelled (error);
      r->n_applied = t + 1;
    }
  if (r->carry != NULL)
    carry_finish (r);
  return TRUE;
}

/* Blocks of about 64 Ki multiply-adds: long enough to amortise the
 * hand-out, short enough to check the cancel flag often. */
gboolean
lightly_coreset_run (const LightlySelectionParams  *p,
                     gsize                          k,
                     GArray                        *out,
                     GError                       **error)
{
  Run r = { 0 };
  guint n_threads;
  gboolean ok;

  if (p->n_candidates == 0)
    return TRUE;
  r.p = p;
  r.kern = lightly_selection_kernels_current ();
  r.dim = p->dim;
  r.m = p->n_candidates;
  r.cand = p->candidates;
  r.block_rows = CLAMP (65536 / MAX (r.dim, 1), 64, 4096);
  if (forced_block_rows > 0)
    r.block_rows = forced_block_rows;
  r.n_blocks = (r.m + r.block_rows - 1) / r.block_rows;
  /* Balance runs the method on a ranking of its own: nothing to carry. */
  if (p->carry != NULL && !p->balance)
    {
      if (p->carry->start && !carry_check (p, error))
        return FALSE;
      r.carry = p->carry;
    }
  fast_init (&r);
  n_threads = lightly_selection_thread_count (p);
  /* Seeding with P can split P, so it can use every thread. */
  if (p->n_preselected == 0)
    n_threads = MIN (n_threads, (guint) MIN (r.n_blocks, 256));
  r.pool = lightly_pool_new (n_threads, p->cancel, &r);
  ok = run_greedy (&r, k, out, error);
  lightly_pool_free (r.pool);
  last_stats.computed = (guint64) r.n_computed;
  last_stats.skipped = (guint64) r.n_skipped;
  last_stats.rows_read = (guint64) r.rows_read;
  last_stats.overhead = (guint64) r.n_overhead;
  last_stats.fast = (guint64) r.n_fast;
  last_stats.exact = (guint64) r.n_exact;
  if (r.carry == NULL)
    {
      g_free (r.anchor);
      g_free (r.mind2);
    }
  g_free (r.arow);
  g_free (r.anorm);
  g_free (r.w);
  g_free (r.pnorm);
  g_free (r.bmax2);
  g_free (r.bmaxu);
  return ok;
}
