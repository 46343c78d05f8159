/* annotator-preview.c: one image large, with zoom
 *
 * Space or a double click on a tile shows the selected image here. Zoom
 * doubles or halves the scale; "fit" scales the image to the view. Small
 * images are enlarged by whole pixels (nearest neighbour), so a 28 × 28
 * Fashion-MNIST image stays sharp at any zoom.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "annotator-preview.h"

/* The largest side the scaled image may have, in pixels. */
#define MAX_SIDE 8192
/* The view's side when it has no size yet (the first show). */
#define FALLBACK_VIEW 480

struct _AnnotatorPreview
{
  GtkBox parent_instance;

  GtkWidget *title;
  GtkWidget *scale_label;
  GtkWidget *scrolled;
  GtkWidget *picture;
  GdkPixbuf *original;
  char *name;
  double scale;             /* image pixels to screen pixels */
};

G_DEFINE_FINAL_TYPE (AnnotatorPreview, annotator_preview, GTK_TYPE_BOX)

static void
annotator_preview_finalize (GObject *object)
{
  AnnotatorPreview *self = ANNOTATOR_PREVIEW (object);

  g_clear_object (&self->original);
  g_free (self->name);
  G_OBJECT_CLASS (annotator_preview_parent_class)->finalize (object);
}

static void
annotator_preview_class_init (AnnotatorPreviewClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = annotator_preview_finalize;
}

static GtkWidget *
zoom_button (const char *icon,
             const char *tooltip,
             int         step)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.zoom");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "i", step);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static void
annotator_preview_init (AnnotatorPreview *self)
{
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *close = gtk_button_new_with_mnemonic (_("_Back to the Batch"));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  self->scale = 1;
  gtk_widget_add_css_class (bar, "annotator-progress");
  self->title = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (self->title, TRUE);
  self->scale_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->scale_label, "dim-label");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (close), "win.preview");
  gtk_box_append (GTK_BOX (bar), self->title);
  gtk_box_append (GTK_BOX (bar), self->scale_label);
  gtk_box_append (GTK_BOX (bar), zoom_button ("zoom-out-symbolic", _("Zoom out (minus)"), -1));
  gtk_box_append (GTK_BOX (bar), zoom_button ("zoom-fit-best-symbolic", _("Fit to the view"), 0));
  gtk_box_append (GTK_BOX (bar), zoom_button ("zoom-in-symbolic", _("Zoom in (plus)"), 1));
  gtk_box_append (GTK_BOX (bar), close);

  self->picture = gtk_picture_new ();
  gtk_picture_set_can_shrink (GTK_PICTURE (self->picture), FALSE);
  gtk_widget_set_halign (self->picture, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (self->picture, GTK_ALIGN_CENTER);
  self->scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scrolled), self->picture);
  gtk_widget_set_vexpand (self->scrolled, TRUE);
  gtk_widget_add_css_class (self->scrolled, "annotator-preview");

  gtk_box_append (GTK_BOX (self), bar);
  gtk_box_append (GTK_BOX (self), self->scrolled);
}

GtkWidget *
annotator_preview_new (void)
{
  return g_object_new (ANNOTATOR_TYPE_PREVIEW, NULL);
}

static double
fit_scale (AnnotatorPreview *self)
{
  int view_w = gtk_widget_get_width (self->scrolled);
  int view_h = gtk_widget_get_height (self->scrolled);
  int w = gdk_pixbuf_get_width (self->original);
  int h = gdk_pixbuf_get_height (self->original);
  double scale;

  if (view_w <= 1 || view_h <= 1)
    view_w = view_h = FALLBACK_VIEW;
  scale = MIN ((double) (view_w - 8) / w, (double) (view_h - 8) / h);
  /* Whole pixels when enlarging: no blur, no uneven rows. */
  return scale >= 1 ? MAX (1, (int) scale) : scale;
}

static void
render (AnnotatorPreview *self)
{
  int w = gdk_pixbuf_get_width (self->original);
  int h = gdk_pixbuf_get_height (self->original);
  int sw, sh;
  g_autoptr(GdkPixbuf) scaled = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *percent = NULL;

  self->scale = CLAMP (self->scale, 1.0 / 64, (double) MAX_SIDE / MAX (w, h));
  sw = MAX (1, (int) (w * self->scale + 0.5));
  sh = MAX (1, (int) (h * self->scale + 0.5));
  scaled = gdk_pixbuf_scale_simple (self->original, sw, sh,
                                    self->scale >= 2 ? GDK_INTERP_NEAREST : GDK_INTERP_BILINEAR);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  texture = gdk_texture_new_for_pixbuf (scaled);
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_picture_set_paintable (GTK_PICTURE (self->picture), GDK_PAINTABLE (texture));
  gtk_widget_set_size_request (self->picture, sw, sh);
  percent = g_strdup_printf ("%.0f %% · %d × %d", self->scale * 100, w, h);
  gtk_label_set_text (GTK_LABEL (self->scale_label), percent);
}

/* Shows @item large, fitted to the view. */
void
annotator_preview_show_item (AnnotatorPreview *self,
                             AnnotatorItem    *item,
                             const char       *class_title)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  guint n = 0;
  guint rank = annotator_item_get_rank (item, &n);

  g_free (self->name);
  self->name = g_strdup (annotator_item_get_name (item));
  if (rank > 0)
    title = g_strdup_printf (_("%s · %s · pick %u of %u"), self->name, class_title, rank, n);
  else
    title = g_strdup_printf ("%s · %s", self->name, class_title);
  gtk_label_set_text (GTK_LABEL (self->title), title);

  g_clear_object (&self->original);
  /* One image, decoded on the spot: the user waits for it anyway. */
  self->original = gdk_pixbuf_new_from_file (annotator_item_get_path (item), &error);
  if (self->original == NULL)
    {
      gtk_picture_set_paintable (GTK_PICTURE (self->picture), NULL);
      gtk_label_set_text (GTK_LABEL (self->scale_label), error->message);
      return;
    }
  self->scale = fit_scale (self);
  render (self);
}

/* @step > 0 doubles the scale, < 0 halves it, 0 fits the image to the view. */
void
annotator_preview_zoom (AnnotatorPreview *self,
                        int               step)
{
  if (self->original == NULL)
    return;
  if (step == 0)
    self->scale = fit_scale (self);
  else
    self->scale = step > 0 ? self->scale * 2 : self->scale / 2;
  render (self);
}

double
annotator_preview_get_scale (AnnotatorPreview *self)
{
  return self->original != NULL ? self->scale : 0;
}

const char *
annotator_preview_get_name (AnnotatorPreview *self)
{
  return self->name;
}
