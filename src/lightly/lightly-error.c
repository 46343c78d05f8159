/* lightly-error.c: the LightlyError domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-error.h"

/**
 * lightly_error_quark:
 *
 * The quark of the %LIGHTLY_ERROR domain.
 *
 * Returns: the error domain quark
 */
G_DEFINE_QUARK (lightly-error-quark, lightly_error)
