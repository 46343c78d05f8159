/* lightly-idx.h: streaming reader for gzipped IDX files (MNIST, Fashion-MNIST)
 *
 * Private helper (tools/ml, not installed). The IDX format: a big-endian
 * magic 0x0000TTNN (TT = element type, only 0x08 = unsigned byte is read
 * here; NN = number of dimensions), then NN big-endian 32-bit sizes, then the
 * items row-major. The file is decompressed as a stream, so reading the
 * first `limit` items only inflates those bytes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * LightlyIdx:
 * @n_items: number of items read (the first dimension of the slice)
 * @n_total: number of items the file holds (its first dimension)
 * @n_dims: dimensions in the file: 1 for labels, 3 for images
 * @rows: second dimension (image height), 1 when @n_dims is 1
 * @cols: third dimension (image width), 1 when @n_dims is 1
 * @item_size: bytes per item, @rows × @cols
 * @data: @n_items × @item_size bytes, item i at `data + i * item_size`
 *
 * A slice of an unsigned-byte IDX file. Free with lightly_idx_free().
 */
typedef struct {
  gsize   n_items;
  gsize   n_total;
  guint   n_dims;
  guint   rows;
  guint   cols;
  gsize   item_size;
  guint8 *data;
} LightlyIdx;

/* Reads items [offset, offset + limit) of the gzip-compressed IDX file at
 * @path; @limit 0 means "to the end". @expected_dims is 1 (labels) or 3
 * (images); 0 accepts either. Errors (LIGHTLY_ERROR_INVALID_INPUT, or the
 * G_IO_ERROR of opening the file) name the file and what is wrong: not gzip,
 * bad magic, wrong element type or dimension count, an empty or oversized
 * dimension, a slice beyond the file's items, a file truncated inside the
 * slice, or trailing data after the last item (checked when the slice reaches
 * the end). */
LightlyIdx *lightly_idx_read (const char    *path,
                              guint          expected_dims,
                              gsize          offset,
                              gsize          limit,
                              GCancellable  *cancellable,
                              GError       **error);

void        lightly_idx_free (LightlyIdx *idx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyIdx, lightly_idx_free)

G_END_DECLS
