/* test-embeddings-csv-float.c: the embeddings CSV parser gives strtof's
 * float32 for every number (issue 13)
 *
 * The parser's fast path (Clinger in double, then a rounding to float that
 * is only trusted off float midpoints) must give the float32 nearest to the
 * decimal, ties to even, exactly as strtof in the C locale: checked bit for
 * bit on random floats printed in many formats (shortest, 17 digits, fixed
 * with long fractions, exponents), subnormals, random digit strings with up
 * to 25 digits, and decimals on and next to float midpoints (where a double
 * rounding would go wrong).
 *
 * /embeddings-csv/float-edges aims at the fast paths' limits: decimals of
 * 15 to 19 significant digits rounded from float midpoints (the closest a
 * short decimal gets to one: where multiplying by an inexact 10^-k instead
 * of dividing would round the wrong way), the bottom of the normal range
 * and subnormals, exponents of 1 to 4 digits and far out of range, long
 * mantissas, "-0" and leading zeros; each value both inside a row (ended
 * by ',') and last on its line.
 */
#include <lightly/lightly.h>
#include "store/lightly-embeddings-csv.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COLS 16

static float
random_float (GRand *rng)
{
  for (;;)
    {
      guint32 bits = g_rand_int (rng);
      float f;

      /* Mostly moderate exponents, some anywhere (subnormals included). */
      if (g_rand_int_range (rng, 0, 4) != 0)
        bits = (bits & 0x807FFFFFu) | ((guint32) g_rand_int_range (rng, 100, 150) << 23);
      memcpy (&f, &bits, sizeof f);
      if (isfinite (f))
        return f;
    }
}

/* One decimal in the C locale (g_ascii_formatd). */
static char *
format_value (GRand *rng)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE * 2];
  gint kind = g_rand_int_range (rng, 0, 8);
  float f = random_float (rng), g;
  GString *s;
  gint i, n, point;

  switch (kind)
    {
    case 0:
      return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.9g", f));
    case 1:
      return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.17g", f));
    case 2:
      return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6e", f));
    case 3:
      return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.25f", fmodf (f, 1000.0f)));
    case 4:
      /* A float midpoint, exactly (a dyadic rational: %.60g is exact for
       * these magnitudes), and just above or below it. */
      f = fabsf (fmodf (f, 1e6f)) + 1e-3f;
      g = nextafterf (f, INFINITY);
      s = g_string_new (g_ascii_formatd (buf, sizeof buf, "%.60g", ((double) f + (double) g) / 2));
      if (g_rand_boolean (rng) && strchr (s->str, 'e') == NULL)
        {
          if (strchr (s->str, '.') == NULL)
            g_string_append_c (s, '.');
          g_string_append (s, "0000000000000001");
        }
      return g_string_free (s, FALSE);
    case 5:
      /* Random digits, a point somewhere, an exponent. */
      s = g_string_new (g_rand_boolean (rng) ? "-" : "");
      n = g_rand_int_range (rng, 1, 26);
      point = g_rand_int_range (rng, 0, n + 1);
      for (i = 0; i < n; i++)
        {
          if (i == point)
            g_string_append_c (s, '.');
          g_string_append_c (s, (char) ('0' + g_rand_int_range (rng, 0, 10)));
        }
      g_string_append_printf (s, "e%d", g_rand_int_range (rng, -60, 14));
      return g_string_free (s, FALSE);
    case 6:
      /* Subnormals and the bottom of the normal range. */
      return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.9g",
                                        (double) g_rand_double_range (rng, 0, 4) * FLT_MIN));
    default:
      return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.7g", f));
    }
}

static void
test_round_trip (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (2026);
  gsize rows = g_test_slow () ? 20000 : 4000, i, j, mismatches = 0;
  g_autoptr(GString) csv = g_string_new ("filenames");
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(LightlyEmbeddingsCsv) parsed = NULL;
  g_autoptr(GError) error = NULL;

  for (j = 0; j < COLS; j++)
    g_string_append_printf (csv, ",embedding_%" G_GSIZE_FORMAT, j);
  g_string_append_c (csv, '\n');
  for (i = 0; i < rows; i++)
    {
      g_string_append_printf (csv, "f%" G_GSIZE_FORMAT ".png", i);
      for (j = 0; j < COLS; j++)
        {
          char *t = format_value (rng);

          g_string_append_printf (csv, ",%s", t);
          g_ptr_array_add (texts, t);
        }
      g_string_append_c (csv, '\n');
    }
  in = g_memory_input_stream_new_from_data (csv->str, (gssize) csv->len, NULL);
  parsed = lightly_embeddings_csv_parse (in, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->n_rows, ==, rows);
  g_assert_cmpuint (parsed->dim, ==, COLS);
  for (i = 0; i < rows * COLS; i++)
    {
      const char *t = g_ptr_array_index (texts, i);
      float want = strtof (t, NULL), got = parsed->matrix[i];

      if (memcmp (&want, &got, sizeof want) != 0)
        {
          if (mismatches++ < 10)
            g_printerr ("%s: strtof %.9g, parser %.9g\n", t, want, got);
        }
    }
  g_assert_cmpuint (mismatches, ==, 0);
}

/* A decimal near an edge of the fast paths; its strtof must be finite. */
static char *
edge_value (GRand *rng)
{
  static const char *const fixed[] = {
    "-0", "0", "-0.0", "0.", "-.5", ".0", "0e5", "-0e-300", "000000.5", "00000000000000000001.5",
    "0.0000000000000000000000000000001", "-00000.00000000000000123456789", "1e-46", "7e-46",
    "7.1e-46", "1.4e-45", "-1.40129846e-45", "1.17549435e-38", "1.1754942e-38",
    "3.40282347e38", "3.4028235e+38", "1e-400", "-1e-0400", "12345678901234567890123e-30",
    "0.000000000000000000000000000000000000000000000001e30", "9999999999999999999e-19",
    "1e0010", "1E-005", "16777217", "16777216.5", "0.1", "0.30000001", "123456789",
  };
  char buf[G_ASCII_DTOSTR_BUF_SIZE * 2], fmt[16];
  float f, g;
  double mid;

  switch (g_rand_int_range (rng, 0, 4))
    {
    case 0:
      return g_strdup (fixed[g_rand_int_range (rng, 0, G_N_ELEMENTS (fixed))]);
    case 1:
      /* Long mantissas, some with a point, some with an exponent. */
      {
        GString *s = g_string_new (g_rand_boolean (rng) ? "-" : "");
        gint i, n = g_rand_int_range (rng, 1, 40), point = g_rand_int_range (rng, -1, n);

        for (i = 0; i < n; i++)
          {
            g_string_append_c (s, (char) ('0' + g_rand_int_range (rng, 0, 10)));
            if (i == point)
              g_string_append_c (s, '.');
          }
        if (g_rand_boolean (rng))
          g_string_append_printf (s, "e%d", g_rand_int_range (rng, -70, 10) - n);
        return g_string_free (s, FALSE);
      }
    default:
      /* A float midpoint to 15–19 significant digits, fixed or with an
       * exponent, anywhere from subnormals to 1e38. */
      f = random_float (rng);
      if (g_rand_int_range (rng, 0, 8) == 0)
        f = (float) (g_rand_double_range (rng, 0, 2) * FLT_MIN);
      f = fabsf (f);
      g = nextafterf (f, INFINITY);
      if (!isfinite (g))
        return g_strdup ("1");
      mid = ((double) f + (double) g) / 2;
      if (g_rand_boolean (rng))
        mid = -mid;
      g_snprintf (fmt, sizeof fmt, "%%.%d%c", g_rand_int_range (rng, 15, 20),
                  g_rand_boolean (rng) ? 'e' : 'g');
      return g_strdup (g_ascii_formatd (buf, sizeof buf, fmt, mid));
    }
}

static void
test_edges (void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (613);
  gsize rows = g_test_slow () ? 40000 : 8000, i, j, mismatches = 0, n;
  g_autoptr(GString) csv = g_string_new ("filenames");
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(LightlyEmbeddingsCsv) parsed = NULL;
  g_autoptr(GError) error = NULL;

  /* Every embedding field but the last of a line ends in ',': the row's
   * run; the last one ends the line: the field-by-field path. */
  for (j = 0; j < COLS; j++)
    g_string_append_printf (csv, ",embedding_%" G_GSIZE_FORMAT, j);
  g_string_append_c (csv, '\n');
  for (i = 0; i < rows; i++)
    {
      g_string_append_printf (csv, "e%" G_GSIZE_FORMAT, i);
      for (j = 0; j < COLS; j++)
        {
          char *t;

          do
            t = edge_value (rng);
          while (!isfinite (strtof (t, NULL)) && (g_free (t), TRUE));
          g_string_append_printf (csv, ",%s", t);
          g_ptr_array_add (texts, t);
        }
      g_string_append_c (csv, '\n');
    }
  in = g_memory_input_stream_new_from_data (csv->str, (gssize) csv->len, NULL);
  parsed = lightly_embeddings_csv_parse (in, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->n_rows, ==, rows);
  n = rows * COLS;
  for (i = 0; i < n; i++)
    {
      const char *t = g_ptr_array_index (texts, i);
      float want = strtof (t, NULL), got = parsed->matrix[i];

      if (memcmp (&want, &got, sizeof want) != 0 && mismatches++ < 10)
        g_printerr ("%s: strtof %.9g, parser %.9g\n", t, want, got);
    }
  g_assert_cmpuint (mismatches, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/embeddings-csv/float-round-trip", test_round_trip);
  g_test_add_func ("/embeddings-csv/float-edges", test_edges);
  return g_test_run ();
}
