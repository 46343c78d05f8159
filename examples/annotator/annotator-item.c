/* annotator-item.c: one image of the batch on screen
 *
 * Its thumbnail is decoded in a worker the first time a cell shows it.
 * Small images (Fashion-MNIST's are 28 × 28) are enlarged by whole pixels,
 * so they stay sharp instead of being smeared by GTK's filtering.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include <math.h>

#include "annotator-item.h"

#define THUMB_SIZE 112

struct _AnnotatorItem
{
  GObject parent_instance;

  char *name;
  char *path;
  int label;
  GdkPaintable *thumbnail;
  gboolean loading;
  gboolean broken;

  /* Where the image stands in the batch the suggester returned, and (once
   * the selection reports it) why it was picked. */
  guint rank;                 /* 1-based; 0: not from a batch */
  guint batch_length;
  char *strategy;             /* nullable, e.g. "margin" */
  double utility;             /* NAN when unknown */
  char *reason;               /* nullable, one sentence */
};

G_DEFINE_FINAL_TYPE (AnnotatorItem, annotator_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_LABEL,
  PROP_THUMBNAIL,
  PROP_BROKEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
annotator_item_finalize (GObject *object)
{
  AnnotatorItem *self = ANNOTATOR_ITEM (object);

  g_free (self->name);
  g_free (self->path);
  g_free (self->strategy);
  g_free (self->reason);
  g_clear_object (&self->thumbnail);

  G_OBJECT_CLASS (annotator_item_parent_class)->finalize (object);
}

static void
annotator_item_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AnnotatorItem *self = ANNOTATOR_ITEM (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_LABEL:
      g_value_set_int (value, self->label);
      break;
    case PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;
    case PROP_BROKEN:
      g_value_set_boolean (value, self->broken);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
annotator_item_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AnnotatorItem *self = ANNOTATOR_ITEM (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      annotator_item_set_label (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
annotator_item_class_init (AnnotatorItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = annotator_item_finalize;
  object_class->get_property = annotator_item_get_property;
  object_class->set_property = annotator_item_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LABEL] =
    g_param_spec_int ("label", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_THUMBNAIL] =
    g_param_spec_object ("thumbnail", NULL, NULL, GDK_TYPE_PAINTABLE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BROKEN] =
    g_param_spec_boolean ("broken", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
annotator_item_init (AnnotatorItem *self)
{
  self->label = -1;
  self->utility = NAN;
}

AnnotatorItem *
annotator_item_new (const char *name,
                    const char *path,
                    int         label)
{
  AnnotatorItem *self = g_object_new (ANNOTATOR_TYPE_ITEM, NULL);

  self->name = g_strdup (name);
  self->path = g_strdup (path);
  self->label = MAX (label, -1);
  return self;
}

const char *
annotator_item_get_name (AnnotatorItem *self)
{
  return self->name;
}

int
annotator_item_get_label (AnnotatorItem *self)
{
  return self->label;
}

void
annotator_item_set_label (AnnotatorItem *self,
                          int            label)
{
  label = MAX (label, -1);
  if (self->label == label)
    return;
  self->label = label;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
}

/* The place of the image in its batch, as the suggester ranked it. */
void
annotator_item_set_rank (AnnotatorItem *self,
                         guint          rank,
                         guint          batch_length)
{
  self->rank = rank;
  self->batch_length = batch_length;
}

guint
annotator_item_get_rank (AnnotatorItem *self,
                         guint         *batch_length)
{
  if (batch_length != NULL)
    *batch_length = self->batch_length;
  return self->rank;
}

/*
 * Why the selection picked the image: its strategy (nullable), its utility
 * (NAN when unknown) and a sentence for the tooltip (nullable). Selections
 * that report no per-pick provenance leave all three unset, and the tile
 * shows the rank alone.
 */
void
annotator_item_set_provenance (AnnotatorItem *self,
                               const char    *strategy,
                               double         utility,
                               const char    *reason)
{
  g_free (self->strategy);
  g_free (self->reason);
  self->strategy = g_strdup (strategy);
  self->utility = utility;
  self->reason = g_strdup (reason);
}

const char *
annotator_item_get_strategy (AnnotatorItem *self)
{
  return self->strategy;
}

double
annotator_item_get_utility (AnnotatorItem *self)
{
  return self->utility;
}

const char *
annotator_item_get_reason (AnnotatorItem *self)
{
  return self->reason;
}

const char *
annotator_item_get_path (AnnotatorItem *self)
{
  return self->path;
}

gboolean
annotator_item_get_broken (AnnotatorItem *self)
{
  return self->broken;
}

GdkPaintable *
annotator_item_get_thumbnail (AnnotatorItem *self)
{
  return self->thumbnail;
}

static void
thumbnail_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  const char *path = task_data;
  GdkPixbuf *pixbuf;
  GError *error = NULL;
  int w = 0, h = 0;

  if (gdk_pixbuf_get_file_info (path, &w, &h) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s is not an image GTK can read"), path);
      return;
    }
  if (MAX (w, h) * 2 <= THUMB_SIZE)
    {
      g_autoptr(GdkPixbuf) small = gdk_pixbuf_new_from_file (path, &error);
      int factor = THUMB_SIZE / MAX (MAX (w, h), 1);

      if (small == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      pixbuf = gdk_pixbuf_scale_simple (small, w * factor, h * factor, GDK_INTERP_NEAREST);
    }
  else
    pixbuf = gdk_pixbuf_new_from_file_at_scale (path, THUMB_SIZE, THUMB_SIZE, TRUE, &error);
  if (pixbuf == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, pixbuf, g_object_unref);
}

static void
thumbnail_loaded_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  AnnotatorItem *self = ANNOTATOR_ITEM (source);
  g_autoptr(GdkPixbuf) pixbuf = g_task_propagate_pointer (G_TASK (result), NULL);

  self->loading = FALSE;
  if (pixbuf == NULL)
    {
      self->broken = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BROKEN]);
      return;
    }
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  self->thumbnail = GDK_PAINTABLE (gdk_texture_new_for_pixbuf (pixbuf));
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAIL]);
}

/* Starts decoding the thumbnail unless it is loaded or loading. */
void
annotator_item_load_thumbnail (AnnotatorItem *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->thumbnail != NULL || self->loading || self->broken)
    return;
  self->loading = TRUE;
  task = g_task_new (self, NULL, thumbnail_loaded_cb, NULL);
  g_task_set_task_data (task, g_strdup (self->path), g_free);
  /* One small image: well under the 100 ms GTask's pool is meant for. */
  g_task_run_in_thread (task, thumbnail_thread);
}
