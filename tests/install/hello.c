/* Built outside the tree against the installed lightly-1.0.pc: one
 * active-learning round on the embedded store, as in the README. */
#include <lightly/lightly.h>
#include <glib/gstdio.h>

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lightly-hello-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "embeddings.csv", NULL);
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *location = g_filename_to_uri (store, NULL, NULL);
  GString *rows = g_string_new ("filenames,embedding_0,embedding_1,labels\r\n");

  for (int i = 0; i < 50; i++)
    g_string_append_printf (rows, "img-%02d.png,%g,%g,0\r\n", i, 1.0 + i % 7, 1.0 + (i * 3) % 11);
  g_file_set_contents (csv, rows->str, -1, NULL);
  g_string_free (rows, TRUE);

  /* The README's C example starts here. */
  g_autoptr(LightlyApiWorkflowClient) client =
    lightly_api_workflow_client_new (location, NULL, NULL, &error);
  g_autofree char *dataset_id =
    lightly_api_workflow_client_create_dataset (client, "hello", NULL, &error);
  if (dataset_id == NULL ||
      !lightly_api_workflow_client_register_samples_from_path (client, csv, NULL, &error))
    g_error ("%s", error->message);
  g_free (lightly_api_workflow_client_upload_embeddings_from_path (client, csv, "default", NULL, &error));
  if (error != NULL)
    g_error ("%s", error->message);

  g_autoptr(LightlyAgent) agent = lightly_agent_new (client, NULL, NULL, NULL, &error);
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  lightly_sampler_config_set_n_samples (config, 10);   /* labeled set size afterwards */
  g_autoptr(LightlyQueryResult) result = lightly_agent_query (agent, config, NULL, NULL, &error);
  if (result == NULL)
    g_error ("%s", error->message);
  for (const char * const *name = lightly_agent_get_added_set (agent); *name != NULL; name++)
    g_print ("label next: %s\n", *name);
  /* The README's C example ends here. */

  if (g_strv_length ((char **) lightly_agent_get_labeled_set (agent)) != 10)
    return 1;
  g_print ("C: lightly-glib %s selected 10 of 50\n", LIGHTLY_VERSION_S);
  return 0;
}
