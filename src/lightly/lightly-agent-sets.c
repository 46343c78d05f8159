/* lightly-agent-sets.c: the agent's four sets and the masks behind them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "lightly-agent-sets-private.h"
#include "lightly-bit-mask-private.h"
#include "lightly-error.h"
#include "lightly-tag-private.h"

/* Forgets the sets' masks and names, not the tags' masks. */
static void
clear_sets (LightlyAgentSets *sets)
{
  for (guint i = 0; i < LIGHTLY_AGENT_N_SETS; i++)
    {
      g_clear_pointer (&sets->masks[i], lightly_bit_mask_free);
      /* The arrays borrow their names from sets->names. */
      g_clear_pointer (&sets->set_names[i], g_free);
    }
}

void
lightly_agent_sets_clear (LightlyAgentSets *sets)
{
  g_clear_pointer (&sets->query_tag_id, g_free);
  g_clear_pointer (&sets->preselected_tag_id, g_free);
  g_clear_pointer (&sets->query_mask, lightly_bit_mask_free);
  g_clear_pointer (&sets->preselected_mask, lightly_bit_mask_free);
  g_clear_pointer (&sets->previous_mask, lightly_bit_mask_free);
  clear_sets (sets);
  g_clear_pointer (&sets->names, lightly_names_free);
}

static LightlyTag *
find_tag (GPtrArray   *tags,
          const char  *name,
          const char  *role,
          GError     **error)
{
  LightlyTag *tag = lightly_tag_list_find (tags, name);

  if (tag == NULL)
    {
      if (tags->len == 0)
        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                     "The dataset has no tags: register samples first (%s tag “%s”)", role, name);
      else
        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                     "The dataset has no %s tag named “%s”", role, name);
    }
  return tag;
}

gboolean
lightly_agent_sets_take_tags (LightlyAgentSets  *sets,
                              GPtrArray         *tags,
                              const char        *query_tag_name,
                              const char        *preselected_tag_name,
                              GError           **error)
{
  LightlyTag *query_tag = NULL;
  LightlyTag *preselected_tag = NULL;
  g_autoptr(LightlyBitMask) query_mask = NULL;
  g_autoptr(LightlyBitMask) preselected_mask = NULL;

  query_tag = find_tag (tags, query_tag_name, "query", error);
  if (query_tag == NULL)
    return FALSE;
  if (preselected_tag_name != NULL)
    {
      preselected_tag = find_tag (tags, preselected_tag_name, "preselected", error);
      if (preselected_tag == NULL)
        return FALSE;
    }

  query_mask = lightly_bit_mask_new_from_hex (lightly_tag_get_bit_mask_data (query_tag), error);
  if (query_mask == NULL)
    return FALSE;
  if (preselected_tag != NULL)
    {
      preselected_mask = lightly_bit_mask_new_from_hex (lightly_tag_get_bit_mask_data (preselected_tag), error);
      if (preselected_mask == NULL)
        return FALSE;
    }
  else
    preselected_mask = lightly_bit_mask_new ();

  g_free (sets->query_tag_id);
  sets->query_tag_id = g_strdup (lightly_tag_get_id (query_tag));
  g_free (sets->preselected_tag_id);
  sets->preselected_tag_id = preselected_tag != NULL ? g_strdup (lightly_tag_get_id (preselected_tag)) : NULL;
  g_clear_pointer (&sets->query_mask, lightly_bit_mask_free);
  sets->query_mask = g_steal_pointer (&query_mask);
  g_clear_pointer (&sets->preselected_mask, lightly_bit_mask_free);
  sets->preselected_mask = g_steal_pointer (&preselected_mask);
  return TRUE;
}

gboolean
lightly_agent_sets_advance (LightlyAgentSets  *sets,
                            LightlyTag        *tag,
                            GError           **error)
{
  LightlyBitMask *new_mask = lightly_bit_mask_new_from_hex (lightly_tag_get_bit_mask_data (tag), error);

  if (new_mask == NULL)
    return FALSE;
  g_clear_pointer (&sets->previous_mask, lightly_bit_mask_free);
  sets->previous_mask = g_steal_pointer (&sets->preselected_mask);
  sets->preselected_mask = new_mask;
  g_free (sets->preselected_tag_id);
  sets->preselected_tag_id = g_strdup (lightly_tag_get_id (tag));
  return TRUE;
}

/* @mask, or @mask minus @minus when given, as a new mask no wider than
 * the mapping @file_names. */
static LightlyBitMask *
set_mask (const LightlyBitMask  *mask,
          const LightlyBitMask  *minus,
          const LightlyNames    *file_names,
          GError               **error)
{
  g_autoptr(LightlyBitMask) set = lightly_bit_mask_copy (mask);

  if (minus != NULL)
    lightly_bit_mask_difference (set, minus);
  if (lightly_bit_mask_get_bit_length (set) > file_names->n)
    {
      /* lightly_bit_mask_masked_select()'s message. */
      g_auto(GStrv) none = lightly_bit_mask_masked_select (set, (const char * const *) file_names->v, error);

      g_assert (none == NULL);
      return NULL;
    }
  return g_steal_pointer (&set);
}

gboolean
lightly_agent_sets_update (LightlyAgentSets  *sets,
                           LightlyNames      *file_names,
                           gboolean          *out_added,
                           GError           **error)
{
  /* @file_names may be the mapping the sets have already (a reuse). */
  g_autoptr(LightlyNames) owned = file_names != sets->names ? file_names : NULL;
  LightlyBitMask *masks[LIGHTLY_AGENT_N_SETS] = { NULL, };
  gboolean ok;

  ok = (masks[LIGHTLY_AGENT_SET_QUERY] = set_mask (sets->query_mask, NULL, file_names, error)) != NULL &&
       (masks[LIGHTLY_AGENT_SET_LABELED] = set_mask (sets->preselected_mask, NULL, file_names, error)) != NULL &&
       (masks[LIGHTLY_AGENT_SET_UNLABELED] = set_mask (sets->query_mask, sets->preselected_mask,
                                                        file_names, error)) != NULL &&
       (sets->previous_mask == NULL ||
        (masks[LIGHTLY_AGENT_SET_ADDED] = set_mask (sets->preselected_mask, sets->previous_mask,
                                                     file_names, error)) != NULL);
  if (!ok)
    {
      for (guint i = 0; i < LIGHTLY_AGENT_N_SETS; i++)
        g_clear_pointer (&masks[i], lightly_bit_mask_free);
      return FALSE;
    }
  /* previous_mask, once set, stays set: the added set, once it exists, is
   * made again on every update. */
  g_assert (masks[LIGHTLY_AGENT_SET_ADDED] != NULL || sets->masks[LIGHTLY_AGENT_SET_ADDED] == NULL);

  clear_sets (sets);
  memcpy (sets->masks, masks, sizeof masks);
  *out_added = masks[LIGHTLY_AGENT_SET_ADDED] != NULL;
  if (owned != NULL)
    {
      lightly_names_free (sets->names);
      sets->names = g_steal_pointer (&owned);
    }
  return TRUE;
}

const char * const *
lightly_agent_sets_get_names (LightlyAgentSets *sets,
                              LightlyAgentSet   which)
{
  char **names = g_atomic_pointer_get (&sets->set_names[which]);

  if (names == NULL && sets->masks[which] != NULL)
    {
      /* update() checked that the mask is no wider than the mapping. */
      names = lightly_bit_mask_select_borrowed (sets->masks[which], sets->names->v);
      if (!g_atomic_pointer_compare_and_exchange (&sets->set_names[which], NULL, names))
        {
          g_free (names);
          names = g_atomic_pointer_get (&sets->set_names[which]);
        }
    }
  return (const char * const *) names;
}

guint
lightly_agent_sets_count (const LightlyAgentSets *sets,
                          LightlyAgentSet         which)
{
  /* At most n_names bits are set, and n_names is a guint. */
  return sets->masks[which] != NULL ? (guint) lightly_bit_mask_count (sets->masks[which]) : 0;
}
