/* fuzz-embeddings-csv.c: the embeddings CSV parser (protocol §8)
 *
 * The first byte picks the line-length limit (so the "line too long" path
 * is reachable with small inputs); the rest is the file. A parse either
 * fails with a GError or yields a consistent matrix, and the copy stream
 * gets every byte of the input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>

#include <gio/gio.h>

#include "store/lightly-embeddings-csv.h"
#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GOutputStream) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyEmbeddingsCsv) csv = NULL;
  gsize max_line;

  if (size < 1)
    return 0;
  /* 0 → the default; otherwise 8 … 2048 bytes. */
  max_line = data[0] == 0 ? LIGHTLY_EMBEDDINGS_CSV_MAX_LINE_DEFAULT : 8u * data[0];
  data++;
  size--;

  input = g_memory_input_stream_new_from_data (g_memdup2 (data, size), (gssize) size, g_free);
  copy = g_memory_output_stream_new_resizable ();
  csv = lightly_embeddings_csv_parse (input, copy, max_line, NULL, &error);
  if (csv == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (copy, NULL, NULL));
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (copy)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (copy)),
                   data, size);

  g_assert_cmpuint (csv->dim, >, 0);
  for (gsize i = 0; i < csv->n_rows; i++)
    {
      g_assert_nonnull (csv->names[i]);
      g_assert_cmpuint (csv->lines[i], >=, 2);
      for (gsize d = 0; d < csv->dim; d++)
        g_assert_true (isfinite (csv->matrix[i * csv->dim + d]));
    }
  g_assert_null (csv->names[csv->n_rows]);
  return 0;
}
