/* test-utils.h: helpers the C tests share (temporary folders, store hashes,
 * the Fashion-MNIST fixture); plain GLib, so any test can link it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

/* RUNNING_ON_VALGRIND: true under valgrind, where tests shrink their sizes;
 * 0 when valgrind's header is not installed. */
#if defined(__has_include)
# if __has_include(<valgrind/valgrind.h>)
#  include <valgrind/valgrind.h>
# endif
#endif
#ifndef RUNNING_ON_VALGRIND
# define RUNNING_ON_VALGRIND 0
#endif

G_BEGIN_DECLS

/* Under valgrind (CI) or with LIGHTLY_TEST_SMALL set: tests shrink their
 * sizes and configurations there, keeping every case. */
gboolean test_slow_mode (void);

/* A new folder under the temporary dir; aborts the test on failure. */
char *test_make_tmp_dir (const char *prefix);

/* Compiles de_DE.UTF-8 (a decimal comma) with localedef (Debian's
 * locales package, in .ci/packages) into @parent/locales and returns that
 * folder, for LOCPATH; aborts the test when it cannot. */
char *test_comma_locale (const char *parent);

/* Removes a file or a folder with everything in it; a symbolic link is
 * removed, never followed. */
void  test_rm_rf        (const char *path);

/* The value of the environment variable @name, which meson's test setup
 * sets; aborts with a hint when it is missing. */
const char *test_env_path (const char *name);

/* A SHA-256 digest of every file below @root, names and bytes, in name
 * order. SQLite's `-shm` index is left out: it changes on reads too. Tests
 * compare it before and after bad input to prove nothing stored changed. */
char *test_hash_store   (const char *root);

/* The rows of the Fashion-MNIST fixture ($LIGHTLY_TEST_FMNIST_CSV, made by
 * tests/make-fixture.c): file names, embeddings and true labels, in file
 * order (the mapping order, since samples are registered from it). */
typedef struct {
  GPtrArray *names;
  float *x;
  guint *labels;
  gsize n;
  guint dim;
} TestFixture;

/* Loads the fixture and asserts its shape: @n_rows rows of @dim values with
 * labels below @n_classes. */
TestFixture *test_fixture_load (gsize n_rows,
                                guint dim,
                                guint n_classes);
void         test_fixture_free (TestFixture *f);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestFixture, test_fixture_free)

G_END_DECLS
