/* lightly-names.c: a dataset's file names in one allocation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "lightly-memory-private.h"
#include "lightly-names-private.h"

LightlyNames *
lightly_names_alloc (gsize n,
                     gsize text_bytes)
{
  LightlyNames *self;
  gsize head;

  if (n >= (G_MAXSIZE - sizeof (LightlyNames)) / sizeof (char *) - 1)
    return NULL;
  head = sizeof (LightlyNames) + (n + 1) * sizeof (char *);
  if (text_bytes > G_MAXSIZE - head)
    return NULL;
  /* The store writes the block once, front to back: huge pages (100k
   * names, 2.4 MB: 8 ms to read with 600 faults, 2 ms with 1 huge page). */
  self = lightly_memory_try_alloc_large (head + text_bytes);
  if (self == NULL)
    return NULL;
  self->n = n;
  self->v[n] = NULL;
  return self;
}

char *
lightly_names_text (LightlyNames *self)
{
  return (char *) &self->v[self->n + 1];
}

LightlyNames *
lightly_names_pack (const char * const *names,
                    gsize               n)
{
  LightlyNames *self;
  gsize bytes = 0;
  char *at;

  for (gsize i = 0; i < n; i++)
    bytes += strlen (names[i]) + 1;
  self = lightly_names_alloc (n, bytes);
  if (self == NULL)
    g_error ("%s: failed to allocate %" G_GSIZE_FORMAT " bytes", G_STRLOC, bytes);
  at = lightly_names_text (self);
  for (gsize i = 0; i < n; i++)
    {
      gsize len = strlen (names[i]) + 1;

      memcpy (at, names[i], len);
      self->v[i] = at;
      at += len;
    }
  return self;
}

char **
lightly_names_to_strv (const LightlyNames *self)
{
  return g_strdupv ((char **) self->v);
}

void
lightly_names_free (LightlyNames *self)
{
  g_free (self);
}
