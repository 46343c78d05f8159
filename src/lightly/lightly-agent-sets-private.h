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

#include "lightly-agent.h"
#include "lightly-bit-mask.h"
#include "lightly-names-private.h"
#include "lightly-tag.h"

G_BEGIN_DECLS

/* The four sets of protocol §3.3 (LightlyAgentSet, lightly-agent.h). */
#define LIGHTLY_AGENT_N_SETS (LIGHTLY_AGENT_SET_ADDED + 1)

typedef struct {
  char *query_tag_id;
  char *preselected_tag_id;          /* NULL: nothing labeled yet */
  LightlyBitMask *query_mask;
  LightlyBitMask *preselected_mask;
  LightlyBitMask *previous_mask;     /* P_old: NULL before the first query */

  /* The mapping the sets were computed from (owned), each set as a mask
   * (owned; the added one NULL before the first query), and each set's
   * names: a NULL-terminated array (owned) of names borrowed from @names,
   * made on its first read. A query over N samples reads the sets' sizes,
   * not their names, so it neither copies a name nor fills an array of N
   * pointers that no one reads (N can be a million). */
  LightlyNames *names;
  LightlyBitMask *masks[LIGHTLY_AGENT_N_SETS];
  char **set_names[LIGHTLY_AGENT_N_SETS];
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
                                       LightlyNames        *file_names,
                                       gboolean            *out_added,
                                       GError             **error);
/* The names of a set, in bit order (transfer none, valid until the next
 * update); NULL when the set does not exist yet (before the agent's
 * initialization, or the added set before the first query). Safe to call
 * from several threads at once: the first reads race to make the array
 * and one of them keeps it. */
const char * const *lightly_agent_sets_get_names (LightlyAgentSets *sets,
                                                  LightlyAgentSet   which);
/* The size of a set, without its names: 0 when it does not exist yet. */
guint    lightly_agent_sets_count     (const LightlyAgentSets *sets,
                                       LightlyAgentSet         which);

G_END_DECLS
