/* lightly-csv-number.h: the numbers of an embeddings CSV (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every embedding value is parsed to the float32 strtof would give in the C
 * locale, bit for bit: lightly_csv_parse_float_fast() (inline, for the
 * parsers' inner loops) takes plain decimals through Clinger's fast path,
 * lightly_csv_parse_float() (lightly-csv-number.c) everything else.
 */
#pragma once

#include <math.h>
#include <string.h>
#include <glib.h>

G_BEGIN_DECLS

static const double lightly_csv_pow10[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The doubles nearest 10^-k (the compiler rounds decimal constants
 * correctly). */
static const double lightly_csv_pow10_neg[] = {
  1e0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11,
  1e-12, 1e-13, 1e-14, 1e-15, 1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22,
};

typedef enum {
  LIGHTLY_CSV_NUM_OK,
  LIGHTLY_CSV_NUM_BAD,
  LIGHTLY_CSV_NUM_NOT_FINITE,
} LightlyCsvNum;

/* ±f without a branch on the sign: it is as often one as the other. */
static inline float
lightly_csv_signed (float f, gboolean neg)
{
  guint32 u;

  memcpy (&u, &f, sizeof u);
  u ^= (guint32) (neg != 0) << 31;
  memcpy (&f, &u, sizeof u);
  return f;
}

/* The float32 nearest to ±m·10^e10 (ties to even, as strtof), if Clinger's
 * fast path gets it: a mantissa of at most 2^53 and a power of ten of at
 * most 22 are both exact doubles, so one IEEE multiplication or division
 * gives d, the double nearest to the decimal x. Rounding d to float gives the
 * float nearest to x unless d is a float midpoint: every float and every
 * float midpoint (25 bits) is a double, so a midpoint strictly between x and
 * d would be a double nearer to x than d; only d itself on a midpoint (where
 * x may lie on either side) is ambiguous, and goes to the slow path (about
 * one value in 2^29). FALSE: use the slow path. */
static inline gboolean
lightly_csv_clinger (guint64 m, int e10, gboolean neg, float *out)
{
  double d;
  float f;
  guint64 bits;

  if (m == 0)
    {
      *out = neg ? -0.0f : 0.0f;
      return TRUE;
    }
  if (m > (G_GUINT64_CONSTANT (1) << 53) || e10 < -22 || e10 > 22)
    return FALSE;
  d = (double) (gint64) m;      /* m ≤ 2^53: a signed conversion is exact and cheaper */
  if (e10 < 0)
    {
      /* A division costs more than all the rest of a number, and waits for
       * the one before; a multiplication by the double nearest 10^e10 is
       * within 2^-52 relative of m·10^e10 (two roundings), i.e. within 2
       * units of d's last place. So unless the 29 bits below float
       * precision are within 16 units of a float midpoint (1000…0), both
       * round to the same float; otherwise, and below the normal range
       * (coarser floats), the exact division decides as before. */
      double q = d * lightly_csv_pow10_neg[-e10];

      memcpy (&bits, &q, sizeof bits);
      if (fabs (q) >= 0x1p-126 &&
          ((bits & G_GUINT64_CONSTANT (0x1FFFFFFF)) - G_GUINT64_CONSTANT (0x10000000 - 16)) >
            G_GUINT64_CONSTANT (32))
        {
          /* Below 2^53: finite. */
          *out = lightly_csv_signed ((float) q, neg);
          return TRUE;
        }
      d /= lightly_csv_pow10[-e10];
    }
  else
    d *= lightly_csv_pow10[e10];
  f = (float) d;
  if (!isfinite (f))
    return FALSE;
  memcpy (&bits, &d, sizeof bits);
  if (fabs (d) >= 0x1p-126)
    {
      /* A float midpoint in the normal range: the 29 bits below float
       * precision are exactly 1000…0. */
      if ((bits & G_GUINT64_CONSTANT (0x1FFFFFFF)) == G_GUINT64_CONSTANT (0x10000000))
        return FALSE;
    }
  else if ((double) f != d)
    {
      float g = nextafterf (f, (double) f < d ? INFINITY : -INFINITY);

      /* f, g and d are within a factor 2: both differences are exact. */
      if (isfinite (g) && d - (double) f == (double) g - d)
        return FALSE;
    }
  *out = lightly_csv_signed (f, neg);
  return TRUE;
}

/* The common case of an embedding field, fused with splitting the record:
 * an unquoted plain decimal at p that ends at ',' or at end and that
 * lightly_csv_clinger() resolves. Then *out is the value, *stop the field's end,
 * and TRUE; anything else (spaces, quotes, long mantissas, errors) is FALSE
 * and goes through the record splitter and lightly_csv_parse_float(). */
static inline gboolean
lightly_csv_parse_float_bytes (const char *p, const char *end, float *out, const char **stop)
{
  gboolean neg = FALSE, any = FALSE;
  guint64 m = 0;
  int nd = 0, e10 = 0;

  if (p < end && *p == '-')
    {
      neg = TRUE;
      p++;
    }
  for (; p < end && *p == '0'; p++)
    any = TRUE;
  for (; p < end && (unsigned) (*p - '0') < 10u; p++, nd++)
    m = m * 10 + (guint64) (*p - '0');
  if (p < end && *p == '.')
    {
      p++;
      if (m == 0)
        for (; p < end && *p == '0'; p++, e10--)
          any = TRUE;
      for (; p < end && (unsigned) (*p - '0') < 10u; p++, nd++, e10--)
        m = m * 10 + (guint64) (*p - '0');
    }
  if ((!any && nd == 0) || nd > 19)
    return FALSE;
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      gboolean eneg = FALSE;
      int ex = 0, ed = 0;

      p++;
      if (p < end && (*p == '-' || *p == '+'))
        eneg = *p++ == '-';
      for (; p < end && (unsigned) (*p - '0') < 10u && ed < 4; p++, ed++)
        ex = ex * 10 + (*p - '0');
      if (ed == 0 || ed == 4)
        return FALSE;
      e10 += eneg ? -ex : ex;
    }
  if (p != end && *p != ',')
    return FALSE;
  if (!lightly_csv_clinger (m, e10, neg, out))
    return FALSE;
  *stop = p;
  return TRUE;
}

static const guint64 lightly_csv_pow10_u64[] = {
  1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u,
};

/* The digits at p (8 bytes must be readable): their count n ≤ 8 before the
 * first non-digit, and their value in *val. Eight bytes at once (SWAR):
 * x = bytes − '0'; a byte is a digit iff its x is ≤ 9, i.e. neither x nor
 * x + 0x76 has its top bit (a byte below '0' wraps to ≥ 0xD0; a borrow only
 * moves toward later bytes, past the first non-digit). The n digits are
 * moved to the top bytes (zeros before them) and combined pairwise:
 * 10·a + b per byte pair, then 100·ab + cd and 10⁴·abcd + efgh by two
 * multiplications on 32-bit lanes. */
static inline int
lightly_csv_digits8 (const char *p, guint64 *val)
{
  guint64 v, x, mask;
  int n;

  memcpy (&v, p, sizeof v);
  v = GUINT64_FROM_LE (v);
  x = v - G_GUINT64_CONSTANT (0x3030303030303030);
  mask = ((x + G_GUINT64_CONSTANT (0x7676767676767676)) | x) & G_GUINT64_CONSTANT (0x8080808080808080);
  n = mask != 0 ? __builtin_ctzll (mask) >> 3 : 8;
  /* Two shifts, as one of 64 (n = 0) is undefined: no branch on n, whose
   * value the processor cannot predict. */
  x = (x << (32 - 4 * n)) << (32 - 4 * n);
  x = x * 10 + (x >> 8);
  x = (((x & G_GUINT64_CONSTANT (0x000000FF000000FF)) * G_GUINT64_CONSTANT (0x000F424000000064)) +
       (((x >> 16) & G_GUINT64_CONSTANT (0x000000FF000000FF)) * G_GUINT64_CONSTANT (0x0000271000000001))) >> 32;
  *val = x;
  return n;
}

/* lightly_csv_parse_float_bytes() with the digits read eight at a time: the
 * same decimal m·10^e10 (leading zeros add nothing to m and the fraction's
 * digits count in e10 alike), so the same float. Fields too close to the
 * record's end, integer parts of 8 digits or more, and more than 19 digits
 * (leading zeros included) go through the byte loop. */
static inline gboolean
lightly_csv_parse_float_fast (const char *p, const char *end, float *out, const char **stop)
{
  const char *start = p;
  gboolean neg = FALSE;
  guint64 m, f;
  int n, nd, e10 = 0;

  if (end - p < 32)
    return lightly_csv_parse_float_bytes (p, end, out, stop);
  if (*p == '-')
    {
      neg = TRUE;
      p++;
    }
  nd = lightly_csv_digits8 (p, &m);
  if (nd == 8)
    return lightly_csv_parse_float_bytes (start, end, out, stop);
  p += nd;
  if (*p == '.')
    {
      p++;
      n = lightly_csv_digits8 (p, &f);
      p += n;
      m = m * lightly_csv_pow10_u64[n] + f;
      nd += n;
      e10 = -n;
      if (n == 8)
        {
          n = lightly_csv_digits8 (p, &f);
          if (n == 8)
            return lightly_csv_parse_float_bytes (start, end, out, stop);
          p += n;
          m = m * lightly_csv_pow10_u64[n] + f;
          nd += n;
          e10 -= n;
        }
    }
  if (nd == 0 || nd > 19)
    return lightly_csv_parse_float_bytes (start, end, out, stop);
  if (*p == 'e' || *p == 'E')
    {
      gboolean eneg = FALSE;
      int ex = 0, ed = 0;

      p++;
      if (*p == '-' || *p == '+')
        eneg = *p++ == '-';
      for (; p < end && (unsigned) (*p - '0') < 10u && ed < 4; p++, ed++)
        ex = ex * 10 + (*p - '0');
      if (ed == 0 || ed == 4)
        return FALSE;
      e10 += eneg ? -ex : ex;
    }
  if (p != end && *p != ',')
    return FALSE;
  if (!lightly_csv_clinger (m, e10, neg, out))
    return FALSE;
  *stop = p;
  return TRUE;
}

/* Bytes that must be readable past the end of the valid data of any buffer
 * handed to lightly_csv_parse_floats_run(): it loads whole 64-byte blocks
 * and 8-byte words and only then looks at where the data ends. */
#define LIGHTLY_CSV_PAD 64

/* The embedding values of one record, fused with splitting it: from p, the
 * fields that end in ',' before end and are plain decimals that
 * lightly_csv_clinger() resolves, into out[0], out[1], … (at most n).
 * Returns how many; *next is then past the last one's ','. It stops at the
 * first other field (which the caller parses as before, errors included),
 * so the values it gives are the ones the field-by-field path would give.
 * [end, end + LIGHTLY_CSV_PAD) must be readable. */
gsize lightly_csv_parse_floats_run (const char *p, const char *end, float *out, gsize n,
                                    const char **next);

/* Parses [p, end) as the float32 nearest to its decimal value, exactly as
 * strtof in the C locale would (spaces around it allowed). */
LightlyCsvNum lightly_csv_parse_float (const char *p, const char *end, float *out);

/* A decimal integer label, spaces around it allowed. */
gboolean lightly_csv_parse_label (const char *fs, const char *fe, gint64 *out);

G_END_DECLS
