/* test-cli-interop.c: lightly-al's Label Studio and CVAT round trips
 *
 * A selection goes out in the other tool's import format and comes back, in
 * the other tool's export format, as labels.csv and a labeled tag. The
 * exports below are written by hand from the formats' public descriptions
 * (Label Studio's "JSON" export: a list of tasks with `data` and
 * `annotations[].result[]`; CVAT's "CVAT for images 1.1" XML).
 */
#include "test-cli-util.h"

#include <stdio.h>


static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static void
write_text (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* The count of tag @name, from `tags --json`. */
static gint64
tag_count (const char *home,
           const char *location,
           const char *name)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(Run) run = { 0 };
  JsonArray *tags;

  run_al (&run, home, "tags", "-l", location, "-d", "ds", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  json_parser_load_from_data (parser, run.out, -1, &error);
  g_assert_no_error (error);
  tags = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "tags");
  for (guint i = 0; i < json_array_get_length (tags); i++)
    {
      JsonObject *t = json_array_get_object_element (tags, i);

      if (g_strcmp0 (json_object_get_string_member (t, "name"), name) == 0)
        return json_object_get_int_member (t, "count");
    }
  return -1;
}

/* Predictions for every fixture file: 3 classes, class (i % 3) likely. */
static void
write_predictions (const char *path)
{
  g_autoptr(GString) csv = g_string_new ("filenames,cat,dog,bird\n");

  for (guint i = 0; i < 300; i++)
    g_string_append_printf (csv, "fmnist-%05u.png,%s\n", i,
                            i % 3 == 0 ? "0.7,0.2,0.1" : i % 3 == 1 ? "0.1,0.8,0.1" : "0.2,0.2,0.6");
  write_text (path, csv->str);
}

/* Label Studio's JSON export of the first three tasks, labeled (a choice;
 * a choice and a box; a rectangle only, the task known by its URL alone),
 * and a fourth whose only annotation was cancelled. */
static void
write_ls_export (const char  *path,
                 const char **files)
{
  g_autofree char *ls_export = NULL;

  ls_export = g_strdup_printf (
    "[\n"
    " {\"id\": 1, \"project\": 2, \"data\": {\"image\": \"/data/local-files/?d=%s\", \"lightly_file\": \"%s\"},\n"
    "  \"meta\": {\"rank\": 1},\n"
    "  \"annotations\": [{\"id\": 11, \"completed_by\": 1, \"was_cancelled\": false, \"ground_truth\": false,\n"
    "    \"result\": [{\"id\": \"a1\", \"from_name\": \"choice\", \"to_name\": \"image\", \"type\": \"choices\",\n"
    "                 \"origin\": \"manual\", \"value\": {\"choices\": [\"cat\"]}}],\n"
    "    \"created_at\": \"2026-12-04T10:00:00.000000Z\", \"lead_time\": 2.5, \"task\": 1}],\n"
    "  \"predictions\": []},\n"
    " {\"id\": 2, \"data\": {\"image\": \"/data/local-files/?d=%s\", \"lightly_file\": \"%s\"},\n"
    "  \"annotations\": [{\"id\": 12, \"was_cancelled\": false, \"result\": [\n"
    "    {\"id\": \"b1\", \"from_name\": \"choice\", \"to_name\": \"image\", \"type\": \"choices\",\n"
    "     \"value\": {\"choices\": [\"dog\"]}},\n"
    "    {\"id\": \"b2\", \"from_name\": \"label\", \"to_name\": \"image\", \"type\": \"rectanglelabels\",\n"
    "     \"original_width\": 28, \"original_height\": 28, \"image_rotation\": 0,\n"
    "     \"value\": {\"x\": 10, \"y\": 20, \"width\": 50, \"height\": 25, \"rotation\": 0,\n"
    "               \"rectanglelabels\": [\"snout\"]}}]}]},\n"
    " {\"id\": 3, \"data\": {\"image\": \"http://localhost:8080/data/local-files/?d=%s\"},\n"
    "  \"annotations\": [{\"id\": 13, \"was_cancelled\": false, \"result\": [\n"
    "    {\"id\": \"c1\", \"from_name\": \"label\", \"to_name\": \"image\", \"type\": \"rectanglelabels\",\n"
    "     \"original_width\": 28, \"original_height\": 28,\n"
    "     \"value\": {\"x\": 0, \"y\": 0, \"width\": 100, \"height\": 100, \"rectanglelabels\": [\"bird\"]}}]}]},\n"
    " {\"id\": 4, \"data\": {\"image\": \"/data/local-files/?d=fmnist-00299.png\"},\n"
    "  \"annotations\": [{\"id\": 14, \"was_cancelled\": true, \"result\": []}]}\n"
    "]\n", files[0], files[0], files[1], files[1], files[2]);
  write_text (path, ls_export);
}

/* From the tag alone: ranked in bit order, the strategy from its creator. */
static void
check_tag_export (const char *home,
                  const char *location)
{
  g_autoptr(GError) error = NULL;
  g_auto(Run) run = { 0 };

  run_al (&run, home, "export", "-l", location, "-d", "ds", "--format", "label-studio", "--tag", "batch-1",
          "--url-prefix", "https://img.example/ds/", NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonParser) tag_parser = json_parser_new ();
    JsonObject *first;

    json_parser_load_from_data (tag_parser, run.out, -1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (json_parser_get_root (tag_parser))), ==, 8);
    first = json_array_get_object_element (json_node_get_array (json_parser_get_root (tag_parser)), 0);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (first, "meta"), "strategy"), ==,
                     "CORESET");
    g_assert_true (g_str_has_prefix (json_object_get_string_member (json_object_get_object_member (first, "data"),
                                                                    "image"), "https://img.example/ds/fmnist-"));
  }

}

static void
test_label_studio (void)
{
  g_autofree char *home = test_make_tmp_dir ("lightly-interop");
  g_autofree char *store = g_build_filename (home, "store", NULL);
  g_autofree char *location = g_filename_to_uri (store, NULL, NULL);
  g_autofree char *picks = g_build_filename (home, "picks.json", NULL);
  g_autofree char *predictions = g_build_filename (home, "predictions.csv", NULL);
  g_autofree char *tasks_path = g_build_filename (home, "tasks.json", NULL);
  g_autofree char *export_path = g_build_filename (home, "ls-export.json", NULL);
  g_autofree char *labels_path = g_build_filename (home, "labels.csv", NULL);
  g_autofree char *boxes_path = g_build_filename (home, "boxes.csv", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *boxes = NULL;
  g_auto(Run) run = { 0 };
  JsonArray *tasks;
  JsonObject *task, *meta, *prediction;
  const char *files[3];

  setup_dataset (home, location);
  write_predictions (predictions);

  run_al (&run, home, "query", "-l", location, "-d", "ds", "-n", "8", "--method", "CORESET", "--name", "batch-1",
          "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  write_text (picks, run.out);
  run_clear (&run);

  /* Out: Label Studio's task import format. */
  run_al (&run, home, "export", "-l", location, "-d", "ds", "--format", "label-studio", "--picks", picks,
          "--predictions", predictions, "--out", tasks_path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
  json_parser_load_from_file (parser, tasks_path, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));
  tasks = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (tasks), ==, 8);
  for (guint i = 0; i < 3; i++)
    {
      task = json_array_get_object_element (tasks, i);
      files[i] = json_object_get_string_member (json_object_get_object_member (task, "data"), "lightly_file");
      g_assert_true (g_str_has_prefix (json_object_get_string_member (
                       json_object_get_object_member (task, "data"), "image"), "/data/local-files/?d=fmnist-"));
      meta = json_object_get_object_member (task, "meta");
      g_assert_cmpint (json_object_get_int_member (meta, "rank"), ==, i + 1);
      g_assert_cmpstr (json_object_get_string_member (meta, "strategy"), ==, "CORESET");
      g_assert_true (json_object_has_member (meta, "utility"));
      prediction = json_array_get_object_element (json_object_get_array_member (task, "predictions"), 0);
      g_assert_cmpfloat (json_object_get_double_member (prediction, "score"), >=, 0.6);
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                         json_object_get_array_member (prediction, "result"), 0), "type"), ==, "choices");
    }

  check_tag_export (home, location);

  /* Back: Label Studio's JSON export of three of them. */
  write_ls_export (export_path, files);

  run_al (&run, home, "import-labels", "-l", location, "-d", "ds", "--preselected", "batch-1", "--tag", "labeled-1",
          "--out", labels_path, "--boxes", boxes_path, export_path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "3 files labeled"));
  run_clear (&run);

  labels = read_text (labels_path);
  g_test_message ("labels.csv:\n%s", labels);
  {
    g_autofree char *expected = g_strdup_printf ("file,label\n%s,cat\n%s,dog\n%s,bird\n", files[0], files[1], files[2]);

    g_assert_cmpstr (labels, ==, expected);
  }
  boxes = read_text (boxes_path);
  {
    g_autofree char *expected = g_strdup_printf ("file,label,x,y,width,height\n%s,snout,0.1,0.2,0.5,0.25\n"
                                                 "%s,bird,0,0,1,1\n", files[1], files[2]);

    g_assert_cmpstr (boxes, ==, expected);
  }
  /* The labeled tag: the batch (8) with --preselected, which holds them. */
  g_assert_cmpint (tag_count (home, location, "labeled-1"), ==, 8);

  /* Without --preselected, only the 3 labeled; default name "labeled". */
  run_al (&run, home, "import-labels", "-l", location, "-d", "ds", "--out", labels_path, export_path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
  g_assert_cmpint (tag_count (home, location, "labeled"), ==, 3);

  /* A file that is not a sample: one clear line. */
  write_text (export_path, "[{\"id\": 1, \"data\": {\"image\": \"/data/local-files/?d=zebra.jpg\"},"
                           " \"annotations\": [{\"result\": [{\"type\": \"choices\", \"value\": {\"choices\": [\"x\"]}}]}]}]");
  run_al (&run, home, "import-labels", "-l", location, "-d", "ds", "--out", labels_path, export_path, NULL);
  assert_one_line_failure (&run);
  g_assert_nonnull (strstr (run.err, "zebra.jpg"));
  run_clear (&run);

  /* Not a list of tasks. */
  write_text (export_path, "{\"tasks\": 1}");
  run_al (&run, home, "import-labels", "--out", labels_path, export_path, NULL);
  assert_one_line_failure (&run);
  run_clear (&run);

  test_rm_rf (home);
}

static void
test_cvat (void)
{
  g_autofree char *home = test_make_tmp_dir ("lightly-interop");
  g_autofree char *store = g_build_filename (home, "store", NULL);
  g_autofree char *location = g_filename_to_uri (store, NULL, NULL);
  g_autofree char *xml_path = g_build_filename (home, "annotations.xml", NULL);
  g_autofree char *labels_path = g_build_filename (home, "labels.csv", NULL);
  g_autofree char *boxes_path = g_build_filename (home, "boxes.csv", NULL);
  g_autofree char *xml = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *boxes = NULL;
  g_auto(GStrv) files = NULL;
  g_auto(Run) run = { 0 };

  setup_dataset (home, location);
  run_al (&run, home, "query", "-l", location, "-d", "ds", "-n", "5", "--method", "CORESET", "--name", "batch-1",
          NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);

  /* Out: the file list CVAT's "Create task" takes (paths under a share). */
  run_al (&run, home, "export", "-l", location, "-d", "ds", "--tag", "batch-1", "--format", "cvat",
          "--url-prefix", "share/fmnist/", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 5);
  files = g_strsplit (run.out, "\n", -1);
  for (guint i = 0; i < 5; i++)
    g_assert_true (g_str_has_prefix (files[i], "share/fmnist/fmnist-"));
  run_clear (&run);

  /* Back: CVAT for images 1.1, names as the task has them (with the share
   * path), a tag on the first, a box on the second, both on the third. */
  xml = g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<annotations>\n"
    "  <version>1.1</version>\n"
    "  <meta>\n"
    "    <task><id>7</id><name>batch-1</name><size>5</size><mode>annotation</mode>\n"
    "      <labels><label><name>cat</name><color>#ff0000</color><type>any</type><attributes></attributes></label>\n"
    "              <label><name>dog</name><color>#00ff00</color><type>any</type><attributes></attributes></label>\n"
    "      </labels></task>\n"
    "    <dumped>2026-12-04 10:00:00.000000+00:00</dumped>\n"
    "  </meta>\n"
    "  <image id=\"0\" name=\"%s\" width=\"28\" height=\"28\">\n"
    "    <tag label=\"cat\" source=\"manual\">\n"
    "    </tag>\n"
    "  </image>\n"
    "  <image id=\"1\" name=\"%s\" width=\"28\" height=\"28\">\n"
    "    <box label=\"dog\" source=\"manual\" occluded=\"0\" xtl=\"7.00\" ytl=\"14.00\" xbr=\"21.00\" ybr=\"28.00\" "
    "z_order=\"0\">\n"
    "    </box>\n"
    "  </image>\n"
    "  <image id=\"2\" name=\"%s\" width=\"28\" height=\"28\">\n"
    "    <box label=\"dog\" source=\"manual\" occluded=\"0\" xtl=\"0.00\" ytl=\"0.00\" xbr=\"14.00\" ybr=\"14.00\" "
    "z_order=\"0\"></box>\n"
    "    <tag label=\"cat\" source=\"manual\"></tag>\n"
    "  </image>\n"
    "  <image id=\"3\" name=\"%s\" width=\"28\" height=\"28\">\n"
    "  </image>\n"
    "</annotations>\n", files[0], files[1], files[2], files[3]);
  write_text (xml_path, xml);

  run_al (&run, home, "import-labels", "-l", location, "-d", "ds", "--tag", "cvat-labeled", "--out", labels_path,
          "--boxes", boxes_path, xml_path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
  labels = read_text (labels_path);
  {
    g_autofree char *expected = g_strdup_printf ("file,label\n%s,cat\n%s,dog\n%s,cat\n", files[0] + 13,
                                                 files[1] + 13, files[2] + 13);

    g_assert_cmpstr (labels, ==, expected);
  }
  boxes = read_text (boxes_path);
  {
    g_autofree char *expected = g_strdup_printf ("file,label,x,y,width,height\n%s,dog,0.25,0.5,0.5,0.5\n"
                                                 "%s,dog,0,0,0.5,0.5\n", files[1] + 13, files[2] + 13);

    g_assert_cmpstr (boxes, ==, expected);
  }
  g_assert_cmpint (tag_count (home, location, "cvat-labeled"), ==, 3);

  /* Broken XML and a box without coordinates: one clear line each. */
  write_text (xml_path, "<annotations><image name=\"a.png\" width=\"2\" height=\"2\"><box label=\"x\"/></image>"
                        "</annotations>");
  run_al (&run, home, "import-labels", "--out", labels_path, xml_path, NULL);
  assert_one_line_failure (&run);
  g_assert_nonnull (strstr (run.err, "xtl"));
  run_clear (&run);
  write_text (xml_path, "<annotations><image name=\"a.png\"");
  run_al (&run, home, "import-labels", "--format", "cvat", "--out", labels_path, xml_path, NULL);
  assert_one_line_failure (&run);
  run_clear (&run);

  test_rm_rf (home);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/interop/label-studio", test_label_studio);
  g_test_add_func ("/cli/interop/cvat", test_cvat);

  return g_test_run ();
}
