/* lightly-selection-coreset-seed.c: CORESET's and CORAL's first pass over P
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The distances of every candidate to the preselected set P, unpruned
 * (lightly_coreset_seed()) or with the triangle inequality
 * (lightly_coreset_seed_pruned()), both through the exact float32 fast path
 * when it is on. The unpruned one computes float32 tiles of dot products
 * (dotf_tile(), a small GEMM) and bounds them (seed_range_fast(), with the
 * proof above it). The pruned one keeps float32 distances while it runs and
 * computes one double distance per candidate at the end (see
 * seed_tile_block_fast()). With AVX512_BF16 both give way to bfloat16 tiles
 * (lightly-selection-coreset-seed-bf16.c, their own bound proved there,
 * which splits P as lightly_coreset_seed_split() does, and prunes by
 * pivots of P instead of row by row). Split from
 * lightly-selection-coreset.c, whose Run it shares
 * (lightly-selection-coreset-private.h).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-selection-coreset-private.h"

/* A block's largest current distance (and weighted utility), which the
 * pruning bounds of every pass read: the seeding pass fills them first.
 * The rows that hold them are kept too (lightly_coreset_block_stats_after()). */
void
lightly_coreset_block_stats (Run *r, gsize b)
{
  gsize lo, hi, j, at2 = 0, atu = 0;
  double m2 = -1.0, mu = -1.0;

  block_range (r, b, &lo, &hi);
  for (j = lo; j < hi; j++)
    {
      double d2 = r->mind2[j];

      if (d2 < 0)
        continue;
      if (d2 > m2)
        {
          m2 = d2;
          at2 = j - lo;
        }
      if (r->wmode != WEIGHT_NONE)
        {
          double u = sqrt (d2) * weight (r, j);

          if (u > mu)
            {
              mu = u;
              atu = j - lo;
            }
        }
    }
  r->bmax2[b] = m2;
  r->bmax_at[b] = (guint32) at2;
  if (r->bmaxu != NULL)
    {
      r->bmaxu[b] = mu;
      r->bmaxu_at[b] = (guint32) atu;
    }
}

/* After an update pass or a guess's rows, which only lower values (or mark
 * rows picked, −1) unless the pass replaced them: if the rows that held
 * the maxima still hold them, no other row can exceed them, so the maxima
 * stand, bit for bit. A block rescan took 7.5 % of a pruned run on
 * 200k × 64 rows, and the row that holds a block's maximum, the farthest
 * from every pick, is seldom the one a new pick lowers. */
void
lightly_coreset_block_stats_after (Run *r, gsize b, gboolean replaced)
{
  gsize lo = b * r->block_rows;

  if (replaced)
    {
      lightly_coreset_block_stats (r, b);
      return;
    }
  if (r->bmax2[b] < 0)
    return;     /* no unpicked row, and none comes back */
  if (r->mind2[lo + r->bmax_at[b]] == r->bmax2[b] &&
      (r->bmaxu == NULL ||
       sqrt (r->mind2[lo + r->bmaxu_at[b]]) * weight (r, lo + r->bmaxu_at[b]) == r->bmaxu[b]))
    return;
  lightly_coreset_block_stats (r, b);
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

typedef struct {
  gsize n_split;                /* parts of P; a task is (candidate block, part) */
  double *partial;              /* n_split × m minima, or NULL if n_split is 1 */
  LightlySeedRangeFunc range;   /* the tiles */
  gconstpointer range_data;
  gint32 *anchor;               /* r->anchor, or n_split × m anchors; or NULL */
} SeedTask;

/* The first pass through float32 tiles of dot products.
 *
 * The double pass sets mind2[j] = min over t of d_D(c, p_t), with
 * d_D = max(0, fl(S − 2·dot_D)), S = fl(‖c‖²_D + ‖p‖²_D) and dot_D the
 * double kernels' ⟨c,p⟩ (lightly_sqdist()). A minimum does not depend on
 * the order of its terms, so it is enough to compute in double every row t
 * that can attain it; the others are skipped. The tile kernel (dotf_tile(),
 * a register-blocked small GEMM of candidate rows × rows of P) gives
 * g ≈ ⟨c,p⟩ in float32, and e = fl(S − 2g) in double estimates d_D.
 *
 * Claim: with n = dim, u = 2⁻²⁴, U = 2⁻⁵³, γ = γ_{n+8} = (n+8)u/(1 − (n+8)u)
 * and Γ the same with U, if g is finite then
 *   |d_D − max(0, e)| ≤ 2γ·S + n·2⁻¹⁴⁷.
 * Proof. (a) g sums the n products c_i·p_i in float32 in some order, each
 * product rounded alone or fused into an FMA: every term goes through at
 * most one product rounding, ⌈n/w⌉ lane additions and log₂ w reduction
 * additions for the w lanes of any path (w ≤ 16), so at most n + 8
 * roundings, each a factor (1 + δ), |δ| ≤ u, as long as no result is
 * subnormal; by Higham's Lemma 3.1 the product of those factors is within
 * γ of 1, so |g − s| ≤ γ·Σ|c_i p_i| with s = ⟨c,p⟩ exact. A sum whose
 * result is subnormal is exact; a product or FMA whose result is subnormal
 * errs by at most 2⁻¹⁵⁰ absolutely, at most 2n of them, each grown by the
 * later factors by at most 1 + γ ≤ 2: n·2⁻¹⁴⁸ in all. A finite g saw no
 * overflow (an infinity never returns to finite). (b) The double kernels'
 * products of floats are exact, so |dot_D − s| ≤ Γ·Σ|c_i p_i|, and
 * ‖c‖²_D ≥ ‖c‖²(1 − Γ), likewise for p, so with the rounding of S,
 * Σ|c_i p_i| ≤ ‖c‖‖p‖ ≤ (‖c‖² + ‖p‖²)/2 ≤ 0.6·S. (c) Let x = S − 2·dot_D
 * and y = S − 2g (the doubling is exact, g → double is exact); then
 * fl(x) and e = fl(y) are within U·|x| and U·|y| of them, |x|, |y| ≤
 * 3S + n·2⁻¹⁴⁷,
 * and |x − y| = 2|dot_D − g| ≤ 1.2(γ + Γ)·S + n·2⁻¹⁴⁷. As Γ + 6U ≤ 0.8γ
 * (γ ≥ (n + 8)·2⁻²⁴ = 2²⁹·(n + 8)·U), |fl(x) − e| ≤ 2γ·S + n·2⁻¹⁴⁷, and
 * max(0, ·) is 1-Lipschitz. □
 *
 * So with E = 4γ·S + n·2⁻¹⁴⁶ (each factor doubled: the ≤ 4 roundings of
 * E, e − E and max(0, e) + E, each ≤ U of a value ≤ 4S, fall far inside
 * the slack 2γ·S ≥ 2⁻²³·S), lo = e − E ≤ d_D ≤ hi = max(0, e) + E. A row
 * with lo > min hi over the rows seen so far, or lo ≥ the least d_D
 * computed so far, cannot lower the minimum below what is already
 * reachable: the row t* attaining the double pass's minimum has lo ≤ d_D(t*)
 * ≤ every hi (so it passes the first test), and d_D(t*) ≤ every d_D, so it
 * fails the second test only if its value is already the least computed.
 * Every other row is computed in double by the double pass's kernel (the
 * same bits), so out[j] is the double pass's minimum bit for bit. A row
 * that passes may wait (SeedPending) and be tested again later against a
 * smaller min hi and a smaller least d_D: the argument holds at any time.
 * lo, hi and min hi come from the kernels' tile_bounds(), which evaluates
 * exactly these operations. A g that is not finite (overflow) makes
 * z = g − g NaN, added to lo and hi: a NaN lo fails both skip tests (every
 * comparison with NaN is false), so the row is computed in double, and a
 * NaN hi is left out of min hi.
 * The bound is relative to S, not to d: for near-duplicates with large norms
 * (the norm trick's cancellation) it cannot decide, and those rows are
 * computed in double, which costs time, never a bit. κ = 4γ and n·2⁻¹⁴⁶ are
 * lightly_tile_bound()'s (lightly-selection-private.h), which the k-means'
 * screening uses too. */

/* Bytes of P rows per tile (in L1 while the candidates pass by). */
#define SEED_TILE_BYTES 16384

/* The pending rows of a candidate that the test above still keeps, with mh
 * the least hi seen so far, computed in double into *best. Returns how
 * many. The rows of P wait here, so that most are ruled out by a hi seen
 * after them: the nearest row of P often comes late, and each earlier row
 * that was nearest so far would otherwise go to double. */
gsize
lightly_coreset_seed_flush (Run *r, SeedPending *pd, const float *x, double c, double mh,
                            double *best, gint32 *anchor)
{
  gsize n_exact = 0;
  guint i;

  for (i = 0; i < pd->n; i++)
    {
      double d2;

      if (pd->lo[i] > mh || pd->lo[i] >= *best)
        continue;
      d2 = lightly_sqdist (c, r->pnorm[pd->t[i]],
                           r->kern->dot (x, row (r, r->p->preselected[pd->t[i]]), r->dim));
      n_exact++;
      if (d2 < *best)
        {
          *best = d2;
          if (anchor != NULL)
            *anchor = (gint32) pd->t[i];
        }
    }
  pd->n = 0;
  return n_exact;
}

/* min over P[t_lo, t_hi) of d²(c_j, p) for the candidates [lo, hi), into
 * out[j], as proved above. */
static void
seed_range_fast (Run *r, gsize lo, gsize hi, gsize t_lo, gsize t_hi, double *out)
{
  const guint32 *pre = r->p->preselected;
  gsize tile_rows = CLAMP (SEED_TILE_BYTES / (MAX (r->dim, 1) * sizeof (float)), 4, P_TILE);
  gsize n = hi - lo, j, c0, t0, t, n_exact = 0;
  g_autofree double *cn = g_new (double, n);
  g_autofree double *minhi = g_new (double, n);
  g_autofree SeedPending *pend = g_new (SeedPending, n);
  const float *tile[P_TILE], *cand[SEED_CHUNK];
  float g[SEED_CHUNK * P_TILE];
  double elo[P_TILE];
  double kappa, abs_err;

  lightly_tile_bound (r->dim, &kappa, &abs_err);
  for (j = lo; j < hi; j++)
    {
      const float *x = row (r, r->cand[j]);

      out[j] = INFINITY;
      cn[j - lo] = r->kern->dot (x, x, r->dim);
      minhi[j - lo] = INFINITY;
      pend[j - lo].n = 0;
    }
  count_add (&r->n_computed, n * (t_hi - t_lo));
  count_add (&r->rows_read, n);
  for (t0 = t_lo; t0 < t_hi; t0 += tile_rows)
    {
      gsize tn = MIN (t_hi - t0, tile_rows);

      if (cancel_requested (r))
        return;
      for (t = 0; t < tn; t++)
        tile[t] = row (r, pre[t0 + t]);
      for (c0 = lo; c0 < hi; c0 += SEED_CHUNK)
        {
          gsize cnum = MIN (hi - c0, SEED_CHUNK), i;

          for (i = 0; i < cnum; i++)
            cand[i] = row (r, r->cand[c0 + i]);
          r->kern->dotf_tile (cand, cnum, tile, tn, r->dim, g);
          for (i = 0; i < cnum; i++)
            {
              gsize jj = c0 + i - lo;
              SeedPending *pd = &pend[jj];
              double best = out[c0 + i], mh;

              mh = r->kern->tile_bounds (g + i * tn, r->pnorm + t0, tn, cn[jj], kappa,
                                         abs_err, minhi[jj], elo);
              for (t = 0; t < tn; t++)
                {
                  if (elo[t] > mh || elo[t] >= best)
                    continue;
                  if (pd->n == SEED_PEND)
                    n_exact += lightly_coreset_seed_flush (r, pd, cand[i], cn[jj], mh, &best, NULL);
                  pd->t[pd->n] = (guint32) (t0 + t);
                  pd->lo[pd->n++] = elo[t];
                }
              out[c0 + i] = best;
              minhi[jj] = mh;
            }
        }
    }
  for (j = lo; j < hi; j++)
    n_exact += lightly_coreset_seed_flush (r, &pend[j - lo], row (r, r->cand[j]), cn[j - lo],
                                           minhi[j - lo], &out[j], NULL);
  count_add (&r->n_fast, n * (t_hi - t_lo));
  count_add (&r->n_exact, n_exact);
}

/* min over P[t_lo, t_hi) of d²(c_j, p) for the candidates of a block, into
 * out[j], tile by tile: a tile of P rows stays in L1 while the block's
 * candidates pass by, each converted to double once per tile. With the fast
 * path on, seed_range_fast(). */
static void
seed_range (Run *r, gsize lo, gsize hi, gsize t_lo, gsize t_hi, double *out)
{
  const guint32 *pre = r->p->preselected;
  gsize dim8 = LIGHTLY_SELECTION_PAD8 (r->dim);
  gsize tile_rows = CLAMP (8192 / MAX (r->dim, 1), 4, P_TILE);
  gsize j, t0, t;
  g_autofree double *cd = NULL;
  const float *tile[P_TILE];
  double dots[P_TILE];

  if (r->fast)
    {
      seed_range_fast (r, lo, hi, t_lo, t_hi, out);
      return;
    }
  cd = g_new (double, dim8);
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
        tile[t] = row (r, pre[t0 + t]);
      for (j = lo; j < hi; j++)
        {
          const float *x = row (r, r->cand[j]);
          double best = out[j], cn = r->kern->dot (x, x, r->dim);

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
}

/* mind2 = distances to P. Minima are exact, so splitting P (to keep every
 * thread busy when there are few candidates) does not change a bit. */
static void
seed_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  SeedTask *st = data;
  gsize np = r->p->n_preselected, cb = b / st->n_split, part = b % st->n_split;
  gsize t_lo = part * np / st->n_split, t_hi = (part + 1) * np / st->n_split;
  gsize off = st->n_split == 1 ? 0 : part * r->m, lo, hi;

  block_range (r, cb, &lo, &hi);
  st->range (r, st->range_data, lo, hi, t_lo, t_hi,
             (st->n_split == 1 ? r->mind2 : st->partial) + off,
             st->anchor != NULL ? st->anchor + off : NULL);
  if (st->n_split == 1)
    lightly_coreset_block_stats (r, cb);
}

gboolean
lightly_coreset_seed_split (Run *r, LightlySeedRangeFunc range, gconstpointer range_data,
                            gboolean with_anchors)
{
  gsize threads = lightly_pool_n_workers (r->pool) + 1, np = r->p->n_preselected, j, i, b;
  SeedTask st = { 1, NULL, range, range_data, NULL };
  g_autofree gint32 *panchor = NULL;

  if (r->n_blocks < 2 * threads)
    st.n_split = MAX (1, MIN ((2 * threads + r->n_blocks - 1) / r->n_blocks, np / 256));
  if (st.n_split > 1)
    st.partial = lightly_selection_alloc_rows (st.n_split * r->m, sizeof (double));
  if (with_anchors)
    st.anchor = st.n_split > 1
                ? (panchor = lightly_selection_alloc_rows (st.n_split * r->m, sizeof (gint32)))
                : r->anchor;
  if (!parallel (r, seed_block, &st, r->n_blocks * st.n_split))
    {
      g_free (st.partial);
      return FALSE;
    }
  if (st.n_split > 1)
    {
      /* Any part whose minimum is the least gives a valid anchor. */
      for (j = 0; j < r->m; j++)
        {
          double best = st.partial[j];
          gsize at = 0;

          for (i = 1; i < st.n_split; i++)
            if (st.partial[i * r->m + j] < best)
              {
                best = st.partial[i * r->m + j];
                at = i;
              }
          r->mind2[j] = best;
          if (panchor != NULL)
            r->anchor[j] = panchor[at * r->m + j];
        }
      for (b = 0; b < r->n_blocks; b++)
        lightly_coreset_block_stats (r, b);
      g_free (st.partial);
    }
  return TRUE;
}

/* A LightlySeedRangeFunc over the float32 or double tiles (no anchors). */
static void
seed_range_func (Run *r, gconstpointer data, gsize lo, gsize hi, gsize t_lo, gsize t_hi,
                 double *out, gint32 *anchor)
{
  seed_range (r, lo, hi, t_lo, t_hi, out);
}

gboolean
lightly_coreset_seed (Run *r)
{
  return lightly_coreset_seed_split (r, seed_range_func, NULL, FALSE);
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
  /* pd[a·tn + b] = d(p_{t0+b}, p_a), a < t0 + b: a candidate's tests read
   * the tn distances of its anchor from one run of memory (the layout by
   * tile row cost a cache miss per test). */
  double *pd;
  gboolean last;
  /* Fast path: the linear bounds α·f ∓ β of every row of P (as the query). */
  double la, ua;
  double *lbeta, *ubeta;
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
  double dots[64];

  lightly_to_double (qd, row (r, pre[n]), r->dim, dim8);
  for (i0 = 0; i0 < n; i0 += 64)
    {
      gsize bn = MIN (n - i0, 64);

      for (i = 0; i < bn; i++)
        rows[i] = row (r, pre[i0 + i]);
      r->kern->dot_qf (qd, rows, bn, r->dim, dots);
      for (i = 0; i < bn; i++)
        st->pd[(i0 + i) * st->tn + b] = sqrt (lightly_sqdist (r->pnorm[n], r->pnorm[i0 + i],
                                                              dots[i]));
    }
  count_add (&r->n_overhead, n);
}


/* d_D(x, p_t) of the double pass, for ‖x‖² = *cn (computed on first use). */
static double
seed_exact (Run *r, const float *x, double *cn, gsize t)
{
  if (*cn < 0)
    *cn = r->kern->dot (x, x, r->dim);
  return lightly_sqdist (*cn, r->pnorm[t], r->kern->dot (x, row (r, r->p->preselected[t]), r->dim));
}

static inline double
seed_lower (const SeedTileTask *st, float f, gsize t)
{
  return f <= G_MAXFLOAT ? st->la * f - st->lbeta[t] : -1.0;
}

static inline double
seed_upper (const SeedTileTask *st, float f, gsize t)
{
  return f <= G_MAXFLOAT ? st->ua * f + st->ubeta[t] : INFINITY;
}

/* Candidate j against the tile rows [s0, s1), as described above. Returns
 * the pairs computed in float; *n_exact gets those redone in double. */
static gsize
seed_candidate_fast (Run *r, SeedTileTask *st, gsize j, gsize s0, gsize s1, gsize *n_exact)
{
  const guint32 *pre = r->p->preselected;
  const float *rows[SEED_TILE];
  gsize keep[SEED_TILE], t, n = 0;
  float f[SEED_TILE];
  gint32 a = r->anchor[j];
  float fa = (float) r->mind2[j];
  double ub = a < 0 ? INFINITY : seed_upper (st, fa, (gsize) a), ea = NAN, cn = -1;
  const float *x;

  for (t = s0; t < s1; t++)
    if (a < 0 || !far_enough (st->pd[(gsize) a * st->tn + t], ub))
      {
        keep[n] = st->t0 + t;
        rows[n++] = row (r, pre[st->t0 + t]);
      }
  if (n == 0)
    return 0;
  x = row (r, r->cand[j]);
  r->kern->d2f (x, rows, n, r->dim, f);
  for (t = 0; t < n; t++)
    {
      double et;

      if (a >= 0 && seed_lower (st, f[t], keep[t]) >= seed_upper (st, fa, (gsize) a))
        continue;
      if (a < 0 || seed_upper (st, f[t], keep[t]) < seed_lower (st, fa, (gsize) a))
        {
          a = (gint32) keep[t];
          fa = f[t];
          ea = NAN;
          continue;
        }
      if (isnan (ea))
        ea = seed_exact (r, x, &cn, (gsize) a);
      et = seed_exact (r, x, &cn, keep[t]);
      (*n_exact)++;
      if (et < ea)
        {
          a = (gint32) keep[t];
          fa = f[t];
          ea = et;
        }
    }
  r->mind2[j] = fa;
  r->anchor[j] = a;
  return n;
}

/* The tile through the float32 fast path, without a double per record.
 * During the seeding mind2[j] holds the float32 distance f to the anchor
 * (the nearest row of P so far), not its double d_D. Invariant: the anchor
 * is a row of P of least d_D among the rows seen, so the last tile's
 * d_D(c, anchor) is the double pass's minimum, bit for bit. A new row t
 * replaces the anchor a iff d_D(t) < d_D(a): decided by the bounds when
 * they are apart (lower(t) ≥ upper(a): no; upper(t) < lower(a): yes), else
 * by both values in double. The pruning test reads upper(a) ≥ d_D(a), which
 * only prunes less than the double pass would.
 *
 * The tile is cut into sub-tiles that fit L1 (16 KiB of rows), and the
 * block's candidates (in L2) pass each sub-tile: with whole tiles (128 KiB
 * at dim 512) every pair read its row of P from L2, and the kernel ran at
 * L2 bandwidth. An anchor found in an earlier sub-tile t0 + b' prunes the
 * later rows t0 + b of the tile, b' < b: pd holds d(p_{t0+b}, p_a) for
 * every a < t0 + b. */
static void
seed_tile_block_fast (Run *r, SeedTileTask *st, gsize lo, gsize hi)
{
  gsize sub = CLAMP (16384 / (r->dim * sizeof (float)), 4, SEED_TILE);
  gsize j, s0, computed = 0, n_exact = 0;

  for (s0 = 0; s0 < st->tn; s0 += sub)
    for (j = lo; j < hi; j++)
      computed += seed_candidate_fast (r, st, j, s0, MIN (st->tn, s0 + sub), &n_exact);
  if (st->last)
    for (j = lo; j < hi; j++)
      {
        double cn = -1;

        r->mind2[j] = seed_exact (r, row (r, r->cand[j]), &cn, (gsize) r->anchor[j]);
      }
  count_add (&r->n_fast, computed);
  /* Counted: the pairs decided in double; not counted: the anchor's value
   * redone beside them, and the final d_D per candidate. */
  count_add (&r->n_exact, n_exact);
  count_add (&r->n_computed, computed);
  count_add (&r->n_skipped, (hi - lo) * st->tn - computed);
  count_add (&r->rows_read, (hi - lo) * (st->last ? 2 : 1));
  if (st->last)
    lightly_coreset_block_stats (r, lo / r->block_rows);
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
  if (r->fast)
    {
      seed_tile_block_fast (r, st, lo, hi);
      return;
    }
  for (j = lo; j < hi; j++)
    {
      gint32 a = r->anchor[j];
      double best = r->mind2[j], cn;
      const float *x;
      gsize n = 0;

      for (t = 0; t < st->tn; t++)
        if (a < 0 || !far_enough (st->pd[(gsize) a * st->tn + t], best))
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
    lightly_coreset_block_stats (r, b);
}

gboolean
lightly_coreset_seed_pruned (Run *r)
{
  gsize np = r->p->n_preselected, j;
  gsize tile = CLAMP (SEED_CAP / (sizeof (double) * np), 1, SEED_TILE);
  g_autofree double *pd = g_new (double, tile * np);
  g_autofree double *lbeta = g_new (double, r->fast ? np : 1);
  g_autofree double *ubeta = g_new (double, r->fast ? np : 1);
  SeedTileTask st = { 0, 0, pd, FALSE, 0, 0, lbeta, ubeta };

  r->p_bytes += tile * np * sizeof (double);
  for (j = 0; j < r->m; j++)
    r->mind2[j] = INFINITY;
  for (j = 0; r->fast && j < np; j++)
    {
      double qterm = fast_qterm (r, r->pnorm[j]);

      lightly_fast_linear (&r->fb, qterm, &st.la, &lbeta[j]);
      lightly_fast_upper_linear (&r->fb, qterm, &st.ua, &ubeta[j]);
    }
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
