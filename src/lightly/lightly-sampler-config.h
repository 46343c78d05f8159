/* lightly-sampler-config.h: LightlySamplerConfig, the parameters of one selection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <gio/gio.h>
#include "lightly-version-macros.h"
#include "lightly-sampling-method.h"
#include "lightly-matrix-precision.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_SAMPLER_CONFIG (lightly_sampler_config_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlySamplerConfig, lightly_sampler_config, LIGHTLY, SAMPLER_CONFIG, GObject)

LIGHTLY_AVAILABLE_IN_ALL
LightlySamplerConfig *lightly_sampler_config_new           (void);
LIGHTLY_AVAILABLE_IN_ALL
LightlySamplerConfig *lightly_sampler_config_copy          (LightlySamplerConfig  *self);

LIGHTLY_AVAILABLE_IN_ALL
LightlySamplingMethod lightly_sampler_config_get_method    (LightlySamplerConfig  *self);
LIGHTLY_AVAILABLE_IN_ALL
void                  lightly_sampler_config_set_method    (LightlySamplerConfig  *self,
                                                            LightlySamplingMethod  method);
LIGHTLY_AVAILABLE_IN_ALL
int                   lightly_sampler_config_get_n_samples (LightlySamplerConfig  *self);
LIGHTLY_AVAILABLE_IN_ALL
void                  lightly_sampler_config_set_n_samples (LightlySamplerConfig  *self,
                                                            int                    n_samples);
LIGHTLY_AVAILABLE_IN_ALL
double                lightly_sampler_config_get_min_distance (LightlySamplerConfig *self);
LIGHTLY_AVAILABLE_IN_ALL
void                  lightly_sampler_config_set_min_distance (LightlySamplerConfig *self,
                                                               double                min_distance);
LIGHTLY_AVAILABLE_IN_ALL
const char           *lightly_sampler_config_get_name      (LightlySamplerConfig  *self);
LIGHTLY_AVAILABLE_IN_ALL
void                  lightly_sampler_config_set_name      (LightlySamplerConfig  *self,
                                                            const char            *name);
LIGHTLY_AVAILABLE_IN_ALL
const char           *lightly_sampler_config_get_score_type (LightlySamplerConfig *self);
LIGHTLY_AVAILABLE_IN_ALL
void                  lightly_sampler_config_set_score_type (LightlySamplerConfig *self,
                                                             const char           *score_type);
LIGHTLY_AVAILABLE_IN_ALL
double                lightly_sampler_config_get_score_strength (LightlySamplerConfig *self);
LIGHTLY_AVAILABLE_IN_ALL
void                  lightly_sampler_config_set_score_strength (LightlySamplerConfig *self,
                                                                 double                score_strength);
LIGHTLY_AVAILABLE_IN_ALL
guint64               lightly_sampler_config_get_seed      (LightlySamplerConfig  *self);
LIGHTLY_AVAILABLE_IN_ALL
void                  lightly_sampler_config_set_seed      (LightlySamplerConfig  *self,
                                                            guint64                seed);
LIGHTLY_AVAILABLE_IN_ALL
gboolean              lightly_sampler_config_get_reuse_scores (LightlySamplerConfig *self);
LIGHTLY_AVAILABLE_IN_ALL
void                  lightly_sampler_config_set_reuse_scores (LightlySamplerConfig *self,
                                                               gboolean              reuse_scores);
LIGHTLY_AVAILABLE_IN_ALL
gboolean              lightly_sampler_config_get_balance   (LightlySamplerConfig  *self);
LIGHTLY_AVAILABLE_IN_ALL
void                  lightly_sampler_config_set_balance   (LightlySamplerConfig  *self,
                                                            gboolean               balance);
LIGHTLY_AVAILABLE_IN_ALL
LightlyMatrixPrecision lightly_sampler_config_get_matrix_precision (LightlySamplerConfig   *self);
LIGHTLY_AVAILABLE_IN_ALL
void                  lightly_sampler_config_set_matrix_precision (LightlySamplerConfig   *self,
                                                                   LightlyMatrixPrecision  precision);

LIGHTLY_AVAILABLE_IN_ALL
char                 *lightly_sampler_config_generate_name (LightlySamplerConfig  *self,
                                                            GDateTime             *now);
LIGHTLY_AVAILABLE_IN_ALL
gboolean              lightly_sampler_config_validate      (LightlySamplerConfig  *self,
                                                            GError               **error);

G_END_DECLS
