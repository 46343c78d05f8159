/* test-models.c: the immutable model types (tag, job, query result, dataset, embedding) */
#include <lightly/lightly.h>
#include "lightly/lightly-dataset-private.h"
#include "lightly/lightly-embedding-private.h"
#include "lightly/lightly-job-private.h"
#include "lightly/lightly-query-result-private.h"
#include "lightly/lightly-tag-private.h"

/* Every property of @type is readable and none can be written, and the
 * class has exactly the properties in @names (so a new property cannot
 * slip in untested). */
static void
assert_read_only_properties (GType               type,
                             const char * const *names)
{
  g_autoptr(GTypeClass) klass = g_type_class_ref (type);
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs = 0;

  pspecs = g_object_class_list_properties (G_OBJECT_CLASS (klass), &n_pspecs);
  g_assert_cmpuint (n_pspecs, ==, g_strv_length ((char **) names));
  for (guint i = 0; names[i] != NULL; i++)
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), names[i]);

      g_assert_nonnull (pspec);
      g_assert_true (pspec->flags & G_PARAM_READABLE);
      g_assert_false (pspec->flags & G_PARAM_WRITABLE);
      g_assert_false (pspec->flags & (G_PARAM_CONSTRUCT | G_PARAM_CONSTRUCT_ONLY));
    }
}

static void
test_tag_getters (void)
{
  g_autoptr(LightlyTag) tag = NULL;
  g_autofree char *id = NULL, *dataset_id = NULL, *name = NULL, *bits = NULL;
  g_autofree char *prev = NULL, *query = NULL, *presel = NULL, *creator = NULL;
  guint tot_size = 0, count = 0;
  gint64 created_at = 0;
  char buf[] = "0x5";

  tag = lightly_tag_new_internal ("t1", "d1", "round-1", g_ref_string_new (buf), 3, "t0", "tq", "tp",
                                  "SAMPLER_CORAL", G_GINT64_CONSTANT (1638316800123));
  /* The constructor copies: changing the caller's buffer changes nothing. */
  buf[2] = '7';

  g_assert_true (LIGHTLY_IS_TAG (tag));
  g_assert_cmpstr (lightly_tag_get_id (tag), ==, "t1");
  g_assert_cmpstr (lightly_tag_get_dataset_id (tag), ==, "d1");
  g_assert_cmpstr (lightly_tag_get_name (tag), ==, "round-1");
  g_assert_cmpstr (lightly_tag_get_bit_mask_data (tag), ==, "0x5");
  g_assert_cmpuint (lightly_tag_get_tot_size (tag), ==, 3);
  g_assert_cmpstr (lightly_tag_get_prev_tag_id (tag), ==, "t0");
  g_assert_cmpstr (lightly_tag_get_query_tag_id (tag), ==, "tq");
  g_assert_cmpstr (lightly_tag_get_preselected_tag_id (tag), ==, "tp");
  g_assert_cmpstr (lightly_tag_get_creator (tag), ==, "SAMPLER_CORAL");
  g_assert_cmpint (lightly_tag_get_created_at (tag), ==, G_GINT64_CONSTANT (1638316800123));
  g_assert_cmpuint (lightly_tag_get_count (tag), ==, 2);

  g_object_get (tag,
                "id", &id, "dataset-id", &dataset_id, "name", &name, "bit-mask-data", &bits,
                "tot-size", &tot_size, "prev-tag-id", &prev, "query-tag-id", &query,
                "preselected-tag-id", &presel, "creator", &creator, "created-at", &created_at,
                "count", &count, NULL);
  g_assert_cmpstr (id, ==, "t1");
  g_assert_cmpstr (dataset_id, ==, "d1");
  g_assert_cmpstr (name, ==, "round-1");
  g_assert_cmpstr (bits, ==, "0x5");
  g_assert_cmpuint (tot_size, ==, 3);
  g_assert_cmpstr (prev, ==, "t0");
  g_assert_cmpstr (query, ==, "tq");
  g_assert_cmpstr (presel, ==, "tp");
  g_assert_cmpstr (creator, ==, "SAMPLER_CORAL");
  g_assert_cmpint (created_at, ==, G_GINT64_CONSTANT (1638316800123));
  g_assert_cmpuint (count, ==, 2);
}

static void
test_tag_nullable (void)
{
  g_autoptr(LightlyTag) tag = NULL;
  g_autofree char *prev = NULL, *query = NULL, *presel = NULL, *creator = NULL;

  tag = lightly_tag_new_internal ("t0", "d1", "initial-tag", g_ref_string_new ("0x0"), 0, NULL, NULL, NULL, NULL, 0);
  g_assert_null (lightly_tag_get_prev_tag_id (tag));
  g_assert_null (lightly_tag_get_query_tag_id (tag));
  g_assert_null (lightly_tag_get_preselected_tag_id (tag));
  g_assert_null (lightly_tag_get_creator (tag));
  g_assert_cmpuint (lightly_tag_get_count (tag), ==, 0);

  g_object_get (tag, "prev-tag-id", &prev, "query-tag-id", &query,
                "preselected-tag-id", &presel, "creator", &creator, NULL);
  g_assert_null (prev);
  g_assert_null (query);
  g_assert_null (presel);
  g_assert_null (creator);
}

static guint
count_of (const char *hex)
{
  g_autoptr(LightlyTag) tag = lightly_tag_new_internal ("t", "d", "n", hex != NULL ? g_ref_string_new (hex) : NULL, 0, NULL, NULL, NULL, NULL, 0);

  return lightly_tag_get_count (tag);
}

static void
test_tag_count (void)
{
  const guint n_bits = 5678;
  g_autoptr(GString) full = g_string_new ("0x");
  g_autoptr(GString) sparse = g_string_new ("0x");
  guint expected_sparse = 0;

  g_assert_cmpuint (count_of ("0x0"), ==, 0);
  g_assert_cmpuint (count_of ("0x5"), ==, 2);
  g_assert_cmpuint (count_of ("0x1"), ==, 1);
  g_assert_cmpuint (count_of ("0xf"), ==, 4);
  g_assert_cmpuint (count_of ("0xff00ff"), ==, 16);
  g_assert_cmpuint (count_of ("0x8000000000000000000000000000000001"), ==, 2);
  /* Not canonical, but a count that ignores the case costs nothing. */
  g_assert_cmpuint (count_of ("0xFF"), ==, 8);
  g_assert_cmpuint (count_of (NULL), ==, 0);

  /* All 5,678 bits: the top digit holds 5678 mod 4 = 2 bits. */
  g_string_append_c (full, '3');
  for (guint i = 0; i < n_bits / 4; i++)
    g_string_append_c (full, 'f');
  g_assert_cmpuint (count_of (full->str), ==, n_bits);

  /* Bits i with i % 3 == 0 or i % 7 == 5, written most significant digit first. */
  for (gint digit = (gint) ((n_bits + 3) / 4) - 1; digit >= 0; digit--)
    {
      guint value = 0;

      for (guint b = 0; b < 4; b++)
        {
          guint i = (guint) digit * 4 + b;

          if (i < n_bits && (i % 3 == 0 || i % 7 == 5))
            {
              value |= 1u << b;
              expected_sparse++;
            }
        }
      g_string_append_c (sparse, "0123456789abcdef"[value]);
    }
  g_assert_cmpuint (expected_sparse, >, 2000);
  g_assert_cmpuint (count_of (sparse->str), ==, expected_sparse);
}

static void
test_tag_properties (void)
{
  const char * const names[] = { "id", "dataset-id", "name", "bit-mask-data", "tot-size",
    "prev-tag-id", "query-tag-id", "preselected-tag-id", "creator", "created-at", "count", NULL };

  assert_read_only_properties (LIGHTLY_TYPE_TAG, names);
  g_assert_true (G_TYPE_IS_FINAL (LIGHTLY_TYPE_TAG));
}

static void
test_job_status (void)
{
  LightlyJobStatus status = LIGHTLY_JOB_STATUS_RUNNING;
  g_autoptr(GEnumClass) klass = g_type_class_ref (LIGHTLY_TYPE_JOB_STATUS);

  g_assert_cmpstr (lightly_job_status_to_string (LIGHTLY_JOB_STATUS_UNKNOWN), ==, "UNKNOWN");
  g_assert_cmpstr (lightly_job_status_to_string (LIGHTLY_JOB_STATUS_WAITING), ==, "WAITING");
  g_assert_cmpstr (lightly_job_status_to_string (LIGHTLY_JOB_STATUS_RUNNING), ==, "RUNNING");
  g_assert_cmpstr (lightly_job_status_to_string (LIGHTLY_JOB_STATUS_FINISHED), ==, "FINISHED");
  g_assert_cmpstr (lightly_job_status_to_string (LIGHTLY_JOB_STATUS_FAILED), ==, "FAILED");
  g_assert_null (lightly_job_status_to_string ((LightlyJobStatus) 42));
  g_assert_cmpuint (klass->n_values, ==, 5);
  g_assert_cmpstr (g_enum_get_value (klass, LIGHTLY_JOB_STATUS_FINISHED)->value_nick, ==, "finished");

  g_assert_true (lightly_job_status_parse ("FINISHED", &status));
  g_assert_cmpint (status, ==, LIGHTLY_JOB_STATUS_FINISHED);
  g_assert_true (lightly_job_status_parse ("waiting", &status));
  g_assert_cmpint (status, ==, LIGHTLY_JOB_STATUS_WAITING);
  g_assert_false (lightly_job_status_parse ("PAUSED", &status));
  g_assert_cmpint (status, ==, LIGHTLY_JOB_STATUS_UNKNOWN);
  status = LIGHTLY_JOB_STATUS_RUNNING;
  g_assert_false (lightly_job_status_parse (NULL, &status));
  g_assert_cmpint (status, ==, LIGHTLY_JOB_STATUS_UNKNOWN);
}

static void
test_job_getters (void)
{
  g_autoptr(LightlyJob) job = NULL;
  g_autofree char *id = NULL, *error = NULL, *result = NULL;
  LightlyJobStatus status = LIGHTLY_JOB_STATUS_UNKNOWN;
  guint64 processed = 0, total = 0;
  gint64 created_at = 0, finished_at = 0;
  gint wait = 0;

  job = lightly_job_new_internal ("j1", LIGHTLY_JOB_STATUS_FINISHED,
                                  G_GUINT64_CONSTANT (5000000000), G_GUINT64_CONSTANT (6000000000),
                                  NULL, "t9", 1000, 2000, 3);
  g_assert_cmpstr (lightly_job_get_id (job), ==, "j1");
  g_assert_cmpint (lightly_job_get_status (job), ==, LIGHTLY_JOB_STATUS_FINISHED);
  g_assert_cmpuint (lightly_job_get_processed (job), ==, G_GUINT64_CONSTANT (5000000000));
  g_assert_cmpuint (lightly_job_get_total (job), ==, G_GUINT64_CONSTANT (6000000000));
  g_assert_null (lightly_job_get_error (job));
  g_assert_cmpstr (lightly_job_get_result_tag_id (job), ==, "t9");
  g_assert_cmpint (lightly_job_get_created_at (job), ==, 1000);
  g_assert_cmpint (lightly_job_get_finished_at (job), ==, 2000);
  g_assert_cmpint (lightly_job_get_wait_time_till_next_poll (job), ==, 3);
  g_assert_true (lightly_job_is_done (job));

  g_object_get (job, "id", &id, "status", &status, "processed", &processed, "total", &total,
                "error", &error, "result-tag-id", &result, "created-at", &created_at,
                "finished-at", &finished_at, "wait-time-till-next-poll", &wait, NULL);
  g_assert_cmpstr (id, ==, "j1");
  g_assert_cmpint (status, ==, LIGHTLY_JOB_STATUS_FINISHED);
  g_assert_cmpuint (processed, ==, G_GUINT64_CONSTANT (5000000000));
  g_assert_cmpuint (total, ==, G_GUINT64_CONSTANT (6000000000));
  g_assert_null (error);
  g_assert_cmpstr (result, ==, "t9");
  g_assert_cmpint (created_at, ==, 1000);
  g_assert_cmpint (finished_at, ==, 2000);
  g_assert_cmpint (wait, ==, 3);
}

static void
test_job_done (void)
{
  static const struct { LightlyJobStatus status; gboolean done; } cases[] = {
    { LIGHTLY_JOB_STATUS_UNKNOWN, FALSE },
    { LIGHTLY_JOB_STATUS_WAITING, FALSE },
    { LIGHTLY_JOB_STATUS_RUNNING, FALSE },
    { LIGHTLY_JOB_STATUS_FINISHED, TRUE },
    { LIGHTLY_JOB_STATUS_FAILED, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LightlyJob) job = lightly_job_new_internal ("j", cases[i].status, 0, 0,
                                                            "owner exited", NULL, 1, 0, 1);

      g_assert_cmpint (lightly_job_is_done (job), ==, cases[i].done);
      g_assert_cmpstr (lightly_job_get_error (job), ==, "owner exited");
      g_assert_null (lightly_job_get_result_tag_id (job));
      g_assert_cmpint (lightly_job_get_finished_at (job), ==, 0);
    }
}

static void
test_job_properties (void)
{
  const char * const names[] = { "id", "status", "processed", "total", "error", "result-tag-id",
    "created-at", "finished-at", "wait-time-till-next-poll", NULL };
  g_autoptr(GTypeClass) klass = g_type_class_ref (LIGHTLY_TYPE_JOB);

  assert_read_only_properties (LIGHTLY_TYPE_JOB, names);
  g_assert_true (G_TYPE_IS_FINAL (LIGHTLY_TYPE_JOB));
  g_assert_true (g_object_class_find_property (G_OBJECT_CLASS (klass), "status")->value_type ==
                 LIGHTLY_TYPE_JOB_STATUS);
}

static void
test_query_result (void)
{
  g_autoptr(LightlyTag) tag = lightly_tag_new_internal ("t2", "d", "round-2", g_ref_string_new ("0x6"), 3, "t0",
                                                        "t0", "t1", "SAMPLER_CORESET", 5);
  char *names[] = { g_strdup ("b.png"), g_strdup ("c.png"), NULL };
  g_autoptr(LightlyQueryResult) result = NULL;
  g_autoptr(LightlyTag) got_tag = NULL;
  g_auto(GStrv) added = NULL;
  gboolean skipped = TRUE;
  LightlySamplingMethod method = LIGHTLY_SAMPLING_METHOD_AUTO;
  guint batch_size = 0, total = 0;
  const char * const *got;

  result = lightly_query_result_new_internal (FALSE, LIGHTLY_SAMPLING_METHOD_TYPICLUST, tag,
                                              (const char * const *) names, 3,
                                              "TYPICLUST: cold start");
  /* Copies the list and refs the tag. */
  g_free (names[0]);
  g_free (names[1]);
  g_clear_object (&tag);

  g_assert_false (lightly_query_result_get_skipped (result));
  g_assert_cmpstr (lightly_tag_get_name (lightly_query_result_get_tag (result)), ==, "round-2");
  got = lightly_query_result_get_added (result);
  g_assert_nonnull (got);
  g_assert_cmpuint (g_strv_length ((char **) got), ==, 2);
  g_assert_cmpstr (got[0], ==, "b.png");
  g_assert_cmpstr (got[1], ==, "c.png");

  g_object_get (result, "skipped", &skipped, "tag", &got_tag, "added", &added, NULL);
  g_assert_false (skipped);
  g_assert_true (got_tag == lightly_query_result_get_tag (result));
  g_assert_cmpuint (g_strv_length (added), ==, 2);
  g_assert_cmpstr (added[0], ==, "b.png");
  g_assert_cmpstr (added[1], ==, "c.png");

  /* What the query meant: AUTO's resolution, the batch and the new total. */
  g_assert_cmpint (lightly_query_result_get_method (result), ==, LIGHTLY_SAMPLING_METHOD_TYPICLUST);
  g_assert_cmpuint (lightly_query_result_get_batch_size (result), ==, 2);
  g_assert_cmpuint (lightly_query_result_get_total (result), ==, 3);
  g_object_get (result, "method", &method, "batch-size", &batch_size, "total", &total, NULL);
  g_assert_cmpint (method, ==, LIGHTLY_SAMPLING_METHOD_TYPICLUST);
  g_assert_cmpuint (batch_size, ==, 2);
  g_assert_cmpuint (total, ==, 3);
  g_assert_cmpstr (lightly_query_result_get_reason (result), ==, "TYPICLUST: cold start");
}

static void
test_query_result_skipped (void)
{
  g_autoptr(LightlyQueryResult) result = lightly_query_result_new_internal (TRUE, LIGHTLY_SAMPLING_METHOD_AUTO,
                                                                            NULL, NULL, 7, NULL);
  g_autoptr(LightlyTag) tag = NULL;
  g_auto(GStrv) added = NULL;
  gboolean skipped = FALSE;
  const char * const *got;
  const char * const empty[] = { NULL };
  g_autoptr(LightlyQueryResult) result2 = lightly_query_result_new_internal (FALSE, LIGHTLY_SAMPLING_METHOD_CORESET,
                                                                             NULL, empty, 0, NULL);

  g_assert_true (lightly_query_result_get_skipped (result));
  g_assert_null (lightly_query_result_get_tag (result));
  got = lightly_query_result_get_added (result);
  g_assert_nonnull (got);
  g_assert_null (got[0]);
  /* A skipped query ran nothing and keeps the labeled set. */
  g_assert_cmpint (lightly_query_result_get_method (result), ==, LIGHTLY_SAMPLING_METHOD_AUTO);
  g_assert_cmpuint (lightly_query_result_get_batch_size (result), ==, 0);
  g_assert_cmpuint (lightly_query_result_get_total (result), ==, 7);
  g_assert_null (lightly_query_result_get_reason (result));

  g_object_get (result, "skipped", &skipped, "tag", &tag, "added", &added, NULL);
  g_assert_true (skipped);
  g_assert_null (tag);
  g_assert_nonnull (added);
  g_assert_cmpuint (g_strv_length (added), ==, 0);

  g_assert_nonnull (lightly_query_result_get_added (result2));
  g_assert_null (lightly_query_result_get_added (result2)[0]);
}

static void
test_query_result_properties (void)
{
  const char * const names[] = { "skipped", "tag", "added", "method", "batch-size", "total", "reason", NULL };
  g_autoptr(GTypeClass) klass = g_type_class_ref (LIGHTLY_TYPE_QUERY_RESULT);

  assert_read_only_properties (LIGHTLY_TYPE_QUERY_RESULT, names);
  g_assert_true (G_TYPE_IS_FINAL (LIGHTLY_TYPE_QUERY_RESULT));
  g_assert_true (g_object_class_find_property (G_OBJECT_CLASS (klass), "tag")->value_type ==
                 LIGHTLY_TYPE_TAG);
  g_assert_true (g_object_class_find_property (G_OBJECT_CLASS (klass), "added")->value_type ==
                 G_TYPE_STRV);
}

static void
test_dataset (void)
{
  const char * const names[] = { "id", "name", "n-samples", "created-at", "last-modified-at", NULL };
  g_autoptr(LightlyDataset) dataset = NULL;
  g_autofree char *id = NULL, *name = NULL;
  guint n_samples = 0;
  gint64 created_at = 0, last_modified_at = 0;

  dataset = lightly_dataset_new_internal ("d1", "fashion-mnist", 20000,
                                          G_GINT64_CONSTANT (1638316800000),
                                          G_GINT64_CONSTANT (1638316900000));
  g_assert_cmpstr (lightly_dataset_get_id (dataset), ==, "d1");
  g_assert_cmpstr (lightly_dataset_get_name (dataset), ==, "fashion-mnist");
  g_assert_cmpuint (lightly_dataset_get_n_samples (dataset), ==, 20000);
  g_assert_cmpint (lightly_dataset_get_created_at (dataset), ==, G_GINT64_CONSTANT (1638316800000));
  g_assert_cmpint (lightly_dataset_get_last_modified_at (dataset), ==, G_GINT64_CONSTANT (1638316900000));

  g_object_get (dataset, "id", &id, "name", &name, "n-samples", &n_samples,
                "created-at", &created_at, "last-modified-at", &last_modified_at, NULL);
  g_assert_cmpstr (id, ==, "d1");
  g_assert_cmpstr (name, ==, "fashion-mnist");
  g_assert_cmpuint (n_samples, ==, 20000);
  g_assert_cmpint (created_at, ==, G_GINT64_CONSTANT (1638316800000));
  g_assert_cmpint (last_modified_at, ==, G_GINT64_CONSTANT (1638316900000));

  assert_read_only_properties (LIGHTLY_TYPE_DATASET, names);
  g_assert_true (G_TYPE_IS_FINAL (LIGHTLY_TYPE_DATASET));
}

static void
test_embedding (void)
{
  const char * const names[] = { "id", "name", "is-processed", "created-at", NULL };
  g_autoptr(LightlyEmbedding) embedding = NULL;
  g_autoptr(LightlyEmbedding) pending = NULL;
  g_autofree char *id = NULL, *name = NULL;
  gboolean is_processed = FALSE;
  gint64 created_at = 0;

  embedding = lightly_embedding_new_internal ("e1", "default", TRUE, 77);
  g_assert_cmpstr (lightly_embedding_get_id (embedding), ==, "e1");
  g_assert_cmpstr (lightly_embedding_get_name (embedding), ==, "default");
  g_assert_true (lightly_embedding_get_is_processed (embedding));
  g_assert_cmpint (lightly_embedding_get_created_at (embedding), ==, 77);

  g_object_get (embedding, "id", &id, "name", &name, "is-processed", &is_processed,
                "created-at", &created_at, NULL);
  g_assert_cmpstr (id, ==, "e1");
  g_assert_cmpstr (name, ==, "default");
  g_assert_true (is_processed);
  g_assert_cmpint (created_at, ==, 77);

  pending = lightly_embedding_new_internal ("e2", "pca64", FALSE, 78);
  g_assert_false (lightly_embedding_get_is_processed (pending));

  assert_read_only_properties (LIGHTLY_TYPE_EMBEDDING, names);
  g_assert_true (G_TYPE_IS_FINAL (LIGHTLY_TYPE_EMBEDDING));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tag/getters", test_tag_getters);
  g_test_add_func ("/tag/nullable", test_tag_nullable);
  g_test_add_func ("/tag/count", test_tag_count);
  g_test_add_func ("/tag/properties", test_tag_properties);
  g_test_add_func ("/job/status", test_job_status);
  g_test_add_func ("/job/getters", test_job_getters);
  g_test_add_func ("/job/done", test_job_done);
  g_test_add_func ("/job/properties", test_job_properties);
  g_test_add_func ("/query-result/getters", test_query_result);
  g_test_add_func ("/query-result/skipped", test_query_result_skipped);
  g_test_add_func ("/query-result/properties", test_query_result_properties);
  g_test_add_func ("/dataset/all", test_dataset);
  g_test_add_func ("/embedding/all", test_embedding);
  return g_test_run ();
}
