/* lightly-probcover-prune.c: which tiles of PROBCOVER's δ-graph hold no edge
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The blocked builder (lightly-probcover-graph.c) may skip a tile when it is
 * proven to hold no entry with d_D < δ². The candidates are grouped into K
 * cells: k-means on an evenly spaced sample gives K float centroids c_k, and
 * each candidate goes to the cell of its largest 2⟨x, c_k⟩_D − ‖c_k‖²_D (any
 * rule would do: only the proof below decides what is skipped). The builder
 * then runs on the candidates ordered by cell, so that a tile's rows and
 * targets each span few cells, and skips a tile when every pair of cells
 * (A, B) it spans is separated.
 *
 * Separation. For cells A ≠ B let w = c_A − c_B (real), and for x in A
 * let D_AB(x) = fl(⟨x, c_A⟩_D − ⟨x, c_B⟩_D), lo_AB = min over A of D_AB(x).
 * For x in A and y in B, by Cauchy–Schwarz
 *   ‖x − y‖·‖w‖ ≥ ⟨x − y, w⟩ = ⟨x, c_A − c_B⟩ + ⟨y, c_B − c_A⟩.
 * With n = dim, U = 2⁻⁵³, Γ = n·U/(1 − n·U) and η = 8(n + 4)·U (≥ 8(Γ + 2U)
 * for n < 2²⁰): the kernels' products are exact and their sums err by at
 * most Γ·Σ|x_d c_d| ≤ Γ‖x‖‖c‖, and the subtraction by U times the sum of
 * the magnitudes, so ⟨x, c_A − c_B⟩ ≥ D_AB(x) − (η/2)‖x‖(‖c_A‖ + ‖c_B‖).
 * With ρ_A ≥ max over A of ‖x‖ and C_k ≥ ‖c_k‖ (below), the real gap is
 *   ⟨x − y, w⟩ ≥ g = lo_AB + lo_BA − η·(ρ_A + ρ_B)(C_A + C_B).
 * W = fl(Σ fl(c_A,d − c_B,d)²) has ‖w‖² ≤ W(1 + η/2). So for g > 0,
 * ‖x − y‖² ≥ g²/(W(1 + η/2)). The double path's d_D differs from ‖x − y‖²
 * by at most (η/2)·(ρ_A² + ρ_B²) (the claim in lightly-probcover-graph.c:
 * ≤ (2(Γ + Γ²) + 2.01U)·N). So a pair is separated when
 *   g > 0 and g² ≥ W·(1 + η)·(δ² + η·(ρ_A² + ρ_B²)):
 * then d_D ≥ δ² for every x in A, y in B. Evaluating g rounds the sum
 * lo_AB + lo_BA, the error term and the difference: at most 3U·(|g| + the
 * error term), inside the half of the error term that the doubled η leaves
 * spare (g > 0); the test itself rounds five times, ≤ 5U relative, inside
 * the spare (1 + η)/(1 + η/2) ≥ 1 + 16U.
 * ρ_A = √(max ‖x‖²_D·(1 + η)) and C_k = √(‖c_k‖²_D·(1 + η)): the norms
 * from the kernels err by at most Γ relative, the √ by U.
 * Inputs outside the graph's claim (norms ≤ 2¹⁰⁰) never get here; with
 * norms that small no product of the above overflows.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-probcover-graph.h"

/* Cells: about √n, at most this many. */
#define PR_MAX_CELLS 256
/* Sample rows of the k-means per cell. */
#define PR_SAMPLE_PER_CELL 16
/* Rows per block of the assignment pass at least, and its blocks at most
 * (each keeps a K × K table: ≤ 16 MB in all). */
#define PR_BLOCK_MIN 4096
#define PR_MAX_BLOCKS 32

typedef struct {
  const LightlyPoints *pts;
  gsize block;                  /* rows per block */
  const double *norms;
  const float *cent;
  const double *cnorm;
  gsize K;
  guint32 *cell;                /* per candidate */
  double *lo;                   /* per block: K × K minima of D_AB, A = own cell */
  double *rho2;                 /* per block: K maxima of ‖x‖² */
} PruneTask;

static void
assign_block (gsize b, gpointer data)
{
  PruneTask *t = data;
  const LightlyPoints *pts = t->pts;
  gsize dim = pts->dim, dim8 = LIGHTLY_SELECTION_PAD8 (dim), K = t->K;
  gsize lo = b * t->block, hi = MIN (pts->n, lo + t->block), i, k;
  g_autofree double *q = g_new (double, dim8);
  g_autofree double *dots = g_new (double, K);
  g_autofree const float **rows = g_new (const float *, K);
  double *lt = t->lo + b * K * K, *r2 = t->rho2 + b * K;

  for (k = 0; k < K * K; k++)
    lt[k] = INFINITY;
  for (k = 0; k < K; k++)
    {
      r2[k] = 0;
      rows[k] = t->cent + k * dim;
    }
  for (i = lo; i < hi; i++)
    {
      guint32 best = 0;
      double bv = -INFINITY;

      lightly_to_double (q, pts->matrix + (gsize) pts->rows[i] * dim, dim, dim8);
      pts->kern->dot_qf (q, rows, K, dim, dots);
      for (k = 0; k < K; k++)
        {
          double v = 2.0 * dots[k] - t->cnorm[k];

          if (v > bv)
            {
              bv = v;
              best = (guint32) k;
            }
        }
      t->cell[i] = best;
      r2[best] = MAX (r2[best], t->norms[i]);
      for (k = 0; k < K; k++)
        {
          double dd = dots[best] - dots[k];

          if (dd < lt[best * K + k])
            lt[best * K + k] = dd;
        }
    }
}

void
lightly_pc_prune_clear (LightlyPcPrune *pr)
{
  g_free (pr->order);
  g_free (pr->cell);
  g_free (pr->sep);
  memset (pr, 0, sizeof *pr);
}

gboolean
lightly_pc_prune_init (const LightlyPoints *pts, const double *norms, double delta2,
                       LightlyPcPrune *pr)
{
  gsize n = pts->n, dim = pts->dim, K, S, s, i, b, A, B, n_blocks;
  double nd = (double) dim, eta = 8 * (nd + 4) * 0x1p-53;
  g_autofree guint32 *srows = NULL;
  g_autofree guint32 *sassign = NULL;
  g_autofree float *cent = NULL;
  g_autofree double *cnorm = NULL;
  g_autofree double *C = NULL;
  g_autofree double *rho = NULL;
  g_autofree guint32 *cell = NULL;
  g_autofree guint32 *count = NULL;
  LightlyPoints sp = *pts, cp = *pts;
  PruneTask t = { 0 };
  guint64 n_sep = 0;

  memset (pr, 0, sizeof *pr);
  K = (gsize) sqrt ((double) n);
  K = MIN (K, (gsize) PR_MAX_CELLS);
  if (K < 2 || dim == 0)
    return FALSE;
  S = MIN (n, K * PR_SAMPLE_PER_CELL);
  srows = g_new (guint32, S);
  sassign = g_new (guint32, S);
  for (s = 0; s < S; s++)
    srows[s] = pts->rows[(guint64) s * n / S];
  sp.rows = srows;
  sp.n = S;
  cent = g_new (float, K * dim);
  K = lightly_kmeans (&sp, (guint) K, 0x70c0, sassign, cent, NULL, NULL, NULL);
  if (K < 2)
    return FALSE;

  /* The centroids' norms by the kernels. */
  {
    g_autofree guint32 *crows = g_new (guint32, K);

    for (i = 0; i < K; i++)
      crows[i] = (guint32) i;
    cp.matrix = cent;
    cp.rows = crows;
    cp.n = K;
    cnorm = lightly_points_norms (&cp);
  }

  t.block = MAX ((gsize) PR_BLOCK_MIN, (n + PR_MAX_BLOCKS - 1) / PR_MAX_BLOCKS);
  n_blocks = (n + t.block - 1) / t.block;
  cell = g_new (guint32, n);
  t.pts = pts;
  t.norms = norms;
  t.cent = cent;
  t.cnorm = cnorm;
  t.K = K;
  t.cell = cell;
  t.lo = g_new (double, n_blocks * K * K);
  t.rho2 = g_new (double, n_blocks * K);
  if (!lightly_points_parallel (pts, n_blocks, assign_block, &t))
    {
      g_free (t.lo);
      g_free (t.rho2);
      return FALSE;
    }
  for (b = 1; b < n_blocks; b++)
    {
      for (i = 0; i < K * K; i++)
        t.lo[i] = MIN (t.lo[i], t.lo[b * K * K + i]);
      for (i = 0; i < K; i++)
        t.rho2[i] = MAX (t.rho2[i], t.rho2[b * K + i]);
    }

  C = g_new (double, K);
  rho = g_new (double, K);
  for (A = 0; A < K; A++)
    {
      C[A] = sqrt (cnorm[A] * (1 + eta));
      rho[A] = sqrt (t.rho2[A] * (1 + eta));
    }
  pr->K = K;
  pr->sep = g_new0 (guint8, K * K);
  for (A = 0; A < K; A++)
    for (B = A + 1; B < K; B++)
      {
        double g, W = 0;
        gsize d;

        /* An empty cell has lo = ∞: nothing to separate, and no tile spans
         * it; leave it unseparated. */
        if (!isfinite (t.lo[A * K + B]) || !isfinite (t.lo[B * K + A]))
          continue;
        g = (t.lo[A * K + B] + t.lo[B * K + A]) - eta * (rho[A] + rho[B]) * (C[A] + C[B]);
        if (!(g > 0))
          continue;
        for (d = 0; d < dim; d++)
          {
            double w = (double) cent[A * dim + d] - (double) cent[B * dim + d];

            W += w * w;
          }
        if (g * g >= W * (1 + eta) * (delta2 + eta * (t.rho2[A] + t.rho2[B]) * (1 + eta)))
          {
            pr->sep[A * K + B] = pr->sep[B * K + A] = 1;
            n_sep++;
          }
      }
  g_free (t.lo);
  g_free (t.rho2);
  if (n_sep == 0)
    {
      lightly_pc_prune_clear (pr);
      return FALSE;
    }

  /* Candidates ordered by cell (stable). */
  count = g_new0 (guint32, K + 1);
  for (i = 0; i < n; i++)
    count[cell[i] + 1]++;
  for (A = 0; A < K; A++)
    count[A + 1] += count[A];
  pr->order = g_new (guint32, n);
  pr->cell = g_new (guint32, n);
  for (i = 0; i < n; i++)
    {
      guint32 at = count[cell[i]]++;

      pr->order[at] = (guint32) i;
      pr->cell[at] = cell[i];
    }
  return TRUE;
}
