/* lightly-bit-mask.h: LightlyBitMask, a tag's membership as an arbitrary-width bit set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <gio/gio.h>
#include "lightly-version-macros.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_BIT_MASK (lightly_bit_mask_get_type ())

typedef struct _LightlyBitMask LightlyBitMask;

LIGHTLY_AVAILABLE_IN_ALL
GType lightly_bit_mask_get_type (void) G_GNUC_CONST;

LIGHTLY_AVAILABLE_IN_ALL
LightlyBitMask *lightly_bit_mask_new              (void);
LIGHTLY_AVAILABLE_IN_ALL
LightlyBitMask *lightly_bit_mask_new_from_hex     (const char      *hex,
                                                   GError         **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyBitMask *lightly_bit_mask_new_from_bin     (const char      *bin,
                                                   GError         **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyBitMask *lightly_bit_mask_new_from_length  (guint            n);
LIGHTLY_AVAILABLE_IN_ALL
LightlyBitMask *lightly_bit_mask_new_from_indices (const guint     *indices,
                                                   gsize            n_indices);
LIGHTLY_AVAILABLE_IN_ALL
LightlyBitMask *lightly_bit_mask_copy             (const LightlyBitMask *self);
LIGHTLY_AVAILABLE_IN_ALL
void            lightly_bit_mask_free             (LightlyBitMask  *self);

LIGHTLY_AVAILABLE_IN_ALL
gboolean        lightly_bit_mask_equal            (const LightlyBitMask *self,
                                                   const LightlyBitMask *other);
LIGHTLY_AVAILABLE_IN_ALL
guint           lightly_bit_mask_hash             (const LightlyBitMask *self);

LIGHTLY_AVAILABLE_IN_ALL
char           *lightly_bit_mask_to_hex           (const LightlyBitMask *self);
LIGHTLY_AVAILABLE_IN_ALL
char           *lightly_bit_mask_to_bin           (const LightlyBitMask *self);

LIGHTLY_AVAILABLE_IN_ALL
void            lightly_bit_mask_union            (LightlyBitMask       *self,
                                                   const LightlyBitMask *other);
LIGHTLY_AVAILABLE_IN_ALL
void            lightly_bit_mask_intersection     (LightlyBitMask       *self,
                                                   const LightlyBitMask *other);
LIGHTLY_AVAILABLE_IN_ALL
void            lightly_bit_mask_difference       (LightlyBitMask       *self,
                                                   const LightlyBitMask *other);
LIGHTLY_AVAILABLE_IN_ALL
void            lightly_bit_mask_invert           (LightlyBitMask       *self,
                                                   guint                 total_size);

LIGHTLY_AVAILABLE_IN_ALL
gboolean        lightly_bit_mask_get_bit          (const LightlyBitMask *self,
                                                   guint                 k);
LIGHTLY_AVAILABLE_IN_ALL
void            lightly_bit_mask_set_bit          (LightlyBitMask       *self,
                                                   guint                 k);
LIGHTLY_AVAILABLE_IN_ALL
void            lightly_bit_mask_unset_bit        (LightlyBitMask       *self,
                                                   guint                 k);
LIGHTLY_AVAILABLE_IN_ALL
guint64         lightly_bit_mask_count            (const LightlyBitMask *self);
LIGHTLY_AVAILABLE_IN_ALL
guint64         lightly_bit_mask_get_bit_length   (const LightlyBitMask *self);
LIGHTLY_AVAILABLE_IN_ALL
gboolean        lightly_bit_mask_is_empty         (const LightlyBitMask *self);

LIGHTLY_AVAILABLE_IN_ALL
guint          *lightly_bit_mask_to_indices       (const LightlyBitMask *self,
                                                   gsize                *n_indices);
LIGHTLY_AVAILABLE_IN_ALL
char          **lightly_bit_mask_masked_select    (const LightlyBitMask *self,
                                                   const char * const   *names,
                                                   GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyBitMask, lightly_bit_mask_free)

G_END_DECLS
