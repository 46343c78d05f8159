/* lightly-agent-sets.c: the agent's four sets and the masks behind them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-agent-sets-private.h"
#include "lightly-bit-mask-private.h"
#include "lightly-error.h"
#include "lightly-tag-private.h"

void
lightly_agent_sets_clear (LightlyAgentSets *sets)
{
  g_clear_pointer (&sets->query_tag_id, g_free);
  g_clear_pointer (&sets->preselected_tag_id, g_free);
  g_clear_pointer (&sets->query_mask, lightly_bit_mask_free);
  g_clear_pointer (&sets->preselected_mask, lightly_bit_mask_free);
  g_clear_pointer (&sets->previous_mask, lightly_bit_mask_free);
  /* The sets borrow their names from sets->names. */
  g_clear_pointer (&sets->query_set, g_free);
  g_clear_pointer (&sets->labeled_set, g_free);
  g_clear_pointer (&sets->unlabeled_set, g_free);
  g_clear_pointer (&sets->added_set, g_free);
  g_clear_pointer (&sets->names, g_strfreev);
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

/* The names of @mask's set bits, or of @mask minus @minus when given,
 * borrowed from @file_names (@n_names of them): masked_select() without
 * copying the names. */
static GStrv
select_names (const LightlyBitMask  *mask,
              const LightlyBitMask  *minus,
              char * const          *file_names,
              guint                  n_names,
              GError               **error)
{
  g_autoptr(LightlyBitMask) difference = NULL;
  guint64 bit_length;

  if (minus != NULL)
    {
      difference = lightly_bit_mask_copy (mask);
      lightly_bit_mask_difference (difference, minus);
      mask = difference;
    }
  bit_length = lightly_bit_mask_get_bit_length (mask);
  if (bit_length > n_names)
    {
      /* lightly_bit_mask_masked_select()'s message. */
      g_auto(GStrv) none = lightly_bit_mask_masked_select (mask, (const char * const *) file_names, error);

      g_assert (none == NULL);
      return NULL;
    }
  return lightly_bit_mask_select_borrowed (mask, file_names);
}

gboolean
lightly_agent_sets_update (LightlyAgentSets  *sets,
                           char             **file_names,
                           gboolean          *out_added,
                           GError           **error)
{
  /* @file_names may be the mapping the sets have already (a reuse). */
  g_auto(GStrv) owned = file_names != sets->names ? file_names : NULL;
  char **names = file_names;
  guint n_names = g_strv_length (names);
  g_autofree char **query_set = NULL;
  g_autofree char **labeled_set = NULL;
  g_autofree char **unlabeled_set = NULL;
  g_autofree char **added_set = NULL;

  query_set = select_names (sets->query_mask, NULL, names, n_names, error);
  if (query_set == NULL)
    return FALSE;
  labeled_set = select_names (sets->preselected_mask, NULL, names, n_names, error);
  if (labeled_set == NULL)
    return FALSE;
  unlabeled_set = select_names (sets->query_mask, sets->preselected_mask, names, n_names, error);
  if (unlabeled_set == NULL)
    return FALSE;
  if (sets->previous_mask != NULL)
    {
      added_set = select_names (sets->preselected_mask, sets->previous_mask, names, n_names, error);
      if (added_set == NULL)
        return FALSE;
    }
  /* The added set borrows from the old names: it is recomputed whenever it
   * exists, since previous_mask, once set, stays set. */
  g_assert (added_set != NULL || sets->added_set == NULL);

  g_free (sets->query_set);
  sets->query_set = g_steal_pointer (&query_set);
  g_free (sets->labeled_set);
  sets->labeled_set = g_steal_pointer (&labeled_set);
  g_free (sets->unlabeled_set);
  sets->unlabeled_set = g_steal_pointer (&unlabeled_set);
  *out_added = added_set != NULL;
  g_free (sets->added_set);
  sets->added_set = g_steal_pointer (&added_set);
  if (owned != NULL)
    {
      g_strfreev (sets->names);
      sets->names = g_steal_pointer (&owned);
    }
  return TRUE;
}
