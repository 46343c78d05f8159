/* lightly-server-routes-embeddings.c: the score, embedding, selection and job routes (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "server/lightly-server-routes-private.h"
#include "lightly/lightly-bit-mask.h"
#include "lightly/lightly-error.h"
#include "lightly/lightly-sampling-method.h"

/* ---------------------------------------------------------------------------
 * Scores
 * ------------------------------------------------------------------------- */

void
route_upload_scores (Route *r)
{
  g_autoptr(LightlyStoreTag) tag = routes_require_tag (r, r->seg[3]);
  g_autoptr(GError) error = NULL;
  g_autofree char *score_type = NULL;
  g_autofree double *values = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(LightlyBitMask) mask = NULL;
  gsize n = 0, len;
  const char *data;

  if (tag == NULL)
    return;
  bytes = routes_request_body_bytes (r->req, r->resp);
  if (bytes == NULL)
    return;
  data = g_bytes_get_data (bytes, &len);
  mask = lightly_bit_mask_new_from_hex (tag->bitmask_hex, &error);
  if (mask == NULL)
    return routes_respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  /* One score per member of the tag: more are refused while parsing, so
   * the values never take more than 8 bytes per member (issue 12). */
  if (!lightly_json_parse_scores_request_max (data, len, (gsize) lightly_bit_mask_count (mask), &score_type,
                                              &values, &n, &error))
    return routes_respond_error (r->resp, 400, "MALFORMED_REQUEST", "%s (tag “%s” has %" G_GUINT64_FORMAT
                                 " members: one score each)", error->message, tag->name,
                                 lightly_bit_mask_count (mask));
  /* The score type and count rules are the local backend's. */
  id = lightly_backend_upload_scores (r->self->backend, r->dataset->id, tag->id, score_type, values, n,
                                      r->cancellable, &error);
  if (id == NULL)
    return routes_respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  routes_respond_take_node (r->resp, lightly_json_encode_id (id));
}

void
route_list_scores (Route *r)
{
  g_autoptr(LightlyStoreTag) tag = routes_require_tag (r, r->seg[3]);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  if (tag == NULL)
    return;
  rows = lightly_local_service_list_scores (r->self->backend, tag->id, &error);
  if (rows == NULL)
    return routes_respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  routes_respond_rows (r->resp, rows, (EncodeRow) lightly_json_encode_score_info);
}

void
route_get_score (Route *r)
{
  g_autoptr(LightlyStoreTag) tag = routes_require_tag (r, r->seg[3]);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStoreScore) score = NULL;
  GString *json;

  if (tag == NULL)
    return;
  if (!routes_is_id (r->seg[5]))
    return routes_respond_error (r->resp, 404, "SCORE_UNKNOWN", "Tag %s has no score with the id “%s”",
                                 tag->id, r->seg[5]);
  score = lightly_local_service_get_score (r->self->backend, tag->id, r->seg[5], &error);
  if (score == NULL)
    return routes_respond_gerror (r->resp, error, "SCORE_UNKNOWN", NULL);
  json = g_string_new ("{\"id\":");
  lightly_json_append_string (json, score->id);
  g_string_append (json, ",\"tagId\":");
  lightly_json_append_string (json, score->tag_id);
  g_string_append (json, ",\"scoreType\":");
  lightly_json_append_string (json, score->score_type);
  g_string_append (json, ",\"scores\":");
  lightly_json_append_double_array (json, score->values, score->n_values);
  g_string_append_printf (json, ",\"createdAt\":%" G_GINT64_FORMAT "}", score->created_at);
  routes_respond_json_string (r->resp, 200, json);
}

/* ---------------------------------------------------------------------------
 * Embeddings
 * ------------------------------------------------------------------------- */

void
route_list_embeddings (Route *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = lightly_local_service_list_embeddings (r->self->backend, r->dataset->id, &error);

  if (rows == NULL)
    return routes_respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
  routes_respond_rows (r->resp, rows, (EncodeRow) lightly_json_encode_embedding);
}

static gboolean
is_embedding_name (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 256 || !g_utf8_validate (name, -1, NULL))
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

void
route_write_csv_url (Route *r)
{
  const char *name = routes_query_param (r->req, "name");
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStoreEmbedding) existing = NULL;
  g_autofree char *promised = NULL;
  g_autofree char *cap = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  JsonObject *o;
  JsonNode *node;

  if (!is_embedding_name (name))
    return routes_respond_error (r->resp, 400, "BAD_REQUEST",
                                 "writeCSVUrl needs ?name=NAME: 1–256 characters of valid UTF-8, no control characters");
  existing = lightly_local_service_get_embedding_by_name (r->self->backend, r->dataset->id, name, &error);
  if (existing != NULL)
    return routes_respond_error (r->resp, 409, "EMBEDDING_NAME_EXISTS",
                                 "Dataset %s has an embedding named “%s” already: use it or pick another name",
                                 r->dataset->id, name);
  if (!g_error_matches (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND))
    return routes_respond_gerror (r->resp, error, "EMBEDDING_UNKNOWN", NULL);
  g_clear_error (&error);

  promised = lightly_local_service_new_id ();
  cap = routes_new_capability (r->self, CAP_CSV_WRITE, r->dataset->id, name, promised, &error);
  if (cap == NULL)
    return routes_respond_gerror (r->resp, error, NULL, NULL);
  base = routes_request_base_url (r->self, r->req);
  url = g_strdup_printf ("%s/upload/embeddings/%s", base, cap);
  o = json_object_new ();
  json_object_set_string_member (o, "signedWriteUrl", url);
  json_object_set_string_member (o, "embeddingId", promised);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  routes_respond_take_node (r->resp, node);
}

void
route_read_csv_url (Route *r)
{
  g_autoptr(LightlyStoreEmbedding) embedding = routes_require_embedding (r, r->seg[3]);
  g_autoptr(GError) error = NULL;
  g_autofree char *cap = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;

  if (embedding == NULL)
    return;
  cap = routes_new_capability (r->self, CAP_CSV_READ, r->dataset->id, NULL, embedding->id, &error);
  if (cap == NULL)
    return routes_respond_gerror (r->resp, error, NULL, NULL);
  base = routes_request_base_url (r->self, r->req);
  url = g_strdup_printf ("%s/download/embeddings/%s", base, cap);
  routes_respond_scalar_string (r->resp, url);
}

void
route_trigger_2d (Route *r)
{
  g_autoptr(LightlyStoreEmbedding) embedding = routes_require_embedding (r, r->seg[3]);

  /* Accepted and ignored (§12): lightly-glib computes no 2-d embeddings. */
  if (embedding != NULL)
    routes_respond_json_string (r->resp, 200, g_string_new ("{}"));
}

/* E3: the signed-URL PUT. Answers exactly 200 on success (§2.7). */
void
route_put_embeddings_csv (LightlyServerRoutes      *self,
                          const LightlyHttpRequest *req,
                          LightlyHttpResponse      *resp,
                          const char               *hex,
                          GCancellable             *cancellable)
{
  Capability *cap = routes_take_capability (self, hex, CAP_CSV_WRITE, resp);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) input = NULL;
  g_autofree char *stored = NULL;
  JsonObject *o;
  JsonNode *node;

  if (cap == NULL)
    return;
  input = lightly_http_request_open_body (req, &error);
  if (input == NULL)
    {
      routes_capability_free (cap);
      return routes_respond_spool_error (resp, error);
    }
  stored = lightly_backend_upload_embeddings (self->backend, cap->dataset_id, cap->embedding_name, input,
                                              cancellable, &error);
  if (stored == NULL)
    {
      routes_capability_free (cap);
      return routes_respond_gerror (resp, error, "DATASET_UNKNOWN", "EMBEDDING_NAME_EXISTS");
    }
  routes_add_alias (self, cap->embedding_id, stored);
  o = json_object_new ();
  json_object_set_string_member (o, "embeddingId", cap->embedding_id);
  json_object_set_string_member (o, "storedId", stored);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  routes_respond_take_node (resp, node);
  routes_capability_free (cap);
}

void
route_get_embeddings_csv (LightlyServerRoutes *self,
                          LightlyHttpResponse *resp,
                          const char          *hex)
{
  Capability *cap = routes_take_capability (self, hex, CAP_CSV_READ, resp);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GOutputStream) output = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (cap == NULL)
    return;
  input = lightly_local_service_read_embedding_csv (self->backend, cap->embedding_id, &error);
  routes_capability_free (cap);
  if (input == NULL)
    return routes_respond_gerror (resp, error, "EMBEDDING_UNKNOWN", NULL);
  output = g_memory_output_stream_new_resizable ();
  if (g_output_stream_splice (output, input, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                              G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error) < 0)
    return routes_respond_gerror (resp, error, NULL, NULL);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (output));
  lightly_http_response_set_body (resp, 200, "text/csv", bytes);
}

/* ---------------------------------------------------------------------------
 * Selection and jobs
 * ------------------------------------------------------------------------- */

/* rowCount and nSamples against the dataset. §13 reads nSamples ≥ 1 as
 * the result tag's size: one beyond the dataset cannot be met and would
 * silently select everything, so it is refused, as is a value that is not
 * finite. rowCount is the dataset's size as the client saw it. */
static gboolean
check_sampling_numbers (Route      *r,
                        JsonObject *o,
                        JsonObject *stop)
{
  guint64 n = r->dataset->n_samples;

  if (json_object_has_member (o, "rowCount"))
    {
      double rows = lightly_json_get_number (o, "rowCount", -1);

      /* 0: a caller that left LightlySelectionRequest.row_count unset
       * (lightly_backend_start_selection() always sends the field). */
      if (rows != (double) n && rows != 0)
        {
          routes_respond_error (r->resp, 400, "BAD_REQUEST", "rowCount is %g, but dataset %s has %" G_GUINT64_FORMAT
                                " samples", rows, r->dataset->id, n);
          return FALSE;
        }
    }
  if (stop != NULL && json_object_has_member (stop, "nSamples"))
    {
      double want = lightly_json_get_number (stop, "nSamples", -1);

      if (!isfinite (want) || want > (double) n)
        {
          routes_respond_error (r->resp, 400, "BAD_REQUEST", "nSamples is %g, but dataset %s has %" G_GUINT64_FORMAT
                                " samples: ask for at most that many (or a fraction below 1)",
                                want, r->dataset->id, n);
          return FALSE;
        }
    }
  return TRUE;
}

void
route_sampling (Route *r)
{
  g_autoptr(LightlyStoreEmbedding) embedding = routes_require_embedding (r, r->seg[3]);
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *job_id = NULL;
  LightlySelectionRequest request = { 0 };
  JsonObject *o, *config, *stop = NULL;
  const char *name, *precision;
  JsonObject *out;
  JsonNode *node;

  if (embedding == NULL)
    return;
  body = routes_parse_body (r->req, r->resp, &lightly_json_model_sampling_create_request);
  if (body == NULL)
    return;
  o = json_node_get_object (body);
  config = json_object_get_object_member (o, "config");
  if (json_object_has_member (config, "stoppingCondition"))
    stop = json_object_get_object_member (config, "stoppingCondition");

  request.method = lightly_sampling_method_from_string (lightly_json_get_string (o, "method"), &error);
  if (error != NULL)
    return routes_respond_error (r->resp, 400, "BAD_REQUEST", "%s", error->message);
  /* The tag name, the stopping condition, the scores and the target size
   * are checked by the local backend's start_selection (one place for both
   * roads); the route only maps its errors. */
  name = lightly_json_get_string (o, "newTagName");
  if (!routes_check_name (r->resp, "newTagName", name) || !check_sampling_numbers (r, o, stop))
    return;

  request.n_samples = stop != NULL ? lightly_json_get_number (stop, "nSamples", -1) : -1;
  request.min_distance = stop != NULL ? lightly_json_get_number (stop, "minDistance", -1) : -1;
  request.score_strength = lightly_json_get_number (o, "scoreStrength", 1.0);
  request.seed = (guint64) lightly_json_get_int (o, "seed", 0);
  request.balance = json_object_get_boolean_member_with_default (o, "balance", FALSE);
  precision = lightly_json_get_string (o, "matrixPrecision");
  if (precision != NULL)
    {
      request.matrix_precision = lightly_matrix_precision_from_string (precision, &error);
      if (error != NULL)
        return routes_respond_error (r->resp, 400, "BAD_REQUEST", "matrixPrecision: %s", error->message);
    }
  request.row_count = lightly_json_get_int (o, "rowCount", (gint64) r->dataset->n_samples);
  request.query_tag_id = (char *) lightly_json_get_string (o, "queryTagId");
  request.preselected_tag_id = (char *) lightly_json_get_string (o, "preselectedTagId");
  request.score_type = (char *) lightly_json_get_string (o, "scoreType");
  request.new_tag_name = (char *) name;
  /* Unknown tags are a 404 now, not a job that fails later. */
  if (!routes_check_optional_tag (r, request.query_tag_id) ||
      !routes_check_optional_tag (r, request.preselected_tag_id))
    return;

  job_id = lightly_backend_start_selection (r->self->backend, r->dataset->id,
                                            embedding->id, &request,
                                            r->cancellable, &error);
  if (job_id == NULL)
    return routes_respond_gerror (r->resp, error, "EMBEDDING_UNKNOWN", "TAG_NAME_EXISTS");
  out = json_object_new ();
  json_object_set_string_member (out, "jobId", job_id);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, out);
  routes_respond_take_node (r->resp, node);
}

static gboolean
parse_int_param (const char *value,
                 gint64      min,
                 gint64      max,
                 gint64     *out)
{
  guint64 v;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT64, &v, NULL))
    return FALSE;
  if ((gint64) v < min || (gint64) v > max)
    return FALSE;
  *out = (gint64) v;
  return TRUE;
}

void
route_get_job (LightlyServerRoutes      *self,
               const LightlyHttpRequest *req,
               LightlyHttpResponse      *resp,
               const char               *job_id,
               GCancellable             *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStoreJob) job = NULL;
  const char *wait_param = g_hash_table_lookup (req->query, "waitMs");
  const char *status_param = g_hash_table_lookup (req->query, "knownStatus");
  const char *processed_param = g_hash_table_lookup (req->query, "knownProcessed");
  gint64 wait_ms = 0;

  if (!routes_is_id (job_id))
    return routes_respond_error (resp, 404, "JOB_UNKNOWN", "No job has the id “%s”", job_id);
  if (wait_param != NULL && !parse_int_param (wait_param, 0, LIGHTLY_SERVER_MAX_WAIT_MS, &wait_ms))
    return routes_respond_error (resp, 400, "BAD_REQUEST", "waitMs must be an integer from 0 to %d, not “%s”",
                                 LIGHTLY_SERVER_MAX_WAIT_MS, wait_param);

  job = lightly_local_service_get_job (self->backend, job_id, &error);
  if (job == NULL)
    return routes_respond_gerror (resp, error, "JOB_UNKNOWN", NULL);

  if (wait_ms > 0 && job->status != LIGHTLY_STORE_JOB_FINISHED && job->status != LIGHTLY_STORE_JOB_FAILED)
    {
      /* Long poll (§13): answer when the job differs from what the client
       * last saw (knownStatus/knownProcessed), or from now when it didn't say. */
      LightlyStoreJobStatus known_status = job->status;
      gint64 known_processed = job->processed;
      g_autoptr(LightlyStoreJob) changed = NULL;

      if (status_param != NULL && !lightly_local_service_parse_job_status (status_param, &known_status))
        return routes_respond_error (resp, 400, "BAD_REQUEST", "knownStatus “%s” is not a job state", status_param);
      if (processed_param != NULL && !parse_int_param (processed_param, 0, G_MAXINT64, &known_processed))
        return routes_respond_error (resp, 400, "BAD_REQUEST", "knownProcessed must be an integer ≥ 0");
      changed = lightly_local_service_wait_job (self->backend, job_id, known_status, known_processed, wait_ms,
                                                cancellable, &error);
      if (changed == NULL)
        return routes_respond_gerror (resp, error, "JOB_UNKNOWN", NULL);
      return routes_respond_take_node (resp, lightly_json_encode_job (changed));
    }
  routes_respond_take_node (resp, lightly_json_encode_job (job));
}
