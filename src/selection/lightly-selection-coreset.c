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

#include "lightly-selection-private.h"

#define EPS LIGHTLY_SELECTION_TIE_EPSILON

/* At most this many rows of P per tile while seeding the distances (32 KiB
 * of float rows: 64 rows of dim 128); one tile is also short enough to check
 * the cancel flag between tiles. */
#define P_TILE 64
/* Rows per chunk of the mean; fixed, so the sum is the same for any thread count. */
#define MEAN_CHUNK 8192

typedef struct _Run Run;

struct _Run
{
  const LightlySelectionParams *p;
  const LightlySelectionKernels *kern;
  gsize dim;
  gsize m;                      /* |C| */
  const guint32 *cand;

  /* Per candidate: 12 bytes (20 for CORAL with β other than 0 and 1). The
   * norms ‖c‖² are recomputed by the fused kernel in every pass that reads
   * the row anyway, so they take no memory. */
  double *mind2;                /* d² to the selected set; < 0: picked */
  double *w;                    /* CORAL with β ∉ {0, 1}: s^β per candidate */
  gint32 *anchor;               /* anchor (see below) that gave mind2, −1: none */
  int wmode;                    /* WEIGHT_* */
  double *pnorm;                /* ‖p‖² per preselected row */

  /* Anchors of the triangle-inequality pruning: ids [0, n_panchor) are the
   * rows of P (when the seeding was pruned), n_panchor + t is pick t. */
  gsize n_panchor;
  guint32 *arow;                /* row index per anchor */
  double *anorm;                /* ‖row‖² per anchor */

  /* Work counters (benchmarks), summed per block with atomics. */
  gint64 n_computed;            /* candidate–centre distances evaluated */
  gint64 n_skipped;             /* … proven unnecessary by the triangle inequality */
  gint64 rows_read;             /* candidate rows read from the matrix */
  gint64 n_overhead;            /* anchor–anchor distances for the pruning */
  gint64 n_fast;                /* update distances computed in float32 */
  gint64 n_exact;               /* … of which the bound left undecided: redone in double */

  /* The float32 fast path of the updates (see fast_lower()); off: every
   * update distance in double. */
  gboolean fast;
  LightlyFastBound fb;

  gsize block_rows;
  gsize n_blocks;
  double *bmax2;                /* per block: max d² of its unpicked rows, −1 if none */
  double *bmaxu;                /* per block (CORAL): max √d²·w */

  /* The workers; every pass below runs on them with this Run as context. */
  LightlyPool *pool;
};

enum {
  WEIGHT_NONE,                  /* CORESET */
  WEIGHT_ONE,                   /* β = 0: s^0 = 1 */
  WEIGHT_SCORE,                 /* β = 1: s^1 = s exactly, read from the scores */
  WEIGHT_ARRAY,                 /* r->w */
};

static inline double
weight (Run *r, gsize j)
{
  switch (r->wmode)
    {
    case WEIGHT_ONE:
      return 1.0;
    case WEIGHT_SCORE:
      return r->p->scores[r->cand[j]];
    case WEIGHT_ARRAY:
      return r->w[j];
    default:
      return 1.0;
    }
}

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

static inline double fast_lower (Run *r, double qterm, float f);
static inline double fast_qterm (Run *r, double qnorm);
static gsize seed_exact_row (Run *r, const float *x, double cn, const float *const *rows,
                             const gsize *pidx, gsize n, double *best, gint32 *anchor);

static inline gboolean
cancel_requested (Run *r)
{
  return lightly_pool_cancelled (r->pool);
}

static inline gboolean
parallel (Run *r, LightlyPoolFunc fn, gpointer data, gsize n_blocks)
{
  return lightly_pool_run (r->pool, fn, data, n_blocks);
}

static inline void
count_add (gint64 *counter, gsize v)
{
  __atomic_fetch_add (counter, (gint64) v, __ATOMIC_RELAXED);
}

static inline const float *
row (Run *r, guint32 i)
{
  return r->p->matrix + (gsize) i * r->dim;
}

static inline void
block_range (Run *r, gsize b, gsize *lo, gsize *hi)
{
  *lo = b * r->block_rows;
  *hi = MIN (r->m, *lo + r->block_rows);
}

static void
block_stats (Run *r, gsize b)
{
  gsize lo, hi, j;
  double m2 = -1.0, mu = -1.0;

  block_range (r, b, &lo, &hi);
  for (j = lo; j < hi; j++)
    {
      double d2 = r->mind2[j];

      if (d2 < 0)
        continue;
      if (d2 > m2)
        m2 = d2;
      if (r->wmode != WEIGHT_NONE)
        {
          double u = sqrt (d2) * weight (r, j);

          if (u > mu)
            mu = u;
        }
    }
  r->bmax2[b] = m2;
  if (r->bmaxu != NULL)
    r->bmaxu[b] = mu;
}

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

      if (!isfinite (r->kern->dot (x, x, r->dim)))
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
  gsize n_split;                /* parts of P; a task is (candidate block, part) */
  double *partial;              /* n_split × m minima, or NULL if n_split is 1 */
} SeedTask;

/* min over P[t_lo, t_hi) of d²(c_j, p) for the candidates of a block, into
 * out[j], tile by tile: a tile of P rows stays in L1 while the block's
 * candidates pass by, each converted to double once per tile. */
static void
seed_range (Run *r, gsize lo, gsize hi, gsize t_lo, gsize t_hi, double *out)
{
  const guint32 *pre = r->p->preselected;
  gsize dim8 = LIGHTLY_SELECTION_PAD8 (r->dim);
  gsize tile_rows = CLAMP (8192 / MAX (r->dim, 1), 4, P_TILE);
  gsize j, t0, t;
  g_autofree double *cd = g_new (double, dim8);
  const float *tile[P_TILE];
  double dots[P_TILE];
  gsize pidx[P_TILE], n_exact = 0;

  for (j = lo; j < hi; j++)
    out[j] = INFINITY;
  count_add (&r->n_computed, (hi - lo) * (t_hi - t_lo));
  count_add (&r->rows_read, hi - lo);
  for (t0 = t_lo; t0 < t_hi; t0 += tile_rows)
    {
      gsize tn = MIN (t_hi - t0, tile_rows);

      if (cancel_requested (r))
        return;
      for (t = 0; t < tn; t++)
        {
          tile[t] = row (r, pre[t0 + t]);
          pidx[t] = t0 + t;
        }
      for (j = lo; j < hi; j++)
        {
          const float *x = row (r, r->cand[j]);
          double best = out[j], cn = r->kern->dot (x, x, r->dim);

          if (r->fast)
            {
              n_exact += seed_exact_row (r, x, cn, tile, pidx, tn, &best, NULL);
              out[j] = best;
              continue;
            }
          lightly_to_double (cd, x, r->dim, dim8);
          r->kern->dot_qf (cd, tile, tn, r->dim, dots);
          for (t = 0; t < tn; t++)
            {
              double d2 = lightly_sqdist (cn, r->pnorm[t0 + t], dots[t]);

              if (d2 < best)
                best = d2;
            }
          out[j] = best;
        }
    }
  if (r->fast)
    {
      count_add (&r->n_fast, (hi - lo) * (t_hi - t_lo));
      count_add (&r->n_exact, n_exact);
    }
}

/* mind2 = distances to P. Minima are exact, so splitting P (to keep every
 * thread busy when there are few candidates) does not change a bit. */
static void
seed_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  SeedTask *st = data;
  gsize np = r->p->n_preselected, cb = b / st->n_split, part = b % st->n_split;
  gsize lo, hi;

  block_range (r, cb, &lo, &hi);
  if (st->n_split == 1)
    {
      seed_range (r, lo, hi, 0, np, r->mind2);
      block_stats (r, cb);
    }
  else
    seed_range (r, lo, hi, part * np / st->n_split, (part + 1) * np / st->n_split,
                st->partial + part * r->m);
}

static gboolean
seed (Run *r)
{
  gsize threads = lightly_pool_n_workers (r->pool) + 1, np = r->p->n_preselected, j, i, b;
  SeedTask st = { 1, NULL };

  if (r->n_blocks < 2 * threads)
    st.n_split = MAX (1, MIN ((2 * threads + r->n_blocks - 1) / r->n_blocks, np / 256));
  if (st.n_split > 1)
    st.partial = g_new (double, st.n_split * r->m);
  if (!parallel (r, seed_block, &st, r->n_blocks * st.n_split))
    {
      g_free (st.partial);
      return FALSE;
    }
  if (st.n_split > 1)
    {
      for (j = 0; j < r->m; j++)
        {
          double best = st.partial[j];

          for (i = 1; i < st.n_split; i++)
            best = MIN (best, st.partial[i * r->m + j]);
          r->mind2[j] = best;
        }
      for (b = 0; b < r->n_blocks; b++)
        block_stats (r, b);
      g_free (st.partial);
    }
  return TRUE;
}

/* The first pass with the triangle inequality. P is cut into tiles of at
 * most SEED_TILE rows, and at most SEED_CAP bytes of distances from the
 * tile's rows to the earlier rows of P (so the memory is O(|P|), never
 * |C|·|P|). Per tile, every candidate skips the tile rows b with
 * d(p_b, p_a) ≥ 2·d(c, p_a) + margin, where a is the candidate's anchor (the
 * row of P that gave its current minimum): then d(c, p_b) ≥ d(c, p_a) and
 * the minimum cannot change. The minima are the same bits as without
 * pruning (see PRUNE_MARGIN); the anchors are kept for the picks' updates. */
#define SEED_TILE 64
G_STATIC_ASSERT (SEED_TILE <= P_TILE);
#define SEED_CAP (4u << 20)

typedef struct {
  gsize t0, tn;                 /* the tile: P rows [t0, t0 + tn) */
  gsize stride;                 /* |P| */
  double *pd;                   /* pd[b·stride + a] = d(p_{t0+b}, p_a), a < t0 + b */
  gboolean last;
} SeedTileTask;

static void
seed_tile_dists (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  SeedTileTask *st = data;
  const guint32 *pre = r->p->preselected;
  gsize dim8 = LIGHTLY_SELECTION_PAD8 (r->dim), i0, i, n = st->t0 + b;
  g_autofree double *qd = g_new (double, dim8);
  const float *rows[64];
  double dots[64], *out = st->pd + b * st->stride;

  lightly_to_double (qd, row (r, pre[n]), r->dim, dim8);
  for (i0 = 0; i0 < n; i0 += 64)
    {
      gsize bn = MIN (n - i0, 64);

      for (i = 0; i < bn; i++)
        rows[i] = row (r, pre[i0 + i]);
      r->kern->dot_qf (qd, rows, bn, r->dim, dots);
      for (i = 0; i < bn; i++)
        out[i0 + i] = sqrt (lightly_sqdist (r->pnorm[n], r->pnorm[i0 + i], dots[i]));
    }
  count_add (&r->n_overhead, n);
}

/* Margin above the rounding error of computed distances; see can_skip(). */
#define PRUNE_MARGIN 1e-4

static inline gboolean
far_enough (double d_anchors, double mind2)
{
  double h = (d_anchors - PRUNE_MARGIN) * 0.5;

  return h > 0 && h * h >= mind2;
}

static void
seed_tile_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  SeedTileTask *st = data;
  const guint32 *pre = r->p->preselected;
  gsize dim8 = LIGHTLY_SELECTION_PAD8 (r->dim), lo, hi, j, t;
  gsize computed = 0, read = 0;
  g_autofree double *cd = g_new (double, dim8);
  const float *rows[SEED_TILE];
  gsize keep[SEED_TILE], n_exact = 0;
  double dots[SEED_TILE];

  block_range (r, b, &lo, &hi);
  for (j = lo; j < hi; j++)
    {
      gint32 a = r->anchor[j];
      double best = r->mind2[j], cn;
      const float *x;
      gsize n = 0;

      for (t = 0; t < st->tn; t++)
        if (a < 0 || !far_enough (st->pd[t * st->stride + (gsize) a], best))
          {
            keep[n] = st->t0 + t;
            rows[n++] = row (r, pre[st->t0 + t]);
          }
      if (n == 0)
        continue;
      x = row (r, r->cand[j]);
      cn = r->kern->dot (x, x, r->dim);
      if (r->fast)
        n_exact += seed_exact_row (r, x, cn, rows, keep, n, &best, &a);
      else
        {
          lightly_to_double (cd, x, r->dim, dim8);
          r->kern->dot_qf (cd, rows, n, r->dim, dots);
          for (t = 0; t < n; t++)
            {
              double d2 = lightly_sqdist (cn, r->pnorm[keep[t]], dots[t]);

              if (d2 < best)
                {
                  best = d2;
                  a = (gint32) keep[t];
                }
            }
        }
      r->mind2[j] = best;
      r->anchor[j] = a;
      computed += n;
      read++;
    }
  if (r->fast)
    {
      count_add (&r->n_fast, computed);
      count_add (&r->n_exact, n_exact);
    }
  count_add (&r->n_computed, computed);
  count_add (&r->n_skipped, (hi - lo) * st->tn - computed);
  count_add (&r->rows_read, read);
  if (st->last)
    block_stats (r, b);
}

static gboolean
seed_pruned (Run *r)
{
  gsize np = r->p->n_preselected, j;
  gsize tile = CLAMP (SEED_CAP / (sizeof (double) * np), 1, SEED_TILE);
  g_autofree double *pd = g_new (double, tile * np);
  SeedTileTask st = { 0, 0, np, pd, FALSE };

  for (j = 0; j < r->m; j++)
    r->mind2[j] = INFINITY;
  for (st.t0 = 0; st.t0 < np; st.t0 += st.tn)
    {
      /* Tiles grow from 4 rows (4, 4, 8, 16, …): the rows of a tile cannot
       * prune each other, and the first anchors should come soon. */
      st.tn = MIN (MIN (tile, MAX (st.t0, 4)), np - st.t0);
      st.last = st.t0 + st.tn == np;
      if (!parallel (r, seed_tile_dists, &st, st.tn) ||
          !parallel (r, seed_tile_block, &st, r->n_blocks))
        return FALSE;
    }
  return TRUE;
}

typedef struct {
  const double *qd;             /* the query, converted and padded */
  const float *qf;              /* the query row (fast path) */
  double qterm;                 /* fast path: 2·√‖q‖² with slack, see fast_lower() */
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
 * gives the same bits as an unpruned one. */
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
 * recomputed in double. The path is used for n < 2²⁰ (γ < 1/16). */
static void
fast_init (Run *r)
{
  r->fast = fast_mode != 0 && lightly_fast_bound_init (&r->fb, r->dim);
}

static inline double
fast_qterm (Run *r, double qnorm)
{
  return lightly_fast_qterm (&r->fb, qnorm);
}

/* A lower bound of the double path's d² (see above), or −1 if f is not
 * finite. */
static inline double
fast_lower (Run *r, double qterm, float f)
{
  return lightly_fast_lower (&r->fb, qterm, f);
}

/* update_batch() through the float32 distances: only rows the bound cannot
 * rule out are computed in double, by the same kernels as the double pass. */
static inline gboolean
update_batch_fast (Run *r, const UpdateTask *u, const gsize *idx, const float *const *rows,
                   gsize n, gsize *n_exact)
{
  float f[UPDATE_BATCH];
  gboolean changed = FALSE;
  gsize l;

  r->kern->d2f (u->qf, rows, n, r->dim, f);
  for (l = 0; l < n; l++)
    {
      gsize j = idx[l];
      double d2;

      if (fast_lower (r, u->qterm, f[l]) >= r->mind2[j])
        continue;
      d2 = lightly_sqdist (r->kern->dot (rows[l], rows[l], r->dim), u->qnorm,
                           r->kern->dot (u->qf, rows[l], r->dim));
      (*n_exact)++;
      if (d2 < r->mind2[j])
        {
          r->mind2[j] = d2;
          r->anchor[j] = u->tag;
          changed = TRUE;
        }
    }
  return changed;
}

/* The first pass's minimum over some rows of P (pidx[t] their positions in
 * P) for candidate row x, through the fast path: in the order of the double
 * pass, each row either proven unable to lower *best or computed in double,
 * so *best and *anchor (when not NULL) end as the double pass leaves them.
 * Returns the rows computed in double. */
static gsize
seed_exact_row (Run *r, const float *x, double cn, const float *const *rows,
                const gsize *pidx, gsize n, double *best, gint32 *anchor)
{
  float f[P_TILE];
  double qterm = fast_qterm (r, cn);
  gsize t, n_exact = 0;

  r->kern->d2f (x, rows, n, r->dim, f);
  for (t = 0; t < n; t++)
    {
      double d2;

      if (fast_lower (r, qterm, f[t]) >= *best)
        continue;
      d2 = lightly_sqdist (cn, r->pnorm[pidx[t]], r->kern->dot (x, rows[t], r->dim));
      n_exact++;
      if (d2 < *best)
        {
          *best = d2;
          if (anchor != NULL)
            *anchor = (gint32) pidx[t];
        }
    }
  return n_exact;
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
 * The rows to compute are gathered in batches of at most 64 KiB, and the
 * next batch is prefetched while the kernel works on the current one: the
 * kernel alone keeps too few loads in flight to stream from memory (measured
 * 7.5 GB/s without, 12.5 GB/s with, one thread, against 30 GB/s of a plain
 * read). */
static void
update_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  const UpdateTask *u = data;
  gsize lo, hi, j, idx[2][UPDATE_BATCH], n[2] = { 0, 0 }, computed = 0, skipped = 0;
  gsize n_exact = 0;
  gboolean fast = r->fast && !u->replace;
  gsize batch = CLAMP (65536 / (r->dim * sizeof (float)), 4, UPDATE_BATCH);
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
    block_stats (r, b);
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
greedy_argmax (Run *r, gboolean coral)
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
          return (gssize) j;
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

/* dsp[a] = d(query, anchor a) for a < n, in batches through the kernel. */
static void
anchor_distances (Run *r, const UpdateTask *u, gsize n, double *dsp)
{
  const float *rows[UPDATE_BATCH];
  double dots[UPDATE_BATCH];
  gsize i0, i;

  for (i0 = 0; i0 < n; i0 += UPDATE_BATCH)
    {
      gsize bn = MIN (n - i0, UPDATE_BATCH);

      for (i = 0; i < bn; i++)
        rows[i] = row (r, r->arow[i0 + i]);
      r->kern->dot_qf (u->qd, rows, bn, r->dim, dots);
      for (i = 0; i < bn; i++)
        dsp[i0 + i] = sqrt (lightly_sqdist (r->anorm[i0 + i], u->qnorm, dots[i]));
    }
  r->n_overhead += (gint64) n;
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
  r->anchor = g_new (gint32, r->m);
  r->mind2 = g_new (double, r->m);
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

/* The first pass: distances to P, or without P the first pick (into
 * *first) by the CORESET or CORAL rule. */
static gboolean
first_pass (Run *r, gboolean coral, gboolean prune_seed, gssize *first, GError **error)
{
  gboolean ok = TRUE;

  if (r->p->n_preselected > 0)
    ok = prune_seed ? seed_pruned (r) : seed (r);
  else if (coral)
    *first = coral_first_pick (r, &ok);
  else if ((ok = mean_distances (r)))
    *first = greedy_argmax (r, FALSE);
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
  gboolean prune_seed = np > 0 && k > 0 && pruning != 0 &&
                        (pruning == 2 || np <= r->m / 32) &&
                        np + MIN (k, prune_picks) < (gsize) G_MAXINT32;

  r->n_panchor = prune_seed ? np : 0;
  n_anchors = r->n_panchor + MIN (k, prune_picks);
  dsp = g_new (double, MAX (n_anchors, 1));
  if (!alloc_state (r, n_anchors, coral))
    return lightly_selection_set_cancelled (error);
  if (!check_rows (r, error))
    return FALSE;
  if (k == 0)
    return TRUE;
  if (!first_pass (r, coral, prune_seed, &first, error))
    return FALSE;

  for (t = 0; t < k; t++)
    {
      gssize pick;
      UpdateTask ut;
      guint32 c;
      const float *x;

      if (cancel_requested (r))
        return lightly_selection_set_cancelled (error);
      if (t == 0 && np == 0)
        pick = first;
      else
        {
          pick = greedy_argmax (r, coral);
          if (pick < 0)
            break;
          if (p->min_distance > 0 && sqrt (r->mind2[pick]) < p->min_distance)
            break;
        }
      c = r->cand[pick];
      g_array_append_val (out, c);
      r->mind2[pick] = -1.0;
      lightly_selection_report (p, t + 1, k);
      if (t + 1 == k)
        break;
      x = row (r, c);
      lightly_to_double (qd, x, r->dim, LIGHTLY_SELECTION_PAD8 (r->dim));
      ut.qd = qd;
      ut.qf = x;
      ut.qnorm = r->kern->dot (x, x, r->dim);
      ut.qterm = fast_qterm (r, ut.qnorm);
      ut.replace = (t == 0 && np == 0);
      ut.pick = pick;
      ut.dsp = NULL;
      if (t < prune_picks)
        {
          gsize id = r->n_panchor + t;

          anchor_distances (r, &ut, id, dsp);
          r->arow[id] = c;
          r->anorm[id] = ut.qnorm;
          ut.tag = (gint32) id;
          ut.dsp = dsp;
        }
      else
        ut.tag = -1;   /* anchors only for picks with known distances */
      if (!parallel (r, update_block, &ut, r->n_blocks))
        return lightly_selection_set_cancelled (error);
    }
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
  g_free (r.anchor);
  g_free (r.arow);
  g_free (r.anorm);
  g_free (r.mind2);
  g_free (r.w);
  g_free (r.pnorm);
  g_free (r.bmax2);
  g_free (r.bmaxu);
  return ok;
}
