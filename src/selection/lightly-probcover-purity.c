/* lightly-probcover-purity.c: PROBCOVER's purity rule for δ
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The rule (lightly-probcover.c, step 1): k-means labels the candidates; on
 * S evenly spaced sample rows q, r_q = g(min over candidates c of another
 * label of d_D(q, c)), with g(x) = √x for x > 0 and 0 otherwise, and
 * d_D(q, c) = (‖q‖²_D + ‖c‖²_D) − 2⟨q, c⟩_D, the double kernels' value (as
 * in lightly-probcover-graph.h); δ = the sorted r[⌊(1 − purity)·S⌋]. The
 * histogram of bin(d_D(q, c)) over all sampled q and all c, with
 * bin(x) = min(⌊g(x)·2048⌋, 4095), estimates the graph's edges; δ shrinks
 * if the graph would not fit.
 *
 * The reference pass computes every d_D (S·|C| double products: 2,000 ×
 * 200k × 64 took ≈ 30 s of the 80 s of a 200k run). The fast pass computes
 * the same δ and the same histogram counts, bit for bit, from the float32
 * tiles of the graph builder, in two passes over the sample:
 *
 *  1. r. For each sample row, R = the smallest d_D to another label found so
 *     far (+∞ at first). An entry is computed in double only when its float32
 *     interval does not prove d_D ≥ R. g is monotone, so g(min d_D) is the
 *     reference's min of g(d_D); an entry skipped had d_D ≥ R ≥ the final
 *     minimum, so it could not have lowered it.
 *  2. The histogram. The edge estimate reads the bins 0 … B only, where B is
 *     the first bin whose upper edge (B + 1)/2048 is ≥ δ (4095 if none), as
 *     the estimate stops there (or earlier). Only entries that may lie in
 *     those bins are classified; bin() is monotone (a correctly rounded √,
 *     an exact ·2048, a floor), so an entry whose interval [lo, hi] has
 *     bin(lo) = bin(hi) is in that bin, and the others are computed in
 *     double. The bins above B are not counted (nothing reads them).
 *
 * Interval. From the claim and the decision paragraph of the proof in
 * lightly-probcover-graph.c (with the same κ, τ, norms finite and ≤ 2¹⁰⁰,
 * dim < 2²⁰), for the float32 dot product s_f of the tile in any order, with
 * N = ‖q‖²_D + ‖c‖²_D, a = N − 2·s_f and E = κ·N + τ evaluated in double:
 * fl(a − E) ≤ d_D ≤ fl(a + E).
 *
 * Filter. The tile flags an entry when s_f > fl32(h_q + h_c), so the
 * unflagged ones need no double arithmetic at all. Here the bound X (R in
 * pass 1, L in pass 2) is wholly in the query's threshold:
 *   h_q = ((1 − κ/2)·‖q‖² − τ/4 − X)/2 − m_q, m_q = 2⁻²⁰(‖q‖² + |X|) + 2⁻¹⁴⁰,
 *   h_c = ((1 − κ/2)·‖c‖² − τ/4)/2 − m_c,     m_c = 2⁻²⁰·‖c‖² + 2⁻¹⁴⁰,
 * each rounded down to a float (X = +∞ gives −∞: every entry is flagged;
 * X < 0 happens when a computed d_D is negative). |h_q| + |h_c| ≤
 * 0.51(N + |X|) + 2⁻¹³⁹, so the float addition errs by at most
 * 2⁻²⁴·0.52(N + |X|) + 2⁻¹⁶⁰ < m_q + m_c, and an unflagged entry has s_f ≤
 * (N(1 − κ/2) − τ/2 − X)/2: d_D ≥ N − 2s_f − E/2 ≥ X, which is the graph
 * builder's filter argument with X in place of δ² (the rounding of N
 * itself is inside the claim's slack there as here). In pass 2,
 * X = L = ((B + 1)/2048)², exact in double: d_D ≥ L gives √d_D ≥ (B + 1)/2048,
 * a double, so the rounded √ is too, and bin(d_D) ≥ B + 1 (≤ 4095): not
 * counted, as it should not be. With B = 4095 every bin is read, and
 * X = +∞ flags every entry.
 *
 * Inputs outside the claim use the reference pass. Both run in blocks of
 * sample rows whose results do not depend on the thread count (minima and
 * integer counts).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lightly-probcover-graph.h"
#include "lightly-probcover-tile.h"

/* Rows per block of the reference pass. */
#define PC_BLOCK 32
/* Candidates per dot_qf call. */
#define PC_CHUNK 256
/* Histogram bins of sampled distances over [0, 2]. */
#define PC_BINS 4096
/* Fast passes: sample rows per block (a multiple of the tile's), and the
 * bytes of a chunk of packed targets (L2-resident while its rows run). */
#define FP_ROWS 48
#define FP_CHUNK_BYTES 131072

G_STATIC_ASSERT (FP_ROWS % LIGHTLY_PC_TILE_ROWS == 0);

/* k-means reports the first half of the purity rule's progress. */
typedef struct {
  LightlyExtProgress fn;
  gpointer data;
} ProgressHalf;

static void
progress_half (double fraction, gpointer data)
{
  ProgressHalf *ph = data;

  if (ph->fn != NULL)
    ph->fn (0.5 * fraction, ph->data);
}

static gboolean use_exact_purity;
static guint64 last_purity_stats[2];
static guint64 last_hist[PC_BINS];
static gsize last_hist_n;

void
lightly_probcover_set_exact_purity (gboolean exact)
{
  use_exact_purity = exact;
}

void
lightly_probcover_last_purity_stats (guint64 *n_entries, guint64 *n_double)
{
  *n_entries = last_purity_stats[0];
  *n_double = last_purity_stats[1];
}

const guint64 *
lightly_probcover_last_purity_hist (gsize *n_bins)
{
  *n_bins = last_hist_n;
  return last_hist;
}

/* bin(): the reference's histogram bin of a squared distance. */
static inline gsize
bin_of (double d2)
{
  double d = d2 > 0 ? sqrt (d2) : 0.0;
  gsize bin = (gsize) (d * (PC_BINS / 2.0));

  return MIN (bin, PC_BINS - 1);
}

/* ---------------------------------------------------------------------- */
/* Reference: every entry in double                                       */

typedef struct {
  const LightlyPoints *pts;
  const guint32 *sample;
  gsize S;
  const double *norms;
  const guint32 *labels;        /* per candidate position */
  double *r;                    /* per sample: r_q */
  guint64 *hist;                /* per block: PC_BINS counts */
} RefTask;

static void
ref_block (gsize b, gpointer data)
{
  RefTask *t = data;
  const LightlyPoints *pts = t->pts;
  gsize dim = pts->dim, dim8 = LIGHTLY_SELECTION_PAD8 (dim), m = pts->n;
  gsize lo = b * PC_BLOCK, hi = MIN (t->S, lo + PC_BLOCK), s, c, j;
  g_autofree double *q = g_new (double, dim8);
  double dots[PC_CHUNK];
  const float *rows[PC_CHUNK];
  guint64 *hist = t->hist + b * PC_BINS;

  memset (hist, 0, PC_BINS * sizeof (guint64));
  for (s = lo; s < hi; s++)
    {
      gsize qi = t->sample[s];
      guint32 lab = t->labels[qi];
      double rmin = INFINITY;

      lightly_to_double (q, pts->matrix + (gsize) pts->rows[qi] * dim, dim, dim8);
      for (c = 0; c < m; c += PC_CHUNK)
        {
          gsize n = MIN (PC_CHUNK, m - c);

          for (j = 0; j < n; j++)
            rows[j] = pts->matrix + (gsize) pts->rows[c + j] * dim;
          pts->kern->dot_qf (q, rows, n, dim, dots);
          for (j = 0; j < n; j++)
            {
              double d2 = (t->norms[qi] + t->norms[c + j]) - 2.0 * dots[j];
              double d = d2 > 0 ? sqrt (d2) : 0.0;
              gsize bin = (gsize) (d * (PC_BINS / 2.0));

              hist[MIN (bin, PC_BINS - 1)]++;
              if (t->labels[c + j] != lab && d < rmin)
                rmin = d;
            }
        }
      t->r[s] = rmin;
    }
}

/* ---------------------------------------------------------------------- */
/* Fast: float32 tiles, double where the interval cannot decide           */

typedef struct {
  const LightlyPoints *pts;
  const guint32 *sample;
  gsize S;
  const double *norms;
  const guint32 *labels;
  LightlyPcTile2Func tile;
  double kappa, tau;
  float *panels;                /* all candidates, 16 per panel, dimension-major,
                                 * an even number of panels */
  float *tthr;                  /* h_c per packed candidate, +∞ past the end */
  gboolean hist_pass;           /* FALSE: pass 1 (r2), TRUE: pass 2 (hist) */
  double L;                     /* pass 2's bound X */
  double *r;                    /* per sample: r_q */
  guint64 *hist;                /* per block: PC_BINS counts */
  guint64 *n_double;            /* per block */
} FastTask;

/* h_q of the filter, rounded down to a float. */
static float
query_threshold (const FastTask *t, double nq, double x)
{
  double h = ((1 - t->kappa / 2) * nq - t->tau / 4 - x) / 2 - (0x1p-20 * (nq + fabs (x)) + 0x1p-140);
  float f = (float) h;

  if ((double) f > h)
    f = nextafterf (f, -INFINITY);
  return f;
}

/* h_c of the filter for a candidate of norm nc, rounded down to a float. */
static float
cand_threshold (const FastTask *t, double nc)
{
  double h = ((1 - t->kappa / 2) * nc - t->tau / 4) / 2 - (0x1p-20 * nc + 0x1p-140);
  float f = (float) h;

  if ((double) f > h)
    f = nextafterf (f, -INFINITY);
  return f;
}

static void
fast_block (gsize b, gpointer data)
{
  FastTask *t = data;
  const LightlyPoints *pts = t->pts;
  const gsize TR = LIGHTLY_PC_TILE_ROWS, TC = LIGHTLY_PC_TILE_COLS;
  gsize m = pts->n, dim = pts->dim;
  gsize lo = b * FP_ROWS, hi = MIN (t->S, lo + FP_ROWS), nq = hi - lo;
  gsize chunk = MAX (2 * TC, (FP_CHUNK_BYTES / (dim * sizeof (float))) / (2 * TC) * (2 * TC));
  double R[FP_ROWS], qn[FP_ROWS];
  float qthr[FP_ROWS];
  const float *qrow[FP_ROWS];
  guint32 lab[FP_ROWS];
  guint64 *hist = t->hist_pass ? t->hist + b * PC_BINS : NULL;
  guint64 n_double = 0;
  gsize c0, i, r, p, h;

  if (hist != NULL)
    memset (hist, 0, PC_BINS * sizeof (guint64));
  for (i = 0; i < nq; i++)
    {
      gsize qi = t->sample[lo + i];

      qrow[i] = pts->matrix + (gsize) pts->rows[qi] * dim;
      qn[i] = t->norms[qi];
      lab[i] = t->labels[qi];
      R[i] = INFINITY;
      qthr[i] = query_threshold (t, qn[i], t->hist_pass ? t->L : R[i]);
    }
  for (c0 = 0; c0 < m; c0 += chunk)
    {
      gsize cm = MIN (chunk, m - c0), np = (cm + TC - 1) / TC;

      for (i = 0; i < nq; i += TR)
        {
          const float *q[LIGHTLY_PC_TILE_ROWS];
          float qt[LIGHTLY_PC_TILE_ROWS];
          gsize nr = MIN (TR, nq - i);

          for (r = 0; r < TR; r++)
            {
              q[r] = qrow[i + MIN (r, nr - 1)];
              qt[r] = qthr[i + MIN (r, nr - 1)];
            }
          /* Two panels a call: chunks hold an even number, and the last
           * chunk's may read the padding panel, past m. */
          for (p = 0; p < np; p += 2)
            {
              float out2[2 * LIGHTLY_PC_TILE_ROWS * LIGHTLY_PC_TILE_COLS];
              guint32 mask2[2 * LIGHTLY_PC_TILE_ROWS];

              t->tile (q, t->panels + (c0 + p * TC) * dim, dim, qt, t->tthr + c0 + p * TC, out2, mask2);
              for (h = 0; h < 2; h++)
                {
                  gsize j0 = c0 + (p + h) * TC;
                  const float *out = out2 + h * TR * TC;

                  for (r = 0; r < nr; r++)
                    {
                      guint32 mk = mask2[h * TR + r];

                      while (mk != 0)
                        {
                          gsize l = (gsize) __builtin_ctz (mk), j = j0 + l, bin;
                          double N, a, e, d2;

                          mk &= mk - 1;
                          if (j >= m)
                            break;
                          if (!t->hist_pass && t->labels[j] == lab[i + r])
                            continue;
                          N = qn[i + r] + t->norms[j];
                          a = N - 2.0 * (double) out[r * TC + l];
                          e = t->kappa * N + t->tau;
                          if (!t->hist_pass)
                            {
                              if (a - e >= R[i + r])
                                continue;
                              d2 = (qn[i + r] + t->norms[j])
                                   - 2.0 * pts->kern->dot (q[r], pts->matrix + (gsize) pts->rows[j] * dim, dim);
                              n_double++;
                              if (d2 < R[i + r])
                                {
                                  /* The next tiles filter with the new R. */
                                  R[i + r] = d2;
                                  qt[r] = qthr[i + r] = query_threshold (t, qn[i + r], d2);
                                }
                              continue;
                            }
                          bin = bin_of (a - e);
                          if (bin != bin_of (a + e))
                            {
                              d2 = (qn[i + r] + t->norms[j])
                                   - 2.0 * pts->kern->dot (q[r], pts->matrix + (gsize) pts->rows[j] * dim, dim);
                              n_double++;
                              bin = bin_of (d2);
                            }
                          hist[bin]++;
                        }
                    }
                }
            }
        }
    }
  if (!t->hist_pass)
    for (i = 0; i < nq; i++)
      t->r[lo + i] = R[i] > 0 ? sqrt (R[i]) : 0.0;
  t->n_double[b] += n_double;
}

/* The first bin the edge estimate does not read past: its upper edge is
 * ≥ δ (the same expression as the estimate's loop). */
static gsize
last_bin (double delta)
{
  gsize bin;

  for (bin = 0; bin < PC_BINS - 1; bin++)
    if ((bin + 1) * (2.0 / PC_BINS) >= delta)
      break;
  return bin;
}

/* Whether the fast passes' claim holds (the graph builder's). */
static gboolean
fast_init (FastTask *t)
{
  if (!lightly_probcover_claim (t->pts, t->norms, &t->kappa, &t->tau))
    return FALSE;
  t->tile = lightly_probcover_tile_for (t->pts->kern);
  return TRUE;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* δ from the sorted r: r[⌊(1 − purity)·S⌋]. Open balls: with δ = r[a] the
 * impure ones are those with r_s < δ, at most a of them. A single label
 * (r = ∞) makes every ball pure. */
static double
purity_value (double *r, gsize S)
{
  gsize a = (gsize) floor ((1.0 - LIGHTLY_PROBCOVER_PURITY) * (double) S);

  qsort (r, S, sizeof (double), cmp_double);
  a = MIN (a, S - 1);
  return isfinite (r[a]) ? r[a] : 2.0;
}

/* r and the histogram (summed over blocks into total); FALSE when
 * cancelled. */
static gboolean
sample_pass (const LightlyPoints *cand, const double *norms, const guint32 *labels,
             const guint32 *sample, gsize S, double *r, guint64 *total)
{
  gsize m = cand->n, b, bin, n_blocks, last;
  g_autofree guint64 *hist = NULL;
  g_autofree guint64 *n_double = NULL;
  g_autofree double *sorted = NULL;
  FastTask t = { 0 };
  gboolean ok = TRUE;

  t.pts = cand;
  t.norms = norms;
  if (use_exact_purity || !fast_init (&t))
    {
      RefTask rt = { cand, sample, S, norms, labels, r, NULL };

      n_blocks = (S + PC_BLOCK - 1) / PC_BLOCK;
      hist = rt.hist = g_new (guint64, n_blocks * PC_BINS);
      if (!lightly_points_parallel (cand, n_blocks, ref_block, &rt))
        return FALSE;
      for (b = 0; b < n_blocks; b++)
        for (bin = 0; bin < PC_BINS; bin++)
          total[bin] += hist[b * PC_BINS + bin];
      last_purity_stats[0] = (guint64) S * m;
      last_purity_stats[1] = (guint64) S * m;
      return TRUE;
    }

  n_blocks = (S + FP_ROWS - 1) / FP_ROWS;
  t.sample = sample;
  t.S = S;
  t.labels = labels;
  t.r = r;
  t.hist = hist = g_new (guint64, n_blocks * PC_BINS);
  t.n_double = n_double = g_new0 (guint64, n_blocks);
  {
    gsize np = lightly_probcover_n_panels (m), j;

    t.panels = g_new (float, np * LIGHTLY_PC_TILE_COLS * cand->dim);
    t.tthr = g_new (float, np * LIGHTLY_PC_TILE_COLS);
    for (j = 0; j < m; j++)
      t.tthr[j] = cand_threshold (&t, norms[j]);
    ok = lightly_probcover_pack_panels (cand, t.panels, t.tthr);
  }
  /* Pass 1: r. */
  ok = ok && lightly_points_parallel (cand, n_blocks, fast_block, &t);
  if (ok)
    {
      /* Pass 2: the bins up to last_bin (δ) only. */
      sorted = g_memdup2 (r, S * sizeof (double));
      last = last_bin (purity_value (sorted, S));
      if (last < PC_BINS - 1)
        {
          double e = (double) (last + 1) / (PC_BINS / 2);

          t.L = e * e;
        }
      else
        t.L = INFINITY;
      t.hist_pass = TRUE;
      ok = lightly_points_parallel (cand, n_blocks, fast_block, &t);
    }
  if (ok)
    {
      last_purity_stats[0] = (guint64) S * m;
      last_purity_stats[1] = 0;
      for (b = 0; b < n_blocks; b++)
        {
          for (bin = 0; bin < PC_BINS; bin++)
            total[bin] += hist[b * PC_BINS + bin];
          last_purity_stats[1] += n_double[b];
        }
    }
  g_free (t.panels);
  g_free (t.tthr);
  return ok;
}

gboolean
lightly_probcover_purity_delta (const LightlySelectionParams  *p,
                                const LightlyPoints           *cand,
                                const double                  *norms,
                                gsize                          max_edges,
                                LightlyExtProgress             progress,
                                gpointer                       progress_data,
                                double                        *delta,
                                GError                       **error)
{
  guint kp = p->pseudo_classes > 0 ? p->pseudo_classes : LIGHTLY_PROBCOVER_PSEUDO_CLASSES_DEFAULT;
  gsize m = cand->n, S = MIN (m, (gsize) LIGHTLY_PROBCOVER_PURITY_SAMPLE), s;
  g_autofree guint32 *labels = g_new (guint32, m);
  g_autofree float *centroids = NULL;
  g_autofree guint32 *sample = g_new (guint32, S);
  g_autofree double *r = g_new (double, S);
  g_autofree guint64 *total = g_new0 (guint64, PC_BINS);
  ProgressHalf ph = { progress, progress_data };
  double est, scale;
  guint bin;

  kp = (guint) MIN ((gsize) kp, m);
  centroids = g_new (float, (gsize) kp * cand->dim);
  if (lightly_kmeans (cand, kp, p->seed, labels, centroids, progress_half, &ph, error) == 0)
    return FALSE;
  for (s = 0; s < S; s++)
    sample[s] = (guint32) ((guint64) s * m / S);
  if (!sample_pass (cand, norms, labels, sample, S, r, total))
    return lightly_selection_set_cancelled (error);
  if (progress != NULL)
    progress (1.0, progress_data);

  *delta = purity_value (r, S);
  last_hist_n = last_bin (*delta) + 1;
  memcpy (last_hist, total, last_hist_n * sizeof (guint64));

  /* The sample's distance histogram estimates the graph's edges. */
  scale = (double) m / (double) S;
  est = 0;
  for (bin = 0; bin < PC_BINS; bin++)
    {
      double upper = (bin + 1) * (2.0 / PC_BINS);

      if (est + scale * (double) total[bin] > 0.9 * (double) max_edges)
        {
          double lower = bin * (2.0 / PC_BINS);

          if (lower < *delta)
            *delta = MAX (lower, 1e-6);
          break;
        }
      est += scale * (double) total[bin];
      if (upper >= *delta)
        break;
    }
  return TRUE;
}
