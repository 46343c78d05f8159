/* lightly-al-embed-run.h: one `lightly-al embed` run over any LightlyEmbedder
 *
 * Shared by lightly-al (the built-in embedder) and lightly-al-embed-host
 * (plugin embedders; see lightly-al-embed-host.c for why a second program).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <lightly/lightly.h>

G_BEGIN_DECLS

/* Sets "max-dim", "threads" and "model" on the embedders that have them:
 * --model for an embedder without a "model" property, or none for one
 * with, is LIGHTLY_ERROR_INVALID_INPUT. */
gboolean lightly_al_embed_configure (LightlyEmbedder  *embedder,
                                     const char       *name,
                                     const char       *model,
                                     int               dim,
                                     int               threads,
                                     GError          **error);

/* Embeds @folder with a progress bar on a terminal (unless @quiet), warns
 * about each unreadable file, writes Lightly's CSV to @output and prints the
 * summary line. Sets @n_rows to the number of images embedded. */
gboolean lightly_al_embed_run       (LightlyEmbedder  *embedder,
                                     const char       *folder,
                                     const char       *output,
                                     gboolean          quiet,
                                     guint            *n_rows,
                                     GError          **error);

G_END_DECLS
