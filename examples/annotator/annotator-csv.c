/* annotator-csv.c: the two-column CSV of labels.csv and of the export
 *
 * Python's csv module quoting: a field with a comma, a quote or a line
 * break is quoted, quotes doubled.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "annotator-csv.h"

/* Splits one CSV record of two fields, with Python csv module quoting. */
gboolean
annotator_csv_split_pair (const char  *line,
                          char       **a,
                          char       **b)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  const char *p = line;
  gboolean ok;

  for (;;)
    {
      if (*p == '"')
        {
          for (p++; *p != '\0'; p++)
            {
              if (*p == '"' && p[1] == '"')
                g_string_append_c (field, *p++);
              else if (*p == '"')
                break;
              else
                g_string_append_c (field, *p);
            }
          if (*p == '"')
            p++;
        }
      while (*p != '\0' && *p != ',')
        g_string_append_c (field, *p++);
      g_ptr_array_add (fields, g_string_free (g_steal_pointer (&field), FALSE));
      if (*p != ',')
        break;
      p++;
      field = g_string_new (NULL);
    }
  ok = fields->len == 2;
  if (ok)
    {
      *a = g_strdup (g_ptr_array_index (fields, 0));
      *b = g_strdup (g_ptr_array_index (fields, 1));
    }
  g_ptr_array_unref (fields);
  return ok;
}

void
annotator_csv_append_field (GString    *out,
                            const char *value)
{
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (out, value);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

