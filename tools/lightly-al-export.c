/* lightly-al-export.c: `lightly-al export`
 *
 * A tag's files as plain lines (the default), JSON, Label Studio tasks or a
 * CVAT file list. Label Studio tasks carry a `meta` with each pick's rank,
 * strategy and utility: read from a `query --json` output (--picks) through
 * lightly_al_pick_info()'s vocabulary, else the rank is the tag's order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-al-common.h"
#include "ml/lightly-label-export.h"

static char *opt_tag;
static char *opt_format;
static gboolean opt_json;
static char *opt_picks;
static char *opt_exclude;
static char *opt_url_prefix;
static char *opt_predictions;
static char *opt_from_name;
static char *opt_to_name;
static char *opt_data_key;
static char *opt_out;

/* One exported sample. */
typedef struct {
  char *file;
  guint rank;
  char *strategy;     /* nullable */
  double utility;     /* NAN: unknown */
} ExportRow;

static void
export_row_free (gpointer data)
{
  ExportRow *row = data;

  g_free (row->file);
  g_free (row->strategy);
  g_free (row);
}

/* The predictions CSV as class names (the header) and rows by file name. */
typedef struct {
  GStrv classes;
  GHashTable *rows;     /* file → double[] of g_strv_length (classes) */
} Predictions;

static void
predictions_free (Predictions *p)
{
  g_strfreev (p->classes);
  g_clear_pointer (&p->rows, g_hash_table_unref);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Predictions, predictions_free)

static Predictions *
predictions_load (const char  *path,
                  GError     **error)
{
  g_autoptr(Predictions) p = g_new0 (Predictions, 1);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) header = NULL;
  guint n_classes;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  header = g_strsplit (g_strstrip (lines[0]), ",", -1);
  n_classes = g_strv_length (header);
  if (n_classes < 2 || strcmp (header[0], "filenames") != 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: wrong columns: the header is “%s”, expected “filenames,p_0,…,p_{C-1}”",
                   path, lines[0]);
      return NULL;
    }
  n_classes--;
  p->classes = g_strdupv (header + 1);
  p->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (g_strstrip (lines[i]), ",", -1);
      double *values;

      if (*lines[i] == '\0')
        continue;
      if (g_strv_length (fields) != n_classes + 1)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s:%u: expected %u probabilities", path, i + 1, n_classes);
          return NULL;
        }
      values = g_new (double, n_classes);
      for (guint c = 0; c < n_classes; c++)
        {
          char *end = NULL;

          values[c] = g_ascii_strtod (fields[c + 1], &end);
          if (end == fields[c + 1] || *end != '\0')
            {
              g_free (values);
              g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "%s:%u: column %u is not a number", path, i + 1, c + 2);
              return NULL;
            }
        }
      g_hash_table_replace (p->rows, g_strdup (fields[0]), values);
    }
  return g_steal_pointer (&p);
}

/* Reads a `query --json` output: its tag and its picks, in rank order. */
static GPtrArray *
picks_load (const char  *path,
            char       **tag,
            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (export_row_free);
  JsonObject *root;
  JsonArray *added;

  if (!json_parser_load_from_file (parser, path, error))
    return NULL;
  root = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ?
    json_node_get_object (json_parser_get_root (parser)) : NULL;
  added = root != NULL && json_object_has_member (root, "added") &&
    JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "added")) ?
    json_object_get_array_member (root, "added") : NULL;
  if (added == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: not the output of “lightly-al query --json” (no “added” list)", path);
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (added); i++)
    {
      JsonNode *node = json_array_get_element (added, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      ExportRow *row;

      if (o == NULL || json_object_get_string_member_with_default (o, "file", NULL) == NULL)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s: added[%u] has no “file”", path, i);
          return NULL;
        }
      row = g_new0 (ExportRow, 1);
      row->file = g_strdup (json_object_get_string_member (o, "file"));
      row->rank = (guint) json_object_get_int_member_with_default (o, "rank", i + 1);
      row->strategy = g_strdup (json_object_get_string_member_with_default (o, "strategy", NULL));
      row->utility = json_object_has_member (o, "utility") &&
        JSON_NODE_TYPE (json_object_get_member (o, "utility")) == JSON_NODE_VALUE ?
        json_object_get_double_member (o, "utility") : NAN;
      g_ptr_array_add (rows, row);
    }
  if (tag != NULL)
    *tag = g_strdup (json_object_get_string_member_with_default (root, "tag", NULL));
  return g_steal_pointer (&rows);
}

/* The tag's members (minus --exclude), ranked in bit order. */
static GPtrArray *
tag_rows (LightlyApiWorkflowClient *client,
          const char               *tag,
          GError                  **error)
{
  g_auto(GStrv) members = lightly_al_tag_members (client, tag, NULL, error);
  g_auto(GStrv) excluded = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (export_row_free);
  g_autoptr(LightlyTag) tag_object = NULL;
  const char *strategy = NULL;

  if (members == NULL)
    return NULL;
  /* A query's tag says which sampler made it (creator SAMPLER_CORESET…). */
  tag_object = lightly_api_workflow_client_get_tag_by_name (client, tag, NULL, NULL);
  if (tag_object != NULL && lightly_tag_get_creator (tag_object) != NULL &&
      g_str_has_prefix (lightly_tag_get_creator (tag_object), "SAMPLER_"))
    strategy = lightly_tag_get_creator (tag_object) + strlen ("SAMPLER_");
  if (opt_exclude != NULL)
    {
      excluded = lightly_al_tag_members (client, opt_exclude, NULL, error);
      if (excluded == NULL)
        return NULL;
    }
  for (guint i = 0; members[i] != NULL; i++)
    {
      ExportRow *row;

      if (excluded != NULL && g_strv_contains ((const char * const *) excluded, members[i]))
        continue;
      row = g_new0 (ExportRow, 1);
      row->file = g_strdup (members[i]);
      row->rank = rows->len + 1;
      row->strategy = g_strdup (strategy);
      row->utility = NAN;
      g_ptr_array_add (rows, row);
    }
  return g_steal_pointer (&rows);
}

static char *
image_reference (const char *file)
{
  return lightly_label_studio_image_url (opt_url_prefix, file);
}

static void
add_prediction (JsonBuilder *b,
                Predictions *predictions,
                const char  *file)
{
  const double *p = g_hash_table_lookup (predictions->rows, file);
  guint n = g_strv_length (predictions->classes);
  guint best = 0;

  if (p == NULL)
    return;
  for (guint c = 1; c < n; c++)
    if (p[c] > p[best])
      best = c;
  lightly_label_studio_add_choice (b, "predictions", opt_from_name, opt_to_name, predictions->classes[best],
                                   "lightly-al predictions", p[best]);
}

/* Label Studio's task import format: a list of {data, meta, predictions}. */
static JsonNode *
label_studio_tasks (GPtrArray   *rows,
                    const char  *tag,
                    Predictions *predictions)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_array (b);
  for (guint i = 0; i < rows->len; i++)
    {
      ExportRow *row = g_ptr_array_index (rows, i);
      g_autofree char *image = image_reference (row->file);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "data");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, opt_data_key != NULL ? opt_data_key : "image");
      json_builder_add_string_value (b, image);
      /* Kept by Label Studio in its export: import-labels maps back by it. */
      json_builder_set_member_name (b, "lightly_file");
      json_builder_add_string_value (b, row->file);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "meta");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "rank");
      json_builder_add_int_value (b, row->rank);
      json_builder_set_member_name (b, "strategy");
      if (row->strategy != NULL)
        json_builder_add_string_value (b, row->strategy);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "utility");
      if (isnan (row->utility))
        json_builder_add_null_value (b);
      else
        json_builder_add_double_value (b, row->utility);
      json_builder_set_member_name (b, "tag");
      json_builder_add_string_value (b, tag);
      json_builder_end_object (b);
      if (predictions != NULL)
        add_prediction (b, predictions, row->file);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

static JsonNode *
plain_json (GPtrArray  *rows,
            const char *tag)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "tag");
  json_builder_add_string_value (b, tag);
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; i < rows->len; i++)
    json_builder_add_string_value (b, ((ExportRow *) g_ptr_array_index (rows, i))->file);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static char *
node_to_text (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  json_node_unref (root);
  return json_generator_to_data (generator, NULL);
}

static gboolean
write_output (const char  *text,
              GError     **error)
{
  if (opt_out == NULL)
    {
      g_print ("%s", text);
      return TRUE;
    }
  return g_file_set_contents (opt_out, text, -1, error);
}

int
lightly_al_cmd_export (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "tag", 't', 0, G_OPTION_ARG_STRING, &opt_tag, "The tag to export (required unless --picks)", "TAG" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &opt_format,
      "lines (default), json, label-studio (a tasks JSON) or cvat (a file list for a CVAT task)", "FORMAT" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Same as --format json", NULL },
    { "picks", 0, 0, G_OPTION_ARG_FILENAME, &opt_picks,
      "The output of “query --json”: export its picks, with their rank, strategy and utility", "FILE" },
    { "exclude", 0, 0, G_OPTION_ARG_STRING, &opt_exclude,
      "Leave out this tag's samples (e.g. the labeled set, to export only the new batch)", "TAG" },
    { "url-prefix", 0, 0, G_OPTION_ARG_STRING, &opt_url_prefix,
      "Put before each file name (default for label-studio: /data/local-files/?d=)", "PREFIX" },
    { "predictions", 0, 0, G_OPTION_ARG_FILENAME, &opt_predictions,
      "label-studio: pre-annotate with the top class of this CSV (filenames,p_0,…)", "CSV" },
    { "from-name", 0, 0, G_OPTION_ARG_STRING, &opt_from_name,
      "label-studio: the Choices control's name (default choice)", "NAME" },
    { "to-name", 0, 0, G_OPTION_ARG_STRING, &opt_to_name,
      "label-studio: the Image object's name (default image)", "NAME" },
    { "data-key", 0, 0, G_OPTION_ARG_STRING, &opt_data_key,
      "label-studio: the task data key of the image, $KEY in the config (default image)", "KEY" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out, "Write to FILE (default: stdout)", "FILE" },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *context = g_option_context_new ("— export a tag's files, for people, scripts, Label Studio or CVAT");
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(Predictions) predictions = NULL;
  g_autofree char *picks_tag = NULL;
  g_autofree char *text = NULL;
  const char *format;
  const char *tag;
  GError *error = NULL;
  int code = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!lightly_al_parse_options (context, &argc, &argv, &code))
    return g_option_context_free (context), code;
  format = opt_json ? "json" : opt_format != NULL ? opt_format : "lines";
  if (argc != 1 || (opt_tag == NULL && opt_picks == NULL))
    return lightly_al_usage_error (context, "export needs --tag TAG (or --picks FILE)");
  if (!g_strv_contains ((const char * const[]) { "lines", "json", "label-studio", "cvat", NULL }, format))
    return lightly_al_usage_error (context, "--format is lines, json, label-studio or cvat");
  if (opt_predictions != NULL && strcmp (format, "label-studio") != 0)
    return lightly_al_usage_error (context, "--predictions goes with --format label-studio");
  g_option_context_free (context);

  if (opt_predictions != NULL && (predictions = predictions_load (opt_predictions, &error)) == NULL)
    return lightly_al_fail (error);
  if (opt_picks != NULL)
    {
      rows = picks_load (opt_picks, &picks_tag, &error);
      if (rows == NULL)
        return lightly_al_fail (error);
    }
  tag = opt_tag != NULL ? opt_tag : picks_tag != NULL ? picks_tag : "";
  if (rows == NULL)
    {
      client = lightly_al_open_client (NULL, TRUE, &error);
      if (client == NULL)
        return lightly_al_fail (error);
      rows = tag_rows (client, tag, &error);
      if (rows == NULL)
        return lightly_al_fail (error);
    }

  if (strcmp (format, "label-studio") == 0)
    text = node_to_text (label_studio_tasks (rows, tag, predictions));
  else if (strcmp (format, "json") == 0)
    text = node_to_text (plain_json (rows, tag));
  else
    {
      GString *lines = g_string_new (NULL);

      /* CVAT's "Create task" takes a list of files (or URLs), one per line. */
      for (guint i = 0; i < rows->len; i++)
        g_string_append_printf (lines, "%s%s\n", opt_url_prefix != NULL ? opt_url_prefix : "",
                                ((ExportRow *) g_ptr_array_index (rows, i))->file);
      text = g_string_free (lines, FALSE);
    }
  if (strcmp (format, "json") == 0 || strcmp (format, "label-studio") == 0)
    {
      char *with_newline = g_strconcat (text, "\n", NULL);

      g_free (text);
      text = with_newline;
    }
  if (!write_output (text, &error))
    return lightly_al_fail (error);
  return 0;
}
