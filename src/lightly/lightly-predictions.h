/* lightly-predictions.h: LightlyPredictions, a model's outputs keyed by file name
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <glib-object.h>
#include "lightly-version-macros.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_PREDICTIONS (lightly_predictions_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyPredictions, lightly_predictions, LIGHTLY, PREDICTIONS, GObject)

LIGHTLY_AVAILABLE_IN_ALL
LightlyPredictions *lightly_predictions_new            (const char * const  *names,
                                                        const float         *data,
                                                        gsize                n_values,
                                                        gsize                n_rows,
                                                        gsize                n_cols,
                                                        GError             **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyPredictions *lightly_predictions_new_from_bytes (const char * const  *names,
                                                        GBytes              *data,
                                                        gsize                n_rows,
                                                        gsize                n_cols,
                                                        GError             **error);

LIGHTLY_AVAILABLE_IN_ALL
gsize               lightly_predictions_get_n_rows     (LightlyPredictions  *self);
LIGHTLY_AVAILABLE_IN_ALL
gsize               lightly_predictions_get_n_cols     (LightlyPredictions  *self);
LIGHTLY_AVAILABLE_IN_ALL
const char * const *lightly_predictions_get_names      (LightlyPredictions  *self);
LIGHTLY_AVAILABLE_IN_ALL
GBytes             *lightly_predictions_get_bytes      (LightlyPredictions  *self);
LIGHTLY_AVAILABLE_IN_ALL
gboolean            lightly_predictions_contains       (LightlyPredictions  *self,
                                                        const char          *name);
LIGHTLY_AVAILABLE_IN_ALL
const float        *lightly_predictions_get_row        (LightlyPredictions  *self,
                                                        const char          *name,
                                                        gsize               *n_cols);
LIGHTLY_AVAILABLE_IN_ALL
GBytes             *lightly_predictions_reorder        (LightlyPredictions  *self,
                                                        const char * const  *names,
                                                        GError             **error);

G_END_DECLS
