/* lightly-selection-coreset-private.h: what the CORESET/CORAL files share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lightly-selection-coreset.c (the greedy loop and its update passes) and
 * lightly-selection-coreset-seed.c (the first pass over P) work on one Run.
 */
#pragma once

#include "lightly-selection-private.h"
#include "lightly-selection-half.h"

G_BEGIN_DECLS

#define EPS LIGHTLY_SELECTION_TIE_EPSILON

/* At most this many rows of P per tile while seeding the distances (32 KiB
 * of float rows: 64 rows of dim 128); one tile is also short enough to check
 * the cancel flag between tiles. */
#define P_TILE 64
/* Rows per chunk of the mean; fixed, so the sum is the same for any thread count. */
#define MEAN_CHUNK 8192

/* Rows handed to the kernel at once. */
#define UPDATE_BATCH 64

typedef struct _Run Run;

/* Speculative picks (lightly-selection-coreset-spec.c): at most this many
 * guessed picks ride on one update pass (tests reach it; the automatic
 * depth is lower). */
#define SPEC_MAX 8

/* One guessed pick: the candidate, its row, and what a pass needs of it. */
typedef struct {
  gsize pos;                    /* candidate position */
  const float *qf;              /* its row */
  const double *qd;             /* … converted and padded */
  double qnorm;
  double alpha, beta;           /* lightly_fast_linear() */
  gint32 tag;                   /* its anchor id, −1: none */
} SpecGuess;

struct _Run
{
  const LightlySelectionParams *p;
  const LightlySelectionKernels *kern;
  gsize prefetch_ahead;         /* kern's, unless a benchmark sets it */
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
   * rows of P (when the seeding was pruned or started from carried
   * coverage), n_panchor + t is pick t. */
  gsize n_panchor;
  /* Carried coverage (LightlySelectionCarry), or NULL: then mind2 and
   * anchor are its arrays, and n_applied counts the picks whose update
   * pass ran. */
  LightlySelectionCarry *carry;
  gsize n_applied;
  guint32 *arow;                /* row index per anchor */
  double *anorm;                /* ‖row‖² per anchor */

  /* Work counters (benchmarks), summed per block with atomics. */
  gint64 n_computed;            /* candidate–centre distances evaluated */
  gint64 n_skipped;             /* … proven unnecessary by the triangle inequality */
  gint64 rows_read;             /* candidate rows read from the matrix */
  gint64 n_overhead;            /* anchor–anchor distances for the pruning */
  gint64 n_fast;                /* update distances computed in float32 */
  gint64 n_exact;               /* … of which the bound left undecided: redone in double */
  gint64 n_half;                /* update distances computed from the half copy */
  gint64 n_half_exact;          /* … of which needed the float32 row (redone in double) */
  gint64 n_bf16;                /* first-pass distances from bfloat16 tiles */
  gint64 n_bf16_exact;          /* … of which the bound left undecided: redone in double */
  gsize p_bytes;                /* the first pass's buffers sized by P, not by C (stats) */

  /* Adaptive pruning (lightly_coreset_prune_next()): whether the next
   * pick is pruned, the pick of the next probe while it is not, the gap
   * between probes, and the picks pruned and mode changes (tests). */
  gboolean prune_on;
  gsize probe_at;
  gsize probe_gap;
  gint64 n_pruned;
  gint64 n_switches;

  /* The float32 fast path of the updates (see fast_lower()); off: every
   * update distance in double. */
  gboolean fast;
  LightlyFastBound fb;
  /* The half-precision copy (p->matrix_half), used by the fast path's
   * updates when set: its d² kernel, and the unit roundoff u_h and the
   * largest subnormal rounding error σ_h of its format (see the proof in
   * lightly-selection-coreset-update.c). */
  const guint16 *half;
  void (*half_d2) (const float *q, const uint16_t *const *rows, size_t n, size_t dim,
                   float *out);
  double half_u, half_sigma;

  gsize block_rows;
  gsize n_blocks;
  double *bmax2;                /* per block: max d² of its unpicked rows, −1 if none */
  double *bmaxu;                /* per block (CORAL): max √d²·w */
  guint32 *bmax_at;             /* per block: the offset of a row that holds bmax2 */
  guint32 *bmaxu_at;            /* … (CORAL) bmaxu */

  /* Speculative picks (see lightly-selection-coreset-spec.c): levels per
   * pass at most (0: off), the room of the lists, and per level and block
   * the rows a guess lowers (offset in the block, new d²) and their count;
   * a level whose list overflowed anywhere is lost with the levels after
   * it. spec_levels of the last pass are still valid from spec_next on. */
  gsize spec_depth;
  gsize spec_room;              /* entries per block, for all levels */
  gsize spec_now;               /* levels the next guess may use */
  gsize spec_cap;               /* entries per block and level, this pass */
  guint16 *spec_off;
  double *spec_val;
  guint32 *spec_n;
  gint spec_full[SPEC_MAX];
  SpecGuess spec_q[SPEC_MAX];
  double *spec_qd;
  gsize spec_levels;
  gsize spec_next;
  gint64 n_spec_guesses;         /* guesses computed by passes (stats) */
  gint64 n_spec_hits;           /* … that were the pick: its pass skipped */

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

static inline const guint16 *
half_row (Run *r, guint32 i)
{
  return r->half + (gsize) i * r->dim;
}

static inline void
block_range (Run *r, gsize b, gsize *lo, gsize *hi)
{
  *lo = b * r->block_rows;
  *hi = MIN (r->m, *lo + r->block_rows);
}

/* Margin above the rounding error of computed distances; see far_enough(). */
#define PRUNE_MARGIN 1e-4

static inline gboolean
far_enough (double d_anchors, double mind2)
{
  double h = (d_anchors - PRUNE_MARGIN) * 0.5;

  return h > 0 && h * h >= mind2;
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

/* Whether the float32 distance f proves that an update against the
 * minimum m cannot lower it (the linear bound α·f − β ≥ m, see
 * lightly-selection-coreset-update.c); a row at 0 cannot get lower. The
 * update passes and their guesses decide with this one test. */
static inline gboolean
fast_rules_out (double alpha, double beta, float f, double m)
{
  return m == 0 || (f <= G_MAXFLOAT && alpha * f - beta >= m);
}

/* The block's maxima (bmax2, bmaxu) from its mind2; the second after a
 * pass, which recomputes them only if the pass may have raised values
 * (replaced) or lowered a row that held a maximum. */
void     lightly_coreset_block_stats (Run *r, gsize b);
void     lightly_coreset_block_stats_after (Run *r, gsize b, gboolean replaced);
/* mind2 = the distances to P: all of them, or with the triangle inequality
 * (anchors kept for the updates). FALSE if cancelled. */
gboolean lightly_coreset_seed        (Run *r);
gboolean lightly_coreset_seed_pruned (Run *r);

/* Candidates per call of a tile kernel of the first pass, and rows of P a
 * candidate may hold for the double pass before they are decided. */
#define SEED_CHUNK 32
#define SEED_PEND 4

typedef struct {
  guint32 t[SEED_PEND];         /* positions in P */
  double lo[SEED_PEND];
  guint n;
} SeedPending;

/* The pending rows of candidate x (‖x‖² = c) that the first pass's skip
 * tests still keep, given mh, the least upper bound seen so far: computed
 * in double into *best (and *anchor, when not NULL). Returns how many. */
gsize    lightly_coreset_seed_flush  (Run *r, SeedPending *pd, const float *x, double c,
                                      double mh, double *best, gint32 *anchor);

/* Tiles of the first pass: min over P[t_lo, t_hi) of d²(c_j, p) for the
 * candidates [lo, hi), into out[j], and the row of P that gives it into
 * anchor[j] when not NULL. */
typedef void (*LightlySeedRangeFunc) (Run *r, gconstpointer data, gsize lo, gsize hi,
                                      gsize t_lo, gsize t_hi, double *out, gint32 *anchor);
/* The unpruned first pass through range, P split among the threads when
 * there are few candidates, with the anchors in r->anchor when
 * with_anchors. FALSE if cancelled. */
gboolean lightly_coreset_seed_split  (Run *r, LightlySeedRangeFunc range, gconstpointer range_data,
                                      gboolean with_anchors);
/* The first pass through bfloat16 tiles (lightly-selection-coreset-seed-bf16.c),
 * pruned (by pivots of P, with anchors) or not. *done is FALSE when they do
 * not run here (no AVX512_BF16, the fast path off, or P too large for its
 * copy): then nothing is done. FALSE if cancelled. */
gboolean lightly_coreset_seed_bf16   (Run *r, gboolean pruned, gboolean *done);

/* One pick's update (see lightly-selection-coreset-update.c). */
typedef struct {
  const double *qd;             /* the query, converted and padded */
  const float *qf;              /* the query row (fast path) */
  double alpha, beta;           /* fast path: the linear bound α·f − β, lightly_fast_linear() */
  double qnorm;
  gboolean replace;             /* first update after a first pick without P */
  gint32 tag;                   /* anchor id of the query, −1 for the mean */
  const double *dsp;            /* d(query, anchor a) for a < tag, or NULL: no pruning */
  gssize pick;                  /* position of the pick, whose block changed, or −1 */
  const SpecGuess *spec;        /* guessed next picks, computed on the same rows */
  gsize n_spec;
} UpdateTask;

/* Adaptive pruning: whether pick t's update is pruned (mode 1: from the
 * counts of the last pruned pass; 2: always), and what that pass's counts
 * teach (skipped and computed rows, the anchor distances it needed: one
 * per anchor and query of the pass). */
/* The first gap between probes. */
#define PROBE_START 4
gboolean lightly_coreset_prune_next  (Run *r, gsize t, gint mode);
void     lightly_coreset_prune_learn (Run *r, gsize t, gint64 skipped, gint64 computed,
                                      gsize anchor_dists);

/* The pool function of an update pass; data is an UpdateTask. */
void     lightly_coreset_update_block     (gpointer ctx, gsize b, gpointer data);
/* dsp[a] = d(query, anchor a) for a < n (a lower bound of the double value
 * on the fast path). FALSE if cancelled. */
gboolean lightly_coreset_anchor_distances (Run *r, const UpdateTask *u, gsize n, double *dsp);

/* Speculative picks (lightly-selection-coreset-spec.c). */
void     lightly_coreset_spec_init    (Run *r);
void     lightly_coreset_spec_free    (Run *r);
gsize    lightly_coreset_spec_guess   (Run *r, const UpdateTask *u, gsize t, gsize limit,
                                       gsize prune_picks);
void     lightly_coreset_spec_done    (Run *r, gsize n_spec);
gboolean lightly_coreset_spec_take    (Run *r, gsize pick);
/* A chunk of an update pass with guesses: qs gets the pass's query and the
 * guesses of the levels still open (returns how many in all; d2f_multi()
 * computes them at once); of the rows some query may lower, spec_batch()
 * takes the levels' part, after the pick's update. */
gsize    lightly_coreset_spec_queries (Run *r, const UpdateTask *u, const float **qs);
void     lightly_coreset_spec_batch   (Run *r, const UpdateTask *u, gsize b, gsize lo,
                                       const gsize *idx, const float *const *rows, gsize n,
                                       const float *f, gsize n_levels, guint32 *cnt_of);
void     lightly_coreset_spec_block_end (Run *r, const UpdateTask *u, gsize b,
                                         const guint32 *cnt_of);

G_END_DECLS
