/* lightly-json-array.c: streaming JSON for large arrays (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "backend/lightly-json-array.h"
#include "lightly/lightly-error.h"

/* Nesting limit for skipped values, so hostile input can't exhaust the stack. */
#define MAX_DEPTH 64

/* ---------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------- */

void
lightly_json_append_string (GString    *out,
                            const char *str)
{
  static const char hex[] = "0123456789abcdef";
  const char *run = str;

  g_string_append_c (out, '"');
  for (const char *p = str; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;
      g_string_append_len (out, run, p - run);
      run = p + 1;
      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          g_string_append (out, "\\u00");
          g_string_append_c (out, hex[c >> 4]);
          g_string_append_c (out, hex[c & 0xf]);
        }
    }
  g_string_append (out, run);
  g_string_append_c (out, '"');
}

void
lightly_json_append_double (GString *out,
                            double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      /* JSON has no NaN or infinity; callers validate, this is a last guard. */
      g_string_append (out, "null");
      return;
    }
  if (value == floor (value) && fabs (value) < 1e15)
    {
      /* Integers print without exponent; -0 prints as 0. */
      g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) value);
      return;
    }
  /* 15 digits when they read back exactly (short and readable, like
   * "0.1"), else 17, which always round-trip. */
  g_ascii_formatd (buf, sizeof buf, "%.15g", value);
  if (g_ascii_strtod (buf, NULL) != value)
    g_ascii_formatd (buf, sizeof buf, "%.17g", value);
  g_string_append (out, buf);
}

void
lightly_json_append_string_array (GString            *out,
                                  const char * const *strv,
                                  gssize              n)
{
  g_string_append_c (out, '[');
  for (gsize i = 0; n < 0 ? strv[i] != NULL : i < (gsize) n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      lightly_json_append_string (out, strv[i]);
    }
  g_string_append_c (out, ']');
}

void
lightly_json_append_double_array (GString      *out,
                                  const double *values,
                                  gsize         n)
{
  g_string_append_c (out, '[');
  for (gsize i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      lightly_json_append_double (out, values[i]);
    }
  g_string_append_c (out, ']');
}

/* ---------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------- */

void
lightly_json_scanner_init (LightlyJsonScanner *s,
                           const char         *data,
                           gsize               len,
                           const char         *what)
{
  s->start = data != NULL ? data : "";
  s->p = s->start;
  s->end = s->start + (data != NULL ? len : 0);
  s->what = what != NULL ? what : "JSON";
}

static gboolean
scan_error (LightlyJsonScanner  *s,
            GError             **error,
            const char          *expected)
{
  if (s->p >= s->end)
    g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                 "%s is not valid JSON: it ends at byte %" G_GSIZE_FORMAT " where %s was expected",
                 s->what, (gsize) (s->p - s->start), expected);
  else
    g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                 "%s is not valid JSON: expected %s at byte %" G_GSIZE_FORMAT,
                 s->what, expected, (gsize) (s->p - s->start));
  return FALSE;
}

char
lightly_json_scanner_peek (LightlyJsonScanner *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
  return s->p < s->end ? *s->p : '\0';
}

gboolean
lightly_json_scanner_accept (LightlyJsonScanner *s,
                             char                c)
{
  if (lightly_json_scanner_peek (s) == c && s->p < s->end)
    {
      s->p++;
      return TRUE;
    }
  return FALSE;
}

gboolean
lightly_json_scanner_expect (LightlyJsonScanner  *s,
                             char                 c,
                             GError             **error)
{
  char what[8];

  if (lightly_json_scanner_accept (s, c))
    return TRUE;
  g_snprintf (what, sizeof what, "“%c”", c);
  return scan_error (s, error, what);
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (LightlyJsonScanner *s,
           gunichar           *out)
{
  gunichar v = 0;

  if (s->end - s->p < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (s->p[i]);

      if (h < 0)
        return FALSE;
      v = (v << 4) | (gunichar) h;
    }
  s->p += 4;
  *out = v;
  return TRUE;
}

/* Parses a string; out may be NULL to skip it. */
gboolean
lightly_json_scanner_string (LightlyJsonScanner  *s,
                             char               **out,
                             GError             **error)
{
  g_autoptr(GString) str = NULL;
  const char *run;

  if (lightly_json_scanner_peek (s) != '"')
    return scan_error (s, error, "a string");
  s->p++;
  if (out != NULL)
    str = g_string_new (NULL);
  run = s->p;
  while (s->p < s->end)
    {
      guchar c = (guchar) *s->p;

      if (c == '"')
        {
          if (str != NULL)
            g_string_append_len (str, run, s->p - run);
          s->p++;
          if (str != NULL)
            {
              if (!g_utf8_validate_len (str->str, str->len, NULL))
                {
                  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                               "%s holds a string that is not valid UTF-8 (before byte %" G_GSIZE_FORMAT ")",
                               s->what, (gsize) (s->p - s->start));
                  return FALSE;
                }
              *out = g_string_free (g_steal_pointer (&str), FALSE);
            }
          return TRUE;
        }
      if (c < 0x20)
        return scan_error (s, error, "no control character inside a string");
      if (c != '\\')
        {
          s->p++;
          continue;
        }

      if (str != NULL)
        g_string_append_len (str, run, s->p - run);
      s->p++;
      if (s->p >= s->end)
        break;
      c = (guchar) *s->p++;
      switch (c)
        {
        case '"': case '\\': case '/':
          if (str != NULL) g_string_append_c (str, (char) c);
          break;
        case 'b': if (str != NULL) g_string_append_c (str, '\b'); break;
        case 'f': if (str != NULL) g_string_append_c (str, '\f'); break;
        case 'n': if (str != NULL) g_string_append_c (str, '\n'); break;
        case 'r': if (str != NULL) g_string_append_c (str, '\r'); break;
        case 't': if (str != NULL) g_string_append_c (str, '\t'); break;
        case 'u':
          {
            gunichar u, lo;

            if (!read_hex4 (s, &u))
              return scan_error (s, error, "four hex digits after \\u");
            if (u >= 0xd800 && u < 0xdc00)
              {
                if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
                  return scan_error (s, error, "a low surrogate after a high surrogate");
                s->p += 2;
                if (!read_hex4 (s, &lo) || lo < 0xdc00 || lo > 0xdfff)
                  return scan_error (s, error, "a low surrogate after a high surrogate");
                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
              }
            else if (u >= 0xdc00 && u < 0xe000)
              return scan_error (s, error, "no lone low surrogate");
            if (u == 0)
              return scan_error (s, error, "no NUL character (\\u0000) in a string");
            if (str != NULL)
              g_string_append_unichar (str, u);
            break;
          }
        default:
          s->p--;
          return scan_error (s, error, "a valid escape after a backslash");
        }
      run = s->p;
    }
  return scan_error (s, error, "the closing quote of a string");
}

gboolean
lightly_json_scanner_number (LightlyJsonScanner  *s,
                             double              *out,
                             GError             **error)
{
  const char *begin, *q;
  char buf[64];
  double v;

  lightly_json_scanner_peek (s);
  begin = q = s->p;
  /* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  if (q < s->end && *q == '-')
    q++;
  if (q < s->end && *q == '0')
    q++;
  else if (q < s->end && *q >= '1' && *q <= '9')
    while (q < s->end && g_ascii_isdigit (*q))
      q++;
  else
    return scan_error (s, error, "a number");
  if (q < s->end && *q == '.')
    {
      q++;
      if (q >= s->end || !g_ascii_isdigit (*q))
        return scan_error (s, error, "digits after a decimal point");
      while (q < s->end && g_ascii_isdigit (*q))
        q++;
    }
  if (q < s->end && (*q == 'e' || *q == 'E'))
    {
      q++;
      if (q < s->end && (*q == '+' || *q == '-'))
        q++;
      if (q >= s->end || !g_ascii_isdigit (*q))
        return scan_error (s, error, "digits in an exponent");
      while (q < s->end && g_ascii_isdigit (*q))
        q++;
    }
  if ((gsize) (q - begin) >= sizeof buf)
    return scan_error (s, error, "a number of at most 63 characters");
  memcpy (buf, begin, q - begin);
  buf[q - begin] = '\0';
  v = g_ascii_strtod (buf, NULL);
  if (!isfinite (v))
    return scan_error (s, error, "a finite number");
  s->p = q;
  if (out != NULL)
    *out = v;
  return TRUE;
}

static gboolean
accept_word (LightlyJsonScanner *s,
             const char         *word)
{
  gsize len = strlen (word);

  if ((gsize) (s->end - s->p) >= len && memcmp (s->p, word, len) == 0)
    {
      s->p += len;
      return TRUE;
    }
  return FALSE;
}

static gboolean
skip_value (LightlyJsonScanner  *s,
            int                  depth,
            GError             **error)
{
  char c = lightly_json_scanner_peek (s);

  if (depth > MAX_DEPTH)
    return scan_error (s, error, "at most 64 nested arrays or objects");
  switch (c)
    {
    case '"':
      return lightly_json_scanner_string (s, NULL, error);
    case '{':
      s->p++;
      if (lightly_json_scanner_accept (s, '}'))
        return TRUE;
      do
        {
          if (!lightly_json_scanner_string (s, NULL, error) ||
              !lightly_json_scanner_expect (s, ':', error) ||
              !skip_value (s, depth + 1, error))
            return FALSE;
        }
      while (lightly_json_scanner_accept (s, ','));
      return lightly_json_scanner_expect (s, '}', error);
    case '[':
      s->p++;
      if (lightly_json_scanner_accept (s, ']'))
        return TRUE;
      do
        if (!skip_value (s, depth + 1, error))
          return FALSE;
      while (lightly_json_scanner_accept (s, ','));
      return lightly_json_scanner_expect (s, ']', error);
    case 't':
      if (accept_word (s, "true"))
        return TRUE;
      break;
    case 'f':
      if (accept_word (s, "false"))
        return TRUE;
      break;
    case 'n':
      if (accept_word (s, "null"))
        return TRUE;
      break;
    default:
      return lightly_json_scanner_number (s, NULL, error);
    }
  return scan_error (s, error, "a JSON value");
}

gboolean
lightly_json_scanner_skip_value (LightlyJsonScanner  *s,
                                 GError             **error)
{
  return skip_value (s, 0, error);
}

gboolean
lightly_json_scanner_string_array (LightlyJsonScanner  *s,
                                   GPtrArray           *out,
                                   GError             **error)
{
  if (!lightly_json_scanner_expect (s, '[', error))
    return FALSE;
  if (lightly_json_scanner_accept (s, ']'))
    return TRUE;
  do
    {
      char *str = NULL;

      if (!lightly_json_scanner_string (s, &str, error))
        return FALSE;
      g_ptr_array_add (out, str);
    }
  while (lightly_json_scanner_accept (s, ','));
  return lightly_json_scanner_expect (s, ']', error);
}

/* At most max values: a body of "0,0,…" holds one value per two bytes, and
 * eight bytes for each would be four times the body. */
static gboolean
double_array_max (LightlyJsonScanner  *s,
                  GArray              *out,
                  gsize                max_values,
                  GError             **error)
{
  if (!lightly_json_scanner_expect (s, '[', error))
    return FALSE;
  if (lightly_json_scanner_accept (s, ']'))
    return TRUE;
  do
    {
      double v;

      if (out->len >= max_values)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s: the array holds more than the %" G_GSIZE_FORMAT " values it may hold (at byte %"
                       G_GSIZE_FORMAT ")", s->what, max_values, (gsize) (s->p - s->start));
          return FALSE;
        }
      if (!lightly_json_scanner_number (s, &v, error))
        return FALSE;
      g_array_append_val (out, v);
    }
  while (lightly_json_scanner_accept (s, ','));
  return lightly_json_scanner_expect (s, ']', error);
}

gboolean
lightly_json_scanner_double_array (LightlyJsonScanner  *s,
                                   GArray              *out,
                                   GError             **error)
{
  return double_array_max (s, out, G_MAXSIZE, error);
}

gboolean
lightly_json_scanner_end (LightlyJsonScanner  *s,
                          GError             **error)
{
  if (lightly_json_scanner_peek (s) == '\0' && s->p >= s->end)
    return TRUE;
  return scan_error (s, error, "the end of the document");
}

char **
lightly_json_parse_string_array (const char  *data,
                                 gsize        len,
                                 const char  *what,
                                 gsize       *n_out,
                                 GError     **error)
{
  LightlyJsonScanner s;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  lightly_json_scanner_init (&s, data, len, what);
  if (!lightly_json_scanner_string_array (&s, names, error) || !lightly_json_scanner_end (&s, error))
    return NULL;
  if (n_out != NULL)
    *n_out = names->len;
  g_ptr_array_add (names, NULL);
  g_ptr_array_set_free_func (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

double *
lightly_json_parse_double_array (const char  *data,
                                 gsize        len,
                                 const char  *what,
                                 gsize       *n_out,
                                 GError     **error)
{
  LightlyJsonScanner s;
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));

  lightly_json_scanner_init (&s, data, len, what);
  if (!lightly_json_scanner_double_array (&s, values, error) || !lightly_json_scanner_end (&s, error))
    return NULL;
  *n_out = values->len;
  return (double *) g_array_free (g_steal_pointer (&values), FALSE);
}

gboolean
lightly_json_parse_scores_request (const char  *data,
                                   gsize        len,
                                   char       **score_type,
                                   double     **values,
                                   gsize       *n_values,
                                   GError     **error)
{
  return lightly_json_parse_scores_request_max (data, len, G_MAXSIZE, score_type, values, n_values, error);
}

gboolean
lightly_json_parse_scores_request_max (const char  *data,
                                       gsize        len,
                                       gsize        max_values,
                                       char       **score_type,
                                       double     **values,
                                       gsize       *n_values,
                                       GError     **error)
{
  LightlyJsonScanner s;
  g_autofree char *type = NULL;
  g_autoptr(GArray) scores = NULL;

  lightly_json_scanner_init (&s, data, len, "The request body");
  if (!lightly_json_scanner_expect (&s, '{', error))
    return FALSE;
  if (!lightly_json_scanner_accept (&s, '}'))
    {
      do
        {
          g_autofree char *key = NULL;

          if (!lightly_json_scanner_string (&s, &key, error) ||
              !lightly_json_scanner_expect (&s, ':', error))
            return FALSE;
          if (g_str_equal (key, "scoreType"))
            {
              g_clear_pointer (&type, g_free);
              if (!lightly_json_scanner_string (&s, &type, error))
                return FALSE;
            }
          else if (g_str_equal (key, "scores"))
            {
              g_clear_pointer (&scores, g_array_unref);
              /* Sized once when the count is known: no doubling. */
              scores = g_array_sized_new (FALSE, FALSE, sizeof (double), max_values == G_MAXSIZE ? 0
                                          : (guint) MIN (max_values, MIN (len / 2 + 1, G_MAXUINT / 2)));
              if (!double_array_max (&s, scores, max_values, error))
                return FALSE;
            }
          else if (!lightly_json_scanner_skip_value (&s, error))
            return FALSE;
        }
      while (lightly_json_scanner_accept (&s, ','));
      if (!lightly_json_scanner_expect (&s, '}', error))
        return FALSE;
    }
  if (!lightly_json_scanner_end (&s, error))
    return FALSE;
  if (type == NULL || scores == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The request body lacks “%s”: send {\"scoreType\": NAME, \"scores\": [numbers…]}",
                   type == NULL ? "scoreType" : "scores");
      return FALSE;
    }
  *score_type = g_steal_pointer (&type);
  *n_values = scores->len;
  *values = (double *) g_array_free (g_steal_pointer (&scores), FALSE);
  return TRUE;
}
