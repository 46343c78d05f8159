/* lightly-al-common.c: helpers the lightly-al subcommands share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lightly-al-common.h"
#include "lightly/lightly-api-workflow-client-private.h"

/* ---------------------------------------------------------------------------
 * Predictions CSV
 * ------------------------------------------------------------------------- */

/* The header names the columns: `filenames` first, then one column per
 * class. A file whose columns are named otherwise (or in another order) is
 * refused by name here, rather than reported later as a missing row. */
static gboolean
check_predictions_header (const char  *path,
                          const char  *header,
                          guint       *n_classes,
                          GError     **error)
{
  g_auto(GStrv) columns = g_strsplit (header, ",", -1);
  guint n = g_strv_length (columns);

  if (n < 2 || strcmp (g_strstrip (columns[0]), "filenames") != 0)
    {
      /* Not all of a line that may be the whole file (a JSON, say). */
      g_autofree char *shown = g_utf8_validate (header, -1, NULL) && g_utf8_strlen (header, -1) > 60
        ? g_utf8_substring (header, 0, 60) : g_strdup (header);
      const char *more = strlen (shown) < strlen (header) ? "…" : "";

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s: wrong columns: the header is “%s%s”, expected “filenames,p_0,…,p_{C-1}” "
                   "(the first column “filenames”, then one probability column per class)",
                   path, shown, more);
      return FALSE;
    }
  for (guint i = 1; i < n; i++)
    {
      char *name = g_strstrip (columns[i]);
      char *end = NULL;

      if (*name == '\0' || strcmp (name, "filenames") == 0 ||
          (g_ascii_strtod (name, &end), end != name && *end == '\0'))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s: wrong columns: column %u of the header is named “%s”; expected a class "
                       "column name such as p_%u (the header is filenames,p_0,…,p_{C-1})",
                       path, i + 1, name, i - 1);
          return FALSE;
        }
    }
  *n_classes = n - 1;
  return TRUE;
}

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
  guint n_header = 0;
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

  if (!check_predictions_header (path, g_strstrip (lines[0]), &n_header, error))
    return NULL;

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
          if (n_cols != n_header)
            {
              g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "%s:%u: %u probabilities, but the header names %u columns after “filenames”",
                           path, line_no + 1, n_cols, n_header);
              return NULL;
            }
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

  /* Without a bar to draw, the blocking call: over the embedded store its
   * operations run on this thread, with no worker thread to start. */
  if (!show_progress || !isatty (STDERR_FILENO))
    {
      *result = lightly_agent_query (agent, config, scorer, NULL, error);
      return *result != NULL;
    }
  run.loop = g_main_loop_new (NULL, FALSE);
  handler = g_signal_connect (agent, "progress", G_CALLBACK (on_progress), &run);
  lightly_agent_query_async (agent, config, scorer, NULL, on_query_done, &run);
  g_main_loop_run (run.loop);
  g_signal_handler_disconnect (agent, handler);
  g_main_loop_unref (run.loop);
  fprintf (stderr, "\r%60s\r", "");

  if (run.result == NULL)
    {
      g_propagate_error (error, run.error);
      return FALSE;
    }
  *result = run.result;
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * JSON output, tags and picks
 * ------------------------------------------------------------------------- */

void
lightly_al_print_json (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  json_node_unref (root);
  g_print ("%s\n", text);
}

char **
lightly_al_tag_members (LightlyApiWorkflowClient *client,
                        const char               *tag_name,
                        char                   ***all_names,
                        GError                  **error)
{
  g_autoptr(LightlyTag) tag = NULL;
  g_autoptr(LightlyBitMask) mask = NULL;
  g_auto(GStrv) names = NULL;
  char **selected;

  tag = lightly_api_workflow_client_get_tag_by_name (client, tag_name, NULL, error);
  if (tag == NULL)
    return NULL;
  names = lightly_api_workflow_client_get_file_names (client, NULL, error);
  if (names == NULL)
    return NULL;
  mask = lightly_bit_mask_new_from_hex (lightly_tag_get_bit_mask_data (tag), error);
  if (mask == NULL)
    return NULL;
  selected = lightly_bit_mask_masked_select (mask, (const char * const *) names, error);
  if (selected != NULL && all_names != NULL)
    *all_names = g_steal_pointer (&names);
  return selected;
}

char *
lightly_al_unique_tag_name (LightlyApiWorkflowClient *client,
                            const char               *base,
                            GError                  **error)
{
  /* The names only: no tag's mask is read. */
  const char *no_masks[] = { NULL };
  g_autoptr(GPtrArray) tags = lightly_api_workflow_client_find_tags (client, no_masks, NULL, error);
  g_autoptr(GHashTable) taken = NULL;
  char *name;

  if (tags == NULL)
    return NULL;
  taken = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < tags->len; i++)
    g_hash_table_add (taken, (gpointer) lightly_tag_get_name (g_ptr_array_index (tags, i)));
  name = g_strdup (base);
  for (guint k = 2; g_hash_table_contains (taken, name); k++)
    {
      g_free (name);
      name = g_strdup_printf ("%s-%u", base, k);
    }
  return name;
}

void
lightly_al_pick_info (LightlyQueryResult *result,
                      guint               index,
                      LightlyAlPick      *pick)
{
  GPtrArray *picks = lightly_query_result_get_picks (result);

  /* The selection's own record, in rank order, when it kept one (the
   * embedded store and lightly-glib servers); else the added set in sample
   * order, ranked by that order. */
  if (picks != NULL && index < picks->len)
    {
      const LightlyPick *p = g_ptr_array_index (picks, index);

      pick->file = lightly_pick_get_file_name (p);
      pick->rank = lightly_pick_get_rank (p) + 1;
      pick->strategy = lightly_sampling_method_to_string (lightly_pick_get_method (p));
      pick->utility = lightly_pick_get_utility (p);
      pick->cluster = lightly_pick_get_cluster (p);
      return;
    }
  pick->file = lightly_query_result_get_added (result)[index];
  pick->rank = index + 1;
  pick->strategy = lightly_sampling_method_to_string (lightly_query_result_get_method (result));
  pick->utility = NAN;
  pick->cluster = -1;
}

const char *
lightly_al_location_or_env (const char *location)
{
  const char *env = g_getenv ("LIGHTLY_SERVER_LOCATION");

  if (location != NULL)
    return location;
  return env != NULL && *env != '\0' ? env : NULL;
}

char *
lightly_al_find_sibling (const char *name,
                         const char *installed_dir,
                         GFileTest   test)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);

  if (self != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self);
      char *sibling = g_build_filename (dir, name, NULL);

      if (g_file_test (sibling, test))
        return sibling;
      g_free (sibling);
    }
  return g_build_filename (installed_dir, name, NULL);
}
