/* lightly-image-embedder.c: embeddings for a folder of images, no model needed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "lightly-image-embedder.h"
#include "lightly-pca.h"
#include "lightly/lightly-error.h"
#include "lightly/lightly-embedder.h"

#define GREY_SIDE 24
#define COLOUR_SIDE 8
#define STATS_SIDE 32
#define HUE_BINS 12
/* Decoders that can shrink while decoding (JPEG) get this bound, so a
 * 24-megapixel photo costs a 128-pixel decode, not a full one. */
#define DECODE_SIDE 128

G_STATIC_ASSERT (LIGHTLY_IMAGE_FEATURES_DIM ==
                 GREY_SIDE * GREY_SIDE + 3 * COLOUR_SIDE * COLOUR_SIDE + 6 + HUE_BINS);

/* Scales @src to side × side and returns its pixels as RGB bytes. */
static guint8 *
scaled_rgb (GdkPixbuf *src,
            int        side)
{
  g_autoptr(GdkPixbuf) s = gdk_pixbuf_scale_simple (src, side, side, GDK_INTERP_BILINEAR);
  const guint8 *pixels = gdk_pixbuf_read_pixels (s);
  int stride = gdk_pixbuf_get_rowstride (s);
  int channels = gdk_pixbuf_get_n_channels (s);
  guint8 *rgb = g_new (guint8, side * side * 3);

  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      memcpy (rgb + (y * side + x) * 3, pixels + y * stride + x * channels, 3);
  return rgb;
}

/* Hue of an RGB pixel in [0, 6) and its chroma in [0, 1]. */
static double
hue_of (double r, double g, double b, double *chroma)
{
  double max = MAX (r, MAX (g, b)), min = MIN (r, MIN (g, b));
  double c = max - min, h;

  *chroma = c;
  if (c <= 0.0)
    return 0.0;
  if (max == r)
    h = fmod ((g - b) / c + 6.0, 6.0);
  else if (max == g)
    h = (b - r) / c + 2.0;
  else
    h = (r - g) / c + 4.0;
  return h;
}

static void
colour_statistics (const guint8 *rgb,
                   int           n_pixels,
                   float        *out)
{
  double sum[3] = { 0 }, sum2[3] = { 0 }, hist[HUE_BINS] = { 0 };

  for (int i = 0; i < n_pixels; i++)
    {
      double c[3], chroma, h;

      for (int ch = 0; ch < 3; ch++)
        {
          c[ch] = rgb[i * 3 + ch] / 255.0;
          sum[ch] += c[ch];
          sum2[ch] += c[ch] * c[ch];
        }
      h = hue_of (c[0], c[1], c[2], &chroma);
      hist[MIN ((int) (h * HUE_BINS / 6.0), HUE_BINS - 1)] += chroma;
    }
  for (int ch = 0; ch < 3; ch++)
    {
      double mean = sum[ch] / n_pixels;

      out[ch * 2] = (float) mean;
      out[ch * 2 + 1] = (float) sqrt (MAX (sum2[ch] / n_pixels - mean * mean, 0.0));
    }
  for (int b = 0; b < HUE_BINS; b++)
    out[6 + b] = (float) (hist[b] / n_pixels);
}

gboolean
lightly_image_features (const char  *path,
                        float       *features,
                        GError     **error)
{
  g_autoptr(GdkPixbuf) decoded = NULL;
  g_autoptr(GdkPixbuf) upright = NULL;
  g_autofree guint8 *grey = NULL;
  g_autofree guint8 *colour = NULL;
  g_autofree guint8 *stats = NULL;
  float *f = features;

  decoded = gdk_pixbuf_new_from_file_at_size (path, DECODE_SIDE, DECODE_SIDE, error);
  if (decoded == NULL)
    return FALSE;
  upright = gdk_pixbuf_apply_embedded_orientation (decoded);
  if (upright == NULL)
    upright = g_object_ref (decoded);

  grey = scaled_rgb (upright, GREY_SIDE);
  for (int i = 0; i < GREY_SIDE * GREY_SIDE; i++)
    *f++ = (0.299f * grey[i * 3] + 0.587f * grey[i * 3 + 1] + 0.114f * grey[i * 3 + 2]) / 255.0f;
  colour = scaled_rgb (upright, COLOUR_SIDE);
  for (int i = 0; i < COLOUR_SIDE * COLOUR_SIDE * 3; i++)
    *f++ = colour[i] / 255.0f;
  stats = scaled_rgb (upright, STATS_SIDE);
  colour_statistics (stats, STATS_SIDE * STATS_SIDE, f);
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * Listing
 * ------------------------------------------------------------------------- */

/* The listing rules are the library's, so every embedder (this one, the
 * TorchScript plugin) sees the same files in the same order. */
GPtrArray *
lightly_image_list_folder (const char  *folder,
                           GError     **error)
{
  g_autoptr(GFile) root = g_file_new_for_path (folder);
  char **names = lightly_embedder_list_images (root, NULL, error);
  GPtrArray *array;

  if (names == NULL)
    return NULL;
  array = g_ptr_array_new_with_free_func (g_free);
  for (char **n = names; *n != NULL; n++)
    g_ptr_array_add (array, *n);
  g_free (names);
  return array;
}

/* ---------------------------------------------------------------------------
 * Decoding on a thread pool
 * ------------------------------------------------------------------------- */

typedef struct {
  const char *folder;
  GPtrArray *names;
  float *features;            /* names->len × LIGHTLY_IMAGE_FEATURES_DIM */
  char **errors;              /* per file, NULL when it decoded */
  GCancellable *cancellable;
  GMutex lock;
  GCond cond;
  gsize done;
} Decode;

static void
decode_one (gpointer data,
            gpointer user_data)
{
  Decode *d = user_data;
  gsize i = GPOINTER_TO_SIZE (data) - 1;
  g_autoptr(GError) error = NULL;

  if (!g_cancellable_is_cancelled (d->cancellable))
    {
      g_autofree char *path = g_build_filename (d->folder, g_ptr_array_index (d->names, i), NULL);

      if (!lightly_image_features (path, d->features + i * LIGHTLY_IMAGE_FEATURES_DIM, &error))
        d->errors[i] = g_strdup_printf ("%s: %s", (char *) g_ptr_array_index (d->names, i),
                                        error->message);
    }
  g_mutex_lock (&d->lock);
  d->done++;
  g_cond_signal (&d->cond);
  g_mutex_unlock (&d->lock);
}

static gboolean
decode_all (Decode                    *d,
            guint                      n_threads,
            LightlyImageEmbedProgress  progress,
            gpointer                   user_data,
            GError                   **error)
{
  gsize n = d->names->len, seen = 0;
  GThreadPool *pool = g_thread_pool_new (decode_one, d, (int) n_threads, FALSE, error);

  if (pool == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    g_thread_pool_push (pool, GSIZE_TO_POINTER (i + 1), NULL);

  /* Progress is reported here, on the caller's thread, so a callback never
   * has to be thread-safe. */
  g_mutex_lock (&d->lock);
  while (seen < n)
    {
      while (d->done == seen)
        g_cond_wait (&d->cond, &d->lock);
      seen = d->done;
      g_mutex_unlock (&d->lock);
      if (progress != NULL)
        progress (seen, n, user_data);
      g_mutex_lock (&d->lock);
    }
  g_mutex_unlock (&d->lock);
  g_thread_pool_free (pool, FALSE, TRUE);
  return !g_cancellable_set_error_if_cancelled (d->cancellable, error);
}

/* ---------------------------------------------------------------------------
 * Folder → embeddings
 * ------------------------------------------------------------------------- */

/* How many of the @k leading eigenvalues to keep: the others are rank
 * deficiency, and whitening would blow their rounding noise up. */
static guint
n_significant (const double *eigenvalues,
               guint         k)
{
  guint kept = 0;

  while (kept < k && eigenvalues[kept] > 1e-6 * eigenvalues[0])
    kept++;
  return kept;
}

/* Fewer images than features: the covariance has rank ≤ n − 1 ≪ D, which
 * the QL iteration of a D × D matrix copes with badly, so the PCA goes
 * through the n × n Gram matrix G = Xc Xcᵀ instead (dual PCA). With
 * G u = μ u, the covariance has eigenvalue μ / (n − 1) and the whitened
 * coordinates of the images on that component are u·sqrt(n − 1). The sign
 * follows lightly-pca.h's convention (largest entry of the feature-space
 * component Xcᵀu positive), so both paths agree up to rounding. */
static gboolean
reduce_dual (LightlyImageEmbedding  *emb,
             const float            *x,
             guint                   k,
             GError                **error)
{
  gsize n = emb->file_names->len;
  const guint D = LIGHTLY_IMAGE_FEATURES_DIM;
  g_autofree double *xc = g_new (double, n * D);
  g_autofree double *gram = g_new (double, n * n);
  g_autofree double *mu = g_new (double, k);
  g_autofree double *u = g_new (double, (gsize) k * n);
  guint kept;

  for (guint j = 0; j < D; j++)
    {
      double mean = 0;

      for (gsize i = 0; i < n; i++)
        mean += x[i * D + j];
      mean /= n;
      for (gsize i = 0; i < n; i++)
        xc[i * D + j] = x[i * D + j] - mean;
    }
  for (gsize a = 0; a < n; a++)
    for (gsize b = 0; b <= a; b++)
      {
        double dot = 0;

        for (guint j = 0; j < D; j++)
          dot += xc[a * D + j] * xc[b * D + j];
        gram[a * n + b] = gram[b * n + a] = dot;
      }
  if (!lightly_pca_symmetric_eigen (gram, (guint) n, k, mu, u, error))
    return FALSE;
  kept = n_significant (mu, k);
  if (kept == 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "all %" G_GSIZE_FORMAT " images look the same: nothing to embed", n);
      return FALSE;
    }
  emb->dim = kept;
  emb->embeddings = g_new (float, n * kept);
  for (guint c = 0; c < kept; c++)
    {
      double best = 0, scale = sqrt ((double) (n - 1));

      for (guint j = 0; j < D; j++)
        {
          double v = 0;

          for (gsize i = 0; i < n; i++)
            v += xc[i * D + j] * u[c * n + i];
          if (fabs (v) > fabs (best))
            best = v;
        }
      if (best < 0)
        scale = -scale;
      for (gsize i = 0; i < n; i++)
        emb->embeddings[i * kept + c] = (float) (u[c * n + i] * scale);
    }
  return TRUE;
}

static gboolean
reduce (LightlyImageEmbedding  *emb,
        float                  *x,
        guint                   max_dim,
        GError                **error)
{
  gsize n = emb->file_names->len;
  /* Not n − 1: n points whitened in n − 1 dimensions form a regular simplex
   * (all pairwise distances equal), whatever the images look like. Half
   * of that keeps neighbours neighbours in small folders. */
  guint k = (guint) MIN ((gsize) MIN (max_dim, LIGHTLY_IMAGE_FEATURES_DIM), MAX ((n - 1) / 2, 1));
  guint kept;
  g_autoptr(LightlyPca) pca = NULL;
  g_autofree float *z = NULL;

  if (n <= LIGHTLY_IMAGE_FEATURES_DIM)
    return reduce_dual (emb, x, k, error);

  /* Some features are exactly redundant for whole folders (grey images:
   * R = G = B, an all-zero hue histogram), and large blocks of exactly equal
   * zero eigenvalues stall the QL iteration. A deterministic jitter far
   * below one grey level (1/255) makes them distinct; n_significant() then
   * drops them. */
  for (gsize i = 0; i < n * LIGHTLY_IMAGE_FEATURES_DIM; i++)
    {
      guint32 h = (guint32) i * 2654435761u;

      h ^= h >> 15;
      x[i] += ((h & 0xffff) / 65535.0f - 0.5f) * 1e-5f;
    }
  pca = lightly_pca_fit (x, n, LIGHTLY_IMAGE_FEATURES_DIM, k, error);
  if (pca == NULL)
    return FALSE;
  kept = n_significant (pca->eigenvalues, k);
  z = g_new (float, n * k);
  lightly_pca_transform (pca, x, n, z);
  emb->dim = kept;
  emb->embeddings = g_new (float, n * kept);
  for (gsize i = 0; i < n; i++)
    memcpy (emb->embeddings + i * kept, z + i * k, kept * sizeof (float));
  return TRUE;
}

LightlyImageEmbedding *
lightly_image_embed_folder (const char                 *folder,
                            guint                       max_dim,
                            guint                       n_threads,
                            LightlyImageEmbedProgress   progress,
                            gpointer                    user_data,
                            GCancellable               *cancellable,
                            GError                    **error)
{
  g_autoptr(LightlyImageEmbedding) emb = g_new0 (LightlyImageEmbedding, 1);
  g_autoptr(GPtrArray) names = NULL;
  g_autofree float *x = NULL;
  Decode d = { 0 };
  gsize n_ok = 0;
  gboolean ok;

  g_return_val_if_fail (folder != NULL && max_dim > 0, NULL);

  if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s is not a folder", folder);
      return NULL;
    }
  names = lightly_image_list_folder (folder, error);
  if (names == NULL)
    return NULL;
  emb->file_names = g_ptr_array_new_with_free_func (g_free);
  emb->failed = g_ptr_array_new_with_free_func (g_free);

  d.folder = folder;
  d.names = names;
  d.features = g_new0 (float, (gsize) names->len * LIGHTLY_IMAGE_FEATURES_DIM + 1);
  d.errors = g_new0 (char *, names->len + 1);
  d.cancellable = cancellable;
  g_mutex_init (&d.lock);
  g_cond_init (&d.cond);
  if (n_threads == 0)
    n_threads = MAX (g_get_num_processors (), 1);
  ok = names->len == 0 || decode_all (&d, n_threads, progress, user_data, error);
  g_mutex_clear (&d.lock);
  g_cond_clear (&d.cond);

  /* Compact the readable rows in place, in listing order. */
  x = d.features;
  for (guint i = 0; ok && i < names->len; i++)
    {
      if (d.errors[i] != NULL)
        {
          g_ptr_array_add (emb->failed, g_steal_pointer (&d.errors[i]));
          continue;
        }
      memmove (x + n_ok * LIGHTLY_IMAGE_FEATURES_DIM, x + (gsize) i * LIGHTLY_IMAGE_FEATURES_DIM,
               LIGHTLY_IMAGE_FEATURES_DIM * sizeof (float));
      g_ptr_array_add (emb->file_names, g_strdup (g_ptr_array_index (names, i)));
      n_ok++;
    }
  /* Not g_strfreev(): the array has holes where files decoded. */
  for (guint i = 0; i < names->len; i++)
    g_free (d.errors[i]);
  g_free (d.errors);
  if (!ok)
    return NULL;
  if (n_ok < 2)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s holds %" G_GSIZE_FORMAT " readable image%s (and %u unreadable file%s): "
                   "embeddings need at least two",
                   folder, n_ok, n_ok == 1 ? "" : "s", emb->failed->len,
                   emb->failed->len == 1 ? "" : "s");
      return NULL;
    }
  if (!reduce (emb, x, max_dim, error))
    return NULL;
  return g_steal_pointer (&emb);
}

void
lightly_image_embedding_free (LightlyImageEmbedding *embedding)
{
  if (embedding == NULL)
    return;
  g_clear_pointer (&embedding->file_names, g_ptr_array_unref);
  g_clear_pointer (&embedding->failed, g_ptr_array_unref);
  g_free (embedding->embeddings);
  g_free (embedding);
}
