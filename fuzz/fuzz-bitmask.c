/* fuzz-bitmask.c: lightly_bit_mask_new_from_hex() (protocol §3.1)
 *
 * Whatever parses must round-trip through the canonical form, and the
 * set operations on it must not crash.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <lightly/lightly.h>

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *hex = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new_from_hex (hex, &error);
  g_autoptr(LightlyBitMask) again = NULL;
  g_autoptr(LightlyBitMask) other = NULL;
  g_autofree char *canonical = NULL;
  g_autofree guint *indices = NULL;
  gsize n_indices = 0;
  guint64 width;

  if (mask == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == LIGHTLY_ERROR);
      return 0;
    }
  g_assert_no_error (error);

  canonical = lightly_bit_mask_to_hex (mask);
  again = lightly_bit_mask_new_from_hex (canonical, &error);
  g_assert_no_error (error);
  g_assert_true (lightly_bit_mask_equal (mask, again));
  g_assert_cmpuint (lightly_bit_mask_hash (mask), ==, lightly_bit_mask_hash (again));

  indices = lightly_bit_mask_to_indices (mask, &n_indices);
  g_assert_cmpuint (n_indices, ==, lightly_bit_mask_count (mask));
  other = lightly_bit_mask_new_from_indices (indices, n_indices);
  g_assert_true (lightly_bit_mask_equal (mask, other));

  width = lightly_bit_mask_get_bit_length (mask);
  if (width > (1u << 24))
    return 0;
  lightly_bit_mask_invert (other, (guint) width + 3);
  lightly_bit_mask_intersection (again, other);
  g_assert_true (lightly_bit_mask_is_empty (again));
  lightly_bit_mask_union (other, mask);
  lightly_bit_mask_difference (other, mask);
  return 0;
}
