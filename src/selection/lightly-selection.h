/* lightly-selection.h: the selection engine (private; no GObject, no I/O)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The engine picks rows of an embedding matrix by the rules of protocol.md
 * §13 (binding): RANDOM, CORESET (greedy k-center), CORAL (d̂·s^β) and
 * ACTIVE_LEARNING (top scores), and the extensions TYPICLUST, PROBCOVER and
 * BADGE (lightly-typiclust.c, lightly-probcover.c, lightly-selection-badge.c),
 * any of them with class balance (lightly-selection-balance.c). It runs in the calling thread plus its own
 * worker threads, reports progress from the calling thread, and can be
 * cancelled through an atomic flag.
 *
 * Arithmetic: dot products of float32 rows are accumulated in double in a
 * fixed order (8 lanes, element i in lane i mod 8, a fixed reduction tree),
 * so every SIMD path and every thread count gives bit-identical distances
 * and therefore bit-identical picks. Squared distances are
 * `max(0, ‖a‖² + ‖b‖² − 2⟨a,b⟩)` with the norms from the same kernel.
 * Values within 1e-9 (LIGHTLY_SELECTION_TIE_EPSILON) of the step's maximum
 * are ties; the smallest row index among them wins: the pick is the smallest
 * index whose value is ≥ max − ε. The value compared is
 *   CORESET          d(c) = √d², the distance to P ∪ picks;
 *   CORAL            d̂(c)·s(c)^β with d̂ = d/d_max over the unpicked
 *                    candidates; if every product is 0, d̂ alone; if d_max is
 *                    0, every candidate ties;
 *   ACTIVE_LEARNING  s(c) (top-k as repeated ε-argmax);
 * and the first pick without P is: CORESET, the largest distance to the
 * candidates' mean (the mean is summed in double and rounded to float, so
 * the same kernels compute its distances); CORAL, the largest s^β, with
 * ties (every candidate when β = 0, so β = 0 is exactly CORESET) going to
 * the CORESET first-pick rule. minDistance does not apply to that first
 * pick (its distance to the empty set is infinite), and RANDOM and
 * ACTIVE_LEARNING ignore minDistance.
 *
 * The per-pick update skips candidates by the triangle inequality (with a
 * margin above the rounding error, so the picks are the same bits as
 * without it); it is on while the picks so far are fewer than |C|/32. The
 * first pass over P (the distances to P) is pruned the same way when
 * |P| ≤ |C|/32, tile by tile of P, with memory O(|P|) for the distances
 * within P; its anchors (the nearest row of P) then also prune the picks'
 * updates.
 *
 * Half-precision storage (optional, LightlySelectionParams.matrix_half):
 * a float16 or bfloat16 copy of the matrix that the update passes without
 * guessed picks (below) stream instead of the float32 rows, which they reread only for the rows whose
 * minimum changes or that the error bound (widened by the rounding of the
 * copy) cannot decide; the picks stay the same bits. It costs 2·dim bytes
 * per row of storage next to the matrix, nothing per candidate.
 *
 * Speculative picks: an unpruned update pass also computes, on the rows
 * it reads anyway, the updates of up to 6 picks it guesses will come next,
 * and keeps the rows each would lower; when the greedy argmax then makes
 * that pick, its pass is skipped. The picks are those of the sequential
 * passes (lightly-selection-coreset-spec.c has the proof).
 *
 * Memory beyond the matrix: 12 bytes per candidate (the squared minimum
 * distance and the anchor; the norms ‖c‖² are recomputed by the fused
 * kernel in every pass that reads the row), 8 more for CORAL with β other
 * than 0 and 1 (s^β), at most 4 for the speculative picks' lists,
 * O(|P| + k) and O(block count) for the rest, and at most 4 MiB of
 * distances within P.
 *
 * Carried coverage (LightlySelectionCarry): a run can start from the
 * minima a previous round ended with and compute only the rows of P they
 * do not cover, each as one update pass (pruned by the carried anchors);
 * the caller then owns the 12 bytes per candidate, so it costs nothing
 * extra.
 */
#pragma once

#include <glib.h>
#include "lightly-selection-types.h"

G_BEGIN_DECLS

/* The version of the distance arithmetic (the bits of d² the double path
 * computes). Carried coverage saved under another version is not used:
 * bump it with any change that can change a computed distance. */
#define LIGHTLY_SELECTION_ARITHMETIC 1

/* Values within this of the step maximum are ties (§13 Arithmetic). */
#define LIGHTLY_SELECTION_TIE_EPSILON 1e-9
/* How far a row of class probabilities may sum from 1. */
#define LIGHTLY_SELECTION_PROBABILITY_SLACK 1e-3

/* Why a row was picked (lightly-glib extension, "why picked"): one per
 * pick, in pick order, so the rank is the index. utility is the value the
 * method maximised at that pick, always finite:
 *   RANDOM           0;
 *   CORESET          d(c), the distance to P ∪ picks so far (without P,
 *                    the first pick's distance to the candidates' mean);
 *   CORAL            d̂(c)·s(c)^β (d̂ alone when every product is 0; the
 *                    first pick without P: s^β);
 *   ACTIVE_LEARNING  s(c);
 *   TYPICLUST        typicality, 1 / the mean distance to its nearest
 *                    fellow members (at most 1e12; 0 for the row-order
 *                    fallback);
 *   PROBCOVER        the candidates its ball newly covered (0 for the
 *                    uniform picks once everything is covered);
 *   BADGE            ‖g(c) − nearest centre‖, the distance in gradient-
 *                    embedding space to P ∪ picks so far, whose square was
 *                    the D² weight of the draw (the first pick without P:
 *                    ‖g(c)‖; 0 for the row-order picks once every weight
 *                    is 0).
 * cluster: TYPICLUST's k-means cluster, PROBCOVER's ball (the index of the
 * covering pick, so its rank), −1 for the other methods and PROBCOVER's
 * uniform picks. */
typedef struct {
  guint32 row;
  gint32 cluster;
  double utility;
} LightlySelectionPick;

typedef void (*LightlySelectionProgress) (guint64  processed,
                                          guint64  total,
                                          gpointer user_data);

/* Carried coverage between rounds (lightly-glib extension; CORESET and
 * CORAL without balance, any other run leaves it untouched but for valid).
 * In a labeling loop round n+1's P is round n's P plus its picks, and
 * min over a union is the min of the mins: the per-candidate minima a run
 * ends with are the first pass of the next round, which then computes only
 * the rows of P that are not covered yet. The minima are the exact double
 * path's (the fast path and the pruning only decide which values to
 * compute), so the picks are bit for bit those of a run from scratch.
 *
 * The arrays are the run's own state: given them, the engine computes in
 * place instead of allocating its 12 bytes per candidate, so carrying costs
 * no memory. */
typedef struct {
  /* Per candidate, in the order of candidates. */
  double *mind2;
  /* Per candidate: the row (an index into the matrix) whose distance gave
   * mind2, G_MAXUINT32 when not known. The anchors of the pruning. */
  guint32 *anchor;
  /* In. TRUE: mind2[j] is the double path's min d² from candidate j to the
   * covered rows of P (a non-empty subset), anchor[j] the row giving it or
   * G_MAXUINT32, and uncovered lists the positions in P (ascending) of the
   * rows not covered; the first pass computes only those. FALSE: the run
   * starts from scratch and only fills the arrays. */
  gboolean start;
  const guint32 *uncovered;
  gsize n_uncovered;
  /* Out, set by every run. valid: the run succeeded and mind2 holds, per
   * candidate, the min d² to P and the first n_applied picks (−1 for the
   * picked ones), anchor the row giving it or G_MAXUINT32. The last pick's
   * distances are not computed (no pass needs them), so n_applied is the
   * number of picks, less one when the run made all k. */
  gboolean valid;
  gsize n_applied;
} LightlySelectionCarry;

/* Half-precision storage of the matrix (lightly-selection-half.c). */
typedef enum {
  LIGHTLY_SELECTION_HALF_NONE,
  LIGHTLY_SELECTION_HALF_FP16,  /* IEEE binary16: 11-bit significand, |x| ≤ 65504 */
  LIGHTLY_SELECTION_HALF_BF16,  /* bfloat16: 8-bit significand, float32's range */
} LightlySelectionHalf;

typedef struct {
  LightlySelectionMethod method;
  /* n_rows × dim, row-major, rows L2-normalised. Only read for CORESET and
   * CORAL (may be NULL for RANDOM and ACTIVE_LEARNING). */
  const float *matrix;
  gsize n_rows;
  gsize dim;
  /* C: sorted ascending, unique, < n_rows. */
  const guint32 *candidates;
  gsize n_candidates;
  /* P: sorted ascending, unique, < n_rows, disjoint from C. */
  const guint32 *preselected;
  gsize n_preselected;
  /* Per row (length n_rows) or NULL; read for the candidates only, required
   * for CORAL ([0, 1]) and ACTIVE_LEARNING (finite). */
  const double *scores;
  /* Number of picks to add; more than |C| picks all of C. */
  gsize k;
  /* ≤ 0: inactive. CORESET and CORAL stop before a pick whose distance to
   * the selected set (P and the picks so far) is below it. */
  double min_distance;
  /* CORAL score strength β ≥ 0 (0 is CORESET). */
  double beta;
  /* RANDOM: xoshiro256** seeded through splitmix64. */
  guint64 seed;
  /* 0: LIGHTLY_THREADS from the environment, else g_get_num_processors(). */
  guint n_threads;
  /* Called from the calling thread after every pick with (picks, k). */
  LightlySelectionProgress progress;
  gpointer progress_data;
  /* Nullable. g_atomic_int_get (cancel) != 0 stops the run with
   * LIGHTLY_SELECTION_ERROR_CANCELLED within a block of work (well under 100 ms). */
  const gint *cancel;
  /* lightly-glib extensions. TYPICLUST: at most
   * this many clusters (0: 500). */
  guint max_clusters;
  /* PROBCOVER: the ball radius δ, > 0; 0: the purity rule. */
  double delta;
  /* PROBCOVER: pseudo-classes (k-means clusters) of the purity rule (0: 10). */
  guint pseudo_classes;
  /* PROBCOVER: edges of the δ-graph at most (0: 2^26). */
  gsize max_edges;
  /* Nullable, element-type LightlySelectionPick: when set, the run empties
   * it and appends why each row was picked, in pick order (same length as
   * the returned picks; empty after an error). Costs nothing when NULL. */
  GArray *why;
  /* BADGE and balance: class probabilities, n_rows × n_classes row-major
   * (n_classes ≥ 2), per row or NULL; read for the rows of C and, for
   * BADGE, of P. Each such row must be finite, in [0, 1] and sum to 1
   * within LIGHTLY_SELECTION_PROBABILITY_SLACK. */
  const double *probabilities;
  gsize n_classes;
  /* Class balance (lightly-selection-balance.c): the method ranks up to
   * k·m candidates (m the predicted classes among C), and the batch takes
   * them in rank order under equal per-class quotas of the predicted
   * class (argmax of the probabilities, ties to the smallest class). */
  gboolean balance;
  /* Nullable: carried coverage (see LightlySelectionCarry). */
  LightlySelectionCarry *carry;
  /* Nullable (off): a copy of matrix rounded to half_kind by
   * lightly_selection_half_new(), n_rows × dim. CORESET and CORAL then
   * stream its 2·dim bytes per row in their update passes and reread the
   * float32 row only where the error bound cannot decide or the minimum
   * changes, so the picks are the same bits as without it; a copy that is
   * not the rounding of matrix could change them. It is storage on top of
   * the matrix: 2·dim bytes per row; the engine's own state stays 12 bytes
   * per candidate. half_kind is LIGHTLY_SELECTION_HALF_NONE exactly when
   * matrix_half is NULL. */
  const guint16 *matrix_half;
  LightlySelectionHalf half_kind;
} LightlySelectionParams;

/* The SIMD paths. By default the fastest the CPU supports: AVX-512, except
 * on AMD up to Zen 4, where AVX2 is faster. LIGHTLY_SIMD=portable|avx2|avx512
 * in the environment forces one; forcing one the CPU (or the build) lacks
 * falls back to the default path with a g_warning, once per process. On
 * the AVX-512 path, the first pass over P runs bfloat16 tiles where the
 * CPU has AVX512_BF16, on AMX where it also has AMX-BF16 and Linux grants
 * the tile state; LIGHTLY_AMX=0 keeps them off AMX. */
typedef enum {
  LIGHTLY_SELECTION_SIMD_PORTABLE,
  LIGHTLY_SELECTION_SIMD_AVX2,
  LIGHTLY_SELECTION_SIMD_AVX512,
} LightlySelectionSimd;

/* The one entry point: validates @params and runs the method. Errors are
 * in the LIGHTLY_SELECTION_ERROR domain (lightly-selection-types.h). */
GArray *lightly_selection_run (const LightlySelectionParams  *params,
                               GError                       **error);

gsize lightly_selection_target_k (double    n_samples,
                                  gsize     n_total,
                                  gsize     n_preselected,
                                  gsize     n_candidates,
                                  gboolean *out_bounded);

gboolean lightly_selection_simd_supported (LightlySelectionSimd simd);
const char *lightly_selection_simd_name (LightlySelectionSimd simd);
gboolean lightly_selection_bf16_supported (void);
gboolean lightly_selection_bf16_amx_supported (void);
LightlySelectionSimd lightly_selection_simd_current (void);

/* Work of the most recent CORESET or CORAL run in this process (benchmarks
 * and tests; not synchronised between concurrent runs). Distances are
 * candidate–centre pairs (a centre is the mean, a row of P or a pick):
 * computed, or skipped because the triangle inequality proved them unable
 * to change a minimum. rows_read counts candidate rows read from the matrix
 * (the first pass over a large P reads a candidate once per tile of P);
 * overhead counts the centre–centre distances the pruning needed. */
typedef struct {
  guint64 computed;
  guint64 skipped;
  guint64 rows_read;
  guint64 overhead;
  /* Update distances computed in float32 by the exact fast path, and how
   * many of those the error bound could not decide (redone in double). */
  guint64 fast;
  guint64 exact;
  /* Update distances computed from the half-precision copy (matrix_half;
   * a part of fast), and how many of those needed the float32 row (a part
   * of exact). */
  guint64 half;
  guint64 half_exact;
  /* First-pass distances to P computed from bfloat16 tiles (AVX512_BF16
   * or AMX-BF16), and how many of those the error bound left to double. */
  guint64 bf16;
  guint64 bf16_exact;
  /* Bytes of the first pass's buffers whose size follows |P|, not the
   * candidates (the bfloat16 copy of P, |P|·D; or the pruned pass's P–P
   * distances, at most 4 MiB): the O(K·D) part of the engine's memory. */
  guint64 p_bytes;
  /* Picks whose update pass was pruned, and how often the adaptive pruning
   * switched between pruned and unpruned passes. */
  guint64 pruned_picks;
  guint64 prune_switches;
  /* Guessed next picks computed by update passes on the rows they read
   * anyway, and how many of them were the pick (each saved a pass). */
  guint64 spec_guesses;
  guint64 spec_hits;
} LightlySelectionStats;

void lightly_selection_get_stats (LightlySelectionStats *out);

guint16 *lightly_selection_half_new (const float           *matrix,
                                     gsize                  n_rows,
                                     gsize                  dim,
                                     LightlySelectionHalf   kind,
                                     GError               **error);
const char *lightly_selection_half_name (LightlySelectionHalf kind);

/* An array of @n elements of @size bytes for per-row state (free it with
 * g_free()), also for the arrays a caller hands the engine as its state
 * (LightlySelectionCarry); from 2 MiB up it starts on a 2 MiB boundary
 * and asks for transparent huge pages. Each fresh 4 KiB page of such an array is a
 * page fault the first time a pass writes it, and a fault is dear (on a
 * virtual machine, an exit): 1M candidates have 12 MB of state, 3,000
 * faults, in every selection. numpy advises huge pages for its large
 * arrays too. */
gpointer lightly_selection_alloc_rows (gsize n,
                                       gsize size);

/* Tests only. */
void lightly_selection_set_block_rows (gsize rows);
void lightly_selection_set_simd (gint simd);
void lightly_selection_set_pruning (gint mode);
void lightly_selection_set_fast_path (gint mode);
void lightly_selection_set_bf16 (gint mode);
void lightly_selection_set_bf16_pivots (gint n);
void lightly_selection_set_prefetch_ahead (gssize bytes);
void lightly_selection_set_speculation (gint depth, gsize cap);
void lightly_selection_set_kmeans_bounds (gint mode);
guint64 lightly_selection_kmeans_last_skipped (void);

G_END_DECLS
