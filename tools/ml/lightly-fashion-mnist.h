/* lightly-fashion-mnist.h: the demo's data pipeline on Fashion-MNIST
 *
 * Private helper (tools/ml, not installed). Loads a pool slice of the
 * training images (the first n_pool) and the test images (the first
 * n_test), L2-normalises the pixels, fits a whitened PCA (lightly-pca.h) on
 * the pool only, and embeds pool and test. The embedding is DESIGN.md's
 * "whitened PCA (64)" row. It also writes the pool as 28×28 PNG thumbnails
 * and an embeddings.csv in Lightly's format (protocol.md §8).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "lightly-pca.h"

G_BEGIN_DECLS

/* Where the Debian package dataset-fashion-mnist installs the files. */
#define LIGHTLY_FASHION_MNIST_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"
#define LIGHTLY_FASHION_MNIST_SIDE 28
#define LIGHTLY_FASHION_MNIST_N_CLASSES 10

/**
 * LightlyFashionMnist:
 * @n_pool: pool images (the first n_pool of train-images-idx3-ubyte.gz)
 * @n_test: test images (the first n_test of t10k-images-idx3-ubyte.gz)
 * @dim: embedding dimension (PCA components)
 * @pool_pixels: n_pool × 784 raw pixels, for thumbnails
 * @pool_labels: n_pool true classes 0…9
 * @test_labels: n_test true classes
 * @pool_embeddings: n_pool × dim, whitened PCA of the L2-normalised pixels
 * @test_embeddings: n_test × dim, same transform (fitted on the pool only)
 * @pca: the fitted PCA
 * @seconds_load: wall time to read and decompress the IDX slices
 * @seconds_pca: wall time of the PCA fit
 * @seconds_embed: wall time of transforming pool and test
 */
typedef struct {
  guint       n_pool;
  guint       n_test;
  guint       dim;
  guint8     *pool_pixels;
  guint      *pool_labels;
  guint      *test_labels;
  float      *pool_embeddings;
  float      *test_embeddings;
  LightlyPca *pca;
  double      seconds_load;
  double      seconds_pca;
  double      seconds_embed;
} LightlyFashionMnist;

/* Loads and embeds. @data_dir NULL means $LIGHTLY_FASHION_MNIST_DIR, else
 * LIGHTLY_FASHION_MNIST_DEFAULT_DIR. @n_pool 0 means 10 000, @n_test 0 all
 * 10 000, @dim 0 means 64. Errors name the file or the bad count. */
LightlyFashionMnist *lightly_fashion_mnist_load (const char    *data_dir,
                                                 guint          n_pool,
                                                 guint          n_test,
                                                 guint          dim,
                                                 GCancellable  *cancellable,
                                                 GError       **error);

void                 lightly_fashion_mnist_free (LightlyFashionMnist *fm);

/* "fmnist-00042.png": the file name of pool sample @index (free with g_free). */
char                *lightly_fashion_mnist_file_name (guint index);

/* English name of class @label ("T-shirt/top", …), or NULL if out of range. */
const char          *lightly_fashion_mnist_class_name (guint label);

/* Writes every pool image as @folder/fmnist-NNNNN.png (8-bit gray, each file
 * written atomically), creating @folder if needed. */
gboolean             lightly_fashion_mnist_write_thumbnails (const LightlyFashionMnist  *fm,
                                                             const char                 *folder,
                                                             GCancellable               *cancellable,
                                                             GError                    **error);

/* Writes the pool's embeddings.csv (protocol.md §8) with the true class in
 * the labels column, atomically. */
gboolean             lightly_fashion_mnist_write_embeddings_csv (const LightlyFashionMnist  *fm,
                                                                 const char                 *path,
                                                                 GError                    **error);

/* Lightly's CSV format in general: header
 * "filenames,embedding_0,…,embedding_{dim−1},labels", rows
 * "<name>,<float>,…,<int>", "\r\n" line ends, floats as
 * lightly_format_float32(). File names must not contain ',', '"', CR or LF
 * (LIGHTLY_ERROR_INVALID_INPUT). Written atomically (temporary + rename). */
gboolean             lightly_embeddings_csv_write (const char          *path,
                                                   const char * const  *file_names,
                                                   const float         *embeddings,
                                                   gsize                n,
                                                   guint                dim,
                                                   const guint         *labels,
                                                   GError             **error);

/* Formats @v like Python's str() of a numpy.float32: the shortest decimal
 * that reads back to the same float32, with ".0" added to integral values
 * ("1.0", "0.29625183", "1e-05", "nan", "inf"). @buf needs 32 bytes;
 * returns @buf. */
char                *lightly_format_float32 (float v,
                                             char  buf[32]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyFashionMnist, lightly_fashion_mnist_free)

G_END_DECLS
