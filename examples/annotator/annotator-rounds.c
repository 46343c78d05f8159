/* annotator-rounds.c: the history of a folder's rounds
 *
 * Every batch the suggester returned is kept, in its order, with what the
 * model predicted for each of its images when the batch was asked for (the
 * model had not seen those labels: comparing them with the labels the user
 * then gives is a held-out accuracy) and the images labeled off the
 * suggestion during the round, and why the selection picked each image (its
 * per-pick provenance, when the suggester reports it). It lives in .lightly-annotator.ini, one
 * group per round ("round 3"), so earlier rounds can be reviewed after a
 * restart.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "annotator-rounds.h"

#define GROUP_PREFIX "round "

struct _AnnotatorRounds
{
  GPtrArray *rounds;                /* AnnotatorRound *, by number */
  GHashTable *batched;              /* every name in a batch (owned by the rounds) */
};

static void
round_free (AnnotatorRound *round)
{
  g_strfreev (round->batch);
  g_strfreev (round->predicted);
  g_strfreev (round->why);
  g_ptr_array_unref (round->off);
  g_free (round);
}

AnnotatorRounds *
annotator_rounds_new (void)
{
  AnnotatorRounds *rounds = g_new0 (AnnotatorRounds, 1);

  rounds->rounds = g_ptr_array_new_with_free_func ((GDestroyNotify) round_free);
  rounds->batched = g_hash_table_new (g_str_hash, g_str_equal);
  return rounds;
}

void
annotator_rounds_free (AnnotatorRounds *rounds)
{
  g_hash_table_unref (rounds->batched);
  g_ptr_array_unref (rounds->rounds);
  g_free (rounds);
}

static int
compare_rounds (gconstpointer a,
                gconstpointer b)
{
  const AnnotatorRound *ra = *(const AnnotatorRound **) a;
  const AnnotatorRound *rb = *(const AnnotatorRound **) b;

  return ra->number < rb->number ? -1 : ra->number > rb->number;
}

/* Adds round @number (replacing one of the same number); @predicted and
 * @why may be NULL or shorter than @batch. */
AnnotatorRound *
annotator_rounds_add (AnnotatorRounds    *rounds,
                      guint               number,
                      const char * const *batch,
                      const char * const *predicted,
                      const char * const *why)
{
  AnnotatorRound *round = annotator_rounds_find (rounds, number);
  guint n = batch != NULL ? g_strv_length ((char **) batch) : 0;
  guint n_predicted = predicted != NULL ? g_strv_length ((char **) predicted) : 0;
  guint n_why = why != NULL ? g_strv_length ((char **) why) : 0;

  if (round == NULL)
    {
      round = g_new0 (AnnotatorRound, 1);
      round->number = number;
      round->off = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (rounds->rounds, round);
      g_ptr_array_sort (rounds->rounds, compare_rounds);
    }
  g_strfreev (round->batch);
  g_strfreev (round->predicted);
  g_strfreev (round->why);
  round->batch = g_new0 (char *, n + 1);
  round->predicted = g_new0 (char *, n + 1);
  round->why = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      round->batch[i] = g_strdup (batch[i]);
      round->predicted[i] = g_strdup (i < n_predicted ? predicted[i] : "");
      round->why[i] = g_strdup (i < n_why ? why[i] : "");
    }
  /* An image left unlabeled may be in several batches: rebuild the set
   * rather than remove the replaced batch's names from it. */
  g_hash_table_remove_all (rounds->batched);
  for (guint r = 0; r < rounds->rounds->len; r++)
    {
      AnnotatorRound *each = g_ptr_array_index (rounds->rounds, r);

      for (guint i = 0; each->batch[i] != NULL; i++)
        g_hash_table_add (rounds->batched, each->batch[i]);
    }
  return round;
}

guint
annotator_rounds_get_n (AnnotatorRounds *rounds)
{
  return rounds->rounds->len;
}

/* The @index-th round, oldest first. */
AnnotatorRound *
annotator_rounds_get (AnnotatorRounds *rounds,
                      guint            index)
{
  g_return_val_if_fail (index < rounds->rounds->len, NULL);
  return g_ptr_array_index (rounds->rounds, index);
}

AnnotatorRound *
annotator_rounds_find (AnnotatorRounds *rounds,
                       guint            number)
{
  for (guint i = 0; i < rounds->rounds->len; i++)
    {
      AnnotatorRound *round = g_ptr_array_index (rounds->rounds, i);

      if (round->number == number)
        return round;
    }
  return NULL;
}

/* Whether any round's batch holds @name. */
gboolean
annotator_rounds_in_a_batch (AnnotatorRounds *rounds,
                             const char      *name)
{
  return g_hash_table_contains (rounds->batched, name);
}

void
annotator_round_note_off (AnnotatorRound *round,
                          const char     *name)
{
  if (!g_ptr_array_find_with_equal_func (round->off, name, g_str_equal, NULL))
    g_ptr_array_add (round->off, g_strdup (name));
}

/* Reads the "round N" groups; damaged ones are skipped (a lost history
 * loses only the review of earlier rounds). */
void
annotator_rounds_load (AnnotatorRounds *rounds,
                       GKeyFile        *kf)
{
  g_auto(GStrv) groups = g_key_file_get_groups (kf, NULL);

  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) batch = NULL;
      g_auto(GStrv) predicted = NULL;
      g_auto(GStrv) off = NULL;
      g_auto(GStrv) why = NULL;
      AnnotatorRound *round;
      guint64 number;

      if (!g_str_has_prefix (groups[i], GROUP_PREFIX) ||
          !g_ascii_string_to_unsigned (groups[i] + strlen (GROUP_PREFIX), 10, 0, G_MAXUINT, &number, NULL))
        continue;
      batch = g_key_file_get_string_list (kf, groups[i], "batch", NULL, NULL);
      predicted = g_key_file_get_string_list (kf, groups[i], "predicted", NULL, NULL);
      off = g_key_file_get_string_list (kf, groups[i], "off-suggestion", NULL, NULL);
      why = g_key_file_get_string_list (kf, groups[i], "why", NULL, NULL);
      round = annotator_rounds_add (rounds, (guint) number, (const char * const *) batch,
                                    (const char * const *) predicted, (const char * const *) why);
      for (guint j = 0; off != NULL && off[j] != NULL; j++)
        annotator_round_note_off (round, off[j]);
    }
}

void
annotator_rounds_save (AnnotatorRounds *rounds,
                       GKeyFile        *kf)
{
  for (guint i = 0; i < rounds->rounds->len; i++)
    {
      AnnotatorRound *round = g_ptr_array_index (rounds->rounds, i);
      g_autofree char *group = g_strdup_printf (GROUP_PREFIX "%u", round->number);

      g_key_file_set_string_list (kf, group, "batch", (const char * const *) round->batch,
                                  g_strv_length (round->batch));
      g_key_file_set_string_list (kf, group, "predicted", (const char * const *) round->predicted,
                                  g_strv_length (round->predicted));
      g_key_file_set_string_list (kf, group, "why", (const char * const *) round->why,
                                  g_strv_length (round->why));
      g_key_file_set_string_list (kf, group, "off-suggestion", (const char * const *) round->off->pdata,
                                  round->off->len);
    }
}
