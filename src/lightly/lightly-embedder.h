/* lightly-embedder.h: the extension point that turns a folder of images into embeddings
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <gio/gio.h>
#include "lightly-version-macros.h"
#include "lightly-embedder-result.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_EMBEDDER (lightly_embedder_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (LightlyEmbedder, lightly_embedder, LIGHTLY, EMBEDDER, GObject)

/**
 * LightlyEmbedderInterface:
 * @g_iface: the parent interface
 * @embed_async: starts embedding a folder; the default runs @embed in a
 *   worker thread
 * @embed_finish: finishes @embed_async; the default propagates the
 *   [class@Lightly.EmbedderResult] of a #GTask
 * @embed: (nullable): embeds synchronously; optional, called in a worker
 *   thread by the default @embed_async
 * @get_dim: (nullable): the dimension of the embeddings, 0 when it depends
 *   on the images; optional, the default returns 0
 *
 * The interface of an embedder.
 */
struct _LightlyEmbedderInterface
{
  GTypeInterface g_iface;

  void                   (*embed_async)  (LightlyEmbedder *self, GFile *folder, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
  LightlyEmbedderResult *(*embed_finish) (LightlyEmbedder *self, GAsyncResult *result, GError **error);
  LightlyEmbedderResult *(*embed)        (LightlyEmbedder *self, GFile *folder, GCancellable *cancellable,
                                          GError **error);
  guint                  (*get_dim)      (LightlyEmbedder *self);

  /*< private >*/
  gpointer padding[8];
};

/**
 * LIGHTLY_EMBEDDER_ABI:
 *
 * The value of the `X-Lightly-Embedder-ABI` key that a `.plugin` file must
 * carry for hosts of this version of the interface to load it. Hosts
 * compare `peas_plugin_info_get_external_data (info, "Lightly-Embedder-ABI")`
 * with it.
 */
#define LIGHTLY_EMBEDDER_ABI "1"

LIGHTLY_AVAILABLE_IN_ALL
void                   lightly_embedder_embed_async      (LightlyEmbedder      *self,
                                                          GFile                *folder,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
LIGHTLY_AVAILABLE_IN_ALL
LightlyEmbedderResult *lightly_embedder_embed_finish     (LightlyEmbedder      *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyEmbedderResult *lightly_embedder_embed            (LightlyEmbedder      *self,
                                                          GFile                *folder,
                                                          GCancellable         *cancellable,
                                                          GError              **error);
LIGHTLY_AVAILABLE_IN_ALL
guint                  lightly_embedder_get_dim          (LightlyEmbedder      *self);
LIGHTLY_AVAILABLE_IN_ALL
void                   lightly_embedder_report_progress  (LightlyEmbedder      *self,
                                                          guint                 done,
                                                          guint                 total);
LIGHTLY_AVAILABLE_IN_ALL
char                 **lightly_embedder_list_images      (GFile                *folder,
                                                          GCancellable         *cancellable,
                                                          GError              **error);

G_END_DECLS
