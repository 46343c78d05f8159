/* annotator-main.c: Lightly Annotator, the reference host of LightlyBatchSuggester
 *
 *   lightly-annotator [FOLDER]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "annotator-application.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(AnnotatorApplication) app = annotator_application_new ();
  int status;

  g_set_application_name ("Lightly Annotator");
  status = g_application_run (G_APPLICATION (app), argc, argv);
  return status != 0 ? status : annotator_application_get_exit_status (app);
}
