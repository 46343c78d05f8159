/* annotator-export.c: the folder's labels for other tools
 *
 *   CSV           file,label (the app's own labels.csv format)
 *   Label Studio  a JSON list of tasks, each with its image reference, the
 *                 file name (data.lightly_file) and the label as an
 *                 annotation of type "choices" (from_name "choice", to_name
 *                 "image": the usual image classification config)
 *   CVAT          CVAT for images 1.1 XML, one <tag> per labeled image
 *
 * The JSON and XML are written by tools/ml/lightly-label-export.c, which
 * `lightly-al export` shares; `lightly-al import-labels` reads both back.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "annotator-export.h"
#include "ml/lightly-label-export.h"

const char *
annotator_export_default_name (AnnotatorExportFormat format)
{
  switch (format)
    {
    case ANNOTATOR_EXPORT_LABEL_STUDIO:
      return "labels-label-studio.json";
    case ANNOTATOR_EXPORT_CVAT:
      return "labels-cvat.xml";
    case ANNOTATOR_EXPORT_CSV:
    default:
      return "labels-export.csv";
    }
}

static char *
label_studio (AnnotatorFolder *folder,
              char           **files)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (b);
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autofree char *url = lightly_label_studio_image_url (NULL, files[i]);
      int label = annotator_folder_get_label (folder, files[i]);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "data");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "image");
      json_builder_add_string_value (b, url);
      json_builder_set_member_name (b, "lightly_file");
      json_builder_add_string_value (b, files[i]);
      json_builder_end_object (b);
      lightly_label_studio_add_choice (b, "annotations", NULL, NULL,
                                       annotator_folder_get_class_name (folder, (guint) label), NULL, NAN);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* CVAT wants each image's size: read from the file's header only. */
static char *
cvat (AnnotatorFolder  *folder,
      char            **files,
      GError          **error)
{
  guint n = g_strv_length (files);
  guint n_classes = annotator_folder_get_n_classes (folder);
  g_autofree int *widths = g_new0 (int, n + 1);
  g_autofree int *heights = g_new0 (int, n + 1);
  g_autofree const char **labels = g_new0 (const char *, n + 1);
  g_autofree const char **classes = g_new0 (const char *, n_classes + 1);

  for (guint c = 0; c < n_classes; c++)
    classes[c] = annotator_folder_get_class_name (folder, c);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = annotator_folder_dup_image_path (folder, files[i]);

      labels[i] = annotator_folder_get_class_name (folder, (guint) annotator_folder_get_label (folder, files[i]));
      if (gdk_pixbuf_get_file_info (path, &widths[i], &heights[i]) == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("CVAT needs the size of every image, and %s is not an image GTK can read"), path);
          return NULL;
        }
    }
  return lightly_cvat_tags_xml (classes, (const char * const *) files, labels, widths, heights);
}

/* Writes the labels of @folder to @path in @format (atomically). */
gboolean
annotator_export_labels (AnnotatorFolder        *folder,
                         AnnotatorExportFormat   format,
                         const char             *path,
                         GError                **error)
{
  g_auto(GStrv) files = NULL;
  g_autofree char *text = NULL;

  if (format == ANNOTATOR_EXPORT_CSV)
    return annotator_folder_export_csv (folder, path, error);
  files = annotator_folder_dup_labeled (folder);
  if (format == ANNOTATOR_EXPORT_LABEL_STUDIO)
    text = label_studio (folder, files);
  else
    text = cvat (folder, files, error);
  return text != NULL && g_file_set_contents (path, text, -1, error);
}
