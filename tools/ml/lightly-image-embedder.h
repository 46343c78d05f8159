/* lightly-image-embedder.h: embeddings for a folder of images, no model needed
 *
 * Private helper (tools/ml, not installed). The built-in embedder behind
 * `lightly-al embed`: every image is decoded by gdk-pixbuf (whatever loaders
 * are installed: PNG and JPEG always, TIFF, WebP, GIF, BMP… when present),
 * turned upright by its EXIF orientation, and described by a fixed vector of
 * 786 features:
 *   - 24 × 24 grey pixels (576), the shape;
 *   - 8 × 8 RGB pixels (192), the colour layout;
 *   - per-channel mean and standard deviation of 32 × 32 RGB (6);
 *   - a 12-bin hue histogram weighted by chroma (12), so grey images have an
 *     all-zero histogram instead of noise from undefined hues.
 * The features of the whole folder are then reduced by the whitened PCA of
 * lightly-pca.h, fitted on the folder itself, to min(max_dim, ⌊(n − 1)/2⌋)
 * dimensions (not n − 1: n points whitened in n − 1 dimensions are all
 * equally far apart; fewer when the folder's features have lower rank: components
 * with an eigenvalue under 10⁻⁶ λ₁ are dropped rather than blown up by the
 * whitening).
 *
 * Files are listed recursively in byte order of their relative paths
 * (hidden files and folders, and *.csv files, skipped), so the result is deterministic and
 * does not depend on the number of decoding threads. A file gdk-pixbuf
 * cannot read is reported in @failed, not fatal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Number of features per image before the PCA. */
#define LIGHTLY_IMAGE_FEATURES_DIM 786

/**
 * LightlyImageEmbedding:
 * @file_names: (element-type utf8): the readable images, relative to the
 *   folder, '/'-separated, in row order
 * @failed: (element-type utf8): "name: reason" for every unreadable file
 * @embeddings: @file_names->len × @dim row-major
 * @dim: embedding dimension
 */
typedef struct {
  GPtrArray *file_names;
  GPtrArray *failed;
  float     *embeddings;
  guint      dim;
} LightlyImageEmbedding;

/* Called on the calling thread as images are decoded. */
typedef void (*LightlyImageEmbedProgress) (gsize    done,
                                           gsize    total,
                                           gpointer user_data);

/* Writes LIGHTLY_IMAGE_FEATURES_DIM features of @path to @features.
 * FALSE with a GdkPixbuf/GIO error when the file cannot be decoded. */
gboolean               lightly_image_features     (const char  *path,
                                                   float       *features,
                                                   GError     **error);

/* Lists the regular files under @folder, relative, sorted. */
GPtrArray             *lightly_image_list_folder  (const char  *folder,
                                                   GError     **error);

/* Embeds every image under @folder with @n_threads decoding threads (0: one
 * per CPU). LIGHTLY_ERROR_INVALID_INPUT when fewer than two images are
 * readable (a PCA needs two), or @folder is not a folder. @cancellable is
 * checked between images. */
LightlyImageEmbedding *lightly_image_embed_folder (const char                 *folder,
                                                   guint                       max_dim,
                                                   guint                       n_threads,
                                                   LightlyImageEmbedProgress   progress,
                                                   gpointer                    user_data,
                                                   GCancellable               *cancellable,
                                                   GError                    **error);

void                   lightly_image_embedding_free (LightlyImageEmbedding *embedding);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyImageEmbedding, lightly_image_embedding_free)

G_END_DECLS
