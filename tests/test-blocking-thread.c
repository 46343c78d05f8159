/* test-blocking-thread.c: where a blocking call's operations run
 *
 * Over the embedded store, a blocking variant runs its operations on the
 * calling thread (it waits for them anyway), so a script or lightly-al
 * starts no worker thread for them; a thread that owns the global default
 * context (a GUI thread) never runs SQL and hands them to the client's
 * workers, as the async calls do (docs/design.md, "Threads"). The workers
 * are GLib pool threads, named "pool-…": the test reads the names of this
 * process's threads from /proc, so it runs alone in its executable, the
 * cases in this order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <lightly/lightly.h>

#include "test-utils.h"

/* How many threads of this process have a name starting with "pool". */
static guint
count_pool_threads (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", tid, "comm", NULL);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (path, &comm, NULL, NULL) && g_str_has_prefix (comm, "pool"))
        n++;
    }
  return n;
}

static LightlyApiWorkflowClient *
new_client (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = g_filename_to_uri (dir, NULL, &error);
  LightlyApiWorkflowClient *client;

  g_assert_no_error (error);
  client = lightly_api_workflow_client_new (uri, NULL, NULL, &error);
  g_assert_no_error (error);
  return client;
}

/* A dataset with three samples and embeddings, an agent over it and a
 * query: every kind of operation a script makes, all blocking. None but
 * the query's selection job (which runs on the store's pool) may need a
 * pool thread. */
static void
test_runs_here (void)
{
  static const char csv[] =
    "filenames,embedding_0,embedding_1,labels\n"
    "a.png,1,0,0\nb.png,0,1,0\nc.png,0.6,0.8,0\n";
  g_autofree char *dir = test_make_tmp_dir ("lightly-blocking");
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(GBytes) bytes = g_bytes_new_static (csv, sizeof csv - 1);
  g_autoptr(GInputStream) in1 = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(GInputStream) in2 = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(GPtrArray) datasets = NULL;
  g_autoptr(LightlyAgent) agent = NULL;
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  g_autoptr(LightlyQueryResult) result = NULL;
  g_autofree char *dataset_id = NULL;
  g_autofree char *embedding_id = NULL;

  g_assert_cmpuint (count_pool_threads (), ==, 0);
  datasets = lightly_api_workflow_client_list_datasets (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (datasets->len, ==, 0);
  dataset_id = lightly_api_workflow_client_create_dataset (client, "blocking", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lightly_api_workflow_client_register_samples (client, in1, NULL, &error));
  g_assert_no_error (error);
  embedding_id = lightly_api_workflow_client_upload_embeddings (client, in2, "default", NULL, &error);
  g_assert_no_error (error);
  agent = lightly_agent_new (client, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_agent_get_set_size (agent, LIGHTLY_AGENT_SET_QUERY), ==, 3);
  g_assert_cmpuint (count_pool_threads (), ==, 0);

  g_object_set (config, "method", LIGHTLY_SAMPLING_METHOD_CORESET, "n-samples", 2, NULL);
  result = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length ((char **) lightly_query_result_get_added (result)), ==, 2);
  g_assert_cmpuint (count_pool_threads (), <=, 1);
  test_rm_rf (dir);
}

static void
test_gui_thread_hands_off (void)
{
  g_autofree char *dir = test_make_tmp_dir ("lightly-blocking");
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(GPtrArray) datasets = NULL;
  guint before = count_pool_threads ();

  /* This thread now owns the global default context, as a GUI thread
   * running its main loop does. */
  g_assert_true (g_main_context_acquire (NULL));
  datasets = lightly_api_workflow_client_list_datasets (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (datasets->len, ==, 0);
  g_assert_cmpuint (count_pool_threads (), >, before);
  g_main_context_release (NULL);
  test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/blocking/runs-here", test_runs_here);
  g_test_add_func ("/blocking/gui-thread-hands-off", test_gui_thread_hands_off);
  return g_test_run ();
}
