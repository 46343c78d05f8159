/* lightly-pick-private.h: a pick's row, for a caller that holds the mapping
 *
 * The local backend knows each pick's row in the dataset's mapping. Looking
 * the picks' names up in the store costs a b-tree search per pick (3 ms
 * for 100 picks, 8–9 ms for 1,000 on a 100k dataset, mostly page faults on
 * leaf pages no one else reads); the agent already holds the whole mapping
 * and names the picks from it instead (lightly-agent-query.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lightly-pick.h"

G_BEGIN_DECLS

/* No row known: a pick from the http backend, or made by lightly_pick_new(). */
#define LIGHTLY_PICK_NO_ROW G_MAXUINT32

/* A pick of the sample at @row of the mapping, with no file name yet. */
LightlyPick *lightly_pick_new_at_row   (guint                  rank,
                                        guint32                row,
                                        LightlySamplingMethod  method,
                                        double                 utility,
                                        gint                   cluster);
guint32      lightly_pick_get_row      (const LightlyPick     *self);
void         lightly_pick_set_file_name (LightlyPick          *self,
                                        const char            *file_name);

G_END_DECLS
