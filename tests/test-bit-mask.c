/* test-bit-mask.c: LightlyBitMask, protocol §3.1/§3.2 */
#include <lightly/lightly.h>

#include <string.h>

#include "test-utils.h"

static LightlyBitMask *
hex (const char *text)
{
  g_autoptr(GError) error = NULL;
  LightlyBitMask *mask = lightly_bit_mask_new_from_hex (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mask);
  return mask;
}

/* Asserts that the mask holds exactly the given indices, ascending. */
static void
assert_indices (const LightlyBitMask *mask,
                const guint          *expected,
                gsize                 n_expected)
{
  gsize n = 12345;
  g_autofree guint *indices = lightly_bit_mask_to_indices (mask, &n);

  g_assert_nonnull (indices);
  g_assert_cmpmem (indices, n * sizeof (guint), expected, n_expected * sizeof (guint));
  g_assert_cmpuint (lightly_bit_mask_count (mask), ==, n_expected);
}

static void
assert_hex (const LightlyBitMask *mask,
            const char           *expected)
{
  g_autofree char *text = lightly_bit_mask_to_hex (mask);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_protocol_examples (void)
{
  static const guint i5[] = { 0, 2 };
  static const guint i59[] = { 0, 3, 4, 6 };
  static const char * const spellings_59[] = { "0x59", "0x0059", "59", "0X59", "0x000000000000000000000000059" };
  g_autoptr(LightlyBitMask) m5 = hex ("0x5");
  g_autoptr(LightlyBitMask) all10 = lightly_bit_mask_new_from_length (10);
  g_autoptr(LightlyBitMask) f = hex ("0xf");
  g_autoptr(LightlyBitMask) five = hex ("0x5");

  assert_indices (m5, i5, G_N_ELEMENTS (i5));
  assert_hex (m5, "0x5");

  for (gsize i = 0; i < G_N_ELEMENTS (spellings_59); i++)
    {
      g_autoptr(LightlyBitMask) m = hex (spellings_59[i]);

      assert_indices (m, i59, G_N_ELEMENTS (i59));
      assert_hex (m, "0x59");
    }

  assert_hex (all10, "0x3ff");

  lightly_bit_mask_difference (f, five);
  assert_hex (f, "0xa");
  assert_hex (five, "0x5");
}

static void
test_parse_lenient (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "0", "0x0" },
    { "0x0", "0x0" },
    { "0x000", "0x0" },
    { "000", "0x0" },
    { "0xFF", "0xff" },
    { "0XaBcDeF", "0xabcdef" },
    { "0x0b", "0xb" },       /* int("0x0b", 16): hex digits, not a binary prefix */
    { "0b", "0xb" },
    { "ffffffffffffffff", "0xffffffffffffffff" },
    { "0x10000000000000000", "0x10000000000000000" },
    { "0x00000000000000000000000000000001", "0x1" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LightlyBitMask) m = hex (cases[i].in);

      assert_hex (m, cases[i].out);
    }
}

static void
assert_parse_error (gboolean    binary,
                    const char *text,
                    const char *fragment1,
                    const char *fragment2)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyBitMask) m = binary ? lightly_bit_mask_new_from_bin (text, &error)
                                       : lightly_bit_mask_new_from_hex (text, &error);

  g_assert_null (m);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (fragment1 != NULL && strstr (error->message, fragment1) == NULL)
    g_error ("“%s” not in the message “%s”", fragment1, error->message);
  if (fragment2 != NULL && strstr (error->message, fragment2) == NULL)
    g_error ("“%s” not in the message “%s”", fragment2, error->message);
}

static void
test_parse_errors (void)
{
  g_autofree char *long_bad = g_strnfill (200, 'f');

  assert_parse_error (FALSE, "", "no digits", NULL);
  assert_parse_error (FALSE, "0x", "no digits", "“0x”");
  assert_parse_error (FALSE, "0X", "no digits", NULL);
  assert_parse_error (FALSE, "0x5g", "“g”", "index 3");
  assert_parse_error (FALSE, "g", "“g”", "index 0");
  assert_parse_error (FALSE, "-0x5", "“-”", "index 0");
  assert_parse_error (FALSE, " 0x5", "“ ”", "index 0");
  assert_parse_error (FALSE, "0x5 ", "“ ”", "index 3");
  assert_parse_error (FALSE, "0x_5", "“_”", "index 2");
  assert_parse_error (FALSE, "0x0x5", "“x”", "index 3");
  assert_parse_error (FALSE, "0x5\n", "U+000A", "index 3");
  assert_parse_error (FALSE, "0xü", "“ü”", "index 2");
  assert_parse_error (FALSE, "0x\xff", "byte 0xff", "index 2");

  /* A long input is shortened in the message, the position still exact. */
  long_bad[150] = 'z';
  assert_parse_error (FALSE, long_bad, "“z”", "index 150");

  assert_parse_error (TRUE, "", "no digits", "0b0");
  assert_parse_error (TRUE, "0b", "no digits", NULL);
  assert_parse_error (TRUE, "0b102", "“2”", "index 4");
  assert_parse_error (TRUE, "0x1", "“x”", "index 1");
  assert_parse_error (TRUE, "0b1a", "“a”", "0 and 1");
}

static void
test_bin (void)
{
  static const guint i5[] = { 0, 2 };
  static const char * const spellings[] = { "0b101", "101", "0B0101", "0b000101" };
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyBitMask) empty = lightly_bit_mask_new ();
  g_autoptr(LightlyBitMask) wide = NULL;
  g_autofree char *bin = NULL;
  g_autofree char *wide_bin = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (spellings); i++)
    {
      g_autoptr(LightlyBitMask) m = lightly_bit_mask_new_from_bin (spellings[i], &error);
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      assert_indices (m, i5, G_N_ELEMENTS (i5));
      text = lightly_bit_mask_to_bin (m);
      g_assert_cmpstr (text, ==, "0b101");
    }

  bin = lightly_bit_mask_to_bin (empty);
  g_assert_cmpstr (bin, ==, "0b0");

  /* Across a word boundary, and back. */
  wide = lightly_bit_mask_new_from_hex ("0x10000000000000003", &error);
  g_assert_no_error (error);
  wide_bin = lightly_bit_mask_to_bin (wide);
  g_assert_cmpuint (strlen (wide_bin), ==, 2 + 65);
  g_assert_true (g_str_has_prefix (wide_bin, "0b1000"));
  g_assert_true (g_str_has_suffix (wide_bin, "00011"));
  {
    g_autoptr(LightlyBitMask) back = lightly_bit_mask_new_from_bin (wide_bin, &error);

    g_assert_no_error (error);
    g_assert_true (lightly_bit_mask_equal (back, wide));
  }
}

static void
test_from_length (void)
{
  static const struct { guint n; const char *hex; } cases[] = {
    { 0, "0x0" },
    { 1, "0x1" },
    { 4, "0xf" },
    { 10, "0x3ff" },
    { 63, "0x7fffffffffffffff" },
    { 64, "0xffffffffffffffff" },
    { 65, "0x1ffffffffffffffff" },
    { 128, "0xffffffffffffffffffffffffffffffff" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LightlyBitMask) m = lightly_bit_mask_new_from_length (cases[i].n);

      assert_hex (m, cases[i].hex);
      g_assert_cmpuint (lightly_bit_mask_count (m), ==, cases[i].n);
      g_assert_cmpuint (lightly_bit_mask_get_bit_length (m), ==, cases[i].n);
      g_assert_cmpint (lightly_bit_mask_is_empty (m), ==, cases[i].n == 0);
    }
}

static void
test_from_indices (void)
{
  static const guint in[] = { 130, 3, 0, 3, 64, 130 };
  static const guint sorted[] = { 0, 3, 64, 130 };
  g_autoptr(LightlyBitMask) m = lightly_bit_mask_new_from_indices (in, G_N_ELEMENTS (in));
  g_autoptr(LightlyBitMask) empty = lightly_bit_mask_new_from_indices (NULL, 0);
  gsize n = 99;
  g_autofree guint *none = lightly_bit_mask_to_indices (empty, &n);

  assert_indices (m, sorted, G_N_ELEMENTS (sorted));
  assert_hex (m, "0x4" "0000000000000001" "0000000000000009");
  g_assert_cmpuint (lightly_bit_mask_get_bit_length (m), ==, 131);

  /* An empty result is an empty array, not NULL. */
  g_assert_nonnull (none);
  g_assert_cmpuint (n, ==, 0);
  assert_hex (empty, "0x0");
}

static void
test_set_algebra (void)
{
  g_autoptr(LightlyBitMask) a = hex ("0xc");          /* {2, 3} */
  g_autoptr(LightlyBitMask) b = hex ("0x5");          /* {0, 2} */
  g_autoptr(LightlyBitMask) big = NULL;
  g_autoptr(LightlyBitMask) u = NULL;
  g_autoptr(LightlyBitMask) x = NULL;
  g_autoptr(LightlyBitMask) d = NULL;

  u = lightly_bit_mask_copy (a);
  lightly_bit_mask_union (u, b);
  assert_hex (u, "0xd");

  x = lightly_bit_mask_copy (a);
  lightly_bit_mask_intersection (x, b);
  assert_hex (x, "0x4");

  d = lightly_bit_mask_copy (a);
  lightly_bit_mask_difference (d, b);
  assert_hex (d, "0x8");

  /* The operands were copied, not changed. */
  assert_hex (a, "0xc");
  assert_hex (b, "0x5");

  /* Different widths, both ways round. */
  big = hex ("0x100000000000000000000000000000004");   /* {2, 128} */
  lightly_bit_mask_union (u, big);
  assert_hex (u, "0x10000000000000000000000000000000d");
  lightly_bit_mask_intersection (u, b);
  assert_hex (u, "0x5");
  lightly_bit_mask_union (u, big);
  lightly_bit_mask_difference (u, b);
  assert_hex (u, "0x100000000000000000000000000000000");
  lightly_bit_mask_intersection (b, big);
  assert_hex (b, "0x4");
  lightly_bit_mask_difference (b, big);
  assert_hex (b, "0x0");

  /* An operand may be the mask itself. */
  lightly_bit_mask_union (a, a);
  assert_hex (a, "0xc");
  lightly_bit_mask_intersection (a, a);
  assert_hex (a, "0xc");
  lightly_bit_mask_difference (a, a);
  assert_hex (a, "0x0");
}

static void
test_invert (void)
{
  g_autoptr(LightlyBitMask) m = hex ("0x5");
  g_autoptr(LightlyBitMask) empty = lightly_bit_mask_new ();
  g_autoptr(LightlyBitMask) high = hex ("0x100000000000000000000000000000005");

  lightly_bit_mask_invert (m, 4);
  assert_hex (m, "0xa");
  lightly_bit_mask_invert (m, 4);
  assert_hex (m, "0x5");
  lightly_bit_mask_invert (m, 10);
  assert_hex (m, "0x3fa");

  lightly_bit_mask_invert (empty, 10);
  assert_hex (empty, "0x3ff");
  lightly_bit_mask_invert (empty, 64);
  assert_hex (empty, "0xfffffffffffffc00");
  lightly_bit_mask_invert (empty, 0);
  assert_hex (empty, "0x0");

  /* Bits at or above total_size end cleared. */
  lightly_bit_mask_invert (high, 8);
  assert_hex (high, "0xfa");
  lightly_bit_mask_invert (high, 128);
  assert_hex (high, "0xffffffffffffffffffffffffffffff05");
  g_assert_cmpuint (lightly_bit_mask_get_bit_length (high), ==, 128);
}

static void
test_bits (void)
{
  g_autoptr(LightlyBitMask) m = lightly_bit_mask_new ();

  g_assert_true (lightly_bit_mask_is_empty (m));
  g_assert_false (lightly_bit_mask_get_bit (m, 0));
  g_assert_false (lightly_bit_mask_get_bit (m, G_MAXUINT));
  lightly_bit_mask_unset_bit (m, 1000000);
  g_assert_true (lightly_bit_mask_is_empty (m));

  lightly_bit_mask_set_bit (m, 5677);
  lightly_bit_mask_set_bit (m, 0);
  lightly_bit_mask_set_bit (m, 64);
  lightly_bit_mask_set_bit (m, 64);
  g_assert_true (lightly_bit_mask_get_bit (m, 5677));
  g_assert_true (lightly_bit_mask_get_bit (m, 64));
  g_assert_false (lightly_bit_mask_get_bit (m, 63));
  g_assert_false (lightly_bit_mask_get_bit (m, 5678));
  g_assert_cmpuint (lightly_bit_mask_count (m), ==, 3);
  g_assert_cmpuint (lightly_bit_mask_get_bit_length (m), ==, 5678);
  g_assert_false (lightly_bit_mask_is_empty (m));

  lightly_bit_mask_unset_bit (m, 5677);
  g_assert_cmpuint (lightly_bit_mask_get_bit_length (m), ==, 65);
  assert_hex (m, "0x10000000000000001");
  lightly_bit_mask_unset_bit (m, 64);
  lightly_bit_mask_unset_bit (m, 0);
  g_assert_true (lightly_bit_mask_is_empty (m));
  g_assert_cmpuint (lightly_bit_mask_get_bit_length (m), ==, 0);
  assert_hex (m, "0x0");
}

static void
test_equal_hash_copy (void)
{
  g_autoptr(LightlyBitMask) a = hex ("0x59");
  g_autoptr(LightlyBitMask) wide = lightly_bit_mask_new ();
  g_autoptr(LightlyBitMask) empty = lightly_bit_mask_new ();
  g_autoptr(LightlyBitMask) copy = NULL;
  g_autoptr(GHashTable) set = NULL;

  /* Same value, wider storage. */
  lightly_bit_mask_set_bit (wide, 100000);
  lightly_bit_mask_unset_bit (wide, 100000);
  g_assert_true (lightly_bit_mask_equal (wide, empty));
  g_assert_true (lightly_bit_mask_equal (empty, wide));
  g_assert_cmpuint (lightly_bit_mask_hash (wide), ==, lightly_bit_mask_hash (empty));
  lightly_bit_mask_union (wide, a);
  g_assert_true (lightly_bit_mask_equal (wide, a));
  g_assert_cmpuint (lightly_bit_mask_hash (wide), ==, lightly_bit_mask_hash (a));
  g_assert_false (lightly_bit_mask_equal (a, empty));

  copy = lightly_bit_mask_copy (a);
  g_assert_true (lightly_bit_mask_equal (copy, a));
  lightly_bit_mask_set_bit (copy, 1);
  g_assert_false (lightly_bit_mask_equal (copy, a));
  assert_hex (a, "0x59");
  assert_hex (copy, "0x5b");

  set = g_hash_table_new ((GHashFunc) lightly_bit_mask_hash, (GEqualFunc) lightly_bit_mask_equal);
  g_hash_table_add (set, a);
  g_assert_true (g_hash_table_contains (set, wide));
  g_assert_false (g_hash_table_contains (set, copy));
}

static void
test_boxed (void)
{
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(LightlyBitMask) m = hex ("0x59");
  LightlyBitMask *boxed_copy;

  g_assert_true (G_TYPE_IS_BOXED (LIGHTLY_TYPE_BIT_MASK));
  g_assert_cmpstr (g_type_name (LIGHTLY_TYPE_BIT_MASK), ==, "LightlyBitMask");

  boxed_copy = g_boxed_copy (LIGHTLY_TYPE_BIT_MASK, m);
  g_assert_true (boxed_copy != m);
  g_assert_true (lightly_bit_mask_equal (boxed_copy, m));
  g_boxed_free (LIGHTLY_TYPE_BIT_MASK, boxed_copy);

  g_value_init (&value, LIGHTLY_TYPE_BIT_MASK);
  g_value_set_boxed (&value, m);
  lightly_bit_mask_set_bit (m, 1);
  assert_hex (g_value_get_boxed (&value), "0x59");

  lightly_bit_mask_free (NULL);
}

static void
test_masked_select (void)
{
  static const char * const names[] = { "4", "7", "9", "1", NULL };
  static const char * const no_names[] = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyBitMask) m = NULL;
  g_autoptr(LightlyBitMask) empty = lightly_bit_mask_new ();
  g_auto(GStrv) picked = NULL;
  g_auto(GStrv) none = NULL;
  g_auto(GStrv) none2 = NULL;
  g_auto(GStrv) all = NULL;
  g_auto(GStrv) bad = NULL;
  g_autoptr(LightlyBitMask) all_mask = lightly_bit_mask_new_from_length (4);
  g_autoptr(LightlyBitMask) too_wide = lightly_bit_mask_new_from_length (5);

  /* The docstring example of lightly ≥ 1.1.16: bit 0 is the first name. */
  m = lightly_bit_mask_new_from_bin ("0b0101", &error);
  g_assert_no_error (error);
  picked = lightly_bit_mask_masked_select (m, names, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (picked, ((const char * const[]) { "4", "9", NULL }));

  none = lightly_bit_mask_masked_select (empty, names, &error);
  g_assert_no_error (error);
  g_assert_nonnull (none);
  g_assert_null (none[0]);

  none2 = lightly_bit_mask_masked_select (empty, no_names, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (none2), ==, 0);

  all = lightly_bit_mask_masked_select (all_mask, names, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (all, names);

  bad = lightly_bit_mask_masked_select (too_wide, names, &error);
  g_assert_null (bad);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "bit 4"));
  g_assert_nonnull (strstr (error->message, "only 4 names"));
  g_clear_error (&error);

  g_assert_null (lightly_bit_mask_masked_select (m, no_names, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
}

/* A naive reference: one gboolean per bit. */
static char *
reference_hex (const gboolean *bits,
               guint           n)
{
  GString *s = g_string_new ("0x");
  guint top = n;

  while (top > 0 && !bits[top - 1])
    top--;
  if (top == 0)
    {
      g_string_append_c (s, '0');
      return g_string_free (s, FALSE);
    }
  for (guint d = (top + 3) / 4; d > 0; d--)
    {
      guint v = 0;

      for (guint b = 0; b < 4; b++)
        {
          guint i = (d - 1) * 4 + b;

          if (i < n && bits[i])
            v |= 1u << b;
        }
      g_string_append_c (s, "0123456789abcdef"[v]);
    }
  return g_string_free (s, FALSE);
}

static void
assert_matches_reference (const LightlyBitMask *mask,
                          const gboolean       *bits,
                          guint                 n)
{
  g_autofree char *expected = reference_hex (bits, n);
  g_autofree char *got = lightly_bit_mask_to_hex (mask);
  g_autoptr(GArray) expected_indices = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree guint *indices = NULL;
  gsize n_indices;
  guint bit_length = 0;

  g_assert_cmpstr (got, ==, expected);
  for (guint i = 0; i < n; i++)
    {
      if (bits[i])
        {
          g_array_append_val (expected_indices, i);
          bit_length = i + 1;
        }
      g_assert_cmpint (lightly_bit_mask_get_bit (mask, i), ==, bits[i]);
    }
  indices = lightly_bit_mask_to_indices (mask, &n_indices);
  g_assert_cmpmem (indices, n_indices * sizeof (guint),
                   expected_indices->data, expected_indices->len * sizeof (guint));
  g_assert_cmpuint (lightly_bit_mask_count (mask), ==, expected_indices->len);
  g_assert_cmpuint (lightly_bit_mask_get_bit_length (mask), ==, bit_length);
}

static LightlyBitMask *
random_mask (gboolean *bits,
             guint     n,
             guint     width)
{
  LightlyBitMask *m = lightly_bit_mask_new ();
  /* Dense or sparse, so that whole words of zeros and ones occur. */
  gdouble density = g_test_rand_double_range (0.0, 1.0);

  density = density < 0.2 ? 0.0 : density > 0.8 ? 1.0 : density;
  memset (bits, 0, n * sizeof (gboolean));
  for (guint i = 0; i < width; i++)
    if (g_test_rand_double () < density || (density > 0 && density < 1 && g_test_rand_bit ()))
      {
        bits[i] = TRUE;
        lightly_bit_mask_set_bit (m, i);
      }
  return m;
}

static void
test_random_reference (void)
{
  const guint n = 5678 + 64;
  g_autofree gboolean *a_bits = g_new (gboolean, n);
  g_autofree gboolean *b_bits = g_new (gboolean, n);

  for (guint round = 0; round < 200; round++)
    {
      guint wa = (guint) g_test_rand_int_range (0, 5679);
      guint wb = (guint) g_test_rand_int_range (0, 5679);
      g_autoptr(LightlyBitMask) a = random_mask (a_bits, n, wa);
      g_autoptr(LightlyBitMask) b = random_mask (b_bits, n, wb);
      guint op = (guint) g_test_rand_int_range (0, 6);
      g_autofree char *a_hex = lightly_bit_mask_to_hex (a);
      g_autoptr(GError) error = NULL;
      g_autoptr(LightlyBitMask) reparsed = lightly_bit_mask_new_from_hex (a_hex, &error);
      g_autofree char *a_bin = lightly_bit_mask_to_bin (a);
      g_autoptr(LightlyBitMask) reparsed_bin = lightly_bit_mask_new_from_bin (a_bin, &error);

      g_assert_no_error (error);
      g_assert_true (lightly_bit_mask_equal (reparsed, a));
      g_assert_true (lightly_bit_mask_equal (reparsed_bin, a));
      assert_matches_reference (a, a_bits, n);

      switch (op)
        {
        case 0:
          lightly_bit_mask_union (a, b);
          for (guint i = 0; i < n; i++)
            a_bits[i] = a_bits[i] || b_bits[i];
          break;
        case 1:
          lightly_bit_mask_intersection (a, b);
          for (guint i = 0; i < n; i++)
            a_bits[i] = a_bits[i] && b_bits[i];
          break;
        case 2:
          lightly_bit_mask_difference (a, b);
          for (guint i = 0; i < n; i++)
            a_bits[i] = a_bits[i] && !b_bits[i];
          break;
        case 3:
          {
            guint total = (guint) g_test_rand_int_range (0, (gint) n + 1);

            lightly_bit_mask_invert (a, total);
            for (guint i = 0; i < n; i++)
              a_bits[i] = i < total ? !a_bits[i] : FALSE;
          }
          break;
        case 4:
          {
            guint k = (guint) g_test_rand_int_range (0, (gint) n);

            lightly_bit_mask_set_bit (a, k);
            a_bits[k] = TRUE;
          }
          break;
        default:
          {
            guint k = (guint) g_test_rand_int_range (0, (gint) n);

            lightly_bit_mask_unset_bit (a, k);
            a_bits[k] = FALSE;
          }
          break;
        }
      assert_matches_reference (a, a_bits, n);
      assert_matches_reference (b, b_bits, n);
    }
}

/* Tests use masks with 5678 bits (protocol §3.1). */
static void
test_5678_round_trip (void)
{
  const guint n = 5678;

  for (guint round = 0; round < 20; round++)
    {
      g_autoptr(GArray) wanted = g_array_new (FALSE, FALSE, sizeof (guint));
      g_autoptr(LightlyBitMask) m = NULL;
      g_autoptr(LightlyBitMask) back = NULL;
      g_autoptr(LightlyBitMask) upper_back = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      g_autofree char *upper = NULL;
      g_autofree guint *indices = NULL;
      gsize n_indices;

      for (guint i = 0; i < n; i++)
        if (g_test_rand_bit ())
          g_array_append_val (wanted, i);
      if (round % 2 == 0)
        {
          guint top = n - 1;

          if (wanted->len == 0 || g_array_index (wanted, guint, wanted->len - 1) != top)
            g_array_append_val (wanted, top);
        }

      m = lightly_bit_mask_new_from_indices ((const guint *) wanted->data, wanted->len);
      text = lightly_bit_mask_to_hex (m);
      if (round % 2 == 0)
        g_assert_cmpuint (strlen (text), ==, 2 + (n + 3) / 4);
      g_assert_true (text[2] != '0');

      back = lightly_bit_mask_new_from_hex (text, &error);
      g_assert_no_error (error);
      indices = lightly_bit_mask_to_indices (back, &n_indices);
      g_assert_cmpmem (indices, n_indices * sizeof (guint), wanted->data, wanted->len * sizeof (guint));

      upper = g_ascii_strup (text, -1);
      upper_back = lightly_bit_mask_new_from_hex (upper, &error);
      g_assert_no_error (error);
      g_assert_true (lightly_bit_mask_equal (upper_back, m));
    }
}

/* 10,000,000-bit union, invert and count: under 50 ms each. The best of a
 * few runs is asserted, and only outside valgrind, whose slowdown says
 * nothing about the code. */
static void
test_performance (void)
{
  const guint n = 10000000;
  const double limit_ms = 50.0;
  g_autoptr(GTimer) timer = g_timer_new ();
  g_autoptr(LightlyBitMask) a = lightly_bit_mask_new ();
  g_autoptr(LightlyBitMask) b = lightly_bit_mask_new ();
  g_autoptr(LightlyBitMask) reference = NULL;
  g_autofree char *text = NULL;
  double t_union = G_MAXDOUBLE, t_invert = G_MAXDOUBLE, t_count = G_MAXDOUBLE;
  double t_to_hex, t_from_hex, t_indices;
  guint count = 0;

  for (guint i = 0; i < n; i += 3)
    lightly_bit_mask_set_bit (a, i);
  for (guint i = 0; i < n; i += 5)
    lightly_bit_mask_set_bit (b, i);
  reference = lightly_bit_mask_copy (a);

  for (int rep = 0; rep < 3; rep++)
    {
      g_timer_start (timer);
      lightly_bit_mask_union (a, b);
      t_union = MIN (t_union, g_timer_elapsed (timer, NULL) * 1000);

      g_timer_start (timer);
      lightly_bit_mask_invert (a, n);
      t_invert = MIN (t_invert, g_timer_elapsed (timer, NULL) * 1000);

      g_timer_start (timer);
      count = lightly_bit_mask_count (a);
      t_count = MIN (t_count, g_timer_elapsed (timer, NULL) * 1000);

      lightly_bit_mask_invert (a, n);
    }

  /* |multiples of 3 or 5 below n| by inclusion–exclusion, then inverted. */
  g_assert_cmpuint (count, ==, n - ((n + 2) / 3 + (n + 4) / 5 - (n + 14) / 15));

  g_timer_start (timer);
  text = lightly_bit_mask_to_hex (reference);
  t_to_hex = g_timer_elapsed (timer, NULL) * 1000;
  g_timer_start (timer);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(LightlyBitMask) back = lightly_bit_mask_new_from_hex (text, &error);

    t_from_hex = g_timer_elapsed (timer, NULL) * 1000;
    g_assert_no_error (error);
    g_assert_true (lightly_bit_mask_equal (back, reference));
  }
  g_timer_start (timer);
  {
    gsize n_indices;
    g_autofree guint *indices G_GNUC_UNUSED = lightly_bit_mask_to_indices (reference, &n_indices);

    t_indices = g_timer_elapsed (timer, NULL) * 1000;
    g_assert_cmpuint (n_indices, ==, (n + 2) / 3);
  }

  g_test_message ("10M bits, best of 3: union %.3f ms, invert %.3f ms, count %.3f ms; "
                  "once: to_hex %.3f ms, from_hex %.3f ms, to_indices %.3f ms",
                  t_union, t_invert, t_count, t_to_hex, t_from_hex, t_indices);

  if (RUNNING_ON_VALGRIND)
    {
      g_test_message ("under valgrind: timings not asserted");
      return;
    }
  g_assert_cmpfloat (t_union, <, limit_ms);
  g_assert_cmpfloat (t_invert, <, limit_ms);
  g_assert_cmpfloat (t_count, <, limit_ms);
}

/* The indices of a mask with 600,000 samples (2.4 MB, from huge pages:
 * lightly-memory.c), every third one unset. */
static void
test_indices_large (void)
{
  const guint n = 600000;
  g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new ();
  g_autofree guint *idx = NULL;
  gsize len = 0, j = 0;

  for (guint i = 0; i < n; i++)
    lightly_bit_mask_set_bit (mask, i);
  idx = lightly_bit_mask_to_indices (mask, &len);
  g_assert_cmpuint (len, ==, n);
  g_assert_cmpuint ((guintptr) idx % (2 << 20), ==, 0);
  g_assert_cmpuint (idx[0], ==, 0);
  g_assert_cmpuint (idx[n - 1], ==, n - 1);
  g_clear_pointer (&idx, g_free);
  for (guint i = 0; i < n; i += 3)
    lightly_bit_mask_unset_bit (mask, i);
  idx = lightly_bit_mask_to_indices (mask, &len);
  g_assert_cmpuint (len, ==, n - n / 3);
  for (guint i = 0; i < n; i++)
    if (i % 3 != 0)
      g_assert_cmpuint (idx[j++], ==, i);
  g_assert_cmpuint (j, ==, len);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bit-mask/protocol-examples", test_protocol_examples);
  g_test_add_func ("/bit-mask/parse-lenient", test_parse_lenient);
  g_test_add_func ("/bit-mask/parse-errors", test_parse_errors);
  g_test_add_func ("/bit-mask/bin", test_bin);
  g_test_add_func ("/bit-mask/from-length", test_from_length);
  g_test_add_func ("/bit-mask/indices-large", test_indices_large);
  g_test_add_func ("/bit-mask/from-indices", test_from_indices);
  g_test_add_func ("/bit-mask/set-algebra", test_set_algebra);
  g_test_add_func ("/bit-mask/invert", test_invert);
  g_test_add_func ("/bit-mask/bits", test_bits);
  g_test_add_func ("/bit-mask/equal-hash-copy", test_equal_hash_copy);
  g_test_add_func ("/bit-mask/boxed", test_boxed);
  g_test_add_func ("/bit-mask/masked-select", test_masked_select);
  g_test_add_func ("/bit-mask/random-reference", test_random_reference);
  g_test_add_func ("/bit-mask/5678-round-trip", test_5678_round_trip);
  g_test_add_func ("/bit-mask/performance", test_performance);
  return g_test_run ();
}
