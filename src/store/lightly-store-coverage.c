/* lightly-store-coverage.c: carried coverage between selection rounds
 *
 * A CORESET or CORAL run ends with, per candidate, the exact (double path)
 * minimum squared distance to the rows it covered: P and its picks but the
 * last (LightlySelectionCarry). Round n+1's P is round n's P plus its
 * picks, and min over a union is the min of the mins, so the next run
 * starts from these minima and computes only the rows of its P that are not
 * covered yet. This file keeps them beside the matrix:
 *
 *   embeddings/<id>.cov   one per embedding, the latest run's
 *
 * Layout (native byte order; every section padded to 8 bytes; described
 * only here, lightly-store.h and docs/design.md point to it):
 *   header   64 bytes: magic "LGLYCOV1", n_rows, dim, n_covered, the
 *            hash of the embedding id and of the caller's arithmetic
 *            version (the engine's LIGHTLY_SELECTION_ARITHMETIC), a fingerprint of the matrix (64
 *            rows spread over it), the hash of the body, the hash of the
 *            header's first 56 bytes;
 *   covered  n_covered guint32 rows, ascending: the covered set;
 *   mind2    n_rows doubles: the minimum over the covered set, per row;
 *            NaN where not known (rows that were not candidates);
 *   anchor   n_rows guint32: the covered row giving it, G_MAXUINT32 if
 *            none is known.
 * 12 bytes per row on disk; loading maps the file and gathers the
 * candidates' values straight into the engine's own state, so carrying
 * takes no memory beyond the engine's 12 bytes per candidate.
 *
 * Invalidation: a file is used only if its size, both hashes, n_rows,
 * dim, the id and the matrix fingerprint match, its covered set is a
 * subset of the new P (and not empty), and every candidate has a value.
 * Anything else is ignored (a damaged file with a warning) and the run
 * recomputes: stale minima could give wrong picks, a missing file only
 * costs time.
 *
 * Writing: a temporary file (0600) that takes the old one's name (the two
 * names swapped, then the old file removed: replace_file()), so a reader
 * sees the old or the new file whole. It is not fsynced: the file is
 * derived data, and a file torn by a crash fails its hashes and is
 * recomputed. lightly_store_open() deletes the temporary files and the
 * files of embeddings that no longer exist.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* renameat2() and RENAME_EXCHANGE (glibc 2.28). */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "lightly/lightly-error.h"
#include "store/lightly-store-private.h"

#define COV_MAGIC "LGLYCOV1"
#define COV_HEADER 64
#define COV_NONE G_MAXUINT32

typedef struct {
  char magic[8];
  guint64 n_rows;
  guint64 dim;
  guint64 n_covered;
  guint64 id_hash;
  guint64 fingerprint;
  guint64 body_hash;
  guint64 header_hash;
} CovHeader;

G_STATIC_ASSERT (sizeof (CovHeader) == COV_HEADER);

static gsize
pad8 (gsize n)
{
  return (n + 7) & ~(gsize) 7;
}

static void
header_fill (CovHeader *hd, const char *embedding_id, guint64 arithmetic, const float *data,
             gsize n_rows, gsize dim, gsize n_covered)
{
  memset (hd, 0, sizeof *hd);
  memcpy (hd->magic, COV_MAGIC, 8);
  hd->n_rows = n_rows;
  hd->dim = dim;
  hd->n_covered = n_covered;
  hd->id_hash = store_hash_word (store_hash_bytes (STORE_HASH_SEED, (const guint8 *) embedding_id,
                                       strlen (embedding_id)), arithmetic);
  hd->fingerprint = store_matrix_fingerprint (data, n_rows, dim);
}

static guint64
header_hash (const CovHeader *hd)
{
  return store_hash_bytes (STORE_HASH_SEED, (const guint8 *) hd, offsetof (CovHeader, header_hash));
}

static gsize
file_size (gsize n_rows, gsize n_covered)
{
  return COV_HEADER + pad8 (n_covered * 4) + n_rows * 8 + pad8 (n_rows * 4);
}

static char *
coverage_path (LightlyStore *self, const char *embedding_id)
{
  return store_path (self, "embeddings", embedding_id, ".cov");
}

/* ---- Loading -------------------------------------------------------------- */

static gboolean
damaged (const char *path, const char *why)
{
  g_warning ("Ignoring the carried coverage %s (%s); the selection recomputes it", path, why);
  return FALSE;
}

/* Position of row in sorted a[0, n), or −1. */
static gssize
find_row (const guint32 *a, gsize n, guint32 row)
{
  gsize l = 0, h = n;

  while (l < h)
    {
      gsize mid = l + (h - l) / 2;

      if (a[mid] < row)
        l = mid + 1;
      else
        h = mid;
    }
  return l < n && a[l] == row ? (gssize) l : -1;
}

/**
 * lightly_store_load_coverage:
 *
 * See lightly-store.h.
 */
gboolean
lightly_store_load_coverage (LightlyStore        *self,
                             const char          *embedding_id,
                             guint64              arithmetic,
                             LightlyStoreMatrix  *matrix,
                             const guint32       *candidates,
                             gsize                n_candidates,
                             const guint32       *preselected,
                             gsize                n_preselected,
                             double              *mind2,
                             guint32             *anchor,
                             guint32            **uncovered,
                             gsize               *n_uncovered)
{
  g_autofree char *path = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree guint32 *unc = NULL;
  const guint8 *bytes;
  const guint32 *covered, *anchors;
  const double *values;
  gsize n_rows = lightly_store_matrix_get_n_rows (matrix);
  gsize dim = lightly_store_matrix_get_dim (matrix);
  gsize nc, len, i, j, nu = 0;
  CovHeader hd, want;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), FALSE);
  *uncovered = NULL;
  *n_uncovered = 0;
  if (self->dir == NULL || n_candidates == 0 || n_preselected == 0)
    return FALSE;
  path = coverage_path (self, embedding_id);
  mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    {
      if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("Could not read the carried coverage %s: %s", path, local->message);
      return FALSE;
    }
  bytes = (const guint8 *) g_mapped_file_get_contents (mapped);
  len = g_mapped_file_get_length (mapped);
  if (len < COV_HEADER)
    return damaged (path, "truncated");
  memcpy (&hd, bytes, COV_HEADER);
  if (memcmp (hd.magic, COV_MAGIC, 8) != 0 || hd.header_hash != header_hash (&hd))
    return damaged (path, "bad header");
  if (hd.n_rows != n_rows)
    {
      g_debug ("carried coverage %s is of another matrix", path);
      return FALSE;
    }
  if (hd.n_covered > n_rows || len != file_size (n_rows, (gsize) hd.n_covered))
    return damaged (path, "wrong size");
  if (hd.body_hash != store_hash_bytes (STORE_HASH_SEED, bytes + COV_HEADER, len - COV_HEADER))
    return damaged (path, "checksum mismatch");
  /* A sound file of another matrix (or shape): not ours, recompute. */
  header_fill (&want, embedding_id, arithmetic, lightly_store_matrix_get_data (matrix), n_rows, dim,
               (gsize) hd.n_covered);
  if (hd.n_rows != want.n_rows || hd.dim != want.dim || hd.id_hash != want.id_hash ||
      hd.fingerprint != want.fingerprint)
    {
      g_debug ("carried coverage %s is of another matrix", path);
      return FALSE;
    }
  nc = (gsize) hd.n_covered;
  covered = (const guint32 *) (const void *) (bytes + COV_HEADER);
  values = (const double *) (const void *) (bytes + COV_HEADER + pad8 (nc * 4));
  anchors = (const guint32 *) (const void *) ((const guint8 *) values + n_rows * 8);

  /* covered ⊆ P, both ascending; the other rows of P are uncovered. */
  unc = g_new (guint32, n_preselected);
  for (i = 0, j = 0; j < n_preselected; j++)
    {
      if (i < nc && covered[i] == preselected[j])
        {
          i++;
          continue;
        }
      if (i < nc && covered[i] < preselected[j])
        break;
      unc[nu++] = (guint32) j;
    }
  if (i < nc)
    {
      if (i > 0 && covered[i] <= covered[i - 1])
        return damaged (path, "covered rows out of order");
      g_debug ("carried coverage %s: its covered rows are not all preselected", path);
      return FALSE;
    }
  if (nc == 0 || nu == n_preselected)
    return FALSE;

  for (j = 0; j < n_candidates; j++)
    {
      double v;
      guint32 a;

      if (candidates[j] >= n_rows)
        return FALSE;
      v = values[candidates[j]];
      a = anchors[candidates[j]];
      if (!(v >= 0 && isfinite (v)))
        {
          g_debug ("carried coverage %s has no value for row %u", path, candidates[j]);
          return FALSE;
        }
      mind2[j] = v;
      /* An anchor is only sound if it is a covered row. */
      anchor[j] = a != COV_NONE && find_row (covered, nc, a) >= 0 ? a : COV_NONE;
    }
  *uncovered = g_steal_pointer (&unc);
  *n_uncovered = nu;
  return TRUE;
}

/* ---- Saving --------------------------------------------------------------- */

/* Rows per call of writer_put() while saving. */
#define SAVE_BLOCK 4096

typedef struct {
  int fd;
  guint64 hash;
  gsize n;
  int err;                      /* errno of the first failure, 0: none */
  guint8 buf[1 << 16];
  double values[SAVE_BLOCK];    /* a block of rows on its way to buf */
  guint32 anchors[SAVE_BLOCK];
} Writer;

static void
writer_flush (Writer *w)
{
  gsize off = 0;

  w->hash = store_hash_bytes (w->hash, w->buf, w->n);
  while (w->err == 0 && off < w->n)
    {
      ssize_t k = write (w->fd, w->buf + off, w->n - off);

      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        w->err = k < 0 ? errno : EIO;
      else
        off += (gsize) k;
    }
  w->n = 0;
}

/* Appends; the buffer is flushed only when full (a multiple of 8 bytes),
 * so the hash sees whole words of the byte stream. */
static void
writer_put (Writer *w, const void *data, gsize len)
{
  const guint8 *p = data;

  while (len > 0)
    {
      gsize k = MIN (len, sizeof w->buf - w->n);

      memcpy (w->buf + w->n, p, k);
      w->n += k;
      p += k;
      len -= k;
      if (w->n == sizeof w->buf)
        writer_flush (w);
    }
}

static void
writer_pad (Writer *w, gsize written)
{
  static const guint8 zeros[8] = { 0 };

  writer_put (w, zeros, pad8 (written) - written);
}

/* Renames @tmp to @path. Over an existing file, ext4 writes the renamed
 * file back to the disk at once (auto_da_alloc, for programs that do not
 * fsync), which cost 4.4 ms for a 12 MB file (a million rows) against
 * 0.9 ms for a rename to a free name. Swapping the two names does not do
 * that, and a reader still sees the old or the new file whole; the old file
 * then goes. This file needs no durability: a torn one fails its hashes. */
static gboolean
replace_file (const char *tmp, const char *path)
{
#ifdef RENAME_EXCHANGE
  if (renameat2 (AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0)
    {
      /* Left behind on failure: lightly_store_open() deletes it. */
      g_unlink (tmp);
      return TRUE;
    }
  /* ENOENT: no old file; EINVAL: a file system without exchange. */
  if (errno != ENOENT && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
    return FALSE;
#endif
  return g_rename (tmp, path) == 0;
}

/**
 * lightly_store_save_coverage:
 *
 * See lightly-store.h.
 */
gboolean
lightly_store_save_coverage (LightlyStore        *self,
                             const char          *embedding_id,
                             guint64              arithmetic,
                             LightlyStoreMatrix  *matrix,
                             const guint32       *candidates,
                             gsize                n_candidates,
                             const double        *mind2,
                             const guint32       *anchor,
                             const guint32       *covered,
                             gsize                n_covered,
                             GError             **error)
{
  g_autofree char *path = NULL;
  g_autofree char *tmp = NULL;
  g_autofree Writer *w = NULL;
  gsize n_rows = lightly_store_matrix_get_n_rows (matrix);
  gsize dim = lightly_store_matrix_get_dim (matrix);
  gsize pass, i, ci, ki;
  CovHeader hd;
  ssize_t k;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), FALSE);
  if (self->dir == NULL)
    return TRUE;
  path = coverage_path (self, embedding_id);
  tmp = g_strconcat (path, ".XXXXXX", NULL);
  w = g_new0 (Writer, 1);
  w->hash = STORE_HASH_SEED;
  w->fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (w->fd < 0)
    {
      int saved = errno;

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE, "could not create %s: %s", tmp,
                   g_strerror (saved));
      return FALSE;
    }
  header_fill (&hd, embedding_id, arithmetic, lightly_store_matrix_get_data (matrix), n_rows, dim,
               n_covered);
  if (lseek (w->fd, COV_HEADER, SEEK_SET) != COV_HEADER)
    w->err = errno;
  writer_put (w, covered, n_covered * sizeof (guint32));
  writer_pad (w, n_covered * sizeof (guint32));
  /* Per row, ascending: a covered row (P or an applied pick, which may be
   * a candidate too) is at distance 0 of itself; a candidate has its
   * minimum (picked and not applied: unknown); any other row is unknown.
   * The values go to the writer a block at a time: one call per value
   * cost three times the CPU (perf, a million rows: 0.64 % of a query's
   * samples in this function against 0.22 %). */
  for (pass = 0; pass < 2; pass++)
    {
      for (i = 0, ci = 0, ki = 0; i < n_rows;)
        {
          gsize end = MIN (n_rows, i + SAVE_BLOCK), b;

          for (b = 0; i < end; i++, b++)
            {
              double v = NAN;
              guint32 a = COV_NONE;

              while (ci < n_candidates && candidates[ci] < i)
                ci++;
              while (ki < n_covered && covered[ki] < i)
                ki++;
              if (ki < n_covered && covered[ki] == i)
                {
                  v = 0.0;
                  a = (guint32) i;
                }
              else if (ci < n_candidates && candidates[ci] == i && mind2[ci] >= 0)
                {
                  v = mind2[ci];
                  a = anchor[ci];
                }
              w->values[b] = v;
              w->anchors[b] = a;
            }
          if (pass == 0)
            writer_put (w, w->values, b * sizeof (double));
          else
            writer_put (w, w->anchors, b * sizeof (guint32));
        }
    }
  writer_pad (w, n_rows * sizeof (guint32));
  writer_flush (w);
  hd.body_hash = w->hash;
  hd.header_hash = header_hash (&hd);
  if (w->err == 0)
    {
      k = pwrite (w->fd, &hd, sizeof hd, 0);
      if (k != (ssize_t) sizeof hd)
        w->err = k < 0 ? errno : EIO;
    }
  if (close (w->fd) != 0 && w->err == 0)
    w->err = errno;
  if (w->err == 0 && !replace_file (tmp, path))
    w->err = errno;
  if (w->err != 0)
    {
      g_unlink (tmp);
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE, "could not write %s: %s", path,
                   g_strerror (w->err));
      return FALSE;
    }
  return TRUE;
}
