/* test-simulate.c: `lightly-al simulate` end to end on a small labeled CSV
 *
 * Spawns the tool ($LIGHTLY_AL, set by tests/meson.build) on three Gaussian
 * classes and checks the CSV (shape, values, which method AUTO ran), that
 * the PNG decodes and shows something, that the SVG is an SVG, that the run
 * repeats exactly with another thread count, that the CSV keeps its decimal
 * point under a locale with a decimal comma, and the usage errors.
 */
#include <lightly/lightly.h>

#include <cairo.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "test-utils.h"

typedef struct {
  char *dir;
  char *csv;
} Fixture;

static void
write_csv (const char *path, gboolean with_labels)
{
  g_autoptr(GString) s = g_string_new ("filenames");
  g_autoptr(GRand) rng = g_rand_new_with_seed (5);
  const guint dim = 6;
  g_autoptr(GError) error = NULL;

  for (guint j = 0; j < dim; j++)
    g_string_append_printf (s, ",embedding_%u", j);
  g_string_append (s, with_labels ? ",labels\r\n" : "\r\n");
  for (guint i = 0; i < 240; i++)
    {
      guint c = i % 3;

      g_string_append_printf (s, "img-%03u.png", i);
      for (guint j = 0; j < dim; j++)
        g_string_append_printf (s, ",%.5f", (j == c ? 2.0 : 0.0) + g_rand_double_range (rng, -1, 1));
      if (with_labels)
        g_string_append_printf (s, ",%u", 7 + c * 2);   /* any integers name the classes */
      g_string_append (s, "\r\n");
    }
  g_file_set_contents (path, s->str, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = test_make_tmp_dir ("lightly-simulate");
  f->csv = g_build_filename (f->dir, "embeddings.csv", NULL);
  write_csv (f->csv, TRUE);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  test_rm_rf (f->dir);
  g_free (f->csv);
  g_free (f->dir);
}

/* Runs lightly-al with @args (NULL-terminated) in @envp (NULL: this
 * process's); returns the exit status. */
static int
run_tool_env (const char * const *args, char **envp, char **out, char **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *tool = g_getenv ("LIGHTLY_AL");
  int status = -1;

  g_assert_nonnull (tool);
  g_ptr_array_add (argv, (gpointer) tool);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static int
run_tool (const char * const *args, char **out, char **err)
{
  return run_tool_env (args, NULL, out, err);
}

static const char *strategies[] = { "RANDOM", "AUTO", "TYPICLUST", "PROBCOVER", "CORAL" };
static const guint schedule[] = { 6, 12, 24, 48 };

static void
test_outputs (Fixture *f, gconstpointer data)
{
  g_autofree char *prefix = g_build_filename (f->dir, "out", NULL);
  g_autofree char *prefix1 = g_build_filename (f->dir, "one-thread", NULL);
  const char *args[] = { "simulate", f->csv, "--test", "60", "--schedule", "6,12,24,48",
                         "--strategies", "RANDOM,AUTO,TYPICLUST,PROBCOVER,CORAL", "--seeds", "3",
                         "--threads", "2", "-o", prefix, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *csv_path = g_strconcat (prefix, ".csv", NULL);
  g_autofree char *png_path = g_strconcat (prefix, ".png", NULL);
  g_autofree char *svg_path = g_strconcat (prefix, ".svg", NULL);
  g_autofree char *csv = NULL;
  g_autofree char *svg = NULL;
  g_autofree char *again = NULL;
  g_autofree char *again_path = g_strconcat (prefix1, ".csv", NULL);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  cairo_surface_t *png;
  guint n_lines, non_white = 0;

  g_assert_cmpint (run_tool (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "AUTO ran: TYPICLUST"));
  g_assert_nonnull (strstr (out, "RANDOM"));

  g_file_get_contents (csv_path, &csv, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (csv, "\n", -1);
  n_lines = g_strv_length (lines);
  g_assert_cmpstr (lines[0], ==, "strategy,seed,round,labels,method,accuracy");
  /* 5 strategies × 3 seeds × 4 rounds, then the empty string after the last \n. */
  g_assert_cmpuint (n_lines, ==, 1 + 5 * 3 * 4 + 1);
  g_assert_cmpstr (lines[n_lines - 1], ==, "");
  for (guint i = 1; i + 1 < n_lines; i++)
    {
      g_auto(GStrv) f6 = g_strsplit (lines[i], ",", -1);
      guint row = i - 1, s = row / 12, seed = (row / 4) % 3, r = row % 4;
      double acc;
      char *end;

      g_assert_cmpuint (g_strv_length (f6), ==, 6);
      g_assert_cmpstr (f6[0], ==, strategies[s]);
      g_assert_cmpuint (g_ascii_strtoull (f6[1], NULL, 10), ==, seed);
      g_assert_cmpuint (g_ascii_strtoull (f6[2], NULL, 10), ==, r + 1);
      g_assert_cmpuint (g_ascii_strtoull (f6[3], NULL, 10), ==, schedule[r]);
      if (s == 1)
        /* AUTO: typical samples up to 10% of the pool of 180 (18 labels),
         * then BADGE (a model of 12 or 24 labels is too weak to rank by its
         * scores alone: uncertainty and diversity together). */
        g_assert_cmpstr (f6[4], ==, r < 2 ? "TYPICLUST" : "BADGE");
      else if (s == 4)
        g_assert_cmpstr (f6[4], ==, r == 0 ? "CORESET" : "CORAL");   /* no model in round 1 */
      else
        g_assert_cmpstr (f6[4], ==, strategies[s]);
      acc = g_ascii_strtod (f6[5], &end);
      g_assert_true (*end == '\0');
      g_assert_cmpfloat (acc, >=, 0.0);
      g_assert_cmpfloat (acc, <=, 1.0);
    }

  png = cairo_image_surface_create_from_png (png_path);
  g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (png), ==, 900);
  g_assert_cmpint (cairo_image_surface_get_height (png), ==, 640);   /* two panels with RANDOM */
  cairo_surface_flush (png);
  for (int y = 0; y < 640; y++)
    {
      const guint32 *px = (const guint32 *) (cairo_image_surface_get_data (png) +
                                             y * cairo_image_surface_get_stride (png));

      for (int x = 0; x < 900; x++)
        non_white += (px[x] & 0xffffff) != 0xffffff;
    }
  cairo_surface_destroy (png);
  g_assert_cmpuint (non_white, >, 2000);

  g_file_get_contents (svg_path, &svg, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (svg, "<svg"));

  /* The same run with one thread gives the same numbers. */
  args[11] = "1";
  args[13] = prefix1;
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_tool (args, &out, &err), ==, 0);
  g_file_get_contents (again_path, &again, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, csv);
}

/* Under a locale whose decimal separator is a comma (de_DE:
 * test_comma_locale()), the CSV still has six columns and
 * a decimal point, while the summary on stdout speaks the locale. */
static void
test_csv_comma_locale (Fixture *f, gconstpointer data)
{
  g_autofree char *locales = test_comma_locale (f->dir);
  g_autofree char *prefix = g_build_filename (f->dir, "komma", NULL);
  g_autofree char *csv_path = g_strconcat (prefix, ".csv", NULL);
  const char *args[] = { "simulate", f->csv, "--test", "60", "--schedule", "6,12",
                         "--strategies", "RANDOM,CORESET", "--seeds", "2", "-o", prefix, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *csv = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;

  envp = g_environ_setenv (envp, "LOCPATH", locales, TRUE);
  envp = g_environ_setenv (envp, "LC_ALL", "de_DE.UTF-8", TRUE);

  g_assert_cmpint (run_tool_env (args, envp, &out, &err), ==, 0);
  /* The locale took: "0,812 ± 0,034" in the summary. */
  g_assert_true (g_regex_match_simple ("[0-9],[0-9]{3} ±", out, 0, 0));
  g_file_get_contents (csv_path, &csv, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 2 * 2 * 2 + 1);
  for (guint i = 1; lines[i][0] != '\0'; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ",", -1);
      char *end;
      double acc;

      g_assert_cmpuint (g_strv_length (fields), ==, 6);
      acc = g_ascii_strtod (fields[5], &end);
      g_assert_true (*end == '\0');
      g_assert_cmpfloat (acc, >=, 0.0);
      g_assert_cmpfloat (acc, <=, 1.0);
    }
}

/* Carried coverage between a seed's rounds changes no pick: the same
 * accuracies, to the printed digit, with it off. TYPICLUST>CORESET@12 starts
 * carrying only after rounds that did not. */
static void
test_carried_coverage (Fixture *f, gconstpointer data)
{
  g_autofree char *prefix_on = g_build_filename (f->dir, "carried", NULL);
  g_autofree char *prefix_off = g_build_filename (f->dir, "scratch", NULL);
  const char *on[] = { "simulate", f->csv, "--test", "60", "--schedule", "3,6,9,12,15,18,24,30,36,48",
                       "--strategies", "CORESET,CORAL,TYPICLUST>CORESET@12", "--seeds", "2",
                       "--threads", "2", "-o", prefix_on, NULL };
  const char *off[] = { "simulate", f->csv, "--test", "60", "--schedule", "3,6,9,12,15,18,24,30,36,48",
                        "--strategies", "CORESET,CORAL,TYPICLUST>CORESET@12", "--seeds", "2",
                        "--threads", "2", "-o", prefix_off, NULL };
  g_autofree char *path_on = g_strconcat (prefix_on, ".csv", NULL);
  g_autofree char *path_off = g_strconcat (prefix_off, ".csv", NULL);
  g_autofree char *csv_on = NULL;
  g_autofree char *csv_off = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL, *err = NULL;

  g_assert_cmpint (run_tool (on, &out, &err), ==, 0);
  g_free (out);
  g_free (err);
  g_setenv ("LIGHTLY_CARRIED_COVERAGE", "0", TRUE);
  g_assert_cmpint (run_tool (off, &out, &err), ==, 0);
  g_unsetenv ("LIGHTLY_CARRIED_COVERAGE");
  g_free (out);
  g_free (err);
  g_file_get_contents (path_on, &csv_on, NULL, &error);
  g_assert_no_error (error);
  g_file_get_contents (path_off, &csv_off, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (csv_on, "TYPICLUST>CORESET@12,1,10,48,CORESET,"));
  g_assert_cmpstr (csv_on, ==, csv_off);
}

static void
test_usage (Fixture *f, gconstpointer data)
{
  g_autofree char *nolabels = g_build_filename (f->dir, "nolabels.csv", NULL);
  g_autofree char *prefix = g_build_filename (f->dir, "bad", NULL);
  const char *decreasing[] = { "simulate", f->csv, "--schedule", "10,5", "-o", prefix, NULL };
  const char *unknown[] = { "simulate", f->csv, "--strategies", "RANDOM,KMEANS", "-o", prefix, NULL };
  const char *too_big[] = { "simulate", f->csv, "--schedule", "10,500", "-o", prefix, NULL };
  const char *no_labels[] = { "simulate", nolabels, "-o", prefix, NULL };
  const char *no_input[] = { "simulate", NULL };
  g_autofree char *input_prefix = g_build_filename (f->dir, "embeddings", NULL);
  const char *overwrite[] = { "simulate", f->csv, "-o", input_prefix, NULL };
  char *out = NULL, *err = NULL;

  write_csv (nolabels, FALSE);
  g_assert_cmpint (run_tool (decreasing, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--schedule"));
  g_free (out);
  g_free (err);
  g_assert_cmpint (run_tool (unknown, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "KMEANS"));
  g_free (out);
  g_free (err);
  g_assert_cmpint (run_tool (too_big, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "larger than the pool"));
  g_free (out);
  g_free (err);
  g_assert_cmpint (run_tool (no_labels, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "labels column"));
  g_free (out);
  g_free (err);
  g_assert_cmpint (run_tool (overwrite, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "overwrite"));
  g_free (out);
  g_free (err);
  g_assert_cmpint (run_tool (no_input, &out, &err), ==, 2);
  g_free (out);
  g_free (err);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/simulate/outputs", Fixture, NULL, fixture_set_up, test_outputs, fixture_tear_down);
  g_test_add ("/simulate/carried-coverage", Fixture, NULL, fixture_set_up, test_carried_coverage,
              fixture_tear_down);
  g_test_add ("/simulate/usage", Fixture, NULL, fixture_set_up, test_usage, fixture_tear_down);
  g_test_add ("/simulate/comma-locale", Fixture, NULL, fixture_set_up, test_csv_comma_locale, fixture_tear_down);
  return g_test_run ();
}
