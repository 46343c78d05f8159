/* fuzz-json-models.c: every wire model of lightly-json-models.c
 *
 * The first byte picks the model (low 5 bits) and whether the document is
 * an array of it (bit 7); the rest is the JSON, as a hostile server (http
 * backend, LIGHTLY_ERROR_BAD_RESPONSE) or client (server routes,
 * LIGHTLY_ERROR_INVALID_INPUT) would send it. What passes the check goes
 * through the matching decoder, which must then not fail.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <lightly/lightly.h>

#include "backend/lightly-json-models.h"
#include "fuzz-common.h"

typedef enum { DECODE_NONE, DECODE_TAG, DECODE_JOB, DECODE_DATASET, DECODE_EMBEDDING } Decoder;

static const struct {
  const LightlyJsonModel *model;
  Decoder decoder;
} models[] = {
  { &lightly_json_model_tag_data, DECODE_TAG },
  { &lightly_json_model_job_status_data, DECODE_JOB },
  { &lightly_json_model_job_status_meta, DECODE_NONE },
  { &lightly_json_model_job_status_data_result, DECODE_NONE },
  { &lightly_json_model_async_task_data, DECODE_NONE },
  { &lightly_json_model_create_entity_response, DECODE_NONE },
  { &lightly_json_model_dataset_data, DECODE_DATASET },
  { &lightly_json_model_dataset_embedding_data, DECODE_EMBEDDING },
  { &lightly_json_model_write_csv_url_data, DECODE_NONE },
  { &lightly_json_model_tag_bit_mask_response, DECODE_NONE },
  { &lightly_json_model_active_learning_score_data, DECODE_NONE },
  { &lightly_json_model_tag_active_learning_scores_data, DECODE_NONE },
  { &lightly_json_model_sample_data, DECODE_NONE },
  { &lightly_json_model_sample_write_urls, DECODE_NONE },
  { &lightly_json_model_api_error_response, DECODE_NONE },
  { &lightly_json_model_dataset_create_request, DECODE_NONE },
  { &lightly_json_model_tag_create_request, DECODE_NONE },
  { &lightly_json_model_initial_tag_create_request, DECODE_NONE },
  { &lightly_json_model_sampling_create_request, DECODE_NONE },
  { &lightly_json_model_sampling_config, DECODE_NONE },
  { &lightly_json_model_stopping_condition, DECODE_NONE },
  { &lightly_json_model_tag_arithmetics_request, DECODE_NONE },
  { &lightly_json_model_sample_create_request, DECODE_NONE },
};

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}

static void
decode_one (Decoder   decoder,
            JsonNode *node)
{
  switch (decoder)
    {
    case DECODE_TAG:
      {
        g_autoptr(LightlyTag) tag = lightly_json_decode_tag (node);
        g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new_from_hex (lightly_tag_get_bit_mask_data (tag), NULL);

        /* The check accepted the mask, so the decoded tag holds a valid one. */
        g_assert_nonnull (mask);
        (void) lightly_tag_get_id (tag);
      }
      break;
    case DECODE_JOB:
      {
        g_autoptr(LightlyJob) job = lightly_json_decode_job (node);

        (void) lightly_job_get_id (job);
      }
      break;
    case DECODE_DATASET:
      {
        g_autoptr(LightlyDataset) dataset = lightly_json_decode_dataset (node);

        (void) lightly_dataset_get_id (dataset);
      }
      break;
    case DECODE_EMBEDDING:
      {
        g_autoptr(LightlyEmbedding) embedding = lightly_json_decode_embedding (node);

        (void) lightly_embedding_get_id (embedding);
      }
      break;
    case DECODE_NONE:
    default:
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint pick;
  gboolean array;
  LightlyError code;

  if (size < 1 || fuzz_json_depth (data, size) > FUZZ_MAX_JSON_DEPTH)
    return 0;
  pick = (data[0] & 0x1f) % G_N_ELEMENTS (models);
  array = (data[0] & 0x80) != 0;
  code = (data[0] & 0x40) != 0 ? LIGHTLY_ERROR_INVALID_INPUT : LIGHTLY_ERROR_BAD_RESPONSE;
  data++;
  size--;

  node = lightly_json_parse ((const char *) data, size, "fuzz", code, &error);
  if (node == NULL)
    {
      g_assert_error (error, LIGHTLY_ERROR, (gint) code);
      return 0;
    }
  if (!(array ? lightly_json_model_check_array (models[pick].model, node, "fuzz", code, &error)
              : lightly_json_model_check (models[pick].model, node, "fuzz", code, &error)))
    {
      g_assert_error (error, LIGHTLY_ERROR, (gint) code);
      return 0;
    }
  if (!array)
    decode_one (models[pick].decoder, node);
  else
    {
      JsonArray *elements = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (elements); i++)
        decode_one (models[pick].decoder, json_array_get_element (elements, i));
    }
  {
    /* What passed must serialize again. */
    g_autofree char *text = lightly_json_to_string (node);

    g_assert_nonnull (text);
  }
  return 0;
}
