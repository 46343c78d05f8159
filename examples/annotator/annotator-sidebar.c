/* annotator-sidebar.c: the class legend and the rounds
 *
 * The legend lists every class with its key and how many images carry it.
 * Below, a round selector (choosing an earlier round shows its batch in the
 * grid, through win.view-round) and what the chosen round brought: its
 * labels per class, how many were of the suggested batch and how many off
 * it, and the held-out accuracy of the model trained before the round on
 * the batch's labels.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "annotator-sidebar.h"
#include "annotator-tile.h"

struct _AnnotatorSidebar
{
  GtkBox parent_instance;

  GtkWidget *legend;
  GtkWidget *round_dropdown;
  GtkStringList *round_titles;
  GArray *round_numbers;          /* guint, parallel to round_titles */
  GtkWidget *stats;               /* a GtkGrid, rebuilt */
  guint viewed_round;
  gboolean updating;
};

G_DEFINE_FINAL_TYPE (AnnotatorSidebar, annotator_sidebar, GTK_TYPE_BOX)

static void
annotator_sidebar_finalize (GObject *object)
{
  AnnotatorSidebar *self = ANNOTATOR_SIDEBAR (object);

  g_clear_object (&self->round_titles);
  g_array_unref (self->round_numbers);
  G_OBJECT_CLASS (annotator_sidebar_parent_class)->finalize (object);
}

static void
annotator_sidebar_class_init (AnnotatorSidebarClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = annotator_sidebar_finalize;
}

static void
round_selected_cb (GObject    *dropdown,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
  AnnotatorSidebar *self = user_data;
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (dropdown));

  /* The selection model notifies more than once for one change, and
   * showing the round rebuilds this list: act only on a new round. */
  if (self->updating || i >= self->round_numbers->len ||
      g_array_index (self->round_numbers, guint, i) == self->viewed_round)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.view-round", "u",
                              g_array_index (self->round_numbers, guint, i));
}

static GtkWidget *
heading (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "heading");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  return label;
}

static void
annotator_sidebar_init (AnnotatorSidebar *self)
{
  GtkWidget *legend_scroll = gtk_scrolled_window_new ();

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 8);
  gtk_widget_add_css_class (GTK_WIDGET (self), "annotator-sidebar");
  gtk_widget_set_size_request (GTK_WIDGET (self), 260, -1);
  /* The grid gets the room; the expanding labels inside must not claim it. */
  gtk_widget_set_hexpand (GTK_WIDGET (self), FALSE);
  self->round_numbers = g_array_new (FALSE, FALSE, sizeof (guint));

  self->legend = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (self->legend), 8);
  gtk_grid_set_row_spacing (GTK_GRID (self->legend), 4);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (legend_scroll), self->legend);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (legend_scroll), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (legend_scroll), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (legend_scroll), 320);

  self->round_titles = gtk_string_list_new (NULL);
  self->round_dropdown = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->round_titles)), NULL);
  gtk_widget_set_tooltip_text (self->round_dropdown, _("Review the batch of an earlier round"));
  g_signal_connect (self->round_dropdown, "notify::selected", G_CALLBACK (round_selected_cb), self);

  self->stats = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (self->stats), 8);
  gtk_grid_set_row_spacing (GTK_GRID (self->stats), 4);

  gtk_box_append (GTK_BOX (self), heading (_("Classes")));
  gtk_box_append (GTK_BOX (self), legend_scroll);
  gtk_box_append (GTK_BOX (self), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (self), heading (_("Rounds")));
  gtk_box_append (GTK_BOX (self), self->round_dropdown);
  gtk_box_append (GTK_BOX (self), self->stats);
}

GtkWidget *
annotator_sidebar_new (void)
{
  return g_object_new (ANNOTATOR_TYPE_SIDEBAR, NULL);
}

static void
clear_grid (GtkWidget *grid)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (grid)) != NULL)
    gtk_grid_remove (GTK_GRID (grid), child);
}

static GtkWidget *
cell (const char *text,
      const char *css_class,
      float       xalign)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static void
update_legend (AnnotatorSidebar *self,
               AnnotatorFolder  *folder)
{
  guint n = annotator_folder_get_n_classes (folder);

  clear_grid (self->legend);
  for (guint i = 0; i < n; i++)
    {
      char key[2] = { annotator_class_key (i), '\0' };
      g_autofree char *count = g_strdup_printf ("%u", annotator_folder_count_class (folder, (int) i));
      GtkWidget *name = cell (annotator_folder_get_class_name (folder, i), NULL, 0);

      gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (name), 24);
      gtk_widget_set_hexpand (name, TRUE);
      gtk_grid_attach (GTK_GRID (self->legend), cell (key[0] != '\0' ? key : "", "annotator-key", 0.5f), 0, (int) i, 1, 1);
      gtk_grid_attach (GTK_GRID (self->legend), name, 1, (int) i, 1, 1);
      gtk_grid_attach (GTK_GRID (self->legend), cell (count, "numeric", 1), 2, (int) i, 1, 1);
    }
}

/* "83 % (10 of 12)", or why there is none. */
char *
annotator_round_stats_dup_accuracy (const AnnotatorRoundStats *stats)
{
  if (stats->n_scored == 0)
    return g_strdup (stats->from_suggestion > 0 ? _("— (no model before this round)") : _("— (nothing labeled yet)"));
  return g_strdup_printf (_("%.0f %% (%u of %u)"), 100.0 * stats->n_correct / stats->n_scored,
                          stats->n_correct, stats->n_scored);
}

static void
add_stat (AnnotatorSidebar *self,
          int               row,
          const char       *what,
          const char       *value)
{
  GtkWidget *name = cell (what, "dim-label", 0);
  GtkWidget *v = cell (value, NULL, 1);

  /* Wrapped labels ask for their whole text's width unless capped: the
   * sidebar stays narrow. */
  gtk_label_set_wrap (GTK_LABEL (name), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (name), 26);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_label_set_wrap (GTK_LABEL (v), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (v), 12);
  gtk_label_set_justify (GTK_LABEL (v), GTK_JUSTIFY_RIGHT);
  gtk_grid_attach (GTK_GRID (self->stats), name, 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (self->stats), v, 1, row, 1, 1);
}

static void
update_stats (AnnotatorSidebar *self,
              AnnotatorFolder  *folder,
              guint             round)
{
  AnnotatorRoundStats stats;
  g_autofree char *batch = NULL;
  g_autofree char *from = NULL;
  g_autofree char *off = NULL;
  g_autofree char *accuracy = NULL;
  int row = 0;

  clear_grid (self->stats);
  if (!annotator_folder_get_round_stats (folder, round, &stats))
    {
      add_stat (self, 0, _("No round yet"), "");
      return;
    }
  batch = g_strdup_printf ("%u", stats.n_batch);
  from = g_strdup_printf ("%u", stats.from_suggestion);
  off = g_strdup_printf ("%u", stats.off_suggestion);
  accuracy = annotator_round_stats_dup_accuracy (&stats);
  add_stat (self, row++, _("Images in the batch"), batch);
  add_stat (self, row++, _("Labeled from the suggestion"), from);
  add_stat (self, row++, _("Labeled off the suggestion"), off);
  add_stat (self, row++, _("Held-out accuracy"), accuracy);
  for (guint c = 0; c < stats.n_classes; c++)
    if (stats.per_class[c] > 0)
      {
        g_autofree char *title = annotator_class_dup_title (c, annotator_folder_get_class_name (folder, c));
        g_autofree char *count = g_strdup_printf ("%u", stats.per_class[c]);

        add_stat (self, row++, title, count);
      }
  annotator_round_stats_clear (&stats);
}

/* Shows @folder's classes and rounds, and the numbers of @viewed_round. */
void
annotator_sidebar_update (AnnotatorSidebar *self,
                          AnnotatorFolder  *folder,
                          guint             viewed_round)
{
  AnnotatorRounds *rounds = annotator_folder_get_rounds (folder);
  guint current = annotator_folder_get_round (folder);
  g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
  guint pick = GTK_INVALID_LIST_POSITION;

  update_legend (self, folder);
  self->viewed_round = viewed_round;
  self->updating = TRUE;
  g_array_set_size (self->round_numbers, 0);
  /* Newest first: the current round is the one looked at most. */
  for (guint i = annotator_rounds_get_n (rounds); i-- > 0;)
    {
      AnnotatorRound *round = annotator_rounds_get (rounds, i);

      if (round->batch[0] == NULL)
        continue;
      g_array_append_val (self->round_numbers, round->number);
      g_ptr_array_add (titles, round->number == current ? g_strdup_printf (_("Round %u (current)"), round->number)
                                                        : g_strdup_printf (_("Round %u"), round->number));
      if (round->number == viewed_round)
        pick = self->round_numbers->len - 1;
    }
  g_ptr_array_add (titles, NULL);
  gtk_string_list_splice (self->round_titles, 0, g_list_model_get_n_items (G_LIST_MODEL (self->round_titles)),
                          (const char * const *) titles->pdata);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->round_dropdown), pick);
  gtk_widget_set_sensitive (self->round_dropdown, self->round_numbers->len > 1);
  self->updating = FALSE;
  update_stats (self, folder, viewed_round);
}

/* Picks round @number in the selector, as a click would; FALSE when the
 * selector does not list it. */
gboolean
annotator_sidebar_pick_round (AnnotatorSidebar *self,
                              guint             number)
{
  for (guint i = 0; i < self->round_numbers->len; i++)
    if (g_array_index (self->round_numbers, guint, i) == number)
      {
        gtk_drop_down_set_selected (GTK_DROP_DOWN (self->round_dropdown), i);
        return TRUE;
      }
  return FALSE;
}
