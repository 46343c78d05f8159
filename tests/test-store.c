/* test-store.c: the private store and the embeddings CSV parser */
#include <lightly/lightly.h>
#include "test-utils.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "backend/lightly-backend-factory.h"
#include "backend/lightly-local-jobs.h"
#include "store/lightly-embeddings-csv.h"
#include "store/lightly-store.h"
#include "store/lightly-store-private.h"

/* ---- helpers ---------------------------------------------------------------- */

static GInputStream *
stream_for (const char *text)
{
  return g_memory_input_stream_new_from_data (g_strdup (text), (gssize) strlen (text), g_free);
}

static LightlyEmbeddingsCsv *
parse_text (const char *text, gsize max_line, GError **error)
{
  g_autoptr(GInputStream) in = stream_for (text);

  return lightly_embeddings_csv_parse (in, NULL, max_line, NULL, error);
}

static gboolean
contains (const char *haystack, const char *needle)
{
  return haystack != NULL && strstr (haystack, needle) != NULL;
}

#define assert_message(err, needle) \
  G_STMT_START { \
    if (!contains ((err)->message, (needle))) \
      g_error ("message '%s' does not contain '%s'", (err)->message, (needle)); \
  } G_STMT_END

static char *
new_dataset (LightlyStore *store, const char *name, const char * const *samples)
{
  g_autoptr(GError) error = NULL;
  char *id = lightly_store_create_dataset (store, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  if (samples != NULL)
    {
      g_assert_true (lightly_store_add_samples (store, id, samples, -1, &error));
      g_assert_no_error (error);
    }
  return id;
}

static const char *const four[] = { "a.png", "b.png", "c.png", "d.png", NULL };

/* ---- CSV parser ----------------------------------------------------------- */

static void
test_csv_basic (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyEmbeddingsCsv) csv = NULL;
  const char *text =
    "\xef\xbb\xbf" "al_score,embedding_1,filenames,embedding_0,labels\r\n"
    "0.5,2.5,cats/1.jpg,-51.535,3\r\n"
    "x,0.29625183,\"quoted \"\"name\"\".jpg\",1e-3,0\n"
    "\n"
    "y,-0,\"two\nlines.jpg\",   7 ,-2";          /* no final line end */

  csv = parse_text (text, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (csv->n_rows, ==, 3);
  g_assert_cmpuint (csv->dim, ==, 2);
  g_assert_cmpstr (csv->names[0], ==, "cats/1.jpg");
  g_assert_cmpstr (csv->names[1], ==, "quoted \"name\".jpg");
  g_assert_cmpstr (csv->names[2], ==, "two\nlines.jpg");
  g_assert_null (csv->names[3]);
  g_assert_true (csv->matrix[0] == (float) -51.535);
  g_assert_true (csv->matrix[1] == 2.5f);
  g_assert_true (csv->matrix[2] == (float) 1e-3);
  g_assert_true (csv->matrix[3] == (float) 0.29625183);
  g_assert_true (csv->matrix[4] == 7.0f);
  g_assert_true (csv->matrix[5] == 0.0f && signbit (csv->matrix[5]));
  g_assert_nonnull (csv->labels);
  g_assert_cmpint (csv->labels[0], ==, 3);
  g_assert_cmpint (csv->labels[2], ==, -2);
  g_assert_cmpuint (csv->lines[0], ==, 2);
  g_assert_cmpuint (csv->lines[1], ==, 3);
  g_assert_cmpuint (csv->lines[2], ==, 5);
}

/* The fast path must agree with g_ascii_strtod bit for bit. */
static void
test_csv_numbers (void)
{
  static const char *const numbers[] = {
    "0.29625183", "-51.535", "1e-45", "3.4028235e38", "1.17549435e-38", "0.1", "0.2",
    "123456789012345678901234", "9007199254740993", "9007199254740992", "1.5E+2", "-0.0",
    "0.000000000000000000000000001", "4.9406564584124654e-324", "2.2250738585072014e-308",
    "0.30000000000000004", "1e22", "1e23", "123.456e-5", "  8.5", "+3", "7.",
    "0.99999999999999999999", "1234567890123456789", "12345678901234567890",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LightlyEmbeddingsCsv) csv = NULL;
      g_autofree char *text = g_strdup_printf ("filenames,embedding_0\nx,%s\n", numbers[i]);
      float expected = (float) g_ascii_strtod (numbers[i], NULL);

      csv = parse_text (text, 0, &error);
      g_assert_no_error (error);
      if (memcmp (&csv->matrix[0], &expected, sizeof expected) != 0)
        g_error ("'%s' parsed as %.9g, g_ascii_strtod says %.9g", numbers[i],
                 csv->matrix[0], expected);
    }
}

static void
test_csv_errors (void)
{
  static const struct {
    const char *text;
    gsize max_line;
    const char *needle;
  } cases[] = {
    { "", 0, "empty" },
    { "\r\n\n", 0, "empty" },
    { "filenames,embedding_0\r\n", 0, "no rows" },
    { "name,embedding_0\nx,1\n", 0, "no 'filenames' column" },
    { "filenames,labels\nx,1\n", 0, "embedding_0" },
    { "filenames,embedding_0,embedding_2\nx,1,2\n", 0, "embedding_2" },
    { "filenames,embedding_0,embedding_0\nx,1,2\n", 0, "'embedding_0' does not fit" },
    { "filenames,embedding_0\na,1\nb,2,3\n", 0, "line 3 of the embeddings CSV has 3 columns, but the header has 2" },
    { "filenames,embedding_0,embedding_1\na,1,2\nb,2\n", 0, "line 3 of the embeddings CSV has 2 columns" },
    { "filenames,embedding_0\na,1\nb,abc\n", 0, "line 3, column 2 (embedding_0) of the embeddings CSV: 'abc' is not a number" },
    { "filenames,embedding_0\na,nan\n", 0, "line 2, column 2 (embedding_0) of the embeddings CSV: 'nan' is not a finite" },
    { "filenames,embedding_0\na,-inf\n", 0, "is not a finite" },
    { "filenames,embedding_0\na,1e39\n", 0, "'1e39' is not a finite" },
    { "filenames,embedding_0\na,0x10\n", 0, "is not a number" },
    { "filenames,embedding_0\na,\n", 0, "'' is not a number" },
    { "filenames,embedding_0\na,1\nb,2\na,3\n", 0, "line 4, column 1 (filenames) of the embeddings CSV: the file name 'a' appears twice (first on line 2)" },
    { "filenames,embedding_0\n\"a,1\n", 0, "line 2 of the embeddings CSV has a quoted field that is never closed" },
    { "filenames,embedding_0\n\"a\"x,1\n", 0, "line 2, column 1 (filenames) of the embeddings CSV: malformed quoted field" },
    { "filenames,embedding_0,labels\na,1,cat\n", 0, "line 2, column 3 (labels) of the embeddings CSV: 'cat' is not an integer" },
    { "filenames,embedding_0\na,1\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,2\n", 32, "line 3 of the embeddings CSV is longer than 32 bytes" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LightlyEmbeddingsCsv) csv = parse_text (cases[i].text, cases[i].max_line, &error);

      g_test_message ("case %" G_GSIZE_FORMAT, i);

      g_assert_null (csv);
      g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
      assert_message (error, cases[i].needle);
    }
}

static char *
make_csv (gsize rows, gsize dim, guint32 seed)
{
  GString *s = g_string_new ("filenames");
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize j = 0; j < dim; j++)
    g_string_append_printf (s, ",embedding_%" G_GSIZE_FORMAT, j);
  g_string_append (s, ",labels\r\n");
  for (gsize i = 0; i < rows; i++)
    {
      g_string_append_printf (s, "img/%06" G_GSIZE_FORMAT ".png", i);
      for (gsize j = 0; j < dim; j++)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];

          g_string_append_c (s, ',');
          g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.8g",
                                               g_rand_double_range (rand, -3.0, 3.0)));
        }
      g_string_append_printf (s, ",%u\r\n", (guint) (i % 10));
    }
  g_rand_free (rand);
  return g_string_free (s, FALSE);
}

/* Every value must equal g_ascii_strtod's. Reports rows/s (run with -m perf
 * for the 20k × 64 measurement). */
static void
test_csv_speed (void)
{
  gsize rows = g_test_perf () ? 20000 : 500;
  gsize dim = 64;
  g_autofree char *text = make_csv (rows, dim, 42);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyEmbeddingsCsv) csv = NULL;
  g_auto(GStrv) lines = NULL;
  double secs;

  g_test_timer_start ();
  csv = parse_text (text, 0, &error);
  secs = g_test_timer_elapsed ();
  g_assert_no_error (error);
  g_assert_cmpuint (csv->n_rows, ==, rows);
  g_assert_cmpuint (csv->dim, ==, dim);
  if (g_test_perf ())
    g_test_minimized_result (secs, "parsed %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                             " (%.1f MB) in %.3f s: %.0f rows/s", rows, dim,
                             strlen (text) / 1e6, secs, rows / secs);

  /* The whole upload (parse, check, normalise, write, commit). */
  if (g_test_perf ())
    for (int disk = 0; disk <= 1; disk++)
      {
        g_autofree char *dir = disk ? test_make_tmp_dir ("lightly-store") : NULL;
        g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
        g_autofree char *ds = new_dataset (store, "perf", NULL);
        g_autoptr(GInputStream) in = stream_for (text);
        g_autofree char *id = NULL;

        g_assert_no_error (error);
        g_test_timer_start ();
        id = lightly_store_add_embedding_full (store, ds, "default", in,
                                               LIGHTLY_STORE_EMBEDDING_REGISTER_SAMPLES, NULL,
                                               &error);
        secs = g_test_timer_elapsed ();
        g_assert_no_error (error);
        g_test_minimized_result (secs, "upload with sample registration (%s store): %.3f s: "
                                 "%.0f rows/s", disk ? "disk" : "memory", secs, rows / secs);
        g_clear_object (&store);
        if (dir != NULL)
          test_rm_rf (dir);
      }

  lines = g_strsplit (text, "\r\n", -1);
  for (gsize i = 0; i < rows; i += rows / 50)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i + 1], ",", -1);

      g_assert_cmpstr (csv->names[i], ==, fields[0]);
      for (gsize j = 0; j < dim; j++)
        g_assert_true (csv->matrix[i * dim + j] == (float) g_ascii_strtod (fields[j + 1], NULL));
      g_assert_cmpint (csv->labels[i], ==, (gint64) (i % 10));
    }
}

/* A stream that hands out at most 7 bytes per read, so records, quoted
 * fields and "\r\n" pairs straddle reads. */
#define TEST_TYPE_TRICKLE (test_trickle_get_type ())
G_DECLARE_FINAL_TYPE (TestTrickle, test_trickle, TEST, TRICKLE, GInputStream)

struct _TestTrickle {
  GInputStream parent_instance;
  GBytes *bytes;
  gsize pos;
};

G_DEFINE_FINAL_TYPE (TestTrickle, test_trickle, G_TYPE_INPUT_STREAM)

static gssize
test_trickle_read (GInputStream *stream, void *buffer, gsize count,
                   GCancellable *cancellable, GError **error)
{
  TestTrickle *self = TEST_TRICKLE (stream);
  gsize size = 0;
  const char *data = g_bytes_get_data (self->bytes, &size);
  gsize n = MIN (MIN (count, (gsize) 7), size - self->pos);

  memcpy (buffer, data + self->pos, n);
  self->pos += n;
  return (gssize) n;
}

static void
test_trickle_finalize (GObject *object)
{
  g_bytes_unref (TEST_TRICKLE (object)->bytes);
  G_OBJECT_CLASS (test_trickle_parent_class)->finalize (object);
}

static void
test_trickle_class_init (TestTrickleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_trickle_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = test_trickle_read;
}

static void
test_trickle_init (TestTrickle *self)
{
}

static void
test_csv_trickle (void)
{
  GString *text = g_string_new ("filenames,\"embedding_1\",embedding_0,labels\r\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyEmbeddingsCsv) csv = NULL;
  g_autoptr(GOutputStream) copy = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) copied = NULL;
  TestTrickle *trickle;

  for (int i = 0; i < 200; i++)
    g_string_append_printf (text, "\"dir/\"\"%d\"\"\r\nx.png\",%d.25,-%d.5e-1,%d%s",
                            i, i, i, i % 3, i % 2 ? "\r\n" : "\n");
  trickle = g_object_new (TEST_TYPE_TRICKLE, NULL);
  trickle->bytes = g_bytes_new (text->str, text->len);
  csv = lightly_embeddings_csv_parse (G_INPUT_STREAM (trickle), copy, 0, NULL, &error);
  g_object_unref (trickle);
  g_assert_no_error (error);
  g_assert_cmpuint (csv->n_rows, ==, 200);
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *name = g_strdup_printf ("dir/\"%d\"\r\nx.png", i);
      g_autofree char *second = g_strdup_printf ("-%d.5e-1", i);

      g_assert_cmpstr (csv->names[i], ==, name);
      g_assert_true (csv->matrix[2 * i + 1] == (float) (i + 0.25));
      g_assert_true (csv->matrix[2 * i] == (float) g_ascii_strtod (second, NULL));
      g_assert_cmpint (csv->labels[i], ==, i % 3);
      g_assert_cmpuint (csv->lines[i], ==, 2 + 2 * (guint64) i);
    }
  /* The copy is the input, byte for byte. */
  g_assert_true (g_output_stream_close (copy, NULL, NULL));
  copied = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (copy));
  g_assert_cmpmem (g_bytes_get_data (copied, NULL), g_bytes_get_size (copied), text->str, text->len);
  g_string_free (text, TRUE);
}

/* ---- datasets, samples, tags, scores --------------------------------------- */

static void
check_datasets (LightlyStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_dataset (store, "cats", NULL);
  g_autofree char *id2 = new_dataset (store, "dogs", NULL);
  g_autoptr(LightlyStoreDataset) d = NULL;
  g_autoptr(GPtrArray) list = NULL;
  char *none;

  g_assert_cmpuint (strlen (id), ==, 24);
  g_assert_true (strspn (id, "0123456789abcdef") == 24);
  g_assert_cmpstr (id, !=, id2);

  none = lightly_store_create_dataset (store, "cats", &error);
  g_assert_null (none);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS);
  assert_message (error, "cats");
  g_clear_error (&error);

  g_assert_null (lightly_store_create_dataset (store, "", &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  d = lightly_store_get_dataset (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (d->name, ==, "cats");
  g_assert_cmpuint (d->n_samples, ==, 0);
  g_assert_cmpint (d->created_at, >, 1600000000000);
  g_assert_cmpint (d->last_modified_at, >=, d->created_at);
  g_clear_pointer (&d, lightly_store_dataset_free);

  d = lightly_store_get_dataset_by_name (store, "dogs", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (d->id, ==, id2);

  g_assert_null (lightly_store_get_dataset (store, "0123456789abcdef01234567", &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  assert_message (error, "0123456789abcdef01234567");
  g_clear_error (&error);

  list = lightly_store_list_datasets (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((LightlyStoreDataset *) list->pdata[0])->name, ==, "cats");
  g_assert_cmpstr (((LightlyStoreDataset *) list->pdata[1])->name, ==, "dogs");
}

static void
check_samples (LightlyStore *store)
{
  static const char *const more[] = { "e.png", "f/g.png", NULL };
  static const struct {
    const char *names[3];
    const char *needle;
  } bad[] = {
    { { "ok.png", "", NULL }, "empty" },
    { { "a,b.png", NULL }, "comma" },
    { { "tab\there.png", NULL }, "control character" },
    { { "bad\xff.png", NULL }, "not valid UTF-8" },
    { { "x.png", "x.png", NULL }, "appears twice" },
    { { "new.png", "b.png", NULL }, "already a sample" },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_dataset (store, "samples", four);
  g_autoptr(LightlyNames) names = NULL;

  g_assert_true (lightly_store_add_samples (store, id, more, 2, &error));
  g_assert_no_error (error);
  g_assert_true (lightly_store_add_samples (store, id, NULL, 0, &error));
  g_assert_cmpint (lightly_store_get_n_samples (store, id, &error), ==, 6);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (lightly_store_add_samples (store, id, bad[i].names, -1, &error));
      g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
      assert_message (error, bad[i].needle);
      g_clear_error (&error);
    }
  g_assert_false (lightly_store_add_samples (store, "nope", more, -1, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  assert_message (error, "nope");
  g_clear_error (&error);

  names = lightly_store_get_sample_names (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (names->n, ==, 6);
  g_assert_cmpstr (names->v[0], ==, "a.png");
  g_assert_cmpstr (names->v[4], ==, "e.png");
  g_assert_cmpstr (names->v[5], ==, "f/g.png");
  g_assert_null (names->v[6]);

  g_assert_cmpint (lightly_store_lookup_sample (store, id, "d.png", &error), ==, 3);
  g_assert_cmpint (lightly_store_lookup_sample (store, id, "zzz.png", &error), ==, -1);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  assert_message (error, "zzz.png");
  g_clear_error (&error);

  {
    g_autofree char *fresh = new_dataset (store, "from-csv", NULL);
    g_autoptr(GInputStream) in = stream_for ("filenames,embedding_0\nq.png,1\np.png,2\n");
    g_autoptr(LightlyNames) got = NULL;

    g_assert_cmpint (lightly_store_add_samples_from_csv (store, fresh, in, NULL, &error), ==, 2);
    g_assert_no_error (error);
    got = lightly_store_get_sample_names (store, fresh, &error);
    g_assert_cmpstr (got->v[0], ==, "q.png");
    g_assert_cmpstr (got->v[1], ==, "p.png");
  }
}

static void
check_tags (LightlyStore *store)
{
  static const char *const bad_hex[] = { "0x0f", "0XF", "0xF", "f", "0x", "0xg", "", "0x00" };
  static const char *const bad_names[] = { "ab", "-abc", "a/b/c", "tag\xc3\xa9", "with,comma" };
  g_autoptr(GError) error = NULL;
  g_autofree char *ds = new_dataset (store, "tags", four);
  g_autofree char *initial = NULL, *sel = NULL, *again = NULL;
  g_autoptr(LightlyStoreTag) tag = NULL;
  g_autoptr(GPtrArray) list = NULL;

  initial = lightly_store_create_tag (store, ds, "initial-tag", "0xf", NULL, NULL, NULL,
                                      "USER_PIP", &error);
  g_assert_no_error (error);
  sel = lightly_store_create_tag (store, ds, "initial-selection", "0x5", initial, initial, NULL,
                                  "SAMPLER_CORESET", &error);
  g_assert_no_error (error);

  /* Idempotent: same name and bitmask → same id; other bitmask → EXISTS. */
  again = lightly_store_create_tag (store, ds, "initial-selection", "0x5", initial, NULL, NULL,
                                    NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, sel);
  g_assert_null (lightly_store_create_tag (store, ds, "initial-selection", "0x7", initial, NULL,
                                           NULL, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS);
  assert_message (error, "initial-selection");
  g_clear_error (&error);

  for (gsize i = 0; i < G_N_ELEMENTS (bad_hex); i++)
    {
      g_assert_null (lightly_store_create_tag (store, ds, "hex-test", bad_hex[i], initial, NULL,
                                               NULL, NULL, &error));
      g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
      assert_message (error, "canonical");
      g_clear_error (&error);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_assert_null (lightly_store_create_tag (store, ds, bad_names[i], "0x1", initial, NULL,
                                               NULL, NULL, &error));
      g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
      assert_message (error, "tag name");
      g_clear_error (&error);
    }
  g_assert_true (lightly_store_check_tag_name ("a0 .:;=@_-z", NULL));

  g_assert_null (lightly_store_create_tag (store, ds, "too-wide", "0x10", initial, NULL, NULL,
                                           NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  assert_message (error, "bit 4");
  g_clear_error (&error);
  g_assert_null (lightly_store_create_tag (store, ds, "dangling", "0x1", "0123456789abcdef01234567",
                                           NULL, NULL, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  assert_message (error, "0123456789abcdef01234567");
  g_clear_error (&error);
  {
    g_autofree char *empty G_GNUC_UNUSED = lightly_store_create_tag (store, ds, "empty", "0x0", initial, NULL,
                                                       NULL, NULL, &error);
    g_assert_no_error (error);
  }

  tag = lightly_store_get_tag (store, ds, sel, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tag->name, ==, "initial-selection");
  g_assert_cmpstr (tag->bitmask_hex, ==, "0x5");
  g_assert_cmpstr (tag->prev_tag_id, ==, initial);
  g_assert_cmpstr (tag->query_tag_id, ==, initial);
  g_assert_null (tag->preselected_tag_id);
  g_assert_cmpstr (tag->creator, ==, "SAMPLER_CORESET");
  g_assert_cmpuint (tag->tot_size, ==, 4);
  g_clear_pointer (&tag, lightly_store_tag_free);

  tag = lightly_store_get_tag_by_name (store, ds, "initial-tag", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tag->id, ==, initial);
  g_assert_null (tag->prev_tag_id);

  g_assert_null (lightly_store_get_tag (store, "other", sel, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  list = lightly_store_list_tags (store, ds, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((LightlyStoreTag *) list->pdata[0])->name, ==, "initial-tag");
  g_assert_cmpstr (((LightlyStoreTag *) list->pdata[1])->name, ==, "initial-selection");
  g_assert_cmpstr (((LightlyStoreTag *) list->pdata[2])->name, ==, "empty");
}

static void
check_scores (LightlyStore *store)
{
  static const double margin[] = { 0.25, 1.0, 0.0, 1e-300 };
  static const double entropy[] = { 0.5, 0.125 };
  static const double replaced[] = { 0.75, 0.5, 0.25 };
  g_autoptr(GError) error = NULL;
  g_autofree char *ds = new_dataset (store, "scores", four);
  g_autofree char *tag = NULL, *s1 = NULL, *s2 = NULL, *s3 = NULL;
  g_autoptr(LightlyStoreScore) score = NULL;
  g_autoptr(GPtrArray) list = NULL;
  double nan_values[] = { 0.5, NAN };

  tag = lightly_store_create_tag (store, ds, "initial-tag", "0xf", NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  s1 = lightly_store_set_scores (store, tag, "uncertainty_margin", margin, 4, &error);
  g_assert_no_error (error);
  s2 = lightly_store_set_scores (store, tag, "uncertainty_entropy", entropy, 2, &error);
  g_assert_no_error (error);

  score = lightly_store_get_newest_score (store, tag, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (score->id, ==, s2);
  g_clear_pointer (&score, lightly_store_score_free);

  /* Upsert: same id, new values, now the newest. */
  s3 = lightly_store_set_scores (store, tag, "uncertainty_margin", replaced, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (s3, ==, s1);
  score = lightly_store_get_newest_score (store, tag, &error);
  g_assert_cmpstr (score->id, ==, s1);
  g_assert_cmpuint (score->n_values, ==, 3);
  g_assert_cmpfloat (score->values[0], ==, 0.75);
  g_clear_pointer (&score, lightly_store_score_free);

  score = lightly_store_get_score (store, tag, s2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (score->score_type, ==, "uncertainty_entropy");
  g_assert_cmpuint (score->n_values, ==, 2);
  g_assert_cmpfloat (score->values[1], ==, 0.125);
  g_clear_pointer (&score, lightly_store_score_free);

  score = lightly_store_get_score_by_type (store, tag, "uncertainty_margin", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (score->id, ==, s1);
  g_clear_pointer (&score, lightly_store_score_free);

  list = lightly_store_list_scores (store, tag, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((LightlyStoreScore *) list->pdata[0])->id, ==, s2);
  g_assert_null (((LightlyStoreScore *) list->pdata[0])->values);

  g_assert_null (lightly_store_set_scores (store, tag, "bad", nan_values, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  assert_message (error, "score 1");
  g_clear_error (&error);
  g_assert_null (lightly_store_set_scores (store, "0123456789abcdef01234567", "x", margin, 1,
                                           &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lightly_store_get_score_by_type (store, tag, "uncertainty_x", &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  assert_message (error, "uncertainty_x");
  g_clear_error (&error);
  {
    g_autofree char *other = lightly_store_create_tag (store, ds, "other-tag", "0x1", tag, NULL,
                                                       NULL, NULL, &error);

    g_assert_null (lightly_store_get_newest_score (store, other, &error));
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
    assert_message (error, "upload scores first");
  }
}

/* ---- embeddings ------------------------------------------------------------ */

static const char embeddings_csv[] =
  "filenames,embedding_0,embedding_1,labels\r\n"
  "c.png,0,2,0\r\n"
  "a.png,3,4,1\r\n"
  "d.png,-1,0,0\r\n"
  "b.png,1,1,1\r\n";

static void
check_embeddings (LightlyStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ds = new_dataset (store, "embeddings", four);
  g_autofree char *e1 = NULL, *e2 = NULL;
  g_autoptr(GInputStream) in = stream_for (embeddings_csv);
  g_autoptr(LightlyStoreMatrix) m = NULL;
  g_autoptr(LightlyStoreEmbedding) e = NULL;
  g_autoptr(GPtrArray) list = NULL;
  const float *data;

  e1 = lightly_store_add_embedding (store, ds, "default", in, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (e1), ==, 24);

  m = lightly_store_map_embedding (store, e1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_store_matrix_get_n_rows (m), ==, 4);
  g_assert_cmpuint (lightly_store_matrix_get_dim (m), ==, 2);
  data = lightly_store_matrix_get_data (m);
  /* Mapping order a, b, c, d; unit rows. */
  g_assert_cmpfloat_with_epsilon (data[0], 0.6, 1e-7);
  g_assert_cmpfloat_with_epsilon (data[1], 0.8, 1e-7);
  g_assert_cmpfloat_with_epsilon (data[2], (float) G_SQRT2 / 2, 1e-7);
  g_assert_cmpfloat_with_epsilon (data[3], (float) G_SQRT2 / 2, 1e-7);
  g_assert_true (data[4] == 0.0f && data[5] == 1.0f);
  g_assert_true (data[6] == -1.0f && data[7] == 0.0f);
  {
    g_autoptr(LightlyStoreMatrix) extra = lightly_store_matrix_ref (m);

    g_assert_true (lightly_store_matrix_get_data (extra) == data);
  }

  {
    g_autoptr(GInputStream) back = lightly_store_read_embedding_csv (store, e1, &error);
    char buf[1024];
    gsize got = 0;

    g_assert_no_error (error);
    g_assert_true (g_input_stream_read_all (back, buf, sizeof buf, &got, NULL, &error));
    g_assert_cmpmem (buf, got, embeddings_csv, strlen (embeddings_csv));
  }

  /* Same name again → EXISTS. */
  g_clear_object (&in);
  in = stream_for (embeddings_csv);
  g_assert_null (lightly_store_add_embedding (store, ds, "default", in, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS);
  assert_message (error, "default");
  g_clear_error (&error);

  g_clear_object (&in);
  in = stream_for (embeddings_csv);
  e2 = lightly_store_add_embedding (store, ds, "second", in, NULL, &error);
  g_assert_no_error (error);

  list = lightly_store_list_embeddings (store, ds, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((LightlyStoreEmbedding *) list->pdata[0])->id, ==, e1);
  g_assert_cmpstr (((LightlyStoreEmbedding *) list->pdata[1])->id, ==, e2);

  e = lightly_store_get_embedding_by_name (store, ds, "second", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (e->id, ==, e2);
  g_assert_cmpuint (e->n_rows, ==, 4);
  g_assert_cmpuint (e->dim, ==, 2);
  g_clear_pointer (&e, lightly_store_embedding_free);
  e = lightly_store_get_embedding (store, ds, e1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (e->name, ==, "default");
  g_assert_null (lightly_store_get_embedding (store, "other", e1, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A fresh dataset registers the CSV's names in row order, in the same commit. */
  {
    g_autofree char *fresh = new_dataset (store, "fresh", NULL);
    g_autofree char *e3 = NULL;
    g_autoptr(LightlyNames) names = NULL;
    g_autoptr(LightlyStoreMatrix) m3 = NULL;

    g_clear_object (&in);
    in = stream_for (embeddings_csv);
    e3 = lightly_store_add_embedding_full (store, fresh, "default", in,
                                           LIGHTLY_STORE_EMBEDDING_REGISTER_SAMPLES, NULL, &error);
    g_assert_no_error (error);
    names = lightly_store_get_sample_names (store, fresh, &error);
    g_assert_cmpuint (names->n, ==, 4);
    g_assert_cmpuint (g_strv_length (names->v), ==, 4);
    g_assert_cmpstr (names->v[0], ==, "c.png");
    g_assert_cmpstr (names->v[3], ==, "b.png");
    m3 = lightly_store_map_embedding (store, e3, &error);
    g_assert_no_error (error);
    g_assert_true (lightly_store_matrix_get_data (m3)[0] == 0.0f);
    g_assert_true (lightly_store_matrix_get_data (m3)[1] == 1.0f);
  }
}

/* Each bad upload fails with its own error and leaves the store's bytes alone. */
static const struct {
  const char *name;
  const char *csv;
  LightlyError code;
  const char *needle;
} bad_uploads[] = {
  { "e", "", LIGHTLY_ERROR_INVALID_INPUT, "empty" },
  { "e", "filenames,embedding_0\r\n", LIGHTLY_ERROR_INVALID_INPUT, "no rows" },
  { "e", "filenames,embedding_0\na.png,1\nb.png,x\n", LIGHTLY_ERROR_INVALID_INPUT, "line 3, column 2" },
  { "e", "filenames,embedding_0\na.png,1\nb.png\n", LIGHTLY_ERROR_INVALID_INPUT, "line 3 of the embeddings CSV has 1 columns" },
  { "e", "filenames,embedding_0\na.png,nan\n", LIGHTLY_ERROR_INVALID_INPUT, "not a finite" },
  { "e", "filenames,embedding_0\na.png,1\na.png,2\n", LIGHTLY_ERROR_INVALID_INPUT, "appears twice" },
  { "e", "filenames,embedding_0\na.png,1\nb.png,1\nc.png,1\nx.png,1\n", LIGHTLY_ERROR_INVALID_INPUT, "'x.png' (line 5), which is not a sample" },
  { "e", "filenames,embedding_0\na.png,1\nb.png,1\nc.png,1\n", LIGHTLY_ERROR_INVALID_INPUT, "'d.png' of dataset" },
  { "e", "filenames,embedding_0\na.png,1\nb.png,1\nc.png,1\nd.png,1\ne.png,1\n", LIGHTLY_ERROR_INVALID_INPUT, "the CSV has 5 rows and the dataset 4 samples" },
  { "e", "filenames,embedding_0,embedding_1\na.png,1,1\nb.png,0,0\nc.png,1,1\nd.png,1,1\n", LIGHTLY_ERROR_INVALID_INPUT, "'b.png' (line 3 of the CSV) is all zeros" },
  { "e", "embedding_0\n1\n", LIGHTLY_ERROR_INVALID_INPUT, "filenames" },
  { "", embeddings_csv, LIGHTLY_ERROR_INVALID_INPUT, "embedding name" },
  { "default", embeddings_csv, LIGHTLY_ERROR_EXISTS, "default" },
};

static void
check_bad_uploads (LightlyStore *store, const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ds = new_dataset (store, "bad-uploads", four);
  g_autofree char *ok = NULL;
  g_autoptr(GInputStream) in = stream_for (embeddings_csv);

  ok = lightly_store_add_embedding (store, ds, "default", in, NULL, &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (bad_uploads); i++)
    {
      g_autofree char *before = dir != NULL ? test_hash_store (dir) : NULL;
      g_autofree char *after = NULL;
      g_autoptr(GInputStream) bad = stream_for (bad_uploads[i].csv);
      g_autoptr(GPtrArray) list = NULL;

      g_assert_null (lightly_store_add_embedding (store, ds, bad_uploads[i].name, bad, NULL,
                                                  &error));
      g_test_message ("upload case %" G_GSIZE_FORMAT, i);
      g_assert_error (error, LIGHTLY_ERROR, (gint) bad_uploads[i].code);
      assert_message (error, bad_uploads[i].needle);
      g_clear_error (&error);
      if (dir != NULL)
        {
          after = test_hash_store (dir);
          g_assert_cmpstr (before, ==, after);
        }
      list = lightly_store_list_embeddings (store, ds, &error);
      g_assert_cmpuint (list->len, ==, 1);
    }

  /* Unknown dataset. */
  g_clear_object (&in);
  in = stream_for (embeddings_csv);
  g_assert_null (lightly_store_add_embedding (store, "0123456789abcdef01234567", "x", in, NULL,
                                              &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  assert_message (error, "0123456789abcdef01234567");
}

/* ---- jobs (single process) -------------------------------------------------- */

static void
check_jobs (LightlyStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ds = new_dataset (store, "jobs", four);
  g_autofree char *initial = NULL, *job = NULL, *again = NULL, *tag = NULL, *job2 = NULL;
  g_autofree char *job3 = NULL;
  g_autoptr(LightlyStoreJob) j = NULL;
  g_autoptr(GPtrArray) list = NULL;
  gboolean existing = TRUE;
  const char *params = "{\"method\":\"CORESET\",\"nSamples\":2}";

  initial = lightly_store_create_tag (store, ds, "initial-tag", "0xf", NULL, NULL, NULL, NULL,
                                      &error);
  g_assert_no_error (error);

  job = lightly_store_create_selection_job (store, ds, "round-1", params, &existing, &error);
  g_assert_no_error (error);
  g_assert_false (existing);

  /* Re-sent request → the same job; other parameters → EXISTS. */
  again = lightly_store_create_selection_job (store, ds, "round-1", params, &existing, &error);
  g_assert_no_error (error);
  g_assert_true (existing);
  g_assert_cmpstr (again, ==, job);
  g_assert_null (lightly_store_create_selection_job (store, ds, "round-1", "{}", NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS);
  assert_message (error, "round-1");
  g_clear_error (&error);
  g_assert_null (lightly_store_create_selection_job (store, ds, "initial-tag", params, NULL,
                                                     &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_null (lightly_store_create_selection_job (store, ds, "x", params, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  /* The reservation also blocks a plain tag of that name. */
  g_assert_null (lightly_store_create_tag (store, ds, "round-1", "0x1", initial, NULL, NULL, NULL,
                                           &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS);
  assert_message (error, "reserved");
  g_clear_error (&error);

  j = lightly_store_get_job (store, ds, job, &error);
  g_assert_no_error (error);
  g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_WAITING);
  g_assert_cmpstr (j->params_json, ==, params);
  g_assert_cmpint (j->owner_pid, ==, getpid ());
  g_assert_cmpint (j->finished_at, ==, 0);
  g_clear_pointer (&j, lightly_store_job_free);

  g_assert_true (lightly_store_begin_job (store, job, 2, &error));
  g_assert_no_error (error);
  g_assert_false (lightly_store_begin_job (store, job, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY);
  g_clear_error (&error);
  for (gint64 k = 0; k <= 1; k++)
    g_assert_true (lightly_store_update_job_progress (store, job, k, 2, &error));
  j = lightly_store_get_job (store, NULL, job, &error);
  g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_RUNNING);
  g_assert_cmpint (j->processed, ==, 1);
  g_assert_cmpint (j->total, ==, 2);
  g_clear_pointer (&j, lightly_store_job_free);

  {
    /* Why picked is kept with the result tag, bit for bit, in pick order. */
    const LightlyStorePick why[] = { { 2, -1, 0.75 }, { 0, 3, -1e-300 } };
    g_autoptr(GArray) got = NULL;
    g_autofree char *method = NULL;

    tag = lightly_store_finish_job_with_picks (store, job, "0x5", initial, initial, NULL, "SAMPLER_CORESET",
                                               "CORESET", why, G_N_ELEMENTS (why), &error);
    g_assert_no_error (error);
    g_assert_true (lightly_store_get_tag_picks (store, ds, tag, &method, &got, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (method, ==, "CORESET");
    g_assert_cmpuint (got->len, ==, 2);
    g_assert_true (memcmp (got->data, why, sizeof why) == 0);
    g_clear_pointer (&method, g_free);
    g_clear_pointer (&got, g_array_unref);
    /* A tag no selection made has none; an unknown tag is NOT_FOUND. */
    g_assert_true (lightly_store_get_tag_picks (store, ds, initial, &method, &got, &error));
    g_assert_null (method);
    g_assert_cmpuint (got->len, ==, 0);
    g_clear_pointer (&got, g_array_unref);
    g_assert_false (lightly_store_get_tag_picks (store, ds, "no-such-tag", &method, &got, &error));
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  j = lightly_store_get_job (store, ds, job, &error);
  g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_FINISHED);
  g_assert_cmpstr (j->result_tag_id, ==, tag);
  g_assert_cmpint (j->processed, ==, 1);
  g_assert_cmpint (j->finished_at, >=, j->created_at);
  g_clear_pointer (&j, lightly_store_job_free);
  {
    g_autoptr(LightlyStoreTag) t = lightly_store_get_tag_by_name (store, ds, "round-1", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (t->id, ==, tag);
    g_assert_cmpstr (t->bitmask_hex, ==, "0x5");
    g_assert_cmpstr (t->creator, ==, "SAMPLER_CORESET");
  }
  /* A re-send after the job finished still answers with it. */
  g_clear_pointer (&again, g_free);
  again = lightly_store_create_selection_job (store, ds, "round-1", params, &existing, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, job);
  g_assert_false (lightly_store_update_job_progress (store, job, 1, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY);
  g_clear_error (&error);

  /* A failed job releases its name. */
  job2 = lightly_store_create_selection_job (store, ds, "round-2", params, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lightly_store_begin_job (store, job2, 10, &error));
  g_assert_true (lightly_store_fail_job (store, job2, "cancelled", &error));
  g_assert_no_error (error);
  j = lightly_store_get_job (store, ds, job2, &error);
  g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_FAILED);
  g_assert_cmpstr (j->error_message, ==, "cancelled");
  g_clear_pointer (&j, lightly_store_job_free);
  g_assert_false (lightly_store_fail_job (store, job2, "again", &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY);
  g_clear_error (&error);
  job3 = lightly_store_create_selection_job (store, ds, "round-2", "{}", &existing, &error);
  g_assert_no_error (error);
  g_assert_false (existing);
  g_assert_cmpstr (job3, !=, job2);

  /* finish with a bad bitmask leaves the job running and nothing written. */
  g_assert_true (lightly_store_begin_job (store, job3, 1, &error));
  g_assert_null (lightly_store_finish_job (store, job3, "0x10", initial, NULL, NULL, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  j = lightly_store_get_job (store, ds, job3, &error);
  g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_RUNNING);
  g_clear_pointer (&j, lightly_store_job_free);
  g_assert_true (lightly_store_fail_job (store, job3, "bad result", &error));

  list = lightly_store_list_jobs (store, ds, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((LightlyStoreJob *) list->pdata[0])->id, ==, job);

  g_assert_null (lightly_store_get_job (store, ds, "0123456789abcdef01234567", &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpstr (lightly_store_job_status_to_string (LIGHTLY_STORE_JOB_FINISHED), ==, "FINISHED");
}

static void
test_memory_roundtrip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStore) store = lightly_store_open (NULL, &error);
  g_autoptr(LightlyStore) other = lightly_store_open (NULL, &error);
  g_autoptr(GPtrArray) list = NULL;

  g_assert_no_error (error);
  g_assert_null (lightly_store_get_dir (store));
  check_datasets (store);
  check_samples (store);
  check_tags (store);
  check_scores (store);
  check_embeddings (store);
  check_bad_uploads (store, NULL);
  check_jobs (store);

  /* Two in-memory stores are separate. */
  list = lightly_store_list_datasets (other, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
}

static void
test_disk_roundtrip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autofree char *sub = g_build_filename (dir, "nested", "store", NULL);
  g_autofree char *ds = NULL, *emb = NULL, *tag = NULL;
  struct stat st;

  {
    g_autoptr(LightlyStore) store = lightly_store_open (sub, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (lightly_store_get_dir (store), ==, sub);
    check_datasets (store);
    check_samples (store);
    check_tags (store);
    check_scores (store);
    check_embeddings (store);
    check_bad_uploads (store, sub);
    check_jobs (store);
  }
  g_assert_cmpint (stat (sub, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  {
    g_autofree char *emb_dir = g_build_filename (sub, "embeddings", NULL);

    g_assert_cmpint (stat (emb_dir, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  }

  /* Everything is still there after reopening. */
  {
    g_autoptr(LightlyStore) store = lightly_store_open (sub, &error);
    g_autoptr(LightlyStoreDataset) d = NULL;
    g_autoptr(LightlyStoreEmbedding) e = NULL;
    g_autoptr(LightlyStoreMatrix) m = NULL;
    g_autoptr(LightlyStoreTag) t = NULL;
    g_autoptr(GInputStream) csv = NULL;
    g_autofree char *f32 = NULL, *csv_path = NULL;
    char buf[1024];
    gsize got = 0;

    g_assert_no_error (error);
    d = lightly_store_get_dataset_by_name (store, "embeddings", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (d->n_samples, ==, 4);
    ds = g_strdup (d->id);
    e = lightly_store_get_embedding_by_name (store, ds, "default", &error);
    g_assert_no_error (error);
    emb = g_strdup (e->id);
    m = lightly_store_map_embedding (store, emb, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat_with_epsilon (lightly_store_matrix_get_data (m)[0], 0.6, 1e-7);
    csv = lightly_store_read_embedding_csv (store, emb, &error);
    g_assert_no_error (error);
    g_assert_true (g_input_stream_read_all (csv, buf, sizeof buf, &got, NULL, &error));
    g_assert_cmpmem (buf, got, embeddings_csv, strlen (embeddings_csv));

    f32 = g_strdup_printf ("%s/embeddings/%s.f32", sub, emb);
    csv_path = g_strdup_printf ("%s/csv/%s.csv", sub, emb);
    g_assert_true (g_file_test (f32, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (csv_path, G_FILE_TEST_IS_REGULAR));

    d = (lightly_store_dataset_free (d), lightly_store_get_dataset_by_name (store, "tags", &error));
    t = lightly_store_get_tag_by_name (store, d->id, "initial-selection", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (t->bitmask_hex, ==, "0x5");
    tag = g_strdup (t->id);
  }
  test_rm_rf (dir);
}

/* The store keeps the mappings of the matrices it mapped last, and hands
 * them out again only while the file is the one it mapped: a file
 * replaced or truncated outside the store is mapped anew and checked. */
static void
test_disk_matrix_kept (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
  g_autofree char *ds = NULL, *first = NULL, *path = NULL, *tmp = NULL;
  g_autoptr(LightlyStoreMatrix) m1 = NULL;
  g_autoptr(LightlyStoreMatrix) m2 = NULL;
  g_autoptr(LightlyStoreMatrix) m3 = NULL;
  char *ids[STORE_MAPPED_KEEP + 1];
  const float *d1;
  float swapped[8];

  g_assert_no_error (error);
  ds = new_dataset (store, "kept", four);
  for (guint i = 0; i <= STORE_MAPPED_KEEP; i++)
    {
      g_autofree char *name = g_strdup_printf ("e%u", i);
      g_autoptr(GInputStream) in = stream_for (embeddings_csv);

      ids[i] = lightly_store_add_embedding (store, ds, name, in, NULL, &error);
      g_assert_no_error (error);
    }
  first = g_strdup (ids[0]);

  /* Mapped once, handed out twice. */
  m1 = lightly_store_map_embedding (store, first, &error);
  g_assert_no_error (error);
  m2 = lightly_store_map_embedding (store, first, &error);
  g_assert_no_error (error);
  d1 = lightly_store_matrix_get_data (m1);
  g_assert_true (lightly_store_matrix_get_data (m2) == d1);
  g_clear_pointer (&m2, lightly_store_matrix_unref);

  /* The file replaced by another with the same size (rows swapped): the
   * next map is a new mapping of the new bytes. */
  path = g_strdup_printf ("%s/embeddings/%s.f32", dir, first);
  tmp = g_strconcat (path, ".new", NULL);
  memcpy (swapped, d1 + 2, 2 * sizeof (float));
  memcpy (swapped + 2, d1, 2 * sizeof (float));
  memcpy (swapped + 4, d1 + 4, 4 * sizeof (float));
  g_assert_true (g_file_set_contents (tmp, (const char *) swapped, sizeof swapped, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_rename (tmp, path), ==, 0);
  m2 = lightly_store_map_embedding (store, first, &error);
  g_assert_no_error (error);
  g_assert_true (lightly_store_matrix_get_data (m2) != d1);
  g_assert_cmpmem (lightly_store_matrix_get_data (m2), sizeof swapped, swapped, sizeof swapped);
  /* The first mapping still reads what it mapped. */
  g_assert_cmpfloat_with_epsilon (d1[0], 0.6, 1e-7);
  g_clear_pointer (&m2, lightly_store_matrix_unref);

  /* Truncated: the store's error, not a fault on access. */
  g_assert_cmpint (truncate (path, 4 * sizeof (float)), ==, 0);
  g_assert_null (lightly_store_map_embedding (store, first, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE);
  assert_message (error, "the store is damaged");
  g_clear_error (&error);
  /* Gone: the same error kind. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_null (lightly_store_map_embedding (store, first, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE);
  assert_message (error, "could not map embedding");
  g_clear_error (&error);

  /* STORE_MAPPED_KEEP fill the store's room, and are handed out again. */
  m1 = (lightly_store_matrix_unref (m1), lightly_store_map_embedding (store, ids[1], &error));
  g_assert_no_error (error);
  for (guint i = 2; i <= STORE_MAPPED_KEEP; i++)
    {
      g_autoptr(LightlyStoreMatrix) m G_GNUC_UNUSED = lightly_store_map_embedding (store, ids[i], &error);

      g_assert_no_error (error);
    }
  m2 = lightly_store_map_embedding (store, ids[1], &error);
  g_assert_no_error (error);
  g_assert_true (lightly_store_matrix_get_data (m2) == lightly_store_matrix_get_data (m1));
  /* Used least recently, ids[1] is the one dropped for one more; mapped
   * again it is a new mapping (the caller still holds the old one) of the
   * same bytes. */
  {
    g_autofree char *extra = NULL;
    g_autoptr(GInputStream) in = stream_for (embeddings_csv);
    g_autoptr(LightlyStoreMatrix) m = NULL;

    extra = lightly_store_add_embedding (store, ds, "extra", in, NULL, &error);
    g_assert_no_error (error);
    for (guint i = 2; i <= STORE_MAPPED_KEEP; i++)
      {
        g_autoptr(LightlyStoreMatrix) mi G_GNUC_UNUSED = lightly_store_map_embedding (store, ids[i], &error);

        g_assert_no_error (error);
      }
    m = lightly_store_map_embedding (store, extra, &error);
    g_assert_no_error (error);
  }
  m3 = lightly_store_map_embedding (store, ids[1], &error);
  g_assert_no_error (error);
  g_assert_true (lightly_store_matrix_get_data (m3) != lightly_store_matrix_get_data (m1));
  g_assert_cmpmem (lightly_store_matrix_get_data (m3), 8 * sizeof (float),
                   lightly_store_matrix_get_data (m1), 8 * sizeof (float));

  for (guint i = 0; i <= STORE_MAPPED_KEEP; i++)
    g_free (ids[i]);
  g_clear_pointer (&m1, lightly_store_matrix_unref);
  g_clear_pointer (&m2, lightly_store_matrix_unref);
  g_clear_pointer (&m3, lightly_store_matrix_unref);
  g_clear_object (&store);
  test_rm_rf (dir);
}

/* A store that has been written keeps its WAL when closed (no checkpoint
 * on close, lightly-store.c): what a crash would leave on disk, the
 * database and its WAL without the -shm index, must hold every commit,
 * and the mapping reads back in order through the memory-mapped reads. */
/* A large import leaves no large WAL behind: SQLite would keep the file at
 * its largest size for good; journal_size_limit cuts it back when the next
 * write restarts it after the import's checkpoint. */
static void
test_disk_wal_bounded (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autofree char *wal = g_build_filename (dir, "lightly.db-wal", NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *ds = NULL;
  GStatBuf st;

  for (guint i = 0; i < 30000; i++)
    g_ptr_array_add (names, g_strdup_printf ("a-rather-long-folder-name/image-%06u.png", i));
  g_ptr_array_add (names, NULL);
  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);

    g_assert_no_error (error);
    ds = lightly_store_create_dataset (store, "big", &error);
    g_assert_no_error (error);
    /* ~6 MB of WAL: the names and rows in one transaction. */
    g_assert_true (lightly_store_add_samples (store, ds, (const char * const *) names->pdata, -1, &error));
    g_assert_no_error (error);
    g_assert_cmpint (g_stat (wal, &st), ==, 0);
    g_assert_cmpint (st.st_size, >, 1 << 20);
    g_free (lightly_store_create_tag (store, ds, "initial-tag", "0x1", NULL, NULL, NULL, "USER_PIP", &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_test_message ("WAL after the import: %" G_GINT64_FORMAT " bytes", (gint64) st.st_size);
  g_assert_cmpint (st.st_size, >, 0);
  g_assert_cmpint (st.st_size, <=, 1 << 20);
  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
    g_autoptr(LightlyNames) got = NULL;

    g_assert_no_error (error);
    got = lightly_store_get_sample_names (store, ds, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (got->n, ==, 30000);
    g_assert_cmpstr (got->v[29999], ==, "a-rather-long-folder-name/image-029999.png");
  }
  test_rm_rf (dir);
}

/* Writes go to a connection that has written before, reads to one that
 * has not: SQLite syncs the folder at the first WAL sync of every
 * connection, so a write on a connection a reader had just released (the
 * pool's last) paid one fdatasync more (conn_take()). */
static void
test_disk_writer_connection (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
  Conn *writer, *a, *b, *c;

  g_assert_no_error (error);
  writer = store_write_begin (store, &error);
  g_assert_no_error (error);
  g_assert_true (store_write_commit (writer, &error));
  g_assert_no_error (error);
  g_assert_true (writer->has_written);

  /* Two readers at once: the second needs a connection of its own. */
  a = store_conn_acquire (store, &error);
  g_assert_no_error (error);
  b = store_conn_acquire (store, &error);
  g_assert_no_error (error);
  g_assert_true (a == writer || b == writer);
  store_conn_release (a);
  store_conn_release (b);

  /* Whichever was released last, the write takes the one that wrote, and
   * a reader the other. */
  for (guint round = 0; round < 2; round++)
    {
      c = store_write_begin (store, &error);
      g_assert_no_error (error);
      g_assert_true (c == writer);
      g_assert_true (store_write_commit (c, &error));
      g_assert_no_error (error);
      c = store_conn_acquire (store, &error);
      g_assert_no_error (error);
      g_assert_true (c != writer);
      g_assert_false (c->has_written);
      store_conn_release (c);
    }
  g_clear_object (&store);
  test_rm_rf (dir);
}

static void
test_disk_wal_kept (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autofree char *copy = g_build_filename (dir, "copy", NULL);
  g_autofree char *ds = NULL, *tag = NULL;
  static const char *const names[] = { "a.png", "b.png", "c.png", NULL };
  static const char *const files[] = { "lightly.db", "lightly.db-wal" };
  GStatBuf st;

  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);

    g_assert_no_error (error);
    ds = lightly_store_create_dataset (store, "wal", &error);
    g_assert_no_error (error);
    g_assert_true (lightly_store_add_samples (store, ds, names, -1, &error));
    g_assert_no_error (error);
    tag = lightly_store_create_tag (store, ds, "picked", "0x5", NULL, NULL, NULL, "test", &error);
    g_assert_no_error (error);
  }
  {
    g_autofree char *wal = g_build_filename (dir, "lightly.db-wal", NULL);

    g_assert_cmpint (g_stat (wal, &st), ==, 0);
    g_assert_cmpint (st.st_size, >, 0);
  }

  g_assert_cmpint (g_mkdir (copy, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = g_build_filename (dir, files[i], NULL);
      g_autofree char *to = g_build_filename (copy, files[i], NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (from, &contents, &len, &error));
      g_assert_true (g_file_set_contents (to, contents, (gssize) len, &error));
      g_assert_no_error (error);
    }
  {
    g_autoptr(LightlyStore) store = lightly_store_open (copy, &error);
    g_autoptr(LightlyStoreTag) t = NULL;
    g_autoptr(LightlyNames) got = NULL;

    g_assert_no_error (error);
    got = lightly_store_get_sample_names (store, ds, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (got->n, ==, 3);
    g_assert_cmpstrv (got->v, names);
    t = lightly_store_get_tag_by_name (store, ds, "picked", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (t->id, ==, tag);
    g_assert_cmpstr (t->bitmask_hex, ==, "0x5");
  }
  test_rm_rf (dir);
}

/* Rejected writes of every kind leave the store's bytes alone. */
static void
test_disk_bad_writes_unchanged (void)
{
  static const char *const dup_list[] = { "new.png", "a.png", NULL };
  static const char *const comma_list[] = { "x,y.png", NULL };
  static const double values[] = { 0.5, INFINITY };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
  g_autofree char *ds = NULL, *initial = NULL, *job = NULL;
  g_autofree char *before = NULL, *after = NULL;

  g_assert_no_error (error);
  ds = new_dataset (store, "ds", four);
  initial = lightly_store_create_tag (store, ds, "initial-tag", "0xf", NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  job = lightly_store_create_selection_job (store, ds, "round-1", "{}", NULL, &error);
  g_assert_no_error (error);

  before = test_hash_store (dir);
  g_assert_null (lightly_store_create_dataset (store, "ds", &error));
  g_clear_error (&error);
  g_assert_false (lightly_store_add_samples (store, ds, dup_list, -1, &error));
  g_clear_error (&error);
  g_assert_false (lightly_store_add_samples (store, ds, comma_list, -1, &error));
  g_clear_error (&error);
  g_assert_null (lightly_store_create_tag (store, ds, "initial-tag", "0x7", NULL, NULL, NULL, NULL, &error));
  g_clear_error (&error);
  g_assert_null (lightly_store_create_tag (store, ds, "wide", "0x1f", initial, NULL, NULL, NULL, &error));
  g_clear_error (&error);
  g_assert_null (lightly_store_create_tag (store, ds, "round-1", "0x1", initial, NULL, NULL, NULL, &error));
  g_clear_error (&error);
  g_assert_null (lightly_store_set_scores (store, initial, "margin", values, 2, &error));
  g_clear_error (&error);
  g_assert_null (lightly_store_create_selection_job (store, ds, "round-1", "{\"n\":2}", NULL, &error));
  g_clear_error (&error);
  g_assert_null (lightly_store_create_selection_job (store, ds, "initial-tag", "{}", NULL, &error));
  g_clear_error (&error);
  {
    /* The idempotent answers write nothing either. */
    g_autofree char *same_tag = lightly_store_create_tag (store, ds, "initial-tag", "0xf", NULL,
                                                          NULL, NULL, NULL, &error);
    g_autofree char *same_job = lightly_store_create_selection_job (store, ds, "round-1", "{}",
                                                                    NULL, &error);

    g_assert_cmpstr (same_tag, ==, initial);
    g_assert_cmpstr (same_job, ==, job);
  }
  after = test_hash_store (dir);
  g_assert_cmpstr (before, ==, after);
  g_clear_object (&store);
  test_rm_rf (dir);
}

static void
test_disk_orphans (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autofree char *emb = NULL;
  g_autofree char *stray_tmp = g_build_filename (dir, "embeddings", "0123456789abcdef01234567.f32.tmp", NULL);
  g_autofree char *stray_f32 = g_build_filename (dir, "embeddings", "0123456789abcdef01234567.f32", NULL);
  g_autofree char *stray_csv = g_build_filename (dir, "csv", "0123456789abcdef01234567.csv", NULL);
  g_autofree char *stray_csv_tmp = g_build_filename (dir, "csv", "abc.csv.tmp", NULL);
  g_autofree char *stray_lock = g_build_filename (dir, "jobs", "0123456789abcdef01234567.lock", NULL);
  g_autofree char *good_f32 = NULL, *good_csv = NULL;

  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
    g_autofree char *ds = new_dataset (store, "ds", four);
    g_autoptr(GInputStream) in = stream_for (embeddings_csv);

    g_assert_no_error (error);
    emb = lightly_store_add_embedding (store, ds, "default", in, NULL, &error);
    g_assert_no_error (error);
  }
  good_f32 = g_strdup_printf ("%s/embeddings/%s.f32", dir, emb);
  good_csv = g_strdup_printf ("%s/csv/%s.csv", dir, emb);
  g_assert_true (g_file_set_contents (stray_tmp, "x", 1, NULL));
  g_assert_true (g_file_set_contents (stray_f32, "abcd", 4, NULL));
  g_assert_true (g_file_set_contents (stray_csv, "filenames\n", -1, NULL));
  g_assert_true (g_file_set_contents (stray_csv_tmp, "x", 1, NULL));
  g_assert_true (g_file_set_contents (stray_lock, "", 0, NULL));

  {
    g_autoptr(LightlyStore) store G_GNUC_UNUSED = lightly_store_open (dir, &error);

    g_assert_no_error (error);
    g_assert_false (g_file_test (stray_tmp, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (stray_f32, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (stray_csv, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (stray_csv_tmp, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (stray_lock, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (good_f32, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (good_csv, G_FILE_TEST_IS_REGULAR));
  }
  test_rm_rf (dir);
}

static void
sql_on_closed_store (const char *dir, const char *sql)
{
  g_autofree char *db_path = g_build_filename (dir, "lightly.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static void
test_disk_version_too_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autofree char *before = NULL, *after = NULL;

  {
    g_autoptr(LightlyStore) store G_GNUC_UNUSED = lightly_store_open (dir, &error);

    g_assert_no_error (error);
  }
  sql_on_closed_store (dir, "PRAGMA user_version = 99");

  before = test_hash_store (dir);
  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);

    g_assert_null (store);
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE_VERSION);
    assert_message (error, "version 99");
    assert_message (error, "up to 4");
  }
  after = test_hash_store (dir);
  g_assert_cmpstr (before, ==, after);
  test_rm_rf (dir);
}

static void
assert_names (LightlyStore *store, const char *id, const char * const *want)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyNames) names = NULL;

  names = lightly_store_get_sample_names (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (names->n, ==, g_strv_length ((char **) want));
  g_assert_cmpstrv (names->v, want);
}

static gint64
int_on_closed_store (const char *dir, const char *sql)
{
  g_autofree char *db_path = g_build_filename (dir, "lightly.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  gint64 v;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  sqlite3_close (db);
  return v;
}

/* A version-4 store without the index for listing a dataset's tags (made
 * by the first form of migration 3 → 4) gets it when it opens, once; its
 * tags list as before. */
static void
test_disk_tags_index_repaired (void)
{
  static const char *const count =
    "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'tags_by_dataset'";
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autofree char *ds = NULL, *before G_GNUC_UNUSED = NULL, *after G_GNUC_UNUSED = NULL;

  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);

    g_autofree char *initial = NULL;

    g_assert_no_error (error);
    ds = new_dataset (store, "indexed", four);
    initial = lightly_store_create_tag (store, ds, "initial-tag", "0xf", NULL, NULL, NULL,
                                        "USER_PIP", &error);
    g_assert_no_error (error);
  }
  g_assert_cmpint (int_on_closed_store (dir, count), ==, 1);
  sql_on_closed_store (dir, "DROP INDEX tags_by_dataset");
  g_assert_cmpint (int_on_closed_store (dir, count), ==, 0);
  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
    g_autoptr(GPtrArray) tags = NULL;

    g_assert_no_error (error);
    tags = lightly_store_list_tags (store, ds, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (tags->len, ==, 1);
    g_assert_cmpstr (((LightlyStoreTag *) g_ptr_array_index (tags, 0))->name, ==, "initial-tag");
  }
  g_assert_cmpint (int_on_closed_store (dir, count), ==, 1);
  g_assert_cmpint (int_on_closed_store (dir, "PRAGMA user_version"), ==, 4);
  {
    g_autoptr(LightlyStore) store G_GNUC_UNUSED = lightly_store_open (dir, &error);

    g_assert_no_error (error);
  }
  g_assert_cmpint (int_on_closed_store (dir, count), ==, 1);
  test_rm_rf (dir);
}

/* Schema 2 → 3: a version-2 store (no packed names) gets one blob per
 * dataset from its rows, in index order, and reads as before; names added
 * afterwards follow. */
static void
test_disk_names_migration (void)
{
  const char *first[] = { "b.png", "a.png", "c d.png", NULL };
  const char *second[] = { "z.png", "\u00e9t\u00e9.png", NULL };
  const char *all[] = { "b.png", "a.png", "c d.png", "z.png", "\u00e9t\u00e9.png", "y.png", NULL };
  const char *third[] = { "y.png", NULL };
  const char *other[] = { "x.png", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autofree char *id = NULL, *id2 = NULL, *empty = NULL;

  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);

    g_assert_no_error (error);
    id = lightly_store_create_dataset (store, "pets", &error);
    g_assert_no_error (error);
    id2 = lightly_store_create_dataset (store, "cars", &error);
    g_assert_no_error (error);
    empty = lightly_store_create_dataset (store, "empty", &error);
    g_assert_no_error (error);
    g_assert_true (lightly_store_add_samples (store, id, first, -1, &error));
    g_assert_true (lightly_store_add_samples (store, id2, other, -1, &error));
    g_assert_true (lightly_store_add_samples (store, id, second, -1, &error));
    g_assert_no_error (error);
  }
  /* What a version-2 store holds. */
  sql_on_closed_store (dir, "DROP TABLE sample_names; DROP INDEX tags_by_dataset; "
                            "PRAGMA user_version = 2");
  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
    const char *none[] = { NULL };

    g_assert_no_error (error);
    g_assert_true (lightly_store_add_samples (store, id, third, -1, &error));
    g_assert_no_error (error);
    assert_names (store, id, all);
    assert_names (store, id2, other);
    assert_names (store, empty, none);
  }
  /* One blob per dataset from the migration, and one for the later insert. */
  g_assert_cmpint (int_on_closed_store (dir, "SELECT count (*) FROM sample_names"), ==, 3);
  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);

    g_assert_no_error (error);
    assert_names (store, id, all);
  }
  test_rm_rf (dir);
}

/* Schema 3 → 4: sample_names becomes a rowid table with the same rows
 * (blobs included, not rebuilt from `samples`), which read as before, and
 * tags get their index by dataset. */
static void
test_disk_names_rowid (void)
{
  const char *first[] = { "b.png", "a.png", NULL };
  const char *second[] = { "z.png", NULL };
  const char *all[] = { "b.png", "a.png", "z.png", "y.png", NULL };
  const char *third[] = { "y.png", NULL };
  const char *blobs = "SELECT count (*) * 1000000 + sum (n) * 1000 + sum (length (names)) "
                      "FROM sample_names";
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autofree char *id = NULL;
  gint64 before;

  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);

    g_assert_no_error (error);
    id = lightly_store_create_dataset (store, "pets", &error);
    g_assert_no_error (error);
    g_assert_true (lightly_store_add_samples (store, id, first, -1, &error));
    g_assert_true (lightly_store_add_samples (store, id, second, -1, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (int_on_closed_store (dir, "PRAGMA user_version"), ==, 4);
  /* What a version-3 store holds; its blobs say "B" where the rows say
   * "b", so reading "B" shows the blobs were carried over, not rebuilt. */
  sql_on_closed_store (dir,
                       "CREATE TABLE old3 (dataset_id TEXT NOT NULL REFERENCES datasets (id),"
                       " first_idx INTEGER NOT NULL, n INTEGER NOT NULL, names BLOB NOT NULL,"
                       " PRIMARY KEY (dataset_id, first_idx)) WITHOUT ROWID;"
                       "INSERT INTO old3 SELECT dataset_id, first_idx, n, names FROM sample_names;"
                       "DROP TABLE sample_names; ALTER TABLE old3 RENAME TO sample_names;"
                       "DROP INDEX tags_by_dataset;"
                       "UPDATE sample_names SET names = X'422E706E6700612E706E6700'"
                       " WHERE first_idx = 0;"
                       "PRAGMA user_version = 3");
  before = int_on_closed_store (dir, blobs);
  g_assert_cmpint (before, ==, 2 * 1000000 + 3 * 1000 + 18);
  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
    const char *carried[] = { "B.png", "a.png", "z.png", NULL };

    g_assert_no_error (error);
    assert_names (store, id, carried);
    g_assert_true (lightly_store_add_samples (store, id, third, -1, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (int_on_closed_store (dir, "PRAGMA user_version"), ==, 4);
  g_assert_cmpint (int_on_closed_store (dir, "SELECT count (*) FROM sqlite_master WHERE "
                                             "name = 'sample_names' AND sql LIKE '%WITHOUT ROWID%'"),
                   ==, 0);
  g_assert_cmpint (int_on_closed_store (dir, "SELECT count (*) FROM sqlite_master WHERE "
                                             "name = 'tags_by_dataset'"), ==, 1);
  g_assert_cmpint (int_on_closed_store (dir, blobs), ==, before + 1000000 + 1000 + 6);
  /* The rows were never changed: with the blobs gone, they are read. */
  sql_on_closed_store (dir, "DELETE FROM sample_names");
  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);

    g_assert_no_error (error);
    assert_names (store, id, all);
  }
  test_rm_rf (dir);
}

/* A block of names from 2 MiB up starts on a 2 MiB boundary (huge pages
 * advised, lightly-names.c), and holds the names as given. */
static void
test_names_pack_large (void)
{
  const gsize n = 120000;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(LightlyNames) packed = NULL;
  g_auto(GStrv) copy = NULL;

  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (names, g_strdup_printf ("img-%07zu.png", i));
  packed = lightly_names_pack ((const char * const *) names->pdata, n);
  g_assert_cmpuint ((guintptr) packed % (2 << 20), ==, 0);
  g_assert_cmpuint (packed->n, ==, n);
  g_assert_null (packed->v[n]);
  for (gsize i = 0; i < n; i += 997)
    g_assert_cmpstr (packed->v[i], ==, g_ptr_array_index (names, i));
  g_assert_cmpstr (packed->v[n - 1], ==, "img-0119999.png");
  copy = lightly_names_to_strv (packed);
  g_assert_cmpuint (g_strv_length (copy), ==, n);
  g_assert_cmpstr (copy[n - 1], ==, "img-0119999.png");
  g_clear_pointer (&packed, lightly_names_free);
  packed = lightly_names_pack (NULL, 0);
  g_assert_cmpuint (packed->n, ==, 0);
  g_assert_null (packed->v[0]);
}

/* The whole mapping in one block (lightly-names-private.h): a blob of
 * 30,000 names of 6 to 48 bytes (over many overflow pages), then a second
 * blob of three, read into one allocation whose pointers run on from the
 * first blob into the second. The rows are changed behind the blobs' back,
 * which shows that the blobs are what was read. */
static void
test_disk_names_large (void)
{
  const gsize n = 30000;
  const char *more[] = { "more-0.png", "more-1.png", "more-2.png", NULL };
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autofree char *id = NULL;
  gsize bytes = 0;

  for (gsize i = 0; i < n; i++)
    {
      char *name = g_strdup_printf ("%zu-%.*s.png", i, (int) (i * 7 % 37),
                                    "abcdefghijklmnopqrstuvwxyz0123456789_");

      bytes += strlen (name) + 1;
      g_ptr_array_add (names, name);
    }
  g_assert_cmpuint (bytes, >, 400000);
  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);

    g_assert_no_error (error);
    id = lightly_store_create_dataset (store, "many", &error);
    g_assert_no_error (error);
    g_assert_true (lightly_store_add_samples (store, id, (const char * const *) names->pdata,
                                              (gssize) names->len, &error));
    g_assert_no_error (error);
    g_assert_true (lightly_store_add_samples (store, id, more, -1, &error));
    g_assert_no_error (error);
  }
  for (guint i = 0; more[i] != NULL; i++)
    g_ptr_array_add (names, g_strdup (more[i]));
  g_ptr_array_add (names, NULL);
  g_assert_cmpint (int_on_closed_store (dir, "SELECT count(*) FROM sample_names"), ==, 2);
  sql_on_closed_store (dir, "UPDATE samples SET file_name = 'row-0.png' WHERE idx = 0; "
                            "UPDATE samples SET file_name = 'row-1.png' WHERE idx = 30001");
  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
    g_autoptr(LightlyNames) got = NULL;
    const char *first = NULL;

    g_assert_no_error (error);
    assert_names (store, id, (const char * const *) names->pdata);
    /* One block: every name lies in the text after the pointers. */
    got = lightly_store_get_sample_names (store, id, &error);
    g_assert_no_error (error);
    first = lightly_names_text (got);
    for (gsize i = 0; i < got->n; i++)
      g_assert_true (got->v[i] >= first && got->v[i] < first + bytes + 33);
  }
  test_rm_rf (dir);
}

/* Every listing of a tag shares one copy of its mask (a GRefString): a
 * query lists every tag twice, and a mask is 250 KB at 1M samples. A
 * second store on the same folder (another process) reads its own, the
 * same; a deleted tag leaves the cache, and a new tag is read anew. */
/* A dataset of four samples with two tags: "initial-tag" (0xf) and
 * "picked" (0x5, from the initial-tag). */
static char *
new_dataset_two_tags (LightlyStore *store, const char *name, char **initial, char **picked)
{
  g_autoptr(GError) error = NULL;
  char *ds = new_dataset (store, name, four);

  *initial = lightly_store_create_tag (store, ds, "initial-tag", "0xf", NULL, NULL, NULL, "USER_PIP", &error);
  g_assert_no_error (error);
  *picked = lightly_store_create_tag (store, ds, "picked", "0x5", *initial, *initial, NULL,
                                      "SAMPLER_CORESET", &error);
  g_assert_no_error (error);
  return ds;
}

/* Heads: the listing's ids, names and sizes without a mask, and no mask read
 * (the store's cache of masks stays empty). */
static void
test_disk_tag_heads (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
  g_autoptr(LightlyStore) other = NULL;
  g_autofree char *ds = NULL, *initial = NULL, *sel = NULL;
  g_autoptr(GPtrArray) heads = NULL;
  g_autoptr(GPtrArray) full = NULL;
  g_autoptr(LightlyStoreTag) one = NULL;

  g_assert_no_error (error);
  ds = new_dataset_two_tags (store, "tags", &initial, &sel);

  other = lightly_store_open (dir, &error);
  g_assert_no_error (error);
  heads = lightly_store_list_tag_heads (other, ds, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_store_get_tag_masks_bytes (other), ==, 0);
  full = lightly_store_list_tags (store, ds, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (heads->len, ==, 2);
  g_assert_cmpuint (full->len, ==, 2);
  for (guint i = 0; i < heads->len; i++)
    {
      LightlyStoreTag *h = g_ptr_array_index (heads, i), *f = g_ptr_array_index (full, i);

      g_assert_cmpstr (h->id, ==, f->id);
      g_assert_cmpstr (h->dataset_id, ==, f->dataset_id);
      g_assert_cmpstr (h->name, ==, f->name);
      g_assert_cmpuint (h->tot_size, ==, f->tot_size);
      g_assert_null (h->bitmask_hex);
      g_assert_null (h->prev_tag_id);
      g_assert_null (h->creator);
    }
  one = lightly_store_get_tag (other, ds, sel, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (one->bitmask_hex, ==, "0x5");
  g_assert_cmpuint (lightly_store_get_tag_masks_bytes (other), ==, strlen ("0x5"));

  g_clear_object (&other);
  g_clear_object (&store);
  test_rm_rf (dir);
}

static void
test_disk_tag_masks_shared (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
  g_autoptr(LightlyStore) other = NULL;
  g_autofree char *ds = NULL, *initial = NULL, *sel = NULL, *sel2 = NULL;
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  g_autoptr(GPtrArray) c = NULL;
  g_autoptr(LightlyStoreTag) one = NULL;
  LightlyStoreTag *ta, *tb;

  g_assert_no_error (error);
  ds = new_dataset_two_tags (store, "tags", &initial, &sel);

  a = lightly_store_list_tags (store, ds, &error);
  g_assert_no_error (error);
  b = lightly_store_list_tags (store, ds, &error);
  g_assert_no_error (error);
  one = lightly_store_get_tag (store, ds, sel, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->len, ==, 2);
  ta = g_ptr_array_index (a, 1);
  tb = g_ptr_array_index (b, 1);
  g_assert_cmpstr (ta->id, ==, sel);
  g_assert_cmpstr (ta->bitmask_hex, ==, "0x5");
  g_assert_true (ta->bitmask_hex == tb->bitmask_hex);
  g_assert_true (one->bitmask_hex == ta->bitmask_hex);

  other = lightly_store_open (dir, &error);
  g_assert_no_error (error);
  c = lightly_store_list_tags (other, ds, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((LightlyStoreTag *) g_ptr_array_index (c, 1))->bitmask_hex, ==, "0x5");
  g_assert_true (((LightlyStoreTag *) g_ptr_array_index (c, 1))->bitmask_hex != ta->bitmask_hex);

  /* Deleted in the other store, made again under the same name with
   * another mask: this store reads the new tag's mask. */
  g_assert_true (lightly_store_delete_tag (other, ds, sel, &error));
  g_assert_no_error (error);
  sel2 = lightly_store_create_tag (other, ds, "picked", "0x6", initial, initial, NULL, "SAMPLER_CORESET", &error);
  g_assert_no_error (error);
  g_clear_pointer (&a, g_ptr_array_unref);
  a = lightly_store_list_tags (store, ds, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->len, ==, 2);
  g_assert_cmpstr (((LightlyStoreTag *) g_ptr_array_index (a, 1))->id, ==, sel2);
  g_assert_cmpstr (((LightlyStoreTag *) g_ptr_array_index (a, 1))->bitmask_hex, ==, "0x6");
  /* The listings made before still hold their masks. */
  g_assert_cmpstr (tb->bitmask_hex, ==, "0x5");

  g_clear_object (&other);
  g_clear_object (&store);
  test_rm_rf (dir);
}

/* The tags' masks: the listings share them through a cache of at most
 * the limit's bytes, which starts afresh when a mask would pass it and
 * never keeps a mask larger than it; the masks listed stay right. */
static void
assert_masks (LightlyStore *store, const char *ds, const char *const *want, gsize n,
              GPtrArray **out)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *a = lightly_store_list_tags (store, ds, &error);
  gsize i;

  g_assert_no_error (error);
  g_assert_cmpuint (a->len, ==, n);
  for (i = 0; i < n; i++)
    g_assert_cmpstr (((LightlyStoreTag *) g_ptr_array_index (a, i))->bitmask_hex, ==, want[i]);
  *out = a;
}

static const char *
mask_at (GPtrArray *a, guint i)
{
  return ((LightlyStoreTag *) g_ptr_array_index (a, i))->bitmask_hex;
}

static void
test_disk_tag_masks_limit (void)
{
  static const char *const want[] = { "0xf", "0x5", "0x6" };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
  g_autofree char *ds = NULL, *initial = NULL, *sel = NULL, *third = NULL;
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;

  g_assert_no_error (error);
  ds = new_dataset_two_tags (store, "limit", &initial, &sel);

  /* Room for two masks of 3 bytes. */
  lightly_store_set_tag_masks_limit (store, 7);
  assert_masks (store, ds, want, 2, &a);
  assert_masks (store, ds, want, 2, &b);
  g_assert_cmpuint (lightly_store_get_tag_masks_bytes (store), ==, 6);
  g_assert_true (mask_at (a, 0) == mask_at (b, 0));
  g_assert_true (mask_at (a, 1) == mask_at (b, 1));

  /* A third does not fit: the cache starts afresh, and stays in bounds. */
  third = lightly_store_create_tag (store, ds, "third", "0x6", sel, sel, NULL, "SAMPLER_CORESET", &error);
  g_assert_no_error (error);
  g_clear_pointer (&a, g_ptr_array_unref);
  g_clear_pointer (&b, g_ptr_array_unref);
  assert_masks (store, ds, want, 3, &a);
  g_assert_cmpuint (lightly_store_get_tag_masks_bytes (store), <=, 7);
  assert_masks (store, ds, want, 3, &b);
  g_assert_cmpuint (lightly_store_get_tag_masks_bytes (store), <=, 7);
  g_assert_false (mask_at (a, 0) == mask_at (b, 0) && mask_at (a, 1) == mask_at (b, 1) &&
                  mask_at (a, 2) == mask_at (b, 2));

  /* Smaller than one mask: none is kept. */
  lightly_store_set_tag_masks_limit (store, 2);
  g_assert_cmpuint (lightly_store_get_tag_masks_bytes (store), ==, 0);
  g_clear_pointer (&a, g_ptr_array_unref);
  g_clear_pointer (&b, g_ptr_array_unref);
  assert_masks (store, ds, want, 3, &a);
  assert_masks (store, ds, want, 3, &b);
  g_assert_cmpuint (lightly_store_get_tag_masks_bytes (store), ==, 0);
  g_assert_true (mask_at (a, 2) != mask_at (b, 2));

  /* A deleted tag's mask leaves the count with it. */
  lightly_store_set_tag_masks_limit (store, 1 << 20);
  g_clear_pointer (&a, g_ptr_array_unref);
  assert_masks (store, ds, want, 3, &a);
  g_assert_cmpuint (lightly_store_get_tag_masks_bytes (store), ==, 9);
  g_assert_true (lightly_store_delete_tag (store, ds, third, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_store_get_tag_masks_bytes (store), ==, 6);
  /* The listings made before still hold their masks. */
  g_assert_cmpstr (mask_at (a, 2), ==, "0x6");
  g_assert_cmpstr (mask_at (b, 2), ==, "0x6");

  g_clear_object (&store);
  test_rm_rf (dir);
}

/* Blobs that do not tile the mapping (lost, cut, too long, out of place,
 * or rows an older lightly-glib added without one) are not read: the
 * rows are, so the names are still right. A blob that tiles is what is
 * read (the last case changes a name in the blob only). Opening the store
 * rewrites the blobs whose counts do not add up, from the rows. */
static void
test_disk_names_damaged (void)
{
  const char *cases[] = {
    "DELETE FROM sample_names WHERE first_idx = 2",
    "DELETE FROM sample_names WHERE first_idx = 0",
    "DELETE FROM sample_names",
    "UPDATE sample_names SET names = substr (names, 1, 5) WHERE first_idx = 0",
    "UPDATE sample_names SET names = X'' WHERE first_idx = 2",
    "UPDATE sample_names SET names = names || X'00' WHERE first_idx = 2",
    "UPDATE sample_names SET first_idx = 3 WHERE first_idx = 2",
    "UPDATE sample_names SET n = 5 WHERE first_idx = 0",
    "UPDATE sample_names SET n = 0 WHERE first_idx = 2",
    "UPDATE sample_names SET n = -1 WHERE first_idx = 2",
    "UPDATE sample_names SET names = 7 WHERE first_idx = 2",
    /* What a version-2 lightly-glib adds to a version-3 store it opened
     * before the migration. */
    "INSERT INTO samples (dataset_id, idx, file_name) SELECT dataset_id, 4, 'e.png' FROM samples "
    "WHERE idx = 0; UPDATE datasets SET n_samples = 5",
    "UPDATE sample_names SET names = CAST ('q.png' || char (0) || 'b.png' || char (0) AS BLOB) "
    "WHERE first_idx = 0",
  };
  const char *want[] = { "a.png", "b.png", "c.png", "d.png", NULL };
  const char *want_added[] = { "a.png", "b.png", "c.png", "d.png", "e.png", NULL };
  const char *want_blob[] = { "q.png", "b.png", "c.png", "d.png", NULL };
  const char *first[] = { "a.png", "b.png", NULL };
  const char *second[] = { "c.png", "d.png", NULL };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = test_make_tmp_dir ("lightly-store");
      g_autofree char *id = NULL;

      {
        g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);

        g_assert_no_error (error);
        id = lightly_store_create_dataset (store, "pets", &error);
        g_assert_true (lightly_store_add_samples (store, id, first, -1, &error));
        g_assert_true (lightly_store_add_samples (store, id, second, -1, &error));
        g_assert_no_error (error);
      }
      sql_on_closed_store (dir, cases[i]);
      {
        g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);

        g_assert_no_error (error);
        if (i == G_N_ELEMENTS (cases) - 1)
          assert_names (store, id, want_blob);
        else if (i == G_N_ELEMENTS (cases) - 2)
          assert_names (store, id, want_added);
        else
          assert_names (store, id, want);
      }
      g_assert_cmpint (int_on_closed_store (dir, "SELECT (SELECT n_samples FROM datasets) = "
                                                 "(SELECT sum (n) FROM sample_names)"), ==, 1);
      test_rm_rf (dir);
    }
}

/* ---- jobs across processes ----------------------------------------------------- */

/* A forked child that succeeded dies by SIGKILL, as in a crash. That also
 * keeps valgrind from leak-checking a copy of the parent's heap without the
 * parent's threads. */
static gpointer child_keep[4];

G_GNUC_NORETURN static void
child_crash (void)
{
  kill (getpid (), SIGKILL);
  _exit (3);
}

static void
assert_child_crashed (int status)
{
  if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGKILL)
    g_error ("the child did not reach its end (status %d)", status);
}

/* The child opens its own store, creates a RUNNING and a WAITING job, and
 * exits without finishing either (as a crash would). */
static void
test_disk_owner_exited (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autofree char *ds = NULL;
  g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
  char ids[2][25] = { { 0 } };
  int fds[2];
  pid_t pid;
  int status = 0;

  g_assert_no_error (error);
  ds = new_dataset (store, "ds", four);
  g_assert_cmpint (pipe (fds), ==, 0);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      LightlyStore *child = child_keep[0] = lightly_store_open (dir, NULL);
      char *a = child_keep[1] = child ? lightly_store_create_selection_job (child, ds, "running", "{}", NULL, NULL) : NULL;
      char *b = child_keep[2] = child ? lightly_store_create_selection_job (child, ds, "waiting", "{}", NULL, NULL) : NULL;

      if (a == NULL || b == NULL || !lightly_store_begin_job (child, a, 5, NULL) ||
          write (fds[1], a, 24) != 24 || write (fds[1], b, 24) != 24)
        _exit (1);
      child_crash ();
    }
  close (fds[1]);
  g_assert_cmpint (read (fds[0], ids[0], 24), ==, 24);
  g_assert_cmpint (read (fds[0], ids[1], 24), ==, 24);
  close (fds[0]);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  assert_child_crashed (status);

  /* Asking for the status finds the owner gone. */
  {
    g_autoptr(LightlyStoreJob) j = lightly_store_get_job (store, ds, ids[0], &error);

    g_assert_no_error (error);
    g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_FAILED);
    g_assert_cmpstr (j->error_message, ==, "owner exited");
    g_assert_cmpint (j->owner_pid, ==, pid);
    g_assert_cmpint (j->total, ==, 5);
  }
  /* Opening the store fails the other one. */
  {
    g_autoptr(LightlyStore) reopened = lightly_store_open (dir, &error);
    g_autoptr(GPtrArray) jobs = NULL;
    g_autofree char *retry = NULL;

    g_assert_no_error (error);
    jobs = lightly_store_list_jobs (reopened, ds, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (jobs->len, ==, 2);
    g_assert_cmpstr (((LightlyStoreJob *) jobs->pdata[1])->id, ==, ids[1]);
    g_assert_cmpint (((LightlyStoreJob *) jobs->pdata[1])->status, ==, LIGHTLY_STORE_JOB_FAILED);
    g_assert_cmpstr (((LightlyStoreJob *) jobs->pdata[1])->error_message, ==, "owner exited");

    /* The names are free again. */
    retry = lightly_store_create_selection_job (reopened, ds, "running", "{\"x\":1}", NULL, &error);
    g_assert_no_error (error);
    g_assert_true (lightly_store_fail_job (reopened, retry, "done", &error));
  }
  {
    g_autofree char *jobs_dir = g_build_filename (dir, "jobs", NULL);
    g_autoptr(GDir) d = g_dir_open (jobs_dir, 0, NULL);

    g_assert_null (g_dir_read_name (d));   /* no lock files left behind */
  }
  test_rm_rf (dir);
}

/* A live owner in another process keeps its job RUNNING and its name reserved. */
static void
test_disk_owner_alive (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autofree char *ds = NULL, *initial = NULL;
  g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
  char id[25] = { 0 };
  int to_parent[2], to_child[2];
  pid_t pid;
  int status = 0;
  char go = 0;

  g_assert_no_error (error);
  ds = new_dataset (store, "ds", four);
  initial = lightly_store_create_tag (store, ds, "initial-tag", "0xf", NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pipe (to_parent), ==, 0);
  g_assert_cmpint (pipe (to_child), ==, 0);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      LightlyStore *child = child_keep[0] = lightly_store_open (dir, NULL);
      char *job = child_keep[1] = child ? lightly_store_create_selection_job (child, ds, "live", "{}", NULL, NULL) : NULL;
      char *tag;

      if (job == NULL || !lightly_store_begin_job (child, job, 3, NULL) ||
          write (to_parent[1], job, 24) != 24 || read (to_child[0], &go, 1) != 1)
        _exit (1);
      tag = child_keep[2] = lightly_store_finish_job (child, job, "0x3", initial, initial, NULL, "SAMPLER_RANDOM", NULL);
      if (tag == NULL)
        _exit (2);
      child_crash ();
    }
  g_assert_cmpint (read (to_parent[0], id, 24), ==, 24);

  {
    g_autoptr(LightlyStoreJob) j = lightly_store_get_job (store, ds, id, &error);

    g_assert_no_error (error);
    g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_RUNNING);
    g_assert_cmpint (j->owner_pid, ==, pid);
  }
  {
    g_autoptr(LightlyStore) reopened = lightly_store_open (dir, &error);
    g_autoptr(LightlyStoreJob) j = NULL;

    g_assert_no_error (error);
    j = lightly_store_get_job (reopened, ds, id, &error);
    g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_RUNNING);
    g_assert_null (lightly_store_create_selection_job (reopened, ds, "live", "{\"other\":1}", NULL,
                                                       &error));
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS);
    g_clear_error (&error);
    /* Not ours to touch. */
    g_assert_false (lightly_store_fail_job (reopened, id, "no", &error));
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY);
    g_clear_error (&error);
  }

  g_assert_cmpint (write (to_child[1], "g", 1), ==, 1);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  assert_child_crashed (status);
  {
    g_autoptr(LightlyStoreJob) j = lightly_store_get_job (store, ds, id, &error);
    g_autoptr(LightlyStoreTag) t = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_FINISHED);
    t = lightly_store_get_tag (store, ds, j->result_tag_id, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (t->name, ==, "live");
  }
  close (to_parent[0]);
  close (to_parent[1]);
  close (to_child[0]);
  close (to_child[1]);
  test_rm_rf (dir);
}

/* ---- threads ----------------------------------------------------------------- */

typedef struct {
  LightlyStore *store;
  const char *ds;
  gint stop;
  gint reads;
  gint errors;
} Shared;

static gpointer
reader_thread (gpointer data)
{
  Shared *sh = data;
  guint last = 0;

  while (!g_atomic_int_get (&sh->stop))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) tags = lightly_store_list_tags (sh->store, sh->ds, &error);
      g_autoptr(LightlyNames) names = lightly_store_get_sample_names (sh->store, sh->ds, &error);

      /* Tags only grow, and each read sees a whole number of them. */
      if (tags == NULL || names == NULL || tags->len < last || names->n != 4)
        g_atomic_int_inc (&sh->errors);
      else
        last = tags->len;
      g_atomic_int_inc (&sh->reads);
    }
  return NULL;
}

static void
run_concurrency (LightlyStore *store)
{
  g_autofree char *ds = new_dataset (store, "threads", four);
  Shared sh = { store, ds, 0, 0, 0 };
  GThread *threads[4];
  int n_writes = 40;

  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("reader", reader_thread, &sh);
  for (int i = 0; i < n_writes; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("tag-%03d", i);
      g_autofree char *hex = g_strdup_printf ("0x%x", (i % 15) + 1);
      g_autofree char *id G_GNUC_UNUSED = lightly_store_create_tag (store, ds, name, hex, NULL, NULL, NULL,
                                                      NULL, &error);

      g_assert_no_error (error);
    }
  /* Let the readers see the final state too. */
  while (g_atomic_int_get (&sh.reads) < 8)
    g_usleep (1000);
  g_atomic_int_set (&sh.stop, 1);
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpint (sh.errors, ==, 0);
  g_assert_cmpint (sh.reads, >, 0);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) tags = lightly_store_list_tags (store, ds, &error);

    g_assert_cmpuint (tags->len, ==, (guint) n_writes);
  }
}

static void
test_concurrency_memory (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStore) store = lightly_store_open (NULL, &error);

  g_assert_no_error (error);
  run_concurrency (store);
}

static void
test_concurrency_disk (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");

  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);

    g_assert_no_error (error);
    run_concurrency (store);
  }
  test_rm_rf (dir);
}

typedef struct {
  LightlyStore *store;
  const char *job;
} ProgressArgs;

static gpointer
progress_thread (gpointer data)
{
  ProgressArgs *args = data;

  g_usleep (50 * 1000);
  g_assert_true (lightly_store_update_job_progress (args->store, args->job, 1, 4, NULL));
  return NULL;
}

/* The PRAGMA synchronous of every idle connection of the store: how many
 * there are, and how many are not FULL (2). */
static guint
count_idle_not_full (LightlyStore *store, guint *n_idle)
{
  guint n_bad = 0;

  g_mutex_lock (&store->conn_lock);
  *n_idle = store->idle->len;
  for (guint i = 0; i < store->idle->len; i++)
    {
      Conn *c = g_ptr_array_index (store->idle, i);
      sqlite3_stmt *st = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (c->db, "PRAGMA synchronous", -1, &st, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
      if (sqlite3_column_int (st, 0) != 2)
        n_bad++;
      sqlite3_finalize (st);
    }
  g_mutex_unlock (&store->conn_lock);
  return n_bad;
}

/* A running job's progress commits with synchronous = NORMAL
 * (store_write_begin_relaxed()); the connection must be back at FULL before
 * the pool hands it to any other write. Another store instance reads the
 * counter from the file, which proves the relaxed commit did happen. */
static void
test_progress_synchronous (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autofree char *ds = NULL, *job = NULL, *tag = NULL, *initial = NULL;
  g_autoptr(LightlyStoreJob) j = NULL;
  guint n_idle = 0;

  {
    g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
    g_autoptr(LightlyStore) reader = NULL;

    g_assert_no_error (error);
    ds = new_dataset (store, "sync", four);
    initial = lightly_store_create_tag (store, ds, "initial-tag", "0xf", NULL, NULL, NULL, NULL,
                                        &error);
    g_assert_no_error (error);
    job = lightly_store_create_selection_job (store, ds, "round-1", "{}", NULL, &error);
    g_assert_no_error (error);
    g_assert_true (lightly_store_begin_job (store, job, 4, &error));
    g_assert_cmpuint (count_idle_not_full (store, &n_idle), ==, 0);

    /* Past the store's interval between progress writes (250 ms), so this
     * update is committed. */
    g_usleep (300 * 1000);
    g_assert_true (lightly_store_update_job_progress (store, job, 3, 4, &error));
    g_assert_no_error (error);
    reader = lightly_store_open (dir, &error);
    g_assert_no_error (error);
    j = lightly_store_get_job (reader, ds, job, &error);
    g_assert_no_error (error);
    g_assert_cmpint (j->processed, ==, 3);
    g_clear_pointer (&j, lightly_store_job_free);

    g_assert_cmpuint (count_idle_not_full (store, &n_idle), ==, 0);
    g_assert_cmpuint (n_idle, >=, 1);

    /* And the job's end, a full-sync write on the same pool. */
    tag = lightly_store_finish_job (store, job, "0x3", initial, initial, NULL, "SAMPLER_CORESET", &error);
    g_assert_no_error (error);
    g_assert_nonnull (tag);
    g_assert_cmpuint (count_idle_not_full (store, &n_idle), ==, 0);
  }
  test_rm_rf (dir);
}

static void
test_wait_job (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStore) store = lightly_store_open (NULL, &error);
  g_autofree char *ds = NULL, *job = NULL;
  g_autoptr(LightlyStoreJob) j = NULL;
  ProgressArgs args;
  GThread *thread;
  gint64 start;

  g_assert_no_error (error);
  ds = new_dataset (store, "wait", four);
  job = lightly_store_create_selection_job (store, ds, "round-1", "{}", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lightly_store_begin_job (store, job, 4, &error));

  /* Unchanged: answers after the timeout with the same state. */
  start = g_get_monotonic_time ();
  j = lightly_store_wait_job (store, ds, job, LIGHTLY_STORE_JOB_RUNNING, 0, 100, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (j->processed, ==, 0);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 100 * 1000);
  g_clear_pointer (&j, lightly_store_job_free);

  /* Changed by another thread: answers at once, long before the timeout. */
  args.store = store;
  args.job = job;
  thread = g_thread_new ("progress", progress_thread, &args);
  start = g_get_monotonic_time ();
  j = lightly_store_wait_job (store, ds, job, LIGHTLY_STORE_JOB_RUNNING, 0, 20000, NULL, &error);
  g_thread_join (thread);
  g_assert_no_error (error);
  g_assert_cmpint (j->processed, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_TIME_SPAN_SECOND);
  g_clear_pointer (&j, lightly_store_job_free);

  /* A state other than the known one answers at once. */
  j = lightly_store_wait_job (store, ds, job, LIGHTLY_STORE_JOB_WAITING, 1, 20000, NULL, &error);
  g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_RUNNING);
  g_clear_pointer (&j, lightly_store_job_free);
  {
    g_autoptr(GCancellable) cancel = g_cancellable_new ();

    g_cancellable_cancel (cancel);
    g_assert_null (lightly_store_wait_job (store, ds, job, LIGHTLY_STORE_JOB_RUNNING, 1, 20000,
                                           cancel, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

/* A job this store runs is read from memory while its status holds; what
 * is read must still be the row's, and every change of status at once.
 * A second store over the same folder (which does not run the job) reads
 * the rows themselves. */
static void
test_owned_job_rows (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
  g_autoptr(LightlyStore) other = NULL;
  g_autofree char *ds = NULL, *initial = NULL, *job = NULL, *job2 = NULL, *tag = NULL;
  g_autoptr(LightlyStoreJob) j = NULL;
  g_autoptr(LightlyStoreJob) o = NULL;

  g_assert_no_error (error);
  other = lightly_store_open (dir, &error);
  g_assert_no_error (error);
  ds = new_dataset (store, "owned", four);
  initial = lightly_store_create_tag (store, ds, "initial-tag", "0xf", NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  job = lightly_store_create_selection_job (store, ds, "round-1", "{\"n\":2}", NULL, &error);
  g_assert_no_error (error);

  /* Twice while WAITING: the same row as the other store reads. */
  for (int i = 0; i < 2; i++)
    {
      j = lightly_store_get_job (store, ds, job, &error);
      g_assert_no_error (error);
      o = lightly_store_get_job (other, ds, job, &error);
      g_assert_no_error (error);
      g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_WAITING);
      g_assert_cmpstr (j->id, ==, o->id);
      g_assert_cmpstr (j->dataset_id, ==, o->dataset_id);
      g_assert_cmpstr (j->new_tag_name, ==, "round-1");
      g_assert_cmpstr (j->params_json, ==, o->params_json);
      g_assert_cmpint (j->created_at, ==, o->created_at);
      g_clear_pointer (&j, lightly_store_job_free);
      g_clear_pointer (&o, lightly_store_job_free);
    }
  /* Another dataset's id finds nothing, kept row or not. */
  g_assert_null (lightly_store_get_job (store, initial, job, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Begun: RUNNING at once, with this store's owner fields and progress. */
  g_assert_true (lightly_store_begin_job (store, job, 4, &error));
  j = lightly_store_get_job (store, ds, job, &error);
  g_assert_no_error (error);
  g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_RUNNING);
  g_assert_cmpint (j->total, ==, 4);
  g_assert_cmpint (j->owner_pid, ==, (gint64) getpid ());
  g_clear_pointer (&j, lightly_store_job_free);
  for (gint64 done = 1; done <= 3; done++)
    {
      g_assert_true (lightly_store_update_job_progress (store, job, done, 4, &error));
      j = lightly_store_get_job (store, NULL, job, &error);
      g_assert_no_error (error);
      g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_RUNNING);
      g_assert_cmpint (j->processed, ==, done);
      g_assert_cmpstr (j->new_tag_name, ==, "round-1");
      g_assert_null (j->result_tag_id);
      g_clear_pointer (&j, lightly_store_job_free);
    }

  /* Finished: the row's end, in both stores. */
  tag = lightly_store_finish_job (store, job, "0x5", initial, initial, NULL, "SAMPLER_CORESET", &error);
  g_assert_no_error (error);
  j = lightly_store_get_job (store, ds, job, &error);
  o = lightly_store_get_job (other, ds, job, &error);
  g_assert_no_error (error);
  g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_FINISHED);
  g_assert_cmpint (o->status, ==, LIGHTLY_STORE_JOB_FINISHED);
  g_assert_cmpstr (j->result_tag_id, ==, tag);
  g_assert_cmpstr (o->result_tag_id, ==, tag);
  g_assert_cmpint (j->finished_at, ==, o->finished_at);
  g_assert_cmpint (j->finished_at, >, 0);
  g_clear_pointer (&j, lightly_store_job_free);
  g_clear_pointer (&o, lightly_store_job_free);

  /* Failed while WAITING (read once in that status): FAILED at once. */
  job2 = lightly_store_create_selection_job (store, ds, "round-2", "{}", NULL, &error);
  g_assert_no_error (error);
  j = lightly_store_get_job (store, ds, job2, &error);
  g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_WAITING);
  g_clear_pointer (&j, lightly_store_job_free);
  g_assert_true (lightly_store_fail_job (store, job2, "cancelled", &error));
  j = lightly_store_get_job (store, ds, job2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (j->status, ==, LIGHTLY_STORE_JOB_FAILED);
  g_assert_cmpstr (j->error_message, ==, "cancelled");
  g_clear_pointer (&j, lightly_store_job_free);

  g_clear_object (&store);
  g_clear_object (&other);
  test_rm_rf (dir);
}

typedef struct {
  GMutex lock;
  GCond cond;
  gboolean done;
  char *dataset;
} WorkState;

static void
work_func (LightlyStore *store, gpointer data)
{
  WorkState *ws = data;
  g_autoptr(GInputStream) in = stream_for (embeddings_csv);
  g_autofree char *id = NULL;

  /* The store is alive here although the test dropped its reference. */
  id = lightly_store_add_embedding_full (store, ws->dataset, "default", in,
                                         LIGHTLY_STORE_EMBEDDING_REGISTER_SAMPLES, NULL, NULL);
  g_mutex_lock (&ws->lock);
  ws->done = id != NULL;
  g_cond_signal (&ws->cond);
  g_mutex_unlock (&ws->lock);
}

static void
test_push_work (void)
{
  g_autoptr(GError) error = NULL;
  LightlyStore *store = lightly_store_open (NULL, &error);
  WorkState ws = { 0 };

  g_assert_no_error (error);
  g_mutex_init (&ws.lock);
  g_cond_init (&ws.cond);
  ws.dataset = new_dataset (store, "work", NULL);
  lightly_local_jobs_push (store, work_func, &ws);
  g_object_unref (store);   /* the last reference is now the work item's */

  g_mutex_lock (&ws.lock);
  while (!ws.done)
    g_cond_wait (&ws.cond, &ws.lock);
  g_mutex_unlock (&ws.lock);
  g_assert_true (ws.done);
  /* Let the pool thread finish its unref (finalize runs there). */
  g_usleep (100 * 1000);
  g_mutex_clear (&ws.lock);
  g_cond_clear (&ws.cond);
  g_free (ws.dataset);
}

/* Deleting a tag: refusals change no byte of the store; a deletion takes
 * the tag's scores with it and frees its name. */
static void
test_disk_delete_tag (void)
{
  static const double values[] = { 0.25, 0.75 };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-store");
  g_autoptr(LightlyStore) store = lightly_store_open (dir, &error);
  g_autofree char *ds = NULL, *other = NULL, *initial = NULL, *labeled = NULL, *child = NULL;
  g_autofree char *leaf = NULL, *job = NULL, *score = NULL, *params = NULL, *again = NULL;
  g_autofree char *before = NULL, *after = NULL;

  g_assert_no_error (error);
  ds = new_dataset (store, "ds", four);
  other = new_dataset (store, "other", four);
  initial = lightly_store_create_tag (store, ds, "initial-tag", "0xf", NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  labeled = lightly_store_create_tag (store, ds, "labeled", "0x3", initial, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  child = lightly_store_create_tag (store, ds, "child", "0x7", NULL, NULL, labeled, NULL, &error);
  g_assert_no_error (error);
  leaf = lightly_store_create_tag (store, ds, "leaf", "0x1", initial, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  score = lightly_store_set_scores (store, leaf, "margin", values, 1, &error);
  g_assert_no_error (error);
  params = g_strdup_printf ("{\"queryTagId\":\"%s\"}", leaf);
  job = lightly_store_create_selection_job (store, ds, "round-1", params, NULL, &error);
  g_assert_no_error (error);

  before = test_hash_store (dir);
  g_assert_false (lightly_store_delete_tag (store, ds, initial, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  assert_message (error, "initial-tag");
  g_clear_error (&error);
  /* child names labeled as its preselected tag. */
  g_assert_false (lightly_store_delete_tag (store, ds, labeled, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  assert_message (error, "preselected tag of tag 'child'");
  assert_message (error, child);
  g_clear_error (&error);
  /* The waiting job's parameters name leaf. */
  g_assert_false (lightly_store_delete_tag (store, ds, leaf, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  assert_message (error, job);
  g_clear_error (&error);
  g_assert_false (lightly_store_delete_tag (store, ds, "no-such-tag", &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  assert_message (error, "no-such-tag");
  g_clear_error (&error);
  g_assert_false (lightly_store_delete_tag (store, other, child, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lightly_store_delete_tag (store, "no-such-dataset", child, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  after = test_hash_store (dir);
  g_assert_cmpstr (before, ==, after);

  /* A failed job's parameters do not hold the tag. */
  g_assert_true (lightly_store_fail_job (store, job, "cancelled", &error));
  g_assert_no_error (error);
  g_assert_true (lightly_store_delete_tag (store, ds, leaf, &error));
  g_assert_no_error (error);
  g_assert_null (lightly_store_get_score (store, NULL, score, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lightly_store_get_tag (store, ds, leaf, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lightly_store_delete_tag (store, ds, leaf, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Children first, then the parent; the name is free again. */
  g_assert_true (lightly_store_delete_tag (store, ds, child, &error));
  g_assert_no_error (error);
  g_assert_true (lightly_store_delete_tag (store, ds, labeled, &error));
  g_assert_no_error (error);
  again = lightly_store_create_tag (store, ds, "labeled", "0x1", initial, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, !=, labeled);
  {
    g_autoptr(GPtrArray) tags = lightly_store_list_tags (store, ds, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (tags->len, ==, 2);
  }
  g_clear_object (&store);
  test_rm_rf (dir);
}

/* A store's file:// location gives the path GIO's own local VFS gives it
 * (the factory skips the GFile to skip setting up the VFS): host names,
 * escapes, a fragment, "..", and the URIs with no local path. */
static void
test_location_path (void)
{
  const char *uris[] = {
    "file:///a/b", "file://localhost/a/b", "file://host/a/b", "file:a/b", "file:/a/b",
    "FILE:///a%20b", "file:///a/%2F", "file://", "file:///", "file:///a/b?x#y",
    "file:///a/b/../c", "file:///a//b/./c/", "file:///a#", "file:///%23x", "file:///a/b%00c",
    "file:///x/..", "file:///caf%C3%A9/%E2%9C%93", "file:///a%2", NULL
  };

  for (guint i = 0; uris[i] != NULL; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_uri (uris[i]);
      g_autofree char *expected = g_file_get_path (file);
      g_autofree char *path = lightly_backend_location_to_path (uris[i]);

      g_test_message ("%s → %s", uris[i], expected != NULL ? expected : "(none)");
      g_assert_cmpstr (path, ==, expected);
    }
  g_assert_null (lightly_backend_location_to_path ("http://localhost/a"));
  g_assert_null (lightly_backend_location_to_path ("/a/b"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/location-path", test_location_path);
  g_test_add_func ("/store/csv/basic", test_csv_basic);
  g_test_add_func ("/store/csv/numbers", test_csv_numbers);
  g_test_add_func ("/store/csv/errors", test_csv_errors);
  g_test_add_func ("/store/csv/speed", test_csv_speed);
  g_test_add_func ("/store/csv/trickle", test_csv_trickle);
  g_test_add_func ("/store/memory/roundtrip", test_memory_roundtrip);
  g_test_add_func ("/store/disk/roundtrip", test_disk_roundtrip);
  g_test_add_func ("/store/disk/bad-writes-unchanged", test_disk_bad_writes_unchanged);
  g_test_add_func ("/store/disk/orphans", test_disk_orphans);
  g_test_add_func ("/store/disk/delete-tag", test_disk_delete_tag);
  g_test_add_func ("/store/disk/version-too-new", test_disk_version_too_new);
  g_test_add_func ("/store/disk/names-migration", test_disk_names_migration);
  g_test_add_func ("/store/disk/names-rowid", test_disk_names_rowid);
  g_test_add_func ("/store/names-pack-large", test_names_pack_large);
  g_test_add_func ("/store/disk/names-large", test_disk_names_large);
  g_test_add_func ("/store/disk/names-damaged", test_disk_names_damaged);
  g_test_add_func ("/store/disk/tag-heads", test_disk_tag_heads);
  g_test_add_func ("/store/disk/tag-masks-shared", test_disk_tag_masks_shared);
  g_test_add_func ("/store/disk/tag-masks-limit", test_disk_tag_masks_limit);
  g_test_add_func ("/store/disk/tags-index-repaired", test_disk_tags_index_repaired);
  g_test_add_func ("/store/disk/wal-kept", test_disk_wal_kept);
  g_test_add_func ("/store/disk/wal-bounded", test_disk_wal_bounded);
  g_test_add_func ("/store/disk/writer-connection", test_disk_writer_connection);
  g_test_add_func ("/store/disk/matrix-kept", test_disk_matrix_kept);
  g_test_add_func ("/store/disk/owner-exited", test_disk_owner_exited);
  g_test_add_func ("/store/disk/owner-alive", test_disk_owner_alive);
  g_test_add_func ("/store/concurrency/memory", test_concurrency_memory);
  g_test_add_func ("/store/concurrency/disk", test_concurrency_disk);
  g_test_add_func ("/store/push-work", test_push_work);
  g_test_add_func ("/store/wait-job", test_wait_job);
  g_test_add_func ("/store/owned-job-rows", test_owned_job_rows);
  g_test_add_func ("/store/progress-synchronous", test_progress_synchronous);
  return g_test_run ();
}
