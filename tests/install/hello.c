/* Built outside the tree against the installed lightly-1.0.pc. */
#include <lightly/lightly.h>

int
main (void)
{
  g_autoptr(GError) error = NULL;
  LightlySamplingMethod m = lightly_sampling_method_from_string ("CORAL", &error);

  if (error != NULL || m != LIGHTLY_SAMPLING_METHOD_CORAL)
    return 1;
  g_print ("C: lightly-glib %s, method %s\n", LIGHTLY_VERSION_S, lightly_sampling_method_to_string (m));
  return 0;
}
