/* lightly-embeddings-csv-private.h: what the embeddings CSV parser's files share (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lightly-embeddings-csv.c reads records from a stream (Reader), splits
 * them into fields and appends rows (Rows); lightly-embeddings-csv-chunks.c
 * runs the same record and row code over line-aligned chunks of a mapped
 * file on several threads.
 */
#pragma once

#include <gio/gio.h>

#include "store/lightly-embeddings-csv.h"

G_BEGIN_DECLS

typedef enum {
  COL_SKIP,
  COL_NAME,
  COL_EMBEDDING,
  COL_LABEL,
} ColumnKind;

typedef struct {
  ColumnKind kind;
  gsize target;            /* embedding index for COL_EMBEDDING */
  char *header;            /* the header text, for messages */
} Column;

typedef struct {
  GInputStream *input;
  GOutputStream *copy_to;
  GCancellable *cancellable;
  char *buf;
  gsize cap;               /* one byte is always kept free for a final '\n'; and
                            * LIGHTLY_CSV_PAD more are allocated (lightly_csv_reader_alloc()) */
  gsize pos;               /* start of the next record */
  gsize end;               /* end of valid bytes */
  gboolean eof;
  gsize max_line;
  guint64 line;            /* line number of the record at pos */
  /* Chunk mode (lightly-embeddings-csv-chunks.c): bytes [fpos, fend) of
   * the file fd by pread() instead of input, and a record with a '"' stops
   * the reader (saw_quote, no error set). */
  gboolean use_fd;
  int fd;
  guint64 fpos, fend;
  gboolean saw_quote;
} Reader;

typedef struct {
  const char *start;       /* record content, without the line end */
  const char *end;
  guint64 line;
  guint64 n_newlines;      /* physical lines the record spans */
} Record;

/* What the rows parsed so far add up to; handed on to the result. */
typedef struct {
  Column *cols;
  gsize n_cols;
  gsize dim;
  /* embedding_0 … embedding_{dim−1} are the columns run_first … in order:
   * the values of a row are parsed in one lightly_csv_parse_floats_run(). */
  gboolean has_run;
  gsize run_first;
  gsize n_rows;
  gsize rows_cap;
  gboolean borrowed;       /* matrix belongs to someone else: never grown or freed
                            * (when full, the rows move to a matrix of their own) */
  GString *scratch;        /* unquoting buffer of next_field() */
  GHashTable *seen;        /* file name → row + 1 */
  GPtrArray *names;        /* in the arena */
  GArray *lines;           /* guint64 */
  GArray *labels;          /* gint64, NULL without a labels column */
  GStringChunk *arena;
  float *matrix;
} Rows;

void     lightly_csv_rows_init   (Rows *b);
void     lightly_csv_rows_clear  (Rows *b);
/* Hands the rows over to a new result; b is left empty. */
LightlyEmbeddingsCsv *lightly_csv_rows_finish (Rows *b);
/* Skips a BOM, parses the header into b's columns. */
gboolean lightly_csv_read_header (Reader *r, Rows *b, GError **error);
/* 1 with *rec, 0 at the end of input, -1 on error; blank lines skipped. */
int      lightly_csv_reader_next (Reader *r, Record *rec, GError **error);
/* r->buf (re)allocated for r->cap bytes, padded for lightly_csv_parse_floats_run(). */
void     lightly_csv_reader_alloc (Reader *r);
/* Appends one data row to b. */
gboolean lightly_csv_parse_row   (Rows *b, const Record *rec, GError **error);

/* Advice (only): back [p, p + bytes) with huge pages where the kernel
 * allows, so that filling a fresh matrix takes a few page faults instead of
 * one per 4 KiB (which cost more than parsing the page on virtual machines). */
void     lightly_csv_advise_huge (gpointer p, gsize bytes);

/* The streaming reader over the whole input (max_line > 0). */
LightlyEmbeddingsCsv *lightly_csv_parse_stream (GInputStream  *input,
                                                GOutputStream *copy_to,
                                                gsize          max_line,
                                                GCancellable  *cancellable,
                                                GError       **error);

/* The chunked, threaded path: FALSE when it does not apply or the file needs
 * the streaming reader (then input is where it was and nothing was copied);
 * else TRUE with *out or error (cancelled, or the copy failed) set. */
gboolean lightly_csv_parse_chunked (GInputStream          *input,
                                   GOutputStream         *copy_to,
                                   gsize                  max_line,
                                   GCancellable          *cancellable,
                                   LightlyEmbeddingsCsv **out,
                                   GError               **error);

G_END_DECLS
