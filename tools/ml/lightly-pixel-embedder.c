/* lightly-pixel-embedder.c: the built-in LightlyEmbedder (no model needed)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-pixel-embedder.h"
#include "lightly-image-embedder.h"
#include "lightly/lightly-error.h"

#define DEFAULT_MAX_DIM 64

struct _LightlyPixelEmbedder
{
  GObject parent_instance;

  /* Read by embed() in a worker thread: set them between calls only. */
  guint max_dim;
  guint n_threads;
};

enum {
  PROP_0,
  PROP_MAX_DIM,
  PROP_THREADS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void embedder_iface_init (LightlyEmbedderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LightlyPixelEmbedder, lightly_pixel_embedder, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LIGHTLY_TYPE_EMBEDDER, embedder_iface_init))

static void
on_progress (gsize    done,
             gsize    total,
             gpointer user_data)
{
  lightly_embedder_report_progress (user_data, (guint) MIN (done, G_MAXUINT),
                                    (guint) MIN (total, G_MAXUINT));
}

static LightlyEmbedderResult *
lightly_pixel_embedder_embed (LightlyEmbedder  *embedder,
                              GFile            *folder,
                              GCancellable     *cancellable,
                              GError          **error)
{
  LightlyPixelEmbedder *self = LIGHTLY_PIXEL_EMBEDDER (embedder);
  g_autofree char *path = g_file_get_path (folder);
  g_autoptr(LightlyImageEmbedding) emb = NULL;
  g_autoptr(GBytes) rows = NULL;
  gsize size;

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (folder);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s is not a local folder: the built-in embedder reads local files only", uri);
      return NULL;
    }
  emb = lightly_image_embed_folder (path, self->max_dim, self->n_threads, on_progress, self,
                                    cancellable, error);
  if (emb == NULL)
    return NULL;
  g_ptr_array_add (emb->file_names, NULL);
  g_ptr_array_add (emb->failed, NULL);
  size = (gsize) (emb->file_names->len - 1) * emb->dim * sizeof (float);
  rows = g_bytes_new_take (g_steal_pointer (&emb->embeddings), size);
  return lightly_embedder_result_new ((const char * const *) emb->file_names->pdata, rows, emb->dim,
                                      (const char * const *) emb->failed->pdata, error);
}

static void
embedder_iface_init (LightlyEmbedderInterface *iface)
{
  iface->embed = lightly_pixel_embedder_embed;
}

static void
lightly_pixel_embedder_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  LightlyPixelEmbedder *self = LIGHTLY_PIXEL_EMBEDDER (object);

  switch (prop_id)
    {
    case PROP_MAX_DIM:
      g_value_set_uint (value, self->max_dim);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->n_threads);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_pixel_embedder_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  LightlyPixelEmbedder *self = LIGHTLY_PIXEL_EMBEDDER (object);

  switch (prop_id)
    {
    case PROP_MAX_DIM:
      self->max_dim = g_value_get_uint (value);
      break;
    case PROP_THREADS:
      self->n_threads = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_pixel_embedder_class_init (LightlyPixelEmbedderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = lightly_pixel_embedder_get_property;
  object_class->set_property = lightly_pixel_embedder_set_property;

  properties[PROP_MAX_DIM] =
    g_param_spec_uint ("max-dim", NULL, NULL, 1, 4096, DEFAULT_MAX_DIM,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_THREADS] =
    g_param_spec_uint ("threads", NULL, NULL, 0, 1024, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_pixel_embedder_init (LightlyPixelEmbedder *self)
{
}

LightlyEmbedder *
lightly_pixel_embedder_new (guint max_dim,
                            guint n_threads)
{
  return g_object_new (LIGHTLY_TYPE_PIXEL_EMBEDDER, "max-dim", max_dim, "threads", n_threads, NULL);
}
