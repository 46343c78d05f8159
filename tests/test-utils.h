/* test-utils.h: helpers the C tests share (temporary folders, store hashes)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A new folder under the temporary dir; aborts the test on failure. */
char *test_make_tmp_dir (const char *prefix);

/* Removes a file or a folder with everything in it. */
void  test_rm_rf        (const char *path);

/* A SHA-256 digest of every file below @root, names and bytes, in name
 * order. SQLite's `-shm` index is left out: it changes on reads too. Tests
 * compare it before and after bad input to prove nothing stored changed. */
char *test_hash_store   (const char *root);

G_END_DECLS
