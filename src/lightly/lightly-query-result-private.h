/* lightly-query-result-private.h: internal constructor of LightlyQueryResult
 *
 * Only the agent makes query results; users get them back from a query, so
 * none of this is exported or introspected.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lightly-query-result.h"

G_BEGIN_DECLS

/* The agent fills every field: @method is the method that ran (AUTO
 * resolved; the config's method for a skipped query), @added may be NULL
 * (nothing added) and @total is the labeled set's size afterwards. The
 * batch size is the length of @added. @reason says why @method was chosen
 * (may be NULL: none). */
LightlyQueryResult *lightly_query_result_new_internal (gboolean               skipped,
                                                       LightlySamplingMethod  method,
                                                       LightlyTag            *tag,
                                                       const char * const    *added,
                                                       guint                  total,
                                                       const char            *reason);

/* @picks: element-type LightlyPick, in pick order; the result keeps a
 * reference. */
void                lightly_query_result_set_picks_internal (LightlyQueryResult *self,
                                                             GPtrArray          *picks);

G_END_DECLS
