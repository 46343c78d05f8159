/* test-embeddings-csv-chunks.c: large embeddings CSV files parsed in chunks
 * on threads give what the streaming reader gives (issue 13)
 *
 * A local file of 4 MiB or more is cut at line ends and parsed on several
 * threads (lightly-embeddings-csv-chunks.c). Its result must equal the
 * streaming reader's (lightly_embeddings_csv_set_chunked (FALSE)) bit for bit: matrix, names,
 * labels, line numbers; and every error must be the same message: a wrong
 * field count, a bad number, a non-finite value, a name repeated within a
 * chunk and across chunks, in the first and in the last chunk; and files
 * the chunks cannot take (a quoted field, no final line end, blank lines,
 * a BOM, lines that get shorter after the first MiB) must still parse right.
 * A copy of the input (the store keeps the CSV as uploaded) takes the chunks
 * too and holds the same bytes as the streaming reader's, and the store's
 * import with a copy gives the same rows and the same errors on either path.
 */
#include <lightly/lightly.h>
#include "store/lightly-embeddings-csv.h"
#include "store/lightly-store.h"
#include "test-utils.h"

#include <glib/gstdio.h>
#include <string.h>

#define DIM 24

typedef enum {
  EDIT_NONE,
  EDIT_FIELDS_LATE,     /* a row with a missing field near the end */
  EDIT_FIELDS_EARLY,    /* the same near the start */
  EDIT_NUMBER_LATE,     /* "abc" as a value */
  EDIT_NAN_LATE,        /* "nan" */
  EDIT_DUP_ACROSS,      /* a late row repeats the name of row 3 */
  EDIT_DUP_LATE,        /* two late rows share a name */
  EDIT_QUOTED,          /* a quoted name with a comma, late */
  EDIT_NO_FINAL_NL,     /* the last line has no '\n' */
  EDIT_BLANK_LINES,     /* blank lines here and there */
  EDIT_BOM_CRLF,        /* a BOM and \r\n line ends */
  EDIT_SHORT_LATE,      /* lines after the first MiB half as long: more rows than the
                         * chunks' shares of the matrix (estimated from that MiB) */
  N_EDITS
} Edit;

static char *
make_csv (Edit edit, gsize rows)
{
  GString *s = g_string_new (NULL);
  g_autoptr(GRand) rng = g_rand_new_with_seed (5);
  const char *nl = edit == EDIT_BOM_CRLF ? "\r\n" : "\n";
  gsize i, j;

  if (edit == EDIT_BOM_CRLF)
    g_string_append (s, "\xef\xbb\xbf");
  g_string_append (s, "filenames");
  for (j = 0; j < DIM; j++)
    g_string_append_printf (s, ",embedding_%" G_GSIZE_FORMAT, j);
  g_string_append_printf (s, ",labels%s", nl);
  for (i = 0; i < rows; i++)
    {
      gboolean late = i == rows - 7, early = i == 11;

      if (edit == EDIT_QUOTED && late)
        g_string_append (s, "\"img,odd.jpg\"");
      else if (edit == EDIT_DUP_ACROSS && late)
        g_string_append (s, "img_0000003.jpg");
      else if (edit == EDIT_DUP_LATE && (late || i == rows - 3))
        g_string_append (s, "img_twice.jpg");
      else
        g_string_append_printf (s, "img_%07" G_GSIZE_FORMAT ".jpg", i);
      for (j = 0; j < DIM; j++)
        {
          float v = (float) g_rand_double_range (rng, -0.3, 0.3);

          if ((edit == EDIT_FIELDS_LATE && late) || (edit == EDIT_FIELDS_EARLY && early))
            if (j == 5)
              continue;
          if (edit == EDIT_NUMBER_LATE && late && j == 7)
            g_string_append (s, ",abc");
          else if (edit == EDIT_NAN_LATE && late && j == 9)
            g_string_append (s, ",nan");
          else if (edit == EDIT_SHORT_LATE && i >= 4000)
            g_string_append_printf (s, ",%.2g", v);
          else if (j % 7 == 3)
            g_string_append_printf (s, ",%.9g", v * 1e-4f);
          else
            g_string_append_printf (s, ",%.9g", v);
        }
      g_string_append_printf (s, ",%u", (guint) (i % 10));
      if (!(edit == EDIT_NO_FINAL_NL && i == rows - 1))
        g_string_append (s, nl);
      if (edit == EDIT_BLANK_LINES && i % 1000 == 17)
        g_string_append (s, nl);
    }
  return g_string_free (s, FALSE);
}

/* copy: nullable, gets what the parse copied. */
static LightlyEmbeddingsCsv *
parse_file (const char *path, gboolean threads, GBytes **copy, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, error);
  g_autoptr(GOutputStream) out = copy != NULL ? g_memory_output_stream_new_resizable () : NULL;
  LightlyEmbeddingsCsv *csv;

  if (in == NULL)
    return NULL;
  lightly_embeddings_csv_set_chunked (threads);
  csv = lightly_embeddings_csv_parse (G_INPUT_STREAM (in), out, 0, NULL, error);
  if (copy != NULL)
    {
      g_assert_true (g_output_stream_close (out, NULL, NULL));
      *copy = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
    }
  return csv;
}

static void
test_chunks_equal (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lightly-csv-chunks-XXXXXX", NULL);
  gsize rows = 30000;
  guint e;

  g_assert_nonnull (dir);
  for (e = 0; e < N_EDITS; e++)
    {
      g_autofree char *text = make_csv ((Edit) e, rows);
      g_autofree char *path = g_build_filename (dir, "e.csv", NULL);
      g_autoptr(GError) err_a = NULL;
      g_autoptr(GError) err_b = NULL;
      g_autoptr(LightlyEmbeddingsCsv) a = NULL;
      g_autoptr(LightlyEmbeddingsCsv) b = NULL;
      g_autoptr(GBytes) copy_a = NULL;
      g_autoptr(GBytes) copy_b = NULL;

      /* Over the 4 MiB threshold of the chunked path. */
      g_assert_cmpuint (strlen (text), >, 4u << 20);
      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      /* Odd edits copy, even ones do not: both take the chunks. */
      a = parse_file (path, TRUE, e % 2 == 1 ? &copy_a : NULL, &err_a);
      /* The chunks took every file without quotes, and gave way to the
       * streaming reader on a quote or an error. */
      if (e == EDIT_QUOTED || err_a != NULL)
        g_assert_cmpuint (lightly_embeddings_csv_last_chunks (), ==, 0);
      else
        g_assert_cmpuint (lightly_embeddings_csv_last_chunks (), >=, MIN (g_get_num_processors (), 2u));
      b = parse_file (path, FALSE, e % 2 == 1 ? &copy_b : NULL, &err_b);
      g_assert_cmpuint (lightly_embeddings_csv_last_chunks (), ==, 0);
      /* The same bytes, copied once, also when the chunks gave way. */
      if (copy_a != NULL)
        g_assert_true (g_bytes_equal (copy_a, copy_b));
      if (copy_a != NULL && b != NULL)
        g_assert_cmpmem (g_bytes_get_data (copy_a, NULL), g_bytes_get_size (copy_a), text, strlen (text));
      g_test_message ("edit %u: %s", e, err_b != NULL ? err_b->message : "ok");
      if (b == NULL)
        {
          g_assert_null (a);
          g_assert_nonnull (err_a);
          g_assert_nonnull (err_b);
          g_assert_cmpstr (err_a->message, ==, err_b->message);
          g_assert_true (err_a->domain == err_b->domain && err_a->code == err_b->code);
          g_assert_true (e == EDIT_FIELDS_LATE || e == EDIT_FIELDS_EARLY || e == EDIT_NUMBER_LATE ||
                         e == EDIT_NAN_LATE || e == EDIT_DUP_ACROSS || e == EDIT_DUP_LATE);
          continue;
        }
      g_assert_no_error (err_a);
      g_assert_nonnull (a);
      g_assert_cmpuint (a->n_rows, ==, b->n_rows);
      g_assert_cmpuint (a->n_rows, ==, rows);
      g_assert_cmpuint (a->dim, ==, b->dim);
      g_assert_cmpmem (a->matrix, a->n_rows * a->dim * sizeof (float),
                       b->matrix, b->n_rows * b->dim * sizeof (float));
      g_assert_cmpmem (a->lines, a->n_rows * sizeof (guint64), b->lines, b->n_rows * sizeof (guint64));
      g_assert_nonnull (a->labels);
      g_assert_cmpmem (a->labels, a->n_rows * sizeof (gint64), b->labels, b->n_rows * sizeof (gint64));
      for (gsize i = 0; i < a->n_rows; i++)
        g_assert_cmpstr (a->names[i], ==, b->names[i]);
      g_assert_null (a->names[a->n_rows]);
      g_remove (path);
    }
  lightly_embeddings_csv_set_chunked (TRUE);
  g_rmdir (dir);
}

/* The stream is left at its end after a chunked parse, and a stream that
 * starts past the file's beginning is parsed from there. */
static void
test_chunks_position (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lightly-csv-chunks-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "p.csv", NULL);
  g_autofree char *text = make_csv (EDIT_NONE, 30000);
  g_autofree char *padded = g_strconcat ("junk line\n", text, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(LightlyEmbeddingsCsv) csv = NULL;
  g_autoptr(GOutputStream) copy = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  char one;

  g_assert_true (g_file_set_contents (path, padded, -1, NULL));
  in = g_file_read (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_seekable_seek (G_SEEKABLE (in), 10, G_SEEK_SET, NULL, &error));
  lightly_embeddings_csv_set_chunked (TRUE);
  csv = lightly_embeddings_csv_parse (G_INPUT_STREAM (in), copy, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (csv->n_rows, ==, 30000);
  g_assert_cmpuint (lightly_embeddings_csv_last_chunks (), >=, MIN (g_get_num_processors (), 2u));
  g_assert_cmpuint (csv->lines[0], ==, 2);
  g_assert_cmpint (g_input_stream_read (G_INPUT_STREAM (in), &one, 1, NULL, NULL), ==, 0);
  /* The copy starts where the stream did. */
  g_assert_true (g_output_stream_close (copy, NULL, NULL));
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (copy)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (copy)),
                   text, strlen (text));
  g_remove (path);
  g_rmdir (dir);
}

/* Imports path into the store (chunks on or off); the id, or NULL with
 * error. */
static char *
import_file (LightlyStore *store, const char *ds, const char *name, const char *path,
             gboolean threads, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, error);
  char *id;

  g_assert_nonnull (in);
  lightly_embeddings_csv_set_chunked (threads);
  id = lightly_store_add_embedding_full (store, ds, name, G_INPUT_STREAM (in),
                                         LIGHTLY_STORE_EMBEDDING_REGISTER_SAMPLES, NULL, error);
  if (threads && id != NULL)
    g_assert_cmpuint (lightly_embeddings_csv_last_chunks (), >=, MIN (g_get_num_processors (), 2u));
  else
    g_assert_cmpuint (lightly_embeddings_csv_last_chunks (), ==, 0);
  return id;
}

static GBytes *
stored_csv (LightlyStore *store, const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) in = lightly_store_read_embedding_csv (store, id, &error);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert_no_error (error);
  g_assert_cmpint (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error), >, 0);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

/* The store's import keeps a copy of the CSV; a large local file still goes
 * in chunks, and gives the rows, the copy and the errors of the streaming
 * reader. */
static void
test_chunks_store_copy (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lightly-csv-chunks-XXXXXX", NULL);
  g_autofree char *store_dir = g_build_filename (dir, "store", NULL);
  g_autofree char *path = g_build_filename (dir, "s.csv", NULL);
  g_autofree char *text = make_csv (EDIT_NONE, 30000);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStore) store = lightly_store_open (store_dir, &error);
  g_autofree char *ds = NULL, *id_a = NULL, *id_b = NULL;
  g_autoptr(LightlyStoreMatrix) ma = NULL;
  g_autoptr(LightlyStoreMatrix) mb = NULL;
  g_autoptr(GBytes) copy_a = NULL;
  g_autoptr(GBytes) copy_b = NULL;
  static const Edit bad[] = { EDIT_NUMBER_LATE, EDIT_FIELDS_EARLY, EDIT_DUP_ACROSS };

  g_assert_no_error (error);
  ds = lightly_store_create_dataset (store, "chunks", &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  id_a = import_file (store, ds, "a", path, TRUE, &error);
  g_assert_no_error (error);
  id_b = import_file (store, ds, "b", path, FALSE, &error);
  g_assert_no_error (error);

  ma = lightly_store_map_embedding (store, id_a, &error);
  g_assert_no_error (error);
  mb = lightly_store_map_embedding (store, id_b, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_store_matrix_get_n_rows (ma), ==, 30000);
  g_assert_cmpuint (lightly_store_matrix_get_n_rows (mb), ==, 30000);
  g_assert_cmpuint (lightly_store_matrix_get_dim (ma), ==, DIM);
  g_assert_cmpmem (lightly_store_matrix_get_data (ma), 30000 * DIM * sizeof (float),
                   lightly_store_matrix_get_data (mb), 30000 * DIM * sizeof (float));
  copy_a = stored_csv (store, id_a);
  copy_b = stored_csv (store, id_b);
  g_assert_cmpmem (g_bytes_get_data (copy_a, NULL), g_bytes_get_size (copy_a), text, strlen (text));
  g_assert_true (g_bytes_equal (copy_a, copy_b));

  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      g_autofree char *bad_text = make_csv (bad[k], 30000);
      g_autoptr(GError) err_a = NULL;
      g_autoptr(GError) err_b = NULL;
      g_autofree char *bad_a = NULL, *bad_b = NULL;

      g_assert_true (g_file_set_contents (path, bad_text, -1, NULL));
      bad_a = import_file (store, ds, "bad", path, TRUE, &err_a);
      bad_b = import_file (store, ds, "bad", path, FALSE, &err_b);
      g_assert_null (bad_a);
      g_assert_null (bad_b);
      g_assert_nonnull (err_a);
      g_assert_nonnull (err_b);
      g_test_message ("store edit %u: %s", bad[k], err_b->message);
      g_assert_cmpstr (err_a->message, ==, err_b->message);
      g_assert_true (err_a->domain == err_b->domain && err_a->code == err_b->code);
    }
  lightly_embeddings_csv_set_chunked (TRUE);
  g_clear_pointer (&ma, lightly_store_matrix_unref);
  g_clear_pointer (&mb, lightly_store_matrix_unref);
  g_clear_object (&store);
  test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/embeddings-csv/chunks-equal", test_chunks_equal);
  g_test_add_func ("/embeddings-csv/chunks-position", test_chunks_position);
  g_test_add_func ("/embeddings-csv/chunks-store-copy", test_chunks_store_copy);
  return g_test_run ();
}
