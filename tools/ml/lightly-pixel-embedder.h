/* lightly-pixel-embedder.h: the built-in LightlyEmbedder (no model needed)
 *
 * Private helper (tools/ml, not installed): lightly-image-embedder.h behind
 * the public LightlyEmbedder interface. `lightly-al embed` uses it directly
 * (it works without any plugin installed), and the lightly-embed-pixels
 * libpeas plugin offers the same class to apps.
 *
 * Properties: "max-dim" (guint, default 64), "threads" (guint, decoding
 * threads, 0 = one per CPU).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <lightly/lightly.h>

G_BEGIN_DECLS

#define LIGHTLY_TYPE_PIXEL_EMBEDDER (lightly_pixel_embedder_get_type ())

G_DECLARE_FINAL_TYPE (LightlyPixelEmbedder, lightly_pixel_embedder, LIGHTLY, PIXEL_EMBEDDER, GObject)

LightlyEmbedder *lightly_pixel_embedder_new (guint max_dim,
                                             guint n_threads);

G_END_DECLS
