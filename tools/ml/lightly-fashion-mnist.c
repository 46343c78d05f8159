/* lightly-fashion-mnist.c: the demo's data pipeline on Fashion-MNIST
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "lightly-fashion-mnist.h"
#include "lightly-idx.h"
#include "lightly-png.h"
#include "lightly/lightly-error.h"

#define N_PIXELS (LIGHTLY_FASHION_MNIST_SIDE * LIGHTLY_FASHION_MNIST_SIDE)

static const char * const class_names[LIGHTLY_FASHION_MNIST_N_CLASSES] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

const char *
lightly_fashion_mnist_class_name (guint label)
{
  return label < G_N_ELEMENTS (class_names) ? class_names[label] : NULL;
}

char *
lightly_fashion_mnist_file_name (guint index)
{
  return g_strdup_printf ("fmnist-%05u.png", index);
}

void
lightly_fashion_mnist_free (LightlyFashionMnist *fm)
{
  if (fm == NULL)
    return;
  g_free (fm->pool_pixels);
  g_free (fm->pool_labels);
  g_free (fm->test_labels);
  g_free (fm->pool_embeddings);
  g_free (fm->test_embeddings);
  lightly_pca_free (fm->pca);
  g_free (fm);
}

/* Reads matching image and label slices and checks they agree. */
static gboolean
load_split (const char *dir, const char *prefix, guint n, guint8 **pixels, guint **labels,
            GCancellable *cancellable, GError **error)
{
  g_autofree char *img_name = g_strdup_printf ("%s-images-idx3-ubyte.gz", prefix);
  g_autofree char *lbl_name = g_strdup_printf ("%s-labels-idx1-ubyte.gz", prefix);
  g_autofree char *img_path = g_build_filename (dir, img_name, NULL);
  g_autofree char *lbl_path = g_build_filename (dir, lbl_name, NULL);
  g_autoptr(LightlyIdx) img = NULL, lbl = NULL;
  guint i;

  img = lightly_idx_read (img_path, 3, 0, n, cancellable, error);
  if (img == NULL)
    return FALSE;
  if (img->rows != LIGHTLY_FASHION_MNIST_SIDE || img->cols != LIGHTLY_FASHION_MNIST_SIDE)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: images are %u×%u, Fashion-MNIST's are 28×28", img_path, img->rows, img->cols);
      return FALSE;
    }
  lbl = lightly_idx_read (lbl_path, 1, 0, n, cancellable, error);
  if (lbl == NULL)
    return FALSE;
  if (lbl->n_total != img->n_total)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s holds %" G_GSIZE_FORMAT " labels but %s holds %" G_GSIZE_FORMAT " images",
                   lbl_path, lbl->n_total, img_path, img->n_total);
      return FALSE;
    }
  *labels = g_new (guint, MAX (n, 1));
  for (i = 0; i < n; i++)
    {
      if (lbl->data[i] >= LIGHTLY_FASHION_MNIST_N_CLASSES)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s: label %u of item %u is not a Fashion-MNIST class (0–9)",
                       lbl_path, lbl->data[i], i);
          g_clear_pointer (labels, g_free);
          return FALSE;
        }
      (*labels)[i] = lbl->data[i];
    }
  *pixels = g_steal_pointer (&img->data);
  return TRUE;
}

static float *
normalised_pixels (const guint8 *pixels, guint n)
{
  float *out = g_new (float, (gsize) n * N_PIXELS);
  guint i, j;

  for (i = 0; i < n; i++)
    {
      const guint8 *src = pixels + (gsize) i * N_PIXELS;
      float *dst = out + (gsize) i * N_PIXELS;
      double ss = 0, inv;

      for (j = 0; j < N_PIXELS; j++)
        ss += (double) src[j] * src[j];
      inv = ss > 0 ? 1.0 / sqrt (ss) : 0.0;
      for (j = 0; j < N_PIXELS; j++)
        dst[j] = (float) (src[j] * inv);
    }
  return out;
}

LightlyFashionMnist *
lightly_fashion_mnist_load (const char    *data_dir,
                            guint          n_pool,
                            guint          n_test,
                            guint          dim,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autoptr(LightlyFashionMnist) fm = NULL;
  g_autofree guint8 *test_pixels = NULL;
  g_autofree float *pool_x = NULL, *test_x = NULL;
  gint64 t0;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data_dir == NULL)
    data_dir = g_getenv ("LIGHTLY_FASHION_MNIST_DIR");
  if (data_dir == NULL)
    data_dir = LIGHTLY_FASHION_MNIST_DEFAULT_DIR;
  if (n_pool == 0)
    n_pool = 10000;
  if (n_test == 0)
    n_test = 10000;
  if (dim == 0)
    dim = 64;
  if (dim > N_PIXELS || n_pool <= dim)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "a %u-dimensional embedding needs at most 784 dimensions and a pool of more "
                   "than %u images; the pool has %u", dim, dim, n_pool);
      return NULL;
    }

  fm = g_new0 (LightlyFashionMnist, 1);
  fm->n_pool = n_pool;
  fm->n_test = n_test;
  fm->dim = dim;

  t0 = g_get_monotonic_time ();
  if (!load_split (data_dir, "train", n_pool, &fm->pool_pixels, &fm->pool_labels, cancellable, error)
      || !load_split (data_dir, "t10k", n_test, &test_pixels, &fm->test_labels, cancellable, error))
    return NULL;
  fm->seconds_load = (g_get_monotonic_time () - t0) / 1e6;

  pool_x = normalised_pixels (fm->pool_pixels, n_pool);
  test_x = normalised_pixels (test_pixels, n_test);
  t0 = g_get_monotonic_time ();
  fm->pca = lightly_pca_fit (pool_x, n_pool, N_PIXELS, dim, error);
  if (fm->pca == NULL)
    return NULL;
  fm->seconds_pca = (g_get_monotonic_time () - t0) / 1e6;

  t0 = g_get_monotonic_time ();
  fm->pool_embeddings = g_new (float, (gsize) n_pool * dim);
  fm->test_embeddings = g_new (float, (gsize) n_test * dim);
  lightly_pca_transform (fm->pca, pool_x, n_pool, fm->pool_embeddings);
  lightly_pca_transform (fm->pca, test_x, n_test, fm->test_embeddings);
  fm->seconds_embed = (g_get_monotonic_time () - t0) / 1e6;
  return g_steal_pointer (&fm);
}

gboolean
lightly_fashion_mnist_write_thumbnails (const LightlyFashionMnist  *fm,
                                        const char                 *folder,
                                        GCancellable               *cancellable,
                                        GError                    **error)
{
  guint i;

  g_return_val_if_fail (fm != NULL && folder != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot create the thumbnail folder %s: %s", folder, g_strerror (saved));
      return FALSE;
    }
  for (i = 0; i < fm->n_pool; i++)
    {
      g_autofree char *name = lightly_fashion_mnist_file_name (i);
      g_autofree char *path = g_build_filename (folder, name, NULL);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!lightly_png_write_gray8 (path, fm->pool_pixels + (gsize) i * N_PIXELS,
                                    LIGHTLY_FASHION_MNIST_SIDE, LIGHTLY_FASHION_MNIST_SIDE,
                                    LIGHTLY_FASHION_MNIST_SIDE, error))
        return FALSE;
    }
  return TRUE;
}

/* lightly_format_float32() in the caller's locale (the C one). */
static char *
format_float32_c (float v, char buf[32])
{
  int p, exp10;

  if (isnan (v))
    return strcpy (buf, "nan");
  if (isinf (v))
    return strcpy (buf, v < 0 ? "-inf" : "inf");
  if (v == 0)
    return strcpy (buf, signbit (v) ? "-0.0" : "0.0");

  /* Shortest round trip: the fewest significant digits (≤ 9 for float32)
   * that read back. Reading back is monotone in the digit count, so bisect. */
  {
    int lo = 1, hi = 9;

    while (lo < hi)
      {
        int mid = (lo + hi) / 2;

        g_snprintf (buf, 32, "%.*e", mid - 1, (double) v);
        if (strtof (buf, NULL) == v)
          hi = mid;
        else
          lo = mid + 1;
      }
    p = lo;
  }
  g_snprintf (buf, 32, "%.*e", p - 1, (double) v);
  exp10 = atoi (strchr (buf, 'e') + 1);
  /* numpy prints positionally for 1e-4 ≤ |v| < 1e16 (the value, not its
   * rounded digits: 0.0001f is below 1e-4 and prints as "1e-04"). */
  if (fabs ((double) v) >= 1e-4 && fabs ((double) v) < 1e16)
    {
      g_snprintf (buf, 32, "%.*f", MAX (p - 1 - exp10, 0), (double) v);
      if (strchr (buf, '.') == NULL)
        strcat (buf, ".0");
    }
  return buf;
}

/* The C locale, for numbers in files whatever the user's LC_NUMERIC:
 * lightly-al sets the user's locale, and under de_DE "%e" wrote 0,5 into
 * the CSV (and strtof() read it back), a column too many per value. */
static locale_t
c_locale (void)
{
  static gsize c = 0;

  if (g_once_init_enter (&c))
    g_once_init_leave (&c, (gsize) newlocale (LC_ALL_MASK, "C", (locale_t) 0));
  return (locale_t) c;
}

char *
lightly_format_float32 (float v, char buf[32])
{
  locale_t old = uselocale (c_locale ());

  format_float32_c (v, buf);
  uselocale (old);
  return buf;
}

gboolean
lightly_embeddings_csv_write (const char          *path,
                              const char * const  *file_names,
                              const float         *embeddings,
                              gsize                n,
                              guint                dim,
                              const guint         *labels,
                              GError             **error)
{
  g_autoptr(GString) out = NULL;
  gsize i;
  guint j;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail ((file_names != NULL && embeddings != NULL && labels != NULL) || n == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  out = g_string_sized_new (64 + n * (dim * 12 + 24));
  g_string_append (out, "filenames");
  for (j = 0; j < dim; j++)
    g_string_append_printf (out, ",embedding_%u", j);
  g_string_append (out, ",labels\r\n");
  for (i = 0; i < n; i++)
    {
      if (file_names[i][0] == '\0' || strpbrk (file_names[i], ",\"\r\n") != NULL)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "file name “%s” (row %" G_GSIZE_FORMAT ") cannot go into an embeddings "
                       "CSV: it is empty or contains a comma, quote or line break",
                       file_names[i], i);
          return FALSE;
        }
      g_string_append (out, file_names[i]);
      for (j = 0; j < dim; j++)
        {
          char buf[32];

          g_string_append_c (out, ',');
          g_string_append (out, lightly_format_float32 (embeddings[i * dim + j], buf));
        }
      g_string_append_printf (out, ",%u\r\n", labels[i]);
    }
  return g_file_set_contents_full (path, out->str, (gssize) out->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

gboolean
lightly_fashion_mnist_write_embeddings_csv (const LightlyFashionMnist  *fm,
                                            const char                 *path,
                                            GError                    **error)
{
  g_autoptr(GPtrArray) names = NULL;
  guint i;

  g_return_val_if_fail (fm != NULL && path != NULL, FALSE);

  names = g_ptr_array_new_full (fm->n_pool + 1, g_free);
  for (i = 0; i < fm->n_pool; i++)
    g_ptr_array_add (names, lightly_fashion_mnist_file_name (i));
  g_ptr_array_add (names, NULL);
  return lightly_embeddings_csv_write (path, (const char * const *) names->pdata,
                                       fm->pool_embeddings, fm->n_pool, fm->dim,
                                       fm->pool_labels, error);
}
