/* lightly-png.h: minimal 8-bit grayscale PNG writer (and a reader of what it writes)
 *
 * Private helper (tools/ml, not installed). No libpng: the IDAT stream is
 * zlib-format deflate from GZlibCompressor, chunks carry a CRC-32
 * (ISO 3309 / ITU-T V.42 polynomial 0xEDB88320, as the PNG spec requires)
 * computed here. Every scanline uses filter type 0 (None): thumbnails are
 * tiny and the reader stays trivial.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* CRC-32 of @len bytes continuing from @crc (start with 0), as in PNG/zlib. */
guint32  lightly_png_crc32        (guint32       crc,
                                   const guint8 *data,
                                   gsize         len);

/* Encodes @width × @height 8-bit gray pixels (row r starts at
 * pixels + r * stride) as a PNG file image. */
GBytes  *lightly_png_encode_gray8 (const guint8 *pixels,
                                   guint         width,
                                   guint         height,
                                   gsize         stride,
                                   GError      **error);

/* Writes the PNG to @path atomically: a temporary file in the same
 * directory, then rename(2), so readers see the old file or the new one.
 * No fsync (thumbnails are cheap to regenerate; 10 000 fsyncs are not).
 * A file at @path that already holds exactly these bytes is left as is. */
gboolean lightly_png_write_gray8  (const char   *path,
                                   const guint8 *pixels,
                                   guint         width,
                                   guint         height,
                                   gsize         stride,
                                   GError      **error);

/* Decodes a PNG as written by lightly_png_encode_gray8(): checks the
 * signature, every chunk's CRC, IHDR (8-bit gray, not interlaced), inflates
 * the IDAT chunks and undoes filter 0/1/2 (None/Sub/Up). Returns width ×
 * height bytes (free with g_free) or NULL with LIGHTLY_ERROR_INVALID_INPUT
 * naming what is wrong. Meant for tests and for reading our own thumbnails,
 * not for arbitrary PNGs. */
guint8  *lightly_png_decode_gray8 (const guint8 *data,
                                   gsize         len,
                                   guint        *width,
                                   guint        *height,
                                   GError      **error);

G_END_DECLS
