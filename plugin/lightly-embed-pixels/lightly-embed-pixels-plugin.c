/* lightly-embed-pixels-plugin.c: the built-in embedder as a libpeas 1.x plugin
 *
 * The class itself is tools/ml/lightly-pixel-embedder.c, shared with
 * `lightly-al embed`; this module only offers it to hosts as a
 * LightlyEmbedder extension.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <libpeas/peas.h>

#include "ml/lightly-pixel-embedder.h"

G_MODULE_EXPORT void peas_register_types (PeasObjectModule *module);

G_MODULE_EXPORT void
peas_register_types (PeasObjectModule *module)
{
  /* The class is a static type (the CLI links it too), and a static type
   * must never lose its code: one extra use keeps the module loaded for
   * the life of the process. */
  g_type_module_use (G_TYPE_MODULE (module));
  peas_object_module_register_extension_type (module, LIGHTLY_TYPE_EMBEDDER,
                                              LIGHTLY_TYPE_PIXEL_EMBEDDER);
}
