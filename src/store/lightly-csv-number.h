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

typedef enum {
  LIGHTLY_CSV_NUM_OK,
  LIGHTLY_CSV_NUM_BAD,
  LIGHTLY_CSV_NUM_NOT_FINITE,
} LightlyCsvNum;

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
    d /= lightly_csv_pow10[-e10];
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
  *out = neg ? -f : f;
  return TRUE;
}

/* The common case of an embedding field, fused with splitting the record:
 * an unquoted plain decimal at p that ends at ',' or at end and that
 * lightly_csv_clinger() resolves. Then *out is the value, *stop the field's end,
 * and TRUE; anything else (spaces, quotes, long mantissas, errors) is FALSE
 * and goes through the record splitter and lightly_csv_parse_float(). */
static inline gboolean
lightly_csv_parse_float_fast (const char *p, const char *end, float *out, const char **stop)
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

/* Parses [p, end) as the float32 nearest to its decimal value, exactly as
 * strtof in the C locale would (spaces around it allowed). */
LightlyCsvNum lightly_csv_parse_float (const char *p, const char *end, float *out);

/* A decimal integer label, spaces around it allowed. */
gboolean lightly_csv_parse_label (const char *fs, const char *fe, gint64 *out);

G_END_DECLS
