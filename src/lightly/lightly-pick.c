/* lightly-pick.c: LightlyPick, why one sample was picked
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>

#include "lightly-pick-private.h"

/**
 * LightlyPick:
 *
 * Why a selection picked one sample ("why picked"): its rank in the pick
 * order, the method that picked it, the value the method maximised at that
 * pick (its *utility*) and, for TYPICLUST and PROBCOVER, its cluster or
 * ball. An annotation tool can show it as a badge next to the sample.
 *
 * The utility, always finite, is
 *
 * - RANDOM: 0;
 * - CORESET: the distance to the labeled set and the earlier picks (the
 *   first pick without a labeled set: its distance to the pool's mean);
 * - CORAL: d̂·s^β, the normalised distance times the score to the power β;
 * - ACTIVE_LEARNING: the score;
 * - TYPICLUST: the typicality, 1 / the mean distance to the sample's
 *   nearest fellow cluster members;
 * - PROBCOVER: how many pool samples its ball newly covered.
 *
 * The cluster is TYPICLUST's k-means cluster or PROBCOVER's ball (the rank
 * of the pick whose ball it is), and -1 for the other methods.
 *
 * A pick is a plain value: copy it with [method@Lightly.Pick.copy] and free
 * it with [method@Lightly.Pick.free].
 *
 * Since: 0.2
 */
struct _LightlyPick
{
  guint rank;
  char *file_name;
  LightlySamplingMethod method;
  double utility;
  gint cluster;
  guint32 row;    /* in the mapping, or LIGHTLY_PICK_NO_ROW (lightly-pick-private.h) */
};

G_DEFINE_BOXED_TYPE (LightlyPick, lightly_pick, lightly_pick_copy, lightly_pick_free)

/**
 * lightly_pick_new:
 * @rank: the position in the pick order, 0 for the first pick
 * @file_name: (nullable): the picked sample's file name
 * @method: the method that picked it
 * @utility: the value the method maximised at this pick; a value that is
 *   not finite is stored as 0
 * @cluster: the TYPICLUST cluster or PROBCOVER ball, -1 for none
 *
 * Makes a pick; queries make them, this is for tests and bindings.
 *
 * Returns: (transfer full): a new pick
 *
 * Since: 0.2
 */
LightlyPick *
lightly_pick_new (guint                  rank,
                  const char            *file_name,
                  LightlySamplingMethod  method,
                  double                 utility,
                  gint                   cluster)
{
  LightlyPick *self = g_new0 (LightlyPick, 1);

  self->rank = rank;
  self->file_name = g_strdup (file_name);
  self->method = method;
  self->utility = isfinite (utility) ? utility : 0.0;
  self->cluster = MAX (cluster, -1);
  self->row = LIGHTLY_PICK_NO_ROW;
  return self;
}

LightlyPick *
lightly_pick_new_at_row (guint                  rank,
                         guint32                row,
                         LightlySamplingMethod  method,
                         double                 utility,
                         gint                   cluster)
{
  LightlyPick *self = lightly_pick_new (rank, NULL, method, utility, cluster);

  self->row = row;
  return self;
}

guint32
lightly_pick_get_row (const LightlyPick *self)
{
  return self->row;
}

void
lightly_pick_set_file_name (LightlyPick *self,
                            const char  *file_name)
{
  char *old = self->file_name;

  self->file_name = g_strdup (file_name);
  g_free (old);
}

/**
 * lightly_pick_copy:
 * @self: a pick
 *
 * Copies a pick.
 *
 * Returns: (transfer full): a copy
 *
 * Since: 0.2
 */
LightlyPick *
lightly_pick_copy (const LightlyPick *self)
{
  LightlyPick *copy;

  g_return_val_if_fail (self != NULL, NULL);
  copy = lightly_pick_new (self->rank, self->file_name, self->method, self->utility, self->cluster);
  copy->row = self->row;
  return copy;
}

/**
 * lightly_pick_free:
 * @self: (transfer full): a pick
 *
 * Frees a pick.
 *
 * Since: 0.2
 */
void
lightly_pick_free (LightlyPick *self)
{
  if (self == NULL)
    return;
  g_free (self->file_name);
  g_free (self);
}

/**
 * lightly_pick_get_rank:
 * @self: a pick
 *
 * Gets the pick's position in the pick order: 0 was picked first.
 *
 * Returns: the rank
 *
 * Since: 0.2
 */
guint
lightly_pick_get_rank (const LightlyPick *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->rank;
}

/**
 * lightly_pick_get_file_name:
 * @self: a pick
 *
 * Gets the picked sample's file name.
 *
 * Returns: (transfer none) (nullable): the file name
 *
 * Since: 0.2
 */
const char *
lightly_pick_get_file_name (const LightlyPick *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->file_name;
}

/**
 * lightly_pick_get_method:
 * @self: a pick
 *
 * Gets the method that picked the sample (never AUTO).
 *
 * Returns: the method
 *
 * Since: 0.2
 */
LightlySamplingMethod
lightly_pick_get_method (const LightlyPick *self)
{
  g_return_val_if_fail (self != NULL, LIGHTLY_SAMPLING_METHOD_RANDOM);
  return self->method;
}

/**
 * lightly_pick_get_utility:
 * @self: a pick
 *
 * Gets the value the method maximised at this pick (see [struct@Lightly.Pick]).
 *
 * Returns: the utility, always finite
 *
 * Since: 0.2
 */
double
lightly_pick_get_utility (const LightlyPick *self)
{
  g_return_val_if_fail (self != NULL, 0.0);
  return self->utility;
}

/**
 * lightly_pick_get_cluster:
 * @self: a pick
 *
 * Gets the TYPICLUST cluster or PROBCOVER ball of the pick.
 *
 * Returns: the cluster or ball, -1 for the other methods
 *
 * Since: 0.2
 */
gint
lightly_pick_get_cluster (const LightlyPick *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->cluster;
}
