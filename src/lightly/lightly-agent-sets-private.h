/* lightly-agent-sets-private.h: the agent's four sets and the masks behind them
 *
 * The bookkeeping of protocol §3.3 and §4.1, apart from the GObject: the
 * query tag Q, the preselected tag P and the P of the previous query, and the
 * file-name sets derived from them in bit order. The agent owns one and
 * emits the notifications.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lightly-bit-mask.h"
#include "lightly-tag.h"

G_BEGIN_DECLS

typedef struct {
  char *query_tag_id;
  char *preselected_tag_id;          /* NULL: nothing labeled yet */
  LightlyBitMask *query_mask;
  LightlyBitMask *preselected_mask;
  LightlyBitMask *previous_mask;     /* P_old: NULL before the first query */

  /* The mapping the sets were computed from (owned), and the four sets:
   * NULL-terminated arrays (owned) of names borrowed from @names, so that
   * a query over N samples copies no name (N can be a million). */
  GStrv names;
  GStrv query_set;
  GStrv labeled_set;
  GStrv unlabeled_set;
  GStrv added_set;                   /* NULL before the first query */
} LightlyAgentSets;

void     lightly_agent_sets_clear     (LightlyAgentSets    *sets);
/* Finds Q and P by name in @tags (element-type LightlyTag) and reads their
 * masks (T1, protocol §4.1). @preselected_tag_name may be NULL. */
gboolean lightly_agent_sets_take_tags (LightlyAgentSets    *sets,
                                       GPtrArray           *tags,
                                       const char          *query_tag_name,
                                       const char          *preselected_tag_name,
                                       GError             **error);
/* P_old = P; P = @tag, the tag a query made (protocol §4.3 step 4). */
gboolean lightly_agent_sets_advance   (LightlyAgentSets    *sets,
                                       LightlyTag          *tag,
                                       GError             **error);
/* Recomputes the sets from the masks and the mapping (protocol §3.3),
 * taking @file_names (transfer full, also on error), unless it is
 * sets->names itself (the same mapping again); @out_added tells
 * whether the added set was recomputed (only after a query). On error
 * nothing changes. */
gboolean lightly_agent_sets_update    (LightlyAgentSets    *sets,
                                       char               **file_names,
                                       gboolean            *out_added,
                                       GError             **error);

G_END_DECLS
