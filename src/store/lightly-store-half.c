/* lightly-store-half.c: the float16/bfloat16 copy of an embedding's matrix
 *
 * CORESET and CORAL can stream a half-precision copy of the matrix
 * (LightlySamplerConfig:matrix-precision): 2 bytes per value instead of 4.
 * This file keeps that copy beside the float32 matrix:
 *
 *   embeddings/<id>.f16    float16 (IEEE binary16)
 *   embeddings/<id>.bf16   bfloat16
 *
 * The store does not know the engine: it is given the values to save (the
 * local backend rounds them with the engine's lightly_selection_half_new())
 * and hands back what it loads, as plain guint16.
 *
 * Built on first use, not at upload: the option is per query and off by
 * default, so building it at upload would cost every upload half as much
 * disk again and the time of the conversion for a copy most stores never
 * read, and the upload cannot know which of the two kinds a query will
 * want. The first query that asks pays the conversion and the write (both
 * measured in bench/README.md), the next ones map the file.
 *
 * Layout (native byte order):
 *   header  64 bytes: magic "LGLYHLF1", the kind (1 float16, 2 bfloat16),
 *           n_rows, dim, the hash of the embedding id, the float32
 *           matrix's fingerprint (the one the coverage file uses), the hash
 *           of the body, the hash of the header's first 56 bytes;
 *   body    n_rows × dim guint16, row-major, 64-byte aligned in the map.
 *
 * Trust: the engine's proof that the picks stay the same bits assumes the
 * copy is exactly the rounding of the float32 rows; a wrong value could
 * change a pick. So the file is used only if its size, magic, kind, shape,
 * id, fingerprint and both hashes match, the body hash read in full on
 * the first load of the file by the process (a few per cent of one CORESET
 * pick on 1M × 128, see bench/README.md; 23–147 ms a round there): the
 * store keeps what it checked while the file is unchanged
 * (lightly-store-kept.c; every rewrite below makes a new inode). Anything else is ignored (damage with a warning) and
 * the caller rebuilds it from the float32 matrix, which this file never
 * writes: a bad half copy costs time, never data.
 *
 * Writing: a temporary file <id>.f16.XXXXXX (0600), fsynced, renamed over
 * the old one, the folder fsynced, all with import.lock held shared so that
 * lightly_store_open() in another process never takes the temporary for an
 * orphan; open() deletes temporaries left by a crash and the copies of
 * embeddings that no longer exist. Two writers race harmlessly: both write
 * the same bytes, and a reader keeps the inode it mapped.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "lightly/lightly-error.h"
#include "store/lightly-store-private.h"

#define HALF_MAGIC "LGLYHLF1"
#define HALF_HEADER 64

typedef struct {
  char magic[8];
  guint64 kind;
  guint64 n_rows;
  guint64 dim;
  guint64 id_hash;
  guint64 fingerprint;
  guint64 body_hash;
  guint64 header_hash;
} HalfHeader;

G_STATIC_ASSERT (sizeof (HalfHeader) == HALF_HEADER);

static const char *
half_suffix (LightlyStoreHalfKind kind)
{
  return kind == LIGHTLY_STORE_HALF_FLOAT16 ? ".f16" : ".bf16";
}

static char *
half_path (LightlyStore *self, const char *embedding_id, LightlyStoreHalfKind kind)
{
  return store_path (self, "embeddings", embedding_id, half_suffix (kind));
}

/* The body is read in full on every load: four independent lanes keep the
 * multiply latency off the critical path, so the hash runs at memory speed. */
static guint64
body_hash (const guint8 *p, gsize n)
{
  guint64 h[4] = { STORE_HASH_SEED, STORE_HASH_SEED + 1, STORE_HASH_SEED + 2, STORE_HASH_SEED + 3 };
  gsize i;

  for (i = 0; i + 32 <= n; i += 32)
    {
      guint64 w[4];

      memcpy (w, p + i, 32);
      h[0] = store_hash_word (h[0], w[0]);
      h[1] = store_hash_word (h[1], w[1]);
      h[2] = store_hash_word (h[2], w[2]);
      h[3] = store_hash_word (h[3], w[3]);
    }
  h[0] = store_hash_bytes (h[0], p + i, n - i);
  return store_hash_word (store_hash_word (store_hash_word (h[0], h[1]), h[2]), h[3]);
}

static void
header_fill (HalfHeader *hd, const char *embedding_id, LightlyStoreHalfKind kind,
             LightlyStoreMatrix *matrix)
{
  gsize n_rows = lightly_store_matrix_get_n_rows (matrix);
  gsize dim = lightly_store_matrix_get_dim (matrix);

  memset (hd, 0, sizeof *hd);
  memcpy (hd->magic, HALF_MAGIC, 8);
  hd->kind = (guint64) kind;
  hd->n_rows = n_rows;
  hd->dim = dim;
  hd->id_hash = store_hash_bytes (STORE_HASH_SEED, (const guint8 *) embedding_id, strlen (embedding_id));
  hd->fingerprint = store_matrix_fingerprint (lightly_store_matrix_get_data (matrix), n_rows, dim);
}

static guint64
header_hash (const HalfHeader *hd)
{
  return store_hash_bytes (STORE_HASH_SEED, (const guint8 *) hd, offsetof (HalfHeader, header_hash));
}

static GBytes *
damaged (const char *path, const char *why)
{
  g_warning ("Ignoring the half-precision copy %s (%s); the selection rebuilds it", path, why);
  return NULL;
}

/**
 * lightly_store_load_half:
 *
 * See lightly-store.h.
 */
GBytes *
lightly_store_load_half (LightlyStore         *self,
                         const char           *embedding_id,
                         LightlyStoreHalfKind  kind,
                         LightlyStoreMatrix   *matrix)
{
  g_autofree char *path = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) whole = NULL;
  g_autoptr(GError) local = NULL;
  const guint8 *bytes;
  gsize len, n_values;
  HalfHeader hd, want;
  struct stat st;
  GBytes *body;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);
  g_return_val_if_fail (kind == LIGHTLY_STORE_HALF_FLOAT16 || kind == LIGHTLY_STORE_HALF_BFLOAT16, NULL);
  if (self->dir == NULL)
    return NULL;
  path = half_path (self, embedding_id, kind);
  body = store_kept_lookup (self, &self->halves, path, stat (path, &st) == 0 ? &st : NULL,
                            (gpointer (*) (gpointer)) g_bytes_ref);
  if (body != NULL)
    return body;
  /* Mapped through the descriptor whose identity is kept. */
  mapped = store_kept_map (path, &st, &local);
  if (mapped == NULL)
    {
      if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("Could not read the half-precision copy %s: %s", path, local->message);
      return NULL;
    }
  bytes = (const guint8 *) g_mapped_file_get_contents (mapped);
  len = g_mapped_file_get_length (mapped);
  if (len < HALF_HEADER)
    return damaged (path, "truncated");
  memcpy (&hd, bytes, HALF_HEADER);
  if (memcmp (hd.magic, HALF_MAGIC, 8) != 0 || hd.header_hash != header_hash (&hd))
    return damaged (path, "bad header");
  header_fill (&want, embedding_id, kind, matrix);
  if (hd.kind != want.kind || hd.n_rows != want.n_rows || hd.dim != want.dim ||
      hd.id_hash != want.id_hash || hd.fingerprint != want.fingerprint)
    return damaged (path, "of another matrix");
  n_values = lightly_store_matrix_get_n_rows (matrix) * lightly_store_matrix_get_dim (matrix);
  if (len - HALF_HEADER != n_values * sizeof (guint16))
    return damaged (path, "wrong size");
  if (hd.body_hash != body_hash (bytes + HALF_HEADER, len - HALF_HEADER))
    return damaged (path, "checksum mismatch");
  whole = g_mapped_file_get_bytes (mapped);
  body = g_bytes_new_from_bytes (whole, HALF_HEADER, len - HALF_HEADER);
  store_kept_add (self, &self->halves, path, g_bytes_ref (body), (GDestroyNotify) g_bytes_unref, &st);
  return body;
}

static int
write_all (int fd, const guint8 *p, gsize n)
{
  while (n > 0)
    {
      ssize_t k = write (fd, p, MIN (n, (gsize) (1 << 30)));

      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        return k < 0 ? errno : EIO;
      p += k;
      n -= (gsize) k;
    }
  return 0;
}

/**
 * lightly_store_save_half:
 *
 * See lightly-store.h.
 */
gboolean
lightly_store_save_half (LightlyStore         *self,
                         const char           *embedding_id,
                         LightlyStoreHalfKind  kind,
                         LightlyStoreMatrix   *matrix,
                         const guint16        *values,
                         GError              **error)
{
  g_autofree char *path = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *lock_path = NULL;
  g_autofree char *folder = NULL;
  gsize n = lightly_store_matrix_get_n_rows (matrix) * lightly_store_matrix_get_dim (matrix) * sizeof (guint16);
  HalfHeader hd;
  int lock_fd, fd, err = 0;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), FALSE);
  g_return_val_if_fail (kind == LIGHTLY_STORE_HALF_FLOAT16 || kind == LIGHTLY_STORE_HALF_BFLOAT16, FALSE);
  if (self->dir == NULL)
    return TRUE;
  lock_path = g_build_filename (self->dir, "import.lock", NULL);
  lock_fd = store_take_lock (lock_path, FALSE, TRUE, error);
  if (lock_fd < 0)
    return FALSE;
  path = half_path (self, embedding_id, kind);
  tmp = g_strconcat (path, ".XXXXXX", NULL);
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      err = errno;
      close (lock_fd);
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE, "could not create %s: %s", tmp,
                   g_strerror (err));
      return FALSE;
    }
  header_fill (&hd, embedding_id, kind, matrix);
  hd.body_hash = body_hash ((const guint8 *) values, n);
  hd.header_hash = header_hash (&hd);
  err = write_all (fd, (const guint8 *) &hd, sizeof hd);
  if (err == 0)
    err = write_all (fd, (const guint8 *) values, n);
  /* Durable before it is visible under its name: a crash leaves the old
   * file, no file, or this one whole. */
  if (err == 0 && fsync (fd) != 0)
    err = errno;
  if (close (fd) != 0 && err == 0)
    err = errno;
  if (err == 0 && g_rename (tmp, path) != 0)
    err = errno;
  if (err != 0)
    {
      g_unlink (tmp);
      close (lock_fd);
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE, "could not write %s: %s", path,
                   g_strerror (err));
      return FALSE;
    }
  folder = g_path_get_dirname (path);
  if (!store_fsync_dir (folder, error))
    {
      close (lock_fd);
      return FALSE;
    }
  close (lock_fd);
  return TRUE;
}
