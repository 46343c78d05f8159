/* lightly-selection-coreset-seed-bf16.c: the first pass over P in bfloat16 tiles
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * With AVX512_BF16, CORESET's and CORAL's first pass (the distances of
 * every candidate to the preselected set P) runs on a bfloat16 copy of P
 * (lightly_coreset_seed_bf16()): unpruned (seed_range_bf16()), or pruned
 * by pivots of P (seed_pivots()), with the anchors the pruning of the
 * picks needs. Both give the double pass's minima bit for bit (the proofs
 * below). The float32 and double passes are in
 * lightly-selection-coreset-seed.c, which also splits P among the threads
 * (lightly_coreset_seed_split()) for the unpruned tiles here.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-selection-coreset-private.h"

/* The first pass through bfloat16 tiles (AVX512_BF16's VDPBF16PS, twice
 * the multiply-adds of a float32 FMA per instruction), with the same skip
 * tests as seed_range_fast() of lightly-selection-coreset-seed.c and a
 * bound that also covers the rounding of the rows to bfloat16.
 *
 * Claim: let c̃, p̃ be the rows as convert() of lightly-selection-bf16.h
 * leaves them (the values VDPBF16PS multiplies: bfloat16 subnormals are
 * already zero), ρ_c ≥ ‖c − c̃‖/‖c‖ (0 if c̃ = c), ρ_P ≥ ‖p − p̃‖/‖p‖ for
 * every row p of P, n = dim, u = 2⁻²³, γ = γ_{n+8} with u, U, Γ, S, e,
 * dot_D and d_D as in the float32 claim there, σ = 2⁻¹²⁶ and
 *   η = ρ_c + ρ_P + ρ_c·ρ_P + γ(1 + ρ_c)(1 + ρ_P).
 * If g (the tile's float32 sum) is finite, then
 *   |d_D − max(0, e)| ≤ (1.01η + 1.5Γ)·S + 9n·σ.
 * Proof. (a) With s = ⟨c,p⟩ and s̃ = ⟨c̃,p̃⟩ exact, s̃ − s = ⟨c̃ − c, p⟩ +
 * ⟨c̃, p̃ − p⟩, so by Cauchy–Schwarz |s̃ − s| ≤ ρ_c‖c‖‖p‖ + (1 + ρ_c)‖c‖·ρ_P‖p‖.
 * (b) A product of two bfloat16 values has at most 16 significant bits: it
 * is exact in float32 unless its magnitude is below 2⁻¹²⁶, where it may
 * be flushed (error < σ); it cannot overflow, as an infinity never returns
 * to a finite g. Each product then goes through at most n + 8 float32
 * additions (VDPBF16PS adds two products per lane and instruction, fused
 * or one after the other, then the lanes are reduced), each a factor
 * (1 + δ) with |δ| ≤ u for round-to-nearest or any faithful rounding, or a
 * result below 2⁻¹²⁶ flushed or rounded (error < σ). By Higham's Lemma 3.1
 * as in (a) of the float32 claim, |g − s̃| ≤ γ·Σ|c̃_i p̃_i| + 2·2n·σ (at
 * most 2n flushes, each grown by at most 1 + γ ≤ 2), and Σ|c̃_i p̃_i| ≤
 * ‖c̃‖‖p̃‖ ≤ (1 + ρ_c)(1 + ρ_P)‖c‖‖p‖. So |g − s| ≤ η‖c‖‖p‖ + 4nσ.
 * (c) ‖c‖‖p‖ ≤ (‖c‖² + ‖p‖²)/2 ≤ 0.5(1 + 2Γ)·S, as S is that sum computed
 * in double (within Γ + U of it), and |dot_D − s| ≤ Γ‖c‖‖p‖ by (b) of the
 * float32 claim. With x, y as in its (c): |x − y| = 2|dot_D − g| ≤
 * (1 + 2Γ)(Γ + η)·S + 8nσ; |x| ≤ 2.01·S and |y| ≤ (2.01 + 1.01η)·S + 8nσ,
 * so the roundings of x and y add at most U·(4.02 + 1.01η)·S + nσ ≤
 * (0.45Γ + 0.001η)·S + nσ (Γ ≥ 9U); max(0, ·) is 1-Lipschitz. □
 *
 * E = κ·S + abs_err with κ = 1.02η + 4Γ and abs_err = 10nσ: the ≤ 4
 * roundings of E, e − E and max(0, e) + E, each ≤ U of a value ≤
 * (3 + κ)·S + abs_err, stay below the slack (0.01η + 2.5Γ)·S + nσ (as
 * 12U + 16UΓ ≤ 2.5Γ and 4U·1.02η ≤ 0.01η; so do the ≤ 10 roundings of κ
 * itself, and of the constant 1.02, each ≤ U of it). With that E, lo and hi are
 * bounds of d_D, and the rest of the argument above seed_range_fast()
 * holds unchanged:
 * out[j] is the double pass's minimum bit for bit, and anchor[j] a row of
 * P whose d_D is that minimum (only values computed in double enter it).
 * ρ comes from convert()'s sums in double, Σ(x_i − x̃_i)² (each difference
 * of two floats exact in double) and Σx_i², each within γ_n(U) of the
 * true sum, and a square root and a quotient, each within U: the factor
 * 1 + 2⁻²⁰ covers them for n < 2³⁰. A row that rounded to ±∞ has ρ = ∞,
 * so κ = ∞ and lo = −∞ or NaN: its rows are all computed in double.
 * A row of P with ρ > 2⁻⁶ (or NaN, ∞: rows near the float32 maximum, or
 * whose values lie below bfloat16's normal range) would widen every
 * candidate's bound, so it leaves ρ_P out and gets a NaN as its first
 * element instead: its g is NaN for every candidate, so every pair with
 * it is computed in double (NaN lo), and the claim need not cover it.
 *
 * AMX (TDPBF16PS, chain_pad in lightly-selection-bf16.h) keeps one float32
 * accumulator per entry and adds the padded row's products to it two per
 * step, one step after another: a product passes through at most pad + 8
 * additions, and there are pad products (the padding's are exact zeros),
 * at most 2·pad of them or of their sums flushed. The claim and the bound
 * then hold with n = pad ≥ dim (bf16_new() takes it so): (b) only counts
 * products, additions and flushes, and elsewhere n enters through γ,
 * abs_err and Γ, which a larger n only widens. */
#define BF16_TILE 64
G_STATIC_ASSERT (BF16_TILE <= 64);   /* a bit mask per tile (bounds()) */
G_STATIC_ASSERT (SEED_CHUNK <= 32);  /* the rows pack() takes */
#define BF16_RHO_MAX 0x1p-6

typedef struct
{
  const LightlySelectionBf16Kernels *k;
  gsize pad;
  guint16 *prow;                /* P in bfloat16, pad elements a row */
  double rho_p;                 /* ρ_P */
  double gamma, big_gamma;      /* γ (u = 2⁻²³) and Γ */
  double abs_err;               /* 10nσ */
} SeedBf16;

/* ρ ≥ ‖x − x̃‖/‖x‖ from convert()'s sums (see the proof above). */
static double
bf16_rho (double err2, double norm2)
{
  if (err2 == 0)
    return 0;
  return sqrt (err2) / sqrt (norm2) * (1 + 0x1p-20);
}

static double
bf16_kappa (const SeedBf16 *bf, double rho_c)
{
  double rp = bf->rho_p;
  double eta = rho_c + rp + rho_c * rp + bf->gamma * (1 + rho_c) * (1 + rp);
  double k = 1.02 * eta + 4 * bf->big_gamma;

  return isnan (k) ? INFINITY : k;
}

/* The bfloat16 copy of P, when the kernels run here and it is small: at
 * most 16 bytes per candidate, or 4 MiB (the float32 tiles need none). */
static SeedBf16 *
bf16_new (Run *r)
{
  const LightlySelectionBf16Kernels *k = lightly_selection_bf16_kernels ();
  gsize np = r->p->n_preselected, pad = LIGHTLY_BF16_PAD (r->dim), t;
  /* n of the claim: the products one entry sums, and the additions each
   * passes through (less 8), pad when the tiles sum the padded row. */
  double n = (double) (k != NULL && k->chain_pad ? pad : r->dim);
  double gu = (n + 8) * 0x1p-23, gd = (n + 8) * 0x1p-53;
  SeedBf16 *bf;

  if (k == NULL || !r->fast || np == 0 || np * pad * 2 > MAX (16 * r->m, (gsize) 4 << 20))
    return NULL;
  bf = g_new0 (SeedBf16, 1);
  bf->k = k;
  bf->pad = pad;
  bf->prow = g_new (guint16, np * pad);
  r->p_bytes += np * pad * sizeof (guint16);
  bf->gamma = gu / (1 - gu);
  bf->big_gamma = gd / (1 - gd);
  bf->abs_err = 10 * n * 0x1p-126;
  for (t = 0; t < np; t++)
    {
      double e2, n2;

      double rho;

      k->convert (row (r, r->p->preselected[t]), r->dim, pad, bf->prow + t * pad, &e2, &n2);
      rho = bf16_rho (e2, n2);
      if (rho <= BF16_RHO_MAX)
        bf->rho_p = MAX (bf->rho_p, rho);
      else
        bf->prow[t * pad] = 0x7fc0;   /* a NaN: see the proof */
    }
  return bf;
}

static void
bf16_free (SeedBf16 *bf)
{
  if (bf == NULL)
    return;
  g_free (bf->prow);
  g_free (bf);
}

/* SEED_CHUNK candidates on their way over rows of P, in bfloat16 (in L1),
 * with the state of the skip tests per candidate: the least upper bound
 * (min hi) and the least d_D computed so far, its row of P, and the rows
 * still pending for the double pass. */
typedef struct {
  gsize n;
  const float *x[SEED_CHUNK];
  const guint16 *xb[SEED_CHUNK];
  double cn[SEED_CHUNK], kappa[SEED_CHUNK], minhi[SEED_CHUNK], best[SEED_CHUNK];
  gint32 arg[SEED_CHUNK];
  SeedPending pend[SEED_CHUNK];
  guint16 *packed;              /* the rows as the kernels' pack() left them, or NULL */
  gsize n_exact;                /* pairs computed in double */
} Chunk;

/* The buffer of a chunk's rows in bfloat16 (SEED_CHUNK rows of pad
 * elements), followed by their packed form when the kernels make one. */
static guint16 *
chunk_init (const SeedBf16 *bf, Chunk *ch)
{
  gsize n = SEED_CHUNK * bf->pad;
  guint16 *buf = g_new (guint16, bf->k->pack != NULL ? 2 * n : n);

  ch->n_exact = 0;
  ch->packed = bf->k->pack != NULL ? buf + n : NULL;
  return buf;
}

/* Position i of a list of candidates or rows of P: pos[i], or base + i. */
static inline gsize
at (const guint32 *pos, gsize base, gsize i)
{
  return pos != NULL ? pos[i] : base + i;
}

/* Loads n candidates (positions in C) into ch, converted into buf
 * (SEED_CHUNK rows of pad elements). From scratch, or (resume) from the
 * minimum and anchor an earlier pass left in mind2 and r->anchor: a d_D
 * computed in double, so also an upper bound of the minimum (a min hi). */
static void
chunk_load (Run *r, const SeedBf16 *bf, Chunk *ch, guint16 *buf, const guint32 *pos,
            gsize base, gsize n, gboolean resume)
{
  gsize i;

  ch->n = n;
  for (i = 0; i < n; i++)
    {
      gsize j = at (pos, base, i);
      double e2, n2;

      ch->x[i] = row (r, r->cand[j]);
      ch->xb[i] = buf + i * bf->pad;
      bf->k->convert (ch->x[i], r->dim, bf->pad, buf + i * bf->pad, &e2, &n2);
      ch->kappa[i] = bf16_kappa (bf, bf16_rho (e2, n2));
      ch->cn[i] = n2;   /* dot (c, c) bit for bit: the row is read once */
      ch->best[i] = ch->minhi[i] = resume ? r->mind2[j] : INFINITY;
      ch->arg[i] = resume ? r->anchor[j] : -1;
      ch->pend[i].n = 0;
    }
  if (bf->k->pack != NULL)
    bf->k->pack (ch->xb, n, bf->pad, ch->packed);
}

/* The chunk against n rows of P (positions at (pidx, base, ·)), BF16_TILE
 * at a time, with the skip tests proved above. */
static void
chunk_pass (Run *r, const SeedBf16 *bf, Chunk *ch, const guint32 *pidx, gsize base, gsize n)
{
  const guint16 *tile[BF16_TILE];
  float g[SEED_CHUNK * BF16_TILE];
  double pn[BF16_TILE], elo[BF16_TILE];
  guint32 pt[BF16_TILE];
  gsize t0, t, i;

  for (t0 = 0; t0 < n; t0 += BF16_TILE)
    {
      gsize tn = MIN (n - t0, BF16_TILE);

      for (t = 0; t < tn; t++)
        {
          pt[t] = (guint32) at (pidx, base, t0 + t);
          tile[t] = bf->prow + pt[t] * bf->pad;
          pn[t] = r->pnorm[pt[t]];
        }
      bf->k->tile (ch->xb, ch->packed, ch->n, tile, tn, bf->pad, g);
      for (i = 0; i < ch->n; i++)
        {
          SeedPending *pd = &ch->pend[i];
          double mh = ch->minhi[i];
          guint64 keep = bf->k->bounds (g + i * tn, pn, tn, ch->cn[i], ch->kappa[i],
                                        bf->abs_err, &mh, ch->best[i], elo);

          /* Mostly no entry or one: the mask of the skip tests. */
          while (keep != 0)
            {
              t = (gsize) __builtin_ctzll (keep);
              keep &= keep - 1;
              if (elo[t] >= ch->best[i])
                continue;
              if (pd->n == SEED_PEND)
                ch->n_exact += lightly_coreset_seed_flush (r, pd, ch->x[i], ch->cn[i], mh,
                                                           &ch->best[i], &ch->arg[i]);
              pd->t[pd->n] = pt[t];
              pd->lo[pd->n++] = elo[t];
            }
          ch->minhi[i] = mh;
        }
    }
}

/* Decides the pending rows and stores the minima into out[j] (and their
 * rows of P into anchor[j] when not NULL), j the candidates' positions. */
static void
chunk_store (Run *r, Chunk *ch, const guint32 *pos, gsize base, double *out, gint32 *anchor)
{
  gsize i;

  for (i = 0; i < ch->n; i++)
    {
      gsize j = at (pos, base, i);

      ch->n_exact += lightly_coreset_seed_flush (r, &ch->pend[i], ch->x[i], ch->cn[i],
                                                 ch->minhi[i], &ch->best[i], &ch->arg[i]);
      out[j] = ch->best[i];
      if (anchor != NULL)
        anchor[j] = ch->arg[i];
    }
}

/* A LightlySeedRangeFunc (data: the SeedBf16), as proved above:
 * SEED_CHUNK candidates at a time pass over P's bfloat16 rows. */
static void
seed_range_bf16 (Run *r, gconstpointer data, gsize lo, gsize hi, gsize t_lo, gsize t_hi,
                 double *out, gint32 *anchor)
{
  const SeedBf16 *bf = data;
  Chunk ch;
  g_autofree guint16 *buf = chunk_init (bf, &ch);
  gsize c0;

  for (c0 = lo; c0 < hi; c0 += SEED_CHUNK)
    {
      gsize n = MIN (hi - c0, SEED_CHUNK);

      if (cancel_requested (r))
        return;
      chunk_load (r, bf, &ch, buf, NULL, c0, n, FALSE);
      chunk_pass (r, bf, &ch, NULL, t_lo, t_hi - t_lo);
      chunk_store (r, &ch, NULL, c0, out, anchor);
    }
  count_add (&r->n_computed, (hi - lo) * (t_hi - t_lo));
  count_add (&r->rows_read, hi - lo);
  count_add (&r->n_bf16, (hi - lo) * (t_hi - t_lo));
  count_add (&r->n_bf16_exact, ch.n_exact);
}

/* The first pass with anchors, pruned by pivots of P.
 *
 * Why: pruned row by row (the float32 pass of lightly_coreset_seed_pruned()),
 * the triangle inequality skipped 78 % of the pairs on the benchmark's
 * 200-cluster set yet took as long as the dense tiles, whose small GEMM it
 * cut apart. Here the pruning decides per chunk of candidates, which keep
 * their tiles.
 *
 * How: the pivots V, a few rows of P chosen by farthest-first traversal
 * (each the row farthest from those before it, so that every part of P has
 * one near), go first: every candidate gets its minimum over V, and a pivot
 * that gives it (its anchor a), through the tiles as above. The candidates
 * are then grouped by anchor and cut into chunks of SEED_CHUNK, and a chunk
 * takes the rows b of P outside V but those with far_enough (L_ab, m): m
 * the largest of its candidates' minima over V, and L_ab a lower bound of
 * d(p_a, p_b) as the double pass computes it (from the tiles' bound, see
 * pivots_dists()). A group is sorted by the minima first, so that a chunk's
 * m is close to each of its candidates' own.
 *
 * Claim: mind2[j] ends as the double pass's minimum bit for bit, and
 * anchor[j] as a row of P whose d_D is that minimum. Proof: for a skipped
 * b, far_enough (d(p_a, p_b), d_D(c, p_a)) holds too, d(p_a, p_b) the
 * computed distance, as far_enough() grows
 * with its first argument and falls with its second, and d_D(c, p_a) ≤ m.
 * By the triangle inequality with PRUNE_MARGIN (the argument above
 * lightly-selection-coreset-update.c), d_D(c, p_b) > d_D(c, p_a) ≥ the
 * minimum over P: b cannot attain it, and a minimum is the same over any
 * part of the set that holds a row attaining it. The chunk's rows start
 * from the minimum over V, an exact d_D, so a valid min hi and least value
 * computed: the argument above holds over V and the chunk's rows as one
 * sequence. □
 *
 * V and L come from the tiles on one thread, and the groups and chunks
 * from the minima (exact) and the order of C, so the pairs skipped do not
 * depend on the threads or the blocks; nor do the anchors: each is the
 * first row in the order of the pass (V, then the rest of P) that attains
 * the minimum, as a row before it is skipped only when the least value
 * computed is already the minimum. */

/* Chunks per task of the second phase. */
#define PIVOT_CHUNKS 8

typedef struct {
  const SeedBf16 *bf;
  gsize np, nv;
  guint32 *piv;                 /* the pivots' positions in P, in order */
  gint32 *piv_of;               /* per row of P: its index in V, or −1 */
  guint32 *rest;                /* the nr = np − nv rows of P outside V, in order */
  gsize nr;
  /* nv × np: L_ab = dist[v·np + b], a = piv[v]; then each pivot's row
   * packed to the rest: L_ab = dist[v·nr + k], b = rest[k]. */
  float *dist;
  double *mn;                   /* per row of P: least d² to the pivots so far (sketched) */
  guint32 *order;               /* the candidates grouped by anchor */
  guint32 *group_at;            /* group g: order[group_at[g], group_at[g + 1]) */
  guint32 *chunk_at;            /* chunk c: order[chunk_at[c], chunk_at[c + 1]) */
  gint32 *chunk_piv;            /* … and its anchor's index in V, or −1: none */
  gsize n_chunks;
} Pivots;

/* x rounded down to a float. */
static inline float
float_down (double x)
{
  float f = (float) x;

  return (double) f > x ? nextafterf (f, -INFINITY) : f;
}

/* The traversal runs on a count sketch of P's rows (coordinate i adds
 * ±x_i to one of SKETCH_DIM buckets, both chosen by a hash of i): it keeps
 * squared distances in expectation, and the traversal needs only their
 * rough order, at a fraction of the reads (it reads P once per pivot).
 * Which rows become pivots changes only how much is pruned, never a bit
 * of the result. */
#define SKETCH_DIM 64

static gboolean
pivots_choose (Run *r, Pivots *pv)
{
  const guint32 *pre = r->p->preselected;
  g_autofree float *sk = g_new0 (float, pv->np * SKETCH_DIM);
  g_autofree guint8 *bucket = g_new (guint8, r->dim);
  g_autofree float *sign = g_new (float, r->dim);
  gsize v, b, i, next = 0;

  for (i = 0; i < r->dim; i++)
    {
      guint32 h = (guint32) i * 0x9e3779b1u;

      bucket[i] = (guint8) (h >> 26);
      sign[i] = (h >> 25) & 1 ? -1.0f : 1.0f;
    }
  for (b = 0; b < pv->np; b++)
    {
      const float *x = row (r, pre[b]);
      float *s = sk + b * SKETCH_DIM;

      for (i = 0; i < r->dim; i++)
        s[bucket[i]] += sign[i] * x[i];
      pv->mn[b] = INFINITY;
      pv->piv_of[b] = -1;
    }
  for (v = 0; v < pv->nv; v++)
    {
      const float *q = sk + next * SKETCH_DIM;
      double far = -1;

      if (cancel_requested (r))
        return FALSE;
      pv->piv[v] = (guint32) next;
      pv->piv_of[next] = (gint32) v;
      for (b = 0; b < pv->np; b++)
        {
          const float *s = sk + b * SKETCH_DIM;
          float d = 0;

          if (pv->piv_of[b] >= 0)
            continue;
          for (i = 0; i < SKETCH_DIM; i++)
            d += (q[i] - s[i]) * (q[i] - s[i]);
          if (d < pv->mn[b])
            pv->mn[b] = d;
          if (pv->mn[b] > far)
            {
              far = pv->mn[b];
              next = b;
            }
        }
      /* Every row left lies on a pivot (or none is left). */
      if (!(far > 0))
        {
          pv->nv = v + 1;
          break;
        }
    }
  return TRUE;
}

/* The distances from SEED_CHUNK pivots to every row of P, through the
 * tiles: lo ≤ d_D by the claim above (with ρ_P for a pivot, a row of P; a
 * row left out of ρ_P gives NaN, and 0 here), and fl(√·) does not
 * decrease, so dist ≤ fl(√d_D), the computed distance that the margin's
 * argument takes. */
static void
pivots_dists (gpointer ctx, gsize task, gpointer data)
{
  Run *r = ctx;
  Pivots *pv = data;
  const SeedBf16 *bf = pv->bf;
  gsize v0 = task * SEED_CHUNK, na = MIN (pv->nv - v0, SEED_CHUNK), b0, t, i;
  const guint16 *q[SEED_CHUNK], *tile[BF16_TILE];
  double kappa = bf16_kappa (bf, bf->rho_p), elo[BF16_TILE];
  float g[SEED_CHUNK * BF16_TILE];
  g_autofree guint16 *packed = NULL;

  for (i = 0; i < na; i++)
    q[i] = bf->prow + pv->piv[v0 + i] * bf->pad;
  if (bf->k->pack != NULL)
    {
      packed = g_new (guint16, SEED_CHUNK * bf->pad);
      bf->k->pack (q, na, bf->pad, packed);
    }
  for (b0 = 0; b0 < pv->np; b0 += BF16_TILE)
    {
      gsize bn = MIN (pv->np - b0, BF16_TILE);

      for (t = 0; t < bn; t++)
        tile[t] = bf->prow + (b0 + t) * bf->pad;
      bf->k->tile (q, packed, na, tile, bn, bf->pad, g);
      for (i = 0; i < na; i++)
        {
          float *dist = pv->dist + (v0 + i) * pv->np + b0;
          double mh = INFINITY;

          bf->k->bounds (g + i * bn, r->pnorm + b0, bn, r->pnorm[pv->piv[v0 + i]], kappa,
                         bf->abs_err, &mh, INFINITY, elo);
          for (t = 0; t < bn; t++)
            dist[t] = elo[t] > 0 ? float_down (sqrt (elo[t])) : 0;
        }
    }
  count_add (&r->n_overhead, na * pv->np);
}

/* Packs the rows of dist to the rest of P (in place: every pivot's row
 * moves down, and within a row k ≤ b). */
static void
pivots_pack (Pivots *pv)
{
  gsize v, k, b;

  for (b = 0, k = 0; b < pv->np; b++)
    if (pv->piv_of[b] < 0)
      pv->rest[k++] = (guint32) b;
  pv->nr = k;
  for (v = 0; v < pv->nv; v++)
    for (k = 0; k < pv->nr; k++)
      pv->dist[v * pv->nr + k] = pv->dist[v * pv->np + pv->rest[k]];
}

/* The least float d with far_enough (d, m), or ∞: far_enough() grows with
 * d, so a chunk keeps exactly the rows whose L is below it. */
static float
far_threshold (double m)
{
  float d = (float) (PRUNE_MARGIN + 2 * sqrt (m));

  if (!(d < INFINITY))
    return INFINITY;
  while (d < INFINITY && !far_enough (d, m))
    d = nextafterf (d, INFINITY);
  while (d > 0 && far_enough (nextafterf (d, 0), m))
    d = nextafterf (d, 0);
  return d;
}

/* The first phase: a block's candidates against V. */
static void
pivots_first (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  Pivots *pv = data;
  Chunk ch;
  g_autofree guint16 *buf = chunk_init (pv->bf, &ch);
  gsize lo, hi, c0;

  block_range (r, b, &lo, &hi);
  for (c0 = lo; c0 < hi; c0 += SEED_CHUNK)
    {
      gsize n = MIN (hi - c0, SEED_CHUNK);

      if (cancel_requested (r))
        return;
      chunk_load (r, pv->bf, &ch, buf, NULL, c0, n, FALSE);
      chunk_pass (r, pv->bf, &ch, pv->piv, 0, pv->nv);
      chunk_store (r, &ch, NULL, c0, r->mind2, r->anchor);
    }
  count_add (&r->n_computed, (hi - lo) * pv->nv);
  count_add (&r->rows_read, hi - lo);
  count_add (&r->n_bf16, (hi - lo) * pv->nv);
  count_add (&r->n_bf16_exact, ch.n_exact);
}

/* The candidates grouped by anchor (in the order of C within a group, until
 * pivots_sort()), and the groups cut into chunks. */
static void
pivots_group (Run *r, Pivots *pv)
{
  g_autofree gsize *start = g_new0 (gsize, pv->nv + 2);
  gsize j, g, c = 0;

  for (j = 0; j < r->m; j++)
    start[(r->anchor[j] >= 0 ? (gsize) pv->piv_of[r->anchor[j]] : pv->nv) + 1]++;
  for (g = 0; g <= pv->nv; g++)
    {
      gsize s;

      for (s = start[g]; s < start[g] + start[g + 1]; s += SEED_CHUNK)
        {
          pv->chunk_at[c] = (guint32) s;
          pv->chunk_piv[c++] = g < pv->nv ? (gint32) g : -1;
        }
      start[g + 1] += start[g];
    }
  pv->n_chunks = c;
  pv->chunk_at[c] = (guint32) r->m;
  for (g = 0; g <= pv->nv; g++)
    pv->group_at[g] = (guint32) start[g];
  pv->group_at[pv->nv + 1] = (guint32) r->m;
  for (j = 0; j < r->m; j++)
    {
      g = r->anchor[j] >= 0 ? (gsize) pv->piv_of[r->anchor[j]] : pv->nv;
      pv->order[start[g]++] = (guint32) j;
    }
}

static int
cmp_mind2 (gconstpointer a, gconstpointer b, gpointer data)
{
  const double *d = data;
  double x = d[*(const guint32 *) a], y = d[*(const guint32 *) b];

  return (x > y) - (x < y);
}

/* A group in increasing order of the minima over V, so that a chunk's
 * largest minimum (its pruning test) is close to the others. */
static void
pivots_sort (gpointer ctx, gsize g, gpointer data)
{
  Run *r = ctx;
  Pivots *pv = data;

  g_qsort_with_data (pv->order + pv->group_at[g], (gint) (pv->group_at[g + 1] - pv->group_at[g]),
                     sizeof (guint32), cmp_mind2, r->mind2);
}

/* The second phase: chunks against the rows of P outside V they cannot
 * skip. */
static void
pivots_rest (gpointer ctx, gsize task, gpointer data)
{
  Run *r = ctx;
  Pivots *pv = data;
  Chunk ch;
  g_autofree guint16 *buf = chunk_init (pv->bf, &ch);
  g_autofree guint32 *pidx = g_new (guint32, pv->np);
  gsize c, computed = 0, skipped = 0, read = 0;

  for (c = task * PIVOT_CHUNKS; c < MIN (pv->n_chunks, (task + 1) * PIVOT_CHUNKS); c++)
    {
      const guint32 *pos = pv->order + pv->chunk_at[c];
      gsize n = pv->chunk_at[c + 1] - pv->chunk_at[c], i, k, s = 0;
      gint32 v = pv->chunk_piv[c];
      const float *dist = v >= 0 ? pv->dist + (gsize) v * pv->nr : NULL;
      float tau;
      double m = 0;

      if (cancel_requested (r))
        return;
      /* The next chunk's rows, scattered over the matrix, come in while
       * this one computes. */
      if (c + 1 < pv->n_chunks)
        for (i = pv->chunk_at[c + 1]; i < pv->chunk_at[c + 2]; i++)
          {
            const char *x = (const char *) row (r, r->cand[pv->order[i]]);
            gsize o;

            for (o = 0; o < r->dim * sizeof (float); o += 64)
              __builtin_prefetch (x + o, 0, 2);
          }
      for (i = 0; i < n; i++)
        m = MAX (m, r->mind2[pos[i]]);
      if (dist == NULL)
        {
          memcpy (pidx, pv->rest, pv->nr * sizeof (guint32));
          s = pv->nr;
        }
      else
        for (tau = far_threshold (m), k = 0; k < pv->nr; k++)
          {
            pidx[s] = pv->rest[k];
            s += dist[k] < tau;
          }
      computed += n * s;
      skipped += n * (pv->np - pv->nv - s);
      if (s == 0)
        continue;
      read += n;
      chunk_load (r, pv->bf, &ch, buf, pos, 0, n, TRUE);
      chunk_pass (r, pv->bf, &ch, pidx, 0, s);
      chunk_store (r, &ch, pos, 0, r->mind2, r->anchor);
    }
  count_add (&r->n_computed, computed);
  count_add (&r->n_skipped, skipped);
  count_add (&r->rows_read, read);
  count_add (&r->n_bf16, computed);
  count_add (&r->n_bf16_exact, ch.n_exact);
}

static void
pivots_stats (gpointer ctx, gsize b, gpointer data)
{
  lightly_coreset_block_stats (ctx, b);
}

/* The share of the second phase's pairs that the pivots would skip, with
 * rows of P outside V (all of them below 2·PREDICT_ROWS, else every
 * ⌊nr / PREDICT_ROWS⌋-th: PREDICT_ROWS to twice that) as the candidates: each against the rows its nearest pivot (by the bounds) does
 * not rule out. The rows of P stand for the candidates, as both come from
 * the same data. */
#define PREDICT_ROWS 256

static double
pivots_predict (const Pivots *pv)
{
  gsize step = MAX (1, pv->nr / PREDICT_ROWS), c, v, k;
  guint64 skip = 0, all = 0;

  for (c = 0; c < pv->nr; c += step)
    {
      float best = INFINITY, tau;
      gsize near = 0;

      for (v = 0; v < pv->nv; v++)
        if (pv->dist[v * pv->nr + c] < best)
          {
            best = pv->dist[v * pv->nr + c];
            near = v;
          }
      all += pv->nr;
      if (!(best < INFINITY))
        continue;
      tau = far_threshold ((double) best * best);
      for (k = 0; k < pv->nr; k++)
        skip += pv->dist[near * pv->nr + k] >= tau;
    }
  return all > 0 ? (double) skip / (double) all : 0;
}

/* The second phase reads and converts every candidate once more, about as
 * long as a tenth of the tiles of a dense pass (on the benchmark's
 * 100k × 512 set: 25–30 ms of 250), so a pruned pass that skips less than
 * a quarter of the pairs or so is slower. The estimate runs high: 0.25 on
 * Fashion-MNIST with 1,000 rows of P (12 % skipped, 5 % slower pruned),
 * 0.90 and 0.99 on the 200-cluster sets (61 % and 73 % skipped, 20 % and
 * 30 % faster), 0 on iid rows (35 % slower). */
#define PIVOTS_WORTH 0.5

static gint forced_pivots = -1;

/* Tests only: n > 0 pivots (at most |P|), 0 the unpruned tiles, −1 the
 * automatic count. */
void
lightly_selection_set_bf16_pivots (gint n)
{
  forced_pivots = n;
}

/* A quarter of P (every candidate meets all pivots; the pruning is in the
 * rest), at most one pivot per 64 candidates (the traversal reads P once
 * per pivot), and their distances within the bound of the copy of P (16 B
 * per candidate, or 4 MiB). */
static gsize
bf16_n_pivots (Run *r)
{
  gsize np = r->p->n_preselected;
  gsize cap = MAX (16 * r->m, (gsize) 4 << 20) / (sizeof (float) * MAX (np, 1));

  if (np < 2)
    return 0;
  if (forced_pivots >= 0)
    return MIN ((gsize) forced_pivots, np);
  return MIN (CLAMP (MIN (np / 4, r->m / 64), 1, np), cap);
}

/* The pass pruned by n_pivots pivots; *pruned FALSE when the estimate
 * says they would not pay (nothing else done). */
static gboolean
seed_pivots (Run *r, const SeedBf16 *bf, gsize n_pivots, gboolean *pruned)
{
  Pivots pv = { 0 };
  gboolean ok;

  pv.bf = bf;
  pv.np = r->p->n_preselected;
  pv.nv = n_pivots;
  pv.piv = g_new (guint32, pv.nv);
  pv.piv_of = g_new (gint32, pv.np);
  pv.dist = g_new (float, pv.nv * pv.np);
  pv.rest = g_new (guint32, pv.np);
  pv.mn = g_new (double, pv.np);
  r->p_bytes += pv.nv * (pv.np * sizeof (float) + sizeof (guint32)) +
                pv.np * (2 * sizeof (guint32) + sizeof (double));
  ok = pivots_choose (r, &pv) &&
       parallel (r, pivots_dists, &pv, (pv.nv + SEED_CHUNK - 1) / SEED_CHUNK);
  if (ok)
    pivots_pack (&pv);
  /* A count set by a test skips the estimate: the pass itself is tested. */
  *pruned = ok && (forced_pivots > 0 || pivots_predict (&pv) >= PIVOTS_WORTH);
  ok = ok && (!*pruned || parallel (r, pivots_first, &pv, r->n_blocks));
  if (ok && *pruned)
    {
      pv.order = lightly_selection_alloc_rows (r->m, sizeof (guint32));
      pv.chunk_at = g_new (guint32, r->m / SEED_CHUNK + pv.nv + 3);
      pv.chunk_piv = g_new (gint32, r->m / SEED_CHUNK + pv.nv + 2);
      pv.group_at = g_new (guint32, pv.nv + 2);
      pivots_group (r, &pv);
      ok = parallel (r, pivots_sort, &pv, pv.nv + 1) &&
           parallel (r, pivots_rest, &pv, (pv.n_chunks + PIVOT_CHUNKS - 1) / PIVOT_CHUNKS) &&
           parallel (r, pivots_stats, NULL, r->n_blocks);
    }
  g_free (pv.piv);
  g_free (pv.piv_of);
  g_free (pv.dist);
  g_free (pv.rest);
  g_free (pv.mn);
  g_free (pv.order);
  g_free (pv.chunk_at);
  g_free (pv.chunk_piv);
  g_free (pv.group_at);
  return ok;
}

gboolean
lightly_coreset_seed_bf16 (Run *r, gboolean pruned, gboolean *done)
{
  SeedBf16 *bf = bf16_new (r);
  gsize nv;
  gboolean ok, by_pivots = FALSE;

  *done = bf != NULL;
  if (bf == NULL)
    return TRUE;
  nv = pruned ? bf16_n_pivots (r) : 0;
  ok = nv == 0 || seed_pivots (r, bf, nv, &by_pivots);
  if (ok && !by_pivots)
    ok = lightly_coreset_seed_split (r, seed_range_bf16, bf, pruned);
  bf16_free (bf);
  return ok;
}
