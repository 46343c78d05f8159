/* lightly-embeddings-csv-chunks.c: a large embeddings CSV file parsed in
 * line-aligned chunks on several threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Applies when the input is a local regular file (a file-descriptor based,
 * seekable stream) of at least CHUNKED_MIN bytes from its position on. The
 * header is read first; the body is
 * then cut at line ends into one chunk per thread, and each thread reads its
 * chunk with pread() into a buffer of its own and runs the streaming
 * parser's record and row code (lightly_csv_reader_next(),
 * lightly_csv_parse_row()) over it, into rows of its own, counting lines
 * from 1. The chunks are then joined in order: line numbers shifted by the
 * lines before, names checked against the earlier chunks'.
 *
 * No mapping: reading a 167 MB file through a read-only mmap (MAP_PRIVATE,
 * with or without MAP_POPULATE or MADV_SEQUENTIAL|MADV_WILLNEED) cost 0.12
 * to 0.14 CPU s on the machine measured, pread() into a reused 1 MiB
 * buffer 0.035 to 0.045 s: its page faults cost more than the copy. (It
 * would also need a guard against SIGBUS when the file shrinks underneath.)
 *
 * Each chunk writes its rows straight into one joint matrix, at a share
 * estimated from the line length of the first MiB (with some slack; pages
 * of the slack that no row reaches are never touched). A chunk with more
 * rows than its share goes on in a matrix of its own, and the join copies.
 *
 * A cut is only a record boundary when no field is quoted, so a record with
 * a '"' stops its chunk. Then, and on any error in a chunk or a name that
 * repeats across chunks, the input is put back where it was and the
 * streaming reader parses the whole file in one pass: the result or the
 * error (first line, same message) is the one it gives. Only cancellation
 * is reported from here, and a failure to copy.
 *
 * copy_to (the store's copy of an upload) gets the bytes from the stream's
 * position to the end, as the streaming reader would write them, but only
 * once the chunks have parsed: a file handed to the streaming reader must
 * reach copy_to from it alone, once.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gfiledescriptorbased.h>

#include "lightly/lightly-error.h"
#include "store/lightly-embeddings-csv-private.h"

/* Smaller files are not worth threads. */
#define CHUNKED_MIN (4u * 1024u * 1024u)
/* At most this many chunks (threads). */
#define CHUNKED_MAX_THREADS 8
/* Rows between cancellation checks. */
#define CANCEL_EVERY 1024
/* A reader's buffer, and the window read to find a cut's line end. */
#define CHUNK_BUFFER (1024u * 1024u)
#define CUT_WINDOW 65536u

static gint chunked_disabled;
static GPrivate last_chunks;

void
lightly_embeddings_csv_set_chunked (gboolean enabled)
{
  g_atomic_int_set (&chunked_disabled, !enabled);
}

gsize
lightly_embeddings_csv_last_chunks (void)
{
  return GPOINTER_TO_SIZE (g_private_get (&last_chunks));
}

typedef struct {
  Reader r;
  Rows b;
  gboolean ok;
  GError *error;
  guint64 n_lines;              /* physical lines of the chunk */
  guint64 cap;                  /* rows of its share of the joint matrix (an estimate) */
  guint64 row0;                 /* where that share starts */
} Chunk;

/* A reader over bytes [from, to) of the file fd. */
static void
reader_over (Reader *r, int fd, guint64 from, guint64 to, gsize max_line, GCancellable *cancellable)
{
  memset (r, 0, sizeof *r);
  r->cap = CHUNK_BUFFER;
  lightly_csv_reader_alloc (r);
  r->max_line = max_line;
  r->line = 1;
  r->cancellable = cancellable;
  r->use_fd = TRUE;
  r->fd = fd;
  r->fpos = from;
  r->fend = to;
}

/* The offset just past the first '\n' at or after at (to if none). */
static guint64
cut_after (int fd, guint64 at, guint64 to)
{
  char win[CUT_WINDOW];

  while (at < to)
    {
      gssize n = pread (fd, win, (gsize) MIN ((guint64) sizeof win, to - at), (off_t) at);
      const char *nl;

      if (n <= 0)
        return to;
      nl = memchr (win, '\n', (gsize) n);
      if (nl != NULL)
        return at + (guint64) (nl - win) + 1;
      at += (guint64) n;
    }
  return to;
}

/* Bytes [from, to) of the file fd to out. */
static gboolean
copy_range (int fd, guint64 from, guint64 to, GOutputStream *out, GCancellable *cancellable,
            GError **error)
{
  g_autofree char *buf = g_malloc (CHUNK_BUFFER);

  while (from < to)
    {
      gssize n = pread (fd, buf, (gsize) MIN ((guint64) CHUNK_BUFFER, to - from), (off_t) from);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = n < 0 ? errno : EIO;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "reading the embeddings CSV: %s", g_strerror (saved));
          return FALSE;
        }
      if (!g_output_stream_write_all (out, buf, (gsize) n, NULL, cancellable, error))
        return FALSE;
      from += (guint64) n;
    }
  return TRUE;
}

/* Every record of r into b. */
static gboolean
parse_records (Reader *r, Rows *b, GError **error)
{
  Record rec;
  guint64 n = 0;
  int rc;

  while ((rc = lightly_csv_reader_next (r, &rec, error)) > 0)
    {
      if (++n % CANCEL_EVERY == 0 && g_cancellable_set_error_if_cancelled (r->cancellable, error))
        return FALSE;
      if (!lightly_csv_parse_row (b, &rec, error))
        return FALSE;
    }
  return rc == 0;
}

static gpointer
chunk_thread (gpointer data)
{
  Chunk *c = data;

  c->ok = parse_records (&c->r, &c->b, &c->error);
  c->n_lines = c->r.line - 1;
  return NULL;
}

#define SWAP(type, a, b) G_STMT_START { type t_ = (a); (a) = (b); (b) = t_; } G_STMT_END

/* Chunk k's rows after b's (the earlier chunks'): FALSE if a name of k is
 * one of theirs (each chunk's own table of names says). in_place: every
 * chunk's rows are in its share of b's matrix, which the earlier chunks'
 * rows never pass; else b's matrix is a new one that holds them all. */
static gboolean
join (Rows *b, Chunk *chunks, gsize k, guint64 line_offset, gboolean in_place)
{
  Chunk *c = &chunks[k];
  Rows *x = &c->b;
  gsize i, j, n0 = b->n_rows;

  if (k == 0)
    {
      /* The first chunk's names, arena, lines and labels become b's as
       * they are (b has none yet): no copy, no second hashing. */
      SWAP (GStringChunk *, b->arena, x->arena);
      SWAP (GPtrArray *, b->names, x->names);
      SWAP (GArray *, b->lines, x->lines);
      SWAP (GArray *, b->labels, x->labels);
      for (i = 0; i < b->lines->len && line_offset != 0; i++)
        g_array_index (b->lines, guint64, i) += line_offset;
    }
  else
    {
      for (i = 0; i < x->n_rows; i++)
        {
          const char *name = g_ptr_array_index (x->names, i);

          for (j = 0; j < k; j++)
            if (g_hash_table_contains (chunks[j].b.seen, name))
              return FALSE;
          g_ptr_array_add (b->names, g_string_chunk_insert (b->arena, name));
        }
      for (i = 0; i < x->n_rows; i++)
        {
          guint64 line = g_array_index (x->lines, guint64, i) + line_offset;

          g_array_append_val (b->lines, line);
        }
      if (b->labels != NULL)
        g_array_append_vals (b->labels, x->labels->data, x->n_rows);
    }
  /* Shares are estimates with slack, so the rows move down to close the
   * gap the earlier chunks left. */
  if (x->n_rows > 0 && (!in_place || c->row0 != n0))
    memmove (b->matrix + n0 * b->dim, x->matrix, x->n_rows * b->dim * sizeof (float));
  b->n_rows += x->n_rows;
  return TRUE;
}

/* Rows for a chunk: the header's columns, shared (not freed with them);
 * arrays for rows rows (they grow as needed). */
static void
rows_for_chunk (Rows *x, const Rows *b, guint64 rows)
{
  lightly_csv_rows_init (x);
  g_ptr_array_unref (x->names);
  x->names = g_ptr_array_sized_new ((guint) MIN (rows, (guint64) G_MAXUINT));
  g_array_unref (x->lines);
  x->lines = g_array_sized_new (FALSE, FALSE, sizeof (guint64), (guint) MIN (rows, (guint64) G_MAXUINT));
  x->cols = b->cols;
  x->n_cols = b->n_cols;
  x->dim = b->dim;
  x->has_run = b->has_run;
  x->run_first = b->run_first;
  x->arena = g_string_chunk_new (64 * 1024);
  if (b->labels != NULL)
    x->labels = g_array_sized_new (FALSE, FALSE, sizeof (gint64), (guint) MIN (rows, (guint64) G_MAXUINT));
}

gboolean
lightly_csv_parse_chunked (GInputStream          *input,
                          GOutputStream         *copy_to,
                          gsize                  max_line,
                          GCancellable          *cancellable,
                          LightlyEmbeddingsCsv **out,
                          GError               **error)
{
  Chunk chunks[CHUNKED_MAX_THREADS];
  GThread *threads[CHUNKED_MAX_THREADS];
  guint64 cut[CHUNKED_MAX_THREADS + 1];
  struct stat st;
  guint64 body, size, line_offset;
  gsize k, n_chunks;
  goffset off;
  Reader hr;
  const char *hr_body;
  Rows b;
  gboolean ok, reported = FALSE, in_place = TRUE;
  guint64 n_rows = 0;
  float *shared;
  int fd;

  *out = NULL;
  g_private_set (&last_chunks, NULL);
  if (!G_IS_FILE_DESCRIPTOR_BASED (input) || !G_IS_SEEKABLE (input) ||
      g_atomic_int_get (&chunked_disabled) || g_getenv ("LIGHTLY_CSV_NO_THREADS") != NULL)
    return FALSE;
  fd = g_file_descriptor_based_get_fd (G_FILE_DESCRIPTOR_BASED (input));
  off = g_seekable_tell (G_SEEKABLE (input));
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || off < 0 ||
      st.st_size - off < (goffset) CHUNKED_MIN)
    return FALSE;
  size = (guint64) st.st_size;

  /* The header, from the stream's position. */
  reader_over (&hr, fd, (guint64) off, size, max_line, cancellable);
  lightly_csv_rows_init (&b);
  ok = lightly_csv_read_header (&hr, &b, NULL);
  body = hr.fpos - (hr.end - hr.pos);
  hr_body = hr.buf + hr.pos;
  line_offset = hr.line - 1;
  if (!ok)
    {
      g_free (hr.buf);
      lightly_csv_rows_clear (&b);
      return FALSE;
    }
  b.arena = g_string_chunk_new (64 * 1024);

  n_chunks = CLAMP (g_get_num_processors (), 1, CHUNKED_MAX_THREADS);
  n_chunks = (gsize) MIN ((guint64) n_chunks, MAX ((guint64) 1, (size - body) / (CHUNKED_MIN / 4)));
  cut[0] = body;
  for (k = 1; k < n_chunks; k++)
    cut[k] = cut_after (fd, MAX (cut[k - 1], body + k * ((size - body) / n_chunks)), size);
  cut[n_chunks] = size;

  memset (chunks, 0, sizeof chunks);
  /* Every row near its final place: each chunk gets a share of one matrix
   * by its bytes over the mean line of the first MiB of the body (which
   * the header's reader holds), plus 3 % and 64 rows. */
  {
    guint64 total = 0, nl = 0;
    const char *p = hr_body, *e = hr.buf + hr.end;
    double line_bytes;

    for (; (p = memchr (p, '\n', (gsize) (e - p))) != NULL; p++)
      nl++;
    line_bytes = (double) (e - hr_body) / (double) MAX (nl, 1);
    for (k = 0; k < n_chunks; k++)
      {
        chunks[k].row0 = total;
        chunks[k].cap = (guint64) ((double) (cut[k + 1] - cut[k]) / MAX (line_bytes, 1.0) * 1.03) + 64;
        total += chunks[k].cap;
      }
    /* The first chunk's arrays become the result's (join()). */
    for (k = 0; k < n_chunks; k++)
      {
        reader_over (&chunks[k].r, fd, cut[k], cut[k + 1], max_line, cancellable);
        rows_for_chunk (&chunks[k].b, &b, k == 0 ? total : chunks[k].cap);
      }
    g_free (hr.buf);
    /* An estimate from a first MiB unlike the rest could ask for far more
     * than the rows need: then each chunk grows a matrix of its own. */
    b.matrix = total <= G_MAXSIZE / sizeof (float) / b.dim ? g_try_new (float, MAX (total, 1) * b.dim) : NULL;
    b.rows_cap = b.matrix != NULL ? (gsize) total : 0;
    if (b.matrix != NULL)
      lightly_csv_advise_huge (b.matrix, MAX (total, 1) * b.dim * sizeof (float));
    for (k = 0; k < n_chunks && b.matrix != NULL; k++)
      {
        chunks[k].b.matrix = b.matrix + chunks[k].row0 * b.dim;
        chunks[k].b.rows_cap = (gsize) chunks[k].cap;
        chunks[k].b.borrowed = TRUE;
      }
  }

  for (k = 1; k < n_chunks; k++)
    threads[k] = g_thread_new ("lightly-csv", chunk_thread, &chunks[k]);
  chunk_thread (&chunks[0]);
  for (k = 1; k < n_chunks; k++)
    g_thread_join (threads[k]);

  /* A chunk that outgrew its share has its rows elsewhere: then all rows
   * go to a new matrix (moving them within the joint one could overwrite
   * a later chunk's). */
  shared = b.matrix;
  for (k = 0; k < n_chunks; k++)
    {
      in_place = in_place && chunks[k].b.borrowed;
      n_rows += chunks[k].b.n_rows;
    }
  if (!in_place)
    {
      b.matrix = g_new (float, MAX (n_rows, 1) * b.dim);
      b.rows_cap = (gsize) n_rows;
    }

  /* Join in order; any failure hands the file to the streaming reader. */
  for (k = 0; k < n_chunks; k++)
    {
      Chunk *c = &chunks[k];

      if (ok && !c->ok)
        {
          ok = FALSE;
          reported = g_error_matches (c->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          if (reported)
            g_propagate_error (error, g_steal_pointer (&c->error));
        }
      if (ok && !join (&b, chunks, k, line_offset, in_place))
        ok = FALSE;
      line_offset += c->n_lines;
    }
  /* Only now: join() looks names up in the earlier chunks' tables. */
  for (k = 0; k < n_chunks; k++)
    {
      Chunk *c = &chunks[k];

      c->b.cols = NULL;
      lightly_csv_rows_clear (&c->b);
      g_clear_error (&c->error);
      g_free (c->r.buf);
    }
  if (!in_place)
    g_free (shared);
  if (ok && b.n_rows == 0)
    ok = FALSE;
  if (ok && copy_to != NULL && !copy_range (fd, (guint64) off, size, copy_to, cancellable, error))
    {
      /* Not handed to the streaming reader: copy_to has some of the bytes
       * already. */
      ok = FALSE;
      reported = TRUE;
    }
  if (ok)
    {
      *out = lightly_csv_rows_finish (&b);
      g_private_set (&last_chunks, GSIZE_TO_POINTER (n_chunks));
    }
  lightly_csv_rows_clear (&b);
  if (ok || reported)
    {
      if (!g_seekable_seek (G_SEEKABLE (input), 0, G_SEEK_END, NULL, NULL) && *out != NULL)
        g_debug ("could not seek the embeddings CSV to its end");
      return TRUE;
    }
  /* Back to where the streaming reader starts. */
  if (!g_seekable_seek (G_SEEKABLE (input), off, G_SEEK_SET, cancellable, error))
    return TRUE;
  return FALSE;
}

/* The public entry lives beside the chunked path so that the streaming
 * reader's file does not call back into this one: a large local file goes
 * in chunks, anything else (and any file the chunks give up on) through
 * the streaming reader. */
LightlyEmbeddingsCsv *
lightly_embeddings_csv_parse (GInputStream  *input,
                              GOutputStream *copy_to,
                              gsize          max_line_length,
                              GCancellable  *cancellable,
                              GError       **error)
{
  gsize max_line = max_line_length > 0 ? max_line_length : LIGHTLY_EMBEDDINGS_CSV_MAX_LINE_DEFAULT;
  LightlyEmbeddingsCsv *csv = NULL;

  g_return_val_if_fail (G_IS_INPUT_STREAM (input), NULL);
  g_return_val_if_fail (copy_to == NULL || G_IS_OUTPUT_STREAM (copy_to), NULL);

  if (lightly_csv_parse_chunked (input, copy_to, max_line, cancellable, &csv, error))
    return csv;
  return lightly_csv_parse_stream (input, copy_to, max_line, cancellable, error);
}
