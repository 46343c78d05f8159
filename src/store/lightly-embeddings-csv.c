/* lightly-embeddings-csv.c: streaming parser for Lightly embeddings CSV files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <unistd.h>
#include <math.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <gio/gfiledescriptorbased.h>
#include <string.h>

#include "lightly/lightly-error.h"
#include "store/lightly-embeddings-csv.h"
#include "store/lightly-csv-number.h"
#include "store/lightly-embeddings-csv-private.h"

#define READ_CHUNK (256u * 1024u)
#define INITIAL_BUFFER (1024u * 1024u)
#define MESSAGE_QUOTE_MAX 80

void
lightly_embeddings_csv_free (LightlyEmbeddingsCsv *csv)
{
  if (csv == NULL)
    return;
  g_free (csv->names);
  g_free (csv->matrix);
  g_free (csv->labels);
  g_free (csv->lines);
  if (csv->arena != NULL)
    g_string_chunk_free (csv->arena);
  g_free (csv);
}

/* A short, printable rendering of a value for an error message. */
static char *
quote_for_message (const char *s, gsize len)
{
  g_autofree char *cut = g_strndup (s, MIN (len, (gsize) MESSAGE_QUOTE_MAX));
  g_autofree char *valid = g_utf8_make_valid (cut, -1);
  g_autofree char *escaped = g_strescape (valid, "");

  if (len > MESSAGE_QUOTE_MAX)
    return g_strdup_printf ("'%s...'", escaped);
  return g_strdup_printf ("'%s'", escaped);
}

void
lightly_csv_reader_alloc (Reader *r)
{
  r->buf = g_realloc (r->buf, r->cap + LIGHTLY_CSV_PAD);
  /* Never used, only loaded (and masked off): defined for memory checkers. */
  memset (r->buf + r->cap, 0, LIGHTLY_CSV_PAD);
}

static gboolean
reader_fill (Reader *r, GError **error)
{
  gssize n;

  if (r->eof)
    return TRUE;
  if (g_cancellable_set_error_if_cancelled (r->cancellable, error))
    return FALSE;

  if (r->pos > 0)
    {
      memmove (r->buf, r->buf + r->pos, r->end - r->pos);
      r->end -= r->pos;
      r->pos = 0;
    }
  if (r->cap - 1 - r->end < READ_CHUNK)
    {
      r->cap = MAX (r->cap * 2, r->end + READ_CHUNK + 1);
      lightly_csv_reader_alloc (r);
    }

  if (r->use_fd)
    {
      gsize want = (gsize) MIN ((guint64) (r->cap - 1 - r->end), r->fend - r->fpos);

      n = want > 0 ? pread (r->fd, r->buf + r->end, want, (off_t) r->fpos) : 0;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "reading the embeddings CSV: %s", g_strerror (saved));
          return FALSE;
        }
      r->fpos += (guint64) n;
    }
  else
    n = g_input_stream_read (r->input, r->buf + r->end, r->cap - 1 - r->end,
                             r->cancellable, error);
  if (n < 0)
    return FALSE;
  if (n > 0 && r->copy_to != NULL &&
      !g_output_stream_write_all (r->copy_to, r->buf + r->end, (gsize) n, NULL,
                                  r->cancellable, error))
    return FALSE;
  r->end += (gsize) n;

  if (n == 0)
    {
      r->eof = TRUE;
      /* A last line without a line end gets one, so every record ends in
       * '\n' and number parsing always finds a terminator. */
      if (r->end > r->pos && r->buf[r->end - 1] != '\n')
        r->buf[r->end++] = '\n';
    }
  return TRUE;
}

/* Finds the record at r->pos. Returns TRUE with *rec filled when a complete
 * record is in the buffer, FALSE when more input is needed. Quotes only open a
 * quoted field at the start of a field, as in Python's csv module. */
static gboolean
find_record (Reader *r, Record *rec, gsize *next)
{
  const char *s = r->buf + r->pos;
  const char *e = r->buf + r->end;
  const char *nl = memchr (s, '\n', (gsize) (e - s));
  const char *p;
  gboolean in_quotes = FALSE;
  gboolean field_start = TRUE;
  guint64 n_newlines = 0;

  if (nl == NULL)
    return FALSE;

  if (memchr (s, '"', (gsize) (nl - s)) == NULL)
    {
      p = nl;
      n_newlines = 1;
      goto found;
    }
  if (r->use_fd)
    {
      r->saw_quote = TRUE;
      return FALSE;
    }

  for (p = s; p < e; p++)
    {
      char c = *p;

      if (in_quotes)
        {
          if (c == '"')
            {
              if (p + 1 >= e)
                return FALSE;
              if (p[1] == '"')
                p++;
              else
                in_quotes = FALSE;
            }
          else if (c == '\n')
            n_newlines++;
          continue;
        }
      if (c == '\n')
        {
          n_newlines++;
          goto found;
        }
      if (c == '"' && field_start)
        in_quotes = TRUE;
      field_start = (c == ',');
    }
  return FALSE;

found:
  *next = (gsize) (p + 1 - r->buf);
  rec->start = s;
  rec->end = p;
  if (rec->end > rec->start && rec->end[-1] == '\r')
    rec->end--;
  rec->line = r->line;
  rec->n_newlines = n_newlines;
  return TRUE;
}

/* Reads the next record. Returns 1 with *rec, 0 at the end of input, -1 on
 * error. Blank lines are skipped. */
int
lightly_csv_reader_next (Reader *r, Record *rec, GError **error)
{
  for (;;)
    {
      gsize next;

      if (find_record (r, rec, &next))
        {
          if (next - r->pos > r->max_line)
            goto too_long;
          r->pos = next;
          r->line += rec->n_newlines;
          if (rec->end == rec->start)
            continue;
          return 1;
        }
      if (r->saw_quote)
        return -1;
      if (r->end - r->pos > r->max_line)
        {
        too_long:
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "line %" G_GUINT64_FORMAT " of the embeddings CSV is longer than "
                       "%" G_GSIZE_FORMAT " bytes; is this a CSV file?",
                       r->line, r->max_line);
          return -1;
        }
      if (r->eof)
        {
          if (r->end > r->pos)
            {
              g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "line %" G_GUINT64_FORMAT " of the embeddings CSV has a quoted "
                           "field that is never closed", r->line);
              return -1;
            }
          return 0;
        }
      if (!reader_fill (r, error))
        return -1;
    }
}

/* Splits off the field at *p. Unquoted fields point into the record; quoted
 * ones are unescaped into scratch. On return *p is at the ',' after the field
 * or at rec_end. */
static gboolean
next_field (const char **p, const char *rec_end, GString *scratch,
            const char **fs, const char **fe)
{
  const char *q = *p;

  if (q < rec_end && *q == '"')
    {
      q++;
      g_string_truncate (scratch, 0);
      for (;;)
        {
          const char *close = memchr (q, '"', (gsize) (rec_end - q));

          if (close == NULL)
            return FALSE;
          g_string_append_len (scratch, q, close - q);
          if (close + 1 < rec_end && close[1] == '"')
            {
              g_string_append_c (scratch, '"');
              q = close + 2;
              continue;
            }
          q = close + 1;
          break;
        }
      if (q != rec_end && *q != ',')
        return FALSE;
      *fs = scratch->str;
      *fe = scratch->str + scratch->len;
      *p = q;
      return TRUE;
    }

  *fs = q;
  q = memchr (q, ',', (gsize) (rec_end - q));
  if (q == NULL)
    q = rec_end;
  *fe = q;
  *p = q;
  return TRUE;
}

static gsize
count_fields (const char *p, const char *rec_end)
{
  g_autoptr(GString) scratch = g_string_new (NULL);
  gsize n = 0;

  for (;;)
    {
      const char *fs, *fe;

      if (!next_field (&p, rec_end, scratch, &fs, &fe))
        return n + 1;
      n++;
      if (p >= rec_end)
        return n;
      p++;
    }
}

static void
columns_free (Column *cols, gsize n)
{
  for (gsize i = 0; i < n; i++)
    g_free (cols[i].header);
  g_free (cols);
}

/* Reads the header record and classifies its columns. */
static Column *
parse_header (const Record *rec, gsize *n_cols_out, gsize *dim_out,
              gboolean *has_labels, GError **error)
{
  g_autoptr(GString) scratch = g_string_new (NULL);
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
  const char *p = rec->start;
  Column *cols;
  gsize n, dim = 0;
  gssize name_col = -1, label_col = -1;
  g_autofree gboolean *seen = NULL;

  for (;;)
    {
      const char *fs, *fe;

      if (!next_field (&p, rec->end, scratch, &fs, &fe))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "line %" G_GUINT64_FORMAT " of the embeddings CSV (the header) has a "
                       "malformed quoted field", rec->line);
          return NULL;
        }
      g_ptr_array_add (headers, g_strndup (fs, (gsize) (fe - fs)));
      if (p >= rec->end)
        break;
      p++;
    }

  n = headers->len;
  cols = g_new0 (Column, n);
  for (gsize i = 0; i < n; i++)
    {
      const char *h = g_ptr_array_index (headers, i);

      cols[i].header = g_strdup (h);
      if (strcmp (h, "filenames") == 0)
        {
          if (name_col >= 0)
            goto duplicate;
          name_col = (gssize) i;
          cols[i].kind = COL_NAME;
        }
      else if (strcmp (h, "labels") == 0)
        {
          if (label_col >= 0)
            goto duplicate;
          label_col = (gssize) i;
          cols[i].kind = COL_LABEL;
        }
      else if (g_str_has_prefix (h, "embedding_"))
        {
          cols[i].kind = COL_EMBEDDING;
          dim++;
        }
      continue;

    duplicate:
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "line 1, column %" G_GSIZE_FORMAT " of the embeddings CSV: the column "
                   "'%s' appears twice in the header", i + 1, h);
      columns_free (cols, n);
      return NULL;
    }

  if (name_col < 0)
    {
      g_autofree char *joined = NULL;

      g_ptr_array_add (headers, NULL);
      joined = g_strjoinv (",", (char **) headers->pdata);
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "the embeddings CSV header has no 'filenames' column (it has: %.200s)",
                   joined);
      columns_free (cols, n);
      return NULL;
    }
  if (dim == 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "the embeddings CSV header has no 'embedding_0' ... 'embedding_<D-1>' "
                   "columns");
      columns_free (cols, n);
      return NULL;
    }

  /* embedding_<i> go to matrix column i; together they must be 0 ... dim-1. */
  seen = g_new0 (gboolean, dim);
  for (gsize i = 0; i < n; i++)
    {
      const char *suffix;
      guint64 idx;
      char *endp = NULL;

      if (cols[i].kind != COL_EMBEDDING)
        continue;
      suffix = cols[i].header + strlen ("embedding_");
      idx = g_ascii_strtoull (suffix, &endp, 10);
      if (*suffix < '0' || *suffix > '9' || *endp != '\0' ||
          (suffix[0] == '0' && suffix[1] != '\0') || idx >= dim || seen[idx])
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "line 1, column %" G_GSIZE_FORMAT " of the embeddings CSV: '%.100s' "
                       "does not fit; the %" G_GSIZE_FORMAT " embedding columns must be "
                       "named embedding_0 ... embedding_%" G_GSIZE_FORMAT ", each once",
                       i + 1, cols[i].header, dim, dim - 1);
          columns_free (cols, n);
          return NULL;
        }
      seen[idx] = TRUE;
      cols[i].target = (gsize) idx;
    }

  *n_cols_out = n;
  *dim_out = dim;
  *has_labels = label_col >= 0;
  return cols;
}

void
lightly_csv_rows_init (Rows *b)
{
  memset (b, 0, sizeof *b);
  b->scratch = g_string_new (NULL);
  b->seen = g_hash_table_new (g_str_hash, g_str_equal);
  b->names = g_ptr_array_new ();
  b->lines = g_array_new (FALSE, FALSE, sizeof (guint64));
}

void
lightly_csv_rows_clear (Rows *b)
{
  if (b->cols != NULL)
    columns_free (b->cols, b->n_cols);
  if (b->arena != NULL)
    g_string_chunk_free (b->arena);
  if (b->labels != NULL)
    g_array_unref (b->labels);
  g_string_free (b->scratch, TRUE);
  g_hash_table_unref (b->seen);
  g_ptr_array_unref (b->names);
  g_array_unref (b->lines);
  if (!b->borrowed)
    g_free (b->matrix);
}

/* Skips a UTF-8 byte order mark (spreadsheet exports; it is not part of the
 * header) and parses the header row. */
gboolean
lightly_csv_read_header (Reader *r, Rows *b, GError **error)
{
  Record rec;
  gboolean has_labels = FALSE;
  int rc;

  while (!r->eof && r->end < 3)
    if (!reader_fill (r, error))
      return FALSE;
  if (r->end >= 3 && memcmp (r->buf, "\xef\xbb\xbf", 3) == 0)
    r->pos = 3;

  rc = lightly_csv_reader_next (r, &rec, error);
  if (rc < 0)
    return FALSE;
  if (rc == 0)
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "the embeddings CSV is empty; it needs a header row "
                           "(filenames,embedding_0,...) and one row per sample");
      return FALSE;
    }
  b->cols = parse_header (&rec, &b->n_cols, &b->dim, &has_labels, error);
  if (b->cols == NULL)
    return FALSE;
  for (gsize i = 0; i < b->n_cols && !b->has_run; i++)
    if (b->cols[i].kind == COL_EMBEDDING)
      {
        gsize j;

        for (j = 0; j < b->dim && i + j < b->n_cols; j++)
          if (b->cols[i + j].kind != COL_EMBEDDING || b->cols[i + j].target != j)
            break;
        b->has_run = j == b->dim;
        b->run_first = i;
        break;
      }
  if (has_labels)
    b->labels = g_array_new (FALSE, FALSE, sizeof (gint64));
  return TRUE;
}

/* One field [fs, fe) of column col of the row being parsed. */
static gboolean
parse_field (Rows *b, const Record *rec, gsize col, const char *fs, const char *fe,
             float *row, gint64 *label, GError **error)
{
  const Column *column = &b->cols[col];

  switch (column->kind)
    {
    case COL_EMBEDDING:
      {
        float f = 0.0f;
        LightlyCsvNum nr = lightly_csv_parse_float (fs, fe, &f);

        if (nr != LIGHTLY_CSV_NUM_OK)
          {
            g_autofree char *q = quote_for_message (fs, (gsize) (fe - fs));

            g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                         "line %" G_GUINT64_FORMAT ", column %" G_GSIZE_FORMAT
                         " (%s) of the embeddings CSV: %s %s",
                         rec->line, col + 1, column->header, q,
                         nr == LIGHTLY_CSV_NUM_NOT_FINITE
                           ? "is not a finite float32 number"
                           : "is not a number");
            return FALSE;
          }
        row[column->target] = f;
      }
      return TRUE;

    case COL_NAME:
      {
        const char *name;

        /* A NUL would cut the name short, and two names would then collide. */
        if (memchr (fs, '\0', (gsize) (fe - fs)) != NULL)
          {
            g_autofree char *q = quote_for_message (fs, (gsize) (fe - fs));

            g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                         "line %" G_GUINT64_FORMAT " (row %" G_GSIZE_FORMAT "), column %" G_GSIZE_FORMAT
                         " (filenames) of the embeddings CSV: the file name %s holds a NUL byte, "
                         "which no file name may contain", rec->line, b->n_rows + 1, col + 1, q);
            return FALSE;
          }
        name = g_string_chunk_insert_len (b->arena, fs, fe - fs);

        /* One hashing per name: the insert says whether it was there. The
         * first row with it is then looked for among the names (the insert
         * replaced its number; the parse stops here anyway). */
        if (!g_hash_table_insert (b->seen, (gpointer) name, GSIZE_TO_POINTER (b->n_rows + 1)))
          {
            g_autofree char *q = quote_for_message (fs, (gsize) (fe - fs));
            guint64 first_line = 0;

            for (gsize i = 0; i < b->names->len; i++)
              if (strcmp (g_ptr_array_index (b->names, i), name) == 0)
                {
                  first_line = g_array_index (b->lines, guint64, i);
                  break;
                }

            g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                         "line %" G_GUINT64_FORMAT ", column %" G_GSIZE_FORMAT
                         " (filenames) of the embeddings CSV: the file name %s "
                         "appears twice (first on line %" G_GUINT64_FORMAT ")",
                         rec->line, col + 1, q, first_line);
            return FALSE;
          }
        g_ptr_array_add (b->names, (gpointer) name);
      }
      return TRUE;

    case COL_LABEL:
      if (!lightly_csv_parse_label (fs, fe, label))
        {
          g_autofree char *q = quote_for_message (fs, (gsize) (fe - fs));

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "line %" G_GUINT64_FORMAT ", column %" G_GSIZE_FORMAT
                       " (labels) of the embeddings CSV: %s is not an integer",
                       rec->line, col + 1, q);
          return FALSE;
        }
      return TRUE;

    case COL_SKIP:
    default:
      return TRUE;
    }
}

/* Appends one data row. */
gboolean
lightly_csv_parse_row (Rows *b, const Record *rec, GError **error)
{
  const char *p = rec->start;
  float *row;
  gsize col = 0;
  gint64 label = 0;

  if (b->n_rows == b->rows_cap)
    {
      float *old = b->matrix;

      /* A chunk's share of the joint matrix was an estimate: past it, its
       * rows move to a matrix of its own (the join copies them back). */
      b->rows_cap = MAX (b->rows_cap * 2, 1024);
      if (b->borrowed)
        {
          b->matrix = g_new (float, b->rows_cap * b->dim);
          memcpy (b->matrix, old, b->n_rows * b->dim * sizeof (float));
          b->borrowed = FALSE;
        }
      else
        b->matrix = g_renew (float, b->matrix, b->rows_cap * b->dim);
    }
  row = b->matrix + b->n_rows * b->dim;

  for (;;)
    {
      const char *fs, *fe;

      if (col >= b->n_cols)
        goto wrong_count;
      if (b->has_run && col >= b->run_first && col < b->run_first + b->dim)
        {
          gsize k = lightly_csv_parse_floats_run (p, rec->end, row + (col - b->run_first),
                                                  b->run_first + b->dim - col, &p);

          if (k > 0)
            {
              col += k;
              continue;
            }
        }
      if (b->cols[col].kind == COL_EMBEDDING &&
          lightly_csv_parse_float_fast (p, rec->end, &row[b->cols[col].target], &fe))
        {
          col++;
          p = fe;
          if (p >= rec->end)
            break;
          p++;
          continue;
        }
      if (!next_field (&p, rec->end, b->scratch, &fs, &fe))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "line %" G_GUINT64_FORMAT ", column %" G_GSIZE_FORMAT
                       " (%s) of the embeddings CSV: malformed quoted field",
                       rec->line, col + 1, b->cols[col].header);
          return FALSE;
        }
      if (!parse_field (b, rec, col, fs, fe, row, &label, error))
        return FALSE;
      col++;
      if (p >= rec->end)
        break;
      p++;
    }
  if (col != b->n_cols)
    goto wrong_count;

  g_array_append_val (b->lines, rec->line);
  if (b->labels != NULL)
    g_array_append_val (b->labels, label);
  b->n_rows++;
  return TRUE;

wrong_count:
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
               "line %" G_GUINT64_FORMAT " of the embeddings CSV has %" G_GSIZE_FORMAT
               " columns, but the header has %" G_GSIZE_FORMAT,
               rec->line, count_fields (rec->start, rec->end), b->n_cols);
  return FALSE;
}

/* Hands the rows over to a new result; b is left empty. */
LightlyEmbeddingsCsv *
lightly_csv_rows_finish (Rows *b)
{
  LightlyEmbeddingsCsv *csv = g_new0 (LightlyEmbeddingsCsv, 1);

  csv->n_rows = b->n_rows;
  csv->dim = b->dim;
  csv->matrix = g_renew (float, g_steal_pointer (&b->matrix), b->n_rows * b->dim);
  g_ptr_array_add (b->names, NULL);
  csv->names = (const char **) g_ptr_array_free (g_steal_pointer (&b->names), FALSE);
  csv->lines = (guint64 *) (void *) g_array_free (g_steal_pointer (&b->lines), FALSE);
  if (b->labels != NULL)
    csv->labels = (gint64 *) (void *) g_array_free (g_steal_pointer (&b->labels), FALSE);
  csv->arena = g_steal_pointer (&b->arena);
  b->names = g_ptr_array_new ();
  b->lines = g_array_new (FALSE, FALSE, sizeof (guint64));
  return csv;
}

void
lightly_csv_advise_huge (gpointer p, gsize bytes)
{
#ifdef MADV_HUGEPAGE
  const guintptr huge = (guintptr) 2 << 20;
  guintptr lo = ((guintptr) p + huge - 1) & ~(huge - 1);
  guintptr hi = ((guintptr) p + bytes) & ~(huge - 1);

  if (hi > lo)
    (void) madvise ((void *) lo, hi - lo, MADV_HUGEPAGE);
#endif
}

/* A regular file's remaining size over the mean line length of what the
 * reader holds gives the rows to expect: one matrix for them (+3 %), with
 * huge-page advice, instead of one grown by doubling, whose every new
 * 4 KiB page is a fault (a fifth of the reader's CPU on the machine
 * measured). More rows than that still grow it. */
static void
presize (Reader *r, Rows *b)
{
  struct stat st;
  goffset at;
  const char *p = r->buf + r->pos, *e = r->buf + r->end;
  guint64 nl = 0, rows;

  if (!G_IS_FILE_DESCRIPTOR_BASED (r->input) || !G_IS_SEEKABLE (r->input) ||
      fstat (g_file_descriptor_based_get_fd (G_FILE_DESCRIPTOR_BASED (r->input)), &st) != 0 ||
      !S_ISREG (st.st_mode) || (at = g_seekable_tell (G_SEEKABLE (r->input))) < 0 ||
      st.st_size < at || b->dim == 0)
    return;
  for (; (p = memchr (p, '\n', (gsize) (e - p))) != NULL; p++)
    nl++;
  if (nl == 0)
    return;
  rows = (guint64) ((double) (st.st_size - at + (goffset) (r->end - r->pos)) /
                    ((double) (r->end - r->pos) / (double) nl) * 1.03) + 64;
  if (rows > G_MAXSIZE / sizeof (float) / b->dim)
    return;
  /* A first buffer unlike the rest may overestimate by far: then grow. */
  b->matrix = g_try_new (float, (gsize) rows * b->dim);
  if (b->matrix == NULL)
    return;
  b->rows_cap = (gsize) rows;
  lightly_csv_advise_huge (b->matrix, b->rows_cap * b->dim * sizeof (float));
}

/* The streaming reader over the whole input: the reference for every
 * result and error (lightly_embeddings_csv_parse() tries the chunked path
 * first). */
LightlyEmbeddingsCsv *
lightly_csv_parse_stream (GInputStream  *input,
                          GOutputStream *copy_to,
                          gsize          max_line,
                          GCancellable  *cancellable,
                          GError       **error)
{
  Reader r = { 0 };
  Record rec;
  Rows b = { 0 };
  LightlyEmbeddingsCsv *csv = NULL;
  int rc;

  r.input = input;
  r.copy_to = copy_to;
  r.cancellable = cancellable;
  r.cap = INITIAL_BUFFER;
  lightly_csv_reader_alloc (&r);
  r.max_line = max_line;
  r.line = 1;
  lightly_csv_rows_init (&b);

  if (!lightly_csv_read_header (&r, &b, error))
    goto out;
  b.arena = g_string_chunk_new (64 * 1024);
  presize (&r, &b);
  while ((rc = lightly_csv_reader_next (&r, &rec, error)) > 0)
    if (!lightly_csv_parse_row (&b, &rec, error))
      goto out;
  if (rc < 0)
    goto out;
  if (b.n_rows == 0)
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "the embeddings CSV has a header but no rows; it needs one row "
                           "per sample");
      goto out;
    }
  csv = lightly_csv_rows_finish (&b);

out:
  lightly_csv_rows_clear (&b);
  g_free (r.buf);
  return csv;
}
