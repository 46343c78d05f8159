/* lightly-selection-private.h: what the engine's methods share (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lightly_selection_run() (lightly-selection.c) validates the params and
 * hands them to one method file: lightly-selection-random.c,
 * lightly-selection-coreset.c (CORESET, CORAL), lightly-selection-active-
 * learning.c, lightly-typiclust.c, lightly-probcover.c, lightly-selection-
 * badge.c (and lightly-selection-balance.c around any of them). Those include this
 * header and nothing of each other; what they share is defined in
 * lightly-selection-common.c (passes, generator, checks), lightly-selection-
 * simd.c (the kernel path) and lightly-selection-kmeans.c.
 *
 * Arithmetic: squared distances `max(0, ‖a‖² + ‖b‖² − 2⟨a,b⟩)` from the
 * kernels of lightly-selection-kernels.h (bit-identical on every SIMD path),
 * ties within LIGHTLY_SELECTION_TIE_EPSILON to the smallest row index.
 * Shortcuts never change a value: CORESET/CORAL compute in float32 and redo
 * in double what an error bound cannot decide (the proof above fast_init() in
 * lightly-selection-coreset.c), k-means skips points whose Hamerly bounds,
 * widened by the same error bound, prove their cluster (16 bytes per point).
 *
 * Determinism: work is cut into blocks whose size depends only on the
 * input, never on the thread count; each block writes only its own
 * outputs, and every sum across blocks is formed by the calling thread in
 * block order. So a seed gives the same picks for any number of threads.
 *
 * Memory (TYPICLUST, PROBCOVER): nothing is quadratic in the number of
 * candidates. k-means keeps the assignment and K centroids; typicality keeps
 * 20 distances per member of one cluster; PROBCOVER keeps its δ-graph
 * sparse (CSR), capped at LIGHTLY_PROBCOVER_MAX_EDGES_DEFAULT edges, and
 * builds it from distance tiles of bounded size.
 */
#pragma once

#include <math.h>
#include <glib.h>
#include "lightly-selection.h"
#include "lightly-selection-kernels.h"
#include "lightly-selection-bf16.h"

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
/* TYPICLUST: above this many candidates, the clusters are made over a
 * seeded sample of max(LIGHTLY_TYPICLUST_SAMPLE_MIN,
 * LIGHTLY_TYPICLUST_SAMPLE_PER_CLUSTER · K) of them, and the picks come
 * from that sample (AUTO's low-budget step on 1M rows, issue 13). */
#define LIGHTLY_TYPICLUST_SAMPLE_ABOVE 20000
#define LIGHTLY_TYPICLUST_SAMPLE_MIN 10000
#define LIGHTLY_TYPICLUST_SAMPLE_PER_CLUSTER 40
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

/* ---------------------------------------------------------------------- */
/* Arithmetic                                                             */

static inline double
lightly_sqdist (double na, double nb, double dot)
{
  double d2 = (na + nb) - 2.0 * dot;

  return d2 > 0 ? d2 : 0.0;
}

/* The float32 tiles' bound (dotf_tile() and tile_bounds()): with
 * E = kappa·S + abs_err, lo ≤ lightly_sqdist (the double kernels' dot)
 * ≤ hi for each entry tile_bounds() computes. Proved above
 * seed_range_fast() in lightly-selection-coreset-seed.c: kappa = 4γ,
 * γ = γ_{dim+8} with u = 2⁻²⁴, and abs_err = dim·2⁻¹⁴⁶. */
static inline void
lightly_tile_bound (gsize dim, double *kappa, double *abs_err)
{
  double k = ((double) dim + 8) * 0x1p-24;

  *kappa = 4 * k / (1 - k);
  *abs_err = (double) dim * 0x1p-146;
}

/* A float row as the double query of dot_qf: converted, zero-padded to dim8. */
static inline void
lightly_to_double (double *dst, const float *src, gsize dim, gsize dim8)
{
  gsize i;

  for (i = 0; i < dim; i++)
    dst[i] = src[i];
  for (; i < dim8; i++)
    dst[i] = 0.0;
}

/* The float32 fast path's error bound: a lower bound of the double path's
 * d² = max(0, (‖c‖² + ‖q‖²) − 2⟨c,q⟩) from the float32 f = d2f() of the same
 * pair. The proof is in lightly-selection-coreset.c, above fast_init(). */
typedef struct {
  double a0, up, down, gd;
} LightlyFastBound;

/* FALSE when the bound does not apply (dim 0, or 2²⁰ or more: γ ≥ 1/16). */
static inline gboolean
lightly_fast_bound_init (LightlyFastBound *b, gsize dim)
{
  double n = (double) dim, g = (n + 2) * 0x1p-24 / (1 - (n + 2) * 0x1p-24);
  double gd = (n + 1) * 0x1p-53 / (1 - (n + 1) * 0x1p-53);

  b->a0 = n * 0x1p-149;
  b->up = 1 + 4 * g;            /* ≥ 1/(1 − γ) */
  b->down = 1 - 4 * g;          /* ≤ 1/(1 + γ) */
  b->gd = 2 * gd;
  return dim > 0 && dim < ((gsize) 1 << 20);
}

/* Per query: 2·√‖q‖² with slack, ‖q‖² from the double kernels. */
static inline double
lightly_fast_qterm (const LightlyFastBound *b, double qnorm)
{
  return 2 * sqrt (qnorm * (1 + 2 * b->gd));
}

/* The lower bound, or −1 if f is not finite (overflow: decide in double). */
static inline double
lightly_fast_lower (const LightlyFastBound *b, double qterm, float f)
{
  double fd = f, hi, lo, s;

  if (!isfinite (fd))
    return -1.0;
  hi = (fd + b->a0) * b->up;
  lo = (fd - b->a0) * b->down;
  s = qterm + sqrt (hi);
  return lo - b->gd * s * s;
}

/* The same bound, linear in f: lightly_fast_lower (b, qterm, f) ≥ α·f − β
 * for every finite f ≥ 0, as (x + y)² ≤ 2x² + 2y² turns the square of the
 * bound into 2·qterm² + 2·(f + a₀)·up. Per row it costs one multiply-add
 * and no square root, so the update passes test it first. Its own
 * evaluation rounds three times (≤ 2⁻⁵³ each), which the slack of the
 * doubled factors covers as in the proof above fast_init(): α ≤ down, and
 * down − 1/(1 + γ) ≥ 3γ ≫ 2⁻⁵¹. */
static inline void
lightly_fast_linear (const LightlyFastBound *b, double qterm, double *alpha, double *beta)
{
  *alpha = b->down - 2 * b->gd * b->up;
  *beta = b->a0 * (b->down + 2 * b->gd * b->up) + 2 * b->gd * qterm * qterm;
}

/* An upper bound of the double path's d² from f, linear too: d_D ≤ α·f + β.
 * By (1) and (2) of the proof above fast_init(), d ≤ (f + a₀)/(1 − γ) ≤
 * (f + a₀)·up and d_D ≤ d + Γ·(2‖q‖ + √d)² ≤ d·(1 + 2Γ) + 2Γ·(2‖q‖)²; the
 * doubled factors (up = 1 + 4γ against 1/(1 − γ) ≤ 1 + 2γ, gd = 2Γ) leave
 * slack for the three roundings of α·f + β. f must be finite. */
static inline void
lightly_fast_upper_linear (const LightlyFastBound *b, double qterm, double *alpha,
                           double *beta)
{
  *alpha = b->up * (1 + 2 * b->gd);
  *beta = b->a0 * b->up * (1 + 2 * b->gd) + 2 * b->gd * qterm * qterm;
}

/* The kernels of lightly_selection_simd_current() (lightly-selection-simd.c). */
const LightlySelectionKernels *lightly_selection_kernels_current (void);
/* The bfloat16 tiles of the first pass over P, or NULL (lightly-selection-simd.c). */
const LightlySelectionBf16Kernels *lightly_selection_bf16_kernels (void);

/* ---------------------------------------------------------------------- */
/* Params, checks, cancellation, progress (lightly-selection-common.c)    */

/* p->n_threads, else LIGHTLY_THREADS, else the processors; at most 256. */
guint    lightly_selection_thread_count (const LightlySelectionParams *p);

/* Sets LIGHTLY_SELECTION_ERROR_CANCELLED; returns FALSE. */
gboolean lightly_selection_set_cancelled (GError **error);
/* Appends why @row was picked to p->why, when the caller asked for it. */
void     lightly_selection_explain (const LightlySelectionParams *p,
                                    guint32                       row,
                                    double                        utility,
                                    gint32                        cluster);

/* Whether the caller raised p->cancel. */
gboolean lightly_selection_cancel_raised (const LightlySelectionParams *p);

/* p->progress (done, total), if set. */
void     lightly_selection_report (const LightlySelectionParams *p,
                                   gsize                         done,
                                   gsize                         total);

/* One index list: in range, ascending, unique. */
gboolean lightly_selection_check_indices (const char     *what,
                                          const guint32  *idx,
                                          gsize           n,
                                          gsize           n_rows,
                                          GError        **error);

/* The row count fits 32-bit indices, C and P pass
 * lightly_selection_check_indices() and are disjoint. Every method needs it. */
gboolean lightly_selection_check_sets (const LightlySelectionParams  *p,
                                       GError                       **error);

/* ---------------------------------------------------------------------- */
/* Generator: xoshiro256** seeded through splitmix64 (RANDOM, k-means++,  */
/* PROBCOVER's last picks)                                                */

typedef struct {
  guint64 s[4];
} LightlyRng;

void    lightly_rng_init  (LightlyRng *rng, guint64 seed);
/* Uniform in [0, n), n > 0, without modulo bias. */
guint64 lightly_rng_below (LightlyRng *rng, guint64 n);
/* Uniform in [0, 1) with 53 random bits. */
double  lightly_rng_unit  (LightlyRng *rng);

/* ---------------------------------------------------------------------- */
/* Passes over a set of rows (TYPICLUST, PROBCOVER, k-means): threads     */
/* started per pass, which is cheap next to their passes                  */

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

/* The candidates of @p as points, on the current kernels. */
void lightly_points_for_candidates (const LightlySelectionParams *p,
                                    LightlyPoints                *out);

/* Runs fn (block, data) for every block < n_blocks on the calling thread and
 * up to n_threads − 1 others. Returns FALSE if cancel was raised (then some
 * blocks may not have run). */
typedef void (*LightlyBlockFunc) (gsize block, gpointer data);
gboolean lightly_points_parallel (const LightlyPoints *pts,
                                  gsize                n_blocks,
                                  LightlyBlockFunc     fn,
                                  gpointer             data);

gboolean lightly_points_cancelled (const LightlyPoints *pts);

/* ‖row‖² of each point, by the kernels' dot. */
double *lightly_points_norms (const LightlyPoints *pts);

/* ---------------------------------------------------------------------- */
/* A pool of workers that live through a whole run (CORESET, CORAL: one   */
/* pass per pick, too many to start threads for each)                     */

typedef struct _LightlyPool LightlyPool;
/* ctx is the pool's context, data the pass's. */
typedef void (*LightlyPoolFunc) (gpointer ctx, gsize block, gpointer data);

/* n_threads − 1 workers (fewer if threads cannot be made: that only costs
 * time, as the partition into blocks is fixed). */
LightlyPool *lightly_pool_new       (guint        n_threads,
                                     const gint  *cancel,
                                     gpointer     ctx);
/* Runs fn over blocks 0 … n_blocks − 1 on the calling thread and the
 * workers; returns FALSE if cancelled. */
gboolean     lightly_pool_run       (LightlyPool     *pool,
                                     LightlyPoolFunc  fn,
                                     gpointer         data,
                                     gsize            n_blocks);
/* Sticky: once the cancel flag was seen, every later call says so. */
gboolean     lightly_pool_cancelled (LightlyPool *pool);
guint        lightly_pool_n_workers (LightlyPool *pool);
void         lightly_pool_free      (LightlyPool *pool);

/* ---------------------------------------------------------------------- */
/* k-means (lightly-selection-kmeans.c)                                   */

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

/* ---------------------------------------------------------------------- */
/* The methods: each appends at most k picks (k ≤ |C|) to @out, on params */
/* that passed validation. FALSE with @error set on failure.              */

gboolean lightly_random_run          (const LightlySelectionParams  *p,
                                      gsize                          k,
                                      GArray                        *out,
                                      GError                       **error);
/* CORESET and CORAL. */
gboolean lightly_coreset_run         (const LightlySelectionParams  *p,
                                      gsize                          k,
                                      GArray                        *out,
                                      GError                       **error);
gboolean lightly_active_learning_run (const LightlySelectionParams  *p,
                                      gsize                          k,
                                      GArray                        *out,
                                      GError                       **error);
gboolean lightly_typiclust_run       (const LightlySelectionParams  *p,
                                      gsize                          k,
                                      GArray                        *out,
                                      GError                       **error);
gboolean lightly_probcover_run       (const LightlySelectionParams  *p,
                                      gsize                          k,
                                      GArray                        *out,
                                      GError                       **error);

gboolean lightly_badge_run           (const LightlySelectionParams  *p,
                                      gsize                          k,
                                      GArray                        *out,
                                      GError                       **error);

/* Class balance over any method's ranking (lightly-selection-balance.c):
 * @run ranks with the params of @p, then the quotas choose k of them. */
typedef gboolean (*LightlySelectionRunFunc) (const LightlySelectionParams  *p,
                                             gsize                          k,
                                             GArray                        *out,
                                             GError                       **error);
gboolean lightly_selection_balance_run (const LightlySelectionParams  *p,
                                        LightlySelectionRunFunc        run,
                                        gsize                          k,
                                        GArray                        *out,
                                        GError                       **error);
/* The predicted class of @row: argmax of its probabilities, ties to the
 * smallest class. */
guint    lightly_selection_predicted_class (const LightlySelectionParams *p,
                                            guint32                       row);

/* Tests: the δ of the last PROBCOVER run and the clusters of the last
 * TYPICLUST run in this process. */
double lightly_probcover_last_delta (void);
guint  lightly_typiclust_last_clusters (void);

G_END_DECLS
