/* lightly-probcover-graph.h: PROBCOVER's δ-graph (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The ball of candidate position i holds i itself and every position j with
 * (‖x_i‖²_D + ‖x_j‖²_D) − 2⟨x_i, x_j⟩_D < δ² in the double arithmetic of the
 * kernels (lightly-selection-kernels.h), norms from lightly_points_norms().
 * Two builders give that same graph: the exact one computes every entry in
 * double; the blocked one (the default) computes float32 tiles and redoes in
 * double only the entries its error bound cannot decide (the proof is in
 * lightly-probcover-graph.c).
 */
#pragma once

#include "lightly-selection-private.h"
#include "lightly-probcover-tile.h"

G_BEGIN_DECLS

typedef struct {
  gsize n;                      /* candidates */
  gsize block;                  /* rows per adjacency array */
  gsize n_blocks;
  GArray **adj;                 /* per block: neighbour positions, increasing per row */
  guint32 *start;               /* per candidate: offset in its block's array */
  guint32 *deg;                 /* per candidate: ball size */
  gsize n_edges;
  guint64 n_double;             /* entries the blocked builder redid in double */
  guint64 n_checked;            /* entries past its float32 filter */
  guint64 n_skipped;            /* 6 × 32 tiles the pruning proved empty */
} LightlyProbcoverGraph;

/* Called on the calling thread between slices, fraction in [0, 1]. */
typedef void (*LightlyProbcoverGraphProgress) (double fraction, gpointer data);

/* Builds g (cleared first by the caller with memset 0). FALSE with error on
 * cancel, or when the graph would hold more than max_edges edges. exact:
 * every entry in double (the reference). */
gboolean lightly_probcover_graph_build (const LightlyPoints            *pts,
                                        const double                   *norms,
                                        double                          delta,
                                        gsize                           max_edges,
                                        gboolean                        exact,
                                        LightlyProbcoverGraphProgress   progress,
                                        gpointer                        progress_data,
                                        LightlyProbcoverGraph          *g,
                                        GError                        **error);

void lightly_probcover_graph_clear (LightlyProbcoverGraph *g);

/* Pruning (lightly-probcover-prune.c): the candidates in cells, ordered by
 * cell, and which pairs of cells are proven to hold no edge. */
typedef struct {
  gsize K;                      /* cells */
  guint32 *order;               /* n positions, ordered by cell */
  guint32 *cell;                /* per ordered position: its cell (nondecreasing) */
  guint8 *sep;                  /* K × K: 1 when no pair across the two cells is an edge */
} LightlyPcPrune;

/* FALSE (and nothing to clear) when no pair of cells is separated. */
gboolean lightly_pc_prune_init (const LightlyPoints *pts, const double *norms, double delta2,
                                LightlyPcPrune *pr);
void lightly_pc_prune_clear (LightlyPcPrune *pr);

/* The float32 double tile for a kernel path (lightly-probcover-tile.h),
 * and the panels to pack n targets into (even: the tile reads two). */
LightlyPcTile2Func lightly_probcover_tile_for (const LightlySelectionKernels *kern);

/* Whether the float32 tiles' error claim (lightly-probcover-graph.c) holds
 * for pts and its norms (dim in [1, 2²⁰), every norm finite and ≤ 2¹⁰⁰),
 * and then its constants κ and τ for pts->dim. The graph builder and the
 * purity rule's fast pass rest on the same claim. */
gboolean lightly_probcover_claim (const LightlyPoints *pts, const double *norms,
                                  double *kappa, double *tau);
gsize lightly_probcover_n_panels (gsize n);

/* Packs the targets pts->rows[0 … n) into panels, n_panels(n) of them
 * (16·dim floats each, dimension-major: element d of target 16p + l at
 * panels[p·16·dim + d·16 + l]), zeros past n, and sets thr[j] to +∞ for
 * n ≤ j < 16·n_panels(n) so that padding is never above; thr[0 … n) are
 * the caller's thresholds, left as they are. The graph builder and the
 * purity rule share the layout. In parallel; FALSE when cancelled. */
gboolean lightly_probcover_pack_panels (const LightlyPoints *pts, float *panels, float *thr);

/* δ by the purity rule, shrunk to fit max_edges (lightly-probcover.c, step
 * 1; lightly-probcover-purity.c). progress gets the fraction of this step
 * done. FALSE with error when cancelled. */
gboolean lightly_probcover_purity_delta (const LightlySelectionParams  *p,
                                         const LightlyPoints           *cand,
                                         const double                  *norms,
                                         gsize                          max_edges,
                                         LightlyExtProgress             progress,
                                         gpointer                       progress_data,
                                         double                        *delta,
                                         GError                       **error);

static inline const guint32 *
lightly_probcover_graph_neighbours (const LightlyProbcoverGraph *g, gsize i, guint32 *n)
{
  *n = g->deg[i];
  return &g_array_index (g->adj[i / g->block], guint32, g->start[i]);
}

/* Tests and benchmarks: the builder lightly_probcover_run() uses (0 blocked,
 * the default; 1 exact), and the counts of its last graph. */
void lightly_probcover_set_exact_graph (gboolean exact);
/* The blocked builder's pruning: −1 (default) above a size, 0 off, 1 always
 * (tests). */
void lightly_probcover_set_graph_pruning (int mode);
void lightly_probcover_last_graph_stats (guint64 *n_edges, guint64 *n_checked, guint64 *n_double);
/* The purity rule's sample pass: all-double (TRUE, the reference) or
 * float32 tiles (FALSE, the default); and the entries of its last run
 * (sample rows × candidates) and how many of them were computed in double. */
void lightly_probcover_set_exact_purity (gboolean exact);
void lightly_probcover_last_purity_stats (guint64 *n_entries, guint64 *n_double);
/* The histogram counts of the last purity rule that its edge estimate reads
 * (bins 0 … n_bins − 1, up to the bin of δ before any shrink). */
const guint64 *lightly_probcover_last_purity_hist (gsize *n_bins);

G_END_DECLS
