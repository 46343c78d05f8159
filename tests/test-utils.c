/* test-utils.c: helpers the C tests share (temporary folders, store hashes,
 * the Fashion-MNIST fixture)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib/gstdio.h>

#include "test-utils.h"

gboolean
test_slow_mode (void)
{
  return RUNNING_ON_VALGRIND || g_getenv ("LIGHTLY_TEST_SMALL") != NULL;
}

char *
test_make_tmp_dir (const char *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpl = g_strdup_printf ("%s-XXXXXX", prefix);
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  return dir;
}

char *
test_comma_locale (const char *parent)
{
  g_autofree char *locales = g_build_filename (parent, "locales", NULL);
  g_autofree char *de = g_build_filename (locales, "de_DE.UTF-8", NULL);
  const char *argv[] = { "localedef", "-i", "de_DE", "-f", "UTF-8", de, NULL };
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_cmpint (g_mkdir_with_parents (locales, 0700), ==, 0);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&locales);
}

void
test_rm_rf (const char *path)
{
  GDir *dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      test_rm_rf (child);
    }
  g_dir_close (dir);
  g_rmdir (path);
}

static void
collect_files (const char *root,
               const char *rel,
               GPtrArray  *out)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_ptr_array_add (out, g_strdup (rel));
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = *rel ? g_build_filename (rel, name, NULL) : g_strdup (name);

      if (g_str_has_suffix (name, "-shm"))
        continue;
      collect_files (root, child, out);
    }
  g_dir_close (dir);
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char *
test_hash_store (const char *root)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  collect_files (root, "", files);
  g_ptr_array_sort (files, compare_paths);
  for (guint i = 0; i < files->len; i++)
    {
      const char *rel = g_ptr_array_index (files, i);
      g_autofree char *path = g_build_filename (root, rel, NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      g_checksum_update (sum, (const guchar *) rel, -1);
      g_checksum_update (sum, (const guchar *) "\n", 1);
      if (g_file_get_contents (path, &contents, &len, NULL))
        g_checksum_update (sum, (const guchar *) contents, (gssize) len);
    }
  return g_strdup (g_checksum_get_string (sum));
}

const char *
test_env_path (const char *name)
{
  const char *path = g_getenv (name);

  if (path == NULL)
    g_error ("%s is not set: run the tests through meson", name);
  return path;
}

void
test_fixture_free (TestFixture *f)
{
  g_ptr_array_unref (f->names);
  g_free (f->x);
  g_free (f->labels);
  g_free (f);
}

TestFixture *
test_fixture_load (gsize n_rows,
                   guint dim,
                   guint n_classes)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  TestFixture *f = g_new0 (TestFixture, 1);
  guint n_lines;

  g_file_get_contents (test_env_path ("LIGHTLY_TEST_FMNIST_CSV"), &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  n_lines = g_strv_length (lines);
  f->names = g_ptr_array_new_with_free_func (g_free);
  f->dim = dim;
  f->x = g_new (float, (gsize) n_lines * f->dim);
  f->labels = g_new (guint, n_lines);
  for (guint i = 1; i < n_lines; i++)
    {
      g_auto(GStrv) cols = NULL;

      g_strchomp (lines[i]);
      if (*lines[i] == '\0')
        continue;
      cols = g_strsplit (lines[i], ",", -1);
      g_assert_cmpuint (g_strv_length (cols), ==, f->dim + 2);
      g_ptr_array_add (f->names, g_strdup (cols[0]));
      for (guint d = 0; d < f->dim; d++)
        f->x[f->n * f->dim + d] = (float) g_ascii_strtod (cols[d + 1], NULL);
      f->labels[f->n] = (guint) g_ascii_strtoull (cols[f->dim + 1], NULL, 10);
      g_assert_cmpuint (f->labels[f->n], <, n_classes);
      f->n++;
    }
  g_assert_cmpuint (f->n, ==, n_rows);
  return f;
}
