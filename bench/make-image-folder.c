/* make-image-folder.c: a folder of Fashion-MNIST PNGs for `lightly-al embed`
 *
 *   make-image-folder FOLDER [N] [SIDE]
 *
 * Writes the first N (default 10 000) training images of the installed
 * Fashion-MNIST (LIGHTLY_FASHION_MNIST_DEFAULT_DIR) as SIDE × SIDE grey PNGs
 * (default 56: each pixel repeated, a photo-sized file it is not, but the
 * decoder and resampling run on every pixel), as FOLDER/<class>/NNNNN.png.
 * The images-per-second measurement of bench/README.md runs the CLI on it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <lightly/lightly.h>

#include <errno.h>
#include <stdlib.h>

#include "ml/lightly-fashion-mnist.h"
#include "ml/lightly-idx.h"
#include "ml/lightly-png.h"

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyIdx) images = NULL;
  g_autoptr(LightlyIdx) labels = NULL;
  g_autofree char *images_path = g_build_filename (LIGHTLY_FASHION_MNIST_DEFAULT_DIR,
                                                   "train-images-idx3-ubyte.gz", NULL);
  g_autofree char *labels_path = g_build_filename (LIGHTLY_FASHION_MNIST_DEFAULT_DIR,
                                                   "train-labels-idx1-ubyte.gz", NULL);
  guint n = argc > 2 ? (guint) strtoul (argv[2], NULL, 10) : 10000;
  guint side = argc > 3 ? (guint) strtoul (argv[3], NULL, 10) : 56;
  g_autofree guint8 *pixels = NULL;

  if (argc < 2 || n == 0 || side < LIGHTLY_FASHION_MNIST_SIDE)
    {
      g_printerr ("usage: %s FOLDER [N] [SIDE ≥ 28]\n", argv[0]);
      return 2;
    }
  images = lightly_idx_read (images_path, 3, 0, n, NULL, &error);
  if (images != NULL)
    labels = lightly_idx_read (labels_path, 1, 0, n, NULL, &error);
  if (labels == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  pixels = g_new (guint8, (gsize) side * side);
  for (guint i = 0; i < n; i++)
    {
      const guint8 *src = images->data + (gsize) i * images->item_size;
      g_autofree char *dir = g_build_filename (argv[1], lightly_fashion_mnist_class_name (labels->data[i]), NULL);
      g_autofree char *name = g_strdup_printf ("%05u.png", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      for (guint y = 0; y < side; y++)
        for (guint x = 0; x < side; x++)
          pixels[y * side + x] = src[(y * images->rows / side) * images->cols + x * images->cols / side];
      if (g_mkdir_with_parents (dir, 0755) != 0 ||
          !lightly_png_write_gray8 (path, pixels, side, side, side, &error))
        {
          g_printerr ("%s: %s\n", path, error != NULL ? error->message : g_strerror (errno));
          return 1;
        }
    }
  g_print ("%u PNGs of %u×%u in %s\n", n, side, side, argv[1]);
  return 0;
}
