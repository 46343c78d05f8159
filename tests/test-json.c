/* test-json.c: the streaming array codec and the shared model table */
#include <lightly/lightly.h>

#include <math.h>
#include <string.h>

#include "backend/lightly-json-array.h"
#include "backend/lightly-json-models.h"

static void
test_string_roundtrip (void)
{
  const char *names[] = { "plain.png", "with \"quotes\"", "back\\slash", "tab\there", "new\nline",
                          "ctrl\x01", "ünïcödé/日本.jpg", "emoji 😀", "", NULL };
  GString *json = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) back = NULL;
  gsize n = 0;

  lightly_json_append_string_array (json, names, -1);
  back = lightly_json_parse_string_array (json->str, json->len, "test", &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, g_strv_length ((char **) names));
  for (guint i = 0; names[i] != NULL; i++)
    g_assert_cmpstr (back[i], ==, names[i]);

  /* json-glib reads what we write. */
  {
    g_autoptr(JsonNode) node = lightly_json_parse (json->str, json->len, "test", LIGHTLY_ERROR_INVALID_INPUT, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (json_array_get_string_element (json_node_get_array (node), 5), ==, "ctrl\x01");
  }
  g_string_free (json, TRUE);
}

static void
test_double_roundtrip (void)
{
  const double values[] = { 0, 1, -1, 0.1, 1.0 / 3.0, 1e-300, -2.5e300, 123456789012345.0, 0.30000000000000004,
                            G_MAXDOUBLE, G_MINDOUBLE, 4503599627370497.0 };
  GString *json = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree double *back = NULL;
  gsize n = 0;

  lightly_json_append_double_array (json, values, G_N_ELEMENTS (values));
  back = lightly_json_parse_double_array (json->str, json->len, "test", &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (values));
  for (guint i = 0; i < n; i++)
    g_assert_true (back[i] == values[i]);
  g_assert_nonnull (strstr (json->str, "[0,1,-1,0.1,0.33333333333333331,"));
  g_string_free (json, TRUE);
}

static void
test_scanner_errors (void)
{
  static const char * const bad[] = {
    "", "[", "[1,]", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[1e999]", "[NaN]", "[Infinity]",
    "[\"a\"]", "[1] x", "{}", "[1 2]",
  };
  static const char * const bad_strings[] = {
    "[\"\xff\"]", "[\"a\x01\"]", "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\u0000\"]", "[\"\\x\"]", "[\"abc",
    "[\"\\u12\"]", "[1]", "[\"\xc3\x28\"]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize n;
      g_autofree double *v = lightly_json_parse_double_array (bad[i], strlen (bad[i]), "doc", &n, &error);

      g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
      g_assert_null (v);
      g_assert_true (g_str_has_prefix (error->message, "doc "));
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_strings); i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) v = lightly_json_parse_string_array (bad_strings[i], strlen (bad_strings[i]), "doc", NULL, &error);

      g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
      g_assert_null (v);
    }
  /* A surrogate pair is fine. */
  {
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) v = lightly_json_parse_string_array ("[\"\\ud83d\\ude00\"]", 16, "doc", NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (v[0], ==, "😀");
  }
}

static void
test_scores_request (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *type = NULL;
  g_autofree double *values = NULL;
  gsize n = 0;
  const char *ok = "{ \"extra\": {\"deep\": [1, {\"x\": null}, true]}, \"scores\": [0.5, 1, 0],"
                   " \"scoreType\": \"uncertainty_margin\" }";
  const char *deep;
  GString *nested = g_string_new ("{\"x\":");

  g_assert_true (lightly_json_parse_scores_request (ok, strlen (ok), &type, &values, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (type, ==, "uncertainty_margin");
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpfloat (values[0], ==, 0.5);

  g_assert_false (lightly_json_parse_scores_request ("{\"scores\": []}", 14, &type, &values, &n, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "scoreType"));
  g_clear_error (&error);
  g_assert_false (lightly_json_parse_scores_request ("{\"scoreType\": 3, \"scores\": []}", 29, &type, &values,
                                                     &n, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* Hostile nesting is refused, not a stack overflow. */
  for (int i = 0; i < 100000; i++)
    g_string_append_c (nested, '[');
  deep = nested->str;
  g_assert_false (lightly_json_parse_scores_request (deep, nested->len, &type, &values, &n, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_string_free (nested, TRUE);
}

static void
test_large_arrays (void)
{
  const gsize n = g_test_perf () ? 1000000 : 200000;
  g_autofree double *values = g_new (double, n);
  g_autofree double *back = NULL;
  g_autoptr(GError) error = NULL;
  GString *json = g_string_new (NULL);
  gint64 start;
  gsize m = 0;

  for (gsize i = 0; i < n; i++)
    values[i] = (double) i / (double) n;
  start = g_get_monotonic_time ();
  lightly_json_append_double_array (json, values, n);
  g_test_message ("%" G_GSIZE_FORMAT " doubles: %.0f ms to write", n, (double) (g_get_monotonic_time () - start) / 1000.0);
  back = lightly_json_parse_double_array (json->str, json->len, "big", &m, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m, ==, n);
  g_assert_true (memcmp (values, back, n * sizeof (double)) == 0);
  g_test_message ("%" G_GSIZE_FORMAT " doubles: %.0f ms round trip, %" G_GSIZE_FORMAT " bytes",
                  n, (double) (g_get_monotonic_time () - start) / 1000.0, json->len);
  g_string_free (json, TRUE);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = lightly_json_parse (text, strlen (text), "test", LIGHTLY_ERROR_BAD_RESPONSE, &error);

  g_assert_no_error (error);
  return node;
}

static void
test_models_check (void)
{
  static const struct {
    const char *json;
    const char *expect;   /* NULL: valid */
  } tags[] = {
    { "{\"id\":\"a\",\"datasetId\":\"b\",\"prevTagId\":null,\"name\":\"initial-tag\",\"bitMaskData\":\"0xf\","
      "\"totSize\":4,\"createdAt\":1621000000000,\"changes\":{}}", NULL },
    { "{\"id\":\"a\",\"datasetId\":\"b\",\"name\":\"x\",\"bitMaskData\":\"0X0059\",\"totSize\":4.0,\"createdAt\":1}", NULL },
    { "{\"datasetId\":\"b\",\"name\":\"x\",\"bitMaskData\":\"0x1\",\"totSize\":4,\"createdAt\":1}", "“id”" },
    { "{\"id\":null,\"datasetId\":\"b\",\"name\":\"x\",\"bitMaskData\":\"0x1\",\"totSize\":4,\"createdAt\":1}", "null" },
    { "{\"id\":\"a\",\"datasetId\":\"b\",\"name\":\"x\",\"bitMaskData\":\"0x1\",\"totSize\":-1,\"createdAt\":1}", "totSize" },
    { "{\"id\":\"a\",\"datasetId\":\"b\",\"name\":\"x\",\"bitMaskData\":\"0x1\",\"totSize\":1.5,\"createdAt\":1}", "totSize" },
    { "{\"id\":\"a\",\"datasetId\":\"b\",\"name\":\"x\",\"bitMaskData\":\"0xg\",\"totSize\":1,\"createdAt\":1}", "bitMaskData" },
    { "{\"id\":\"a\",\"datasetId\":\"b\",\"name\":7,\"bitMaskData\":\"0x1\",\"totSize\":1,\"createdAt\":1}", "“name” is an integer" },
    { "{\"id\":\"\",\"datasetId\":\"b\",\"name\":\"x\",\"bitMaskData\":\"0x1\",\"totSize\":1,\"createdAt\":1}", "“id”" },
    { "[]", "expected a TagData object" },
  };
  static const struct {
    const char *json;
    const char *expect;
  } jobs[] = {
    { "{\"id\":\"j\",\"status\":\"RUNNING\",\"waitTimeTillNextPoll\":0.001,\"createdAt\":1,"
      "\"meta\":{\"total\":100,\"processed\":40}}", NULL },
    { "{\"id\":\"j\",\"status\":\"FINISHED\",\"waitTimeTillNextPoll\":0,\"createdAt\":1,"
      "\"result\":{\"type\":\"SAMPLING\",\"data\":\"t\"}}", NULL },
    { "{\"id\":\"j\",\"status\":\"DONE\",\"waitTimeTillNextPoll\":0,\"createdAt\":1}", "status" },
    { "{\"id\":\"j\",\"status\":\"RUNNING\",\"createdAt\":1}", "waitTimeTillNextPoll" },
    { "{\"id\":\"j\",\"status\":\"RUNNING\",\"waitTimeTillNextPoll\":1,\"createdAt\":1,\"meta\":{\"total\":1}}",
      "meta.processed" },
    { "{\"id\":\"j\",\"status\":\"FINISHED\",\"waitTimeTillNextPoll\":0,\"createdAt\":1,\"result\":{\"data\":\"t\"}}",
      "result.type" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (tags); i++)
    {
      g_autoptr(JsonNode) node = parse (tags[i].json);
      g_autoptr(GError) error = NULL;
      gboolean ok = lightly_json_model_check (&lightly_json_model_tag_data, node, "T2 GET /x", LIGHTLY_ERROR_BAD_RESPONSE,
                                              &error);

      if (tags[i].expect == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE);
          g_assert_true (g_str_has_prefix (error->message, "T2 GET /x: "));
          if (strstr (error->message, tags[i].expect) == NULL)
            g_error ("“%s” lacks “%s”", error->message, tags[i].expect);
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      g_autoptr(JsonNode) node = parse (jobs[i].json);
      g_autoptr(GError) error = NULL;

      lightly_json_model_check (&lightly_json_model_job_status_data, node, "J1", LIGHTLY_ERROR_BAD_RESPONSE, &error);
      if (jobs[i].expect == NULL)
        {
          g_autoptr(LightlyJob) job = NULL;

          g_assert_no_error (error);
          job = lightly_json_decode_job (node);
          g_assert_cmpstr (lightly_job_get_id (job), ==, "j");
        }
      else
        {
          g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE);
          if (strstr (error->message, jobs[i].expect) == NULL)
            g_error ("“%s” lacks “%s”", error->message, jobs[i].expect);
        }
    }
  /* Requests use INVALID_INPUT. */
  {
    g_autoptr(JsonNode) node = parse ("{\"newTagName\":\"x\",\"method\":\"CORESET\"}");
    g_autoptr(GError) error = NULL;

    g_assert_false (lightly_json_model_check (&lightly_json_model_sampling_create_request, node, "P1",
                                              LIGHTLY_ERROR_INVALID_INPUT, &error));
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "config"));
  }
}

/* Every encoder's output passes the model the client checks it with. */
static void
test_encoders_match_models (void)
{
  LightlyStoreTag tag = { (char *) "aaaaaaaaaaaaaaaaaaaaaaaa", (char *) "bbbbbbbbbbbbbbbbbbbbbbbb", (char *) "t-1",
                          (char *) "0x5", NULL, NULL, NULL, (char *) "USER_PIP", 1621000000000, 4 };
  LightlyStoreDataset dataset = { (char *) "bbbbbbbbbbbbbbbbbbbbbbbb", (char *) "ds", 4, 1, 2 };
  LightlyStoreEmbedding embedding = { (char *) "cccccccccccccccccccccccc", (char *) "bbbbbbbbbbbbbbbbbbbbbbbb",
                                      (char *) "default", 4, 2, 3 };
  LightlyStoreJob running = { (char *) "dddddddddddddddddddddddd", (char *) "bbbbbbbbbbbbbbbbbbbbbbbb",
                              (char *) "sel", (char *) "{}", LIGHTLY_STORE_JOB_RUNNING, 1, 4, NULL, NULL, 5, 0, 1, NULL };
  LightlyStoreJob finished = running;
  LightlyStoreJob failed = running;
  LightlyStoreScore score = { (char *) "eeeeeeeeeeeeeeeeeeeeeeee", (char *) "aaaaaaaaaaaaaaaaaaaaaaaa",
                              (char *) "uncertainty_margin", 7, NULL, 0 };
  struct {
    JsonNode *node;
    const LightlyJsonModel *model;
  } cases[8];
  g_autoptr(GError) error = NULL;

  finished.status = LIGHTLY_STORE_JOB_FINISHED;
  finished.result_tag_id = (char *) "aaaaaaaaaaaaaaaaaaaaaaaa";
  finished.finished_at = 9;
  failed.status = LIGHTLY_STORE_JOB_FAILED;
  failed.error_message = (char *) "cancelled";

  cases[0].node = lightly_json_encode_tag (&tag);
  cases[0].model = &lightly_json_model_tag_data;
  cases[1].node = lightly_json_encode_dataset (&dataset);
  cases[1].model = &lightly_json_model_dataset_data;
  cases[2].node = lightly_json_encode_embedding (&embedding);
  cases[2].model = &lightly_json_model_dataset_embedding_data;
  cases[3].node = lightly_json_encode_job (&running);
  cases[3].model = &lightly_json_model_job_status_data;
  cases[4].node = lightly_json_encode_job (&finished);
  cases[4].model = &lightly_json_model_job_status_data;
  cases[5].node = lightly_json_encode_job (&failed);
  cases[5].model = &lightly_json_model_job_status_data;
  cases[6].node = lightly_json_encode_score_info (&score);
  cases[6].model = &lightly_json_model_tag_active_learning_scores_data;
  cases[7].node = lightly_json_encode_error ("TAG_UNKNOWN", "no such tag");
  cases[7].model = &lightly_json_model_api_error_response;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = lightly_json_to_string (cases[i].node);
      g_autoptr(JsonNode) reparsed = lightly_json_parse (text, strlen (text), "enc", LIGHTLY_ERROR_BAD_RESPONSE, &error);

      g_assert_no_error (error);
      lightly_json_model_check (cases[i].model, reparsed, "enc", LIGHTLY_ERROR_BAD_RESPONSE, &error);
      g_assert_no_error (error);
      json_node_unref (cases[i].node);
    }

  /* Running jobs say "poll again in ≥ 1 s"; decoding keeps the fields. */
  {
    g_autoptr(JsonNode) node = lightly_json_encode_job (&running);
    g_autoptr(LightlyJob) job = lightly_json_decode_job (node);
    g_autoptr(JsonNode) tnode = lightly_json_encode_tag (&tag);
    g_autoptr(LightlyTag) t = lightly_json_decode_tag (tnode);

    g_assert_cmpint (lightly_job_get_wait_time_till_next_poll (job), ==, 1);
    g_assert_cmpint (lightly_job_get_status (job), ==, LIGHTLY_JOB_STATUS_RUNNING);
    g_assert_cmpuint (lightly_job_get_processed (job), ==, 1);
    g_assert_cmpuint (lightly_job_get_total (job), ==, 4);
    g_assert_cmpstr (lightly_tag_get_bit_mask_data (t), ==, "0x5");
    g_assert_cmpuint (lightly_tag_get_tot_size (t), ==, 4);
    g_assert_null (lightly_tag_get_prev_tag_id (t));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/array/strings", test_string_roundtrip);
  g_test_add_func ("/json/array/doubles", test_double_roundtrip);
  g_test_add_func ("/json/array/errors", test_scanner_errors);
  g_test_add_func ("/json/array/scores-request", test_scores_request);
  g_test_add_func ("/json/array/large", test_large_arrays);
  g_test_add_func ("/json/models/check", test_models_check);
  g_test_add_func ("/json/models/encoders", test_encoders_match_models);
  return g_test_run ();
}
