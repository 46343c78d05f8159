/* lightly-selection-simd.c: which kernels the engine runs on
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The SIMD path: the fastest the CPU and the build support, or the one
 * LIGHTLY_SIMD names (see lightly-selection.h). Every path gives the same
 * bits (lightly-selection-kernels.h), so this only changes the speed.
 */
#include "config.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "lightly-selection-private.h"

static gint forced_simd = -1;
static gint forced_bf16 = -1;

/* Tests only: use this path (−1: LIGHTLY_SIMD or the best). Not thread-safe;
 * the environment cannot be changed safely once threads exist. */
void
lightly_selection_set_simd (gint simd)
{
  forced_simd = simd;
}

static gboolean
cpu_supports (LightlySelectionSimd simd)
{
  switch (simd)
    {
    case LIGHTLY_SELECTION_SIMD_PORTABLE:
      return TRUE;
    case LIGHTLY_SELECTION_SIMD_AVX2:
#if defined(LIGHTLY_SELECTION_HAVE_AVX2)
      __builtin_cpu_init ();
      return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
#else
      return FALSE;
#endif
    case LIGHTLY_SELECTION_SIMD_AVX512:
#if defined(LIGHTLY_SELECTION_HAVE_AVX512)
      __builtin_cpu_init ();
      return __builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx2") &&
             __builtin_cpu_supports ("fma");
#else
      return FALSE;
#endif
    default:
      return FALSE;
    }
}

/**
 * lightly_selection_simd_supported:
 * @simd: a path
 *
 * Whether this build and this CPU can run @simd.
 */
gboolean
lightly_selection_simd_supported (LightlySelectionSimd simd)
{
  return cpu_supports (simd);
}

const char *
lightly_selection_simd_name (LightlySelectionSimd simd)
{
  switch (simd)
    {
    case LIGHTLY_SELECTION_SIMD_PORTABLE: return "portable";
    case LIGHTLY_SELECTION_SIMD_AVX2: return "avx2";
    case LIGHTLY_SELECTION_SIMD_AVX512: return "avx512";
    default: return NULL;
    }
}

/* AMD before Zen 5 (family ≤ 0x19) runs 512-bit operations as two 256-bit
 * halves; there the conversions make the AVX-512 kernels slower than AVX2
 * (measured on Zen 4: 12.8 vs 17.5 G multiply-adds/s with the P tile in L1;
 * equal when memory-bound), so AVX2 is preferred. */
static gboolean
avx512_half_rate (void)
{
#if defined(__x86_64__) || defined(__i386__)
  unsigned int eax, ebx, ecx, edx, family;

  __builtin_cpu_init ();
  if (!__builtin_cpu_is ("amd") || !__get_cpuid (1, &eax, &ebx, &ecx, &edx))
    return FALSE;
  family = (eax >> 8) & 0xf;
  if (family == 0xf)
    family += (eax >> 20) & 0xff;
  return family <= 0x19;
#else
  return FALSE;
#endif
}

static LightlySelectionSimd
best_simd (void)
{
  if (cpu_supports (LIGHTLY_SELECTION_SIMD_AVX512) &&
      !(avx512_half_rate () && cpu_supports (LIGHTLY_SELECTION_SIMD_AVX2)))
    return LIGHTLY_SELECTION_SIMD_AVX512;
  if (cpu_supports (LIGHTLY_SELECTION_SIMD_AVX2))
    return LIGHTLY_SELECTION_SIMD_AVX2;
  return LIGHTLY_SELECTION_SIMD_PORTABLE;
}

/**
 * lightly_selection_simd_current:
 *
 * The path the next run uses: LIGHTLY_SIMD if it names a supported path,
 * else the best the CPU supports (AVX-512, but AVX2 on AMD up to Zen 4). An unknown or unsupported LIGHTLY_SIMD
 * gets one g_warning per process and falls back to the best path: a
 * misconfigured environment must not fail selections.
 */
LightlySelectionSimd
lightly_selection_simd_current (void)
{
  static gint warned = 0;
  const char *env = g_getenv ("LIGHTLY_SIMD");
  LightlySelectionSimd s;

  if (forced_simd >= 0 && cpu_supports ((LightlySelectionSimd) forced_simd))
    return (LightlySelectionSimd) forced_simd;
  if (env == NULL || *env == '\0' || g_ascii_strcasecmp (env, "auto") == 0)
    return best_simd ();
  for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
    if (g_ascii_strcasecmp (env, lightly_selection_simd_name (s)) == 0)
      {
        if (cpu_supports (s))
          return s;
        if (g_atomic_int_compare_and_exchange (&warned, 0, 1))
          g_warning ("LIGHTLY_SIMD=%s is not supported by this CPU or build; using %s",
                     env, lightly_selection_simd_name (best_simd ()));
        return best_simd ();
      }
  if (g_atomic_int_compare_and_exchange (&warned, 0, 1))
    g_warning ("LIGHTLY_SIMD=%s is unknown (use portable, avx2 or avx512); using %s",
               env, lightly_selection_simd_name (best_simd ()));
  return best_simd ();
}

static const LightlySelectionKernels *
kernels_for (LightlySelectionSimd simd)
{
  switch (simd)
    {
#ifdef LIGHTLY_SELECTION_HAVE_AVX512
    case LIGHTLY_SELECTION_SIMD_AVX512:
      return &lightly_selection_kernels_avx512;
#endif
#ifdef LIGHTLY_SELECTION_HAVE_AVX2
    case LIGHTLY_SELECTION_SIMD_AVX2:
      return &lightly_selection_kernels_avx2;
#endif
    default:
      return &lightly_selection_kernels_portable;
    }
}

const LightlySelectionKernels *
lightly_selection_kernels_get (int simd)
{
  if (!cpu_supports ((LightlySelectionSimd) simd))
    return NULL;
  return kernels_for ((LightlySelectionSimd) simd);
}

const LightlySelectionKernels *
lightly_selection_kernels_current (void)
{
  return kernels_for (lightly_selection_simd_current ());
}

/* Tests only: 0 keeps the bfloat16 tiles off, 1 allows the AVX512_BF16
 * ones only, 2 the AMX ones where they can run, −1 the best that can. */
void
lightly_selection_set_bf16 (gint mode)
{
  forced_bf16 = mode;
}

/* CPUID leaf 7, sub-leaf 1, EAX bit 5, read directly: not every compiler's
 * __builtin_cpu_supports() knows "avx512bf16" (clang 14 does not). The
 * AVX-512 state of the OS is already checked with "avx512f". */
static gboolean
have_avx512_bf16 (void)
{
#if defined(__x86_64__) || defined(__i386__)
  unsigned int a, b, c, d;

  if (__get_cpuid_max (0, NULL) < 7)
    return FALSE;
  __cpuid_count (7, 1, a, b, c, d);
  return (a & (1u << 5)) != 0;
#else
  return FALSE;
#endif
}

/* Whether the AMX tiles can run: asked once, as the question also asks
 * Linux for the tile state (lightly_selection_amx_usable()). That grant
 * is for the whole process and makes its signal frames ~8 KiB larger (a
 * later sigaltstack() smaller than that fails), so a process that cannot
 * have it sets LIGHTLY_AMX=0, and the tiles stay on AVX512_BF16. */
static gboolean
have_amx (void)
{
#ifdef LIGHTLY_SELECTION_HAVE_AMX
  static gsize usable = 0;

  if (g_once_init_enter (&usable))
    g_once_init_leave (&usable, g_strcmp0 (g_getenv ("LIGHTLY_AMX"), "0") != 0 &&
                                have_avx512_bf16 () && lightly_selection_amx_usable () ? 2 : 1);
  return usable == 2;
#else
  return FALSE;
#endif
}

/**
 * lightly_selection_bf16_kernels:
 *
 * The bfloat16 tile kernels of the first pass over P, or NULL: they run
 * with the AVX-512 path only, when the CPU has AVX512_BF16 (and a test did
 * not turn them off), on AMX tiles where those can run. Without them the
 * first pass uses float32 tiles; the picks are the same bits either way.
 */
const LightlySelectionBf16Kernels *
lightly_selection_bf16_kernels (void)
{
#ifdef LIGHTLY_SELECTION_HAVE_BF16
  static gint cpu = -1;

  if (forced_bf16 == 0 || lightly_selection_simd_current () != LIGHTLY_SELECTION_SIMD_AVX512)
    return NULL;
  if (g_atomic_int_get (&cpu) < 0)
    g_atomic_int_set (&cpu, have_avx512_bf16 () ? 1 : 0);
  if (!g_atomic_int_get (&cpu))
    return NULL;
#ifdef LIGHTLY_SELECTION_HAVE_AMX
  if (forced_bf16 != 1 && have_amx ())
    return &lightly_selection_bf16_amx;
#endif
  return &lightly_selection_bf16_avx512;
#else
  return NULL;
#endif
}

/**
 * lightly_selection_bf16_amx_supported:
 *
 * Whether the bfloat16 tiles run on AMX here (when they run at all, see
 * lightly_selection_bf16_supported()): for tests and benchmarks, which
 * also run the AVX512_BF16 ones (lightly_selection_set_bf16 (1)).
 */
gboolean
lightly_selection_bf16_amx_supported (void)
{
  return lightly_selection_bf16_supported () && have_amx ();
}

/**
 * lightly_selection_bf16_supported:
 *
 * Whether this build and this CPU can run the bfloat16 tiles of the first
 * pass over P (AVX512_BF16, with the AVX-512 path), whatever path is
 * current: for tests and benchmarks, which force it on and off.
 */
gboolean
lightly_selection_bf16_supported (void)
{
#ifdef LIGHTLY_SELECTION_HAVE_BF16
  return cpu_supports (LIGHTLY_SELECTION_SIMD_AVX512) && have_avx512_bf16 ();
#else
  return FALSE;
#endif
}
