/* lightly-al-common.c: helpers the lightly-al subcommands share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lightly-al-common.h"

/* ---------------------------------------------------------------------------
 * Predictions CSV
 * ------------------------------------------------------------------------- */

LightlyScorer *
lightly_al_load_predictions (const char          *path,
                             const char * const  *query_set,
                             GError             **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) rows = NULL;    /* file name → line index */
  g_autofree double *matrix = NULL;
  guint n_query = g_strv_length ((char **) query_set);
  guint n_cols = 0;
  guint n_lines;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  n_lines = g_strv_length (lines);
  if (n_lines < 2)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: no predictions: expected a header line and one line per file", path);
      return NULL;
    }

  rows = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 1; i < n_lines; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *comma;

      if (*line == '\0')
        continue;
      comma = strchr (line, ',');
      if (comma == NULL)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s:%u: expected “filename,p_0,…”", path, i + 1);
          return NULL;
        }
      *comma = '\0';
      if (!g_hash_table_insert (rows, line, GUINT_TO_POINTER (i)))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s:%u: file “%s” appears twice", path, i + 1, line);
          return NULL;
        }
    }

  /* Keyed by file name and reordered here, so predictions can never be fed
   * to the scorer in the wrong order. */
  for (guint q = 0; q < n_query; q++)
    {
      gpointer value;
      guint line_no;
      char *p, *end;
      guint col = 0;

      if (!g_hash_table_lookup_extended (rows, query_set[q], NULL, &value))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s has no prediction for “%s”: give one line per query-set file", path, query_set[q]);
          return NULL;
        }
      line_no = GPOINTER_TO_UINT (value);
      p = lines[line_no] + strlen (lines[line_no]) + 1;
      if (n_cols == 0)
        {
          for (const char *c = p; *c != '\0'; c++)
            n_cols += *c == ',';
          n_cols++;
          matrix = g_new (double, (gsize) n_query * n_cols);
        }
      while (col < n_cols)
        {
          double v = g_ascii_strtod (p, &end);

          if (end == p || (*end != ',' && *end != '\0'))
            {
              g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "%s:%u: column %u is not a number", path, line_no + 1, col + 2);
              return NULL;
            }
          matrix[(gsize) q * n_cols + col++] = v;
          if (*end == '\0')
            break;
          p = end + 1;
        }
      if (col != n_cols || *end != '\0')
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s:%u: expected %u probabilities", path, line_no + 1, n_cols);
          return NULL;
        }
    }

  return LIGHTLY_SCORER (lightly_scorer_classification_new (matrix, (gsize) n_query * n_cols,
                                                            n_query, n_cols, error));
}

/* ---------------------------------------------------------------------------
 * Query with a progress bar
 * ------------------------------------------------------------------------- */

typedef struct {
  GMainLoop *loop;
  LightlyQueryResult *result;
  GError *error;
  gboolean bar;
} QueryRun;

static const char *
stage_name (LightlyQueryStage stage)
{
  switch (stage)
    {
    case LIGHTLY_QUERY_STAGE_SCORING: return "scoring";
    case LIGHTLY_QUERY_STAGE_UPLOADING_SCORES: return "uploading scores";
    case LIGHTLY_QUERY_STAGE_SELECTING: return "selecting";
    case LIGHTLY_QUERY_STAGE_FINISHING: return "finishing";
    default: return "";
    }
}

static void
on_progress (LightlyAgent      *agent,
             LightlyQueryStage  stage,
             double             fraction,
             QueryRun          *run)
{
  const int width = 30;
  int filled = (int) (fraction * width + 0.5);
  char bar[64];

  if (!run->bar)
    return;
  for (int i = 0; i < width; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[width] = '\0';
  fprintf (stderr, "\r%-17s [%s] %3.0f%%", stage_name (stage), bar, fraction * 100.0);
  fflush (stderr);
}

static void
on_query_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  QueryRun *run = user_data;

  run->result = lightly_agent_query_finish (LIGHTLY_AGENT (source), result, &run->error);
  g_main_loop_quit (run->loop);
}

gboolean
lightly_al_query (LightlyAgent          *agent,
                  LightlySamplerConfig  *config,
                  LightlyScorer         *scorer,
                  gboolean               show_progress,
                  LightlyQueryResult   **result,
                  GError               **error)
{
  QueryRun run = { 0 };
  gulong handler;

  run.loop = g_main_loop_new (NULL, FALSE);
  run.bar = show_progress && isatty (STDERR_FILENO);
  handler = g_signal_connect (agent, "progress", G_CALLBACK (on_progress), &run);
  lightly_agent_query_async (agent, config, scorer, NULL, on_query_done, &run);
  g_main_loop_run (run.loop);
  g_signal_handler_disconnect (agent, handler);
  g_main_loop_unref (run.loop);
  if (run.bar)
    fprintf (stderr, "\r%60s\r", "");

  if (run.result == NULL)
    {
      g_propagate_error (error, run.error);
      return FALSE;
    }
  *result = run.result;
  return TRUE;
}
