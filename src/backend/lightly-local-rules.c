/* lightly-local-rules.c: the rules every write of the local backend obeys (private)
 *
 * One place for each rule, whichever road the write came by: the embedded
 * default (the local backend's vfuncs) and the REST server (its routes,
 * through the service layer) both call these. They sit below both, so
 * neither road can skip or restate a rule.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "backend/lightly-local-rules.h"
#include "lightly/lightly-bit-mask.h"
#include "lightly/lightly-error.h"

char *
lightly_local_rules_create_tag (LightlyStore *store, const char *dataset_id, const char *name,
                                const char *bit_mask_hex, const char *prev_tag_id,
                                const char *query_tag_id, const char *preselected_tag_id,
                                const char *creator, GError **error)
{
  g_autoptr(LightlyBitMask) mask = NULL;
  g_autofree char *canonical = NULL;
  gint64 n;

  n = lightly_store_get_n_samples (store, dataset_id, error);
  if (n < 0)
    return NULL;
  mask = lightly_bit_mask_new_from_hex (bit_mask_hex, error);
  if (mask == NULL)
    return NULL;
  if (lightly_bit_mask_get_bit_length (mask) > (guint64) n)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Bit mask sets bit %" G_GUINT64_FORMAT ", but dataset %s has only %" G_GINT64_FORMAT
                   " samples: bit i is sample i of the mapping",
                   lightly_bit_mask_get_bit_length (mask) - 1, dataset_id, n);
      return NULL;
    }
  canonical = lightly_bit_mask_to_hex (mask);
  return lightly_store_create_tag (store, dataset_id, name, canonical, prev_tag_id, query_tag_id,
                                   preselected_tag_id, creator != NULL ? creator : "USER_PIP", error);
}

static gboolean
is_score_type (const char *s)
{
  if (s == NULL || *s == '\0' || strlen (s) > 256)
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("_+=,.@:/-", *p) == NULL)
      return FALSE;
  return TRUE;
}

gboolean
lightly_local_rules_check_scores (const char  *score_type,
                                  gsize        n_values,
                                  GError     **error)
{
  if (!is_score_type (score_type))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The score type “%s” is not valid: use 1–256 letters, digits and _+=,.@:/-",
                   score_type != NULL ? score_type : "");
      return FALSE;
    }
  if (n_values == 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Score “%s” has no values: send one per tag member", score_type);
      return FALSE;
    }
  return TRUE;
}

gboolean
lightly_local_rules_check_selection (const LightlySelectionRequest  *request,
                                     GError                        **error)
{
  if (!(request->score_strength >= 0) || !isfinite (request->score_strength))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "scoreStrength must be ≥ 0, not %g", request->score_strength);
      return FALSE;
    }
  if (lightly_matrix_precision_to_string (request->matrix_precision) == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "matrixPrecision %d is unknown: use FLOAT32, FLOAT16 or BFLOAT16",
                   (int) request->matrix_precision);
      return FALSE;
    }
  if (request->score_type != NULL && !is_score_type (request->score_type))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The score type “%s” is not valid", request->score_type);
      return FALSE;
    }
  return TRUE;
}
