/* test-embeddings-bytes.c: lightly_api_workflow_client_upload_embeddings_from_bytes*()
 *
 * Embeddings from memory must store what the same matrix as a CSV stores
 * (byte for byte, so the same selection follows) without a CSV in between
 * for the local store, and refuse
 * malformed input with LIGHTLY_ERROR_EMBEDDING_INVALID, storing nothing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>
#include <lightly/lightly.h>

#include "test-utils.h"
#include "store/lightly-embeddings-csv.h"
#include "store/lightly-store.h"

#define N 40
#define DIM 5

typedef struct {
  char *dir;
  LightlyApiWorkflowClient *client;
  char *names[N + 1];
  float matrix[N * DIM];
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) csv = g_string_new ("filenames,embedding_0\n");
  g_autoptr(GBytes) csv_bytes = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *id = NULL;

  f->dir = test_make_tmp_dir ("lightly-emb-bytes-");
  uri = g_filename_to_uri (f->dir, NULL, NULL);
  f->client = lightly_api_workflow_client_new (uri, NULL, NULL, &error);
  g_assert_no_error (error);
  id = lightly_api_workflow_client_create_dataset (f->client, "bytes", NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < N; i++)
    {
      f->names[i] = g_strdup_printf ("img-%02u.png", i);
      g_string_append_printf (csv, "%s,0\n", f->names[i]);
      for (guint j = 0; j < DIM; j++)
        f->matrix[i * DIM + j] = (float) sin (i * 1.7 + j * 0.3) * (1.0f + j) / 3.0f;
    }
  csv_bytes = g_string_free_to_bytes (g_steal_pointer (&csv));
  in = g_memory_input_stream_new_from_bytes (csv_bytes);
  lightly_api_workflow_client_register_samples (f->client, in, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  for (guint i = 0; i < N; i++)
    g_free (f->names[i]);
  test_rm_rf (f->dir);
  g_free (f->dir);
}

static char *
coreset_bits (Fixture *f, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlySamplerConfig) config = g_object_new (LIGHTLY_TYPE_SAMPLER_CONFIG,
                                                         "method", LIGHTLY_SAMPLING_METHOD_CORESET,
                                                         "n-samples", 6, "name", name, NULL);
  g_autoptr(LightlyTag) tag = lightly_api_workflow_client_sampling (f->client, config, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  return g_strdup (lightly_tag_get_bit_mask_data (tag));
}

static GBytes *
read_file (const char *dir, const char *sub, const char *id, const char *ext)
{
  g_autofree char *base = g_strconcat (id, ext, NULL);
  g_autofree char *path = g_build_filename (dir, sub, base, NULL);
  char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  return g_bytes_new_take (data, len);
}

/* The local store got the matrix, not a CSV: no csv/<id>.csv, the same
 * normalised rows as the CSV upload, and a CSV written on demand from them
 * that parses back to exactly those rows. */
static void
check_stored (Fixture *f, const char *csv_id, const char *bytes_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) csv_f32 = read_file (f->dir, "embeddings", csv_id, ".f32");
  g_autoptr(GBytes) bytes_f32 = read_file (f->dir, "embeddings", bytes_id, ".f32");
  g_autoptr(GBytes) no_csv = read_file (f->dir, "csv", bytes_id, ".csv");
  g_autoptr(LightlyStore) store = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(LightlyEmbeddingsCsv) back = NULL;
  gsize size = 0;
  const float *rows;

  g_assert_nonnull (csv_f32);
  g_assert_nonnull (bytes_f32);
  g_assert_true (g_bytes_equal (csv_f32, bytes_f32));
  g_assert_null (no_csv);

  store = lightly_store_open (f->dir, &error);
  g_assert_no_error (error);
  in = lightly_store_read_embedding_csv (store, bytes_id, &error);
  g_assert_no_error (error);
  back = lightly_embeddings_csv_parse (in, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->n_rows, ==, N);
  g_assert_cmpuint (back->dim, ==, DIM);
  rows = g_bytes_get_data (bytes_f32, &size);
  g_assert_cmpuint (size, ==, sizeof (float) * N * DIM);
  g_assert_cmpmem (back->matrix, sizeof (float) * N * DIM, rows, size);
  for (guint i = 0; i < N; i++)
    g_assert_cmpstr (back->names[i], ==, f->names[i]);
}

/* The same in a memory store (no folder): the matrix is kept, the CSV is
 * written from it when read, and a row set that is not the dataset's
 * samples is refused with nothing stored. */
static void
test_memory_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStore) store = lightly_store_open (NULL, &error);
  const char *names[] = { "b.png", "a.png", NULL };
  const char *wrong[] = { "a.png", "c.png", NULL };
  const float rows[] = { 3, 4, 0, 2 };   /* b = (3, 4), a = (0, 2) */
  const float want[] = { 0, 1, 0.6f, 0.8f };   /* sample order a, b; unit length */
  g_autofree char *dataset_id = NULL, *id = NULL, *bad_id = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(LightlyEmbeddingsCsv) back = NULL;
  g_autoptr(GPtrArray) list = NULL;

  g_assert_no_error (error);
  dataset_id = lightly_store_create_dataset (store, "mem", &error);
  g_assert_no_error (error);
  g_assert_true (lightly_store_add_samples (store, dataset_id, (const char * const[]) { "a.png", "b.png", NULL },
                                            -1, &error));
  g_assert_no_error (error);
  bad_id = lightly_store_add_embedding_matrix (store, dataset_id, "bad", wrong, rows, 2, 2, NULL, &error);
  g_assert_null (bad_id);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  id = lightly_store_add_embedding_matrix (store, dataset_id, "m", names, rows, 2, 2, NULL, &error);
  g_assert_no_error (error);
  list = lightly_store_list_embeddings (store, dataset_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  in = lightly_store_read_embedding_csv (store, id, &error);
  g_assert_no_error (error);
  back = lightly_embeddings_csv_parse (in, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->n_rows, ==, 2);
  g_assert_cmpstr (back->names[0], ==, "a.png");
  g_assert_cmpstr (back->names[1], ==, "b.png");
  for (guint i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (back->matrix[i], want[i], 1e-7);
}

/* The matrix from memory and the same matrix as a CSV give the same picks. */
static void
test_same_as_csv (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) csv = g_string_new ("filenames");
  g_autoptr(GBytes) csv_bytes = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (f->matrix, sizeof f->matrix);
  g_autofree char *csv_id = NULL, *bytes_id = NULL, *csv_bits = NULL, *bytes_bits = NULL;

  for (guint j = 0; j < DIM; j++)
    g_string_append_printf (csv, ",embedding_%u", j);
  g_string_append (csv, "\n");
  for (guint i = 0; i < N; i++)
    {
      g_string_append (csv, f->names[i]);
      for (guint j = 0; j < DIM; j++)
        g_string_append_printf (csv, ",%.9g", (double) f->matrix[i * DIM + j]);
      g_string_append (csv, "\n");
    }
  csv_bytes = g_string_free_to_bytes (g_steal_pointer (&csv));
  in = g_memory_input_stream_new_from_bytes (csv_bytes);
  csv_id = lightly_api_workflow_client_upload_embeddings (f->client, in, "csv", NULL, &error);
  g_assert_no_error (error);
  csv_bits = coreset_bits (f, "from-csv");

  bytes_id = lightly_api_workflow_client_upload_embeddings_from_bytes (f->client, (const char * const *) f->names,
                                                                       bytes, N, DIM, "bytes", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bytes_id);
  g_assert_cmpstr (lightly_api_workflow_client_get_embedding_id (f->client), ==, bytes_id);
  g_assert_cmpstr (bytes_id, !=, csv_id);
  bytes_bits = coreset_bits (f, "from-bytes");
  g_assert_cmpstr (bytes_bits, ==, csv_bits);
  check_stored (f, csv_id, bytes_id);
}

/* From a pointer (read in place, or copied when misaligned): the same
 * stored rows as from GBytes, and the same refusals. */
static void
test_from_data (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (f->matrix, sizeof f->matrix);
  g_autofree guint8 *shifted = g_malloc (sizeof f->matrix + 1);
  g_autofree char *ref_id = NULL, *aligned_id = NULL, *misaligned_id = NULL, *bad_id = NULL;
  g_autoptr(GBytes) ref = NULL, aligned = NULL, misaligned = NULL;

  memcpy (shifted + 1, f->matrix, sizeof f->matrix);
  ref_id = lightly_api_workflow_client_upload_embeddings_from_bytes (f->client, (const char * const *) f->names,
                                                                     bytes, N, DIM, "ref", NULL, &error);
  g_assert_no_error (error);
  aligned_id = lightly_api_workflow_client_upload_embeddings_from_data (f->client, (const char * const *) f->names,
                                                                        (const guint8 *) f->matrix, sizeof f->matrix,
                                                                        N, DIM, "aligned", NULL, &error);
  g_assert_no_error (error);
  misaligned_id = lightly_api_workflow_client_upload_embeddings_from_data (f->client,
                                                                           (const char * const *) f->names,
                                                                           shifted + 1, sizeof f->matrix,
                                                                           N, DIM, "misaligned", NULL, &error);
  g_assert_no_error (error);
  ref = read_file (f->dir, "embeddings", ref_id, ".f32");
  aligned = read_file (f->dir, "embeddings", aligned_id, ".f32");
  misaligned = read_file (f->dir, "embeddings", misaligned_id, ".f32");
  g_assert_nonnull (ref);
  g_assert_true (g_bytes_equal (ref, aligned));
  g_assert_true (g_bytes_equal (ref, misaligned));

  bad_id = lightly_api_workflow_client_upload_embeddings_from_data (f->client, (const char * const *) f->names,
                                                                    (const guint8 *) f->matrix, sizeof f->matrix - 4,
                                                                    N, DIM, "short", NULL, &error);
  g_assert_null (bad_id);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EMBEDDING_INVALID);
}

static void
upload_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  g_autofree char *id = lightly_api_workflow_client_upload_embeddings_from_bytes_finish (
    LIGHTLY_API_WORKFLOW_CLIENT (source), result, error);

  g_assert_true ((id != NULL) == (*error == NULL));
}

static void
expect_invalid (Fixture *f, const char * const *names, GBytes *bytes, gsize rows, gsize dim,
                const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = lightly_api_workflow_client_upload_embeddings_from_bytes (f->client, names, bytes, rows, dim,
                                                                                  "bad", NULL, &error);

  g_assert_null (id);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EMBEDDING_INVALID);
  if (strstr (error->message, needle) == NULL)
    g_error ("“%s” does not say “%s”", error->message, needle);
}

static void
test_refusals (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) good = g_bytes_new (f->matrix, sizeof f->matrix);
  g_autoptr(GBytes) short_bytes = g_bytes_new (f->matrix, sizeof f->matrix - 4);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) nan_bytes = NULL;
  g_autoptr(GBytes) inf_bytes = NULL;
  const char *no_names[] = { NULL };
  float bad[N * DIM];
  GError *error = NULL;

  expect_invalid (f, (const char * const *) f->names, short_bytes, N, DIM, "bytes");
  expect_invalid (f, (const char * const *) f->names, good, N, DIM + 1, "bytes");
  expect_invalid (f, no_names, empty, 0, DIM, "at least one row");
  expect_invalid (f, (const char * const *) f->names + 1, good, N, DIM, "one file name per row");
  {
    char *saved = f->names[5];

    f->names[5] = (char *) "a,b.png";
    expect_invalid (f, (const char * const *) f->names, good, N, DIM, "comma");
    f->names[5] = saved;
  }
  memcpy (bad, f->matrix, sizeof bad);
  bad[12 * DIM + 2] = NAN;
  nan_bytes = g_bytes_new (bad, sizeof bad);
  expect_invalid (f, (const char * const *) f->names, nan_bytes, N, DIM, "row 12");
  bad[12 * DIM + 2] = INFINITY;
  inf_bytes = g_bytes_new (bad, sizeof bad);
  expect_invalid (f, (const char * const *) f->names, inf_bytes, N, DIM, "infinite");
  g_assert_null (lightly_api_workflow_client_get_embedding_id (f->client));

  /* The async form reports the same refusal through its callback. */
  lightly_api_workflow_client_upload_embeddings_from_bytes_async (f->client, (const char * const *) f->names,
                                                                  nan_bytes, N, DIM, "bad", NULL,
                                                                  upload_done, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EMBEDDING_INVALID);
  g_clear_error (&error);

  /* Nothing was stored by any refusal: the name "bad" is still free. */
  {
    g_autofree char *id = lightly_api_workflow_client_upload_embeddings_from_bytes (
      f->client, (const char * const *) f->names, good, N, DIM, "bad", NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (id);
  }
}

/* Samples from a list of names: the same order back, the same refusals. */
static void
test_register_names (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id G_GNUC_UNUSED = lightly_api_workflow_client_create_dataset (f->client, "names", NULL, &error);
  const char *bad[] = { "ok.png", "a,b.png", NULL };
  const char *none[] = { NULL };
  g_auto(GStrv) back = NULL;

  g_assert_no_error (error);
  g_assert_false (lightly_api_workflow_client_register_samples_from_names (f->client, bad, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EMBEDDING_INVALID);
  g_clear_error (&error);
  g_assert_false (lightly_api_workflow_client_register_samples_from_names (f->client, none, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  lightly_api_workflow_client_register_samples_from_names (f->client, (const char * const *) f->names,
                                                           NULL, &error);
  g_assert_no_error (error);
  back = lightly_api_workflow_client_get_file_names (f->client, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_equal ((const char * const *) back, (const char * const *) f->names));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/embeddings-bytes/same-as-csv", Fixture, NULL, fixture_setup, test_same_as_csv, fixture_teardown);
  g_test_add_func ("/embeddings-bytes/memory-store", test_memory_store);
  g_test_add ("/embeddings-bytes/from-data", Fixture, NULL, fixture_setup, test_from_data, fixture_teardown);
  g_test_add ("/embeddings-bytes/refusals", Fixture, NULL, fixture_setup, test_refusals, fixture_teardown);
  g_test_add ("/embeddings-bytes/register-names", Fixture, NULL, fixture_setup, test_register_names,
              fixture_teardown);
  return g_test_run ();
}
