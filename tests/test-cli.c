/* test-cli.c: lightly-al, the command-line tool, as a user runs it
 *
 * The tool's path comes from meson (LIGHTLY_TEST_LIGHTLY_AL), the Fashion-MNIST
 * fixture from LIGHTLY_TEST_FMNIST_CSV. Every run gets a clean environment
 * (no LIGHTLY_SERVER_LOCATION or LIGHTLY_TOKEN, XDG dirs in a temporary
 * folder), so nothing touches the user's default store.
 *
 * Exit codes: 0 success, 1 the operation failed (one line on stderr),
 * 2 bad usage.
 */
#include <json-glib/json-glib.h>
#include <lightly/lightly.h>
#include "test-utils.h"

#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ml/lightly-logreg.h"

#define N_FIXTURE 300
#define DIM_FIXTURE 64
#define N_CLASSES 10

static const char *subcommands[] = {
  "create-dataset", "register-samples", "upload-embeddings", "datasets", "tags", "query", "export",
  "import-labels", "demo",
};

#include "test-cli-util.h"

/* ---- the workflow ----------------------------------------------------------- */

/* The fixture's rows (tests/test-utils.h). */
typedef TestFixture Fixture;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fixture, test_fixture_free)

static Fixture *
fixture_load (void)
{
  return test_fixture_load (N_FIXTURE, DIM_FIXTURE, 10);
}

/* Writes class probabilities of a logistic regression trained on @labeled
 * (file names, one per line) for every fixture row, as the predictions CSV
 * of `lightly-al query --predictions`, rows in @order. */
static void
write_predictions (Fixture     *f,
                   const char  *labeled,
                   const guint *order,
                   const char  *path)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = g_strsplit (labeled, "\n", -1);
  g_autofree float *x = g_new (float, (gsize) f->n * DIM_FIXTURE);
  g_autofree guint *y = g_new (guint, f->n);
  g_autofree double *proba = g_new (double, f->n * N_CLASSES);
  g_autoptr(LightlyLogreg) model = NULL;
  g_autoptr(GString) csv = g_string_new ("filenames");
  LightlyLogregOptions options;
  gsize n = 0;

  for (guint i = 0; names[i] != NULL; i++)
    {
      if (*names[i] == '\0')
        continue;
      for (guint r = 0; r < f->n; r++)
        if (strcmp (g_ptr_array_index (f->names, r), names[i]) == 0)
          {
            memcpy (x + n * DIM_FIXTURE, f->x + (gsize) r * DIM_FIXTURE, DIM_FIXTURE * sizeof (float));
            y[n++] = f->labels[r];
          }
    }
  g_assert_cmpuint (n, >, 0);
  lightly_logreg_options_init (&options);
  model = lightly_logreg_fit (x, n, DIM_FIXTURE, y, N_CLASSES, &options, &error);
  g_assert_no_error (error);
  lightly_logreg_predict_proba (model, f->x, f->n, proba);

  for (guint c = 0; c < N_CLASSES; c++)
    g_string_append_printf (csv, ",p_%u", c);
  g_string_append_c (csv, '\n');
  for (gsize i = 0; i < f->n; i++)
    {
      guint r = order[i];

      g_string_append (csv, g_ptr_array_index (f->names, r));
      for (guint c = 0; c < N_CLASSES; c++)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];

          g_string_append_printf (csv, ",%s", g_ascii_dtostr (buf, sizeof buf, proba[(gsize) r * N_CLASSES + c]));
        }
      g_string_append_c (csv, '\n');
    }
  g_file_set_contents (path, csv->str, (gssize) csv->len, &error);
  g_assert_no_error (error);
}

static void
test_workflow (void)
{
  g_autofree char *home = test_make_tmp_dir ("lightly-cli");
  g_autofree char *store = g_build_filename (home, "store", NULL);
  g_autofree char *location = g_filename_to_uri (store, NULL, NULL);
  g_autofree char *in_order = g_build_filename (home, "predictions.csv", NULL);
  g_autofree char *shuffled = g_build_filename (home, "predictions-shuffled.csv", NULL);
  g_autofree guint *order = g_new (guint, N_FIXTURE);
  g_autoptr(Fixture) f = fixture_load ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  const char *csv = test_env_path ("LIGHTLY_TEST_FMNIST_CSV");
  g_auto(Run) run = { 0 };
  g_auto(Run) run2 = { 0 };
  g_autofree char *round1 = NULL;
  g_autofree char *coral_a = NULL;
  g_auto(GStrv) round1_names = NULL;

  run_al (&run, home, "create-dataset", "--location", location, "fmnist", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (strlen (run.out), ==, 25);   /* 24 hex digits and a newline */
  run_clear (&run);

  run_al (&run, home, "register-samples", "-l", location, "-d", "fmnist", csv, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "300 samples registered"));
  run_clear (&run);

  run_al (&run, home, "upload-embeddings", "-l", location, "-d", "fmnist", "--name", "pca64", csv, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (strlen (run.out), ==, 25);
  run_clear (&run);

  run_al (&run, home, "tags", "-l", location, "-d", "fmnist", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 2);
  g_assert_nonnull (strstr (run.out, "initial-tag"));
  g_assert_nonnull (strstr (run.out, " 300 "));
  run_clear (&run);

  /* CORESET to 30: the added names on stdout, in bit order. */
  run_al (&run, home, "query", "-l", location, "-d", "fmnist", "--method", "CORESET", "-n", "30",
          "--name", "round-1", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 30);
  g_assert_nonnull (strstr (run.err, "round-1"));
  round1 = g_steal_pointer (&run.out);
  run_clear (&run);
  round1_names = g_strsplit (round1, "\n", -1);
  for (guint i = 1; i < 30; i++)
    g_assert_cmpint (strcmp (round1_names[i - 1], round1_names[i]), <, 0);   /* fmnist-NNNNN: bit order */

  /* --precision float16 and bfloat16: the same picks. */
  run_al (&run, home, "query", "-l", location, "-d", "fmnist", "--method", "CORESET", "-n", "30",
          "--name", "round-1-f16", "--precision", "float16", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, round1);
  run_clear (&run);
  run_al (&run, home, "query", "-l", location, "-d", "fmnist", "--method", "CORESET", "-n", "30",
          "--name", "round-1-bf16", "--precision", "BFLOAT16", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, round1);
  run_clear (&run);

  /* export prints the tag's members, the same lines. */
  run_al (&run, home, "export", "-l", location, "-d", "fmnist", "--tag", "round-1", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, round1);
  run_clear (&run);

  /* CORAL to 60 with predictions in file order, then the same predictions
   * shuffled: they are keyed by file name, so the picks are the same. */
  for (guint i = 0; i < N_FIXTURE; i++)
    order[i] = i;
  write_predictions (f, round1, order, in_order);
  for (guint i = N_FIXTURE - 1; i > 0; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i + 1);
      guint t = order[i];

      order[i] = order[j];
      order[j] = t;
    }
  g_assert_cmpuint (order[0] + order[1] + order[2], !=, 0 + 1 + 2);
  write_predictions (f, round1, order, shuffled);

  run_al (&run, home, "query", "-l", location, "-d", "fmnist", "--method", "CORAL", "-n", "60",
          "--preselected", "round-1", "--name", "coral-a", "--predictions", in_order, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 30);
  /* The summary is the result's: the new total and the batch. */
  g_assert_nonnull (strstr (run.err, "Tag coral-a: 60 labeled, 30 added"));
  g_assert_null (strstr (run.err, "AUTO ran"));
  coral_a = g_steal_pointer (&run.out);
  run_clear (&run);
  for (guint i = 0; round1_names[i] != NULL && *round1_names[i] != '\0'; i++)
    {
      g_autofree char *line = g_strconcat (round1_names[i], "\n", NULL);

      g_assert_null (strstr (coral_a, line));   /* disjoint from the labeled set */
    }

  run_al (&run2, home, "query", "-l", location, "-d", "fmnist", "--method", "CORAL", "-n", "60",
          "--preselected", "round-1", "--name", "coral-b", "--predictions", shuffled, NULL);
  g_assert_cmpint (run2.status, ==, 0);
  g_assert_cmpstr (run2.out, ==, coral_a);
  run_clear (&run2);

  /* BADGE and --balance need the probabilities; with them, BADGE runs. */
  run_al (&run, home, "query", "-l", location, "-d", "fmnist", "--method", "BADGE", "-n", "60",
          "--preselected", "round-1", "--name", "badge-x", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "class probabilities"));
  run_clear (&run);
  run_al (&run, home, "query", "-l", location, "-d", "fmnist", "--method", "BADGE", "--balance", "-n", "60",
          "--preselected", "round-1", "--name", "badge-a", "--predictions", in_order, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 30);
  g_assert_nonnull (strstr (run.err, "Tag badge-a: 60 labeled, 30 added"));
  run_clear (&run);

  run_al (&run, home, "export", "-l", location, "-d", "fmnist", "--tag", "coral-a", NULL);
  run_al (&run2, home, "export", "-l", location, "-d", "fmnist", "--tag", "coral-b", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpint (run2.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 60);
  g_assert_cmpstr (run.out, ==, run2.out);
  run_clear (&run);
  run_clear (&run2);

  /* Skipped: fewer than already labeled. Its own exit code (3), no new tag. */
  run_al (&run, home, "query", "-l", location, "-d", "fmnist", "-n", "10", "--preselected", "coral-a",
          "--name", "skipped", NULL);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, "Skipped: the labeled set has 60 samples"));
  run_clear (&run);

  run_al (&run, home, "tags", "-l", location, "-d", "fmnist", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 8);   /* with badge-a and the two round-1 copies */
  g_assert_nonnull (strstr (run.out, "coral-b"));
  g_assert_null (strstr (run.out, "skipped"));
  run_clear (&run);

  /* AUTO: the CLI prints what the agent resolved, not a rule of its own:
   * past 10% of the pool of 300 without scores, RANDOM (mid budget). */
  run_al (&run, home, "query", "-l", location, "-d", "fmnist", "-n", "65", "--preselected", "coral-a",
          "--name", "auto-65", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 5);
  g_assert_nonnull (strstr (run.err, "AUTO ran RANDOM\n"));
  g_assert_nonnull (strstr (run.err, "Tag auto-65: 65 labeled, 5 added"));
  g_assert_nonnull (strstr (run.err, "Why: RANDOM: 65 of 300 labeled after the query (22%), past the typical "
                                     "samples' 10% of the pool (30), and no scores given"));
  run_clear (&run);

  /* The cold start: typical samples, one per k-means cluster. */
  run_al (&run, home, "query", "-l", location, "-d", "fmnist", "-n", "25", "--name", "auto-25", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 25);
  g_assert_nonnull (strstr (run.err, "AUTO ran TYPICLUST\n"));
  g_assert_nonnull (strstr (run.err, "Why: TYPICLUST: cold start"));
  run_clear (&run);

  /* --json: the method, AUTO's reason and why each sample was picked, in
   * rank order; 28 of 300 is within the typical samples' 10%. */
  run_al (&run, home, "query", "-l", location, "-d", "fmnist", "-n", "28", "--preselected", "auto-25",
          "--name", "auto-28", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *o;
    JsonArray *picks;

    g_assert_true (json_parser_load_from_data (parser, run.out, -1, NULL));
    o = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpstr (json_object_get_string_member (o, "method"), ==, "TYPICLUST");
    g_assert_true (g_str_has_prefix (json_object_get_string_member (o, "reason"), "TYPICLUST: 28 of 300"));
    g_assert_cmpint (json_object_get_int_member (o, "total"), ==, 28);
    picks = json_object_get_array_member (o, "added");
    g_assert_cmpuint (json_array_get_length (picks), ==, 3);
    for (guint i = 0; i < 3; i++)
      {
        JsonObject *p = json_array_get_object_element (picks, i);

        g_assert_cmpint (json_object_get_int_member (p, "rank"), ==, i + 1);
        g_assert_cmpstr (json_object_get_string_member (p, "strategy"), ==, "TYPICLUST");
        g_assert_cmpfloat (json_object_get_double_member (p, "utility"), >, 0);
        g_assert_cmpint (json_object_get_int_member (p, "cluster"), >=, 0);
      }
  }
  run_clear (&run);

  /* LIGHTLY_SERVER_LOCATION is not needed, but --location wins: the default
   * store (XDG_DATA_HOME/lightly) has no such dataset. */
  run_al (&run, home, "tags", "-d", "fmnist", NULL);
  assert_one_line_failure (&run);
  run_clear (&run);

  test_rm_rf (home);
}

/* ---- rough edges (issue 17) ------------------------------------------------- */

/* Parses @text as JSON and returns its root object (asserting it is one). */
static JsonObject *
parse_object (JsonParser *parser,
              const char *text)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}


static void
test_rough_edges (void)
{
  g_autofree char *home = test_make_tmp_dir ("lightly-cli");
  g_autofree char *store = g_build_filename (home, "store", NULL);
  g_autofree char *location = g_filename_to_uri (store, NULL, NULL);
  g_autofree char *bad_csv = g_build_filename (home, "bad.csv", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(Run) run = { 0 };
  JsonObject *o;
  JsonArray *tags;

  setup_dataset (home, location);

  /* More than the pool: an error naming the pool, unless --up-to. */
  run_al (&run, home, "query", "-l", location, "-d", "ds", "-n", "400", NULL);
  assert_one_line_failure (&run);
  g_assert_nonnull (strstr (run.err, "300 samples"));
  g_assert_nonnull (strstr (run.err, "--up-to"));
  run_clear (&run);
  run_al (&run, home, "query", "-l", location, "-d", "ds", "-n", "400", "--up-to", "--method", "RANDOM",
          "--name", "everything", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 300);
  run_clear (&run);

  /* Wrong predictions columns are named as such. */
  g_assert_true (g_file_set_contents (bad_csv, "file,p_0,p_1\nfmnist-00000.png,0.5,0.5\n", -1, NULL));
  run_al (&run, home, "query", "-l", location, "-d", "ds", "-n", "20", "--method", "ACTIVE_LEARNING",
          "--predictions", bad_csv, NULL);
  assert_one_line_failure (&run);
  g_assert_nonnull (strstr (run.err, "wrong columns"));
  g_assert_nonnull (strstr (run.err, "filenames"));
  run_clear (&run);

  /* Errors speak CLI flags. */
  run_al (&run, home, "query", "-l", location, "-d", "ds", "-n", "20", "--method", "ACTIVE_LEARNING", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "--predictions FILE"));
  run_clear (&run);

  /* The tag-name rule is stated. */
  run_al (&run, home, "query", "-l", location, "-d", "ds", "-n", "20", "--name", "ab", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "at least 3 characters"));
  g_assert_nonnull (strstr (run.err, "start with a letter or a digit"));
  g_assert_nonnull (strstr (run.err, "--name"));
  run_clear (&run);

  /* The same query twice, at once: two tags, not a collision. */
  for (guint i = 0; i < 2; i++)
    {
      run_al (&run, home, "query", "-l", location, "-d", "ds", "-n", "20", "--method", "RANDOM", NULL);
      g_assert_cmpint (run.status, ==, 0);
      run_clear (&run);
    }

  /* --json: tags, datasets, export and query, with stable keys. */
  run_al (&run, home, "tags", "-l", location, "-d", "ds", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  o = parse_object (parser, run.out);
  tags = json_object_get_array_member (o, "tags");
  g_assert_cmpuint (json_array_get_length (tags), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (tags, 2), "name"), !=,
                   json_object_get_string_member (json_array_get_object_element (tags, 3), "name"));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (json_array_get_object_element (tags, 3), "name"),
                                   "RANDOM_20_"));
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (tags, 3), "count"), ==, 20);
  run_clear (&run);

  run_al (&run, home, "datasets", "-l", location, "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  o = parse_object (parser, run.out);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (o, "datasets"), 0), "name"), ==, "ds");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (
                     json_object_get_array_member (o, "datasets"), 0), "n_samples"), ==, 300);
  run_clear (&run);

  run_al (&run, home, "query", "-l", location, "-d", "ds", "-n", "12", "--method", "CORESET", "--name",
          "core-12", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  o = parse_object (parser, run.out);
  g_assert_false (json_object_get_boolean_member (o, "skipped"));
  g_assert_cmpstr (json_object_get_string_member (o, "tag"), ==, "core-12");
  g_assert_cmpstr (json_object_get_string_member (o, "method"), ==, "CORESET");
  g_assert_cmpint (json_object_get_int_member (o, "batch_size"), ==, 12);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "added")), ==, 12);
  {
    JsonObject *pick = json_array_get_object_element (json_object_get_array_member (o, "added"), 0);

    g_assert_cmpint (json_object_get_int_member (pick, "rank"), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (pick, "strategy"), ==, "CORESET");
    g_assert_true (json_object_has_member (pick, "utility"));
    g_assert_true (g_str_has_prefix (json_object_get_string_member (pick, "file"), "fmnist-"));
  }
  run_clear (&run);

  run_al (&run, home, "export", "-l", location, "-d", "ds", "--tag", "core-12", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  o = parse_object (parser, run.out);
  g_assert_cmpstr (json_object_get_string_member (o, "tag"), ==, "core-12");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "files")), ==, 12);
  run_clear (&run);

  /* A skipped query in JSON says so, with exit 3. */
  run_al (&run, home, "query", "-l", location, "-d", "ds", "-n", "5", "-p", "core-12", "--json", NULL);
  g_assert_cmpint (run.status, ==, 3);
  o = parse_object (parser, run.out);
  g_assert_true (json_object_get_boolean_member (o, "skipped"));
  g_assert_cmpint (json_object_get_int_member (o, "total"), ==, 12);
  run_clear (&run);

  test_rm_rf (home);
}

/* ---- help, usage and failures ----------------------------------------------- */

static void
test_help (void)
{
  g_autofree char *home = test_make_tmp_dir ("lightly-cli");
  g_auto(Run) run = { 0 };

  run_al (&run, home, "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    g_assert_nonnull (strstr (run.out, subcommands[i]));
  run_clear (&run);

  run_al (&run, home, "--version", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "lightly-al "));
  run_clear (&run);

  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    {
      run_al (&run, home, subcommands[i], "--help", NULL);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_nonnull (strstr (run.out, "Usage:"));
      g_assert_nonnull (strstr (run.out, subcommands[i]));
      if (strcmp (subcommands[i], "demo") != 0)
        g_assert_nonnull (strstr (run.out, "--location"));
      else
        g_assert_nonnull (strstr (run.out, "--out"));
      run_clear (&run);
    }
  test_rm_rf (home);
}

static void
test_usage (void)
{
  g_autofree char *home = test_make_tmp_dir ("lightly-cli");
  const char *bad[][6] = {
    { NULL },
    { "no-such-command", NULL },
    { "create-dataset", NULL },
    { "create-dataset", "a", "b", NULL },
    { "create-dataset", "--no-such-option", "a", NULL },
    { "register-samples", NULL },
    { "upload-embeddings", NULL },
    { "tags", "extra", NULL },
    { "export", NULL },
    { "export", "--tag", "t", "--format", "yaml", NULL },
    { "import-labels", NULL },
    { "import-labels", "--format", "coco", "x.json", NULL },
    { "query", "--method", "NOPE", NULL },
    { "query", "--n-samples", "many", NULL },
    { "query", "-n", "-1", NULL },
    { "query", "positional", NULL },
    { "query", "--precision", "float8", NULL },
    { "demo", "--pool", "5", NULL },
    { "demo", "--schedule", "40,20", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_auto(Run) run = { 0 };

      run_alv (&run, home, bad[i]);
      if (run.status != 2)
        g_error ("lightly-al %s %s: exit %d, expected 2", bad[i][0], bad[i][1], run.status);
      g_assert_cmpstr (run.out, ==, "");
      g_assert_cmpstr (run.err, !=, "");
    }

  /* Nothing was created by bad usage: not even the store. */
  {
    g_autofree char *db_dir = g_build_filename (home, "data", "lightly", NULL);

    g_assert_false (g_file_test (db_dir, G_FILE_TEST_EXISTS));
  }
  test_rm_rf (home);
}

static void
test_failures (void)
{
  g_autofree char *home = test_make_tmp_dir ("lightly-cli");
  g_autofree char *store = g_build_filename (home, "store", NULL);
  g_autofree char *location = g_filename_to_uri (store, NULL, NULL);
  g_autofree char *missing = g_build_filename (home, "missing.csv", NULL);
  g_auto(Run) run = { 0 };

  run_al (&run, home, "create-dataset", "-l", location, "ds", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);

  /* Each: exit 1 and one line that says what went wrong. */
  run_al (&run, home, "create-dataset", "-l", location, "ds", NULL);
  assert_one_line_failure (&run);
  g_assert_nonnull (strstr (run.err, "ds"));
  run_clear (&run);

  run_al (&run, home, "tags", "-l", location, "-d", "nope", NULL);
  assert_one_line_failure (&run);
  g_assert_nonnull (strstr (run.err, "nope"));
  run_clear (&run);

  run_al (&run, home, "tags", "-l", location, NULL);
  assert_one_line_failure (&run);
  run_clear (&run);

  run_al (&run, home, "register-samples", "-l", location, "-d", "ds", missing, NULL);
  assert_one_line_failure (&run);
  run_clear (&run);

  run_al (&run, home, "query", "-l", location, "-d", "ds", "-n", "3", NULL);
  assert_one_line_failure (&run);
  run_clear (&run);

  run_al (&run, home, "export", "-l", location, "-d", "ds", "--tag", "no-such-tag", NULL);
  assert_one_line_failure (&run);
  g_assert_nonnull (strstr (run.err, "no-such-tag"));
  run_clear (&run);

  run_al (&run, home, "tags", "-l", "ftp://example.com/", "-d", "ds", NULL);
  assert_one_line_failure (&run);
  run_clear (&run);

  test_rm_rf (home);
}

/* ---- the demo --------------------------------------------------------------- */

static void
test_demo (void)
{
  g_autofree char *home = test_make_tmp_dir ("lightly-cli");
  g_autofree char *out_dir = g_build_filename (home, "demo", NULL);
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;
  guint n_rows = 0;

  run_al (&run, home, "demo", "--pool", "300", "--test", "300", "--schedule", "20,40", "--seeds", "2",
          "--out", out_dir, NULL);
  g_assert_cmpint (run.status, ==, 0);

  /* A table row per round: labels, RANDOM mean ± sd, then the tutorial's
   * and AUTO's accuracy with the method each ran. */
  lines = g_strsplit (run.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint labels = 0;
      char tutorial_method[32] = "", auto_method[32] = "";
      double mean = -1, sd = -1, tutorial = -1, automatic = -1;

      if (sscanf (lines[i], " %u %lf ± %lf %lf %31s %lf %31s", &labels, &mean, &sd, &tutorial, tutorial_method,
                  &automatic, auto_method) != 7)
        continue;
      g_test_message ("demo: %u RANDOM %.3f ± %.3f, %s %.3f, %s %.3f", labels, mean, sd, tutorial_method, tutorial,
                      auto_method, automatic);
      g_assert_cmpuint (labels, ==, n_rows == 0 ? 20 : 40);
      g_assert_cmpstr (tutorial_method, ==, n_rows == 0 ? "CORESET" : "CORAL");
      /* AUTO resolves to a concrete method, which the row names. */
      g_assert_cmpstr (auto_method, !=, "AUTO");
      g_assert_true (lightly_sampling_method_from_string (auto_method, NULL) != LIGHTLY_SAMPLING_METHOD_AUTO);
      for (guint k = 0; k < 3; k++)
        {
          double v = k == 0 ? mean : k == 1 ? tutorial : automatic;

          g_assert_cmpfloat (v, >, 0.0);
          g_assert_cmpfloat (v, <=, 1.0);
        }
      g_assert_cmpfloat (sd, >=, 0.0);
      n_rows++;
    }
  g_assert_nonnull (strstr (run.out, "\nBest: "));
  g_assert_cmpuint (n_rows, ==, 2);
  {
    g_autofree char *csv = g_build_filename (out_dir, "embeddings.csv", NULL);
    g_autofree char *png = g_build_filename (out_dir, "images", "fmnist-00000.png", NULL);

    g_assert_true (g_file_test (csv, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
  }
  test_rm_rf (home);
}

/* ---- two programs: lightly-al and lightly-al-net -------------------------- */

/* Runs @argv (NULL-terminated) with $LIGHTLY_SERVER_LOCATION set to
 * @location, or unset when it is NULL. */
static void
run_program (Run                *run,
             const char * const *argv,
             const char         *location)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "LIGHTLY_TOKEN");
  if (location != NULL)
    g_subprocess_launcher_setenv (launcher, "LIGHTLY_SERVER_LOCATION", location, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "LIGHTLY_SERVER_LOCATION");
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  run->status = g_subprocess_get_exit_status (proc);
}

/* A copy of lightly-al in a folder of its own, beside @sibling_script (a
 * shell script saved as lightly-al-net) or, when NULL, beside a folder of
 * that name, which cannot be run. Returns the copy's path. */
static char *
copy_beside (const char *dir,
             const char *sibling_script)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) from = g_file_new_for_path (test_env_path ("LIGHTLY_TEST_LIGHTLY_AL"));
  g_autofree char *to_path = g_build_filename (dir, "lightly-al", NULL);
  g_autofree char *net = g_build_filename (dir, "lightly-al-net", NULL);
  g_autoptr(GFile) to = g_file_new_for_path (to_path);

  g_assert_true (g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (to_path, 0755), ==, 0);
  if (sibling_script != NULL)
    {
      g_assert_true (g_file_set_contents (net, sibling_script, -1, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_chmod (net, 0755), ==, 0);
    }
  else
    g_assert_cmpint (g_mkdir (net, 0700), ==, 0);
  return g_steal_pointer (&to_path);
}

/* lightly-al starts without libsoup, and hands `serve` and http(s)://
 * locations, with their arguments unchanged, to lightly-al-net
 * (tools/lightly-al-forward.c); file:// locations stay. A copy of
 * lightly-al beside a stand-in script shows what it runs; beside something
 * that cannot run, it fails with exit code 1 and says so. test-server's
 * /server/serve-process runs the real pair against a server. */
static void
test_two_programs (void)
{
  const char *al = test_env_path ("LIGHTLY_TEST_LIGHTLY_AL");
  g_autofree char *dir = g_path_get_dirname (al);
  g_autofree char *net = g_build_filename (dir, "lightly-al-net", NULL);
  g_autofree char *home = test_make_tmp_dir ("lightly-cli");
  g_autofree char *here = g_build_filename (home, "stand-in", NULL);
  g_autofree char *broken = g_build_filename (home, "broken", NULL);
  g_autofree char *store = g_build_filename (home, "store", NULL);
  g_autofree char *store_uri = g_filename_to_uri (store, NULL, NULL);
  g_autofree char *copy = NULL;
  g_autofree char *copy_broken = NULL;
  g_auto(Run) run = { 0 };

  /* The libraries each program loads. */
  {
    const char *ldd_al[] = { "ldd", al, NULL };
    const char *ldd_net[] = { "ldd", net, NULL };

    run_program (&run, ldd_al, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "libsqlite3"));
    g_assert_null (strstr (run.out, "libsoup"));
    run_clear (&run);
    run_program (&run, ldd_net, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "libsoup-3.0"));
    run_clear (&run);
  }

  g_assert_cmpint (g_mkdir (here, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (broken, 0700), ==, 0);
  copy = copy_beside (here, "#!/bin/sh\nprintf '%s|' \"$@\"\nexit 7\n");
  copy_broken = copy_beside (broken, NULL);
  {
    const char *serve[] = { copy, "serve", "--port", "0", "--store", store, NULL };
    const char *by_option[] = { copy, "query", "-d", "ds", "--location", "https://example.com/lightly",
                                "-n", "5", NULL };
    const char *by_equals[] = { copy, "tags", "--location=HTTP://127.0.0.1:1", "--json", NULL };
    const char *by_env[] = { copy, "datasets", NULL };
    const char *local[] = { copy, "datasets", "--json", "--location", store_uri, NULL };
    const char *cannot[] = { copy_broken, "datasets", "-l", "http://127.0.0.1:1", NULL };

    g_autofree char *serve_args = g_strdup_printf ("serve|--port|0|--store|%s|", store);

    run_program (&run, serve, NULL);
    g_assert_cmpint (run.status, ==, 7);
    g_assert_cmpstr (run.out, ==, serve_args);
    run_clear (&run);
    run_program (&run, by_option, NULL);
    g_assert_cmpint (run.status, ==, 7);
    g_assert_cmpstr (run.out, ==, "query|-d|ds|--location|https://example.com/lightly|-n|5|");
    run_clear (&run);
    run_program (&run, by_equals, NULL);
    g_assert_cmpint (run.status, ==, 7);
    g_assert_cmpstr (run.out, ==, "tags|--location=HTTP://127.0.0.1:1|--json|");
    run_clear (&run);
    run_program (&run, by_env, "http://127.0.0.1:1");
    g_assert_cmpint (run.status, ==, 7);
    g_assert_cmpstr (run.out, ==, "datasets|");
    run_clear (&run);
    /* --location wins over the environment, as in every command. */
    run_program (&run, local, "http://127.0.0.1:1");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "\"datasets\" : []"));
    run_clear (&run);
    run_program (&run, cannot, NULL);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "cannot run"));
    g_assert_nonnull (strstr (run.err, "lightly-al-net"));
    run_clear (&run);
  }
  test_rm_rf (home);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/workflow", test_workflow);
  g_test_add_func ("/cli/rough-edges", test_rough_edges);
  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/failures", test_failures);
  g_test_add_func ("/cli/demo", test_demo);
  g_test_add_func ("/cli/two-programs", test_two_programs);

  return g_test_run ();
}
