/* lightly-version-macros.h: availability and visibility macros
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <glib.h>

#ifndef _LIGHTLY_EXTERN
#define _LIGHTLY_EXTERN extern
#endif

#define LIGHTLY_VERSION_1_0 (G_ENCODE_VERSION (1, 0))

#ifndef LIGHTLY_VERSION_MIN_REQUIRED
#define LIGHTLY_VERSION_MIN_REQUIRED LIGHTLY_VERSION_1_0
#endif
#ifndef LIGHTLY_VERSION_MAX_ALLOWED
#define LIGHTLY_VERSION_MAX_ALLOWED LIGHTLY_VERSION_1_0
#endif

#define LIGHTLY_AVAILABLE_IN_ALL _LIGHTLY_EXTERN
#define LIGHTLY_DEPRECATED_FOR(f) G_DEPRECATED_FOR (f) _LIGHTLY_EXTERN
#define LIGHTLY_UNAVAILABLE(maj, min) G_UNAVAILABLE (maj, min) _LIGHTLY_EXTERN

#if LIGHTLY_VERSION_MAX_ALLOWED < LIGHTLY_VERSION_1_0
#define LIGHTLY_AVAILABLE_IN_1_0 LIGHTLY_UNAVAILABLE (1, 0)
#else
#define LIGHTLY_AVAILABLE_IN_1_0 _LIGHTLY_EXTERN
#endif
