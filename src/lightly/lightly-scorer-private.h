/* lightly-scorer-private.h: what the agent needs to know about a scorer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lightly-scorer.h"

G_BEGIN_DECLS

/* TRUE for the scorers of this library, whose calculate_scores is plain C
 * over data the scorer owns: the agent may run it in a worker thread (see
 * DESIGN.md, Threads), as long as the owner does not add images or change
 * properties meanwhile. Subclasses, including ones from bindings, are
 * never built in, even if they derive from a built-in type (none can: they
 * are final). */
gboolean lightly_scorer_is_builtin (LightlyScorer *self);

/* lightly_scores_add() that takes @values (g_malloc'ed, room for at least
 * one double even when @n is 0) instead of copying it: the built-in
 * scorers hand their result arrays over. Frees @values on failure. */
gboolean lightly_scores_add_take (LightlyScores  *self,
                                  const char     *name,
                                  double         *values,
                                  gsize           n,
                                  GError        **error);

G_END_DECLS
