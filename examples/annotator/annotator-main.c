/* annotator-main.c: Lightly Annotator, the reference host of LightlyBatchSuggester
 *
 *   lightly-annotator [FOLDER]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "annotator-application.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(AnnotatorApplication) app = NULL;
  int status;

  /* The strings are marked for the project's gettext domain; the
   * translations, once there are any, install to LOCALEDIR. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, ANNOTATOR_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = annotator_application_new ();
  g_set_application_name (_("Lightly Annotator"));
  status = g_application_run (G_APPLICATION (app), argc, argv);
  return status != 0 ? status : annotator_application_get_exit_status (app);
}
