/* lightly-names-private.h: a dataset's file names in one allocation
 *
 * The mapping (protocol §2.5) can hold a million names. As a GStrv each
 * name is an allocation of its own, made when the store reads the mapping
 * and freed when the agent drops it; on 100k names that was most of a
 * query's cost outside the engine (bench/README.md, "Zen 5, session 13").
 * LightlyNames holds the pointers and the text they point into in one
 * block: the store reads its blobs straight into the text, and the agent
 * borrows the pointers. The public API still hands out GStrv
 * (lightly_names_to_strv()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gsize n;
  /* n names, NULL-terminated; each points into the same block. */
  char *v[];
} LightlyNames;

/* A block for @n names whose text (every name with its NUL) takes
 * @text_bytes; v[n] is NULL, v[0 … n) are for the caller to set, into
 * lightly_names_text(). NULL if the sizes overflow. */
LightlyNames *lightly_names_alloc   (gsize               n,
                                     gsize               text_bytes);
char         *lightly_names_text    (LightlyNames       *self);
/* A packed copy of @n names. */
LightlyNames *lightly_names_pack    (const char * const *names,
                                     gsize               n);
/* A GStrv copy, for the public API. */
char        **lightly_names_to_strv (const LightlyNames *self);
void          lightly_names_free    (LightlyNames       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyNames, lightly_names_free)

G_END_DECLS
