/* lightly-al-list.c: `lightly-al datasets` and `lightly-al tags`
 *
 * Both print a table for people, or with --json an object with stable keys
 * for scripts (docs/cli.md lists them).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-al-common.h"

static gboolean opt_json;

static const GOptionEntry json_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print JSON on stdout (keys: see docs/cli.md)", NULL },
  G_OPTION_ENTRY_NULL
};

static void
add_string (JsonBuilder *b,
            const char  *key,
            const char  *value)
{
  json_builder_set_member_name (b, key);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b,
         const char  *key,
         gint64       value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, value);
}

int
lightly_al_cmd_datasets (int argc, char **argv)
{
  GOptionContext *context = g_option_context_new ("— list the datasets");
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autoptr(GPtrArray) datasets = NULL;
  GError *error = NULL;
  int code = 0;

  g_option_context_add_main_entries (context, json_entries, NULL);
  if (!lightly_al_parse_options (context, &argc, &argv, &code))
    return g_option_context_free (context), code;
  if (argc != 1)
    return lightly_al_usage_error (context, "datasets takes no arguments");
  g_option_context_free (context);

  client = lightly_al_open_client (NULL, FALSE, &error);
  if (client == NULL)
    return lightly_al_fail (error);
  datasets = lightly_api_workflow_client_list_datasets (client, NULL, &error);
  if (datasets == NULL)
    return lightly_al_fail (error);

  if (opt_json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "datasets");
      json_builder_begin_array (b);
      for (guint i = 0; i < datasets->len; i++)
        {
          LightlyDataset *d = g_ptr_array_index (datasets, i);

          json_builder_begin_object (b);
          add_string (b, "id", lightly_dataset_get_id (d));
          add_string (b, "name", lightly_dataset_get_name (d));
          add_int (b, "n_samples", lightly_dataset_get_n_samples (d));
          add_int (b, "created_at", lightly_dataset_get_created_at (d));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      lightly_al_print_json (json_builder_get_root (b));
      return 0;
    }

  g_print ("%-32s %8s  %s\n", "NAME", "SAMPLES", "ID");
  for (guint i = 0; i < datasets->len; i++)
    {
      LightlyDataset *d = g_ptr_array_index (datasets, i);

      g_print ("%-32s %8u  %s\n", lightly_dataset_get_name (d), lightly_dataset_get_n_samples (d),
               lightly_dataset_get_id (d));
    }
  return 0;
}

int
lightly_al_cmd_tags (int argc, char **argv)
{
  GOptionContext *context = g_option_context_new ("— list the dataset's tags");
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autoptr(GPtrArray) tags = NULL;
  GError *error = NULL;
  int code = 0;

  g_option_context_add_main_entries (context, json_entries, NULL);
  if (!lightly_al_parse_options (context, &argc, &argv, &code))
    return g_option_context_free (context), code;
  if (argc != 1)
    return lightly_al_usage_error (context, "tags takes no arguments");
  g_option_context_free (context);

  client = lightly_al_open_client (NULL, TRUE, &error);
  if (client == NULL)
    return lightly_al_fail (error);
  tags = lightly_api_workflow_client_get_tags (client, NULL, &error);
  if (tags == NULL)
    return lightly_al_fail (error);

  if (opt_json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      add_string (b, "dataset_id", lightly_api_workflow_client_get_dataset_id (client));
      json_builder_set_member_name (b, "tags");
      json_builder_begin_array (b);
      for (guint i = 0; i < tags->len; i++)
        {
          LightlyTag *t = g_ptr_array_index (tags, i);

          json_builder_begin_object (b);
          add_string (b, "id", lightly_tag_get_id (t));
          add_string (b, "name", lightly_tag_get_name (t));
          add_int (b, "count", lightly_tag_get_count (t));
          add_string (b, "creator", lightly_tag_get_creator (t));
          add_string (b, "prev_tag_id", lightly_tag_get_prev_tag_id (t));
          add_int (b, "created_at", lightly_tag_get_created_at (t));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      lightly_al_print_json (json_builder_get_root (b));
      return 0;
    }

  g_print ("%-32s %8s  %-24s %s\n", "NAME", "SAMPLES", "ID", "CREATOR");
  for (guint i = 0; i < tags->len; i++)
    {
      LightlyTag *t = g_ptr_array_index (tags, i);

      g_print ("%-32s %8u  %-24s %s\n", lightly_tag_get_name (t), lightly_tag_get_count (t),
               lightly_tag_get_id (t), lightly_tag_get_creator (t) ? lightly_tag_get_creator (t) : "");
    }
  return 0;
}
