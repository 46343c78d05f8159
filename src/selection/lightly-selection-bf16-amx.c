/* lightly-selection-bf16-amx.c: bfloat16 tiles with AMX (built with -mamx-tile -mamx-bf16)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The pack() and tile() of lightly_selection_bf16_amx (lightly-selection-bf16.h)
 * and the check that AMX may run here. TDPBF16PS multiplies a 16 × 32
 * bfloat16 tile by a 32 × 16 one into 16 × 16 float32 accumulators: 8,192
 * multiply-adds an instruction, where VDPBF16PS does 32. On the Xeon this
 * was written on, the AVX512_BF16 tiles reached about 12 multiply-adds a
 * cycle and TDPBF16PS alone 500, so the tiles stop being the first pass's
 * cost. Each accumulator sums its products one after the other over the
 * whole padded row, so the bound takes n = pad (chain_pad, proved in
 * lightly-selection-coreset-seed-bf16.c).
 *
 * Like the other per-ISA files, the implementation must not include GLib.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>

#include "lightly-selection-bf16.h"

/* The tiles' fixed shape: 16 rows of 64 bytes (32 bfloat16 or 16 float32). */
#define ROWS 16
#define ROW_BYTES 64

/* Linux's arch_prctl() request for the AMX tile data state (XTILEDATA,
 * state component 18): a process must ask before its first tile
 * instruction, or that instruction faults. */
#define REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

/* LDTILECFG's 64-byte operand (palette 1). */
typedef struct {
  uint8_t palette;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
} TileConfig;

int
lightly_selection_amx_usable (void)
{
  unsigned int a, b, c, d, lo, hi;

  if (__get_cpuid_max (0, NULL) < 7)
    return 0;
  __cpuid (1, a, b, c, d);
  if (!(c & (1u << 27)))        /* OSXSAVE: XGETBV may run */
    return 0;
  __cpuid_count (7, 0, a, b, c, d);
  if (!(d & (1u << 22)) || !(d & (1u << 24)))   /* AMX-BF16, AMX-TILE */
    return 0;
  __asm__ volatile ("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
  (void) hi;
  if ((lo & (3u << 17)) != (3u << 17))          /* XTILECFG, XTILEDATA enabled */
    return 0;
  /* Permission for the whole process (Linux ≥ 5.16; older kernels, or a
   * thread's too small sigaltstack, refuse: then no AMX). */
  return syscall (SYS_arch_prctl, REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}

/* Every tile 16 × 64 bytes: tmm0–3 the accumulators (two groups of rows of
 * b by two groups of rows of a), tmm4–5 the rows of b, tmm6–7 a packed. */
static void
tiles_configure (void)
{
  TileConfig cfg;
  int t;

  memset (&cfg, 0, sizeof cfg);
  cfg.palette = 1;
  for (t = 0; t < 8; t++)
    {
      cfg.rows[t] = ROWS;
      cfg.colsb[t] = ROW_BYTES;
    }
  _tile_loadconfig (&cfg);
}

/* a's na ≤ 32 rows as TDPBF16PS's second operand wants them: for each
 * group of 16 rows (columns of the product) and each 32 elements k, a
 * 16 × 64-byte block whose row kk holds, for each of the 16 rows n, the
 * pair (a[n][k + 2kk], a[n][k + 2kk + 1]). Rows past na are zeros. */
void
lightly_selection_amx_pack (const uint16_t *const *a, size_t na, size_t pad, uint16_t *packed)
{
  size_t nk = pad / 32, g, n, k, kk;

  for (g = 0; g < 2; g++)
    for (n = 0; n < ROWS; n++)
      {
        size_t i = g * ROWS + n;

        for (k = 0; k < nk; k++)
          for (kk = 0; kk < ROWS; kk++)
            {
              uint16_t *dst = packed + (((g * nk + k) * ROWS + kk) * ROWS + n) * 2;

              if (i < na)
                memcpy (dst, a[i] + k * 32 + kk * 2, 2 * sizeof (uint16_t));
              else
                memset (dst, 0, 2 * sizeof (uint16_t));
            }
      }
}

/* The stride in elements when rows[0, 16) of b from first are 16 rows at
 * one stride, else 0 (then they are copied, 64 bytes at a time). */
static size_t
uniform_stride (const uint16_t *const *b, size_t first, size_t nb)
{
  ptrdiff_t s;
  size_t m;

  if (first + ROWS > nb)
    return 0;
  s = b[first + 1] - b[first];
  if (s <= 0)
    return 0;
  for (m = 2; m < ROWS; m++)
    if (b[first + m] - b[first + m - 1] != s)
      return 0;
  return (size_t) s;
}

/* Rows [first, first + 16) of b, elements [k, k + 32), into scratch (zeros
 * past nb). */
static void
gather (const uint16_t *const *b, size_t first, size_t nb, size_t k, uint16_t *scratch)
{
  size_t m;

  for (m = 0; m < ROWS; m++)
    {
      if (first + m < nb)
        memcpy (scratch + m * 32, b[first + m] + k, ROW_BYTES);
      else
        memset (scratch + m * 32, 0, ROW_BYTES);
    }
}

/* tmm4 (or 5) ← 16 rows of b from first, elements [k, k + 32). */
#define LOAD_B(tmm, first, stride, k, scratch)                                   \
  do {                                                                           \
    if ((stride) != 0)                                                           \
      _tile_loadd (tmm, b[first] + (k), (stride) * sizeof (uint16_t));           \
    else                                                                         \
      {                                                                          \
        gather (b, first, nb, k, scratch);                                       \
        _tile_loadd (tmm, scratch, ROW_BYTES);                                   \
      }                                                                          \
  } while (0)

/* out[i·nb + t] = ⟨a[i], b[t]⟩: the accumulators hold b's rows by a's, so
 * each 16 × 16 block is written out transposed. */
void
lightly_selection_amx_tile (const uint16_t *const *a, const uint16_t *packed, size_t na,
          const uint16_t *const *b, size_t nb, size_t pad, float *out)
{
  size_t nk = pad / 32, t0, k, h, g, m, n;
  uint16_t scratch[2][ROWS * 32];
  float acc[4][ROWS * ROWS];

  (void) a;
  tiles_configure ();
  for (t0 = 0; t0 < nb; t0 += 2 * ROWS)
    {
      size_t s0 = uniform_stride (b, t0, nb), s1 = uniform_stride (b, t0 + ROWS, nb);

      _tile_zero (0);
      _tile_zero (1);
      _tile_zero (2);
      _tile_zero (3);
      for (k = 0; k < nk; k++)
        {
          LOAD_B (4, t0, s0, k * 32, scratch[0]);
          LOAD_B (5, t0 + ROWS, s1, k * 32, scratch[1]);
          _tile_loadd (6, packed + k * ROWS * 32, ROW_BYTES);
          _tile_loadd (7, packed + (nk + k) * ROWS * 32, ROW_BYTES);
          _tile_dpbf16ps (0, 4, 6);
          _tile_dpbf16ps (1, 4, 7);
          _tile_dpbf16ps (2, 5, 6);
          _tile_dpbf16ps (3, 5, 7);
        }
      _tile_stored (0, acc[0], ROW_BYTES);
      _tile_stored (1, acc[1], ROW_BYTES);
      _tile_stored (2, acc[2], ROW_BYTES);
      _tile_stored (3, acc[3], ROW_BYTES);
      for (h = 0; h < 2; h++)
        for (g = 0; g < 2; g++)
          for (m = 0; m < ROWS && t0 + h * ROWS + m < nb; m++)
            for (n = 0; n < ROWS && g * ROWS + n < na; n++)
              out[(g * ROWS + n) * nb + t0 + h * ROWS + m] = acc[h * 2 + g][m * ROWS + n];
    }
  _tile_release ();
}
