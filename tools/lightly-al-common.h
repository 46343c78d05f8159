/* lightly-al-common.h: helpers the lightly-al subcommands share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <lightly/lightly.h>

G_BEGIN_DECLS

/* Exit codes (documented in the README and `lightly-al --help`). */
enum {
  LIGHTLY_AL_EXIT_OK = 0,
  LIGHTLY_AL_EXIT_FAILED = 1,
  LIGHTLY_AL_EXIT_USAGE = 2,
  LIGHTLY_AL_EXIT_SKIPPED = 3,   /* query: the labeled set already has --n-samples */
};

/* Prints "lightly-al: MESSAGE" and the --help hint, frees @context (if not
 * %NULL), returns exit code 2. */
int                       lightly_al_usage_error     (GOptionContext *context,
                                                      const char     *message);

/* Parses a subcommand's options plus the common ones (--location, --dataset,
 * …); prints usage errors itself and sets @exit_code to 2. */
gboolean                  lightly_al_parse_options   (GOptionContext *context,
                                                      int            *argc,
                                                      char         ***argv,
                                                      int            *exit_code);

/* Whether --dataset was given. */
gboolean                  lightly_al_has_dataset     (void);

/* Prints @root as pretty JSON and a newline on stdout; takes @root. */
void                      lightly_al_print_json      (JsonNode *root);

/* The file names of tag @tag_name, in bit order (the dataset's sample order);
 * @all_names (nullable) receives all the dataset's file names. */
char                    **lightly_al_tag_members     (LightlyApiWorkflowClient *client,
                                                      const char               *tag_name,
                                                      char                   ***all_names,
                                                      GError                  **error);

/* @base, or @base-2, @base-3, … : the first that no tag of the dataset has,
 * so two queries within one second never collide. */
char                     *lightly_al_unique_tag_name (LightlyApiWorkflowClient *client,
                                                      const char               *base,
                                                      GError                  **error);

/* Why one sample was picked. Today rank is the order of the query's added
 * list, strategy the method that ran and utility NAN (unknown); this is the
 * one place to read a richer per-pick provenance API from once there is one. */
typedef struct {
  const char *file;          /* the sample's file name */
  guint rank;                /* 1-based */
  const char *strategy;      /* e.g. "TYPICLUST" */
  double utility;            /* NAN when unknown */
  int cluster;               /* TYPICLUST's cluster or PROBCOVER's ball; -1 if none */
} LightlyAlPick;

void                      lightly_al_pick_info       (LightlyQueryResult *result,
                                                      guint               index,
                                                      LightlyAlPick      *pick);

/* Prints "lightly-al: MESSAGE", frees @error, returns exit code 1. */
int                       lightly_al_fail            (GError *error);

/* The client of --location (or @location), with --dataset resolved by name
 * or id when @need_dataset. */
LightlyApiWorkflowClient *lightly_al_open_client     (const char  *location,
                                                      gboolean     need_dataset,
                                                      GError     **error);

/* Reads class probabilities from a CSV (`filenames,p_0,…`), keyed by file
 * name, and returns a classification scorer in @query_set order. */
LightlyScorer            *lightly_al_load_predictions (const char          *path,
                                                       const char * const  *query_set,
                                                       GError             **error);

/* Runs one query on the default main context, drawing a progress bar on
 * stderr when it is a terminal and @show_progress. */
gboolean                  lightly_al_query           (LightlyAgent          *agent,
                                                      LightlySamplerConfig  *config,
                                                      LightlyScorer         *scorer,
                                                      gboolean               show_progress,
                                                      LightlyQueryResult   **result,
                                                      GError               **error);

/* @location, else $LIGHTLY_SERVER_LOCATION when set and not empty, else
 * NULL (the embedded store): the store every command opens. */
const char               *lightly_al_location_or_env (const char           *location);

/* The program or module @name next to this program (a build tree), else
 * @installed_dir/@name. @test: what the sibling must be to be taken. */
char                     *lightly_al_find_sibling    (const char            *name,
                                                      const char            *installed_dir,
                                                      GFileTest              test);

/* lightly-al only (lightly-al-forward.c): runs `serve`, and a command whose
 * location is http(s)://, as lightly-al-net. Returns when the command
 * stays here. */
void                      lightly_al_forward_remote  (int                    argc,
                                                      char                 **argv);

int                       lightly_al_cmd_datasets    (int argc, char **argv);
int                       lightly_al_cmd_tags        (int argc, char **argv);
int                       lightly_al_cmd_export      (int argc, char **argv);
int                       lightly_al_cmd_import_labels (int argc, char **argv);
int                       lightly_al_cmd_demo        (int argc, char **argv);
int                       lightly_al_cmd_embed       (int argc, char **argv);
int                       lightly_al_cmd_serve       (int argc, char **argv);
int                       lightly_al_cmd_simulate    (int argc, char **argv);

G_END_DECLS
