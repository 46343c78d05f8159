/* lightly-al-common.h: helpers the lightly-al subcommands share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <lightly/lightly.h>

G_BEGIN_DECLS

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

int                       lightly_al_cmd_demo        (int argc, char **argv);
int                       lightly_al_cmd_embed       (int argc, char **argv);
int                       lightly_al_cmd_serve       (int argc, char **argv);
int                       lightly_al_cmd_simulate    (int argc, char **argv);

G_END_DECLS
