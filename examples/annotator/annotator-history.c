/* annotator-history.c: undo and redo of labels
 *
 * Each edit is one image's label going from one class (or none, -1) to
 * another. A new edit drops what could be redone, as in a text editor. The
 * history lives as long as the folder is open in the window; it is not
 * saved (labels.csv is).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "annotator-history.h"

/* Enough for a long session; the oldest edits go first. */
#define MAX_EDITS 1000

typedef struct {
  char *name;
  int before;
  int after;
} Edit;

struct _AnnotatorHistory
{
  GPtrArray *undo;     /* Edit *, oldest first */
  GPtrArray *redo;     /* Edit *, the next one to redo last */
};

static void
edit_free (Edit *edit)
{
  g_free (edit->name);
  g_free (edit);
}

AnnotatorHistory *
annotator_history_new (void)
{
  AnnotatorHistory *history = g_new0 (AnnotatorHistory, 1);

  history->undo = g_ptr_array_new_with_free_func ((GDestroyNotify) edit_free);
  history->redo = g_ptr_array_new_with_free_func ((GDestroyNotify) edit_free);
  return history;
}

void
annotator_history_free (AnnotatorHistory *history)
{
  g_ptr_array_unref (history->undo);
  g_ptr_array_unref (history->redo);
  g_free (history);
}

void
annotator_history_clear (AnnotatorHistory *history)
{
  g_ptr_array_set_size (history->undo, 0);
  g_ptr_array_set_size (history->redo, 0);
}

void
annotator_history_push (AnnotatorHistory *history,
                        const char       *name,
                        int               before,
                        int               after)
{
  Edit *edit;

  if (before == after)
    return;
  edit = g_new0 (Edit, 1);
  edit->name = g_strdup (name);
  edit->before = before;
  edit->after = after;
  g_ptr_array_set_size (history->redo, 0);
  if (history->undo->len >= MAX_EDITS)
    g_ptr_array_remove_index (history->undo, 0);
  g_ptr_array_add (history->undo, edit);
}

/* Moves the newest edit of @from to @to; *@label is what the image gets
 * back (its label before the edit when undoing, after it when redoing). */
static gboolean
move (GPtrArray  *from,
      GPtrArray  *to,
      gboolean    undo,
      char      **name,
      int        *label)
{
  Edit *edit;

  if (from->len == 0)
    return FALSE;
  edit = g_ptr_array_steal_index (from, from->len - 1);
  *name = g_strdup (edit->name);
  *label = undo ? edit->before : edit->after;
  g_ptr_array_add (to, edit);
  return TRUE;
}

gboolean
annotator_history_undo (AnnotatorHistory  *history,
                        char             **name,
                        int               *label)
{
  return move (history->undo, history->redo, TRUE, name, label);
}

gboolean
annotator_history_redo (AnnotatorHistory  *history,
                        char             **name,
                        int               *label)
{
  return move (history->redo, history->undo, FALSE, name, label);
}

guint
annotator_history_get_n_undo (AnnotatorHistory *history)
{
  return history->undo->len;
}

guint
annotator_history_get_n_redo (AnnotatorHistory *history)
{
  return history->redo->len;
}
