/* lightly-sampler-rules.c: the rules of a selection's inputs, one message each
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>

#include "lightly-sampler-rules-private.h"
#include "lightly-error.h"

/* Python's str() of a float for the values a config holds: the shortest
 * form that reads back to the same double, and no ".0" on whole numbers,
 * because Lightly's default min_distance is the int −1 and its names read
 * "_-1_". */
char *
lightly_sampler_rules_format_number (double x)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (x))
    return g_strdup ("nan");
  if (isinf (x))
    return g_strdup (x > 0 ? "inf" : "-inf");
  if (x == floor (x) && fabs (x) < 1e16)
    return g_strdup_printf ("%.0f", x);

  for (int precision = 1; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buf, sizeof buf, format, x);
      if (g_ascii_strtod (buf, NULL) == x)
        break;
    }
  return g_strdup (buf);
}

gboolean
lightly_sampler_rules_check_n_samples (double   n_samples,
                                       double   min_distance,
                                       GError **error)
{
  /* Written as negations so that NaN, which no comparison meets, counts as
   * inactive, as the engine reads it. */
  if (!(n_samples > 0) && !(min_distance > 0))
    {
      g_autofree char *n_value = lightly_sampler_rules_format_number (n_samples);
      g_autofree char *d_value = lightly_sampler_rules_format_number (min_distance);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The selection has no stopping condition: n-samples is %s and "
                   "min-distance is %s; set n-samples to the total size the labeled "
                   "set should reach, or min-distance to a distance in (0, 2]",
                   n_value, d_value);
      return FALSE;
    }
  return TRUE;
}
