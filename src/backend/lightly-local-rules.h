/* lightly-local-rules.h: the rules every write of the local backend obeys (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "backend/lightly-backend.h"
#include "store/lightly-store.h"

G_BEGIN_DECLS

/* The rule of every tag write: the mask must fit the dataset (bit i is
 * sample i). bit_mask_hex need not be canonical; creator NULL is USER_PIP. */
char     *lightly_local_rules_create_tag      (LightlyStore *store, const char *dataset_id, const char *name,
                                               const char *bit_mask_hex, const char *prev_tag_id,
                                               const char *query_tag_id, const char *preselected_tag_id,
                                               const char *creator, GError **error);

/* The rules of an uploaded score: a valid score type (1–256 letters,
 * digits and _+=,.@:/-) and at least one value. */
gboolean  lightly_local_rules_check_scores    (const char *score_type, gsize n_values, GError **error);

/* The rules of a selection request beyond its tags existing: scoreStrength
 * ≥ 0 and a valid scoreType. A target at or below the preselected tag's
 * size is not an error: protocol §13 (Target size) adds nothing then, and
 * the agent skips such a query before it asks. */
gboolean  lightly_local_rules_check_selection (const LightlySelectionRequest *request, GError **error);

G_END_DECLS
