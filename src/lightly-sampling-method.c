/* lightly-sampling-method.c: the selection methods and their wire names
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-sampling-method.h"
#include "lightly-error.h"

static const char * const method_names[] = {
  [LIGHTLY_SAMPLING_METHOD_RANDOM] = "RANDOM",
  [LIGHTLY_SAMPLING_METHOD_CORESET] = "CORESET",
  [LIGHTLY_SAMPLING_METHOD_CORAL] = "CORAL",
  [LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING] = "ACTIVE_LEARNING",
};

/**
 * lightly_sampling_method_to_string:
 * @method: a sampling method
 *
 * The method's name on the wire, as in the `method` field of a Lightly
 * `SamplingCreateRequest`.
 *
 * Returns: (transfer none) (nullable): the name, such as `"CORESET"`, or %NULL
 *   for a value that is not a method
 */
const char *
lightly_sampling_method_to_string (LightlySamplingMethod method)
{
  if ((guint) method >= G_N_ELEMENTS (method_names))
    return NULL;
  return method_names[method];
}

/**
 * lightly_sampling_method_from_string:
 * @name: a wire name such as `"CORAL"`; the case is ignored
 * @error: return location for a #GError
 *
 * Parses a method's wire name.
 *
 * Returns: the method; on error %LIGHTLY_SAMPLING_METHOD_CORESET (the default)
 *   with %LIGHTLY_ERROR_INVALID_INPUT set, so check @error
 */
LightlySamplingMethod
lightly_sampling_method_from_string (const char  *name,
                                     GError     **error)
{
  g_return_val_if_fail (name != NULL, LIGHTLY_SAMPLING_METHOD_CORESET);
  g_return_val_if_fail (error == NULL || *error == NULL, LIGHTLY_SAMPLING_METHOD_CORESET);

  for (guint i = 0; i < G_N_ELEMENTS (method_names); i++)
    if (g_ascii_strcasecmp (name, method_names[i]) == 0)
      return (LightlySamplingMethod) i;

  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
               "Unknown sampling method “%s”: use RANDOM, CORESET, CORAL or ACTIVE_LEARNING",
               name);
  return LIGHTLY_SAMPLING_METHOD_CORESET;
}
