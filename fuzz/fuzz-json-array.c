/* fuzz-json-array.c: the streaming JSON codec for large arrays
 *
 * The first byte picks the entry point: an array of strings, an array of
 * numbers, the S1 scores body, or one skipped value. Parsed arrays must
 * survive a write and a re-read unchanged.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>

#include <lightly/lightly.h>

#include "backend/lightly-json-array.h"
#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}

static void
strings (const char *data,
         gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) strv = NULL;
  g_auto(GStrv) again = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  gsize n = 0, n_again = 0;

  strv = lightly_json_parse_string_array (data, len, "fuzz", &n, &error);
  if (strv == NULL)
    {
      g_assert_nonnull (error);
      return;
    }
  g_assert_cmpuint (n, ==, g_strv_length (strv));
  lightly_json_append_string_array (out, (const char * const *) strv, -1);
  again = lightly_json_parse_string_array (out->str, out->len, "again", &n_again, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, n_again);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpstr (strv[i], ==, again[i]);
}

static void
numbers (const char *data,
         gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autofree double *values = NULL;
  g_autofree double *again = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  gsize n = 0, n_again = 0;

  values = lightly_json_parse_double_array (data, len, "fuzz", &n, &error);
  if (error != NULL)
    {
      g_assert_null (values);
      return;
    }
  for (gsize i = 0; i < n; i++)
    g_assert_true (isfinite (values[i]));
  lightly_json_append_double_array (out, values, n);
  again = lightly_json_parse_double_array (out->str, out->len, "again", &n_again, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, n_again);
  /* Equal as numbers: -0 is written as 0 on purpose. */
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (values[i], ==, again[i]);
}

static void
scores (const char *data,
        gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *score_type = NULL;
  g_autofree double *values = NULL;
  gsize n = 0;

  if (!lightly_json_parse_scores_request (data, len, &score_type, &values, &n, &error))
    {
      g_assert_nonnull (error);
      return;
    }
  g_assert_nonnull (score_type);
  g_assert_true (g_utf8_validate (score_type, -1, NULL));
  for (gsize i = 0; i < n; i++)
    g_assert_true (isfinite (values[i]));
}

static void
skip (const char *data,
      gsize       len)
{
  g_autoptr(GError) error = NULL;
  LightlyJsonScanner s;

  lightly_json_scanner_init (&s, data, len, "fuzz");
  while (lightly_json_scanner_peek (&s) != 0)
    {
      const char *before = s.p;

      if (!lightly_json_scanner_skip_value (&s, &error))
        {
          g_assert_nonnull (error);
          return;
        }
      g_assert_true (s.p > before && s.p <= s.end);
      lightly_json_scanner_accept (&s, ',');
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data + 1;

  if (size < 1)
    return 0;
  switch (data[0] % 4)
    {
    case 0: strings (text, size - 1); break;
    case 1: numbers (text, size - 1); break;
    case 2: scores (text, size - 1); break;
    default: skip (text, size - 1); break;
    }
  return 0;
}
