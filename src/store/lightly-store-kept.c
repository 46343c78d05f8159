/* lightly-store-kept.c: derived files a store keeps loaded between selections
 *
 * A process that runs selection after selection (a server, an app's rounds,
 * a script's loop) would map each round's matrix afresh, and read the
 * checksum of a half-precision copy again. The store keeps the last
 * STORE_MAPPED_KEEP of each kind (LightlyStore.mapped, .halves) with the
 * identity of the file they came from (device, inode, size, modification
 * time, from the fstat() of the descriptor they were read through) and
 * hands one out again only while the file at its path still has that
 * identity. The store never rewrites these files in place (a new file is
 * renamed over the old one: a new inode), so a file changed by the store or
 * replaced from outside is read and checked again. This is not a defence
 * against a writer that keeps the inode, size and timestamp; nothing in the
 * store writes that way.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "store/lightly-store-private.h"

typedef struct {
  char *key;
  gpointer value;
  GDestroyNotify unref;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
} Kept;

static void
kept_free (Kept *k)
{
  g_free (k->key);
  k->unref (k->value);
  g_free (k);
}

static gboolean
kept_same_file (const Kept *k, const struct stat *st)
{
  return k->dev == st->st_dev && k->ino == st->st_ino && k->size == st->st_size &&
         k->mtime.tv_sec == st->st_mtim.tv_sec && k->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

gpointer
store_kept_lookup (LightlyStore       *self,
                   GPtrArray         **kept,
                   const char         *key,
                   const struct stat  *st,
                   gpointer          (*ref) (gpointer))
{
  Kept *stale = NULL;
  gpointer found = NULL;

  g_mutex_lock (&self->state_lock);
  for (guint i = 0; *kept != NULL && i < (*kept)->len; i++)
    {
      Kept *k = g_ptr_array_index (*kept, i);

      if (strcmp (k->key, key) != 0)
        continue;
      k = g_ptr_array_steal_index (*kept, i);
      if (st != NULL && kept_same_file (k, st))
        {
          g_ptr_array_insert (*kept, 0, k);
          found = ref (k->value);
        }
      else
        stale = k;
      break;
    }
  g_mutex_unlock (&self->state_lock);
  /* Unmapping outside the lock. */
  if (stale != NULL)
    kept_free (stale);
  return found;
}

void
store_kept_add (LightlyStore       *self,
                GPtrArray         **kept,
                const char         *key,
                gpointer            value,
                GDestroyNotify      unref,
                const struct stat  *st)
{
  Kept *k = g_new0 (Kept, 1), *old = NULL;

  k->key = g_strdup (key);
  k->value = value;
  k->unref = unref;
  k->dev = st->st_dev;
  k->ino = st->st_ino;
  k->size = st->st_size;
  k->mtime = st->st_mtim;
  g_mutex_lock (&self->state_lock);
  if (*kept == NULL)
    *kept = g_ptr_array_new_with_free_func ((GDestroyNotify) kept_free);
  /* Two threads that missed at once both read the file: the later stays. */
  for (guint i = 0; i < (*kept)->len && old == NULL; i++)
    if (strcmp (((Kept *) g_ptr_array_index (*kept, i))->key, key) == 0)
      old = g_ptr_array_steal_index (*kept, i);
  g_ptr_array_insert (*kept, 0, k);
  if (old == NULL && (*kept)->len > STORE_MAPPED_KEEP)
    old = g_ptr_array_steal_index (*kept, (*kept)->len - 1);
  g_mutex_unlock (&self->state_lock);
  if (old != NULL)
    kept_free (old);
}

GMappedFile *
store_kept_map (const char *path, struct stat *st, GError **error)
{
  GMappedFile *mapped;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0 || fstat (fd, st) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved), g_strerror (saved));
      return NULL;
    }
  mapped = g_mapped_file_new_from_fd (fd, FALSE, error);
  close (fd);
  return mapped;
}
