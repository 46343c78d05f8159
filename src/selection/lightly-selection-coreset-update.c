/* lightly-selection-coreset-update.c: the per-pick update pass of CORESET/CORAL
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One pick's pass over the candidates: mind2[j] = min (mind2[j], d²(c_j, q)),
 * through the float32 fast path (exact: see its proof below), from the
 * float16/bfloat16 copy of the matrix when one is given (its proof below
 * the first), and, when the pick is pruned, the triangle inequality over
 * the anchors (which works the same with the copy); and the
 * anchors' distances to the query that the pruning needs. The loop of
 * lightly-selection-coreset.c decides per pick whether to prune.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-selection-coreset-private.h"

/* Triangle inequality: if the candidate's anchor a (the P row or pick that
 * gave its minimum) is far from the query q, d(q, a) ≥ 2·d(c, a) + margin,
 * then d(c, q) ≥ d(c, a) + margin − 3δ for computed distances with errors
 * below δ, and the update cannot change anything. δ < 1e-5 even near 0 (√ of
 * a d² error of ~1e-12 for dim ≤ 10⁴), so with PRUNE_MARGIN a pruned run
 * gives the same bits as an unpruned one. dsp holds the double path's
 * d(q, a) on every path (anchor_block()), so the test, and the count of
 * skipped rows that the adaptive pruning decides on, are the same for every
 * SIMD path and thread count. A pass with guessed picks holds there the
 * smallest d(q, a) of its queries, so that a skipped row is one that none
 * of them can lower (lightly-selection-coreset-spec.c). scan_block()
 * evaluates the test as flags (far_enough() without branches). */

static inline void
prefetch_row (const void *x, gsize bytes)
{
  gsize o;

  for (o = 0; o < bytes; o += 64)
    __builtin_prefetch ((const char *) x + o, 0, 3);
}

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

/* The rows of a batch that the bound could not decide, computed in double
 * by the same kernel as the double pass (dot_qf_norm: the same bits),
 * gathered into one call per batch so that the rows are still in cache.
 * Returns whether a minimum changed. */
static gboolean
redo_rows (Run *r, const UpdateTask *u, const gsize *redo_idx, const float *const *redo,
           gsize nr, gsize *n_exact)
{
  double dots[UPDATE_BATCH], norms[UPDATE_BATCH];
  gboolean changed = FALSE;
  gsize l;

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

/* update_batch() through the float32 distances f (computed here when
 * f_given is NULL): only rows the bound cannot rule out are computed in
 * double (redo_rows()). The linear bound
 * (lightly_fast_linear()) is weaker than fast_lower() only by a term
 * ~2⁻⁵²·‖q‖², so it is the only test. A row at distance 0 cannot get lower
 * (d² ≥ 0 after the clamp). */
static gboolean
update_batch_fast (Run *r, const UpdateTask *u, const gsize *idx, const float *const *rows,
                   gsize n, const float *f_given, gsize *n_exact)
{
  float own[UPDATE_BATCH];
  const float *f = f_given, *redo[UPDATE_BATCH];
  gsize redo_idx[UPDATE_BATCH], nr = 0, l;

  if (f == NULL)
    {
      r->kern->d2f (u->qf, rows, n, r->dim, own);
      f = own;
    }
  for (l = 0; l < n; l++)
    {
      if (fast_rules_out (u->alpha, u->beta, f[l], r->mind2[idx[l]]))
        continue;
      redo[nr] = rows[l];
      redo_idx[nr++] = idx[l];
    }
  return redo_rows (r, u, redo_idx, redo, nr, n_exact);
}

/* Rows of a pass with guesses that some query may lower, with their
 * float32 distances (query k of row i at f[k][i]), waiting to go through
 * update_batch_fast() and lightly_coreset_spec_batch() together: a chunk
 * of 1 KiB holds one or two such rows at dim 128, and each of those calls
 * computes its rows in double in one kernel call per query, whose time is
 * its chain of dependent multiply-adds whether it has one row or four.
 * The rows are still in cache. Deferring is exact: a row's updates depend
 * on its own values only, and the levels' lists take the same entries in
 * another order (lightly-selection-coreset-spec.c). */
#define SPEC_PENDING 16

typedef struct {
  gsize idx[SPEC_PENDING];
  const float *rows[SPEC_PENDING];
  float f[1 + SPEC_MAX][SPEC_PENDING];
  gsize n;
  gsize nq;                     /* the fewest queries a row was given */
} SpecPending;

/* The pending rows through the pick's update and the guesses' levels.
 * Levels a later chunk no longer computed had overflowed by then (they
 * only close), so the fewest queries of any row is where the open levels
 * end. Returns whether a minimum changed. */
static gboolean
spec_flush (Run *r, const UpdateTask *u, SpecPending *sp, gsize b, gsize lo, guint32 *spec_cnt,
            gsize *n_exact)
{
  float f[(1 + SPEC_MAX) * SPEC_PENDING];
  gsize n = sp->n, k;
  gboolean changed;

  if (n == 0)
    return FALSE;
  for (k = 0; k < sp->nq; k++)
    memcpy (f + k * n, sp->f[k], n * sizeof (float));
  changed = update_batch_fast (r, u, sp->idx, sp->rows, n, f, n_exact);
  lightly_coreset_spec_batch (r, u, b, lo, sp->idx, sp->rows, n, f + n, sp->nq - 1, spec_cnt);
  sp->n = 0;
  sp->nq = 1 + SPEC_MAX;
  return changed;
}

/* A chunk of a pass with guesses, its float32 distances f from nq queries
 * (n per query): the rows that no query can lower, against the minimum
 * they have before the pass, are done (update_batch_fast() and
 * lightly_coreset_spec_batch() would leave them alone: the levels only
 * lower the value the tests compare with, and a lower value is ruled out
 * more easily); the others join the pending rows. */
static gboolean
spec_chunk (Run *r, const UpdateTask *u, SpecPending *sp, const gsize *idx,
            const float *const *rows, gsize n, const float *f, gsize nq, gsize b, gsize lo,
            guint32 *spec_cnt, gsize *n_exact)
{
  gboolean changed = FALSE;
  gsize i, k;

  for (i = 0; i < n; i++)
    {
      double m = r->mind2[idx[i]];

      for (k = 0; k < nq; k++)
        {
          double alpha = k == 0 ? u->alpha : u->spec[k - 1].alpha;
          double beta = k == 0 ? u->beta : u->spec[k - 1].beta;

          if (!fast_rules_out (alpha, beta, f[k * n + i], m))
            break;
        }
      if (k == nq)
        continue;
      for (k = 0; k < nq; k++)
        sp->f[k][sp->n] = f[k * n + i];
      sp->idx[sp->n] = idx[i];
      sp->rows[sp->n++] = rows[i];
      sp->nq = MIN (sp->nq, nq);
      if (sp->n == SPEC_PENDING)
        changed |= spec_flush (r, u, sp, b, lo, spec_cnt, n_exact);
    }
  return changed;
}

/* The half-precision copy (LightlySelectionParams.matrix_half).
 *
 * With the copy, the pass streams the half row c̃ (the float32 row c
 * rounded to float16 or bfloat16, exact in float32) and computes f̃, the
 * d2 of (q, c̃) in float32. Rows whose update the bound below cannot rule
 * out, and only those, are computed in double from the float32 row c by
 * redo_rows(), as on the float32 path, so every mind2, anchor and pick is
 * the same bits.
 *
 * Claim: with d = ‖q − c‖² and d̃ = ‖q − c̃‖² (exact reals), u_h the unit
 * roundoff of the format (2⁻¹¹ float16, 2⁻⁸ bfloat16), σ_h its largest
 * rounding error below the normal range (half the subnormal spacing: 2⁻²⁵,
 * 2⁻¹³⁴), A = u_h·‖q‖ + √n·σ_h and the rest as in the proof above,
 *   (3) ‖c − c̃‖ ≤ u_h·‖c‖ + √n·σ_h,
 *   (4) (√d̃ − A)·(1 − u_h) ≤ √d ≤ (√d̃ + A)·(1 + 2u_h).
 * Proof of (3): rounding to nearest gives c̃_i = c_i(1 + δ_i) + η_i with
 * |δ_i| ≤ u_h and |η_i| ≤ σ_h (an infinite c̃_i, which
 * lightly_selection_half_new() refuses, makes f̃ infinite: decided in
 * double). So |c_i − c̃_i| ≤ u_h|c_i| + σ_h, and the 2-norm of a sum is at
 * most the sum of the norms (Minkowski). No unit norm is assumed.
 * Proof of (4): by the triangle inequality |√d − √d̃| =
 * |‖q − c‖ − ‖q − c̃‖| ≤ ‖c − c̃‖ =: e, and by (3) with ‖c‖ ≤ ‖q‖ + √d,
 * e ≤ A + u_h·√d. So √d ≥ √d̃ − A − u_h·√d, i.e. √d ≥ (√d̃ − A)/(1 + u_h)
 * ≥ (√d̃ − A)(1 − u_h) when √d̃ ≥ A (else the left side is ≤ 0 ≤ √d); and
 * √d ≤ √d̃ + A + u_h·√d, i.e. √d ≤ (√d̃ + A)/(1 − u_h) ≤ (√d̃ + A)(1 + 2u_h)
 * as u_h ≤ 1/2.
 * The float32 rounding of f̃: c̃ is a float32 vector, so (1) holds for the
 * pair (q, c̃) whatever the kernel's order and FMA use; when f̃ is finite,
 * lo = (f̃ − a₀)·down ≤ d̃ ≤ (f̃ + a₀)·up = hi, evaluated as fast_lower()
 * does. Hence L = max(0, √lo − A)·(1 − u_h) ≤ √d and U = (√hi + A)(1 + 2u_h)
 * ≥ √d, and by (2), d_D ≥ d − Γ(2‖q‖ + √d)² ≥ L² − Γ(2‖q‖ + U)² (√d ≥ L
 * raises d, √d ≤ U bounds the error term). With (x + y)² ≤ 2x² + 2y² twice
 * and qterm ≥ 2‖q‖, (2‖q‖ + U)² ≤ 2·qterm² + 4(1 + 2u_h)²(hi + A²): linear
 * in f̃, the error term is at most α_h·f̃ + β_h (half_bound_init(), from
 * gd = 2Γ, doubled once more for slack). So when
 *   L² − (α_h·f̃ + β_h) ≥ mind2[j],
 * d_D < mind2[j] is false and the update is skipped; otherwise the row is
 * redone in double.
 * Evaluation in double (half_lower()): ‖q‖ ≤ qterm/2 (lightly_fast_qterm()),
 * and A is computed from that and inflated by 2⁻⁴⁰ (its few roundings are
 * 2⁻⁵³ each). √lo is rounded, then scaled by 1 − 2⁻⁵⁰, so it stays ≤ the
 * real √lo; then √lo − A (≤ the real difference, as A is ≥ the real one),
 * the product by 1 − u_h (exact constant) and the square round by ≤ 2⁻⁵³
 * each, and the final factor 1 − 2⁻⁴⁰ leaves the computed L² ≤
 * (1 − 2⁻⁴¹)·L². The error term only grows from its doubled factor (its
 * own two roundings are far below a factor 2). The last subtraction rounds
 * by ≤ 2⁻⁵³·L² when its result is positive, within the 2⁻⁴¹·L² slack, and a
 * result ≤ 0 never skips a row with mind2 > 0 (rows with mind2 = 0 are
 * skipped on every path: d_D ≥ 0 cannot be below 0).
 * A linear pretest spares most rows the square root: for s = √lo ≥ A and
 * any s₀ ≥ A, (s − A)² ≥ s² − 2As ≥ s²(1 − A/s₀) − A·s₀ (2As ≤ A(s²/s₀ +
 * s₀)), and for s < A the right side is < 0 ≤ L². So L² ≥ (1 − u_h)²·
 * ((1 − A/s₀)·lo − A·s₀), linear in f̃ like the error term: one
 * multiply-add α_l·f̃ − β_l per row (half_bound_init(), s₀ = max(2A,
 * qterm/2), where it is tight for unit rows). Its factor α_l is shrunk and
 * β_l grown by 2⁻⁴⁰, which covers their own roundings and the row's two
 * (as for L² above). Rows it does not decide go to the test with the root.
 *
 * The cost: the band of undecided rows widens from ~n·2⁻²³ of d² (float32)
 * to ~2A/√mind2 of it, for unit rows ~4·u_h, i.e. ~2·10⁻³ (float16) or
 * ~1.6·10⁻² (bfloat16); rows in the band, and rows whose minimum drops,
 * read their float32 row too (LightlySelectionStats.exact). */

/* The per-query constants of half_lower(). */
typedef struct {
  double a0, down;              /* as in LightlyFastBound */
  double A;                     /* ≥ u_h·‖q‖ + √n·σ_h */
  double one_minus_u;           /* 1 − u_h */
  double alpha, beta;           /* the error term α_h·f̃ + β_h */
  double lin_a, lin_b;          /* the linear pretest α_l·f̃ − β_l */
} HalfBound;

static void
half_bound_init (Run *r, const UpdateTask *u, HalfBound *hb)
{
  double qterm = fast_qterm (r, u->qnorm), gd = r->fb.gd, up = r->fb.up;
  double k = (1 + 2 * r->half_u) * (1 + 2 * r->half_u), s0, c;

  hb->a0 = r->fb.a0;
  hb->down = r->fb.down;
  hb->A = (r->half_u * qterm * 0.5 + sqrt ((double) r->dim) * r->half_sigma) * (1 + 0x1p-40);
  hb->one_minus_u = 1 - r->half_u;
  hb->alpha = 4 * gd * k * up;
  hb->beta = 2 * gd * qterm * qterm + 4 * gd * k * (hb->a0 * up + hb->A * hb->A);
  s0 = MAX (2 * hb->A, qterm * 0.5);
  c = hb->one_minus_u * hb->one_minus_u * (1 - hb->A / s0) * hb->down;
  hb->lin_a = (c - hb->alpha) * (1 - 0x1p-40);
  hb->lin_b = (c * hb->a0 + hb->one_minus_u * hb->one_minus_u * hb->A * s0 + hb->beta) *
              (1 + 0x1p-40);
}

/* A lower bound of d_D from a finite f̃ (see above), or ≤ 0. */
static inline double
half_lower (const HalfBound *hb, float f)
{
  double fd = f, lo = (fd - hb->a0) * hb->down, s, L;

  s = lo > 0 ? sqrt (lo) * (1 - 0x1p-50) : 0.0;
  L = (s - hb->A) * hb->one_minus_u;
  if (!(L > 0))
    return -1.0;
  return L * L * (1 - 0x1p-40) - (hb->alpha * fd + hb->beta);
}

/* Rows of the half path waiting for their double computation. Their
 * float32 rows are not in cache (the pass streamed the half rows), so each
 * is prefetched when it joins and computed PENDING_FLUSH joins later, in
 * groups of PENDING_GROUP, once the prefetch has landed: computed at once,
 * the misses cost more than the half rows saved (perf: dot_qf_norm took as
 * long as the whole half pass). Deferring is exact: a row's update depends
 * on its own mind2 only. */
#define PENDING_FLUSH 32
#define PENDING_GROUP 16

typedef struct {
  gsize idx[UPDATE_BATCH];
  const float *rows[UPDATE_BATCH];
  gsize n;
} Pending;

/* Computes the oldest min (n, PENDING_GROUP) pending rows, or all. */
static gboolean
pending_flush (Run *r, const UpdateTask *u, Pending *pd, gboolean all, gsize *n_exact)
{
  gsize c = all ? pd->n : MIN (pd->n, PENDING_GROUP);
  gboolean changed = redo_rows (r, u, pd->idx, pd->rows, c, n_exact);

  memmove (pd->idx, pd->idx + c, (pd->n - c) * sizeof (gsize));
  memmove (pd->rows, pd->rows + c, (pd->n - c) * sizeof (const float *));
  pd->n -= c;
  return changed;
}

/* update_batch_fast() from the half rows: the rows the bound cannot rule
 * out join the pending rows, to be computed in double from the float32
 * matrix. */
static gboolean
update_batch_half (Run *r, const UpdateTask *u, const HalfBound *hb, const gsize *idx,
                   const guint16 *const *hrows, gsize n, Pending *pd, gsize *n_exact)
{
  float f[UPDATE_BATCH];
  gsize l;

  r->half_d2 (u->qf, hrows, n, r->dim, f);
  for (l = 0; l < n; l++)
    {
      double m = r->mind2[idx[l]];
      const float *x;

      if (m == 0 || (f[l] <= G_MAXFLOAT && (hb->lin_a * f[l] - hb->lin_b >= m ||
                                            half_lower (hb, f[l]) >= m)))
        continue;
      x = row (r, r->cand[idx[l]]);
      prefetch_row (x, r->dim * sizeof (float));
      pd->rows[pd->n] = x;
      pd->idx[pd->n++] = idx[l];
    }
  return pd->n >= PENDING_FLUSH && pending_flush (r, u, pd, FALSE, n_exact);
}

/* The row a pass streams: the half copy's or the float32 one. */
static inline const void *
pass_row (Run *r, gboolean half, guint32 i)
{
  return half ? (const void *) half_row (r, i) : (const void *) row (r, i);
}

/* Computes a gathered batch; returns whether a minimum changed. hrows are
 * the half rows (NULL: the float32 ones). */
static inline gboolean
compute_batch (Run *r, const UpdateTask *u, gboolean fast, const HalfBound *hb,
               const gsize *idx, const float *const *rows, const guint16 *const *hrows,
               gsize n, Pending *pd, gsize *n_exact)
{
  if (hrows != NULL)
    return update_batch_half (r, u, hb, idx, hrows, n, pd, n_exact);
  if (fast)
    return update_batch_fast (r, u, idx, rows, n, NULL, n_exact);
  return update_batch (r, u, idx, rows, n);
}


/* Rows of a block (positions from lo) that the pass computes, for blocks of
 * at most this many rows; longer ones (forced in tests) in a heap list. */
#define SCAN_STACK 4096

/* Bytes of rows per chunk of a pass with guesses (see
 * lightly_coreset_update_block()). */
#define SPEC_CHUNK_BYTES 1024

/* The positions (from lo) of the rows of [lo, hi) that the pass computes:
 * unpicked and, with pruning, not proven unable to change (far_enough() as
 * flags). The scan is branch-free: every position is written and the list
 * grows by the row's keep flag, so a skip pattern that looks random costs
 * no mispredicted branches. */
static gsize
scan_block (Run *r, const UpdateTask *u, gsize lo, gsize hi, guint32 *pos, gsize *n_skipped)
{
  const double *mind2 = r->mind2, *dsp = u->dsp;
  const gint32 *anchor = r->anchor;
  gsize j, n = 0, skipped = 0;

  if (dsp == NULL)
    {
      for (j = lo; j < hi; j++)
        {
          pos[n] = (guint32) (j - lo);
          n += mind2[j] >= 0;
        }
      *n_skipped = 0;
      return n;
    }
  for (j = lo; j < hi; j++)
    {
      double m = mind2[j];
      gint32 a = anchor[j];
      double h = (dsp[MAX (a, 0)] - PRUNE_MARGIN) * 0.5;
      gsize live = m >= 0;
      gsize skip = (gsize) (a >= 0) & (gsize) (h > 0) & (gsize) (h * h >= m) & live;

      skipped += skip;
      pos[n] = (guint32) (j - lo);
      n += live & (skip ^ 1);
    }
  *n_skipped = skipped;
  return n;
}

/* mind2[j] = min (mind2[j], d²(c_j, q)) over the unpicked rows; also used
 * with q = the mean to fill mind2 with distances to the mean.
 *
 * First the block's rows to compute are listed (scan_block()), then they
 * go to the kernel in chunks of at most 16 rows (4 KiB, at least 2 rows),
 * each prefetched as a whole just before it is computed and, on the paths
 * whose machine measured faster that way (LightlySelectionKernels.
 * prefetch_ahead: AVX-512, one 4 KiB chunk further on, on Zen 5, where 16
 * KiB was 7–9 % slower at dim 128 and 512; on Zen 2 with AVX2, 16 KiB
 * ahead was 10–30 % slower at 784 and no faster at 128): the kernel alone
 * keeps too few loads in flight to stream from memory, and gathered rows
 * (a pruned pass) defeat the hardware prefetcher. Prefetching whole 16 KiB
 * batches at once, as before, stalled on the prefetches (the line-fill
 * buffers were full) with nothing to compute meanwhile; one chunk at a
 * time interleaves the two (perf: the unpruned pass at dim 64, 200k rows,
 * took ~20 % less CPU). A pass with guesses computes up to seven queries
 * per row, so a 4 KiB chunk is long work between two bursts of prefetches,
 * and the memory sat idle while it ran: where the path looks ahead, such a
 * pass takes chunks of 1 KiB and looks half as far (on the Xeon of session
 * 22, AVX-512, iid 1M × 128, k = 100: 7–10 % faster; the 200-cluster
 * 200k × 64 set 5–9 %; rows of 1 KiB or more, e.g. dim 784, are chunked as
 * before). Without look-ahead (AVX2), where each chunk is prefetched just
 * before it is computed, smaller chunks were 17 % slower there. */
void
lightly_coreset_update_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  const UpdateTask *u = data;
  gsize lo, hi, n, l, i, skipped, n_exact = 0, chunk, ahead;
  gboolean fast = r->fast && !u->replace, changed = FALSE, spec_chunks;
  /* Guesses ride on the float32 pass, pruned or not (see
   * lightly-selection-coreset-spec.c): such a pass streams the float32
   * rows even when a half copy is given, as a pick it saves is worth more
   * than half the bytes of one pass. */
  gboolean spec = fast && u->n_spec > 0;
  /* Otherwise the half copy, when given, is what the fast path streams. */
  gboolean half = fast && r->half != NULL && !spec;
  gsize row_bytes = r->dim * (half ? sizeof (guint16) : sizeof (float));
  guint32 stack_pos[SCAN_STACK], *pos = stack_pos;
  g_autofree guint32 *heap_pos = NULL;
  gsize idx[UPDATE_BATCH];
  const float *rows[UPDATE_BATCH];
  const guint16 *hrows[UPDATE_BATCH];
  HalfBound hb = { 0 };
  Pending pd;
  /* The lengths of the block's lists of guessed updates, per level: they
   * start empty. */
  guint32 spec_cnt[SPEC_MAX] = { 0 };
  SpecPending sp = { .n = 0, .nq = 1 + SPEC_MAX };

  block_range (r, b, &lo, &hi);
  if (hi - lo > SCAN_STACK)
    pos = heap_pos = g_new (guint32, hi - lo);
  n = scan_block (r, u, lo, hi, pos, &skipped);
  if (half)
    half_bound_init (r, u, &hb);
  pd.n = 0;
  ahead = r->prefetch_ahead / row_bytes;
  spec_chunks = spec && ahead > 0;
  /* The half kernels take rows by fours: chunks of long half rows too. */
  chunk = CLAMP ((spec_chunks ? SPEC_CHUNK_BYTES : 4096) / row_bytes, half ? 4 : 2, 16);
  if (ahead > 0)
    ahead = MAX (chunk, spec_chunks ? r->prefetch_ahead / 2 / row_bytes : ahead);
  for (i = 0; i < MIN (ahead, n); i++)
    prefetch_row (pass_row (r, half, r->cand[lo + pos[i]]), row_bytes);
  for (l = 0; l < n; l += chunk)
    {
      gsize c = MIN (chunk, n - l), pe = MIN (n, l + ahead + chunk);

      for (i = l + ahead; i < pe; i++)
        prefetch_row (pass_row (r, half, r->cand[lo + pos[i]]), row_bytes);
      for (i = 0; i < c; i++)
        {
          idx[i] = lo + pos[l + i];
          if (half)
            hrows[i] = half_row (r, r->cand[idx[i]]);
          else
            rows[i] = row (r, r->cand[idx[i]]);
        }
      if (spec)
        {
          /* The pick and its guesses in one call: each row is loaded once
           * per four queries, where d2f() query by query loaded it once
           * per query. */
          const float *qs[1 + SPEC_MAX];
          float f[(1 + SPEC_MAX) * UPDATE_BATCH];
          gsize nq = lightly_coreset_spec_queries (r, u, qs);

          r->kern->d2f_multi (qs, nq, rows, c, r->dim, f);
          changed |= spec_chunk (r, u, &sp, idx, rows, c, f, nq, b, lo, spec_cnt, &n_exact);
        }
      else
        changed |= compute_batch (r, u, fast, &hb, idx, rows, half ? hrows : NULL, c, &pd,
                                  &n_exact);
    }
  if (pd.n > 0)
    changed |= pending_flush (r, u, &pd, TRUE, &n_exact);
  if (spec)
    {
      changed |= spec_flush (r, u, &sp, b, lo, spec_cnt, &n_exact);
      lightly_coreset_spec_block_end (r, u, b, spec_cnt);
    }
  if (fast)
    {
      count_add (&r->n_fast, n);
      count_add (&r->n_exact, n_exact);
    }
  if (half)
    {
      count_add (&r->n_half, n);
      count_add (&r->n_half_exact, n_exact);
    }
  count_add (&r->n_computed, n);
  count_add (&r->n_skipped, skipped);
  count_add (&r->rows_read, n);
  if (changed || u->replace || (u->pick >= (gssize) lo && u->pick < (gssize) hi))
    lightly_coreset_block_stats_after (r, b, u->replace);
}


typedef struct {
  const UpdateTask *u;
  gsize n;
  double *dsp;
} AnchorTask;

/* Anchors per block of lightly_coreset_anchor_distances(): with |P| = 1,000 rows of dim 512
 * one pick's anchors are ~1 M multiply-adds, worth both threads. */
#define ANCHOR_BLOCK 256

static void
anchor_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  AnchorTask *t = data;
  const UpdateTask *u = t->u;
  const float *rows[UPDATE_BATCH];
  double dots[UPDATE_BATCH];
  gsize i0, i, l, hi = MIN (t->n, (b + 1) * ANCHOR_BLOCK);

  for (i0 = b * ANCHOR_BLOCK; i0 < hi; i0 += UPDATE_BATCH)
    {
      gsize bn = MIN (hi - i0, UPDATE_BATCH);

      for (i = 0; i < bn; i++)
        rows[i] = row (r, r->arow[i0 + i]);
      r->kern->dot_qf (u->qd, rows, bn, r->dim, dots);
      for (i = 0; i < bn; i++)
        t->dsp[i0 + i] = sqrt (lightly_sqdist (r->anorm[i0 + i], u->qnorm, dots[i]));
      /* The guesses' distances, while the anchors are in cache: a row is
       * skipped only when no query of the pass can lower it. */
      for (l = 0; l < u->n_spec; l++)
        {
          const SpecGuess *g = &u->spec[l];

          r->kern->dot_qf (g->qd, rows, bn, r->dim, dots);
          for (i = 0; i < bn; i++)
            t->dsp[i0 + i] = MIN (t->dsp[i0 + i],
                                  sqrt (lightly_sqdist (r->anorm[i0 + i], g->qnorm, dots[i])));
        }
    }
}

/* dsp[a] = min over the pass's queries (u's pick and its guesses) of
 * d(query, anchor a), for a < n, in batches through the kernel. FALSE if
 * cancelled. */
gboolean
lightly_coreset_anchor_distances (Run *r, const UpdateTask *u, gsize n, double *dsp)
{
  AnchorTask t = { u, n, dsp };

  r->n_overhead += (gint64) (n * (1 + u->n_spec));
  return parallel (r, anchor_block, &t, (n + ANCHOR_BLOCK - 1) / ANCHOR_BLOCK);
}

/* ---------------------------------------------------------------------- */
/* Adaptive pruning                                                       */

/* The cost model, in units of one float of a row computed: a row of an
 * unpruned pass costs dim + ROW_FIXED (the bound test, the update), a row
 * that a pruned pass computes GATHER_FIXED more (rows gathered out of order
 * stream worse: at dim 64 a pruned pass that skipped 51 % of the rows took
 * 0.87 of the unpruned CPU time, where rows alone predict 0.5), every
 * unpicked row of a pruned pass SCAN_COST (its anchor, the test as flags),
 * and an anchor distance ANCHOR_COST·dim (in double). So the pruning pays
 * from ~41 % skipped at dim 64, ~27 % at 128 and ~6 % at 784. With the
 * half copy a streamed row costs dim/2 (its bytes), so pruning needs more
 * skipped rows to pay. */
#define ROW_FIXED 16
#define GATHER_FIXED 48
#define SCAN_COST 4
#define ANCHOR_COST 2
/* Picks between probes while unpruned: from PROBE_MIN, doubled after every
 * probe that does not pay, up to PROBE_MAX. */
#define PROBE_MIN PROBE_START
#define PROBE_MAX 64

/* Whether pick t's update pass is pruned. Mode 2 prunes every pick; the
 * default (1) prunes while the last pruned pass paid for itself, and when
 * it did not, again at t = probe_at, to see whether it pays now (as the
 * radius shrinks, more rows are far from the new pick).
 *
 * Switching is exact at any pick: a pruned pass only skips rows that the
 * unpruned one leaves unchanged (far_enough() above), so both leave mind2 the
 * same, bit for bit. What the pruning needs stays valid across a switch:
 * (1) anchor[j] is the anchor whose double distance is mind2[j] (or −1).
 * Every pass, pruned or not, tags the rows it lowers with the pick's anchor
 * id (run_greedy() registers each pick below prune_picks as an anchor, with
 * its row and norm, whether its pass is pruned or not), and a row that is
 * not lowered keeps mind2 and anchor; so (1) holds after every pass.
 * (2) The distances from the query to the anchors (dsp) are computed anew
 * for every pruned pass, over every anchor so far, so none is stale.
 * (3) The block maxima are recomputed by both passes alike.
 * The decision uses only counts (skipped and computed rows, anchors), which
 * are the same for every thread count (sums over fixed blocks) and SIMD
 * path (dsp and mind2 are the double path's bits, and anchor[] changes only
 * where the double values do), so the sequence of pruned picks is too. */
gboolean
lightly_coreset_prune_next (Run *r, gsize t, gint mode)
{
  gboolean on = mode == 2 || r->prune_on || t >= r->probe_at;

  r->n_pruned += on;
  return on;
}

/* anchor_dists: the distances to anchors the pruned pass computed (every
 * anchor so far, for the pick and each of its guesses). */
void
lightly_coreset_prune_learn (Run *r, gsize t, gint64 skipped, gint64 computed,
                             gsize anchor_dists)
{
  double dim = (double) r->dim;
  /* A half row streams half the bytes; the anchors stay float32 rows. */
  double rdim = r->half != NULL ? dim / 2 : dim;
  double unpruned = (double) (skipped + computed) * (rdim + ROW_FIXED);
  double pruned = (double) computed * (rdim + ROW_FIXED + GATHER_FIXED) +
                  (double) (skipped + computed) * SCAN_COST +
                  (double) anchor_dists * dim * ANCHOR_COST;
  gboolean pays = pruned < unpruned;

  if (pays != r->prune_on)
    r->n_switches++;
  if (pays || r->prune_on)
    r->probe_gap = PROBE_MIN;
  else
    r->probe_gap = MIN (r->probe_gap * 2, PROBE_MAX);
  r->prune_on = pays;
  r->probe_at = t + r->probe_gap;
}
