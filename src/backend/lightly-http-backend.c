/* lightly-http-backend.c: the backend seam over the Lightly v1 REST API (private)
 *
 * The seam's methods are blocking and run on the client's worker threads,
 * so this uses libsoup's synchronous sends, one SoupSession per backend, with
 * an explicit I/O timeout. Every response is checked against the model table
 * shared with the server (lightly-json-models.h); anything else is
 * LIGHTLY_ERROR_BAD_RESPONSE naming the endpoint and what came back.
 *
 * Retries: transport errors, 429 (honouring Retry-After) and 5xx are retried
 * with exponential backoff and jitter, but only for requests that are safe
 * to repeat. GETs are; so are P1, T4 and S1, which protocol §13 makes
 * idempotent on our server, and D2, whose 409 after a retry is resolved
 * through D1. Appending samples is not, so it is retried only on 429.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

#include "backend/lightly-http-backend-private.h"
#include "backend/lightly-json-array.h"
#include "backend/lightly-json-models.h"
#include "backend/lightly-json-picks.h"
#include "lightly/lightly-error.h"
#include "lightly/lightly-tag-private.h"
#include "store/lightly-embeddings-csv.h"


static void lightly_http_backend_iface_init (LightlyBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LightlyHttpBackend, lightly_http_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LIGHTLY_TYPE_BACKEND, lightly_http_backend_iface_init))

void
lightly_http_backend_options_init (LightlyHttpBackendOptions *options)
{
  options->timeout_s = 30;
  options->max_attempts = 5;
  options->backoff_ms = 250;
  options->max_backoff_ms = 10000;
  options->long_poll_ms = 10000;
  options->poll_min_ms = 1000;
  options->allow_insecure = FALSE;
}

/* ---------------------------------------------------------------------------
 * Datasets and samples
 * ------------------------------------------------------------------------- */

static GPtrArray *
http_list_datasets (LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_auto(HttpCall) call = { "D1", "GET", g_strdup ("/v1/datasets"), NULL, NULL, NULL, RETRY_IDEMPOTENT,
                            FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = http_model (self, &call, &lightly_json_model_dataset_data, TRUE, cancellable, error);
  GPtrArray *out;
  JsonArray *array;

  if (node == NULL)
    return NULL;
  array = json_node_get_array (node);
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (out, lightly_json_decode_dataset (json_array_get_element (array, i)));
  return out;
}

static char *
http_create_dataset (LightlyBackend *backend, const char *name, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_auto(HttpCall) call = { "D2", "POST", g_strdup ("/v1/datasets"), NULL,
                            http_object_body ("name", name, "type", "Images", "imgType", "full", NULL),
                            "application/json", RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) datasets = NULL;
  char *id;

  id = http_get_created_id (self, &call, cancellable, &local_error);
  if (id != NULL)
    return id;
  /* A 409 after a retry: our first attempt probably created it (§13). */
  if (!g_error_matches (local_error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS) || call.attempts < 2)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  datasets = http_list_datasets (backend, cancellable, error);
  if (datasets == NULL)
    return NULL;
  for (guint i = 0; i < datasets->len; i++)
    if (g_strcmp0 (lightly_dataset_get_name (g_ptr_array_index (datasets, i)), name) == 0)
      return g_strdup (lightly_dataset_get_id (g_ptr_array_index (datasets, i)));
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

static LightlyNames *
http_get_file_names (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = http_escape (dataset_id);
  g_auto(HttpCall) call = { "M1", "GET", g_strdup_printf ("/v1/datasets/%s/mappings", ds),
                            g_strdup ("field=fileName"), NULL, NULL, RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autofree char *context = NULL;
  g_auto(GStrv) names = NULL;
  gsize len = 0, n = 0;
  const char *data;

  if (!http_send (self, &call, cancellable, error))
    return NULL;
  if (!SOUP_STATUS_IS_SUCCESSFUL (call.status))
    {
      http_set_status_error (&call, error);
      return NULL;
    }
  /* Up to millions of names: the streaming codec, no DOM. */
  context = http_call_context (&call);
  data = g_bytes_get_data (call.response, &len);
  names = lightly_json_parse_string_array (data, len, context, &n, error);
  if (names == NULL)
    {
      http_prefix_bad_response (error, &call);
      return NULL;
    }
  return lightly_names_pack ((const char * const *) names, n);
}

static gboolean
http_register_samples (LightlyBackend *backend, const char *dataset_id, GInputStream *csv,
                       GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autoptr(LightlyEmbeddingsCsv) parsed = NULL;
  g_autofree char *ds = http_escape (dataset_id);
  g_autoptr(GError) local_error = NULL;

  parsed = lightly_embeddings_csv_parse (csv, NULL, LIGHTLY_EMBEDDINGS_CSV_MAX_LINE_DEFAULT, cancellable, error);
  if (parsed == NULL)
    return FALSE;

  if (lightly_http_backend_is_lightly_glib (self, cancellable, &local_error))
    {
      GString *json = g_string_sized_new (parsed->n_rows * 24 + 2);
      g_auto(HttpCall) call = { "samples/bulk", "POST", g_strdup_printf ("/v1/datasets/%s/samples/bulk", ds),
                                NULL, NULL, "application/json", RETRY_ON_429, FALSE, 0, 0, NULL };
      g_autoptr(JsonNode) node = NULL;

      lightly_json_append_string_array (json, parsed->names, (gssize) parsed->n_rows);
      call.body = g_string_free_to_bytes (json);
      node = http_json (self, &call, cancellable, error);
      if (node == NULL)
        return FALSE;
      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          lightly_json_get_int (json_node_get_object (node), "nSamples", -1) < (gint64) parsed->n_rows)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE,
                       "samples/bulk POST /v1/datasets/%s/samples/bulk: expected {\"nSamples\": n ≥ %" G_GSIZE_FORMAT "}",
                       dataset_id, parsed->n_rows);
          http_prefix_bad_response (error, &call);
          return FALSE;
        }
      return TRUE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* Other servers: one SampleCreateRequest per sample, in row order. */
  for (gsize i = 0; i < parsed->n_rows; i++)
    {
      g_auto(HttpCall) call = { "samples", "POST", g_strdup_printf ("/v1/datasets/%s/samples", ds), NULL,
                                http_object_body ("fileName", parsed->names[i], NULL), "application/json",
                                RETRY_ON_429, FALSE, 0, 0, NULL };
      g_autofree char *id = http_get_created_id (self, &call, cancellable, error);

      if (id == NULL)
        return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * Tags
 * ------------------------------------------------------------------------- */

static char *
http_create_initial_tag (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable,
                         GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = http_escape (dataset_id);
  g_auto(HttpCall) call = { "T3", "POST", g_strdup_printf ("/v1/datasets/%s/tags/initial", ds), NULL,
                            http_object_body ("imgType", "full", "creator", "USER_PIP", NULL), "application/json",
                            RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };

  return http_get_created_id (self, &call, cancellable, error);
}

static GPtrArray *
http_get_tags (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = http_escape (dataset_id);
  g_auto(HttpCall) call = { "T1", "GET", g_strdup_printf ("/v1/datasets/%s/tags", ds), NULL, NULL, NULL,
                            RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = http_model (self, &call, &lightly_json_model_tag_data, TRUE, cancellable, error);
  JsonArray *array;
  GPtrArray *out;

  if (node == NULL)
    return NULL;
  array = json_node_get_array (node);
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (out, lightly_json_decode_tag (json_array_get_element (array, i)));
  return out;
}

static LightlyTag *
http_get_tag (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
              GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = http_escape (dataset_id);
  g_autofree char *tag = http_escape (tag_id);
  g_auto(HttpCall) call = { "T2", "GET", g_strdup_printf ("/v1/datasets/%s/tags/%s", ds, tag), NULL, NULL,
                            NULL, RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = http_model (self, &call, &lightly_json_model_tag_data, FALSE, cancellable, error);

  return node != NULL ? lightly_json_decode_tag (node) : NULL;
}

static char *
http_create_tag (LightlyBackend *backend, const char *dataset_id, const char *name,
                 const char *bit_mask_hex, const char *prev_tag_id,
                 GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = http_escape (dataset_id);
  g_autoptr(GPtrArray) tags = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();
  const char *prev = prev_tag_id;
  LightlyTag *initial;
  gboolean ours;

  /* totSize is REQUIRED: every tag carries the dataset size (§2.4). */
  tags = http_get_tags (backend, dataset_id, cancellable, error);
  if (tags == NULL)
    return NULL;
  ours = lightly_http_backend_is_lightly_glib (self, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* prevTagId is REQUIRED in 2021; our server takes null (no parent), like
   * the embedded default. Elsewhere the parent is the initial-tag. */
  initial = !ours ? lightly_tag_list_find (tags, "initial-tag") : NULL;
  if (prev == NULL && initial != NULL)
    prev = lightly_tag_get_id (initial);

  json_object_set_string_member (o, "name", name);
  if (prev != NULL)
    json_object_set_string_member (o, "prevTagId", prev);
  else
    json_object_set_null_member (o, "prevTagId");
  json_object_set_string_member (o, "bitMaskData", bit_mask_hex);
  json_object_set_int_member (o, "totSize",
                              tags->len > 0 ? lightly_tag_get_tot_size (g_ptr_array_index (tags, 0)) : 0);
  json_object_set_string_member (o, "creator", "USER_PIP");
  json_node_take_object (body, o);

  {
    g_auto(HttpCall) call = { "T4", "POST", g_strdup_printf ("/v1/datasets/%s/tags", ds), NULL, http_json_body (body),
                              "application/json", RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };

    return http_get_created_id (self, &call, cancellable, error);
  }
}

/* GET /v1/datasets/{datasetId}/tags/{tagId}/lightly-glib/picks, a
 * lightly-glib extension (lightly-json-picks.h). Another server has no such
 * route: its tags have no picks, an empty list, and it is not asked. */
static GPtrArray *
http_get_tag_picks (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                    GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = http_escape (dataset_id);
  g_autofree char *tag = http_escape (tag_id);
  g_auto(HttpCall) call = { "V-lightly-glib-picks", "GET",
                            g_strdup_printf ("/v1/datasets/%s/tags/%s/lightly-glib/picks", ds, tag), NULL, NULL,
                            NULL, RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *context = NULL;

  if (!lightly_http_backend_is_lightly_glib (self, cancellable, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      return g_ptr_array_new_with_free_func ((GDestroyNotify) lightly_pick_free);
    }
  node = http_json (self, &call, cancellable, error);
  if (node == NULL)
    return NULL;
  context = http_call_context (&call);
  return lightly_json_decode_picks (node, context, error);
}

/* DELETE /v1/datasets/{datasetId}/tags/{tagId} (delete_tag_by_tag_id). Not
 * retried on transport errors: a repeat after a lost answer would report
 * NOT_FOUND for a tag that was deleted. */
static gboolean
http_delete_tag (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                 GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = http_escape (dataset_id);
  g_autofree char *tag = http_escape (tag_id);
  g_auto(HttpCall) call = { "tags/delete", "DELETE", g_strdup_printf ("/v1/datasets/%s/tags/%s", ds, tag), NULL, NULL,
                            NULL, RETRY_ON_429, FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *context = NULL;
  gsize len = 0;
  const char *data;

  if (!http_send (self, &call, cancellable, error))
    return FALSE;
  if (!SOUP_STATUS_IS_SUCCESSFUL (call.status))
    {
      http_set_status_error (&call, error);
      return FALSE;
    }
  /* The answer is empty or an object; nothing in it is used. */
  data = g_bytes_get_data (call.response, &len);
  if (len == 0)
    return TRUE;
  context = http_call_context (&call);
  node = lightly_json_parse (data, len, context, LIGHTLY_ERROR_BAD_RESPONSE, error);
  if (node != NULL && !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE,
                   "%s: expected an empty body or a JSON object", context);
      g_clear_pointer (&node, json_node_unref);
    }
  if (node == NULL)
    {
      http_prefix_bad_response (error, &call);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * Embeddings and scores
 * ------------------------------------------------------------------------- */

static GPtrArray *
http_list_embeddings (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable,
                      GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = http_escape (dataset_id);
  g_auto(HttpCall) call = { "E1", "GET", g_strdup_printf ("/v1/datasets/%s/embeddings", ds), NULL, NULL, NULL,
                            RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = http_model (self, &call, &lightly_json_model_dataset_embedding_data, TRUE,
                                         cancellable, error);
  JsonArray *array;
  GPtrArray *out;

  if (node == NULL)
    return NULL;
  array = json_node_get_array (node);
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (out, lightly_json_decode_embedding (json_array_get_element (array, i)));
  return out;
}

static char *
find_embedding (LightlyBackend  *backend,
                const char      *dataset_id,
                const char      *name,
                GCancellable    *cancellable,
                GError         **error)
{
  g_autoptr(GPtrArray) list = http_list_embeddings (backend, dataset_id, cancellable, error);

  if (list == NULL)
    return NULL;
  for (guint i = list->len; i > 0; i--)
    if (g_strcmp0 (lightly_embedding_get_name (g_ptr_array_index (list, i - 1)), name) == 0)
      return g_strdup (lightly_embedding_get_id (g_ptr_array_index (list, i - 1)));
  return NULL;
}

static char *
http_upload_embeddings (LightlyBackend *backend, const char *dataset_id, const char *name,
                        GInputStream *csv, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = http_escape (dataset_id);
  g_autofree char *escaped_name = http_escape (name);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) url_data = NULL;
  g_autoptr(GError) put_error = NULL;
  g_autofree char *found = NULL;
  const char *signed_url, *promised_id;

  if (g_output_stream_splice (mem, csv, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, cancellable, error) < 0)
    return NULL;
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));

  {
    g_auto(HttpCall) call = { "E2", "GET", g_strdup_printf ("/v1/datasets/%s/embeddings/writeCSVUrl", ds),
                              g_strdup_printf ("name=%s", escaped_name), NULL, NULL, RETRY_IDEMPOTENT,
                              FALSE, 0, 0, NULL };

    url_data = http_model (self, &call, &lightly_json_model_write_csv_url_data, FALSE, cancellable, error);
    if (url_data == NULL)
      return NULL;
  }
  signed_url = lightly_json_get_string (json_node_get_object (url_data), "signedWriteUrl");
  promised_id = lightly_json_get_string (json_node_get_object (url_data), "embeddingId");

  {
    /* E3: the signed URL is single-use, so the PUT is not retried; a lost
     * answer is resolved by looking for the embedding below. Like Python's
     * requests.put: no token, no Content-Type, and only 200 is success. */
    g_auto(HttpCall) call = { "E3", "PUT", g_strdup (signed_url), NULL, g_bytes_ref (bytes), NULL,
                              RETRY_NEVER, TRUE, 0, 0, NULL };

    if (!http_send (self, &call, cancellable, &put_error))
      {
        if (g_error_matches (put_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
          {
            g_propagate_error (error, g_steal_pointer (&put_error));
            return NULL;
          }
      }
    else if (call.status != 200)
      http_set_status_error (&call, &put_error);
  }

  found = find_embedding (backend, dataset_id, name, cancellable, error);
  if (found != NULL)
    return g_steal_pointer (&found);
  if (error != NULL && *error != NULL)
    return NULL;
  if (put_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&put_error));
      return NULL;
    }
  /* Servers that list embeddings only once processed: the promised id. */
  return g_strdup (promised_id);
}

static char *
http_upload_scores (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                    const char *score_type, const double *values, gsize n_values,
                    GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = http_escape (dataset_id);
  g_autofree char *tag = http_escape (tag_id);
  GString *json = g_string_sized_new (n_values * 20 + 64);
  g_auto(HttpCall) call = { "S1", "POST", g_strdup_printf ("/v1/datasets/%s/tags/%s/scores", ds, tag), NULL,
                            NULL, "application/json", RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };

  for (gsize i = 0; i < n_values; i++)
    if (!isfinite (values[i]))
      {
        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                     "Score “%s” value %" G_GSIZE_FORMAT " is not finite: JSON cannot carry it", score_type, i);
        g_string_free (json, TRUE);
        return NULL;
      }
  g_string_append (json, "{\"scoreType\":");
  lightly_json_append_string (json, score_type);
  g_string_append (json, ",\"scores\":");
  lightly_json_append_double_array (json, values, n_values);
  g_string_append_c (json, '}');
  call.body = g_string_free_to_bytes (json);
  return http_get_created_id (self, &call, cancellable, error);
}

/* ---------------------------------------------------------------------------
 * Selection and jobs
 * ------------------------------------------------------------------------- */

/* P1 itself. It is idempotent on our server (§13): the same body re-sent
 * after a lost answer gets the same job. */
static char *
post_selection (LightlyHttpBackend            *self,
                const char                    *dataset_id,
                const char                    *embedding_id,
                const LightlySelectionRequest *request,
                GCancellable                  *cancellable,
                GError                       **error)
{
  g_autofree char *ds = http_escape (dataset_id);
  g_autofree char *emb = http_escape (embedding_id);
  g_autofree char *body = lightly_selection_request_to_json (request);
  gsize len = strlen (body);
  g_auto(HttpCall) call = { "P1", "POST", g_strdup_printf ("/v1/datasets/%s/embeddings/%s/sampling", ds, emb),
                            NULL, g_bytes_new_take (g_steal_pointer (&body), len), "application/json",
                            RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = http_model (self, &call, &lightly_json_model_async_task_data, FALSE,
                                         cancellable, error);

  return node != NULL ? g_strdup (lightly_json_get_string (json_node_get_object (node), "jobId")) : NULL;
}

static char *
http_start_selection (LightlyBackend *backend, const char *dataset_id, const char *embedding_id,
                      const LightlySelectionRequest *request, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autoptr(GError) local_error = NULL;

  /* Methods beyond Lightly's 2021 four are lightly-glib extensions (§13,
   * Defaults): another server would fail the job, or run something else
   * under that name. AUTO is resolved by the agent and never sent. */
  if (request->method > LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING &&
      (request->method == LIGHTLY_SAMPLING_METHOD_AUTO ||
       !lightly_http_backend_is_lightly_glib (self, cancellable, &local_error)))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_SUPPORTED,
                   "%s is a lightly-glib method: this server only runs RANDOM, CORESET, "
                   "CORAL and ACTIVE_LEARNING",
                   lightly_sampling_method_to_string (request->method));
      return NULL;
    }
  /* So is class balance: another server would ignore the field and return
   * an unbalanced batch as if it were balanced. */
  if (request->balance && !lightly_http_backend_is_lightly_glib (self, cancellable, NULL))
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_SUPPORTED,
                           "Class balance is a lightly-glib extension: this server would ignore it");
      return NULL;
    }
  /* The matrix precision changes only the speed, never the picks: another
   * server gets the request without it rather than a member it does not
   * know. */
  if (request->matrix_precision != LIGHTLY_MATRIX_PRECISION_FLOAT32 &&
      !lightly_http_backend_is_lightly_glib (self, cancellable, NULL))
    {
      LightlySelectionRequest plain = *request;

      plain.matrix_precision = LIGHTLY_MATRIX_PRECISION_FLOAT32;
      return post_selection (self, dataset_id, embedding_id, &plain, cancellable, error);
    }
  return post_selection (self, dataset_id, embedding_id, request, cancellable, error);
}

static LightlyJob *
get_job_full (LightlyHttpBackend  *self,
              const char          *job_id,
              const char          *extra_query,
              GCancellable        *cancellable,
              GError             **error)
{
  g_autofree char *job = http_escape (job_id);
  g_auto(HttpCall) call = { "J1", "GET", g_strdup_printf ("/v1/jobs/%s", job), g_strdup (extra_query), NULL,
                            NULL, RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = http_model (self, &call, &lightly_json_model_job_status_data, FALSE,
                                         cancellable, error);

  return node != NULL ? lightly_json_decode_job (node) : NULL;
}

static LightlyJob *
http_get_job (LightlyBackend *backend, const char *job_id, GCancellable *cancellable, GError **error)
{
  return get_job_full (LIGHTLY_HTTP_BACKEND (backend), job_id, NULL, cancellable, error);
}

/* Long poll against lightly-glib servers, §2.8 polling elsewhere. Cancel
 * stops following; the server's job continues (§13). */
static LightlyJob *
http_follow_job (LightlyBackend *backend, const char *job_id, LightlyBackendProgress progress,
                 gpointer progress_data, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LightlyJob) last = NULL;
  gboolean long_poll = lightly_http_backend_is_lightly_glib (self, cancellable, &local_error);
  guint wait_ms = MIN (self->options.long_poll_ms, self->options.timeout_s * 1000 / 2);
  guint failures = 0;

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  for (;;)
    {
      g_autofree char *query = NULL;
      g_autoptr(LightlyJob) job = NULL;
      gboolean changed;

      if (last != NULL && long_poll && wait_ms > 0)
        query = g_strdup_printf ("waitMs=%u&knownStatus=%s&knownProcessed=%" G_GUINT64_FORMAT, wait_ms,
                                 lightly_job_status_to_string (lightly_job_get_status (last)),
                                 lightly_job_get_processed (last));
      else if (last != NULL || !long_poll)
        {
          /* §2.8: sleep waitTimeTillNextPoll (first: 1 s), never busy-poll. */
          guint64 ms = last != NULL ? (guint64) lightly_job_get_wait_time_till_next_poll (last) * 1000 : 0;

          if (!http_sleep_ms (MAX (ms, self->options.poll_min_ms), cancellable, error))
            return NULL;
        }

      job = get_job_full (self, job_id, query, cancellable, &local_error);
      if (job == NULL)
        {
          /* Polling tolerates a few failed polls, as the Python client does. */
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
              local_error->domain == LIGHTLY_ERROR || ++failures >= 3)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          g_clear_error (&local_error);
          if (!http_sleep_ms (http_backoff_delay (self, failures), cancellable, error))
            return NULL;
          continue;
        }
      failures = 0;
      changed = last == NULL || lightly_job_get_status (job) != lightly_job_get_status (last) ||
                lightly_job_get_processed (job) != lightly_job_get_processed (last) ||
                lightly_job_get_total (job) != lightly_job_get_total (last);
      if (changed && progress != NULL)
        progress (job, progress_data);
      if (lightly_job_is_done (job))
        return g_steal_pointer (&job);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      g_clear_object (&last);
      last = g_steal_pointer (&job);
    }
}

/* ---------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------- */

static void
lightly_http_backend_iface_init (LightlyBackendInterface *iface)
{
  iface->list_datasets = http_list_datasets;
  iface->create_dataset = http_create_dataset;
  iface->get_file_names = http_get_file_names;
  iface->register_samples = http_register_samples;
  iface->create_initial_tag = http_create_initial_tag;
  iface->get_tags = http_get_tags;
  iface->get_tag = http_get_tag;
  iface->create_tag = http_create_tag;
  iface->list_embeddings = http_list_embeddings;
  iface->upload_embeddings = http_upload_embeddings;
  iface->upload_scores = http_upload_scores;
  iface->start_selection = http_start_selection;
  iface->get_job = http_get_job;
  iface->follow_job = http_follow_job;
  iface->delete_tag = http_delete_tag;
  iface->get_tag_picks = http_get_tag_picks;
}

static void
lightly_http_backend_finalize (GObject *object)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (object);

  g_clear_object (&self->session);
  g_free (self->base);
  if (self->token != NULL)
    {
      explicit_bzero (self->token, strlen (self->token));
      g_free (self->token);
    }
  G_OBJECT_CLASS (lightly_http_backend_parent_class)->finalize (object);
}

static void
lightly_http_backend_class_init (LightlyHttpBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lightly_http_backend_finalize;
}

static void
lightly_http_backend_init (LightlyHttpBackend *self)
{
  self->lightly_glib = -1;
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *bare = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0 || g_str_has_suffix (host, ".localhost"))
    return TRUE;
  bare = host[0] == '[' ? g_strndup (host + 1, strlen (host) - 2) : g_strdup (host);
  address = g_inet_address_new_from_string (bare);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

LightlyBackend *
lightly_http_backend_new (const char                      *location,
                          const char                      *token,
                          const LightlyHttpBackendOptions *options,
                          GError                         **error)
{
  g_autoptr(LightlyHttpBackend) self = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;
  const char *path;

  uri = g_uri_parse (location, G_URI_FLAGS_ENCODED, &local_error);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Server location “%s” is not an http(s):// URL with a host%s%s", location,
                   local_error != NULL ? ": " : "", local_error != NULL ? local_error->message : "");
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Server location “%s” is not http:// or https://", location);
      return NULL;
    }
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL || g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Server location “%s” must not carry a query, fragment or user: give the token separately",
                   location);
      return NULL;
    }

  self = g_object_new (LIGHTLY_TYPE_HTTP_BACKEND, NULL);
  if (options != NULL)
    self->options = *options;
  else
    lightly_http_backend_options_init (&self->options);

  if (token != NULL && *token != '\0' && g_ascii_strcasecmp (scheme, "http") == 0 &&
      !host_is_loopback (g_uri_get_host (uri)) && !self->options.allow_insecure)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INSECURE,
                   "Refusing to send the token over plain http to %s, which is not loopback: use https://, "
                   "or set the client's allow-insecure property (LIGHTLY_ALLOW_INSECURE=1) if the network "
                   "is trusted", g_uri_get_host (uri));
      return NULL;
    }

  path = g_uri_get_path (uri);
  self->base = g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                           g_uri_get_port (uri), "", NULL, NULL);
  if (path != NULL && *path != '\0')
    {
      g_autofree char *joined = g_strconcat (self->base, path[0] == '/' ? "" : "/", path, NULL);

      g_free (self->base);
      self->base = g_steal_pointer (&joined);
    }
  while (g_str_has_suffix (self->base, "/"))
    self->base[strlen (self->base) - 1] = '\0';
  self->token = token != NULL && *token != '\0' ? g_strdup (token) : NULL;
  self->session = soup_session_new_with_options ("timeout", self->options.timeout_s,
                                                 "idle-timeout", 60,
                                                 "user-agent", "lightly-glib/" PACKAGE_VERSION,
                                                 NULL);
  /* A private CA (a self-signed server, a company proxy) instead of the
   * system's trust store. */
  if (g_getenv ("LIGHTLY_CA_FILE") != NULL && *g_getenv ("LIGHTLY_CA_FILE") != '\0')
    {
      /* GTlsFileDatabase wants an absolute path. */
      g_autofree char *ca_file = g_canonicalize_filename (g_getenv ("LIGHTLY_CA_FILE"), NULL);
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (ca_file, &local_error);

      if (database == NULL)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT, "LIGHTLY_CA_FILE %s: %s",
                       g_getenv ("LIGHTLY_CA_FILE"), local_error->message);
          return NULL;
        }
      soup_session_set_tls_database (self->session, database);
    }
  return LIGHTLY_BACKEND (g_steal_pointer (&self));
}
