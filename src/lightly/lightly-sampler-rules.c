/* lightly-sampler-rules.c: the rules of a selection's inputs, one message each
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-sampler-rules-private.h"
#include "lightly-error.h"

/* Python's str() of a float for the values a config holds: the shortest
 * form that reads back to the same double, and no ".0" on whole numbers,
 * because Lightly's default min_distance is the int −1 and its names read
 * "_-1_". */
char *
lightly_sampler_rules_format_number (double x)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (x))
    return g_strdup ("nan");
  if (isinf (x))
    return g_strdup (x > 0 ? "inf" : "-inf");
  if (x == floor (x) && fabs (x) < 1e16)
    return g_strdup_printf ("%.0f", x);

  for (int precision = 1; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buf, sizeof buf, format, x);
      if (g_ascii_strtod (buf, NULL) == x)
        break;
    }
  return g_strdup (buf);
}

gboolean
lightly_sampler_rules_check_n_samples (double   n_samples,
                                       double   min_distance,
                                       GError **error)
{
  /* Written as negations so that NaN, which no comparison meets, counts as
   * inactive, as the engine reads it. */
  if (!(n_samples > 0) && !(min_distance > 0))
    {
      g_autofree char *n_value = lightly_sampler_rules_format_number (n_samples);
      g_autofree char *d_value = lightly_sampler_rules_format_number (min_distance);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The selection has no stopping condition: n-samples is %s and "
                   "min-distance is %s; set n-samples to the total size the labeled "
                   "set should reach, or min-distance to a distance in (0, 2]",
                   n_value, d_value);
      return FALSE;
    }
  return TRUE;
}

/* User text, made safe to quote in an error message (valid UTF-8). */
static char *
quote_text (const char *text)
{
  if (g_utf8_validate (text, -1, NULL))
    return g_strdup_printf ("“%s”", text);
  else
    {
      g_autofree char *escaped = g_strescape (text, NULL);

      return g_strdup_printf ("“%s” (not valid UTF-8)", escaped);
    }
}

static char *
describe_char (const char *p)
{
  gunichar c = g_utf8_get_char_validated (p, -1);

  if (c == (gunichar) -1 || c == (gunichar) -2)
    return g_strdup_printf ("the byte 0x%02x", (guint) (guchar) *p);
  if (g_unichar_isprint (c) && c != ' ')
    {
      char buf[8] = { 0 };

      g_unichar_to_utf8 (c, buf);
      return g_strdup_printf ("“%s”", buf);
    }
  return g_strdup_printf ("U+%04X", c);
}

static gboolean
is_tag_name_char (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr (" .:;=@_-", c) != NULL);
}

static gboolean
is_score_type_char (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("_+=,.@:/-", c) != NULL);
}

/* Lightly's TagName: ^[a-zA-Z0-9][a-zA-Z0-9 .:;=@_-]+$, at least 3 long. */
gboolean
lightly_sampler_rules_check_tag_name (const char  *name,
                                      GError     **error)
{
  g_autofree char *quoted = quote_text (name);

  if (strlen (name) < 3)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The tag name %s is too short: use at least 3 characters, or "
                   "leave the name unset to generate one", quoted);
      return FALSE;
    }
  if (!g_ascii_isalnum (name[0]))
    {
      g_autofree char *bad = describe_char (name);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The tag name %s starts with %s: start it with a letter or a "
                   "digit (a-z, A-Z, 0-9)", quoted, bad);
      return FALSE;
    }
  for (const char *p = name + 1; *p != '\0'; p++)
    {
      if (!is_tag_name_char (*p))
        {
          g_autofree char *bad = describe_char (p);

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "The tag name %s has %s at index %" G_GSIZE_FORMAT ": use only "
                       "letters, digits, spaces and . : ; = @ _ -",
                       quoted, bad, (gsize) (p - name));
          return FALSE;
        }
    }
  return TRUE;
}

/* Lightly's score type pattern: ^[a-zA-Z0-9_+=,.@:\/-]+$ */
gboolean
lightly_sampler_rules_check_score_type (const char  *score_type,
                                        GError     **error)
{
  g_autofree char *quoted = quote_text (score_type);

  if (*score_type == '\0')
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The score type is empty: name a score such as "
                   "“uncertainty_margin”, or leave it unset to let the server choose");
      return FALSE;
    }
  for (const char *p = score_type; *p != '\0'; p++)
    {
      if (!is_score_type_char (*p))
        {
          g_autofree char *bad = describe_char (p);

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "The score type %s has %s at index %" G_GSIZE_FORMAT ": use only "
                       "letters, digits and _ + = , . @ : / -",
                       quoted, bad, (gsize) (p - score_type));
          return FALSE;
        }
    }
  return TRUE;
}
