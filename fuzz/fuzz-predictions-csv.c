/* fuzz-predictions-csv.c: the CLI's predictions CSV reader
 * (lightly_al_load_predictions() in tools/lightly-al-common.c, compiled in)
 *
 * Input: the query set on the first line (file names separated by '|'),
 * then the CSV file. The reader either refuses the file with a GError or
 * returns a classification scorer with one row per query-set file.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <unistd.h>

#include <glib/gstdio.h>
#include <lightly/lightly.h>

#include "lightly-al-common.h"
#include "fuzz-common.h"

static char *csv_path;

static void
remove_csv (void)
{
  g_unlink (csv_path);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  int fd;

  fuzz_setup_logging ();
  /* The reader takes a path: one temporary file, rewritten per input. */
  fd = g_file_open_tmp ("fuzz-predictions-XXXXXX.csv", &csv_path, NULL);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  atexit (remove_csv);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *line = fuzz_take_line (&data, &size);
  g_auto(GStrv) query_set = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyScorer) scorer = NULL;

  if (csv_path == NULL)
    LLVMFuzzerInitialize (NULL, NULL);
  query_set = g_strsplit (line, "|", -1);
  g_assert_true (g_file_set_contents (csv_path, (const char *) data, (gssize) size, NULL));
  scorer = lightly_al_load_predictions (csv_path, (const char * const *) query_set, &error);
  if (scorer == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_scorer_classification_get_n_rows (LIGHTLY_SCORER_CLASSIFICATION (scorer)), ==,
                    g_strv_length (query_set));
  {
    g_autoptr(LightlyScores) scores = lightly_scorer_calculate_scores (scorer, &error);

    g_assert_true (scores != NULL || error != NULL);
  }
  return 0;
}
