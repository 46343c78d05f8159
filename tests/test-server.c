/* test-server.c: the REST server and the http backend over loopback
 *
 * Suite "server": every test starts an in-process server on port 0 (or
 * `lightly-al serve --port 0`) and leaves no process behind.
 */
#include <lightly/lightly.h>

#include <signal.h>
#include <sys/stat.h>

#include "server-test-util.h"
#include "backend/lightly-http-backend.h"
#include "backend/lightly-json-array.h"

/* ---------------------------------------------------------------------------
 * The 2021 Python client's call trace, replayed byte for byte (§1.1, §4.5)
 * ------------------------------------------------------------------------- */

/* What lightly 1.1.x's swagger rest.py sends on every API call (urllib3
 * adds Accept-Encoding: identity). */
static const char * const python_headers[] = {
  "Accept-Encoding: identity",
  "Accept: application/json",
  "Content-Type: application/json",
  "User-Agent: Swagger-Codegen/1.0.0/python",
  NULL
};

/* requests.put(signed_url, data=bytes): no Content-Type, no token. */
static const char * const requests_put_headers[] = {
  "User-Agent: python-requests/2.25.1",
  "Accept-Encoding: gzip, deflate",
  "Accept: */*",
  NULL
};

typedef struct {
  TestServer *ts;
  char *token;
  char *ds;
} Replay;

static RawResponse *
replay_call (Replay     *rp,
             const char *method,
             const char *path,
             const char *extra_query,
             const char *body,
             guint       expected_status)
{
  g_autofree char *target = NULL;
  RawResponse *r;

  target = g_strdup_printf ("%s?%s%stoken=%s", path, extra_query != NULL ? extra_query : "",
                            extra_query != NULL ? "&" : "", rp->token);
  /* POST/PUT with no body send the literal {} (§1.1); GET sends none. */
  if (body == NULL && !g_str_equal (method, "GET"))
    body = "{}";
  r = raw_request (rp->ts->port, method, target, python_headers, body, body != NULL ? strlen (body) : 0);
  if (r->status != expected_status)
    g_error ("%s %s: expected %u, got %u: %.*s", method, path, expected_status, r->status,
             (int) g_bytes_get_size (r->body), (const char *) g_bytes_get_data (r->body, NULL));
  if (r->status == 200)
    g_assert_cmpstr (g_hash_table_lookup (r->headers, "content-type"), ==, "application/json");
  return r;
}

static JsonNode *
replay_json (Replay                 *rp,
             const char             *method,
             const char             *path,
             const char             *extra_query,
             const char             *body,
             const LightlyJsonModel *model,
             gboolean                array)
{
  g_autoptr(RawResponse) r = replay_call (rp, method, path, extra_query, body, 200);

  return check_json (r->body, model, array);
}

static char *
json_string (JsonNode   *node,
             const char *member)
{
  return g_strdup (json_object_get_string_member (json_node_get_object (node), member));
}

static char *
find_tag_id (JsonNode   *tags,
             const char *name)
{
  JsonArray *array = json_node_get_array (tags);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);

      if (g_str_equal (json_object_get_string_member (o, "name"), name))
        return g_strdup (json_object_get_string_member (o, "id"));
    }
  return NULL;
}

/* §2.8: poll J1 until it leaves RUNNING/WAITING/UNKNOWN; returns result.data. */
static char *
replay_poll_job (Replay     *rp,
                 const char *job_id)
{
  g_autofree char *path = g_strdup_printf ("/v1/jobs/%s", job_id);

  for (guint i = 0; i < 2000; i++)
    {
      g_autoptr(JsonNode) job = replay_json (rp, "GET", path, NULL, NULL, &lightly_json_model_job_status_data, FALSE);
      JsonObject *o = json_node_get_object (job);
      const char *status = json_object_get_string_member (o, "status");

      if (g_str_equal (status, "FINISHED"))
        {
          JsonObject *result = json_object_get_object_member (o, "result");

          g_assert_cmpstr (json_object_get_string_member (result, "type"), ==, "SAMPLING");
          return g_strdup (json_object_get_string_member (result, "data"));
        }
      g_assert_cmpstr (status, !=, "FAILED");
      /* Never 0 while running: the Python client would busy-poll. */
      g_assert_cmpint (json_object_get_int_member (o, "waitTimeTillNextPoll"), >=, 1);
      g_usleep (20 * G_TIME_SPAN_MILLISECOND);
    }
  g_assert_not_reached ();
  return NULL;
}

/* The agent's query() of §4.3/§4.5 for one round; returns the new tag id. */
static char *
replay_agent_query (Replay     *rp,
                    const char *embedding_id,
                    const char *query_tag_id,
                    const char *preselected_tag_id,
                    const char *method,
                    int         n_samples,
                    const char *name,
                    guint       n_total)
{
  g_autofree char *tags_path = g_strdup_printf ("/v1/datasets/%s/tags", rp->ds);
  g_autofree char *mappings_path = g_strdup_printf ("/v1/datasets/%s/mappings", rp->ds);
  g_autofree char *sampling_path = g_strdup_printf ("/v1/datasets/%s/embeddings/%s/sampling", rp->ds, embedding_id);
  g_autofree char *body = NULL;
  g_autofree char *job_id = NULL;
  g_autofree char *new_tag_id = NULL;
  g_autofree char *new_tag_path = NULL;
  g_autoptr(JsonNode) names = NULL;
  g_autoptr(JsonNode) tags = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) tag = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autofree char *tag_name_clash = NULL;

  /* labeled_set in query() and the query_set length check: M1 twice. */
  for (int i = 0; i < 2; i++)
    {
      g_autoptr(JsonNode) m = replay_json (rp, "GET", mappings_path, "field=fileName", NULL, NULL, FALSE);

      g_assert_cmpuint (json_array_get_length (json_node_get_array (m)), ==, n_total);
      if (i == 1)
        names = g_steal_pointer (&m);
    }

  if (g_str_equal (method, "CORAL"))
    {
      /* upload_scores: T1, then one S1 per score, to the query tag. */
      g_autoptr(JsonNode) t G_GNUC_UNUSED = replay_json (rp, "GET", tags_path, NULL, NULL, &lightly_json_model_tag_data, TRUE);
      g_autofree char *scores_path = g_strdup_printf ("/v1/datasets/%s/tags/%s/scores", rp->ds, query_tag_id);
      static const char * const score_names[] = { "uncertainty_least_confidence", "uncertainty_margin",
                                                  "uncertainty_entropy" };

      for (guint s = 0; s < G_N_ELEMENTS (score_names); s++)
        {
          GString *json = g_string_new ("{\"scoreType\": ");
          g_autoptr(JsonNode) id = NULL;

          lightly_json_append_string (json, score_names[s]);
          g_string_append (json, ", \"scores\": [");
          for (guint i = 0; i < n_total; i++)
            g_string_append_printf (json, "%s%.17g", i > 0 ? ", " : "", (double) ((i * 37 + s * 11) % 101) / 100.0);
          g_string_append (json, "]}");
          id = replay_json (rp, "POST", scores_path, NULL, json->str, &lightly_json_model_create_entity_response, FALSE);
          g_string_free (json, TRUE);
        }
    }

  /* sampling(): T1 for the name check (the client refuses a known name). */
  tags = replay_json (rp, "GET", tags_path, NULL, NULL, &lightly_json_model_tag_data, TRUE);
  tag_name_clash = find_tag_id (tags, name);
  g_assert_null (tag_name_clash);
  g_clear_pointer (&tags, json_node_unref);
  /* T1 again: rowCount = tags[0].totSize. */
  tags = replay_json (rp, "GET", tags_path, NULL, NULL, &lightly_json_model_tag_data, TRUE);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (json_node_get_array (tags), 0),
                                               "totSize"), ==, n_total);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (tags), 0),
                                                  "name"), ==, "initial-tag");

  /* None-valued fields are omitted, not null (§1.2). */
  body = g_strdup_printf ("{\"newTagName\": \"%s\", \"method\": \"%s\", \"config\": {\"stoppingCondition\": "
                          "{\"nSamples\": %d, \"minDistance\": -1}}%s%s%s, \"queryTagId\": \"%s\", \"rowCount\": %u}",
                          name, method, n_samples,
                          preselected_tag_id != NULL ? ", \"preselectedTagId\": \"" : "",
                          preselected_tag_id != NULL ? preselected_tag_id : "",
                          preselected_tag_id != NULL ? "\"" : "", query_tag_id, n_total);
  created = replay_json (rp, "POST", sampling_path, NULL, body, &lightly_json_model_async_task_data, FALSE);
  job_id = json_string (created, "jobId");
  new_tag_id = replay_poll_job (rp, job_id);

  /* sampling() returns T2 of the new tag; the agent re-reads it. */
  new_tag_path = g_strdup_printf ("/v1/datasets/%s/tags/%s", rp->ds, new_tag_id);
  tag = replay_json (rp, "GET", new_tag_path, NULL, NULL, &lightly_json_model_tag_data, FALSE);
  again = replay_json (rp, "GET", new_tag_path, NULL, NULL, &lightly_json_model_tag_data, FALSE);
  {
    JsonObject *o = json_node_get_object (again);
    g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new_from_hex (json_object_get_string_member (o, "bitMaskData"), NULL);

    g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, name);
    g_assert_cmpuint (lightly_bit_mask_count (mask), ==, (guint) n_samples);
    g_assert_cmpint (json_object_get_int_member (o, "totSize"), ==, n_total);
    g_assert_cmpstr (json_object_get_string_member (o, "prevTagId"), ==,
                     preselected_tag_id != NULL ? preselected_tag_id : query_tag_id);
    if (preselected_tag_id != NULL)
      {
        /* The result contains the preselected set (§3.4). */
        g_autofree char *pre_path = g_strdup_printf ("/v1/datasets/%s/tags/%s", rp->ds, preselected_tag_id);
        g_autoptr(JsonNode) pre = replay_json (rp, "GET", pre_path, NULL, NULL, &lightly_json_model_tag_data, FALSE);
        g_autoptr(LightlyBitMask) p = lightly_bit_mask_new_from_hex (
          json_object_get_string_member (json_node_get_object (pre), "bitMaskData"), NULL);
        g_autoptr(LightlyBitMask) both = lightly_bit_mask_copy (p);

        lightly_bit_mask_intersection (both, mask);
        g_assert_true (lightly_bit_mask_equal (both, p));
      }
  }
  return g_steal_pointer (&new_tag_id);
}

static void
test_replay_2021 (void)
{
  Replay rp = { 0 };
  const guint n = 60;
  g_autofree char *csv = test_make_csv (n, 8, 11);
  g_autoptr(RawResponse) version = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) quota = NULL;
  g_autoptr(JsonNode) embeddings = NULL;
  g_autoptr(JsonNode) url_data = NULL;
  g_autoptr(JsonNode) tags = NULL;
  g_autoptr(JsonNode) q_tag = NULL;
  g_autoptr(JsonNode) refused = NULL;
  g_autoptr(RawResponse) put = NULL;
  g_autoptr(RawResponse) dup = NULL;
  g_autofree char *ds_path = NULL, *tags_path = NULL, *q_id = NULL, *emb_id = NULL;
  g_autofree char *sel1 = NULL, *sel2 = NULL;
  g_autofree char *signed_path = NULL;
  g_autofree char *q_path = NULL, *p_path = NULL;
  g_auto(GStrv) rows = g_strsplit (csv, "\r\n", -1);
  const char *signed_url;

  rp.ts = test_server_start (NULL);
  rp.token = rp.ts->token;

  /* ApiWorkflowClient.__init__: V1 without a token, a 3-part version. */
  version = raw_request (rp.ts->port, "GET", "/v1/versions/pip/minimum", python_headers, NULL, 0);
  g_assert_cmpuint (version->status, ==, 200);
  g_assert_cmpmem (g_bytes_get_data (version->body, NULL), g_bytes_get_size (version->body), "\"1.0.0\"", 7);

  /* create_dataset @ v1.1.10: the trailing-slash POST. */
  created = replay_json (&rp, "POST", "/v1/datasets/", NULL, "{\"name\": \"replay-2021\"}",
                         &lightly_json_model_create_entity_response, FALSE);
  rp.ds = json_string (created, "id");
  ds_path = g_strdup_printf ("/v1/datasets/%s", rp.ds);
  tags_path = g_strdup_printf ("/v1/datasets/%s/tags", rp.ds);
  quota = replay_json (&rp, "GET", "/v1/quota", NULL, NULL, NULL, FALSE);
  g_assert_true (g_ascii_string_to_unsigned (json_node_get_string (quota), 10, 1, G_MAXUINT64, NULL, NULL));

  /* upload_dataset: one SampleCreateRequest per file, image bytes to the
   * write URL of the first two, then the initial tag. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strndup (rows[i + 1], strchr (rows[i + 1], ',') - rows[i + 1]);
      g_autofree char *body = g_strdup_printf ("{\"fileName\": \"%s\", \"thumbName\": \"%s_thumb.webp\", "
                                               "\"exif\": {}, \"metaData\": {\"sharpness\": 1.0}}", name, name);
      g_autofree char *samples_path = g_strdup_printf ("/v1/datasets/%s/samples", rp.ds);
      g_autoptr(JsonNode) sample = replay_json (&rp, "POST", samples_path, NULL, body,
                                                &lightly_json_model_create_entity_response, FALSE);

      if (i < 2)
        {
          g_autofree char *sample_id = json_string (sample, "id");
          g_autofree char *url_path = g_strdup_printf ("/v1/datasets/%s/samples/%s/writeurl", rp.ds, sample_id);
          g_autoptr(JsonNode) url = replay_json (&rp, "GET", url_path, "isThumbnail=false", NULL, NULL, FALSE);
          const char *u = json_node_get_string (url);
          g_autoptr(RawResponse) img = NULL;

          g_assert_true (g_str_has_prefix (u, rp.ts->url));
          img = raw_request (rp.ts->port, "PUT", u + strlen (rp.ts->url), requests_put_headers, "\x89PNG....", 8);
          g_assert_cmpuint (img->status, ==, 200);
        }
    }
  {
    g_autofree char *initial_path = g_strdup_printf ("/v1/datasets/%s/tags/initial", rp.ds);
    g_autoptr(JsonNode) initial G_GNUC_UNUSED = replay_json (&rp, "POST", initial_path, NULL,
                                               "{\"imgType\": \"full\", \"creator\": \"USER_PIP\"}",
                                               &lightly_json_model_create_entity_response, FALSE);
  }

  /* upload_embeddings (§2.7): E1, M1, E2, the signed-URL PUT, E4 ×3. */
  {
    g_autofree char *emb_path = g_strdup_printf ("%s/embeddings", ds_path);
    g_autofree char *m1_path = g_strdup_printf ("%s/mappings", ds_path);
    g_autofree char *e2_path = g_strdup_printf ("%s/embeddings/writeCSVUrl", ds_path);
    g_autoptr(JsonNode) m1 = NULL;

    embeddings = replay_json (&rp, "GET", emb_path, NULL, NULL, &lightly_json_model_dataset_embedding_data, TRUE);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (embeddings)), ==, 0);
    m1 = replay_json (&rp, "GET", m1_path, "field=fileName", NULL, NULL, FALSE);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (m1)), ==, n);
    url_data = replay_json (&rp, "GET", e2_path, "name=default", NULL, &lightly_json_model_write_csv_url_data, FALSE);
  }
  signed_url = json_object_get_string_member (json_node_get_object (url_data), "signedWriteUrl");
  emb_id = json_string (url_data, "embeddingId");
  g_assert_true (g_str_has_prefix (signed_url, rp.ts->url));
  g_assert_null (strstr (signed_url, rp.token));
  signed_path = g_strdup (signed_url + strlen (rp.ts->url));
  put = raw_request (rp.ts->port, "PUT", signed_path, requests_put_headers, csv, strlen (csv));
  g_assert_cmpuint (put->status, ==, 200);
  {
    /* Single use: a second PUT is refused. */
    g_autoptr(RawResponse) again = raw_request (rp.ts->port, "PUT", signed_path, requests_put_headers, csv, strlen (csv));

    g_assert_cmpuint (again->status, ==, 403);
  }
  {
    static const char * const methods[] = { "PCA", "TSNE", "UMAP" };
    g_autofree char *e4_path = g_strdup_printf ("%s/embeddings/%s/trigger2dEmbeddingsJob", ds_path, emb_id);

    for (guint i = 0; i < 3; i++)
      {
        g_autofree char *body = g_strdup_printf ("{\"dimensionalityReductionMethod\": \"%s\"}", methods[i]);
        g_autoptr(RawResponse) r G_GNUC_UNUSED = replay_call (&rp, "POST", e4_path, NULL, body, 200);
      }
  }

  /* ActiveLearningAgent(client) (§4.1): T1, T2 of the query tag. */
  tags = replay_json (&rp, "GET", tags_path, NULL, NULL, &lightly_json_model_tag_data, TRUE);
  q_id = find_tag_id (tags, "initial-tag");
  g_assert_nonnull (q_id);
  q_path = g_strdup_printf ("%s/tags/%s", ds_path, q_id);
  q_tag = replay_json (&rp, "GET", q_path, NULL, NULL, &lightly_json_model_tag_data, FALSE);

  /* Round 1: the initial CORESET selection. */
  sel1 = replay_agent_query (&rp, emb_id, q_id, NULL, "CORESET", 10, "initial-selection", n);

  /* Round 2: scores for the query set, then CORAL. */
  sel2 = replay_agent_query (&rp, emb_id, q_id, sel1, "CORAL", 20, "al-iteration-1", n);

  /* A new agent from the preselected tag's name: T1, T2 (query), T2 (preselected). */
  {
    g_autoptr(JsonNode) t = replay_json (&rp, "GET", tags_path, NULL, NULL, &lightly_json_model_tag_data, TRUE);
    g_autofree char *p_id = find_tag_id (t, "al-iteration-1");
    g_autoptr(JsonNode) q G_GNUC_UNUSED = replay_json (&rp, "GET", q_path, NULL, NULL, &lightly_json_model_tag_data, FALSE);
    g_autoptr(JsonNode) p = NULL;

    g_assert_cmpstr (p_id, ==, sel2);
    p_path = g_strdup_printf ("%s/tags/%s", ds_path, p_id);
    p = replay_json (&rp, "GET", p_path, NULL, NULL, &lightly_json_model_tag_data, FALSE);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (p), "preselectedTagId"), ==, sel1);
  }

  /* Duplicate name: the client sees it in T1 and refuses; the server
   * refuses it too (409 TAG_NAME_EXISTS with {code, message}). */
  {
    g_autoptr(JsonNode) t = replay_json (&rp, "GET", tags_path, NULL, NULL, &lightly_json_model_tag_data, TRUE);
    g_autofree char *clash = find_tag_id (t, "al-iteration-1");
    g_autofree char *sampling_path = g_strdup_printf ("%s/embeddings/%s/sampling", ds_path, emb_id);
    g_autofree char *body = g_strdup_printf ("{\"newTagName\": \"al-iteration-1\", \"method\": \"CORESET\", "
                                             "\"config\": {\"stoppingCondition\": {\"nSamples\": 30, \"minDistance\": -1}}, "
                                             "\"queryTagId\": \"%s\", \"rowCount\": %u}", q_id, n);

    g_assert_nonnull (clash);
    dup = replay_call (&rp, "POST", sampling_path, NULL, body, 409);
    refused = check_json (dup->body, &lightly_json_model_api_error_response, FALSE);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (refused), "code"), ==, "TAG_NAME_EXISTS");
  }

  g_free (rp.ds);
  test_server_stop (rp.ts);
}

/* ---------------------------------------------------------------------------
 * Every client operation over http
 * ------------------------------------------------------------------------- */

static LightlyApiWorkflowClient *
http_client (TestServer *ts,
             const char *token)
{
  g_autoptr(GError) error = NULL;
  LightlyApiWorkflowClient *client = lightly_api_workflow_client_new (ts->url, token, NULL, &error);

  g_assert_no_error (error);
  return client;
}

/* A dataset named @name with @csv's samples and embedding; returns its id,
 * and the embedding's in @emb_out when asked. */
static char *
fill_dataset (LightlyApiWorkflowClient  *client,
              const char                *name,
              const char                *csv,
              char                     **emb_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) in1 = test_stream_for (csv);
  g_autoptr(GInputStream) in2 = test_stream_for (csv);
  char *ds = lightly_api_workflow_client_create_dataset (client, name, NULL, &error);
  char *emb;

  g_assert_no_error (error);
  lightly_api_workflow_client_register_samples (client, in1, NULL, &error);
  g_assert_no_error (error);
  emb = lightly_api_workflow_client_upload_embeddings (client, in2, "default", NULL, &error);
  g_assert_no_error (error);
  if (emb_out != NULL)
    *emb_out = emb;
  else
    g_free (emb);
  return ds;
}

static LightlyScorer *
make_scorer (const char * const *query_set,
             guint               n_classes)
{
  guint n = g_strv_length ((char **) query_set);
  g_autofree double *p = g_new (double, (gsize) n * n_classes);
  g_autoptr(GError) error = NULL;
  LightlyScorerClassification *scorer;

  /* Predictions keyed by file name, so both backends see the same ones. */
  for (guint i = 0; i < n; i++)
    {
      guint h = g_str_hash (query_set[i]);
      double sum = 0;

      for (guint c = 0; c < n_classes; c++)
        sum += p[i * n_classes + c] = 1.0 + (double) ((h >> (c * 3)) % 17);
      for (guint c = 0; c < n_classes; c++)
        p[i * n_classes + c] /= sum;
    }
  scorer = lightly_scorer_classification_new (p, (gsize) n * n_classes, n, n_classes, &error);
  g_assert_no_error (error);
  return LIGHTLY_SCORER (scorer);
}

static void
test_client_ops (void)
{
  TestServer *ts = test_server_start (NULL);
  g_autoptr(LightlyApiWorkflowClient) client = http_client (ts, ts->token);
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = test_make_csv (40, 6, 3);
  g_autoptr(GInputStream) in1 = test_stream_for (csv);
  g_autoptr(GInputStream) in2 = test_stream_for (csv);
  g_autofree char *ds = NULL;
  g_autofree char *dup = NULL;
  g_autofree char *emb = NULL;
  g_autoptr(GPtrArray) datasets = NULL;
  g_autoptr(GPtrArray) tags = NULL;
  g_auto(GStrv) names = NULL;
  g_autoptr(LightlyTag) initial = NULL;
  g_autoptr(LightlyTag) manual = NULL;
  g_autoptr(LightlyTag) same = NULL;
  g_autoptr(LightlyTag) sel = NULL;
  g_autoptr(LightlyBitMask) mask = NULL;
  g_autoptr(LightlyScores) scores = lightly_scores_new (40);
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  double values[40];

  ds = lightly_api_workflow_client_create_dataset (client, "ops", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (ds), ==, 24);
  g_assert_cmpstr (lightly_api_workflow_client_get_dataset_id (client), ==, ds);
  dup = lightly_api_workflow_client_create_dataset (client, "ops", NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS);
  g_assert_null (dup);
  g_clear_error (&error);
  lightly_api_workflow_client_set_dataset_id (client, ds);

  datasets = lightly_api_workflow_client_list_datasets (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (datasets->len, ==, 1);
  g_assert_cmpstr (lightly_dataset_get_name (g_ptr_array_index (datasets, 0)), ==, "ops");

  g_assert_true (lightly_api_workflow_client_register_samples (client, in1, NULL, &error));
  g_assert_no_error (error);
  names = lightly_api_workflow_client_get_file_names (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (names), ==, 40);
  g_assert_cmpstr (names[0], ==, "img0000.png");
  g_assert_cmpstr (names[39], ==, "img0039.png");

  initial = lightly_api_workflow_client_get_tag_by_name (client, "initial-tag", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_tag_get_count (initial), ==, 40);
  g_assert_cmpuint (lightly_tag_get_tot_size (initial), ==, 40);

  mask = lightly_bit_mask_new_from_hex ("0x5", NULL);
  manual = lightly_api_workflow_client_create_tag (client, "manual", mask, lightly_tag_get_id (initial), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lightly_tag_get_bit_mask_data (manual), ==, "0x5");
  g_assert_cmpstr (lightly_tag_get_prev_tag_id (manual), ==, lightly_tag_get_id (initial));
  /* Idempotent T4: same name and bitmask → the same tag. */
  same = lightly_api_workflow_client_create_tag (client, "manual", mask, lightly_tag_get_id (initial), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lightly_tag_get_id (same), ==, lightly_tag_get_id (manual));
  {
    g_autoptr(LightlyBitMask) other = lightly_bit_mask_new_from_hex ("0x7", NULL);
    g_autoptr(LightlyTag) clash = lightly_api_workflow_client_create_tag (client, "manual", other, NULL, NULL, &error);

    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS);
    g_assert_null (clash);
    g_clear_error (&error);
  }
  {
    /* Past the dataset size: refused, nothing stored. */
    g_autoptr(LightlyBitMask) wide = lightly_bit_mask_new_from_hex ("0x10000000000", NULL);
    g_autoptr(LightlyTag) bad = lightly_api_workflow_client_create_tag (client, "too-wide", wide, NULL, NULL, &error);

    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
    g_assert_null (bad);
    g_clear_error (&error);
  }

  emb = lightly_api_workflow_client_upload_embeddings (client, in2, "default", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (emb);
  g_assert_cmpstr (lightly_api_workflow_client_get_embedding_id (client), ==, emb);

  for (guint i = 0; i < 40; i++)
    values[i] = (double) i / 40.0;
  lightly_scores_add (scores, "uncertainty_margin", values, 40, &error);
  g_assert_no_error (error);
  g_assert_true (lightly_api_workflow_client_upload_scores (client, scores, lightly_tag_get_id (initial), NULL, &error));
  g_assert_no_error (error);
  {
    /* Wrong length: the server refuses it (400 → INVALID_INPUT). */
    g_autoptr(LightlyScores) short_scores = lightly_scores_new (3);

    lightly_scores_add (short_scores, "uncertainty_margin", values, 3, &error);
    g_assert_no_error (error);
    g_assert_false (lightly_api_workflow_client_upload_scores (client, short_scores, lightly_tag_get_id (initial),
                                                               NULL, &error));
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
    g_clear_error (&error);
  }

  lightly_sampler_config_set_method (config, LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING);
  lightly_sampler_config_set_n_samples (config, 5);
  lightly_sampler_config_set_name (config, "top-5");
  sel = lightly_api_workflow_client_sampling (client, config, NULL, lightly_tag_get_id (initial), NULL, &error);
  g_assert_no_error (error);
  /* The five highest scores are the last five samples. */
  g_assert_cmpstr (lightly_tag_get_bit_mask_data (sel), ==, "0xf800000000");
  g_assert_cmpstr (lightly_tag_get_creator (sel), ==, "SAMPLER_ACTIVE_LEARNING");

  tags = lightly_api_workflow_client_get_tags (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tags->len, ==, 3);
  g_assert_cmpstr (lightly_tag_get_name (g_ptr_array_index (tags, 0)), ==, "initial-tag");

  /* Deleting tags (DELETE /v1/datasets/{id}/tags/{tagId}). */
  {
    g_autoptr(LightlyTag) gone = NULL;
    g_autoptr(GPtrArray) left = NULL;

    g_assert_false (lightly_api_workflow_client_delete_tag (client, lightly_tag_get_id (initial), NULL, &error));
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "initial-tag"));
    g_clear_error (&error);
    /* The selection's result belongs to its job. */
    g_assert_false (lightly_api_workflow_client_delete_tag (client, lightly_tag_get_id (sel), NULL, &error));
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "selection job"));
    g_clear_error (&error);
    g_assert_true (lightly_api_workflow_client_delete_tag (client, lightly_tag_get_id (manual), NULL, &error));
    g_assert_no_error (error);
    g_assert_false (lightly_api_workflow_client_delete_tag (client, lightly_tag_get_id (manual), NULL, &error));
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
    g_clear_error (&error);
    gone = lightly_api_workflow_client_get_tag_by_name (client, "manual", NULL, &error);
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
    g_assert_null (gone);
    g_clear_error (&error);
    left = lightly_api_workflow_client_get_tags (client, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (left->len, ==, 2);
  }

  /* The same name again: refused before P1. */
  {
    g_autoptr(LightlyTag) again = lightly_api_workflow_client_sampling (client, config, NULL, NULL, NULL, &error);

    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS);
    g_assert_null (again);
    g_clear_error (&error);
  }

  /* Wrong token. */
  {
    g_autoptr(LightlyApiWorkflowClient) bad = http_client (ts, "not-the-token");
    g_autoptr(GPtrArray) none = lightly_api_workflow_client_list_datasets (bad, NULL, &error);

    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_UNAUTHORIZED);
    g_assert_null (none);
    g_clear_error (&error);
  }

  /* A token over plain http to a host that is not loopback. */
  {
    g_autoptr(LightlyApiWorkflowClient) far = lightly_api_workflow_client_new ("http://192.0.2.1:9/", "secret",
                                                                               NULL, &error);
    g_autoptr(GPtrArray) none = NULL;

    g_assert_no_error (error);
    none = lightly_api_workflow_client_list_datasets (far, NULL, &error);
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INSECURE);
    g_assert_null (none);
    g_clear_error (&error);
  }

  test_server_stop (ts);
}

/* ---------------------------------------------------------------------------
 * The embedded flow, again over http: the same picks
 * ------------------------------------------------------------------------- */

static GPtrArray *
run_flow (LightlyApiWorkflowClient *client)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = test_make_csv (300, 16, 5);
  g_autofree char *ds G_GNUC_UNUSED = fill_dataset (client, "flow", csv, NULL);
  GPtrArray *masks = g_ptr_array_new_with_free_func (g_free);
  static const struct {
    LightlySamplingMethod method;
    int n;
    const char *name;
    gboolean scores;
  } rounds[] = {
    { LIGHTLY_SAMPLING_METHOD_CORESET, 20, "r1-coreset", FALSE },
    { LIGHTLY_SAMPLING_METHOD_CORAL, 40, "r2-coral", TRUE },
    { LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING, 60, "r3-al", TRUE },
    { LIGHTLY_SAMPLING_METHOD_RANDOM, 80, "r4-random", FALSE },
  };
  const char *preselected = NULL;

  for (guint r = 0; r < G_N_ELEMENTS (rounds); r++)
    {
      g_autoptr(LightlyAgent) agent = lightly_agent_new (client, "initial-tag", preselected, NULL, &error);
      g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
      g_autoptr(LightlyScorer) scorer = NULL;
      g_autoptr(LightlyQueryResult) result = NULL;
      LightlyTag *tag;

      g_assert_no_error (error);
      lightly_sampler_config_set_method (config, rounds[r].method);
      lightly_sampler_config_set_n_samples (config, rounds[r].n);
      lightly_sampler_config_set_name (config, rounds[r].name);
      lightly_sampler_config_set_seed (config, 7);
      if (rounds[r].scores)
        scorer = make_scorer (lightly_agent_get_query_set (agent), 4);
      result = lightly_agent_query (agent, config, scorer, NULL, &error);
      g_assert_no_error (error);
      g_assert_false (lightly_query_result_get_skipped (result));
      tag = lightly_query_result_get_tag (result);
      g_assert_cmpuint (lightly_tag_get_count (tag), ==, (guint) rounds[r].n);
      g_ptr_array_add (masks, g_strdup (lightly_tag_get_bit_mask_data (tag)));
      preselected = rounds[r].name;
    }
  return masks;
}

static void
test_e2e_same_picks (void)
{
  g_autofree char *local_dir = test_make_tmp_dir ("lightly-rest");
  g_autofree char *server_dir = test_make_tmp_dir ("lightly-rest");
  g_autofree char *local_uri = g_filename_to_uri (local_dir, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) embedded = NULL;
  g_autoptr(GPtrArray) over_http = NULL;
  TestServer *ts = test_server_start (server_dir);

  {
    g_autoptr(LightlyApiWorkflowClient) local = lightly_api_workflow_client_new (local_uri, NULL, NULL, &error);

    g_assert_no_error (error);
    embedded = run_flow (local);
  }
  {
    g_autoptr(LightlyApiWorkflowClient) remote = http_client (ts, ts->token);

    over_http = run_flow (remote);
  }
  g_assert_cmpuint (embedded->len, ==, over_http->len);
  for (guint i = 0; i < embedded->len; i++)
    g_assert_cmpstr (g_ptr_array_index (embedded, i), ==, g_ptr_array_index (over_http, i));

  test_server_stop (ts);
  test_rm_rf (local_dir);
  test_rm_rf (server_dir);
}

/* ---------------------------------------------------------------------------
 * One rule, two roads: a tag's bit mask must fit the dataset
 * ------------------------------------------------------------------------- */

/* Registers 60 samples, then records a tag whose mask sets bit 100. The
 * client does not look at the mask: the rule lives once, in the local
 * backend's service, which the embedded default and the server's route both
 * call. Returns the error's message; no tag may have been written. */
static char *
refuse_mask_beyond_dataset (LightlyApiWorkflowClient *client)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = test_make_csv (60, 8, 3);
  g_autoptr(GInputStream) in1 = test_stream_for (csv);
  g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new ();
  g_autoptr(LightlyTag) refused = NULL;
  g_autoptr(LightlyTag) missing = NULL;
  g_autofree char *ds = NULL;
  char *message;

  ds = lightly_api_workflow_client_create_dataset (client, "rule", NULL, &error);
  g_assert_no_error (error);
  lightly_api_workflow_client_register_samples (client, in1, NULL, &error);
  g_assert_no_error (error);

  lightly_bit_mask_set_bit (mask, 100);
  refused = lightly_api_workflow_client_create_tag (client, "too-wide", mask, NULL, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_null (refused);
  message = g_strdup (error->message);
  g_clear_error (&error);

  missing = lightly_api_workflow_client_get_tag_by_name (client, "too-wide", NULL, &error);
  g_assert_null (missing);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  return message;
}

static void
test_rule_mask_beyond_dataset (void)
{
  g_autofree char *local_dir = test_make_tmp_dir ("lightly-server");
  g_autofree char *server_dir = test_make_tmp_dir ("lightly-server");
  g_autofree char *local_uri = g_filename_to_uri (local_dir, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *embedded = NULL;
  g_autofree char *over_http = NULL;
  const char *rule = " has only 60 samples: bit i is sample i of the mapping";
  TestServer *ts = test_server_start (server_dir);

  {
    g_autoptr(LightlyApiWorkflowClient) local = lightly_api_workflow_client_new (local_uri, NULL, NULL, &error);

    g_assert_no_error (error);
    embedded = refuse_mask_beyond_dataset (local);
  }
  {
    g_autoptr(LightlyApiWorkflowClient) remote = http_client (ts, ts->token);

    over_http = refuse_mask_beyond_dataset (remote);
  }
  /* The same sentence on both roads (the dataset ids differ); over http the
   * route maps it to 400 BAD_REQUEST. */
  g_assert_true (g_str_has_prefix (embedded, "Bit mask sets bit 100, but dataset "));
  g_assert_true (g_str_has_suffix (embedded, rule));
  g_assert_nonnull (strstr (over_http, "HTTP 400"));
  g_assert_nonnull (strstr (over_http, "BAD_REQUEST: Bit mask sets bit 100, but dataset "));
  g_assert_nonnull (strstr (over_http, rule));

  test_server_stop (ts);
  test_rm_rf (local_dir);
  test_rm_rf (server_dir);
}

/* ---------------------------------------------------------------------------
 * A misbehaving fake server
 * ------------------------------------------------------------------------- */

typedef enum {
  FAKE_RESPOND,      /* send .text, close */
  FAKE_HANG,         /* read the request, answer nothing until stopped */
  FAKE_DROP,         /* send .text (a partial answer), close */
} FakeAction;

typedef struct {
  FakeAction action;
  const char *text;
} FakeStep;

typedef struct {
  GSocket *listener;
  GThread *thread;
  GCancellable *stop;
  const FakeStep *steps;
  guint n_steps;
  guint n_requests;   /* atomic */
  guint port;
} FakeServer;

static gboolean
read_request (GSocket      *sock,
              GCancellable *cancellable)
{
  GString *buf = g_string_new (NULL);
  char chunk[4096];
  gboolean ok = FALSE;

  for (;;)
    {
      gssize n = g_socket_receive (sock, chunk, sizeof chunk, cancellable, NULL);
      const char *end;

      if (n <= 0)
        break;
      g_string_append_len (buf, chunk, n);
      end = strstr (buf->str, "\r\n\r\n");
      if (end != NULL)
        {
          const char *cl = strstr (buf->str, "Content-Length: ");
          gsize want = cl != NULL && cl < end ? (gsize) g_ascii_strtoull (cl + 16, NULL, 10) : 0;

          if (buf->len - (gsize) (end + 4 - buf->str) >= want)
            {
              ok = TRUE;
              break;
            }
        }
    }
  g_string_free (buf, TRUE);
  return ok;
}

static gpointer
fake_server_thread (gpointer data)
{
  FakeServer *fs = data;

  for (;;)
    {
      g_autoptr(GSocket) conn = g_socket_accept (fs->listener, fs->stop, NULL);
      guint index;
      const FakeStep *step;

      if (conn == NULL)
        break;
      if (!read_request (conn, fs->stop))
        continue;
      index = g_atomic_int_add (&fs->n_requests, 1);
      step = &fs->steps[MIN (index, fs->n_steps - 1)];
      switch (step->action)
        {
        case FAKE_RESPOND:
        case FAKE_DROP:
          g_socket_send (conn, step->text, strlen (step->text), NULL, NULL);
          break;
        case FAKE_HANG:
          while (!g_cancellable_is_cancelled (fs->stop))
            g_usleep (10 * G_TIME_SPAN_MILLISECOND);
          break;
        }
      g_socket_close (conn, NULL);
    }
  return NULL;
}

static FakeServer *
fake_server_start (const FakeStep *steps,
                   guint           n_steps)
{
  FakeServer *fs = g_new0 (FakeServer, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  fs->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (fs->listener, addr, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (fs->listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (fs->listener, &error);
  g_assert_no_error (error);
  fs->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  fs->stop = g_cancellable_new ();
  fs->steps = steps;
  fs->n_steps = n_steps;
  fs->thread = g_thread_new ("fake-server", fake_server_thread, fs);
  return fs;
}

static void
fake_server_stop (FakeServer *fs)
{
  g_cancellable_cancel (fs->stop);
  g_thread_join (fs->thread);
  g_socket_close (fs->listener, NULL);
  g_object_unref (fs->listener);
  g_object_unref (fs->stop);
  g_free (fs);
}

#define TAG_OK "[{\"id\":\"t1\",\"datasetId\":\"d1\",\"prevTagId\":null,\"name\":\"initial-tag\"," \
               "\"bitMaskData\":\"0xf\",\"totSize\":4,\"createdAt\":1621000000000,\"changes\":{}}]"
#define OK_HEAD "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "

static char *
ok_response (const char *body)
{
  return g_strdup_printf (OK_HEAD "%" G_GSIZE_FORMAT "\r\n\r\n%s", strlen (body), body);
}

/* Runs T1 against a fake server; returns the tags or NULL with error. */
static GPtrArray *
fake_get_tags (FakeServer  *fs,
               guint        timeout_s,
               gint64      *elapsed_ms,
               GError     **error)
{
  LightlyHttpBackendOptions options;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", fs->port);
  g_autoptr(LightlyBackend) backend = NULL;
  gint64 start = g_get_monotonic_time ();
  GPtrArray *tags;

  lightly_http_backend_options_init (&options);
  options.timeout_s = timeout_s;
  options.max_attempts = 3;
  options.backoff_ms = 20;
  options.max_backoff_ms = 2000;
  backend = lightly_http_backend_new (url, "tok", &options, NULL);
  g_assert_nonnull (backend);
  tags = lightly_backend_get_tags (backend, "d1", NULL, error);
  *elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  return tags;
}

static void
test_fake_bad_bodies (void)
{
  static const char * const bodies[] = {
    "[{\"id\": \"t1\",",                                                      /* malformed JSON */
    "[{\"id\":\"t1\",\"datasetId\":\"d1\",\"name\":\"x\",\"bitMaskData\":\"0x1\",\"createdAt\":1}]", /* no totSize */
    "[{\"id\":\"t1\",\"datasetId\":\"d1\",\"name\":\"x\",\"bitMaskData\":\"0x1\",\"totSize\":\"4\",\"createdAt\":1}]",
    "[{\"id\":\"t1\",\"datasetId\":\"d1\",\"name\":\"x\",\"bitMaskData\":\"zz\",\"totSize\":4,\"createdAt\":1}]",
    "{\"not\": \"an array\"}",
    "\xff\xfe[]",
  };
  static const char * const expect_in_message[] = {
    "not valid JSON", "totSize", "totSize", "bitMaskData", "array", "UTF-8",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autofree char *text = ok_response (bodies[i]);
      FakeStep steps[] = { { FAKE_RESPOND, text } };
      FakeServer *fs = fake_server_start (steps, 1);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) tags = NULL;
      gint64 ms;

      tags = fake_get_tags (fs, 5, &ms, &error);
      g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE);
      g_assert_null (tags);
      /* The message names the endpoint, the problem and what came back. */
      g_assert_nonnull (strstr (error->message, "T1 GET /v1/datasets/d1/tags"));
      if (strstr (error->message, expect_in_message[i]) == NULL)
        g_error ("“%s” lacks “%s”", error->message, expect_in_message[i]);
      g_assert_nonnull (strstr (error->message, "HTTP 200"));
      /* A bad body is not retried. */
      g_assert_cmpuint (g_atomic_int_get (&fs->n_requests), ==, 1);
      fake_server_stop (fs);
    }
}

/* A hostile server's deeply nested answer (issue 12): a clear GError, not
 * a stack overflow in json-glib; as a 2xx body and as an error body. */
static void
test_fake_deep_body (void)
{
  GString *deep = g_string_new (NULL);

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  for (guint k = 0; k < 2; k++)
    {
      g_autofree char *text = k == 0 ? ok_response (deep->str)
        : g_strdup_printf ("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                           "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n%s",
                           deep->len, deep->str);
      FakeStep steps[] = { { FAKE_RESPOND, text } };
      FakeServer *fs = fake_server_start (steps, 1);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) tags = NULL;
      gint64 ms;

      tags = fake_get_tags (fs, 5, &ms, &error);
      g_assert_null (tags);
      if (k == 0)
        {
          g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE);
          g_assert_nonnull (strstr (error->message, "nested"));
        }
      else
        g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
      fake_server_stop (fs);
    }
  g_string_free (deep, TRUE);
}

/* The delete_tag answer: 2xx with an empty body or an object. */
static void
test_fake_delete_tag (void)
{
  static const struct {
    const char *response;
    gboolean ok;
  } cases[] = {
    { "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", TRUE },
    { OK_HEAD "0\r\n\r\n", TRUE },
    { OK_HEAD "2\r\n\r\n{}", TRUE },
    { OK_HEAD "14\r\n\r\n{\"id\":\"t2\"}   ", TRUE },
    { OK_HEAD "2\r\n\r\n[]", FALSE },
    { OK_HEAD "1\r\n\r\n{", FALSE },
    { "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n"
      "Content-Length: 39\r\n\r\n{\"code\":\"BAD_REQUEST\",\"message\":\"used\"}", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FakeStep step = { FAKE_RESPOND, cases[i].response };
      FakeServer *fs = fake_server_start (&step, 1);
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", fs->port);
      g_autoptr(LightlyBackend) backend = lightly_http_backend_new (url, "tok", NULL, NULL);
      g_autoptr(GError) error = NULL;
      gboolean ok;

      g_assert_nonnull (backend);
      ok = lightly_backend_delete_tag (backend, "d1", "t2", NULL, &error);
      g_test_message ("case %u: %s", i, error != NULL ? error->message : "ok");
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (ok)
        g_assert_no_error (error);
      else if (i == 6)
        g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
      else
        g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE);
      g_assert_cmpuint (g_atomic_int_get (&fs->n_requests), ==, 1);
      fake_server_stop (fs);
    }
}

static void
test_fake_retries (void)
{
  g_autofree char *ok = ok_response (TAG_OK);
  g_autofree char *partial = g_strdup_printf (OK_HEAD "%" G_GSIZE_FORMAT "\r\n\r\n[{\"id\":", strlen (TAG_OK));
  const char *server_error = "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  const char *busy = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  struct {
    FakeStep steps[2];
    guint n_requests;
    gint64 min_ms;
  } cases[] = {
    { { { FAKE_RESPOND, server_error }, { FAKE_RESPOND, ok } }, 2, 0 },
    { { { FAKE_RESPOND, busy }, { FAKE_RESPOND, ok } }, 2, 1000 },    /* Retry-After: 1 is honoured */
    { { { FAKE_DROP, partial }, { FAKE_RESPOND, ok } }, 2, 0 },       /* connection dropped mid-body */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FakeServer *fs = fake_server_start (cases[i].steps, 2);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) tags = NULL;
      gint64 ms;

      tags = fake_get_tags (fs, 5, &ms, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (tags->len, ==, 1);
      g_assert_cmpuint (g_atomic_int_get (&fs->n_requests), ==, cases[i].n_requests);
      g_assert_cmpint (ms, >=, cases[i].min_ms);
      g_assert_cmpint (ms, <, 5000);
      fake_server_stop (fs);
    }

  /* Always 500, always dropped: a specific error after the last attempt. */
  {
    FakeStep steps[] = { { FAKE_RESPOND, server_error } };
    FakeServer *fs = fake_server_start (steps, 1);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) tags = NULL;
    gint64 ms;

    tags = fake_get_tags (fs, 5, &ms, &error);
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_HTTP);
    g_assert_nonnull (strstr (error->message, "500"));
    g_assert_cmpuint (g_atomic_int_get (&fs->n_requests), ==, 3);
    fake_server_stop (fs);
  }
  {
    FakeStep steps[] = { { FAKE_DROP, partial } };
    FakeServer *fs = fake_server_start (steps, 1);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) tags = NULL;
    gint64 ms;

    tags = fake_get_tags (fs, 5, &ms, &error);
    g_assert_nonnull (error);
    g_assert_null (tags);
    g_assert_nonnull (strstr (error->message, "T1 GET"));
    g_assert_cmpuint (g_atomic_int_get (&fs->n_requests), ==, 3);
    g_assert_cmpint (ms, <, 5000);
    fake_server_stop (fs);
  }
}

static void
test_fake_hang (void)
{
  FakeStep steps[] = { { FAKE_HANG, NULL } };
  FakeServer *fs = fake_server_start (steps, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tags = NULL;
  gint64 ms;

  /* 1 s timeout, 3 attempts: a timeout error in bounded time. */
  tags = fake_get_tags (fs, 1, &ms, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (tags);
  g_assert_cmpint (ms, >=, 900);
  g_assert_cmpint (ms, <, 10000);
  fake_server_stop (fs);
}

/* ---------------------------------------------------------------------------
 * A fault proxy drops P1's answer after the server accepted it
 * ------------------------------------------------------------------------- */

typedef struct {
  GSocket *listener;
  GThread *thread;
  GCancellable *stop;
  guint server_port;
  guint port;
  gint dropped;
  gboolean drop_p1;
  gboolean hide_lightly_glib;   /* answer 404 to GET /v1/versions/lightly-glib */
  gint n_sample_posts;
  gint n_precision_posts;       /* P1 bodies with "matrixPrecision":"FLOAT16" */
} FaultProxy;

/* Reads one whole request; returns it with "Connection: close" added. */
static GString *
proxy_read_request (GSocket      *sock,
                    GCancellable *cancellable)
{
  GString *buf = g_string_new (NULL);
  char chunk[65536];
  gsize head_len = 0, want = 0;

  for (;;)
    {
      gssize n = g_socket_receive (sock, chunk, sizeof chunk, cancellable, NULL);

      if (n <= 0)
        {
          g_string_free (buf, TRUE);
          return NULL;
        }
      g_string_append_len (buf, chunk, n);
      if (head_len == 0)
        {
          const char *end = strstr (buf->str, "\r\n\r\n");
          const char *cl;

          if (end == NULL)
            continue;
          head_len = (gsize) (end - buf->str) + 4;
          cl = g_strstr_len (buf->str, (gssize) head_len, "Content-Length: ");
          want = cl != NULL ? (gsize) g_ascii_strtoull (cl + 16, NULL, 10) : 0;
        }
      if (buf->len >= head_len + want)
        break;
    }
  g_string_insert (buf, (gssize) head_len - 2, "Connection: close\r\n");
  return buf;
}

static gpointer
fault_proxy_thread (gpointer data)
{
  FaultProxy *fp = data;

  for (;;)
    {
      g_autoptr(GSocket) conn = g_socket_accept (fp->listener, fp->stop, NULL);
      g_autoptr(GSocketClient) client = NULL;
      g_autoptr(GSocketConnection) upstream = NULL;
      g_autoptr(GOutputStream) mem = NULL;
      g_autoptr(GBytes) answer = NULL;
      GString *req;
      gboolean drop;

      if (conn == NULL)
        break;
      req = proxy_read_request (conn, fp->stop);
      if (req == NULL)
        continue;
      if (fp->hide_lightly_glib && g_str_has_prefix (req->str, "GET /v1/versions/lightly-glib"))
        {
          const char *nf = "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

          g_socket_send (conn, nf, strlen (nf), NULL, NULL);
          g_socket_close (conn, NULL);
          g_string_free (req, TRUE);
          continue;
        }
      if (g_str_has_prefix (req->str, "POST /v1/datasets/") && strstr (req->str, "/samples?") != NULL)
        g_atomic_int_inc (&fp->n_sample_posts);
      if (g_str_has_prefix (req->str, "POST /v1/datasets/") && strstr (req->str, "/samples/bulk?") != NULL)
        g_atomic_int_add (&fp->n_sample_posts, 1000000);
      if (g_str_has_prefix (req->str, "POST ") && strstr (req->str, "/sampling") != NULL &&
          strstr (req->str, "\"matrixPrecision\":\"FLOAT16\"") != NULL)
        g_atomic_int_inc (&fp->n_precision_posts);
      client = g_socket_client_new ();
      upstream = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) fp->server_port, NULL, NULL);
      g_assert_nonnull (upstream);
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (upstream)), req->str, req->len,
                                 NULL, NULL, NULL);
      mem = g_memory_output_stream_new_resizable ();
      g_output_stream_splice (mem, g_io_stream_get_input_stream (G_IO_STREAM (upstream)),
                              G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL);
      answer = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
      /* The server has done the work; the client never hears of it. */
      drop = fp->drop_p1 && g_str_has_prefix (req->str, "POST ") && strstr (req->str, "/sampling") != NULL &&
             g_atomic_int_add (&fp->dropped, 1) == 0;
      if (!drop)
        g_socket_send (conn, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), NULL, NULL);
      g_socket_close (conn, NULL);
      g_string_free (req, TRUE);
    }
  return NULL;
}

static void
fault_proxy_start (FaultProxy *fp,
                   guint       server_port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  fp->server_port = server_port;
  fp->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (fp->listener, addr, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (fp->listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (fp->listener, &error);
  g_assert_no_error (error);
  fp->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  fp->stop = g_cancellable_new ();
  fp->thread = g_thread_new ("fault-proxy", fault_proxy_thread, fp);
}

static void
fault_proxy_stop (FaultProxy *fp)
{
  g_cancellable_cancel (fp->stop);
  g_thread_join (fp->thread);
  g_socket_close (fp->listener, NULL);
  g_object_unref (fp->listener);
  g_object_unref (fp->stop);
}

/* A client that talks to @ts through a started @fp, by @host. */
static LightlyApiWorkflowClient *
proxied_client (TestServer *ts,
                FaultProxy *fp,
                const char *host)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  LightlyApiWorkflowClient *client;

  fault_proxy_start (fp, ts->port);
  url = g_strdup_printf ("http://%s:%u", host, fp->port);
  client = lightly_api_workflow_client_new (url, ts->token, NULL, &error);
  g_assert_no_error (error);
  return client;
}

/* A lightly-glib server gets matrixPrecision when it is set, and the picks
 * equal the float32 ones. */
static void
test_precision_sent (void)
{
  TestServer *ts = test_server_start (NULL);
  FaultProxy fp = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = test_make_csv (40, 8, 5);
  g_autoptr(LightlyApiWorkflowClient) client = proxied_client (ts, &fp, "localhost");
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  g_autoptr(LightlyTag) plain = NULL;
  g_autoptr(LightlyTag) half = NULL;
  g_autofree char *ds G_GNUC_UNUSED = fill_dataset (client, "precision", csv, NULL);

  lightly_sampler_config_set_n_samples (config, 10);
  lightly_sampler_config_set_name (config, "float32");
  plain = lightly_api_workflow_client_sampling (client, config, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&fp.n_precision_posts), ==, 0);
  lightly_sampler_config_set_name (config, "float16");
  lightly_sampler_config_set_matrix_precision (config, LIGHTLY_MATRIX_PRECISION_FLOAT16);
  half = lightly_api_workflow_client_sampling (client, config, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&fp.n_precision_posts), ==, 1);
  g_assert_cmpstr (lightly_tag_get_bit_mask_data (plain), ==, lightly_tag_get_bit_mask_data (half));

  fault_proxy_stop (&fp);
  g_clear_object (&client);
  test_server_stop (ts);
}

static void
test_fault_proxy_p1 (void)
{
  TestServer *ts = test_server_start (NULL);
  FaultProxy fp = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = test_make_csv (50, 4, 9);
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  g_autoptr(LightlyTag) tag = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) tags = NULL;
  g_autofree char *ds = NULL;
  guint named = 0;

  fp.drop_p1 = TRUE;
  client = proxied_client (ts, &fp, "127.0.0.1");
  ds = fill_dataset (client, "faulty", csv, NULL);

  lightly_sampler_config_set_n_samples (config, 10);
  lightly_sampler_config_set_name (config, "after-the-drop");
  tag = lightly_api_workflow_client_sampling (client, config, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_tag_get_count (tag), ==, 10);
  g_assert_cmpint (g_atomic_int_get (&fp.dropped), >=, 2);   /* P1 was sent twice */

  /* Exactly one job and one tag afterwards. */
  jobs = lightly_store_list_jobs (ts->store, ds, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 1);
  tags = lightly_store_list_tags (ts->store, ds, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < tags->len; i++)
    if (g_str_equal (((LightlyStoreTag *) g_ptr_array_index (tags, i))->name, "after-the-drop"))
      named++;
  g_assert_cmpuint (named, ==, 1);

  fault_proxy_stop (&fp);
  g_clear_object (&client);
  test_server_stop (ts);
}

/* A server that is not lightly-glib (404 on /v1/versions/lightly-glib):
 * one POST per sample, §2.8 polling, prevTagId resolved to the initial-tag. */
static void
test_foreign_server_path (void)
{
  TestServer *ts = test_server_start (NULL);
  FaultProxy fp = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = test_make_csv (25, 4, 13);
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  g_autoptr(LightlyTag) tag = NULL;
  g_autoptr(LightlyTag) manual = NULL;
  g_autoptr(LightlyTag) initial = NULL;
  g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new_from_hex ("0x3", NULL);
  g_autofree char *ds = NULL;

  fp.hide_lightly_glib = TRUE;
  client = proxied_client (ts, &fp, "localhost");
  ds = fill_dataset (client, "foreign", csv, NULL);
  g_assert_cmpint (g_atomic_int_get (&fp.n_sample_posts), ==, 25);

  initial = lightly_api_workflow_client_get_tag_by_name (client, "initial-tag", NULL, &error);
  g_assert_no_error (error);
  manual = lightly_api_workflow_client_create_tag (client, "first-two", mask, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lightly_tag_get_prev_tag_id (manual), ==, lightly_tag_get_id (initial));

  /* lightly-glib's own methods are refused before anything is sent. */
  lightly_sampler_config_set_n_samples (config, 6);
  lightly_sampler_config_set_method (config, LIGHTLY_SAMPLING_METHOD_TYPICLUST);
  lightly_sampler_config_set_name (config, "not-for-them");
  tag = lightly_api_workflow_client_sampling (client, config, NULL, NULL, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "TYPICLUST"));
  g_assert_null (tag);
  g_clear_error (&error);
  /* So are BADGE and class balance, which they would ignore. */
  lightly_sampler_config_set_method (config, LIGHTLY_SAMPLING_METHOD_BADGE);
  tag = lightly_api_workflow_client_sampling (client, config, NULL, NULL, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "BADGE"));
  g_clear_error (&error);
  lightly_sampler_config_set_method (config, LIGHTLY_SAMPLING_METHOD_RANDOM);
  lightly_sampler_config_set_balance (config, TRUE);
  tag = lightly_api_workflow_client_sampling (client, config, NULL, NULL, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "Class balance"));
  g_assert_null (tag);
  g_clear_error (&error);
  lightly_sampler_config_set_balance (config, FALSE);

  lightly_sampler_config_set_method (config, LIGHTLY_SAMPLING_METHOD_CORESET);
  lightly_sampler_config_set_name (config, "polled-the-2021-way");
  /* The matrix precision changes only the speed: they get the request
   * without it. */
  lightly_sampler_config_set_matrix_precision (config, LIGHTLY_MATRIX_PRECISION_FLOAT16);
  tag = lightly_api_workflow_client_sampling (client, config, "ignored-below", NULL, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);   /* unknown preselected tag → 404 */
  g_clear_error (&error);
  tag = lightly_api_workflow_client_sampling (client, config, lightly_tag_get_id (manual), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_tag_get_count (tag), ==, 6);
  g_assert_cmpint (g_atomic_int_get (&fp.n_precision_posts), ==, 0);

  fault_proxy_stop (&fp);
  g_clear_object (&client);
  test_server_stop (ts);
}

/* ---------------------------------------------------------------------------
 * Long poll and cancellation of a follow
 * ------------------------------------------------------------------------- */

static void
test_long_poll (void)
{
  TestServer *ts = test_server_start (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyApiWorkflowClient) client = http_client (ts, ts->token);
  g_autofree char *csv = test_make_csv (30, 4, 2);
  g_autofree char *emb = NULL;
  g_autofree char *ds = fill_dataset (client, "poll", csv, &emb);
  g_autoptr(LightlyBackend) backend = NULL;
  g_autofree char *target = NULL;
  g_autoptr(RawResponse) r = NULL;
  g_autoptr(RawResponse) bad = NULL;
  LightlySelectionRequest request = { 0 };
  g_autofree char *job_id = NULL;
  g_autoptr(LightlyJob) job = NULL;
  gint64 start;


  backend = lightly_http_backend_new (ts->url, ts->token, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lightly_http_backend_is_lightly_glib (LIGHTLY_HTTP_BACKEND (backend), NULL, &error));
  request.method = LIGHTLY_SAMPLING_METHOD_CORESET;
  request.n_samples = 5;
  request.min_distance = -1;
  request.new_tag_name = (char *) "polled";
  request.score_strength = 1;
  job_id = lightly_backend_start_selection (backend, ds, emb, &request, NULL, &error);
  g_assert_no_error (error);
  job = lightly_backend_follow_job (backend, job_id, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (lightly_job_get_status (job), ==, LIGHTLY_JOB_STATUS_FINISHED);

  /* A finished job answers a long poll at once. */
  target = g_strdup_printf ("/v1/jobs/%s?waitMs=30000&knownStatus=RUNNING&knownProcessed=0&token=%s", job_id, ts->token);
  start = g_get_monotonic_time ();
  r = raw_request (ts->port, "GET", target, python_headers, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_free (target);
  target = g_strdup_printf ("/v1/jobs/%s?waitMs=30001&token=%s", job_id, ts->token);
  bad = raw_request (ts->port, "GET", target, python_headers, NULL, 0);
  g_assert_cmpuint (bad->status, ==, 400);

  test_server_stop (ts);
}

/* ---------------------------------------------------------------------------
 * Body limits on the socket: 413 from Content-Length and while counting
 * ------------------------------------------------------------------------- */

static void
test_body_limits (void)
{
  TestServer *ts = test_server_start (NULL);
  g_autofree char *target = g_strdup_printf ("/v1/datasets?token=%s", ts->token);
  g_autofree char *big = g_malloc (5000);
  const char * const chunked[] = { "Transfer-Encoding: chunked", "Content-Type: application/json", NULL };
  GString *body = g_string_new (NULL);
  g_autoptr(RawResponse) r1 = NULL;
  g_autoptr(RawResponse) r2 = NULL;
  g_autoptr(RawResponse) r3 = NULL;
  g_autoptr(GPtrArray) datasets = NULL;

  lightly_server_routes_set_max_body (ts->routes, 1024, 2048);
  memset (big, ' ', 5000);

  /* Content-Length over the limit: refused before the body is read. */
  r1 = raw_request (ts->port, "POST", target, python_headers, big, 5000);
  g_assert_cmpuint (r1->status, ==, 413);

  /* Chunked, no length: refused while counting. */
  for (int i = 0; i < 4; i++)
    {
      g_string_append_printf (body, "%x\r\n", 1500);
      g_string_append_len (body, big, 1500);
      g_string_append (body, "\r\n");
    }
  g_string_append (body, "0\r\n\r\n");
  r2 = raw_request (ts->port, "POST", target, chunked, body->str, body->len);
  g_assert_cmpuint (r2->status, ==, 413);
  {
    g_autoptr(JsonNode) e G_GNUC_UNUSED = check_json (r2->body, &lightly_json_model_api_error_response, FALSE);
  }

  /* A small chunked body is fine. */
  g_string_truncate (body, 0);
  g_string_append (body, "e\r\n{\"name\":\"chk\"}\r\n0\r\n\r\n");
  r3 = raw_request (ts->port, "POST", target, chunked, body->str, body->len);
  g_assert_cmpuint (r3->status, ==, 200);
  datasets = lightly_store_list_datasets (ts->store, NULL);
  g_assert_cmpuint (datasets->len, ==, 1);

  g_string_free (body, TRUE);
  test_server_stop (ts);
}

/* ---------------------------------------------------------------------------
 * Large bodies go to a temporary file, which goes away with the request
 * ------------------------------------------------------------------------- */

/* Request bodies in dir: the server spools into a folder of its own
 * (lightly-spool-*, with its lock file) below the one it is given. */
static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_str_has_prefix (name, "lightly-spool-") && g_file_test (path, G_FILE_TEST_IS_DIR))
        n += count_files (path);
      else if (!g_str_equal (name, "lock"))
        n++;
    }
  return n;
}

/* The request is freed just after its answer is sent: wait a little. */
static void
wait_for_n_files (const char *dir,
                  guint       n)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (count_files (dir) != n && g_get_monotonic_time () < deadline)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (count_files (dir), ==, n);
}

static void
test_body_spool (void)
{
  TestServer *ts = test_server_start (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *spool = g_dir_make_tmp ("lightly-spool-XXXXXX", &error);
  g_autofree char *ds = NULL;
  g_autofree char *ds2 = NULL;
  g_autofree char *bulk = NULL;
  g_autofree char *e2 = NULL;
  g_autofree char *csv = test_make_csv (300, 8, 4);
  g_autofree char *blocked = NULL;
  const char * const chunked[] = { "Transfer-Encoding: chunked", "Content-Type: application/json", NULL };
  GString *names = g_string_new ("[");
  GString *names2 = g_string_new ("[");
  GString *body = g_string_new (NULL);
  g_autoptr(RawResponse) r1 = NULL;
  g_autoptr(RawResponse) r2 = NULL;
  g_autoptr(RawResponse) r3 = NULL;
  g_autoptr(RawResponse) put = NULL;
  g_autoptr(RawResponse) full = NULL;
  g_autoptr(JsonNode) url_data = NULL;
  g_autoptr(GPtrArray) embeddings = NULL;
  guint spooled;

  g_assert_no_error (error);
  lightly_server_set_spool (ts->server, spool, 100);
  ds = lightly_store_create_dataset (ts->store, "spooled", &error);
  g_assert_no_error (error);
  bulk = g_strdup_printf ("/v1/datasets/%s/samples/bulk?token=%s", ds, ts->token);
  for (guint i = 0; i < 200; i++)
    g_string_append_printf (names, "%s\"img%04u.png\"", i > 0 ? "," : "", i);
  g_string_append (names, "]");
  for (guint i = 200; i < 400; i++)
    g_string_append_printf (names2, "%s\"img%04u.png\"", i > 200 ? "," : "", i);
  g_string_append (names2, "]");

  /* With a Content-Length over the threshold. */
  spooled = lightly_server_get_n_spooled (ts->server);
  r1 = raw_request (ts->port, "POST", bulk, python_headers, names->str, names->len);
  g_assert_cmpuint (r1->status, ==, 200);
  g_assert_cmpuint (lightly_server_get_n_spooled (ts->server), ==, spooled + 1);
  g_assert_cmpint (lightly_store_get_n_samples (ts->store, ds, NULL), ==, 200);
  wait_for_n_files (spool, 0);

  /* Chunked: it moves from memory to the file while counting. */
  for (gsize off = 0; off < names2->len; off += 50)
    {
      gsize n = MIN (50, names2->len - off);

      g_string_append_printf (body, "%" G_GSIZE_MODIFIER "x\r\n", n);
      g_string_append_len (body, names2->str + off, (gssize) n);
      g_string_append (body, "\r\n");
    }
  g_string_append (body, "0\r\n\r\n");
  r2 = raw_request (ts->port, "POST", bulk, chunked, body->str, body->len);
  g_assert_cmpuint (r2->status, ==, 200);
  g_assert_cmpuint (lightly_server_get_n_spooled (ts->server), ==, spooled + 2);
  g_assert_cmpint (lightly_store_get_n_samples (ts->store, ds, NULL), ==, 400);
  wait_for_n_files (spool, 0);

  /* A small body stays in memory. */
  r3 = raw_request (ts->port, "POST", bulk, python_headers, "[\"small.png\"]", 13);
  g_assert_cmpuint (r3->status, ==, 200);
  g_assert_cmpuint (lightly_server_get_n_spooled (ts->server), ==, spooled + 2);

  /* The signed-URL CSV PUT is read from the file as a stream. */
  ds2 = lightly_store_create_dataset (ts->store, "spooled-csv", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GInputStream) in = test_stream_for (csv);

    lightly_store_add_samples_from_csv (ts->store, ds2, in, NULL, &error);
    g_assert_no_error (error);
  }
  e2 = g_strdup_printf ("/v1/datasets/%s/embeddings/writeCSVUrl?name=default&token=%s", ds2, ts->token);
  {
    g_autoptr(RawResponse) r = raw_request (ts->port, "GET", e2, python_headers, NULL, 0);
    const char *url;

    g_assert_cmpuint (r->status, ==, 200);
    url_data = check_json (r->body, &lightly_json_model_write_csv_url_data, FALSE);
    url = json_object_get_string_member (json_node_get_object (url_data), "signedWriteUrl");
    g_assert_true (g_str_has_prefix (url, ts->url));
    put = raw_request (ts->port, "PUT", url + strlen (ts->url), NULL, csv, strlen (csv));
  }
  g_assert_cmpuint (put->status, ==, 200);
  g_assert_cmpuint (lightly_server_get_n_spooled (ts->server), ==, spooled + 3);
  embeddings = lightly_store_list_embeddings (ts->store, ds2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (embeddings->len, ==, 1);
  wait_for_n_files (spool, 0);

  /* A client that goes away in the middle of the body leaves no file. */
  {
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GSocketConnection) conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) ts->port,
                                                                        NULL, &error);
    g_autofree char *head = g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                             "Content-Length: 100000\r\n\r\n", bulk);
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    GOutputStream *out;

    g_assert_no_error (error);
    out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
    g_output_stream_write_all (out, head, strlen (head), NULL, NULL, &error);
    g_assert_no_error (error);
    g_output_stream_write_all (out, names->str, 1000, NULL, NULL, &error);
    g_assert_no_error (error);
    while (lightly_server_get_n_spooled (ts->server) < spooled + 4 && g_get_monotonic_time () < deadline)
      g_usleep (10 * G_TIME_SPAN_MILLISECOND);
    g_assert_cmpuint (lightly_server_get_n_spooled (ts->server), ==, spooled + 4);
    wait_for_n_files (spool, 1);
    g_io_stream_close (G_IO_STREAM (conn), NULL, &error);
    g_assert_no_error (error);
  }
  wait_for_n_files (spool, 0);
  g_assert_cmpint (lightly_store_get_n_samples (ts->store, ds, NULL), ==, 401);

  /* No temporary file can be made: the server's fault, 503 and JSON. */
  blocked = g_build_filename (spool, "not-a-dir", NULL);
  g_assert_true (g_file_set_contents (blocked, "", 0, NULL));
  {
    g_autofree char *below = g_build_filename (blocked, "tmp", NULL);

    lightly_server_set_spool (ts->server, below, 100);
  }
  full = raw_request (ts->port, "POST", bulk, python_headers, names->str, names->len);
  g_assert_cmpuint (full->status, ==, 503);
  {
    g_autoptr(JsonNode) e G_GNUC_UNUSED = check_json (full->body, &lightly_json_model_api_error_response, FALSE);
  }
  g_assert_cmpint (lightly_store_get_n_samples (ts->store, ds, NULL), ==, 401);
  g_unlink (blocked);

  g_string_free (names, TRUE);
  g_string_free (names2, TRUE);
  g_string_free (body, TRUE);
  test_server_stop (ts);
  /* The server removes its own lightly-spool-* below ours when it stops. */
  g_assert_cmpint (g_rmdir (spool), ==, 0);
}

/* ---------------------------------------------------------------------------
 * Shutdown: running selections end FAILED
 * ------------------------------------------------------------------------- */

static gpointer
cancel_soon (gpointer data)
{
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_shutdown_fails_jobs (void)
{
  TestServer *ts = test_server_start (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = test_make_csv (40000, 48, 21);
  g_autoptr(GInputStream) in1 = test_stream_for (csv);
  g_autoptr(GInputStream) in2 = test_stream_for (csv);
  g_autofree char *ds = NULL;
  g_autofree char *emb = NULL;
  g_autofree char *target = NULL;
  g_autofree char *job_id = NULL;
  g_autoptr(RawResponse) r = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(LightlyStoreJob) job = NULL;
  gint64 start;
  const char *body = "{\"newTagName\":\"long-one\",\"method\":\"CORESET\",\"config\":{\"stoppingCondition\":"
                     "{\"nSamples\":39000,\"minDistance\":-1}}}";

  ds = lightly_store_create_dataset (ts->store, "big", &error);
  g_assert_no_error (error);
  lightly_store_add_samples_from_csv (ts->store, ds, in1, NULL, &error);
  g_assert_no_error (error);
  emb = lightly_store_add_embedding (ts->store, ds, "default", in2, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(LightlyBitMask) all = lightly_bit_mask_new_from_length (40000);
    g_autofree char *hex = lightly_bit_mask_to_hex (all);
    g_autofree char *initial G_GNUC_UNUSED = lightly_store_create_tag (ts->store, ds, "initial-tag", hex, NULL, NULL, NULL,
                                                         "USER_PIP", &error);

    g_assert_no_error (error);
  }

  target = g_strdup_printf ("/v1/datasets/%s/embeddings/%s/sampling?token=%s", ds, emb, ts->token);
  r = raw_request (ts->port, "POST", target, python_headers, body, strlen (body));
  g_assert_cmpuint (r->status, ==, 200);
  created = check_json (r->body, &lightly_json_model_async_task_data, FALSE);
  job_id = g_strdup (json_object_get_string_member (json_node_get_object (created), "jobId"));

  /* Cancelling a follow over http stops following; the job goes on (§13). */
  {
    g_autoptr(LightlyBackend) backend = lightly_http_backend_new (ts->url, ts->token, NULL, &error);
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(LightlyJob) followed = NULL;
    g_autoptr(LightlyStoreJob) still = NULL;
    GThread *canceller;

    g_assert_no_error (error);
    canceller = g_thread_new ("canceller", cancel_soon, cancellable);
    start = g_get_monotonic_time ();
    followed = lightly_backend_follow_job (backend, job_id, NULL, NULL, cancellable, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (followed);
    g_clear_error (&error);
    g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
    g_thread_join (canceller);
    still = lightly_store_get_job (ts->store, NULL, job_id, &error);
    g_assert_no_error (error);
    g_assert_cmpint (still->status, !=, LIGHTLY_STORE_JOB_FAILED);
  }

  /* What SIGINT/SIGTERM run: every running job is cancelled and FAILED. */
  start = g_get_monotonic_time ();
  g_assert_cmpuint (lightly_server_routes_stop_jobs (ts->routes, 20000), ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  job = lightly_store_get_job (ts->store, NULL, job_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (job->status, ==, LIGHTLY_STORE_JOB_FAILED);
  g_assert_nonnull (job->error_message);
  /* No tag was created and the name is free again. */
  {
    g_autoptr(LightlyStoreTag) none = lightly_store_get_tag_by_name (ts->store, ds, "long-one", &error);

    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
    g_assert_null (none);
  }
  test_server_stop (ts);
}

/* ---------------------------------------------------------------------------
 * lightly-al serve as a process
 * ------------------------------------------------------------------------- */

static void
test_serve_process (void)
{
  const char *tool = g_getenv ("LIGHTLY_AL");
  g_autofree char *dir = test_make_tmp_dir ("lightly-rest");
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *token_path = g_build_filename (store, "token", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *url = NULL;
  g_autofree char *token = NULL;
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autoptr(GPtrArray) datasets = NULL;
  g_autofree char *ds = NULL;
  g_autofree char *err_text = NULL;
  GStatBuf st;

  g_assert_nonnull (tool);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           tool, "serve", "--store", store, "--port", "0", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  url = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));

  /* The token file: created 0600 on first start. */
  g_assert_cmpint (g_stat (token_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_file_get_contents (token_path, &token, NULL, &error);
  g_assert_no_error (error);
  g_strstrip (token);
  g_assert_cmpuint (strlen (token), ==, 32);

  client = lightly_api_workflow_client_new (url, token, NULL, &error);
  g_assert_no_error (error);
  ds = lightly_api_workflow_client_create_dataset (client, "served", NULL, &error);
  g_assert_no_error (error);
  datasets = lightly_api_workflow_client_list_datasets (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (datasets->len, ==, 1);
  g_clear_object (&client);

  /* lightly-al itself reaches the server too: it runs an http(s)://
   * location as lightly-al-net (tools/lightly-al-forward.c), given as
   * --location or as $LIGHTLY_SERVER_LOCATION. */
  for (guint how = 0; how < 2; how++)
    {
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                           G_SUBPROCESS_FLAGS_STDERR_PIPE);
      g_autoptr(GSubprocess) cli = NULL;
      g_autofree char *cli_out = NULL;
      g_autofree char *cli_err = NULL;

      g_subprocess_launcher_setenv (launcher, "LIGHTLY_TOKEN", token, TRUE);
      if (how == 0)
        {
          g_subprocess_launcher_unsetenv (launcher, "LIGHTLY_SERVER_LOCATION");
          cli = g_subprocess_launcher_spawn (launcher, &error, tool, "datasets", "--json", "--location", url, NULL);
        }
      else
        {
          g_subprocess_launcher_setenv (launcher, "LIGHTLY_SERVER_LOCATION", url, TRUE);
          cli = g_subprocess_launcher_spawn (launcher, &error, tool, "datasets", "--json", NULL);
        }
      g_assert_no_error (error);
      g_subprocess_communicate_utf8 (cli, NULL, NULL, &cli_out, &cli_err, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (cli_err, ==, "");
      g_assert_cmpint (g_subprocess_get_exit_status (cli), ==, 0);
      g_assert_nonnull (strstr (cli_out, "\"served\""));
    }

  g_subprocess_send_signal (proc, SIGTERM);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  {
    g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
    g_autoptr(GBytes) bytes = NULL;

    g_output_stream_splice (mem, g_subprocess_get_stderr_pipe (proc), G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
    g_assert_no_error (error);
    g_output_stream_write (mem, "", 1, NULL, NULL);
    bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
    err_text = g_strdup (g_bytes_get_data (bytes, NULL));
  }
  /* It logs the token's path and the requests, never the token. */
  g_assert_nonnull (strstr (err_text, token_path));
  g_assert_nonnull (strstr (err_text, "POST /v1/datasets?token=***"));
  g_assert_null (strstr (err_text, token));
  g_assert_nonnull (strstr (err_text, "stopped"));

  /* The store closed consistently: it opens again with the dataset. */
  {
    g_autoptr(LightlyStore) again = lightly_store_open (store, &error);
    g_autoptr(LightlyStoreDataset) d = NULL;

    g_assert_no_error (error);
    d = lightly_store_get_dataset (again, ds, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (d->name, ==, "served");
  }
  test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/replay-2021", test_replay_2021);
  g_test_add_func ("/server/client-ops", test_client_ops);
  g_test_add_func ("/server/e2e-same-picks", test_e2e_same_picks);
  g_test_add_func ("/server/rule-mask-beyond-dataset", test_rule_mask_beyond_dataset);
  g_test_add_func ("/server/fake/bad-bodies", test_fake_bad_bodies);
  g_test_add_func ("/server/fake/deep-body", test_fake_deep_body);
  g_test_add_func ("/server/fake/delete-tag", test_fake_delete_tag);
  g_test_add_func ("/server/fake/retries", test_fake_retries);
  g_test_add_func ("/server/fake/hang", test_fake_hang);
  g_test_add_func ("/server/fault-proxy-p1", test_fault_proxy_p1);
  g_test_add_func ("/server/foreign-server-path", test_foreign_server_path);
  g_test_add_func ("/server/precision-sent", test_precision_sent);
  g_test_add_func ("/server/long-poll", test_long_poll);
  g_test_add_func ("/server/serve-process", test_serve_process);
  g_test_add_func ("/server/shutdown-fails-jobs", test_shutdown_fails_jobs);
  g_test_add_func ("/server/body-limits", test_body_limits);
  g_test_add_func ("/server/body-spool", test_body_spool);
  return g_test_run ();
}
