/* lightly-idx.c: streaming reader for gzipped IDX files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-idx.h"
#include "lightly/lightly-error.h"

/* No real IDX item is anywhere near this; it keeps n × item_size far from
 * overflowing and rejects garbage headers before allocating. */
#define MAX_ITEM_SIZE (1u << 24)

void
lightly_idx_free (LightlyIdx *idx)
{
  if (idx == NULL)
    return;
  g_free (idx->data);
  g_free (idx);
}

/* Reads exactly @len bytes; *got says how many arrived before end of stream. */
static gboolean
read_exact (GInputStream *in, void *buf, gsize len, gsize *got,
            GCancellable *cancellable, const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (!g_input_stream_read_all (in, buf, len, got, cancellable, &local))
    {
      if (local->domain == G_IO_ERROR && local->code == G_IO_ERROR_CANCELLED)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                     "%s: corrupt or truncated gzip data: %s", path, local->message);
      return FALSE;
    }
  return TRUE;
}

/* Opens @path as a gzip stream. The gzip magic is sniffed here: zlib's
 * message for a plain file is "incorrect header check", which does not tell
 * the user what to fix. */
static GInputStream *
open_gzip (const char    *path,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) raw = NULL;
  g_autoptr(GZlibDecompressor) zlib = NULL;
  guint8 magic2[2];
  gsize got = 0;

  raw = g_file_read (file, cancellable, error);
  if (raw == NULL)
    return NULL;
  if (!g_input_stream_read_all (G_INPUT_STREAM (raw), magic2, 2, &got, cancellable, error))
    return NULL;
  if (got < 2 || magic2[0] != 0x1f || magic2[1] != 0x8b)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: not a gzip file (IDX files are read gzip-compressed, *.gz)", path);
      return NULL;
    }
  if (!g_seekable_seek (G_SEEKABLE (raw), 0, G_SEEK_SET, cancellable, error))
    return NULL;

  zlib = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  return g_converter_input_stream_new (G_INPUT_STREAM (raw), G_CONVERTER (zlib));
}

/* The magic: two zero bytes, the element type (unsigned bytes only) and the
 * number of dimensions (1 or 3, and @expected_dims unless 0). */
static gboolean
read_magic (GInputStream  *in,
            guint          expected_dims,
            guint         *n_dims,
            GCancellable  *cancellable,
            const char    *path,
            GError       **error)
{
  guint8 head[4];
  gsize got = 0;

  if (!read_exact (in, head, 4, &got, cancellable, path, error))
    return FALSE;
  if (got < 4)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: truncated: the IDX header needs 4 bytes, the file has %" G_GSIZE_FORMAT,
                   path, got);
      return FALSE;
    }
  if (head[0] != 0 || head[1] != 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: not an IDX file: magic 0x%02x%02x%02x%02x does not start with two zero bytes",
                   path, head[0], head[1], head[2], head[3]);
      return FALSE;
    }
  if (head[2] != 0x08)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: IDX element type 0x%02x is not supported; only unsigned bytes (0x08) are",
                   path, head[2]);
      return FALSE;
    }
  if (head[3] != 1 && head[3] != 3)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: IDX file has %u dimensions; expected 1 (labels) or 3 (images)",
                   path, head[3]);
      return FALSE;
    }
  if (expected_dims != 0 && head[3] != expected_dims)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: IDX file has %u dimensions, expected %u (%s)",
                   path, head[3], expected_dims, expected_dims == 1 ? "labels" : "images");
      return FALSE;
    }
  *n_dims = head[3];
  return TRUE;
}

/* The big-endian sizes after the magic: item count, then rows and columns
 * for images. Fills @idx's shape. */
static gboolean
read_dims (GInputStream  *in,
           LightlyIdx    *idx,
           GCancellable  *cancellable,
           const char    *path,
           GError       **error)
{
  guint32 dims[3] = { 0, 0, 0 };
  gsize got = 0;

  for (guint d = 0; d < idx->n_dims; d++)
    {
      guint8 b[4];

      if (!read_exact (in, b, 4, &got, cancellable, path, error))
        return FALSE;
      if (got < 4)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s: truncated inside the IDX header (dimension %u)", path, d);
          return FALSE;
        }
      dims[d] = ((guint32) b[0] << 24) | ((guint32) b[1] << 16) | ((guint32) b[2] << 8) | b[3];
    }
  idx->n_total = dims[0];
  idx->rows = idx->n_dims == 3 ? dims[1] : 1;
  idx->cols = idx->n_dims == 3 ? dims[2] : 1;
  if (idx->rows == 0 || idx->cols == 0
      || (guint64) idx->rows * idx->cols > MAX_ITEM_SIZE)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: IDX image size %u×%u is empty or too large", path, idx->rows, idx->cols);
      return FALSE;
    }
  idx->item_size = (gsize) idx->rows * idx->cols;
  return TRUE;
}

/* Skips the first @offset items by reading into a scratch buffer:
 * GConverterInputStream inherits GFilterInputStream's skip(), which would
 * skip compressed bytes. */
static gboolean
skip_items (GInputStream      *in,
            const LightlyIdx  *idx,
            gsize              offset,
            GCancellable      *cancellable,
            const char        *path,
            GError           **error)
{
  gsize skip = offset * idx->item_size, got = 0;
  g_autofree guint8 *scratch = NULL;

  if (skip == 0)
    return TRUE;
  scratch = g_malloc (64 * 1024);
  while (skip > 0)
    {
      gsize chunk = MIN (skip, (gsize) 64 * 1024);

      if (!read_exact (in, scratch, chunk, &got, cancellable, path, error))
        return FALSE;
      if (got < chunk)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s: truncated: the header announces %" G_GSIZE_FORMAT
                       " items but the data ends before item %" G_GSIZE_FORMAT,
                       path, idx->n_total, offset);
          return FALSE;
        }
      skip -= chunk;
    }
  return TRUE;
}

/* Reads @limit items from @offset on into @idx->data. A slice that reaches
 * the end also checks the end: trailing bytes mean the header and the data
 * disagree. Reading on also verifies gzip's CRC. */
static gboolean
read_items (GInputStream  *in,
            LightlyIdx    *idx,
            gsize          offset,
            gsize          limit,
            GCancellable  *cancellable,
            const char    *path,
            GError       **error)
{
  gsize nbytes = limit * idx->item_size, got = 0;

  idx->data = g_malloc (MAX (nbytes, 1));
  if (!read_exact (in, idx->data, nbytes, &got, cancellable, path, error))
    return FALSE;
  if (got < nbytes)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: truncated: the header announces %" G_GSIZE_FORMAT
                   " items but the data ends inside item %" G_GSIZE_FORMAT,
                   path, idx->n_total, offset + got / idx->item_size);
      return FALSE;
    }
  idx->n_items = limit;

  if (offset + limit == idx->n_total)
    {
      guint8 extra;

      if (!read_exact (in, &extra, 1, &got, cancellable, path, error))
        return FALSE;
      if (got != 0)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s: trailing data after the %" G_GSIZE_FORMAT " items the header announces",
                       path, idx->n_total);
          return FALSE;
        }
    }
  return TRUE;
}

LightlyIdx *
lightly_idx_read (const char    *path,
                  guint          expected_dims,
                  gsize          offset,
                  gsize          limit,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(LightlyIdx) idx = NULL;
  guint n_dims = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (expected_dims <= 3, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  in = open_gzip (path, cancellable, error);
  if (in == NULL || !read_magic (in, expected_dims, &n_dims, cancellable, path, error))
    return NULL;

  idx = g_new0 (LightlyIdx, 1);
  idx->n_dims = n_dims;
  if (!read_dims (in, idx, cancellable, path, error))
    return NULL;

  if (offset > idx->n_total)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: offset %" G_GSIZE_FORMAT " is beyond the %" G_GSIZE_FORMAT " items of the file",
                   path, offset, idx->n_total);
      return NULL;
    }
  if (limit == 0)
    limit = idx->n_total - offset;
  if (limit > idx->n_total - offset)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: asked for items %" G_GSIZE_FORMAT "…%" G_GSIZE_FORMAT
                   " but the file holds %" G_GSIZE_FORMAT,
                   path, offset, offset + limit - 1, idx->n_total);
      return NULL;
    }

  if (!skip_items (in, idx, offset, cancellable, path, error) ||
      !read_items (in, idx, offset, limit, cancellable, path, error))
    return NULL;
  return g_steal_pointer (&idx);
}
