/* lightly-selection-kernels.h: the engine's dot-product kernels (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every kernel computes the same canonical sum, so all paths give
 * bit-identical results: the float32 products are formed in double (where
 * they are exact, so FMA and multiply-add agree), element i is accumulated
 * into lane i mod 8 in increasing i, and the lanes are reduced as
 * ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)). A tail shorter than 8 behaves as if
 * padded with zeros. dot4() gives for each pair exactly what dot() gives.
 *
 * The per-ISA files must not include GLib: inline functions of its headers
 * compiled with -mavx2 could be merged into the portable binary.
 */
#pragma once

#include <stddef.h>

typedef struct {
  double (*dot)  (const float *a, const float *b, size_t dim);
  /* out[r] = dot (a, b[r], dim) for r < 4 */
  void   (*dot4) (const float *a, const float *const *b, size_t dim, double *out);
  /* out[r] = dot (q, rows[r], dim) for r < n, where q is a float row already
   * converted to double and padded with zeros to a multiple of 8. */
  void   (*dot_qf) (const double *q, const float *const *rows, size_t n, size_t dim,
                    double *out);
  /* dot_qf, and also norms[r] = dot (rows[r], rows[r], dim): the update pass
   * reads each row once for both, so no per-row norm array is kept. */
  void   (*dot_qf_norm) (const double *q, const float *const *rows, size_t n, size_t dim,
                         double *out, double *norms);
  /* out[r] ≈ Σ_i (q[i] − rows[r][i])² in float32 arithmetic, in any order
   * and on any path: an approximation for the exact fast path of
   * lightly-selection-coreset.c, which proves its error bound for every
   * summation order. Not bit-identical across paths, and need not be. */
  void   (*d2f) (const float *q, const float *const *rows, size_t n, size_t dim,
                 float *out);
  /* out[k·n + r] ≈ d2f (qs[k], rows[r]) for k < nq and r < n: several
   * queries against the same rows in one call, each row loaded once per
   * group of queries (the update pass with guessed picks,
   * lightly-selection-coreset-spec.c, computes 1 + its guesses per row).
   * The same float32 sum as d2f() in some order, within the same bound. */
  void   (*d2f_multi) (const float *const *qs, size_t nq, const float *const *rows, size_t n,
                       size_t dim, float *out);
  /* out[i·nb + t] ≈ Σ_k a[i][k]·b[t][k] in float32 arithmetic, for i < na and
   * t < nb: a register-blocked tile of dot products (a small GEMM), for the
   * first pass over P of lightly-selection-coreset-seed.c, which proves its
   * error bound for every summation order, with or without FMA. Not
   * bit-identical across paths, and need not be. */
  void   (*dotf_tile) (const float *const *a, size_t na, const float *const *b, size_t nb,
                       size_t dim, float *out);
  /* The bounds of the first pass over P (its proof in lightly-selection-
   * coreset-seed.c) for n entries of one candidate, c its ‖c‖², g[t] ≈ its
   * dot product with row t, pn[t] = ‖p_t‖²: with S = c + pn[t],
   * e = S − 2·g[t], E = kappa·S + abs_err and z = g[t] − g[t] (0, or NaN
   * when g[t] is not finite),
   *   lo[t] = (e − E) + z,
   * and returns min (mh, min over t of (max(e, 0) + E) + z), NaN terms left
   * out. Every operation is one IEEE operation as written (no FMA), so all
   * paths give the same bits. */
  double (*tile_bounds) (const float *g, const double *pn, size_t n, double c, double kappa,
                         double abs_err, double mh, double *lo);
  /* acc[i] += rows[r][i] for r = 0, 1, …, n − 1 in that order, each add
   * one IEEE double add of the float converted exactly: the same bits on
   * every path (the candidates' mean of CORESET's first pick). */
  void   (*sum_rows) (double *acc, const float *const *rows, size_t n, size_t dim);
  /* Bytes of rows the update pass prefetches beyond the chunk it is about
   * to compute, half that in a pass with guesses; 0: none, each chunk just
   * before it is computed (lightly_coreset_update_block()): a property of
   * the machines each path was measured on, not of the instructions. */
  size_t prefetch_ahead;
} LightlySelectionKernels;

/* The smaller of two sizes (the per-ISA files cannot use GLib's MIN). */
static inline size_t
MIN_SZ (size_t a, size_t b)
{
  return a < b ? a : b;
}

/* Elements of a padded double row. */
#define LIGHTLY_SELECTION_PAD8(dim) (((dim) + 7) & ~(size_t) 7)

extern const LightlySelectionKernels lightly_selection_kernels_portable;
#ifdef LIGHTLY_SELECTION_HAVE_AVX2
extern const LightlySelectionKernels lightly_selection_kernels_avx2;
#endif
#ifdef LIGHTLY_SELECTION_HAVE_AVX512
extern const LightlySelectionKernels lightly_selection_kernels_avx512;
#endif

/* The kernels of a LightlySelectionSimd path, or NULL if this build or CPU
 * lacks it (for tests and benchmarks). */
const LightlySelectionKernels *lightly_selection_kernels_get (int simd);
