/* lightly-json-models.c: the wire models of protocol §2.2, in one table (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "backend/lightly-json-models.h"
#include "lightly/lightly-bit-mask.h"

#define F(n, t, r) { n, LIGHTLY_JSON_##t, r, NULL, NULL }
#define FM(n, t, r, m) { n, LIGHTLY_JSON_##t, r, &m, NULL }
#define FE(n, r, v) { n, LIGHTLY_JSON_ENUM, r, NULL, v }
#define MODEL(var, wire_name, fields) \
  const LightlyJsonModel var = { wire_name, fields, G_N_ELEMENTS (fields) }

static const char * const job_states[] = { "UNKNOWN", "WAITING", "RUNNING", "FAILED", "FINISHED", NULL };
static const char * const job_result_types[] = { "DATASET_PROCESSING", "SAMPLING", "IMAGEMETA",
                                                 "EMBEDDINGS2D", "EMBEDDING", NULL };
static const char * const arithmetics_ops[] = { "UNION", "INTERSECTION", "DIFFERENCE", NULL };
static const char * const img_types[] = { "full", "thumbnail", "meta", NULL };

/* ---- Responses ---------------------------------------------------------- */

static const LightlyJsonField tag_data_fields[] = {
  F ("id", ID, TRUE),
  F ("datasetId", ID, TRUE),
  F ("prevTagId", ID_OR_NULL, FALSE),
  F ("queryTagId", ID_OR_NULL, FALSE),
  F ("preselectedTagId", ID_OR_NULL, FALSE),
  F ("name", STRING, TRUE),
  F ("bitMaskData", BITMASK, TRUE),
  F ("totSize", COUNT, TRUE),
  F ("createdAt", COUNT, TRUE),
  F ("lastModifiedAt", COUNT, FALSE),
  F ("changes", ANY, FALSE),
  F ("creator", STRING, FALSE),
};
MODEL (lightly_json_model_tag_data, "TagData", tag_data_fields);

static const LightlyJsonField job_status_meta_fields[] = {
  F ("total", COUNT, TRUE),
  F ("processed", COUNT, TRUE),
};
MODEL (lightly_json_model_job_status_meta, "JobStatusMeta", job_status_meta_fields);

static const LightlyJsonField job_status_data_result_fields[] = {
  FE ("type", TRUE, job_result_types),
  F ("data", ANY, FALSE),
};
MODEL (lightly_json_model_job_status_data_result, "JobStatusDataResult", job_status_data_result_fields);

static const LightlyJsonField job_status_data_fields[] = {
  F ("id", ID, TRUE),
  F ("datasetId", ID, FALSE),
  FE ("status", TRUE, job_states),
  FM ("meta", OBJECT, FALSE, lightly_json_model_job_status_meta),
  /* Seconds; the Python mocks send 0.001, so any number. */
  F ("waitTimeTillNextPoll", NUMBER, TRUE),
  F ("createdAt", COUNT, TRUE),
  F ("finishedAt", COUNT, FALSE),
  F ("error", STRING, FALSE),
  FM ("result", OBJECT, FALSE, lightly_json_model_job_status_data_result),
};
MODEL (lightly_json_model_job_status_data, "JobStatusData", job_status_data_fields);

static const LightlyJsonField async_task_data_fields[] = {
  F ("jobId", ID, TRUE),
};
MODEL (lightly_json_model_async_task_data, "AsyncTaskData", async_task_data_fields);

static const LightlyJsonField create_entity_response_fields[] = {
  F ("id", ID, TRUE),
};
MODEL (lightly_json_model_create_entity_response, "CreateEntityResponse", create_entity_response_fields);

static const LightlyJsonField dataset_data_fields[] = {
  F ("id", ID, TRUE),
  F ("name", STRING, TRUE),
  F ("type", STRING, TRUE),
  F ("imgType", STRING, FALSE),
  F ("nSamples", COUNT, TRUE),
  F ("sizeInBytes", COUNT, TRUE),
  F ("createdAt", COUNT, TRUE),
  F ("lastModifiedAt", COUNT, TRUE),
  F ("metaDataConfigurationId", ID_OR_NULL, FALSE),
};
MODEL (lightly_json_model_dataset_data, "DatasetData", dataset_data_fields);

static const LightlyJsonField dataset_embedding_data_fields[] = {
  F ("id", ID, TRUE),
  F ("name", STRING, TRUE),
  F ("isProcessed", BOOL, TRUE),
  F ("createdAt", COUNT, TRUE),
  F ("is2d", BOOL, FALSE),
};
MODEL (lightly_json_model_dataset_embedding_data, "DatasetEmbeddingData", dataset_embedding_data_fields);

static const LightlyJsonField write_csv_url_data_fields[] = {
  F ("signedWriteUrl", ID, TRUE),
  F ("embeddingId", ID, TRUE),
};
MODEL (lightly_json_model_write_csv_url_data, "WriteCSVUrlData", write_csv_url_data_fields);

static const LightlyJsonField tag_bit_mask_response_fields[] = {
  F ("bitMaskData", BITMASK, TRUE),
};
MODEL (lightly_json_model_tag_bit_mask_response, "TagBitMaskResponse", tag_bit_mask_response_fields);

static const LightlyJsonField active_learning_score_data_fields[] = {
  F ("id", ID, TRUE),
  F ("tagId", ID, TRUE),
  F ("scoreType", STRING, TRUE),
  F ("scores", ARRAY, TRUE),
  F ("createdAt", COUNT, TRUE),
};
MODEL (lightly_json_model_active_learning_score_data, "ActiveLearningScoreData",
       active_learning_score_data_fields);

static const LightlyJsonField tag_active_learning_scores_data_fields[] = {
  F ("id", ID, TRUE),
  F ("tagId", ID, TRUE),
  F ("scoreType", STRING, TRUE),
  F ("createdAt", COUNT, TRUE),
};
MODEL (lightly_json_model_tag_active_learning_scores_data, "TagActiveLearningScoresData",
       tag_active_learning_scores_data_fields);

static const LightlyJsonField sample_data_fields[] = {
  F ("id", ID, TRUE),
  F ("datasetId", ID, FALSE),
  F ("fileName", STRING, TRUE),
  F ("thumbName", STRING, FALSE),
  F ("exif", ANY, FALSE),
  F ("metaData", ANY, FALSE),
  F ("index", COUNT, FALSE),
  F ("createdAt", COUNT, FALSE),
  F ("lastModifiedAt", COUNT, FALSE),
};
MODEL (lightly_json_model_sample_data, "SampleData", sample_data_fields);

static const LightlyJsonField sample_write_urls_fields[] = {
  F ("full", ID, TRUE),
  F ("thumb", ID, TRUE),
};
MODEL (lightly_json_model_sample_write_urls, "SampleWriteUrls", sample_write_urls_fields);

static const LightlyJsonField api_error_response_fields[] = {
  F ("code", STRING, TRUE),
  F ("message", STRING, TRUE),
};
MODEL (lightly_json_model_api_error_response, "ApiErrorResponse", api_error_response_fields);

/* ---- Requests ---------------------------------------------------------- */

static const LightlyJsonField dataset_create_request_fields[] = {
  F ("name", STRING, TRUE),
  F ("type", STRING, FALSE),
  F ("imgType", STRING, FALSE),
};
MODEL (lightly_json_model_dataset_create_request, "DatasetCreateRequest", dataset_create_request_fields);

static const LightlyJsonField tag_create_request_fields[] = {
  F ("name", STRING, TRUE),
  /* REQUIRED in the 2021 model; our server also takes null (no parent). */
  F ("prevTagId", ID_OR_NULL, FALSE),
  F ("bitMaskData", BITMASK, TRUE),
  F ("totSize", COUNT, TRUE),
  F ("creator", STRING, FALSE),
  F ("changes", ANY, FALSE),
  F ("queryTagId", ID_OR_NULL, FALSE),
  F ("preselectedTagId", ID_OR_NULL, FALSE),
};
MODEL (lightly_json_model_tag_create_request, "TagCreateRequest", tag_create_request_fields);

static const LightlyJsonField initial_tag_create_request_fields[] = {
  F ("name", STRING, FALSE),
  F ("creator", STRING, FALSE),
  FE ("imgType", FALSE, img_types),
};
MODEL (lightly_json_model_initial_tag_create_request, "InitialTagCreateRequest",
       initial_tag_create_request_fields);

static const LightlyJsonField stopping_condition_fields[] = {
  F ("nSamples", NUMBER, FALSE),
  F ("minDistance", NUMBER, FALSE),
};
MODEL (lightly_json_model_stopping_condition, "SamplingConfigStoppingCondition", stopping_condition_fields);

static const LightlyJsonField sampling_config_fields[] = {
  FM ("stoppingCondition", OBJECT, FALSE, lightly_json_model_stopping_condition),
};
MODEL (lightly_json_model_sampling_config, "SamplingConfig", sampling_config_fields);

static const LightlyJsonField sampling_create_request_fields[] = {
  F ("newTagName", STRING, TRUE),
  /* A string, not an enum: methods beyond the 2021 four are extensions
   * (§13 Defaults); the server checks the name itself. */
  F ("method", STRING, TRUE),
  FM ("config", OBJECT, TRUE, lightly_json_model_sampling_config),
  F ("preselectedTagId", ID_OR_NULL, FALSE),
  F ("queryTagId", ID_OR_NULL, FALSE),
  F ("rowCount", NUMBER, FALSE),
  F ("scoreType", STRING, FALSE),
  F ("scoreStrength", NUMBER, FALSE),
  F ("seed", COUNT, FALSE),
  /* lightly-glib extension: per-class quotas (protocol.md §13). */
  F ("balance", BOOL, FALSE),
  /* lightly-glib extension: FLOAT32, FLOAT16 or BFLOAT16 (protocol.md §13);
   * the route parses the name, so a bad one gets a message that lists them. */
  F ("matrixPrecision", STRING, FALSE),
};
MODEL (lightly_json_model_sampling_create_request, "SamplingCreateRequest", sampling_create_request_fields);

static const LightlyJsonField tag_arithmetics_request_fields[] = {
  F ("tagId1", ID, TRUE),
  F ("tagId2", ID, TRUE),
  FE ("operation", TRUE, arithmetics_ops),
  F ("newTagName", STRING, FALSE),
  F ("creator", STRING, FALSE),
};
MODEL (lightly_json_model_tag_arithmetics_request, "TagArithmeticsRequest", tag_arithmetics_request_fields);

static const LightlyJsonField sample_create_request_fields[] = {
  F ("fileName", STRING, TRUE),
  F ("thumbName", STRING, FALSE),
  F ("exif", ANY, FALSE),
  F ("metaData", ANY, FALSE),
};
MODEL (lightly_json_model_sample_create_request, "SampleCreateRequest", sample_create_request_fields);

/* ---------------------------------------------------------------------------
 * Checking
 * ------------------------------------------------------------------------- */

static const char *
node_type_name (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT: return "an object";
    case JSON_NODE_ARRAY: return "an array";
    case JSON_NODE_NULL: return "null";
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING: return "a string";
        case G_TYPE_BOOLEAN: return "a boolean";
        case G_TYPE_INT64: return "an integer";
        case G_TYPE_DOUBLE: return "a number";
        default: return "a value";
        }
    default: return "something else";
    }
}

static const char *
type_name (LightlyJsonType type)
{
  switch (type)
    {
    case LIGHTLY_JSON_STRING: return "a string";
    case LIGHTLY_JSON_ID: return "a non-empty string";
    case LIGHTLY_JSON_ID_OR_NULL: return "a non-empty string or null";
    case LIGHTLY_JSON_INT: return "an integer";
    case LIGHTLY_JSON_COUNT: return "an integer ≥ 0";
    case LIGHTLY_JSON_NUMBER: return "a number";
    case LIGHTLY_JSON_BOOL: return "a boolean";
    case LIGHTLY_JSON_OBJECT: return "an object";
    case LIGHTLY_JSON_ANY: return "any value";
    case LIGHTLY_JSON_BITMASK: return "a hex bitmask string such as \"0x5\"";
    case LIGHTLY_JSON_ENUM: return "one of the documented names";
    case LIGHTLY_JSON_ARRAY: return "an array";
    default: return "a value";
    }
}

static gboolean
node_is_number (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
         (json_node_get_value_type (node) == G_TYPE_INT64 ||
          json_node_get_value_type (node) == G_TYPE_DOUBLE);
}

static gboolean
node_is_integer (JsonNode *node,
                 gint64   *value)
{
  double d;

  if (!node_is_number (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *value = json_node_get_int (node);
      return TRUE;
    }
  d = json_node_get_double (node);
  if (!isfinite (d) || d != floor (d) || fabs (d) > 9007199254740992.0)
    return FALSE;
  *value = (gint64) d;
  return TRUE;
}

static gboolean
node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean check_model (const LightlyJsonModel *model, JsonNode *node, const char *path,
                             const char *context, LightlyError code, GError **error);

static gboolean
check_field (const LightlyJsonField *field,
             JsonNode               *node,
             const char             *path,
             const char             *context,
             LightlyError            code,
             GError                **error)
{
  gboolean ok = FALSE;
  gint64 i;

  switch (field->type)
    {
    case LIGHTLY_JSON_STRING:
      ok = node_is_string (node);
      break;
    case LIGHTLY_JSON_ID:
      ok = node_is_string (node) && *json_node_get_string (node) != '\0';
      break;
    case LIGHTLY_JSON_ID_OR_NULL:
      ok = JSON_NODE_HOLDS_NULL (node) || (node_is_string (node) && *json_node_get_string (node) != '\0');
      break;
    case LIGHTLY_JSON_INT:
      ok = node_is_integer (node, &i);
      break;
    case LIGHTLY_JSON_COUNT:
      ok = node_is_integer (node, &i) && i >= 0;
      break;
    case LIGHTLY_JSON_NUMBER:
      ok = node_is_number (node) && isfinite (json_node_get_double (node));
      break;
    case LIGHTLY_JSON_BOOL:
      ok = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
      break;
    case LIGHTLY_JSON_OBJECT:
      if (!JSON_NODE_HOLDS_OBJECT (node))
        break;
      return field->model == NULL || check_model (field->model, node, path, context, code, error);
    case LIGHTLY_JSON_ARRAY:
      if (!JSON_NODE_HOLDS_ARRAY (node))
        break;
      if (field->model != NULL)
        {
          JsonArray *array = json_node_get_array (node);

          for (guint k = 0; k < json_array_get_length (array); k++)
            {
              g_autofree char *sub = g_strdup_printf ("%s[%u]", path, k);

              if (!check_model (field->model, json_array_get_element (array, k), sub, context, code, error))
                return FALSE;
            }
        }
      return TRUE;
    case LIGHTLY_JSON_ANY:
      ok = TRUE;
      break;
    case LIGHTLY_JSON_BITMASK:
      if (node_is_string (node))
        {
          g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new_from_hex (json_node_get_string (node), NULL);

          ok = mask != NULL;
        }
      break;
    case LIGHTLY_JSON_ENUM:
      if (node_is_string (node))
        ok = g_strv_contains ((const char * const *) field->values, json_node_get_string (node));
      break;
    default:
      g_assert_not_reached ();
    }

  if (ok)
    return TRUE;
  if (node_is_string (node))
    {
      g_autofree char *shown = g_strndup (json_node_get_string (node), 64);

      g_set_error (error, LIGHTLY_ERROR, code, "%s: field “%s” is \"%s\", expected %s",
                   context, path, shown, type_name (field->type));
    }
  else
    g_set_error (error, LIGHTLY_ERROR, code, "%s: field “%s” is %s, expected %s",
                 context, path, node_type_name (node), type_name (field->type));
  return FALSE;
}

static gboolean
check_model (const LightlyJsonModel  *model,
             JsonNode                *node,
             const char              *path,
             const char              *context,
             LightlyError             code,
             GError                 **error)
{
  JsonObject *object;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      if (path != NULL)
        g_set_error (error, LIGHTLY_ERROR, code, "%s: field “%s” is %s, expected a %s object",
                     context, path, node != NULL ? node_type_name (node) : "missing", model->name);
      else
        g_set_error (error, LIGHTLY_ERROR, code, "%s: expected a %s object, got %s",
                     context, model->name, node != NULL ? node_type_name (node) : "nothing");
      return FALSE;
    }

  object = json_node_get_object (node);
  for (gsize i = 0; i < model->n_fields; i++)
    {
      const LightlyJsonField *field = &model->fields[i];
      JsonNode *member = json_object_get_member (object, field->name);
      g_autofree char *sub = path != NULL ? g_strconcat (path, ".", field->name, NULL)
                                          : g_strdup (field->name);

      if (member == NULL || (JSON_NODE_HOLDS_NULL (member) && field->type != LIGHTLY_JSON_ANY &&
                             field->type != LIGHTLY_JSON_ID_OR_NULL))
        {
          if (field->required)
            {
              g_set_error (error, LIGHTLY_ERROR, code,
                           "%s: the %s lacks the required field “%s”%s",
                           context, model->name, sub, member != NULL ? " (it is null)" : "");
              return FALSE;
            }
          continue;
        }
      if (!check_field (field, member, sub, context, code, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
lightly_json_model_check (const LightlyJsonModel  *model,
                          JsonNode                *node,
                          const char              *context,
                          LightlyError             code,
                          GError                 **error)
{
  return check_model (model, node, NULL, context, code, error);
}

gboolean
lightly_json_model_check_array (const LightlyJsonModel  *model,
                                JsonNode                *node,
                                const char              *context,
                                LightlyError             code,
                                GError                 **error)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, LIGHTLY_ERROR, code, "%s: expected an array of %s, got %s",
                   context, model->name, node != NULL ? node_type_name (node) : "nothing");
      return FALSE;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *path = g_strdup_printf ("[%u]", i);

      if (!check_model (model, json_array_get_element (array, i), path, context, code, error))
        return FALSE;
    }
  return TRUE;
}

/* One pass over the bytes, before json-glib: nesting depth, the number of
 * values, and \u0000 escapes (json-glib keeps the NUL, and every C string
 * read from the tree then stops there, so "ab\u0000cd" would be "ab"). It
 * only counts: malformed documents are json-glib's to report. */
static gboolean
prescan (const char   *data,
         gsize         len,
         const char   *context,
         LightlyError  code,
         GError      **error)
{
  guint depth = 0;
  guint64 values = 0;
  gboolean in_string = FALSE;
  gsize key_start = 0, key_len = 0, string_start = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '"')
            {
              in_string = FALSE;
              /* Remember it in case a ':' makes it a key. */
              key_start = string_start;
              key_len = i - string_start;
            }
          else if (c == '\\' && i + 1 < len)
            {
              if (data[i + 1] == 'u' && i + 5 < len && memcmp (data + i + 2, "0000", 4) == 0)
                {
                  if (key_len > 0 && key_len < 64)
                    g_set_error (error, LIGHTLY_ERROR, code, "%s: the string after “%.*s” holds \\u0000 (a NUL "
                                 "character) at byte %" G_GSIZE_FORMAT ", which no field may contain", context,
                                 (int) key_len, data + key_start, i);
                  else
                    g_set_error (error, LIGHTLY_ERROR, code, "%s: a string holds \\u0000 (a NUL character) at "
                                 "byte %" G_GSIZE_FORMAT ", which no field may contain", context, i);
                  return FALSE;
                }
              i++;
            }
          continue;
        }
      switch (c)
        {
        case '"':
          in_string = TRUE;
          string_start = i + 1;
          values++;
          break;
        case '[':
        case '{':
          if (++depth > LIGHTLY_JSON_MAX_DEPTH)
            {
              g_set_error (error, LIGHTLY_ERROR, code, "%s: the document is nested deeper than %d arrays or "
                           "objects (at byte %" G_GSIZE_FORMAT ")", context, LIGHTLY_JSON_MAX_DEPTH, i);
              return FALSE;
            }
          values++;
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        case ',':
          values++;
          break;
        case ':':
          /* The string before was a key, not a value. */
          if (values > 0)
            values--;
          break;
        default:
          break;
        }
      if (values > LIGHTLY_JSON_MAX_TOKENS)
        {
          g_set_error (error, LIGHTLY_ERROR, code, "%s: the document holds more than %d values, the most a "
                       "request or answer of this kind may hold", context, LIGHTLY_JSON_MAX_TOKENS);
          return FALSE;
        }
    }
  return TRUE;
}

JsonNode *
lightly_json_parse (const char    *data,
                    gsize          len,
                    const char    *context,
                    LightlyError   code,
                    GError       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  /* json-glib takes a gssize; NUL bytes inside would truncate silently. */
  if (len > G_MAXSSIZE || (len > 0 && memchr (data, '\0', len) != NULL))
    {
      g_set_error (error, LIGHTLY_ERROR, code, "%s: the body is not JSON (it holds a NUL byte)", context);
      return NULL;
    }
  if (!g_utf8_validate_len (data, len, NULL))
    {
      g_set_error (error, LIGHTLY_ERROR, code, "%s: the body is not valid UTF-8", context);
      return NULL;
    }
  if (!prescan (data, len, context, code, error))
    return NULL;
  if (!json_parser_load_from_data (parser, data != NULL ? data : "", (gssize) len, &local_error))
    {
      g_set_error (error, LIGHTLY_ERROR, code, "%s: the body is not valid JSON: %s",
                   context, local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, code, "%s: the body is empty, expected JSON", context);
      return NULL;
    }
  return json_node_ref (root);
}

char *
lightly_json_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

const char *
lightly_json_get_string (JsonObject *object,
                         const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && node_is_string (node) ? json_node_get_string (node) : NULL;
}

gint64
lightly_json_get_int (JsonObject *object,
                      const char *member,
                      gint64      default_value)
{
  JsonNode *node = json_object_get_member (object, member);
  gint64 v;

  return node != NULL && node_is_integer (node, &v) ? v : default_value;
}

double
lightly_json_get_number (JsonObject *object,
                         const char *member,
                         double      default_value)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && node_is_number (node) ? json_node_get_double (node) : default_value;
}

/* ---------------------------------------------------------------------------
 * Decoders
 * ------------------------------------------------------------------------- */

LightlyTag *
lightly_json_decode_tag (JsonNode *node)
{
  JsonObject *o = json_node_get_object (node);
  g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new_from_hex (lightly_json_get_string (o, "bitMaskData"), NULL);
  g_autofree char *hex = lightly_bit_mask_to_hex (mask);

  return lightly_tag_new_internal (lightly_json_get_string (o, "id"),
                                   lightly_json_get_string (o, "datasetId"),
                                   lightly_json_get_string (o, "name"),
                                   hex != NULL ? g_ref_string_new (hex) : NULL,
                                   (guint) CLAMP (lightly_json_get_int (o, "totSize", 0), 0, G_MAXUINT),
                                   lightly_json_get_string (o, "prevTagId"),
                                   lightly_json_get_string (o, "queryTagId"),
                                   lightly_json_get_string (o, "preselectedTagId"),
                                   lightly_json_get_string (o, "creator"),
                                   lightly_json_get_int (o, "createdAt", 0));
}

LightlyJob *
lightly_json_decode_job (JsonNode *node)
{
  JsonObject *o = json_node_get_object (node);
  JsonObject *meta = NULL;
  JsonObject *result = NULL;
  const char *result_tag_id = NULL;
  LightlyJobStatus status = LIGHTLY_JOB_STATUS_UNKNOWN;
  double wait;

  if (json_object_get_member (o, "meta") != NULL && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "meta")))
    meta = json_object_get_object_member (o, "meta");
  if (json_object_get_member (o, "result") != NULL &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "result")))
    result = json_object_get_object_member (o, "result");
  if (result != NULL)
    result_tag_id = lightly_json_get_string (result, "data");
  lightly_job_status_parse (lightly_json_get_string (o, "status"), &status);
  wait = lightly_json_get_number (o, "waitTimeTillNextPoll", 1);

  return lightly_job_new_internal (lightly_json_get_string (o, "id"), status,
                                   meta != NULL ? (guint64) MAX (lightly_json_get_int (meta, "processed", 0), 0) : 0,
                                   meta != NULL ? (guint64) MAX (lightly_json_get_int (meta, "total", 0), 0) : 0,
                                   lightly_json_get_string (o, "error"),
                                   result_tag_id,
                                   lightly_json_get_int (o, "createdAt", 0),
                                   lightly_json_get_int (o, "finishedAt", 0),
                                   (gint) CLAMP (ceil (wait), 0, 3600));
}

LightlyDataset *
lightly_json_decode_dataset (JsonNode *node)
{
  JsonObject *o = json_node_get_object (node);

  return lightly_dataset_new_internal (lightly_json_get_string (o, "id"),
                                       lightly_json_get_string (o, "name"),
                                       (guint) CLAMP (lightly_json_get_int (o, "nSamples", 0), 0, G_MAXUINT),
                                       lightly_json_get_int (o, "createdAt", 0),
                                       lightly_json_get_int (o, "lastModifiedAt", 0));
}

LightlyEmbedding *
lightly_json_decode_embedding (JsonNode *node)
{
  JsonObject *o = json_node_get_object (node);

  return lightly_embedding_new_internal (lightly_json_get_string (o, "id"),
                                         lightly_json_get_string (o, "name"),
                                         json_object_get_boolean_member_with_default (o, "isProcessed", FALSE),
                                         lightly_json_get_int (o, "createdAt", 0));
}

/* ---------------------------------------------------------------------------
 * Encoders
 * ------------------------------------------------------------------------- */

static void
set_nullable_string (JsonObject *o,
                     const char *member,
                     const char *value)
{
  if (value != NULL)
    json_object_set_string_member (o, member, value);
  else
    json_object_set_null_member (o, member);
}

static JsonNode *
node_for_object (JsonObject *o)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, o);
  return node;
}

JsonNode *
lightly_json_encode_tag (const LightlyStoreTag *t)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "id", t->id);
  json_object_set_string_member (o, "datasetId", t->dataset_id);
  set_nullable_string (o, "prevTagId", t->prev_tag_id);
  if (t->query_tag_id != NULL)
    json_object_set_string_member (o, "queryTagId", t->query_tag_id);
  if (t->preselected_tag_id != NULL)
    json_object_set_string_member (o, "preselectedTagId", t->preselected_tag_id);
  json_object_set_string_member (o, "name", t->name);
  json_object_set_string_member (o, "bitMaskData", t->bitmask_hex);
  json_object_set_int_member (o, "totSize", (gint64) t->tot_size);
  json_object_set_int_member (o, "createdAt", t->created_at);
  json_object_set_int_member (o, "lastModifiedAt", t->created_at);
  json_object_set_object_member (o, "changes", json_object_new ());
  if (t->creator != NULL)
    json_object_set_string_member (o, "creator", t->creator);
  return node_for_object (o);
}

JsonNode *
lightly_json_encode_dataset (const LightlyStoreDataset *d)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "id", d->id);
  json_object_set_string_member (o, "name", d->name);
  json_object_set_string_member (o, "type", "Images");
  json_object_set_string_member (o, "imgType", "full");
  json_object_set_int_member (o, "nSamples", (gint64) d->n_samples);
  json_object_set_int_member (o, "sizeInBytes", 0);
  json_object_set_int_member (o, "createdAt", d->created_at);
  json_object_set_int_member (o, "lastModifiedAt", d->last_modified_at);
  return node_for_object (o);
}

JsonNode *
lightly_json_encode_embedding (const LightlyStoreEmbedding *e)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "id", e->id);
  json_object_set_string_member (o, "name", e->name);
  json_object_set_boolean_member (o, "isProcessed", TRUE);
  json_object_set_int_member (o, "createdAt", e->created_at);
  json_object_set_boolean_member (o, "is2d", FALSE);
  return node_for_object (o);
}

JsonNode *
lightly_json_encode_job (const LightlyStoreJob *j)
{
  JsonObject *o = json_object_new ();
  JsonObject *meta = json_object_new ();
  gboolean done = j->status == LIGHTLY_STORE_JOB_FINISHED || j->status == LIGHTLY_STORE_JOB_FAILED;

  json_object_set_string_member (o, "id", j->id);
  json_object_set_string_member (o, "datasetId", j->dataset_id);
  json_object_set_string_member (o, "status", lightly_store_job_status_to_string (j->status));
  json_object_set_int_member (meta, "total", MAX (j->total, 0));
  json_object_set_int_member (meta, "processed", MAX (j->processed, 0));
  json_object_set_object_member (o, "meta", meta);
  /* ≥ 1 while running: 0 would make the Python client poll in a busy loop. */
  json_object_set_int_member (o, "waitTimeTillNextPoll", done ? 0 : 1);
  json_object_set_int_member (o, "createdAt", j->created_at);
  if (j->finished_at > 0)
    json_object_set_int_member (o, "finishedAt", j->finished_at);
  if (j->status == LIGHTLY_STORE_JOB_FAILED)
    json_object_set_string_member (o, "error", j->error_message != NULL ? j->error_message : "failed");
  if (j->status == LIGHTLY_STORE_JOB_FINISHED && j->result_tag_id != NULL)
    {
      JsonObject *result = json_object_new ();

      json_object_set_string_member (result, "type", "SAMPLING");
      json_object_set_string_member (result, "data", j->result_tag_id);
      json_object_set_object_member (o, "result", result);
    }
  return node_for_object (o);
}

JsonNode *
lightly_json_encode_score_info (const LightlyStoreScore *s)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "id", s->id);
  json_object_set_string_member (o, "tagId", s->tag_id);
  json_object_set_string_member (o, "scoreType", s->score_type);
  json_object_set_int_member (o, "createdAt", s->created_at);
  return node_for_object (o);
}

JsonNode *
lightly_json_encode_id (const char *id)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "id", id);
  return node_for_object (o);
}

JsonNode *
lightly_json_encode_error (const char *code,
                           const char *message)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "code", code);
  json_object_set_string_member (o, "message", message);
  return node_for_object (o);
}
