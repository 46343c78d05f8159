/* annotator-window-report.c: the window's state as text, for the test
 * script's `report` command
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "annotator-preview.h"
#include "annotator-sidebar.h"
#include "annotator-tile.h"
#include "annotator-window-private.h"

/* The sidebar's numbers: the legend and the viewed round's stats. */
static void
report_sidebar (AnnotatorWindow *self,
                GString         *out)
{
  AnnotatorRounds *rounds = annotator_folder_get_rounds (self->folder);
  AnnotatorRoundStats stats;

  for (guint c = 0; c < annotator_folder_get_n_classes (self->folder); c++)
    {
      char key = annotator_class_key (c);

      g_string_append_printf (out, "legend\t%s\t%s\t%u\n", key != '\0' ? (char[]) { key, '\0' } : "",
                              annotator_folder_get_class_name (self->folder, c),
                              annotator_folder_count_class (self->folder, (int) c));
    }
  g_string_append (out, "rounds");
  for (guint i = 0; i < annotator_rounds_get_n (rounds); i++)
    if (annotator_rounds_get (rounds, i)->batch[0] != NULL)
      g_string_append_printf (out, "\t%u", annotator_rounds_get (rounds, i)->number);
  g_string_append_c (out, '\n');
  if (annotator_folder_get_round_stats (self->folder, self->viewed_round, &stats))
    {
      g_autofree char *accuracy = annotator_round_stats_dup_accuracy (&stats);

      g_string_append_printf (out, "stats\t%u\t%u\t%u\t%u\t%u\t%u\n", stats.number, stats.n_batch,
                              stats.from_suggestion, stats.off_suggestion, stats.n_scored, stats.n_correct);
      g_string_append_printf (out, "accuracy\t%s\n", accuracy);
      annotator_round_stats_clear (&stats);
    }
}

/* Tab-separated lines: folder, round, batch names, labeled names with their
 * class, what the grid shows (round, tiles with label and badge, page), the
 * sidebar, undo and redo depth, the last request (batch size, labeled,
 * prediction columns), the message bar, the plugins. */
char *
annotator_window_dup_report (AnnotatorWindow *self)
{
  GString *out = g_string_new (NULL);
  g_autofree char *plugins = annotator_plugins_describe (self->plugins);
  PeasPluginInfo *info = annotator_window_chosen_info (self);
  int selected = -1;

  g_string_append_printf (out, "page\t%s\n", gtk_stack_get_visible_child_name (GTK_STACK (self->stack)));
  g_string_append_printf (out, "page-title\t%s\n", gtk_label_get_text (GTK_LABEL (self->empty_title)));
  if (self->folder != NULL)
    {
      const char * const *batch = annotator_folder_get_batch (self->folder);
      g_auto(GStrv) labeled = annotator_folder_dup_labeled (self->folder);

      g_string_append_printf (out, "folder\t%s\n", annotator_folder_get_path (self->folder));
      g_string_append_printf (out, "round\t%u\n", annotator_folder_get_round (self->folder));
      g_string_append_printf (out, "viewing\t%u\n", self->viewed_round);
      g_string_append_printf (out, "batch-size\t%u\n", annotator_folder_get_batch_size (self->folder));
      for (guint i = 0; batch[i] != NULL; i++)
        g_string_append_printf (out, "batch\t%s\n", batch[i]);
      for (guint i = 0; labeled[i] != NULL; i++)
        g_string_append_printf (out, "labeled\t%s\t%d\n", labeled[i],
                                annotator_folder_get_label (self->folder, labeled[i]));
      if (annotator_window_selected_item (self, &selected) != NULL)
        g_string_append_printf (out, "selected\t%d\n", selected);
      g_string_append_printf (out, "columns\t%d\n", annotator_window_per_row (self));
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->items)); i++)
        {
          g_autoptr(AnnotatorItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);
          g_autofree char *badge = annotator_item_dup_badge (item);
          g_autofree char *why = annotator_item_dup_why (item);

          g_string_append_printf (out, "shown\t%s\t%d\n", annotator_item_get_name (item),
                                  annotator_item_get_label (item));
          g_string_append_printf (out, "badge\t%s\t%s\n", annotator_item_get_name (item), badge);
          if (why != NULL)
            {
              g_strdelimit (why, "\n\t", ' ');
              g_string_append_printf (out, "why\t%s\t%s\n", annotator_item_get_name (item), why);
            }
        }
      report_sidebar (self, out);
      g_string_append_printf (out, "undo\t%u\nredo\t%u\n", annotator_history_get_n_undo (self->history),
                              annotator_history_get_n_redo (self->history));
      if (annotator_window_previewing (self))
        g_string_append_printf (out, "preview\t%s\t%g\n", annotator_preview_get_name (ANNOTATOR_PREVIEW (self->preview)),
                                annotator_preview_get_scale (ANNOTATOR_PREVIEW (self->preview)));
    }
  if (self->last_request != NULL)
    g_string_append (out, self->last_request);
  if (self->embed_total > 0)
    g_string_append_printf (out, "embed-progress\t%zu\t%zu\n", self->embed_done, self->embed_total);
  g_string_append_printf (out, "embedded\t%u\n", self->n_embedded);
  for (guint i = 0; self->unreadable != NULL && self->unreadable[i] != NULL; i++)
    g_string_append_printf (out, "unreadable\t%s\n", self->unreadable[i]);
  if (info != NULL)
    g_string_append_printf (out, "suggester\t%s\n", peas_plugin_info_get_module_name (info));
  if (self->message != NULL)
    g_string_append_printf (out, "%s\t%s\n", self->message_is_error ? "error" : "message", self->message);
  g_string_append (out, plugins);
  return g_string_free (out, FALSE);
}
