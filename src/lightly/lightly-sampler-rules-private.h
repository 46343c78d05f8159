/* lightly-sampler-rules-private.h: the rules of a selection's inputs
 *
 * A selection's inputs are checked once, where they enter: a
 * LightlySamplerConfig by lightly_sampler_config_validate() (the agent and
 * the client call it), wire JSON by the local backend that the REST server
 * hands it to. Both use these functions, so each rule has one message.
 * Layers behind them only assert.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Python's str() of a float, as config names and messages show numbers. */
char     *lightly_sampler_rules_format_number   (double x);

/* The stopping rule: n-samples (the total size of the labeled set
 * afterwards; on the wire a fraction of the dataset when below 1) or
 * min-distance must be active, i.e. above 0. */
gboolean  lightly_sampler_rules_check_n_samples (double   n_samples,
                                                 double   min_distance,
                                                 GError **error);

/* Lightly's TagName and score type patterns, for a config's name and
 * score-type (the messages name the bad character and its index). */
gboolean  lightly_sampler_rules_check_tag_name   (const char  *name,
                                                  GError     **error);
gboolean  lightly_sampler_rules_check_score_type (const char  *score_type,
                                                  GError     **error);

G_END_DECLS
