/* make-fixture.c: writes the tests' Fashion-MNIST slice at build time
 *
 *   make-fixture OUT.CSV [N_POOL [DIM]]
 *
 * The first N_POOL (default 300) training images of Fashion-MNIST, embedded
 * as the demo does (whitened PCA of DIM components, default 64, fitted on the
 * slice), written in Lightly's embeddings CSV format (protocol.md §8) with the
 * true classes in the labels column. The data comes from
 * $LIGHTLY_FASHION_MNIST_DIR, else the Debian package dataset-fashion-mnist.
 */
#include "config.h"

#include <stdlib.h>

#include "ml/lightly-fashion-mnist.h"

int
main (int argc, char **argv)
{
  g_autoptr(LightlyFashionMnist) fm = NULL;
  g_autoptr(GError) error = NULL;
  guint n_pool = 300;
  guint dim = 64;

  if (argc < 2 || argc > 4)
    {
      g_printerr ("Usage: %s OUT.CSV [N_POOL [DIM]]\n", argv[0]);
      return 2;
    }
  if (argc > 2)
    n_pool = (guint) strtoul (argv[2], NULL, 10);
  if (argc > 3)
    dim = (guint) strtoul (argv[3], NULL, 10);
  if (n_pool == 0 || dim == 0 || dim > n_pool)
    {
      g_printerr ("%s: N_POOL and DIM must be positive, DIM ≤ N_POOL\n", argv[0]);
      return 2;
    }

  /* One test image: the loader wants a test split, the fixture does not. */
  fm = lightly_fashion_mnist_load (NULL, n_pool, 1, dim, NULL, &error);
  if (fm == NULL || !lightly_fashion_mnist_write_embeddings_csv (fm, argv[1], &error))
    {
      g_printerr ("%s: %s (the tests need Fashion-MNIST: install the Debian package "
                  "dataset-fashion-mnist, or set LIGHTLY_FASHION_MNIST_DIR)\n", argv[0], error->message);
      return 1;
    }
  return 0;
}
