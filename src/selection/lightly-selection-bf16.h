/* lightly-selection-bf16.h: bfloat16 tile kernels of the first pass over P (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The first pass over a preselected set P is a dense product of candidate
 * rows × rows of P (lightly-selection-coreset-seed.c). With AVX512_BF16,
 * VDPBF16PS multiplies bfloat16 pairs into float32 accumulators at twice
 * the rate of a float32 FMA, so the seeding can run its tiles on bfloat16
 * copies of the rows (made one chunk at a time, never of the whole matrix)
 * and decide in double what the bound cannot (its proof is
 * the claim in lightly-selection-coreset-seed-bf16.c; AMX tiles as well).
 *
 * Like the other per-ISA files, the implementation must not include GLib.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* bfloat16 elements per padded row: a multiple of 32 (one zmm). */
#define LIGHTLY_BF16_PAD(dim) (((dim) + 31) & ~(size_t) 31)

typedef struct {
  /* out[0, pad) = x rounded to bfloat16, to nearest with ties to even,
   * results below 2⁻¹²⁶ in magnitude (bfloat16 subnormals) set to zero, so
   * that out holds exactly the values VDPBF16PS multiplies (it treats
   * subnormal inputs as zero); zeros from dim to pad. *err2 = Σ (x_i −
   * out_i)² in double (each difference of two floats computed in double,
   * the sum in any order), and *norm2 = Σ x_i² as the canonical sum of
   * lightly-selection-kernels.h, bit for bit what dot (x, x, dim) gives:
   * the first pass takes it as the row's ‖c‖² instead of reading the row
   * once more. A value that rounds above the largest bfloat16 becomes ±∞
   * (and *err2 ∞). */
  void (*convert) (const float *x, size_t dim, size_t pad, uint16_t *out, double *err2,
                   double *norm2);
  /* NULL, or puts a's na ≤ 32 rows into packed (32·pad elements) in the
   * form tile() reads them from: then every tile() call gets packed with
   * the same a (with NULL, tile() reads a). */
  void (*pack) (const uint16_t *const *a, size_t na, size_t pad, uint16_t *packed);
  /* out[i·nb + t] ≈ Σ_k a[i][k]·b[t][k], for i < na and t < nb, rows of
   * pad bfloat16 elements: products of bfloat16 pairs summed in float32, in
   * any order (the bound in lightly-selection-coreset-seed-bf16.c holds for
   * every order and for fused or separate roundings; chain_pad below). */
  void (*tile) (const uint16_t *const *a, const uint16_t *packed, size_t na,
                const uint16_t *const *b, size_t nb, size_t pad, float *out);
  /* The bounds of the first pass over P (lightly-selection-coreset-seed.c)
   * for n ≤ 64 entries of one candidate, as the float32 kernels'
   * tile_bounds() computes them (lightly-selection-kernels.h): with S =
   * c + pn[t], e = S − 2·g[t], E = kappa·S + abs_err and z = g[t] − g[t],
   * lo[t] = (e − E) + z, and *mh = min (*mh, (max(e, 0) + E) + z over t),
   * NaN terms left out; returns the bit mask of the entries t that the
   * skip tests keep: neither lo[t] > *mh (the new one) nor lo[t] ≥ best
   * (so a NaN lo is kept). */
  uint64_t (*bounds) (const float *g, const double *pn, size_t n, double c, double kappa,
                      double abs_err, double *mh, double best, double *lo);
  /* 0: tile() passes each product through at most dim + 8 additions; 1:
   * through at most pad + 8 (AMX: one accumulator per entry over the whole
   * padded row), and the bound takes n = pad. */
  int chain_pad;
} LightlySelectionBf16Kernels;

#ifdef LIGHTLY_SELECTION_HAVE_BF16
extern const LightlySelectionBf16Kernels lightly_selection_bf16_avx512;
#endif

#ifdef LIGHTLY_SELECTION_HAVE_AMX
/* AMX-BF16 tiles (lightly-selection-bf16-amx.c) with AVX512_BF16's
 * convert() and bounds(): only where lightly_selection_amx_usable() said
 * yes, which also asks Linux for the tile state (once per process). */
extern const LightlySelectionBf16Kernels lightly_selection_bf16_amx;
int lightly_selection_amx_usable (void);
void lightly_selection_amx_pack (const uint16_t *const *a, size_t na, size_t pad,
                                 uint16_t *packed);
void lightly_selection_amx_tile (const uint16_t *const *a, const uint16_t *packed, size_t na,
                                 const uint16_t *const *b, size_t nb, size_t pad, float *out);
#endif
