/* annotator-tile.c: one image of the batch in the grid, and the class keys
 *
 * A tile is the thumbnail with a small badge saying why the image is in
 * the batch: its rank, and when the selection reports per-pick provenance
 * (LightlyPick, through the suggester's request) the strategy that picked
 * it and the utility it maximised, with the full reason in the tooltip;
 * then the file name and a class picker.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "annotator-tile.h"

char
annotator_class_key (guint index)
{
  if (index < 10)
    return (char) ('0' + index);
  if (index < ANNOTATOR_N_KEYED_CLASSES)
    return (char) ('a' + index - 10);
  return '\0';
}

/* The class a key sets, or -1 for a key that sets none. */
int
annotator_class_from_keyval (guint keyval)
{
  guint lower = gdk_keyval_to_lower (keyval);

  if (keyval >= GDK_KEY_0 && keyval <= GDK_KEY_9)
    return (int) (keyval - GDK_KEY_0);
  if (keyval >= GDK_KEY_KP_0 && keyval <= GDK_KEY_KP_9)
    return (int) (keyval - GDK_KEY_KP_0);
  if (lower >= GDK_KEY_a && lower <= GDK_KEY_z)
    return (int) (lower - GDK_KEY_a) + 10;
  return -1;
}

/* "3 · sandal", or the name alone for a class without a key. */
char *
annotator_class_dup_title (guint       index,
                           const char *name)
{
  char key = annotator_class_key (index);

  return key != '\0' ? g_strdup_printf ("%c · %s", key, name) : g_strdup (name);
}

/* The badge's text: "#3", or "#3 · coreset 1.84" with the selection's
 * strategy and utility. */
char *
annotator_item_dup_badge (AnnotatorItem *item)
{
  guint rank = annotator_item_get_rank (item, NULL);
  const char *strategy = annotator_item_get_strategy (item);
  double utility = annotator_item_get_utility (item);

  if (rank == 0)
    return NULL;
  if (strategy == NULL)
    return g_strdup_printf ("#%u", rank);
  if (isnan (utility))
    return g_strdup_printf ("#%u · %s", rank, strategy);
  return g_strdup_printf ("#%u · %s %.3g", rank, strategy, utility);
}

/*
 * Per-pick provenance is kept in the folder's state file as one short text
 * per batch image, "METHOD UTILITY CLUSTER" (the method's wire name, the
 * utility in C locale, the cluster or -1), so earlier rounds show their
 * badges after a restart too.
 */
char *
annotator_pick_dup_why_text (const LightlyPick *pick)
{
  char utility[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_dtostr (utility, sizeof utility, lightly_pick_get_utility (pick));
  return g_strdup_printf ("%s %s %d", lightly_sampling_method_to_string (lightly_pick_get_method (pick)),
                          utility, lightly_pick_get_cluster (pick));
}

/* The full reason for the tooltip, one sentence per method (the meaning of
 * the utility is LightlyPick's). */
static char *
dup_reason (LightlySamplingMethod method,
            double                utility,
            gint64                cluster)
{
  switch (method)
    {
    case LIGHTLY_SAMPLING_METHOD_RANDOM:
      return g_strdup (_("Picked at random among the unlabeled images (RANDOM)."));
    case LIGHTLY_SAMPLING_METHOD_CORESET:
      return g_strdup_printf (_("Far from every labeled image and every earlier pick: distance %.3g "
                                "(CORESET, diversity)."), utility);
    case LIGHTLY_SAMPLING_METHOD_CORAL:
      return g_strdup_printf (_("Both far from the labeled images and uncertain for the model: "
                                "distance × score^β = %.3g (CORAL)."), utility);
    case LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING:
      return g_strdup_printf (_("The model is unsure about it: active-learning score %.3g "
                                "(ACTIVE_LEARNING)."), utility);
    case LIGHTLY_SAMPLING_METHOD_TYPICLUST:
      return g_strdup_printf (_("The most typical image of cluster %" G_GINT64_FORMAT ", a cluster with "
                                "no label yet: typicality %.3g (TYPICLUST, cold start)."), cluster, utility);
    case LIGHTLY_SAMPLING_METHOD_PROBCOVER:
      return g_strdup_printf (_("Its neighbourhood (ball %" G_GINT64_FORMAT ") covers %.0f images no "
                                "earlier pick covered (PROBCOVER, cold start)."), cluster, utility);
    case LIGHTLY_SAMPLING_METHOD_BADGE:
      return g_strdup_printf (_("Uncertain for the model and unlike the earlier picks: gradient-embedding "
                                "distance %.3g (BADGE)."), utility);
    case LIGHTLY_SAMPLING_METHOD_AUTO:
    default:
      return NULL;
    }
}

/* Sets the item's provenance from a text of annotator_pick_dup_why_text();
 * an empty or damaged text leaves the rank alone on the badge. */
void
annotator_item_set_why_text (AnnotatorItem *item,
                             const char    *text)
{
  g_auto(GStrv) fields = text != NULL ? g_strsplit (text, " ", 3) : NULL;
  g_autofree char *strategy = NULL;
  g_autofree char *reason = NULL;
  g_autoptr(GError) error = NULL;
  LightlySamplingMethod method;
  char *end = NULL;
  double utility;
  gint64 cluster;

  if (fields == NULL || g_strv_length (fields) != 3)
    return;
  method = lightly_sampling_method_from_string (fields[0], &error);
  utility = g_ascii_strtod (fields[1], &end);
  if (error != NULL || end == fields[1] || *end != '\0' ||
      !g_ascii_string_to_signed (fields[2], 10, -1, G_MAXINT, &cluster, NULL))
    return;
  /* "ACTIVE_LEARNING" → "active learning": the badge is small. */
  strategy = g_ascii_strdown (fields[0], -1);
  g_strdelimit (strategy, "_", ' ');
  reason = dup_reason (method, utility, cluster);
  annotator_item_set_provenance (item, strategy, utility, reason);
}

/* The tooltip: the selection's reason when it gave one, else the rank. */
char *
annotator_item_dup_why (AnnotatorItem *item)
{
  guint n = 0;
  guint rank = annotator_item_get_rank (item, &n);
  double utility = annotator_item_get_utility (item);
  const char *reason = annotator_item_get_reason (item);
  g_autoptr(GString) text = g_string_new (NULL);

  if (rank == 0)
    return NULL;
  if (annotator_item_get_strategy (item) != NULL)
    g_string_printf (text, _("Pick %u of %u, in the order the selection ranked the batch"), rank, n);
  else
    g_string_printf (text, _("Pick %u of %u, in the order the suggester returned the batch"), rank, n);
  if (!isnan (utility))
    g_string_append_printf (text, _(" · utility %.3g"), utility);
  if (reason != NULL)
    g_string_append_printf (text, "\n%s", reason);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
tile_label_changed_cb (AnnotatorItem *item,
                       GParamSpec    *pspec,
                       GtkWidget     *tile)
{
  if (annotator_item_get_label (item) >= 0)
    gtk_widget_add_css_class (tile, "labeled");
  else
    gtk_widget_remove_css_class (tile, "labeled");
}

static void
tile_broken_cb (AnnotatorItem *item,
                GParamSpec    *pspec,
                GtkWidget     *picture)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (picture));
  g_autoptr(GtkIconPaintable) icon = gtk_icon_theme_lookup_icon (theme, "image-missing", NULL, 64, 1,
                                                                 GTK_TEXT_DIR_NONE, 0);

  gtk_picture_set_paintable (GTK_PICTURE (picture), GDK_PAINTABLE (icon));
  gtk_widget_add_css_class (picture, "broken");
  gtk_widget_set_tooltip_text (picture, _("This file is missing or is not an image"));
  gtk_picture_set_alternative_text (GTK_PICTURE (picture), _("missing image"));
}

static gboolean
label_to_selected (GBinding     *binding,
                   const GValue *from,
                   GValue       *to,
                   gpointer      user_data)
{
  g_value_set_uint (to, (guint) (g_value_get_int (from) + 1));
  return TRUE;
}

static gboolean
selected_to_label (GBinding     *binding,
                   const GValue *from,
                   GValue       *to,
                   gpointer      user_data)
{
  guint selected = g_value_get_uint (from);

  if (selected == GTK_INVALID_LIST_POSITION)
    return FALSE;
  g_value_set_int (to, (int) selected - 1);
  return TRUE;
}

static GtkWidget *
create_badge (AnnotatorItem *item)
{
  g_autofree char *text = annotator_item_dup_badge (item);
  g_autofree char *why = annotator_item_dup_why (item);
  GtkWidget *badge;

  if (text == NULL)
    return NULL;
  badge = gtk_label_new (text);
  gtk_widget_add_css_class (badge, "annotator-badge");
  gtk_widget_set_halign (badge, GTK_ALIGN_START);
  gtk_widget_set_valign (badge, GTK_ALIGN_START);
  gtk_widget_set_margin_start (badge, 4);
  gtk_widget_set_margin_top (badge, 4);
  gtk_widget_set_tooltip_text (badge, why);
  return badge;
}

/* A tile for @item; @class_titles is "Unlabeled" then one title a class. */
GtkWidget *
annotator_tile_new (AnnotatorItem *item,
                    GListModel    *class_titles)
{
  GtkWidget *tile = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *overlay = gtk_overlay_new ();
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *name = gtk_label_new (annotator_item_get_name (item));
  GtkWidget *picker = gtk_drop_down_new (g_object_ref (class_titles), NULL);
  GtkWidget *badge = create_badge (item);
  g_autofree char *why = annotator_item_dup_why (item);

  gtk_widget_add_css_class (tile, "annotator-cell");
  gtk_widget_set_size_request (picture, 112, 112);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_set_tooltip_text (picture, why);
  g_object_bind_property (item, "thumbnail", picture, "paintable", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (item, "notify::broken", G_CALLBACK (tile_broken_cb), picture, 0);
  annotator_item_load_thumbnail (item);
  if (annotator_item_get_broken (item))
    tile_broken_cb (item, NULL, picture);
  gtk_overlay_set_child (GTK_OVERLAY (overlay), picture);
  if (badge != NULL)
    gtk_overlay_add_overlay (GTK_OVERLAY (overlay), badge);

  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (name), 14);
  gtk_widget_add_css_class (name, "caption");

  /* Beyond the 36 keyed classes the picker is the way in: typing filters it. */
  gtk_drop_down_set_expression (GTK_DROP_DOWN (picker),
                                gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string"));
  gtk_drop_down_set_enable_search (GTK_DROP_DOWN (picker), TRUE);
  /* Focus stays on the tiles, so the arrows always move between images. */
  gtk_widget_set_can_focus (picker, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (picker), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Class"), -1);
  g_object_bind_property_full (item, "label", picker, "selected",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               label_to_selected, selected_to_label, NULL, NULL);
  g_signal_connect_object (item, "notify::label", G_CALLBACK (tile_label_changed_cb), tile, 0);
  tile_label_changed_cb (item, NULL, tile);

  gtk_box_append (GTK_BOX (tile), overlay);
  gtk_box_append (GTK_BOX (tile), name);
  gtk_box_append (GTK_BOX (tile), picker);
  return tile;
}
