/* lightly-json-models.h: the wire models of protocol §2.2, in one table (private)
 *
 * Each model lists its camelCase fields, their JSON types and whether they
 * are REQUIRED. The same table checks what the http backend receives
 * (→ LIGHTLY_ERROR_BAD_RESPONSE) and what the server receives
 * (→ LIGHTLY_ERROR_INVALID_INPUT), and the server's encoders below are
 * checked against it by the tests, so client and server cannot drift apart.
 *
 * Small objects go through json-glib; large arrays through
 * lightly-json-array.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "lightly/lightly-error.h"
#include "lightly/lightly-dataset-private.h"
#include "lightly/lightly-embedding-private.h"
#include "lightly/lightly-job-private.h"
#include "lightly/lightly-tag-private.h"
#include "store/lightly-store.h"

G_BEGIN_DECLS

typedef enum {
  LIGHTLY_JSON_STRING,          /* any string */
  LIGHTLY_JSON_ID,              /* a non-empty string (MongoObjectID, job id) */
  LIGHTLY_JSON_ID_OR_NULL,      /* an id or null */
  LIGHTLY_JSON_INT,             /* an integer (an integral double is accepted) */
  LIGHTLY_JSON_COUNT,           /* an integer ≥ 0 */
  LIGHTLY_JSON_NUMBER,          /* any finite number */
  LIGHTLY_JSON_BOOL,
  LIGHTLY_JSON_OBJECT,          /* an object; checked against .model when set */
  LIGHTLY_JSON_ANY,             /* any value, null included */
  LIGHTLY_JSON_BITMASK,         /* TagBitMaskData: hex, lenient (§3.1) */
  LIGHTLY_JSON_ENUM,            /* one of .values */
  LIGHTLY_JSON_ARRAY,           /* an array (elements checked against .model when set) */
} LightlyJsonType;

typedef struct _LightlyJsonModel LightlyJsonModel;

typedef struct {
  const char *name;
  LightlyJsonType type;
  gboolean required;
  const LightlyJsonModel *model;
  const char * const *values;
} LightlyJsonField;

struct _LightlyJsonModel {
  const char *name;
  const LightlyJsonField *fields;
  gsize n_fields;
};

/* Responses */
extern const LightlyJsonModel lightly_json_model_tag_data;
extern const LightlyJsonModel lightly_json_model_job_status_data;
extern const LightlyJsonModel lightly_json_model_job_status_meta;
extern const LightlyJsonModel lightly_json_model_job_status_data_result;
extern const LightlyJsonModel lightly_json_model_async_task_data;
extern const LightlyJsonModel lightly_json_model_create_entity_response;
extern const LightlyJsonModel lightly_json_model_dataset_data;
extern const LightlyJsonModel lightly_json_model_dataset_embedding_data;
extern const LightlyJsonModel lightly_json_model_write_csv_url_data;
extern const LightlyJsonModel lightly_json_model_tag_bit_mask_response;
extern const LightlyJsonModel lightly_json_model_active_learning_score_data;
extern const LightlyJsonModel lightly_json_model_tag_active_learning_scores_data;
extern const LightlyJsonModel lightly_json_model_sample_data;
extern const LightlyJsonModel lightly_json_model_sample_write_urls;
extern const LightlyJsonModel lightly_json_model_api_error_response;

/* Requests */
extern const LightlyJsonModel lightly_json_model_dataset_create_request;
extern const LightlyJsonModel lightly_json_model_tag_create_request;
extern const LightlyJsonModel lightly_json_model_initial_tag_create_request;
extern const LightlyJsonModel lightly_json_model_sampling_create_request;
extern const LightlyJsonModel lightly_json_model_sampling_config;
extern const LightlyJsonModel lightly_json_model_stopping_condition;
extern const LightlyJsonModel lightly_json_model_tag_arithmetics_request;
extern const LightlyJsonModel lightly_json_model_sample_create_request;

/* Checks node against model. @context names the endpoint for messages
 * ("T1 GET /v1/datasets/…/tags"); @code is LIGHTLY_ERROR_BAD_RESPONSE for
 * what a server sent and LIGHTLY_ERROR_INVALID_INPUT for what a client sent. */
gboolean lightly_json_model_check       (const LightlyJsonModel *model,
                                         JsonNode               *node,
                                         const char             *context,
                                         LightlyError            code,
                                         GError                **error);
/* An array whose every element is a model. */
gboolean lightly_json_model_check_array (const LightlyJsonModel *model,
                                         JsonNode               *node,
                                         const char             *context,
                                         LightlyError            code,
                                         GError                **error);

/* The limits lightly_json_parse() checks with a byte scan before json-glib
 * sees a document: json-glib recurses once per nesting level (a document
 * nested 100,000 deep overflows the stack), and its tree costs about 40×
 * the text for arrays of small numbers. Large arrays take the streaming
 * codec of lightly-json-array.h instead. */
#define LIGHTLY_JSON_MAX_DEPTH 64
#define LIGHTLY_JSON_MAX_TOKENS 1000000

/* Parses a JSON document with json-glib (small bodies only). Deeper than
 * LIGHTLY_JSON_MAX_DEPTH, more than LIGHTLY_JSON_MAX_TOKENS values, a NUL
 * byte or a \u0000 escape (names would be cut short), or invalid UTF-8:
 * code in the LIGHTLY_ERROR domain, naming the problem. */
JsonNode *lightly_json_parse           (const char   *data,
                                        gsize         len,
                                        const char   *context,
                                        LightlyError  code,
                                        GError      **error);
char     *lightly_json_to_string       (JsonNode     *node);

/* Member accessors for nodes that passed the check: a missing or null
 * member gives NULL / the default. */
const char *lightly_json_get_string    (JsonObject *object,
                                        const char *member);
gint64      lightly_json_get_int       (JsonObject *object,
                                        const char *member,
                                        gint64      default_value);
double      lightly_json_get_number    (JsonObject *object,
                                        const char *member,
                                        double      default_value);

/* Decoders (the node must have passed the matching check). */
LightlyTag       *lightly_json_decode_tag       (JsonNode *node);
LightlyJob       *lightly_json_decode_job       (JsonNode *node);
LightlyDataset   *lightly_json_decode_dataset   (JsonNode *node);
LightlyEmbedding *lightly_json_decode_embedding (JsonNode *node);

/* Encoders of the server (each output passes the matching check). */
JsonNode *lightly_json_encode_tag             (const LightlyStoreTag       *tag);
JsonNode *lightly_json_encode_dataset         (const LightlyStoreDataset   *dataset);
JsonNode *lightly_json_encode_embedding       (const LightlyStoreEmbedding *embedding);
JsonNode *lightly_json_encode_job             (const LightlyStoreJob       *job);
JsonNode *lightly_json_encode_score_info      (const LightlyStoreScore     *score);
JsonNode *lightly_json_encode_id              (const char                  *id);
JsonNode *lightly_json_encode_error           (const char                  *code,
                                               const char                  *message);

G_END_DECLS
