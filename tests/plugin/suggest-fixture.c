/* suggest-fixture.c: a small Fashion-MNIST store for the plugin tests
 *
 *   suggest-fixture DIR [N_POOL]
 *       creates an embedded store in DIR with N_POOL (default 300) pool
 *       images embedded by whitened PCA (16), and prints the dataset id
 *   suggest-fixture --exec PROGRAM [ARGS…]
 *       does the same in a temporary directory, runs
 *       PROGRAM ARGS… file://DIR DATASET_ID, removes the directory and
 *       exits with PROGRAM's status (for examples/host-snippet.c)
 *
 * It links the internal library and tools/ml statically, so it must stay a
 * separate program from the hosts, which load liblightly-1.0.so through
 * the plugin.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <glib/gstdio.h>

#include <lightly/lightly.h>
#include "test-utils.h"
#include "ml/lightly-fashion-mnist.h"

#define DEFAULT_POOL 300
#define EMBEDDING_DIM 16

static char *
make_store (const char  *dir,
            guint        n_pool,
            GError     **error)
{
  g_autoptr(LightlyFashionMnist) fm = NULL;
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autofree char *csv = g_build_filename (dir, "embeddings.csv", NULL);
  g_autofree char *uri = NULL;
  g_autofree char *dataset_id = NULL;
  g_autofree char *embedding_id = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "Cannot create %s", dir);
      return NULL;
    }
  fm = lightly_fashion_mnist_load (NULL, n_pool, 1, EMBEDDING_DIM, NULL, error);
  if (fm == NULL || !lightly_fashion_mnist_write_embeddings_csv (fm, csv, error))
    return NULL;

  uri = g_filename_to_uri (dir, NULL, error);
  if (uri == NULL)
    return NULL;
  client = lightly_api_workflow_client_new (uri, NULL, NULL, error);
  if (client == NULL)
    return NULL;
  dataset_id = lightly_api_workflow_client_create_dataset (client, "fashion-mnist", NULL, error);
  if (dataset_id == NULL)
    return NULL;
  lightly_api_workflow_client_set_dataset_id (client, dataset_id);
  if (!lightly_api_workflow_client_register_samples_from_path (client, csv, NULL, error))
    return NULL;
  embedding_id = lightly_api_workflow_client_upload_embeddings_from_path (client, csv, "pca-16", NULL, error);
  if (embedding_id == NULL)
    return NULL;
  return g_steal_pointer (&dataset_id);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dataset_id = NULL;

  if (argc >= 3 && g_strcmp0 (argv[1], "--exec") == 0)
    {
      g_autofree char *dir = g_dir_make_tmp ("lightly-suggest-XXXXXX", &error);
      g_autofree char *uri = NULL;
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      int status = 1;

      if (dir == NULL || (dataset_id = make_store (dir, DEFAULT_POOL, &error)) == NULL)
        {
          g_printerr ("suggest-fixture: %s\n", error->message);
          return 1;
        }
      uri = g_filename_to_uri (dir, NULL, NULL);
      for (int i = 2; i < argc; i++)
        g_ptr_array_add (args, argv[i]);
      g_ptr_array_add (args, uri);
      g_ptr_array_add (args, dataset_id);
      g_ptr_array_add (args, NULL);
      if (!g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_CHILD_INHERITS_STDIN,
                         NULL, NULL, NULL, NULL, &status, &error) ||
          !g_spawn_check_wait_status (status, &error))
        {
          g_printerr ("suggest-fixture: %s: %s\n", argv[2], error->message);
          status = 1;
        }
      test_rm_rf (dir);
      return status == 0 ? 0 : 1;
    }

  if (argc < 2 || argc > 3)
    {
      g_printerr ("Usage: %s DIR [N_POOL] | --exec PROGRAM [ARGS…]\n", argv[0]);
      return 2;
    }
  dataset_id = make_store (argv[1], argc == 3 ? (guint) atoi (argv[2]) : DEFAULT_POOL, &error);
  if (dataset_id == NULL)
    {
      g_printerr ("suggest-fixture: %s\n", error->message);
      return 1;
    }
  g_print ("%s\n", dataset_id);
  return 0;
}
