/* lightly-selection-ext.h: the lightly-glib extension methods (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TYPICLUST and PROBCOVER, the cold-start methods, live beside the engine
 * of lightly-selection.c and share its arithmetic: squared distances
 * `max(0, ‖a‖² + ‖b‖² − 2⟨a,b⟩)` from the kernels of
 * lightly-selection-kernels.h (bit-identical on every SIMD path), ties
 * within LIGHTLY_SELECTION_TIE_EPSILON to the smallest row index.
 *
 * Determinism: work is cut into blocks whose size depends only on the
 * input, never on the thread count; each block writes only its own
 * outputs, and every sum across blocks is formed by the calling thread in
 * block order. So a seed gives the same picks for any number of threads.
 *
 * Memory: nothing is quadratic in the number of candidates. k-means keeps
 * the assignment and K centroids; typicality keeps 20 distances per member
 * of one cluster; PROBCOVER keeps its δ-graph sparse (CSR), capped at
 * LIGHTLY_PROBCOVER_MAX_EDGES_DEFAULT edges, and builds it from distance
 * tiles of bounded size.
 */
#pragma once

#include <glib.h>
#include "lightly-selection.h"
#include "lightly-selection-kernels.h"

G_BEGIN_DECLS

/* TYPICLUST: clusters at most (K = |P| + k, capped here). */
#define LIGHTLY_TYPICLUST_MAX_CLUSTERS_DEFAULT 500
/* TYPICLUST: neighbours of the typicality (Hacohen et al.: 20). */
#define LIGHTLY_TYPICLUST_NEIGHBOURS 20
/* TYPICLUST: clusters smaller than this are used only when no larger one
 * has candidates left (the paper's reference code drops them). */
#define LIGHTLY_TYPICLUST_MIN_CLUSTER 5
/* TYPICLUST: a cluster's typicality is computed over at most this many of
 * its members (evenly spaced), so a huge cluster costs bounded time. */
#define LIGHTLY_TYPICLUST_MAX_MEMBERS 10000
/* PROBCOVER: pseudo-classes of the purity rule when not set. */
#define LIGHTLY_PROBCOVER_PSEUDO_CLASSES_DEFAULT 10
/* PROBCOVER: the share of pure balls the purity rule asks for. */
#define LIGHTLY_PROBCOVER_PURITY 0.95
/* PROBCOVER: candidates whose balls estimate the purity and the graph size. */
#define LIGHTLY_PROBCOVER_PURITY_SAMPLE 2000
/* PROBCOVER: the δ-graph holds at most this many edges (4 bytes each). */
#define LIGHTLY_PROBCOVER_MAX_EDGES_DEFAULT ((gsize) 1 << 26)
/* k-means: Lloyd iterations at most. */
#define LIGHTLY_KMEANS_MAX_ITER 30

/* A set of rows of the matrix and what is needed to run passes over them. */
typedef struct {
  const float *matrix;
  gsize dim;
  const guint32 *rows;          /* n row indices */
  gsize n;
  const LightlySelectionKernels *kern;
  guint n_threads;
  const gint *cancel;           /* nullable */
} LightlyPoints;

/* Runs fn (block, data) for every block < n_blocks on the calling thread and
 * up to n_threads − 1 others. Returns FALSE if cancel was raised (then some
 * blocks may not have run). */
typedef void (*LightlyBlockFunc) (gsize block, gpointer data);
gboolean lightly_ext_parallel (const LightlyPoints *pts,
                               gsize                n_blocks,
                               LightlyBlockFunc     fn,
                               gpointer             data);

gboolean lightly_ext_cancelled (const LightlyPoints *pts);

/* xoshiro256** seeded through splitmix64, as the engine's RANDOM. */
typedef struct {
  guint64 s[4];
} LightlyRng;

void    lightly_rng_init  (LightlyRng *rng, guint64 seed);
guint64 lightly_rng_below (LightlyRng *rng, guint64 n);
double  lightly_rng_unit  (LightlyRng *rng);

/* ‖row‖² of each point, by the kernels' dot. */
double *lightly_ext_norms (const LightlyPoints *pts);

/* Candidate and preselected index lists: in range, ascending, unique.
 * Defined in lightly-selection.c; every method validates with it. */
gboolean lightly_selection_check_indices (const char     *what,
                                          const guint32  *idx,
                                          gsize           n,
                                          gsize           n_rows,
                                          GError        **error);

/* k-means over pts: k-means++ seeding from @seed, then Lloyd iterations
 * (at most LIGHTLY_KMEANS_MAX_ITER, or until no assignment changes).
 * Centroids are float rows (k × dim) so that their dot products with the
 * rows are exact products summed in the canonical order. Returns the
 * number of clusters (less than @k only when the points have fewer distinct
 * rows), or 0 with @error set when cancelled. @assign gets n cluster
 * numbers, @centroids k × dim floats. @progress gets the fraction done. */
typedef void (*LightlyExtProgress) (double fraction, gpointer data);
guint lightly_kmeans (const LightlyPoints  *pts,
                      guint                 k,
                      guint64               seed,
                      guint32              *assign,
                      float                *centroids,
                      LightlyExtProgress    progress,
                      gpointer              progress_data,
                      GError              **error);

/* The cluster of each of the @n_rows rows (nearest centroid, ties to the
 * smallest cluster number). */
void lightly_kmeans_assign (const LightlyPoints *pts,
                            const float         *centroids,
                            guint                k,
                            guint32             *assign);

/* TYPICLUST and PROBCOVER (and AUTO's error): called by
 * lightly_selection_run() for the methods it does not know. */
GArray *lightly_selection_run_ext (const LightlySelectionParams  *params,
                                   GError                       **error);

GArray *lightly_typiclust_run (const LightlySelectionParams  *params,
                               const LightlyPoints           *cand,
                               gsize                          k,
                               GError                       **error);

GArray *lightly_probcover_run (const LightlySelectionParams  *params,
                               const LightlyPoints           *cand,
                               gsize                          k,
                               GError                       **error);

/* Tests: the δ of the last PROBCOVER run and the clusters of the last
 * TYPICLUST run in this process. */
double lightly_probcover_last_delta (void);
guint  lightly_typiclust_last_clusters (void);

G_END_DECLS
