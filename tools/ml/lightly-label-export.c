/* lightly-label-export.c: Label Studio and CVAT files, shared by
 * `lightly-al export` and the annotation app
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>

#include "lightly-label-export.h"

/* @prefix (NULL: Label Studio's local files) and @file, escaped except its
 * slashes: the reference a task's data holds. */
char *
lightly_label_studio_image_url (const char *prefix,
                                const char *file)
{
  g_autofree char *escaped = g_uri_escape_string (file, "/", FALSE);

  return g_strconcat (prefix != NULL ? prefix : LIGHTLY_LABEL_STUDIO_URL_PREFIX, escaped, NULL);
}

/*
 * Adds @member ("predictions" or "annotations") to the task object being
 * built: a list of one entry whose result is one "choices" value, @choice,
 * for the Choices control @from_name on the Image object @to_name (NULL:
 * "choice" and "image", the names of the usual labeling config).
 * @model_version (nullable) and @score (NAN: none) are for predictions.
 */
void
lightly_label_studio_add_choice (JsonBuilder *b,
                                 const char  *member,
                                 const char  *from_name,
                                 const char  *to_name,
                                 const char  *choice,
                                 const char  *model_version,
                                 double       score)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  if (model_version != NULL)
    {
      json_builder_set_member_name (b, "model_version");
      json_builder_add_string_value (b, model_version);
    }
  if (!isnan (score))
    {
      json_builder_set_member_name (b, "score");
      json_builder_add_double_value (b, score);
    }
  json_builder_set_member_name (b, "result");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "from_name");
  json_builder_add_string_value (b, from_name != NULL ? from_name : "choice");
  json_builder_set_member_name (b, "to_name");
  json_builder_add_string_value (b, to_name != NULL ? to_name : "image");
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "choices");
  json_builder_set_member_name (b, "value");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "choices");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, choice);
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_array (b);
}

/*
 * CVAT for images 1.1 (the XML of CVAT's "Upload annotations"): the label
 * set in <meta>, then one <image> per file with its size and a <tag> with
 * its class. @files, @labels (parallel, NULL-terminated) and @widths,
 * @heights (pixels, parallel).
 */
char *
lightly_cvat_tags_xml (const char * const *classes,
                       const char * const *files,
                       const char * const *labels,
                       const int          *widths,
                       const int          *heights)
{
  GString *out = g_string_new ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n"
                               "  <version>1.1</version>\n  <meta>\n    <task>\n      <labels>\n");

  for (guint i = 0; classes[i] != NULL; i++)
    {
      g_autofree char *name = g_markup_escape_text (classes[i], -1);

      g_string_append_printf (out, "        <label>\n          <name>%s</name>\n          <type>tag</type>\n"
                              "        </label>\n", name);
    }
  g_string_append (out, "      </labels>\n    </task>\n  </meta>\n");
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autofree char *name = g_markup_escape_text (files[i], -1);
      g_autofree char *label = g_markup_escape_text (labels[i], -1);

      g_string_append_printf (out, "  <image id=\"%u\" name=\"%s\" width=\"%d\" height=\"%d\">\n"
                              "    <tag label=\"%s\" source=\"manual\">\n    </tag>\n  </image>\n",
                              i, name, widths[i], heights[i], label);
    }
  g_string_append (out, "</annotations>\n");
  return g_string_free (out, FALSE);
}
