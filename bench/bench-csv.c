/* bench-csv.c: embeddings CSV ingestion speed (issue 13, deliverable 6)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   _build/bench/bench-csv [--rows 100000] [--dim 128] [--repeat 3] [--shortest] [--memory] [--copy OUT] FILE.csv
 *
 * Writes FILE.csv (filenames, embedding_0 … embedding_{dim−1}, labels; the
 * values as Python's repr of a float32 would print them: shortest "%.9g"
 * form, some with exponents; with --shortest the shortest form that reads
 * back, as Python's str() of a numpy.float32) unless it exists, then times
 * lightly_embeddings_csv_parse() over it (minimum of --repeat) and prints
 * MB/s. --copy OUT also copies the input to OUT as it is parsed, as the
 * store's import does. LIGHTLY_CSV_NO_THREADS=1 times the streaming reader.
 * Compare with bench/reference/loadtxt.py on the same file.
 *
 * --memory reads the file into memory first and parses it from a memory
 * stream (the streaming reader, one thread): the parser's own CPU, without
 * the kernel's reads and page faults, which vary with the machine's load.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <gio/gio.h>

#include "store/lightly-embeddings-csv.h"

/* The shortest "%.Ng" that reads back as v: what Python's str() of a
 * numpy.float32 prints, so what Lightly's own save_embeddings() writes. */
static void
print_shortest (FILE *f, float v)
{
  char buf[32];
  int n;

  for (n = 1; n < 9; n++)
    {
      g_snprintf (buf, sizeof buf, "%.*g", n, v);
      if (strtof (buf, NULL) == v)
        break;
    }
  if (n == 9)
    g_snprintf (buf, sizeof buf, "%.9g", v);
  fprintf (f, ",%s", buf);
}

static void
write_csv (const char *path, gsize rows, gsize dim, gboolean shortest)
{
  FILE *f = fopen (path, "w");
  GRand *rng = g_rand_new_with_seed (13);
  gsize i, j;

  if (f == NULL)
    g_error ("cannot write %s", path);
  fprintf (f, "filenames");
  for (j = 0; j < dim; j++)
    fprintf (f, ",embedding_%" G_GSIZE_FORMAT, j);
  fprintf (f, ",labels\n");
  for (i = 0; i < rows; i++)
    {
      fprintf (f, "img_%07" G_GSIZE_FORMAT ".jpg", i);
      for (j = 0; j < dim; j++)
        {
          float v = (float) g_rand_double_range (rng, -0.3, 0.3);

          if (j % 17 == 5)
            v *= 1e-4f;
          if (shortest)
            print_shortest (f, v);
          else
            fprintf (f, ",%.9g", v);
        }
      fprintf (f, ",%u\n", (guint) (i % 10));
    }
  fclose (f);
  g_rand_free (rng);
}

/* User + system CPU seconds of this process: on a shared machine the wall
 * time measures the other tenants as much as the parser. */
static double
cpu_seconds (double *user)
{
  struct rusage u;

  getrusage (RUSAGE_SELF, &u);
  *user = u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6;
  return *user + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

int
main (int argc, char **argv)
{
  gint rows = 100000, dim = 128, repeat = 3, i;
  g_autofree char *copy_path = NULL;
  gboolean memory = FALSE, shortest = FALSE;
  g_autofree char *contents = NULL;
  gsize length = 0;
  GOptionEntry entries[] = {
    { "rows", 0, 0, G_OPTION_ARG_INT, &rows, "Rows of a new file (100000)", "N" },
    { "dim", 0, 0, G_OPTION_ARG_INT, &dim, "Dimension of a new file (128)", "D" },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &repeat, "Runs (3)", "N" },
    { "copy", 0, 0, G_OPTION_ARG_FILENAME, &copy_path, "Copy the input to OUT while parsing", "OUT" },
    { "shortest", 0, 0, G_OPTION_ARG_NONE, &shortest, "A new file's values as short as they read back", NULL },
    { "memory", 0, 0, G_OPTION_ARG_NONE, &memory, "Parse from memory (one thread, no reads)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("FILE.csv");
  g_autoptr(GError) error = NULL;
  double best = G_MAXDOUBLE, best_cpu = G_MAXDOUBLE, best_user = G_MAXDOUBLE;
  goffset size;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2)
    g_error ("usage: bench-csv [--rows N] [--dim D] [--repeat N] [--shortest] [--memory] [--copy OUT] FILE.csv");
  if (!g_file_test (argv[1], G_FILE_TEST_EXISTS))
    write_csv (argv[1], (gsize) rows, (gsize) dim, shortest);
  if (memory && !g_file_get_contents (argv[1], &contents, &length, &error))
    g_error ("%s", error->message);
  for (i = 0; i < MAX (repeat, 1); i++)
    {
      g_autoptr(GFile) file = g_file_new_for_path (argv[1]);
      g_autoptr(GInputStream) in = memory
        ? g_memory_input_stream_new_from_data (contents, (gssize) length, NULL)
        : G_INPUT_STREAM (g_file_read (file, NULL, &error));
      g_autoptr(LightlyEmbeddingsCsv) csv = NULL;
      g_autoptr(GFileOutputStream) copy = NULL;
      gint64 t0 = g_get_monotonic_time ();
      double u0, u1, c0 = cpu_seconds (&u0), s;

      if (in == NULL)
        g_error ("%s", error->message);
      if (copy_path != NULL)
        {
          g_autoptr(GFile) out = g_file_new_for_path (copy_path);

          copy = g_file_replace (out, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
          if (copy == NULL)
            g_error ("%s", error->message);
        }
      csv = lightly_embeddings_csv_parse (in, copy != NULL ? G_OUTPUT_STREAM (copy) : NULL, 0, NULL, &error);
      if (copy != NULL && !g_output_stream_close (G_OUTPUT_STREAM (copy), NULL, &error))
        g_error ("%s", error->message);
      s = (g_get_monotonic_time () - t0) / 1e6;
      if (csv == NULL)
        g_error ("%s", error->message);
      best = MIN (best, s);
      best_cpu = MIN (best_cpu, cpu_seconds (&u1) - c0);
      best_user = MIN (best_user, u1 - u0);
      if (i == 0)
        g_print ("%" G_GSIZE_FORMAT " rows x %" G_GSIZE_FORMAT "\n", csv->n_rows, csv->dim);
    }
  {
    g_autoptr(GFile) file = g_file_new_for_path (argv[1]);
    g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                   G_FILE_QUERY_INFO_NONE, NULL, NULL);

    size = info != NULL ? g_file_info_get_size (info) : 0;
  }
  /* User time alone is the parser's; system time is the kernel's reads
   * and page faults. */
  g_print ("lightly_embeddings_csv_parse%s: %.3f s wall, %.3f s CPU, %.3f s of it user "
           "(minima of %d), %.0f MB/s of CPU\n", memory ? " (from memory)" : "", best,
           best_cpu, best_user, MAX (repeat, 1), size / best_cpu / 1e6);
  return 0;
}
