/* lightly-server-ml-backend.c: a Label Studio ML backend
 *
 * Protocol (Label Studio's ML backend, as documented for its SDK):
 *   GET  /health   {"status":"UP"}                       (public, in routes)
 *   POST /setup    {"project", "schema", …}        → {"model_version"}
 *   POST /predict  {"tasks": [{id, data}], …}       → {"results": [{result, score, model_version}]}
 *   POST /webhook  {"action", "task", "annotation"} → {"status"}
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "server/lightly-server-ml-backend.h"
#include "lightly/lightly-bit-mask.h"
#include "lightly/lightly-dataset.h"
#include "lightly/lightly-error.h"
#include "lightly/lightly-tag.h"

struct _LightlyServerMlBackend
{
  LightlyBackend *backend;
  char *dataset_id;
  char *labeled_tag;
  char *model_version;
  GHashTable *scores;     /* file → double*: the selection priority */
  GMutex lock;            /* serialises the labeled tag's updates */
};

void
lightly_server_ml_backend_free (LightlyServerMlBackend *ml)
{
  if (ml == NULL)
    return;
  g_clear_object (&ml->backend);
  g_free (ml->dataset_id);
  g_free (ml->labeled_tag);
  g_free (ml->model_version);
  g_clear_pointer (&ml->scores, g_hash_table_unref);
  g_mutex_clear (&ml->lock);
  g_free (ml);
}

/* Priority from a `query --json` output: the utility when the pick has one,
 * else from the rank, 1 for the first pick down towards 0. */
static gboolean
load_picks (LightlyServerMlBackend  *ml,
            const char              *path,
            GError                 **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *added;
  guint n;

  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;
  root = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ?
    json_node_get_object (json_parser_get_root (parser)) : NULL;
  if (root == NULL || !json_object_has_member (root, "added") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "added")))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: not the output of “lightly-al query --json” (no “added” list)", path);
      return FALSE;
    }
  added = json_object_get_array_member (root, "added");
  n = json_array_get_length (added);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (added, i);
      JsonObject *pick = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *file = pick != NULL ? json_object_get_string_member_with_default (pick, "file", NULL) : NULL;
      gint64 rank = pick != NULL ? json_object_get_int_member_with_default (pick, "rank", i + 1) : 0;
      double *score;

      if (file == NULL)
        continue;
      /* The priority is the rank, not the utility: utilities of different
       * strategies (a distance, a score, a typicality) share no scale, and
       * Label Studio sorts by this number. */
      score = g_new (double, 1);
      *score = (double) (n - (guint) CLAMP (rank, 1, n) + 1) / n;
      g_hash_table_replace (ml->scores, g_strdup (file), score);
    }
  if (json_object_get_string_member_with_default (root, "tag", NULL) != NULL)
    {
      g_free (ml->model_version);
      ml->model_version = g_strdup_printf ("lightly-glib %s", json_object_get_string_member (root, "tag"));
    }
  return TRUE;
}

LightlyServerMlBackend *
lightly_server_ml_backend_new (LightlyBackend  *backend,
                               const char      *dataset,
                               const char      *picks,
                               const char      *labeled_tag,
                               GError         **error)
{
  g_autoptr(LightlyServerMlBackend) ml = g_new0 (LightlyServerMlBackend, 1);
  g_autoptr(GPtrArray) datasets = NULL;

  g_mutex_init (&ml->lock);
  ml->backend = g_object_ref (backend);
  ml->labeled_tag = g_strdup (labeled_tag != NULL ? labeled_tag : "label-studio");
  ml->model_version = g_strdup ("lightly-glib");
  ml->scores = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (dataset == NULL)
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "--ml-backend needs --dataset NAME: the dataset Label Studio labels");
      return NULL;
    }
  datasets = lightly_backend_list_datasets (backend, NULL, error);
  if (datasets == NULL)
    return NULL;
  for (guint i = 0; i < datasets->len && ml->dataset_id == NULL; i++)
    {
      LightlyDataset *d = g_ptr_array_index (datasets, i);

      if (g_strcmp0 (lightly_dataset_get_name (d), dataset) == 0 || g_strcmp0 (lightly_dataset_get_id (d), dataset) == 0)
        ml->dataset_id = g_strdup (lightly_dataset_get_id (d));
    }
  if (ml->dataset_id == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND, "--dataset: no dataset named “%s”", dataset);
      return NULL;
    }
  if (picks != NULL && !load_picks (ml, picks, error))
    return NULL;
  return g_steal_pointer (&ml);
}

gboolean
lightly_server_ml_backend_owns (const char *segment)
{
  return g_strcmp0 (segment, "setup") == 0 || g_strcmp0 (segment, "predict") == 0 ||
         g_strcmp0 (segment, "webhook") == 0;
}

static void
respond_json (LightlyHttpResponse *response,
              guint                status,
              JsonNode            *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize length;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  json_node_unref (root);
  bytes = g_bytes_new_take (g_steal_pointer (&text), length);
  lightly_http_response_set_body (response, status, "application/json", bytes);
}

static void
respond_error (LightlyHttpResponse *response,
               guint                status,
               const char          *message)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  respond_json (response, status, json_builder_get_root (b));
  g_free (response->error_code);
  response->error_code = g_strdup ("BAD_REQUEST");
}

/* A task's file: data.lightly_file (our export puts it there), else the
 * image reference's `?d=` path or last segment. */
static char *
task_file (JsonObject *task)
{
  JsonObject *data = task != NULL && json_object_has_member (task, "data") &&
    JSON_NODE_HOLDS_OBJECT (json_object_get_member (task, "data")) ?
    json_object_get_object_member (task, "data") : NULL;
  const char *reference;
  const char *start;
  g_autofree char *raw = NULL;
  char *file;

  if (data == NULL)
    return NULL;
  if (json_object_get_string_member_with_default (data, "lightly_file", NULL) != NULL)
    return g_strdup (json_object_get_string_member (data, "lightly_file"));
  reference = json_object_get_string_member_with_default (data, "image", NULL);
  if (reference == NULL)
    return NULL;
  start = strstr (reference, "?d=") != NULL ? strstr (reference, "?d=") + 3
        : strrchr (reference, '/') != NULL ? strrchr (reference, '/') + 1 : reference;
  raw = g_strndup (start, strcspn (start, "?#&"));
  file = g_uri_unescape_string (raw, NULL);
  return file != NULL ? file : g_steal_pointer (&raw);
}

static JsonObject *
parse_body (const LightlyHttpRequest *request,
            JsonParser               *parser,
            LightlyHttpResponse      *response)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = lightly_http_request_dup_body_bytes (request, &error);
  gsize size;
  const char *data;

  if (body == NULL)
    {
      respond_error (response, 400, error->message);
      return NULL;
    }
  data = g_bytes_get_data (body, &size);
  if (!json_parser_load_from_data (parser, data != NULL ? data : "", (gssize) size, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      respond_error (response, 400, "The body is not a JSON object");
      return NULL;
    }
  return json_node_get_object (json_parser_get_root (parser));
}

static void
handle_predict (LightlyServerMlBackend *ml,
                JsonObject             *body,
                LightlyHttpResponse    *response)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  JsonArray *tasks;

  if (!json_object_has_member (body, "tasks") || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (body, "tasks")))
    return respond_error (response, 400, "/predict needs {\"tasks\": [...]}");
  tasks = json_object_get_array_member (body, "tasks");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "results");
  json_builder_begin_array (b);
  for (guint i = 0; i < json_array_get_length (tasks); i++)
    {
      JsonNode *node = json_array_get_element (tasks, i);
      g_autofree char *file = task_file (JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL);
      const double *score = file != NULL ? g_hash_table_lookup (ml->scores, file) : NULL;

      /* One prediction per task, in order; no regions: the score is the
       * point, the annotator labels from scratch. */
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "model_version");
      json_builder_add_string_value (b, ml->model_version);
      json_builder_set_member_name (b, "score");
      json_builder_add_double_value (b, score != NULL ? *score : 0.0);
      json_builder_set_member_name (b, "result");
      json_builder_begin_array (b);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  respond_json (response, 200, json_builder_get_root (b));
}

/* Adds @file to the labeled tag: the tag is rewritten (deleted and made
 * again under its name), or, when another tag refers to it, continued
 * under a new name. */
static gboolean
mark_labeled (LightlyServerMlBackend  *ml,
              const char              *file,
              char                   **tag_name,
              GError                 **error)
{
  g_autoptr(LightlyNames) names = lightly_backend_get_file_names (ml->backend, ml->dataset_id, NULL, error);
  g_autoptr(GPtrArray) tags = NULL;
  g_autoptr(LightlyBitMask) mask = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *id = NULL;
  LightlyTag *current = NULL;
  guint index = G_MAXUINT;
  g_autofree char *name = NULL;

  if (names == NULL)
    return FALSE;
  for (guint i = 0; i < names->n && index == G_MAXUINT; i++)
    if (strcmp (names->v[i], file) == 0)
      index = i;
  if (index == G_MAXUINT)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                   "“%s” is not a sample of the ML backend's dataset", file);
      return FALSE;
    }
  tags = lightly_backend_get_tags (ml->backend, ml->dataset_id, NULL, error);
  if (tags == NULL)
    return FALSE;
  /* The newest tag named labeled_tag or labeled_tag-N. */
  for (guint i = 0; i < tags->len; i++)
    {
      LightlyTag *t = g_ptr_array_index (tags, i);
      const char *n = lightly_tag_get_name (t);

      if (g_str_has_prefix (n, ml->labeled_tag) &&
          (n[strlen (ml->labeled_tag)] == '\0' || n[strlen (ml->labeled_tag)] == '-') &&
          (current == NULL || lightly_tag_get_created_at (t) >= lightly_tag_get_created_at (current)))
        current = t;
    }
  mask = current != NULL ? lightly_bit_mask_new_from_hex (lightly_tag_get_bit_mask_data (current), error)
                         : lightly_bit_mask_new ();
  if (mask == NULL)
    return FALSE;
  if (current != NULL && lightly_bit_mask_get_bit (mask, index))
    {
      *tag_name = g_strdup (lightly_tag_get_name (current));
      return TRUE;
    }
  lightly_bit_mask_set_bit (mask, index);
  hex = lightly_bit_mask_to_hex (mask);
  name = g_strdup (current != NULL ? lightly_tag_get_name (current) : ml->labeled_tag);
  if (current != NULL && !lightly_backend_delete_tag (ml->backend, ml->dataset_id, lightly_tag_get_id (current),
                                                      NULL, NULL))
    {
      g_free (name);
      name = g_strdup_printf ("%s-%" G_GINT64_FORMAT, ml->labeled_tag, g_get_real_time ());
    }
  id = lightly_backend_create_tag (ml->backend, ml->dataset_id, name, hex, NULL, NULL, error);
  if (id == NULL)
    return FALSE;
  *tag_name = g_steal_pointer (&name);
  return TRUE;
}

static void
handle_webhook (LightlyServerMlBackend *ml,
                JsonObject             *body,
                LightlyHttpResponse    *response)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const char *action = json_object_get_string_member_with_default (body, "action", "");
  JsonObject *task = json_object_has_member (body, "task") &&
    JSON_NODE_HOLDS_OBJECT (json_object_get_member (body, "task")) ?
    json_object_get_object_member (body, "task") : NULL;
  JsonObject *annotation = json_object_has_member (body, "annotation") &&
    JSON_NODE_HOLDS_OBJECT (json_object_get_member (body, "annotation")) ?
    json_object_get_object_member (body, "annotation") : NULL;
  g_autofree char *file = NULL;
  g_autofree char *tag = NULL;
  g_autoptr(GError) error = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  /* Only new or changed annotations that were not skipped label a file;
   * other events (projects, deletions) are acknowledged and ignored. */
  if ((g_strcmp0 (action, "ANNOTATION_CREATED") != 0 && g_strcmp0 (action, "ANNOTATION_UPDATED") != 0) ||
      (annotation != NULL && json_object_get_boolean_member_with_default (annotation, "was_cancelled", FALSE)))
    {
      json_builder_add_string_value (b, "ignored");
      json_builder_end_object (b);
      return respond_json (response, 200, json_builder_get_root (b));
    }
  file = task_file (task);
  if (file == NULL)
    return respond_error (response, 400, "The webhook's task has no data.image or data.lightly_file");
  g_mutex_lock (&ml->lock);
  if (!mark_labeled (ml, file, &tag, &error))
    {
      g_mutex_unlock (&ml->lock);
      return respond_error (response, g_error_matches (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND) ? 404 : 500,
                            error->message);
    }
  g_mutex_unlock (&ml->lock);
  json_builder_add_string_value (b, "ok");
  json_builder_set_member_name (b, "tag");
  json_builder_add_string_value (b, tag);
  json_builder_end_object (b);
  respond_json (response, 200, json_builder_get_root (b));
}

void
lightly_server_ml_backend_handle (LightlyServerMlBackend   *ml,
                                  const char               *segment,
                                  const LightlyHttpRequest *request,
                                  LightlyHttpResponse      *response)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *body;

  if (g_strcmp0 (request->method, "POST") != 0)
    {
      lightly_http_response_set_header (response, "Allow", "POST");
      return respond_error (response, 405, "This ML-backend route answers POST");
    }
  body = parse_body (request, parser, response);
  if (body == NULL)
    return;
  if (strcmp (segment, "predict") == 0)
    return handle_predict (ml, body, response);
  if (strcmp (segment, "webhook") == 0)
    return handle_webhook (ml, body, response);

  {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "model_version");
    json_builder_add_string_value (b, ml->model_version);
    json_builder_end_object (b);
    respond_json (response, 200, json_builder_get_root (b));
  }
}
