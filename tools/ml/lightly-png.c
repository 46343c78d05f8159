/* lightly-png.c: minimal 8-bit grayscale PNG writer and reader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "lightly-png.h"
#include "lightly/lightly-error.h"

static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

/* PNG caps dimensions at 2^31 - 1; we cap far lower because this writes
 * thumbnails and a bigger request is a caller bug worth reporting. */
#define MAX_SIDE 65535u

static guint32 crc_table[256];

static gpointer
init_crc_table (gpointer data)
{
  guint32 n;

  for (n = 0; n < 256; n++)
    {
      guint32 c = n;
      int k;

      for (k = 0; k < 8; k++)
        c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      crc_table[n] = c;
    }
  return NULL;
}

guint32
lightly_png_crc32 (guint32 crc, const guint8 *data, gsize len)
{
  static GOnce once = G_ONCE_INIT;
  gsize i;

  g_once (&once, init_crc_table, NULL);
  crc = ~crc;
  for (i = 0; i < len; i++)
    crc = crc_table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

static void
put_be32 (GByteArray *out, guint32 v)
{
  guint8 b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };

  g_byte_array_append (out, b, 4);
}

static guint32
get_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
put_chunk (GByteArray *out, const char type[4], const guint8 *data, gsize len)
{
  guint32 crc;

  put_be32 (out, (guint32) len);
  g_byte_array_append (out, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
  crc = lightly_png_crc32 (0, (const guint8 *) type, 4);
  crc = lightly_png_crc32 (crc, data, len);
  put_be32 (out, crc);
}

/* Runs @in through @conv into memory. */
static GBytes *
convert_all (GConverter *conv, const guint8 *in, gsize in_len, GError **error)
{
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (mem, conv);
  gsize written;

  if (!g_output_stream_write_all (out, in, in_len, &written, NULL, error)
      || !g_output_stream_close (out, NULL, error))
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

GBytes *
lightly_png_encode_gray8 (const guint8 *pixels,
                          guint         width,
                          guint         height,
                          gsize         stride,
                          GError      **error)
{
  g_autoptr(GByteArray) out = NULL;
  g_autoptr(GZlibCompressor) zlib = NULL;
  g_autoptr(GBytes) idat = NULL;
  g_autofree guint8 *raw = NULL;
  guint8 ihdr[13];
  gsize row_len;
  guint r;

  g_return_val_if_fail (pixels != NULL || width == 0 || height == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE || stride < width)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "PNG size %u×%u (row stride %" G_GSIZE_FORMAT ") is invalid: both sides "
                   "must be 1…%u and the stride at least the width", width, height, stride, MAX_SIDE);
      return NULL;
    }

  /* Each scanline is a filter-type byte (0: None) followed by the pixels. */
  row_len = (gsize) width + 1;
  raw = g_malloc (row_len * height);
  for (r = 0; r < height; r++)
    {
      raw[r * row_len] = 0;
      memcpy (raw + r * row_len + 1, pixels + r * stride, width);
    }
  zlib = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 9);
  idat = convert_all (G_CONVERTER (zlib), raw, row_len * height, error);
  if (idat == NULL)
    return NULL;

  ihdr[0] = width >> 24; ihdr[1] = (width >> 16) & 0xff; ihdr[2] = (width >> 8) & 0xff; ihdr[3] = width & 0xff;
  ihdr[4] = height >> 24; ihdr[5] = (height >> 16) & 0xff; ihdr[6] = (height >> 8) & 0xff; ihdr[7] = height & 0xff;
  ihdr[8] = 8;   /* bit depth */
  ihdr[9] = 0;   /* colour type: grayscale */
  ihdr[10] = 0;  /* compression: deflate */
  ihdr[11] = 0;  /* filter method: adaptive (per-line filter byte) */
  ihdr[12] = 0;  /* no interlace */

  out = g_byte_array_new ();
  g_byte_array_append (out, png_signature, sizeof png_signature);
  put_chunk (out, "IHDR", ihdr, sizeof ihdr);
  put_chunk (out, "IDAT", g_bytes_get_data (idat, NULL), g_bytes_get_size (idat));
  put_chunk (out, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Writes a temporary file beside @path and renames it over @path: readers
 * (the annotation app, a server reading thumbnails) see the old file or the
 * new one, never a prefix. Unlike g_file_set_contents_full() it does not
 * fsync: a thumbnail lost in a power cut is regenerated, while 10 000
 * fsyncs take seconds. */
static gboolean
write_atomic (const char *path, const guint8 *data, gsize len, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmpl = g_strdup_printf (".%s.XXXXXX", base);
  g_autofree char *tmp = g_build_filename (dir, tmpl, NULL);
  gsize done = 0;
  int fd, saved;

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot create a temporary file for %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  while (done < len)
    {
      gssize w = write (fd, data + done, len - done);

      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          saved = w < 0 ? errno : ENOSPC;
          close (fd);
          g_unlink (tmp);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "cannot write %s: %s", path, g_strerror (saved));
          return FALSE;
        }
      done += (gsize) w;
    }
  if (close (fd) != 0 || g_rename (tmp, path) != 0)
    {
      saved = errno;
      g_unlink (tmp);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot write %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
lightly_png_write_gray8 (const char   *path,
                         const guint8 *pixels,
                         guint         width,
                         guint         height,
                         gsize         stride,
                         GError      **error)
{
  g_autoptr(GBytes) png = NULL;
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  png = lightly_png_encode_gray8 (pixels, width, height, stride, error);
  if (png == NULL)
    return FALSE;
  data = g_bytes_get_data (png, &len);
  {
    /* Leave an identical file alone: a demo rerun then only reads, and
     * replacing files by rename makes ext4 flush each one (auto_da_alloc). */
    g_autofree char *old = NULL;
    gsize old_len = 0;

    if (g_file_get_contents (path, &old, &old_len, NULL)
        && old_len == len && memcmp (old, data, len) == 0)
      return TRUE;
  }
  return write_atomic (path, data, len, error);
}

static guint8 *
decode_fail (GError **error, const char *what)
{
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT, "invalid PNG: %s", what);
  return NULL;
}

guint8 *
lightly_png_decode_gray8 (const guint8 *data,
                          gsize         len,
                          guint        *width,
                          guint        *height,
                          GError      **error)
{
  g_autoptr(GByteArray) zdata = g_byte_array_new ();
  g_autoptr(GZlibDecompressor) zlib = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autofree guint8 *pixels = NULL;
  const guint8 *rows;
  gsize pos = sizeof png_signature, raw_len, row_len;
  guint w = 0, h = 0, r, c;
  gboolean seen_ihdr = FALSE, seen_iend = FALSE;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len < sizeof png_signature || memcmp (data, png_signature, sizeof png_signature) != 0)
    return decode_fail (error, "the 8-byte signature is missing");

  while (!seen_iend)
    {
      guint32 clen, crc;
      const guint8 *type, *body;

      if (len - pos < 12)
        return decode_fail (error, "truncated chunk header (no IEND chunk)");
      clen = get_be32 (data + pos);
      if (clen > len - pos - 12)
        return decode_fail (error, "chunk length runs past the end of the data");
      type = data + pos + 4;
      body = data + pos + 8;
      crc = lightly_png_crc32 (lightly_png_crc32 (0, type, 4), body, clen);
      if (crc != get_be32 (body + clen))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "invalid PNG: CRC mismatch in chunk %.4s", (const char *) type);
          return NULL;
        }
      if (memcmp (type, "IHDR", 4) == 0)
        {
          if (seen_ihdr || pos != sizeof png_signature || clen != 13)
            return decode_fail (error, "IHDR must come first, once, with 13 bytes");
          w = get_be32 (body);
          h = get_be32 (body + 4);
          if (w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE)
            return decode_fail (error, "image size out of range");
          if (body[8] != 8 || body[9] != 0 || body[10] != 0 || body[11] != 0 || body[12] != 0)
            return decode_fail (error, "only 8-bit grayscale, non-interlaced images are read");
          seen_ihdr = TRUE;
        }
      else if (memcmp (type, "IDAT", 4) == 0)
        {
          if (!seen_ihdr)
            return decode_fail (error, "IDAT before IHDR");
          g_byte_array_append (zdata, body, clen);
        }
      else if (memcmp (type, "IEND", 4) == 0)
        seen_iend = TRUE;
      else if (!(type[0] & 0x20))
        return decode_fail (error, "unknown critical chunk");
      pos += 12 + (gsize) clen;
    }
  if (!seen_ihdr || zdata->len == 0)
    return decode_fail (error, "no IHDR or no IDAT chunk");

  zlib = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
  raw = convert_all (G_CONVERTER (zlib), zdata->data, zdata->len, error);
  if (raw == NULL)
    return NULL;
  row_len = (gsize) w + 1;
  rows = g_bytes_get_data (raw, &raw_len);
  if (raw_len != row_len * h)
    return decode_fail (error, "inflated image data has the wrong size");

  pixels = g_malloc ((gsize) w * h);
  for (r = 0; r < h; r++)
    {
      const guint8 *src = rows + r * row_len + 1;
      guint8 *dst = pixels + (gsize) r * w;
      guint8 filter = rows[r * row_len];

      for (c = 0; c < w; c++)
        {
          guint8 left = c > 0 ? dst[c - 1] : 0;
          guint8 up = r > 0 ? dst[c - (gsize) w] : 0;

          switch (filter)
            {
            case 0: dst[c] = src[c]; break;
            case 1: dst[c] = (guint8) (src[c] + left); break;
            case 2: dst[c] = (guint8) (src[c] + up); break;
            default:
              return decode_fail (error, "scanline filter type not supported (only 0–2)");
            }
        }
    }
  if (width)
    *width = w;
  if (height)
    *height = h;
  return g_steal_pointer (&pixels);
}
