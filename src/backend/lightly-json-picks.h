/* lightly-json-picks.h: "why picked" on the wire (lightly-glib extension)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GET /v1/datasets/{datasetId}/tags/{tagId}/lightly-glib/picks answers
 *   {"picks": [{"rank": 0, "fileName": "a.png", "method": "TYPICLUST",
 *               "utility": 1.25, "cluster": 3}, …]}
 * in pick order; a tag no selection made has "picks": [].
 */
#pragma once

#include <json-glib/json-glib.h>
#include "lightly/lightly-pick.h"

G_BEGIN_DECLS

/* @picks: element-type LightlyPick. */
JsonNode  *lightly_json_encode_picks (GPtrArray   *picks);
/* element-type LightlyPick; NULL with LIGHTLY_ERROR_BAD_RESPONSE when @node
 * is not the document above (@context names the call in the message). */
GPtrArray *lightly_json_decode_picks (JsonNode    *node,
                                      const char  *context,
                                      GError     **error);

G_END_DECLS
