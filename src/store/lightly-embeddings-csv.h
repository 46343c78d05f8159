/* lightly-embeddings-csv.h: streaming parser for Lightly embeddings CSV files (private)
 *
 * The format is protocol.md §8: a header row with a `filenames` column and
 * `embedding_<i>` columns (any order, other columns ignored, `labels` kept as
 * integers), rows as written by Python's csv module (minimal quoting, `\r\n`
 * or `\n` line ends).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A line (a record, with quoted newlines) longer than this is refused. */
#define LIGHTLY_EMBEDDINGS_CSV_MAX_LINE_DEFAULT (4u * 1024u * 1024u)

typedef struct _LightlyEmbeddingsCsv LightlyEmbeddingsCsv;

/*
 * The parsed file. Everything is owned by the struct and freed by
 * lightly_embeddings_csv_free().
 *   names:   n_rows file names in row order, NULL-terminated; the strings live
 *            in one arena, so never g_strfreev() this array
 *   matrix:  n_rows × dim float32, row-major, in row order, as parsed
 *            (not normalised)
 *   labels:  n_rows integers, or NULL when the header has no `labels` column
 *   lines:   the (1-based) line each row starts on, for error messages
 */
struct _LightlyEmbeddingsCsv {
  gsize n_rows;
  gsize dim;
  const char **names;
  float *matrix;
  gint64 *labels;
  guint64 *lines;
  /*< private >*/
  GStringChunk *arena;
};

LightlyEmbeddingsCsv *lightly_embeddings_csv_parse (GInputStream  *input,
                                                    GOutputStream *copy_to,
                                                    gsize          max_line_length,
                                                    GCancellable  *cancellable,
                                                    GError       **error);

void lightly_embeddings_csv_free (LightlyEmbeddingsCsv *csv);

/* Tests and benchmarks: whether large local files may be parsed in chunks
 * on threads (the default), and how many chunks the last parse of this
 * thread used (0: the streaming reader). */
void  lightly_embeddings_csv_set_chunked (gboolean enabled);
gsize lightly_embeddings_csv_last_chunks (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyEmbeddingsCsv, lightly_embeddings_csv_free)

G_END_DECLS
