/* lightly-al-import.c: `lightly-al import-labels`
 *
 * Reads labels made in another tool: Label Studio's JSON export (results of
 * type choices and rectanglelabels) or CVAT's "CVAT for images 1.1" XML
 * (<tag> and <box>). Writes labels.csv (file,label: the format the annotator
 * app reads), optionally the boxes, and with --dataset records the labeled
 * files as a tag, so the next `query --preselected` starts from them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "lightly-al-common.h"

static char *opt_format;
static char *opt_out;
static char *opt_boxes;
static char *opt_tag;
static char *opt_preselected;

/* One label read from the file. A box's corners are fractions (0–1) of the
 * image size, so Label Studio's percentages and CVAT's pixels agree. */
typedef struct {
  char *file;
  char *label;
  gboolean is_box;
  double x, y, w, h;
} Label;

static void
label_free (gpointer data)
{
  Label *l = data;

  g_free (l->file);
  g_free (l->label);
  g_free (l);
}

static void
add_label (GPtrArray  *labels,
           const char *file,
           const char *label,
           gboolean    is_box,
           double      x,
           double      y,
           double      w,
           double      h)
{
  Label *l = g_new0 (Label, 1);

  l->file = g_strdup (file);
  l->label = g_strdup (label);
  l->is_box = is_box;
  l->x = x;
  l->y = y;
  l->w = w;
  l->h = h;
  g_ptr_array_add (labels, l);
}

/* A task's image reference back to a file name: Label Studio's local-files
 * URL (`/data/local-files/?d=dir/a.png`) or any URL's last segment. */
static char *
file_from_reference (const char *reference)
{
  const char *d = strstr (reference, "?d=");
  const char *start;
  g_autofree char *raw = NULL;
  char *unescaped;

  if (d != NULL)
    start = d + 3;
  else
    {
      const char *slash = strrchr (reference, '/');

      start = slash != NULL ? slash + 1 : reference;
    }
  raw = g_strndup (start, strcspn (start, "?#&"));
  unescaped = g_uri_unescape_string (raw, NULL);
  return unescaped != NULL ? unescaped : g_steal_pointer (&raw);
}

/* ---------------------------------------------------------------------------
 * Label Studio JSON export
 * ------------------------------------------------------------------------- */

static const char *
first_string (JsonObject *value,
              const char *key)
{
  JsonArray *a;

  if (!json_object_has_member (value, key) || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (value, key)))
    return NULL;
  a = json_object_get_array_member (value, key);
  if (json_array_get_length (a) == 0 || JSON_NODE_TYPE (json_array_get_element (a, 0)) != JSON_NODE_VALUE)
    return NULL;
  return json_array_get_string_element (a, 0);
}

static char *
task_file (JsonObject *task)
{
  JsonObject *data = json_object_has_member (task, "data") &&
    JSON_NODE_HOLDS_OBJECT (json_object_get_member (task, "data")) ?
    json_object_get_object_member (task, "data") : NULL;
  g_autoptr(GList) members = NULL;

  if (data == NULL)
    return NULL;
  if (json_object_get_string_member_with_default (data, "lightly_file", NULL) != NULL)
    return g_strdup (json_object_get_string_member (data, "lightly_file"));
  if (json_object_get_string_member_with_default (data, "image", NULL) != NULL)
    return file_from_reference (json_object_get_string_member (data, "image"));
  members = json_object_get_members (data);
  for (GList *m = members; m != NULL; m = m->next)
    if (json_object_get_string_member_with_default (data, m->data, NULL) != NULL)
      return file_from_reference (json_object_get_string_member (data, m->data));
  return NULL;
}

/* The task's last annotation that was not cancelled, or NULL. */
static JsonArray *
task_result (JsonObject *task)
{
  JsonArray *annotations;
  JsonArray *result = NULL;

  if (!json_object_has_member (task, "annotations") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (task, "annotations")))
    return NULL;
  annotations = json_object_get_array_member (task, "annotations");
  for (guint i = 0; i < json_array_get_length (annotations); i++)
    {
      JsonNode *node = json_array_get_element (annotations, i);
      JsonObject *a = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

      if (a == NULL || json_object_get_boolean_member_with_default (a, "was_cancelled", FALSE) ||
          !json_object_has_member (a, "result") || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (a, "result")))
        continue;
      result = json_object_get_array_member (a, "result");
    }
  return result;
}

static gboolean
read_label_studio (const char  *path,
                   GPtrArray   *labels,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *tasks;

  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: not a Label Studio JSON export (expected a list of tasks)", path);
      return FALSE;
    }
  tasks = json_node_get_array (json_parser_get_root (parser));
  for (guint t = 0; t < json_array_get_length (tasks); t++)
    {
      JsonNode *node = json_array_get_element (tasks, t);
      JsonObject *task = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      g_autofree char *file = task != NULL ? task_file (task) : NULL;
      JsonArray *result;

      if (file == NULL)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s: task %u has no data with an image reference", path, t + 1);
          return FALSE;
        }
      if ((result = task_result (task)) == NULL)
        continue;
      for (guint r = 0; r < json_array_get_length (result); r++)
        {
          JsonNode *rn = json_array_get_element (result, r);
          JsonObject *item = JSON_NODE_HOLDS_OBJECT (rn) ? json_node_get_object (rn) : NULL;
          const char *type = item != NULL ? json_object_get_string_member_with_default (item, "type", "") : "";
          JsonObject *value = item != NULL && json_object_has_member (item, "value") &&
            JSON_NODE_HOLDS_OBJECT (json_object_get_member (item, "value")) ?
            json_object_get_object_member (item, "value") : NULL;
          const char *label;

          if (value == NULL)
            continue;
          if (strcmp (type, "choices") == 0 && (label = first_string (value, "choices")) != NULL)
            add_label (labels, file, label, FALSE, 0, 0, 0, 0);
          else if (strcmp (type, "rectanglelabels") == 0 &&
                   (label = first_string (value, "rectanglelabels")) != NULL)
            add_label (labels, file, label, TRUE,
                       json_object_get_double_member_with_default (value, "x", 0) / 100.0,
                       json_object_get_double_member_with_default (value, "y", 0) / 100.0,
                       json_object_get_double_member_with_default (value, "width", 0) / 100.0,
                       json_object_get_double_member_with_default (value, "height", 0) / 100.0);
        }
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * CVAT for images 1.1
 * ------------------------------------------------------------------------- */

typedef struct {
  GPtrArray *labels;
  char *image;              /* the <image> being read */
  double width, height;
  gboolean seen_root;
} CvatRead;

static const char *
attribute (const char **names,
           const char **values,
           const char  *name)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], name) == 0)
      return values[i];
  return NULL;
}

static gboolean
number_attribute (const char         **names,
                  const char         **values,
                  const char          *name,
                  GMarkupParseContext *context,
                  double              *out,
                  GError             **error)
{
  const char *text = attribute (names, values, name);
  char *end = NULL;
  int line;

  if (text != NULL)
    *out = g_ascii_strtod (text, &end);
  if (text == NULL || end == text || *end != '\0')
    {
      g_markup_parse_context_get_position (context, &line, NULL);
      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                   "line %d: attribute %s is missing or not a number", line, name);
      return FALSE;
    }
  return TRUE;
}

static void
cvat_start (GMarkupParseContext  *context,
            const char           *element,
            const char          **names,
            const char          **values,
            gpointer              user_data,
            GError              **error)
{
  CvatRead *read = user_data;
  const char *label = attribute (names, values, "label");

  if (!read->seen_root)
    {
      read->seen_root = TRUE;
      if (strcmp (element, "annotations") != 0)
        g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                     "the root is <%s>, expected <annotations> (CVAT for images 1.1)", element);
      return;
    }
  if (strcmp (element, "image") == 0)
    {
      const char *name = attribute (names, values, "name");

      if (name == NULL)
        {
          g_set_error_literal (error, G_MARKUP_ERROR, G_MARKUP_ERROR_MISSING_ATTRIBUTE, "<image> without a name");
          return;
        }
      g_free (read->image);
      read->image = g_path_get_basename (name);
      if (!number_attribute (names, values, "width", context, &read->width, error) ||
          !number_attribute (names, values, "height", context, &read->height, error))
        return;
    }
  else if (read->image != NULL && strcmp (element, "tag") == 0 && label != NULL)
    add_label (read->labels, read->image, label, FALSE, 0, 0, 0, 0);
  else if (read->image != NULL && strcmp (element, "box") == 0 && label != NULL)
    {
      double xtl, ytl, xbr, ybr;

      if (!number_attribute (names, values, "xtl", context, &xtl, error) ||
          !number_attribute (names, values, "ytl", context, &ytl, error) ||
          !number_attribute (names, values, "xbr", context, &xbr, error) ||
          !number_attribute (names, values, "ybr", context, &ybr, error))
        return;
      if (read->width <= 0 || read->height <= 0)
        {
          g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                       "image “%s” has no size for its boxes", read->image);
          return;
        }
      add_label (read->labels, read->image, label, TRUE, xtl / read->width, ytl / read->height,
                 (xbr - xtl) / read->width, (ybr - ytl) / read->height);
    }
}

static void
cvat_end (GMarkupParseContext  *context,
          const char           *element,
          gpointer              user_data,
          GError              **error)
{
  CvatRead *read = user_data;

  if (strcmp (element, "image") == 0)
    g_clear_pointer (&read->image, g_free);
}

static gboolean
read_cvat (const char  *path,
           GPtrArray   *labels,
           GError     **error)
{
  const GMarkupParser parser = { cvat_start, cvat_end, NULL, NULL, NULL };
  CvatRead read = { labels, NULL, 0, 0, FALSE };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) local = NULL;
  gsize length;
  gboolean ok;

  if (!g_file_get_contents (path, &contents, &length, error))
    return FALSE;
  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &read, NULL);
  ok = g_markup_parse_context_parse (context, contents, (gssize) length, &local) &&
    g_markup_parse_context_end_parse (context, &local);
  g_free (read.image);
  if (!ok)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT, "%s: %s", path, local->message);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * Output: labels.csv, boxes, the labeled tag
 * ------------------------------------------------------------------------- */

/* Python csv module quoting, as the app reads it. */
static void
append_csv_field (GString    *out,
                  const char *field)
{
  if (strpbrk (field, ",\"\r\n") == NULL)
    {
      g_string_append (out, field);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = field; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* labels.csv: one row per labeled file, its first class label (a choice,
 * else its first box's label), files in the order first seen. */
static gboolean
write_labels (GPtrArray   *labels,
              GPtrArray   *files,
              const char  *path,
              GError     **error)
{
  g_autoptr(GHashTable) by_file = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GString) out = g_string_new ("file,label\n");

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < labels->len; i++)
      {
        Label *l = g_ptr_array_index (labels, i);

        if (l->is_box == (pass == 0) || g_hash_table_contains (by_file, l->file))
          continue;
        g_hash_table_insert (by_file, l->file, l->label);
      }
  for (guint i = 0; i < files->len; i++)
    {
      const char *file = g_ptr_array_index (files, i);

      append_csv_field (out, file);
      g_string_append_c (out, ',');
      append_csv_field (out, g_hash_table_lookup (by_file, file));
      g_string_append_c (out, '\n');
    }
  return g_file_set_contents (path, out->str, (gssize) out->len, error);
}

static gboolean
write_boxes (GPtrArray   *labels,
             const char  *path,
             GError     **error)
{
  g_autoptr(GString) out = g_string_new ("file,label,x,y,width,height\n");

  for (guint i = 0; i < labels->len; i++)
    {
      Label *l = g_ptr_array_index (labels, i);
      char buf[4][G_ASCII_DTOSTR_BUF_SIZE];

      if (!l->is_box)
        continue;
      append_csv_field (out, l->file);
      g_string_append_c (out, ',');
      append_csv_field (out, l->label);
      g_string_append_printf (out, ",%s,%s,%s,%s\n",
                              g_ascii_formatd (buf[0], sizeof buf[0], "%.6g", l->x),
                              g_ascii_formatd (buf[1], sizeof buf[1], "%.6g", l->y),
                              g_ascii_formatd (buf[2], sizeof buf[2], "%.6g", l->w),
                              g_ascii_formatd (buf[3], sizeof buf[3], "%.6g", l->h));
    }
  return g_file_set_contents (path, out->str, (gssize) out->len, error);
}

/* Maps each label's file to a sample of the dataset (by name, else by base
 * name) and records them, with --preselected's, as a new tag. */
static char *
record_tag (LightlyApiWorkflowClient *client,
            GPtrArray                *labels,
            GError                  **error)
{
  g_auto(GStrv) names = lightly_api_workflow_client_get_file_names (client, NULL, error);
  g_autoptr(GHashTable) index = NULL;
  g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new ();
  g_autoptr(LightlyTag) previous = NULL;
  g_autoptr(LightlyTag) tag = NULL;
  g_autofree char *name = NULL;

  if (names == NULL)
    return NULL;
  index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_hash_table_insert (index, g_strdup (names[i]), GUINT_TO_POINTER (i + 1));
      g_hash_table_insert (index, g_path_get_basename (names[i]), GUINT_TO_POINTER (i + 1));
    }
  for (guint i = 0; i < labels->len; i++)
    {
      Label *l = g_ptr_array_index (labels, i);
      guint k = GPOINTER_TO_UINT (g_hash_table_lookup (index, l->file));

      if (k == 0)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                       "“%s” is labeled but is not a sample of the dataset: check --dataset", l->file);
          return NULL;
        }
      /* The dataset's own spelling, so labels.csv matches embeddings.csv. */
      g_free (l->file);
      l->file = g_strdup (names[k - 1]);
      lightly_bit_mask_set_bit (mask, k - 1);
    }
  if (opt_preselected != NULL)
    {
      g_autoptr(LightlyBitMask) before = NULL;

      previous = lightly_api_workflow_client_get_tag_by_name (client, opt_preselected, NULL, error);
      if (previous == NULL)
        return NULL;
      before = lightly_bit_mask_new_from_hex (lightly_tag_get_bit_mask_data (previous), error);
      if (before == NULL)
        return NULL;
      lightly_bit_mask_union (mask, before);
    }
  name = opt_tag != NULL ? g_strdup (opt_tag) : lightly_al_unique_tag_name (client, "labeled", error);
  if (name == NULL)
    return NULL;
  tag = lightly_api_workflow_client_create_tag (client, name, mask,
                                                previous != NULL ? lightly_tag_get_id (previous) : NULL,
                                                NULL, error);
  if (tag == NULL)
    return NULL;
  return g_strdup_printf ("%s (%u labeled)", lightly_tag_get_name (tag), lightly_tag_get_count (tag));
}

static const char *
sniff_format (const char *path)
{
  g_autofree char *contents = NULL;
  const char *p;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return "label-studio";    /* the reader reports the error */
  for (p = contents; g_ascii_isspace (*p); p++)
    ;
  return *p == '<' ? "cvat" : "label-studio";
}

int
lightly_al_cmd_import_labels (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &opt_format,
      "label-studio (its JSON export) or cvat (CVAT for images 1.1 XML); default: from the content", "FORMAT" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out, "Write file,label rows here (default labels.csv)", "FILE" },
    { "boxes", 0, 0, G_OPTION_ARG_FILENAME, &opt_boxes,
      "Also write the boxes as file,label,x,y,width,height (fractions of the image size)", "FILE" },
    { "tag", 't', 0, G_OPTION_ARG_STRING, &opt_tag,
      "With --dataset: the new tag of the labeled samples (default: labeled, made unique)", "NAME" },
    { "preselected", 'p', 0, G_OPTION_ARG_STRING, &opt_preselected,
      "With --dataset: add the samples labeled before, from this tag", "TAG" },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *context =
    g_option_context_new ("FILE — read Label Studio or CVAT labels, write labels.csv, record the labeled tag");
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (label_free);
  g_autoptr(GPtrArray) files = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *recorded = NULL;
  const char *format;
  GError *error = NULL;
  int code = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!lightly_al_parse_options (context, &argc, &argv, &code))
    return g_option_context_free (context), code;
  if (argc != 2)
    return lightly_al_usage_error (context, "import-labels takes one FILE");
  format = opt_format != NULL ? opt_format : sniff_format (argv[1]);
  if (strcmp (format, "label-studio") != 0 && strcmp (format, "cvat") != 0)
    return lightly_al_usage_error (context, "--format is label-studio or cvat");
  g_option_context_free (context);

  if (!(strcmp (format, "cvat") == 0 ? read_cvat (argv[1], labels, &error)
                                     : read_label_studio (argv[1], labels, &error)))
    return lightly_al_fail (error);
  if (labels->len == 0)
    return lightly_al_fail (g_error_new (LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                                         "%s has no labels (no choices, rectangle labels, tags or boxes)",
                                         argv[1]));

  /* Without --dataset, only the files: no store is opened. */
  if (lightly_al_has_dataset ())
    {
      g_autoptr(LightlyApiWorkflowClient) client = lightly_al_open_client (NULL, TRUE, &error);

      if (client == NULL || (recorded = record_tag (client, labels, &error)) == NULL)
        return lightly_al_fail (error);
    }
  else if (opt_tag != NULL || opt_preselected != NULL)
    return lightly_al_fail (g_error_new_literal (LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                                                 "--tag and --preselected need --dataset NAME"));

  for (guint i = 0; i < labels->len; i++)
    {
      Label *l = g_ptr_array_index (labels, i);

      if (g_hash_table_add (seen, l->file))
        g_ptr_array_add (files, l->file);
    }
  if (!write_labels (labels, files, opt_out != NULL ? opt_out : "labels.csv", &error) ||
      (opt_boxes != NULL && !write_boxes (labels, opt_boxes, &error)))
    return lightly_al_fail (error);
  g_printerr ("%u files labeled, written to %s%s%s\n", files->len, opt_out != NULL ? opt_out : "labels.csv",
              recorded != NULL ? "; tag " : "", recorded != NULL ? recorded : "");
  return 0;
}
