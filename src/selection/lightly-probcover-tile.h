/* lightly-probcover-tile.h: PROBCOVER's float32 distance tiles (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One tile: the float32 dot products of LIGHTLY_PC_TILE_ROWS query rows
 * with a panel of LIGHTLY_PC_TILE_COLS target rows, stored dimension-major
 * (panel[d·16 + l] is element d of target l), and per row a bit mask of the
 * entries above a threshold: bit l of mask[r] is set iff
 * out[r·16 + l] > qthr[r] + tthr[l] in float32. The products are
 * approximations, in any order, with or without FMA: the δ-graph builder of
 * lightly-probcover-graph.c bounds their error for every order and decides
 * in double what the bound cannot. Not bit-identical across paths, and need
 * not be.
 *
 * The per-ISA files must not include GLib (see lightly-selection-kernels.h).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define LIGHTLY_PC_TILE_ROWS 6
#define LIGHTLY_PC_TILE_COLS 16

/* A double tile: the tiles of two adjacent panels (panel, and panel +
 * 16·dim), with the thresholds tthr[0 … 32), the first panel's products in
 * out[0 … 96) and masks in mask[0 … 6), the second's in out[96 … 192) and
 * mask[6 … 12). The builders call only these (lightly_probcover_tile_for()). */
typedef void (*LightlyPcTile2Func) (const float *const *q, const float *panel, size_t dim,
                                    const float *qthr, const float *tthr, float *out,
                                    uint32_t *mask);

typedef void (*LightlyPcTileFunc) (const float *const *q, const float *panel, size_t dim,
                                   const float *qthr, const float *tthr, float *out,
                                   uint32_t *mask);

void lightly_pc_tile_portable (const float *const *q, const float *panel, size_t dim,
                               const float *qthr, const float *tthr, float *out,
                               uint32_t *mask);
/* Only in builds with LIGHTLY_SELECTION_HAVE_AVX2. */
void lightly_pc_tile_avx2 (const float *const *q, const float *panel, size_t dim,
                           const float *qthr, const float *tthr, float *out, uint32_t *mask);
/* Only in builds with LIGHTLY_SELECTION_HAVE_AVX512: the double tile. */
void lightly_pc_tile2_avx512 (const float *const *q, const float *panel, size_t dim,
                              const float *qthr, const float *tthr, float *out, uint32_t *mask);
