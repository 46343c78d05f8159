/* lightly-memory-private.h: large arrays on huge pages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @bytes of memory (free it with g_free()), or NULL if there is not
 * enough. From 2 MiB up it starts on a 2 MiB boundary with transparent
 * huge pages advised for its whole huge pages: arrays over every sample
 * of a dataset (the mapping, the indices of a tag) are written once,
 * front to back, and each fresh 4 KiB page is a page fault, which on a
 * virtual machine is an exit. The engine has the same rule for its own
 * state (lightly_selection_alloc_rows(): the rooms share no code). */
gpointer lightly_memory_try_alloc_large (gsize bytes);

G_END_DECLS
