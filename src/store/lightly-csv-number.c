/* lightly-csv-number.c: the slow paths of the embeddings CSV's numbers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdlib.h>

#include "store/lightly-csv-number.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The ',' bytes among the 64 at p, bit i for p[i]. */
static inline guint64
comma_mask64 (const char *p)
{
#ifdef __SSE2__
  const __m128i comma = _mm_set1_epi8 (',');
  guint64 m0 = (guint32) _mm_movemask_epi8 (_mm_cmpeq_epi8 (_mm_loadu_si128 ((const void *) p), comma));
  guint64 m1 = (guint32) _mm_movemask_epi8 (_mm_cmpeq_epi8 (_mm_loadu_si128 ((const void *) (p + 16)), comma));
  guint64 m2 = (guint32) _mm_movemask_epi8 (_mm_cmpeq_epi8 (_mm_loadu_si128 ((const void *) (p + 32)), comma));
  guint64 m3 = (guint32) _mm_movemask_epi8 (_mm_cmpeq_epi8 (_mm_loadu_si128 ((const void *) (p + 48)), comma));

  return m0 | m1 << 16 | m2 << 32 | m3 << 48;
#else
  guint64 mask = 0;
  int i;

  for (i = 0; i < 64; i++)
    mask |= (guint64) (p[i] == ',') << i;
  return mask;
#endif
}

/* The field [p, fe) (fe at a ',') as lightly_csv_parse_float_fast() would
 * read it, but with its end known: the digits cannot run past fe, and
 * nothing here feeds the next field's start, so the work on consecutive
 * fields overlaps in the processor instead of waiting on one another. */
static inline gboolean
parse_known (const char *p, const char *fe, float *out)
{
  gboolean neg = *p == '-';
  guint64 m, f;
  int n, nd, e10 = 0;

  p += neg;
  /* Embeddings are mostly below 10: one digit before the point. */
  if ((unsigned) (p[0] - '0') < 10u && p[1] == '.')
    {
      m = (guint64) (p[0] - '0');
      nd = 1;
      p++;
    }
  else
    {
      nd = lightly_csv_digits8 (p, &m);
      if (nd == 8)
        return FALSE;
      p += nd;
    }
  if (*p == '.')
    {
      guint64 g;
      int n2;

      p++;
      n = lightly_csv_digits8 (p, &f);
      /* The next eight are read whether the first eight were all digits or
       * not (the lengths of fractions vary too much to predict a branch),
       * and count only if they were. */
      n2 = lightly_csv_digits8 (p + n, &g);
      n2 = n == 8 ? n2 : 0;
      g = n == 8 ? g : 0;
      if (n2 == 8)
        return FALSE;
      m = (m * lightly_csv_pow10_u64[n] + f) * lightly_csv_pow10_u64[n2] + g;
      p += n + n2;
      nd += n + n2;
      e10 = -(n + n2);
    }
  /* More than 19 digits may have wrapped m: the slow path's. */
  if (nd == 0 || nd > 19)
    return FALSE;
  if (p != fe)
    {
      gboolean eneg;
      int ex = 0;

      if ((*p | 0x20) != 'e')
        return FALSE;
      p++;
      eneg = *p == '-';
      p += *p == '-' || *p == '+';
      if (p == fe || fe - p > 3)
        return FALSE;
      for (; p < fe; p++)
        {
          if ((unsigned) (*p - '0') >= 10u)
            return FALSE;
          ex = ex * 10 + (*p - '0');
        }
      e10 += eneg ? -ex : ex;
    }
  return lightly_csv_clinger (m, e10, neg, out);
}

/* The record is split at the ',' bits of 64-byte blocks rather than by the
 * number scan's own stop: a scan that ends where the next one starts makes
 * every field wait for the loads of the one before. */
gsize
lightly_csv_parse_floats_run (const char *p, const char *end, float *out, gsize n,
                              const char **next)
{
  const char *blk = p;
  gsize j = 0;

  while (j < n && blk < end)
    {
      guint64 mask = comma_mask64 (blk);

      if (end - blk < 64)
        mask &= (G_GUINT64_CONSTANT (1) << (end - blk)) - 1;
      while (mask != 0)
        {
          const char *fe = blk + __builtin_ctzll (mask);

          mask &= mask - 1;
          if (!parse_known (p, fe, &out[j]))
            goto done;
          p = fe + 1;
          if (++j == n)
            goto done;
        }
      blk += 64;
    }
done:
  *next = p;
  return j;
}

/* strtof in the C locale, whatever the process's locale: the slow path. */
static float
strtof_c (const char *s, char **endp)
{
  static gsize c_locale = 0;
  locale_t old;
  float f;

  if (g_once_init_enter (&c_locale))
    g_once_init_leave (&c_locale, (gsize) newlocale (LC_ALL_MASK, "C", (locale_t) 0));
  old = uselocale ((locale_t) c_locale);
  f = strtof (s, endp);
  uselocale (old);
  return f;
}

/* Parses [p, end) as the float32 nearest to its decimal value, exactly as
 * strtof in the C locale would: lightly_csv_clinger() where it can, strtof_c()
 * for the rest. *end must not be a digit, so strtof stops at the field end. */
LightlyCsvNum
lightly_csv_parse_float (const char *p, const char *end, float *out)
{
  const char *start = p;
  gboolean neg = FALSE;
  gboolean any = FALSE;
  guint64 m = 0;
  int nd = 0;
  int e10 = 0;
  float d;
  char *endp = NULL;

  while (p < end && *p == ' ')
    p++;
  if (p < end && (*p == '-' || *p == '+'))
    neg = *p++ == '-';
  while (p < end && *p == '0')
    {
      p++;
      any = TRUE;
    }
  while (p < end && (unsigned) (*p - '0') < 10u)
    {
      if (nd >= 19)
        goto slow;
      m = m * 10 + (guint64) (*p - '0');
      nd++;
      p++;
      any = TRUE;
    }
  if (p < end && *p == '.')
    {
      p++;
      if (m == 0)
        while (p < end && *p == '0')
          {
            p++;
            e10--;
            any = TRUE;
          }
      while (p < end && (unsigned) (*p - '0') < 10u)
        {
          if (nd >= 19)
            goto slow;
          m = m * 10 + (guint64) (*p - '0');
          nd++;
          e10--;
          p++;
          any = TRUE;
        }
    }
  if (!any)
    goto slow;
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      gboolean eneg = FALSE;
      int ex = 0;
      int ed = 0;

      p++;
      if (p < end && (*p == '-' || *p == '+'))
        eneg = *p++ == '-';
      while (p < end && (unsigned) (*p - '0') < 10u)
        {
          if (ex < 100000)
            ex = ex * 10 + (*p - '0');
          ed++;
          p++;
        }
      if (ed == 0)
        goto slow;
      e10 += eneg ? -ex : ex;
    }
  while (p < end && *p == ' ')
    p++;
  if (p != end)
    goto slow;
  if (lightly_csv_clinger (m, e10, neg, out))
    return LIGHTLY_CSV_NUM_OK;

slow:
  {
    /* strtod needs a terminated copy: it skips leading whitespace, which
     * could run past the field. */
    char tmp[64];
    g_autofree char *heap = NULL;
    gsize len = (gsize) (end - start);
    char *copy = tmp;

    if (len == 0 || memchr (start, 'x', len) != NULL || memchr (start, 'X', len) != NULL)
      return LIGHTLY_CSV_NUM_BAD;
    if (len >= sizeof tmp)
      copy = heap = g_malloc (len + 1);
    memcpy (copy, start, len);
    copy[len] = '\0';
    d = strtof_c (copy, &endp);
    if (endp == copy)
      return LIGHTLY_CSV_NUM_BAD;
    while (*endp == ' ')
      endp++;
    if (*endp != '\0')
      return LIGHTLY_CSV_NUM_BAD;
    if (!isfinite (d))
      return LIGHTLY_CSV_NUM_NOT_FINITE;
    *out = d;
    return LIGHTLY_CSV_NUM_OK;
  }
}

gboolean
lightly_csv_parse_label (const char *fs, const char *fe, gint64 *out)
{
  char tmp[32];
  gsize len = (gsize) (fe - fs);
  char *endp = NULL;
  gint64 v;

  while (len > 0 && *fs == ' ')
    {
      fs++;
      len--;
    }
  while (len > 0 && fs[len - 1] == ' ')
    len--;
  if (len == 0 || len >= sizeof tmp)
    return FALSE;
  memcpy (tmp, fs, len);
  tmp[len] = '\0';
  errno = 0;
  v = g_ascii_strtoll (tmp, &endp, 10);
  if (errno != 0 || endp != tmp + len)
    return FALSE;
  *out = v;
  return TRUE;
}

