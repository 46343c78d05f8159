/* lightly-bit-mask-private.h: what the library needs of LightlyBitMask
 * beyond its public API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lightly-bit-mask.h"

G_BEGIN_DECLS

/* names[i] for each set bit i, ascending, NULL-terminated: the pointers
 * themselves, not copies (free the array with g_free(), not the names).
 * Every set bit must be below the length of @names; the caller checks it
 * (lightly_bit_mask_get_bit_length()). Unlike going through
 * lightly_bit_mask_to_indices(), no array of indices is made: the agent
 * selects its sets over every name of the dataset after each query. */
char **lightly_bit_mask_select_borrowed (const LightlyBitMask *self,
                                         char * const         *names);

G_END_DECLS
