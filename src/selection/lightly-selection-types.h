/* lightly-selection-types.h: the engine's vocabulary (private, plain C)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The methods the engine runs and the errors it reports, in its own terms:
 * the engine includes nothing of the public layer (src/lightly/). The one
 * place that maps these onto LightlySamplingMethod, LIGHTLY_ERROR and
 * G_IO_ERROR_CANCELLED is lightly_local_selection_run() in
 * src/backend/lightly-local-selection.c; the CLI's simulate goes through it
 * too. AUTO is not here: it is a client-side rule, resolved before anything
 * reaches the engine.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LIGHTLY_SELECTION_METHOD_RANDOM,
  LIGHTLY_SELECTION_METHOD_CORESET,
  LIGHTLY_SELECTION_METHOD_CORAL,
  LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING,
  LIGHTLY_SELECTION_METHOD_TYPICLUST,
  LIGHTLY_SELECTION_METHOD_PROBCOVER,
  /* Gradient embeddings from class probabilities (lightly-selection-badge.c). */
  LIGHTLY_SELECTION_METHOD_BADGE,
} LightlySelectionMethod;

/* The engine's errors: a GError domain of its own, which callers map onto
 * the public codes (the engine never raises LIGHTLY_ERROR or G_IO_ERROR). */
typedef enum {
  /* The params are inconsistent, or the data is unusable (NaN rows). */
  LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
  /* CORAL or ACTIVE_LEARNING without scores, BADGE or balance without
   * class probabilities. */
  LIGHTLY_SELECTION_ERROR_SCORES_REQUIRED,
  /* The cancel flag was raised. */
  LIGHTLY_SELECTION_ERROR_CANCELLED,
} LightlySelectionError;

#define LIGHTLY_SELECTION_ERROR (lightly_selection_error_quark ())
GQuark lightly_selection_error_quark (void);

/* The wire name ("CORESET", "ACTIVE_LEARNING"), for messages; NULL for a
 * value that is not a method. */
const char *lightly_selection_method_name (LightlySelectionMethod method);

G_END_DECLS
