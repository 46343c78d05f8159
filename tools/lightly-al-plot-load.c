/* lightly-al-plot-load.c: loads the chart module when `simulate` draws
 *
 * lightly-al starts every command, `query` included, by mapping all the
 * libraries it links; cairo, pixman, fontconfig, freetype and the X
 * libraries cairo pulls in were a fifth of them, for two charts at the end
 * of `simulate`. They live in lightly-al-plot.so instead, found next to
 * this program in a build tree, else in LIGHTLY_AL_MODULE_DIR.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "lightly-al-common.h"
#include "lightly-al-plot.h"

#define PLOT_MODULE "lightly-al-plot.so"

static char *
find_module (void)
{
  return lightly_al_find_sibling (PLOT_MODULE, LIGHTLY_AL_MODULE_DIR, G_FILE_TEST_IS_REGULAR);
}

gboolean
lightly_al_write_plots (const char          *prefix,
                        const LightlyAlPlot *plot,
                        const char          *title,
                        GError             **error)
{
  g_autofree char *path = find_module ();
  LightlyAlPlotWriteFunc write_plots = NULL;
  GModule *module;

  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL || !g_module_symbol (module, LIGHTLY_AL_PLOT_MODULE_SYMBOL, (gpointer *) &write_plots))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "Cannot write the charts %s.png and %s.svg: the chart module cannot be loaded (%s)",
                   prefix, prefix, g_module_error ());
      if (module != NULL)
        g_module_close (module);
      return FALSE;
    }
  /* cairo and fontconfig keep process-wide state: the module stays. */
  g_module_make_resident (module);
  return write_plots (prefix, plot, title, error);
}
