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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/embeddings-csv/float-round-trip", test_round_trip);
  return g_test_run ();
}
