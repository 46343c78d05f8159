/* test-cli-util.h: running lightly-al from the CLI tests
 *
 * Header-only (static functions) so each test-cli-*.c stays one file.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <lightly/lightly.h>
#include "test-utils.h"

#include <string.h>

/* ---- helpers ---------------------------------------------------------------- */

typedef struct {
  int status;
  char *out;
  char *err;
} Run;

static inline void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs `lightly-al ARGS…` with @home as HOME and XDG data dir. */
static inline void
run_alv (Run                *run,
         const char         *home,
         const char * const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *data_home = g_build_filename (home, "data", NULL);

  g_ptr_array_add (argv, (gpointer) test_env_path ("LIGHTLY_TEST_LIGHTLY_AL"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "LIGHTLY_SERVER_LOCATION");
  g_subprocess_launcher_unsetenv (launcher, "LIGHTLY_TOKEN");
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  run->status = g_subprocess_get_exit_status (proc);
  if (run->status != 0)
    g_test_message ("lightly-al %s → %d: %s", args[0] != NULL ? args[0] : "", run->status, run->err);
}

/* Same, with the arguments NULL-terminated after @home. */
static inline void
run_al (Run        *run,
        const char *home,
        ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, home);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  run_alv (run, home, (const char * const *) args->pdata);
}

/* A dataset "ds" at @location with the Fashion-MNIST fixture registered and
 * its embeddings uploaded, through the CLI. */
static inline void
setup_dataset (const char *home,
               const char *location)
{
  const char *csv = test_env_path ("LIGHTLY_TEST_FMNIST_CSV");
  g_auto(Run) run = { 0 };

  run_al (&run, home, "create-dataset", "-l", location, "ds", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
  run_al (&run, home, "register-samples", "-l", location, "-d", "ds", csv, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
  run_al (&run, home, "upload-embeddings", "-l", location, "-d", "ds", csv, NULL);
  g_assert_cmpint (run.status, ==, 0);
}

static inline guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

/* A failing operation prints exactly one line, "lightly-al: …". */
static inline void
assert_one_line_failure (const Run *run)
{
  g_assert_cmpint (run->status, ==, 1);
  g_assert_true (g_str_has_prefix (run->err, "lightly-al: "));
  g_assert_cmpuint (count_lines (run->err), ==, 1);
  g_assert_cmpuint (strlen (run->err), >, strlen ("lightly-al: \n") + 10);
}

