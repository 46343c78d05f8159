/* lightly-matrix-precision.c: the storage precisions and their wire names
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-matrix-precision.h"
#include "lightly-error.h"

static const char * const precision_names[] = {
  [LIGHTLY_MATRIX_PRECISION_FLOAT32] = "FLOAT32",
  [LIGHTLY_MATRIX_PRECISION_FLOAT16] = "FLOAT16",
  [LIGHTLY_MATRIX_PRECISION_BFLOAT16] = "BFLOAT16",
};

/**
 * lightly_matrix_precision_to_string:
 * @precision: a matrix precision
 *
 * The precision's name on the wire, as in the `matrixPrecision` member of a
 * lightly-glib selection request.
 *
 * Returns: (transfer none) (nullable): the name, such as `"FLOAT16"`, or
 *   %NULL for a value that is not a precision
 *
 * Since: 0.2
 */
const char *
lightly_matrix_precision_to_string (LightlyMatrixPrecision precision)
{
  if ((guint) precision >= G_N_ELEMENTS (precision_names))
    return NULL;
  return precision_names[precision];
}

/**
 * lightly_matrix_precision_from_string:
 * @name: a wire name such as `"FLOAT16"`; the case is ignored
 * @error: return location for a #GError
 *
 * Parses a precision's wire name.
 *
 * Returns: the precision; on error %LIGHTLY_MATRIX_PRECISION_FLOAT32 (the
 *   default) with %LIGHTLY_ERROR_INVALID_INPUT set, so check @error
 *
 * Since: 0.2
 */
LightlyMatrixPrecision
lightly_matrix_precision_from_string (const char  *name,
                                      GError     **error)
{
  g_return_val_if_fail (name != NULL, LIGHTLY_MATRIX_PRECISION_FLOAT32);
  g_return_val_if_fail (error == NULL || *error == NULL, LIGHTLY_MATRIX_PRECISION_FLOAT32);

  for (guint i = 0; i < G_N_ELEMENTS (precision_names); i++)
    if (g_ascii_strcasecmp (name, precision_names[i]) == 0)
      return (LightlyMatrixPrecision) i;

  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
               "Unknown matrix precision “%s”: use FLOAT32, FLOAT16 or BFLOAT16", name);
  return LIGHTLY_MATRIX_PRECISION_FLOAT32;
}
