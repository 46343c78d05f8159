/* lightly-error.h: the LightlyError domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <glib.h>
#include "lightly-version-macros.h"

G_BEGIN_DECLS

/**
 * LIGHTLY_ERROR:
 *
 * The error domain of lightly-glib. Errors in this domain are from the
 * [error@Lightly.Error] enumeration.
 */
#define LIGHTLY_ERROR (lightly_error_quark ())

/**
 * LightlyError:
 * @LIGHTLY_ERROR_FAILED: an unspecified failure
 * @LIGHTLY_ERROR_INVALID_INPUT: an argument or input data is malformed: a wrong
 *   shape, NaN, an empty dimension, a bad box, a bad CSV row; the message names
 *   the bad value
 * @LIGHTLY_ERROR_BUSY: the object is already running an operation that cannot
 *   run twice at once (for example a second query on one agent)
 * @LIGHTLY_ERROR_NOT_INITIALIZED: the object was used before it was initialized
 * @LIGHTLY_ERROR_SCORES_REQUIRED: the sampling method ranks by scores, but no
 *   scorer was given and reusing stored scores was not allowed
 * @LIGHTLY_ERROR_STORE_VERSION: the store was written by a newer lightly-glib
 * @LIGHTLY_ERROR_STORE: the store could not be read or written
 * @LIGHTLY_ERROR_NOT_FOUND: a dataset, tag, embedding, score or job does not exist
 * @LIGHTLY_ERROR_EXISTS: a dataset, tag or embedding with that name exists already
 * @LIGHTLY_ERROR_UNAUTHORIZED: the server refused the token
 * @LIGHTLY_ERROR_BAD_RESPONSE: the server answered something that does not
 *   follow the protocol
 * @LIGHTLY_ERROR_HTTP: the server answered with an HTTP error status
 * @LIGHTLY_ERROR_JOB_FAILED: a selection job ended in the FAILED state
 * @LIGHTLY_ERROR_INSECURE: a token would have been sent over plain http to a
 *   host that is not loopback
 * @LIGHTLY_ERROR_NOT_SUPPORTED: the operation is not supported by this backend
 * @LIGHTLY_ERROR_EMBEDDING_INVALID: embeddings given from memory are malformed:
 *   a size that does not match, no rows, a NaN or infinite value, or a file
 *   name count other than the row count
 *
 * Error codes of the %LIGHTLY_ERROR domain. This enumeration can be extended
 * at a later date.
 */
typedef enum {
  LIGHTLY_ERROR_FAILED,
  LIGHTLY_ERROR_INVALID_INPUT,
  LIGHTLY_ERROR_BUSY,
  LIGHTLY_ERROR_NOT_INITIALIZED,
  LIGHTLY_ERROR_SCORES_REQUIRED,
  LIGHTLY_ERROR_STORE_VERSION,
  LIGHTLY_ERROR_STORE,
  LIGHTLY_ERROR_NOT_FOUND,
  LIGHTLY_ERROR_EXISTS,
  LIGHTLY_ERROR_UNAUTHORIZED,
  LIGHTLY_ERROR_BAD_RESPONSE,
  LIGHTLY_ERROR_HTTP,
  LIGHTLY_ERROR_JOB_FAILED,
  LIGHTLY_ERROR_INSECURE,
  LIGHTLY_ERROR_NOT_SUPPORTED,
  LIGHTLY_ERROR_EMBEDDING_INVALID,
} LightlyError;

LIGHTLY_AVAILABLE_IN_ALL
GQuark lightly_error_quark (void);

G_END_DECLS
