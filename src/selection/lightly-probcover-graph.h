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

static inline const guint32 *
lightly_probcover_graph_neighbours (const LightlyProbcoverGraph *g, gsize i, guint32 *n)
{
  *n = g->deg[i];
  return &g_array_index (g->adj[i / g->block], guint32, g->start[i]);
}

/* Tests and benchmarks: the builder lightly_probcover_run() uses (0 blocked,
 * the default; 1 exact), and the counts of its last graph. */
void lightly_probcover_set_exact_graph (gboolean exact);
void lightly_probcover_last_graph_stats (guint64 *n_edges, guint64 *n_checked, guint64 *n_double);

G_END_DECLS
