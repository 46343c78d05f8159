/* lightly-bit-mask.c: LightlyBitMask, a tag's membership as an arbitrary-width bit set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "lightly-bit-mask-private.h"
#include "lightly-error.h"
#include "lightly-memory-private.h"

/**
 * LightlyBitMask:
 *
 * The membership of a tag: bit *i* is set when sample *i* of the dataset's
 * file-name list (the mapping order, [protocol](protocol.html) §3.1) belongs to the tag.
 *
 * A bit mask is a boxed value type with copy semantics: bindings copy it
 * whenever they take ownership, and [method@Lightly.BitMask.copy] gives an
 * independent mask. Its width is arbitrary and grows as bits are set; two
 * masks are equal when they hold the same set, whatever memory they use.
 *
 * On the wire a mask is Python's `hex()` of the integer whose bit *k* (least
 * significant first) is sample *k*: `"0x5"` holds samples 0 and 2, the empty
 * set is `"0x0"`. [ctor@Lightly.BitMask.new_from_hex] parses leniently (an
 * optional `0x`/`0X` prefix, either case, leading zeros), and
 * [method@Lightly.BitMask.to_hex] writes the canonical form.
 *
 * The set operations ([method@Lightly.BitMask.union],
 * [method@Lightly.BitMask.intersection], [method@Lightly.BitMask.difference],
 * [method@Lightly.BitMask.invert]) change the mask in place, a word at a time.
 */

#define BITS_PER_WORD 64

struct _LightlyBitMask
{
  /* words[0] holds bits 0…63. Words at or above n_words are not part of the
   * value; words below it may be zero, so the width of the value is found by
   * top_word(), never assumed from n_words. */
  guint64 *words;
  gsize    n_words;
  gsize    alloc;
};

G_DEFINE_BOXED_TYPE (LightlyBitMask, lightly_bit_mask, lightly_bit_mask_copy, lightly_bit_mask_free)

/* The number of words up to and including the highest non-zero one. */
static gsize
used_words (const LightlyBitMask *self)
{
  gsize n = self->n_words;

  while (n > 0 && self->words[n - 1] == 0)
    n--;
  return n;
}

/* Makes words[0 … n) valid, the new ones zero. */
static void
ensure_words (LightlyBitMask *self,
              gsize           n)
{
  if (n <= self->n_words)
    return;
  if (n > self->alloc)
    {
      gsize alloc = MAX (n, self->alloc * 2);

      self->words = g_renew (guint64, self->words, alloc);
      self->alloc = alloc;
    }
  memset (self->words + self->n_words, 0, (n - self->n_words) * sizeof (guint64));
  self->n_words = n;
}

static gsize
words_for_bits (guint64 n_bits)
{
  return (gsize) ((n_bits + BITS_PER_WORD - 1) / BITS_PER_WORD);
}

/**
 * lightly_bit_mask_new:
 *
 * Creates an empty mask, the set with no samples (`"0x0"`).
 *
 * Returns: (transfer full): a new mask
 */
LightlyBitMask *
lightly_bit_mask_new (void)
{
  return g_new0 (LightlyBitMask, 1);
}

/* A rendering of user input that is safe to put into an error message: valid
 * UTF-8, and short. */
static char *
quote_input (const char *text)
{
  const gsize max_chars = 40;

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_autofree char *head = g_strndup (text, max_chars);
      g_autofree char *escaped = g_strescape (head, NULL);

      return g_strdup_printf ("“%s%s”", escaped, strlen (text) > max_chars ? "…" : "");
    }
  if (g_utf8_strlen (text, max_chars * 6 + 1) > (glong) max_chars)
    {
      g_autofree char *head = g_utf8_substring (text, 0, max_chars);

      return g_strdup_printf ("“%s…”", head);
    }
  return g_strdup_printf ("“%s”", text);
}

/* The character at p, for an error message. */
static char *
describe_char (const char *p)
{
  gunichar c = g_utf8_get_char_validated (p, -1);

  if (c == (gunichar) -1 || c == (gunichar) -2)
    return g_strdup_printf ("byte 0x%02x", (guint) (guchar) *p);
  if (g_unichar_isprint (c))
    {
      char buf[8] = { 0 };

      g_unichar_to_utf8 (c, buf);
      return g_strdup_printf ("character “%s”", buf);
    }
  return g_strdup_printf ("character U+%04X", c);
}

static int
digit_value (char c,
             guint base)
{
  int v;

  if (c >= '0' && c <= '9')
    v = c - '0';
  else if (c >= 'a' && c <= 'f')
    v = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F')
    v = c - 'A' + 10;
  else
    return -1;
  return v < (int) base ? v : -1;
}

/* Parses Python's int(text, 16) or int(text, 2) for the non-negative forms
 * Lightly sends: an optional prefix (0x/0X or 0b/0B), digits of either case,
 * leading zeros. Signs, blanks and underscores are refused, because no
 * Lightly client or server writes them. */
static LightlyBitMask *
parse_digits (const char  *text,
              guint        bits_per_digit,
              GError     **error)
{
  const guint base = 1u << bits_per_digit;
  const char prefix = bits_per_digit == 4 ? 'x' : 'b';
  const char *what = bits_per_digit == 4 ? "hex" : "binary";
  const char *allowed = bits_per_digit == 4 ? "0-9 and a-f" : "0 and 1";
  const char *digits = text;
  const char *first_significant;
  g_autoptr(LightlyBitMask) self = NULL;
  gsize n_digits;
  guint64 n_bits;

  if (digits[0] == '0' && g_ascii_tolower (digits[1]) == prefix)
    digits += 2;

  if (*digits == '\0')
    {
      g_autofree char *quoted = quote_input (text);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The %s bit mask %s has no digits: write at least one digit, "
                   "for example “0%c0” for the empty set",
                   what, quoted, prefix);
      return NULL;
    }

  for (const char *p = digits; *p != '\0'; p++)
    {
      if (digit_value (*p, base) < 0)
        {
          g_autofree char *quoted = quote_input (text);
          g_autofree char *bad = describe_char (p);

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "Invalid %s digit: %s at index %" G_GSIZE_FORMAT " of the bit mask %s; "
                       "use only %s, optionally after “0%c”",
                       what, bad, (gsize) (p - text), quoted, allowed, prefix);
          return NULL;
        }
    }

  first_significant = digits;
  while (*first_significant == '0')
    first_significant++;
  n_digits = strlen (first_significant);
  n_bits = (guint64) n_digits * bits_per_digit;

  /* Bit indices are guint, so the highest bit must be at most G_MAXUINT. */
  if (n_bits > (guint64) G_MAXUINT + 1)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The %s bit mask has %" G_GSIZE_FORMAT " significant digits, more "
                   "than the %" G_GUINT64_FORMAT " that index at most 2^32 samples",
                   what, n_digits, ((guint64) G_MAXUINT + 1) / bits_per_digit);
      return NULL;
    }

  self = lightly_bit_mask_new ();
  ensure_words (self, words_for_bits (n_bits));

  /* Digit j, counted from the right, holds bits j·b … j·b + b − 1; a digit
   * never straddles two words because b divides 64. */
  for (gsize j = 0; j < n_digits; j++)
    {
      guint64 v = (guint64) digit_value (first_significant[n_digits - 1 - j], base);
      guint64 bit = (guint64) j * bits_per_digit;

      self->words[bit / BITS_PER_WORD] |= v << (bit % BITS_PER_WORD);
    }

  return g_steal_pointer (&self);
}

/**
 * lightly_bit_mask_new_from_hex:
 * @hex: a hexadecimal bit mask such as `"0x59"`
 * @error: return location for a #GError
 *
 * Parses a mask in the wire form of [protocol](protocol.html) §3.1, as leniently as Python's
 * `int(hex, 16)`: the `0x` or `0X` prefix is optional, digits may be upper or
 * lower case, and leading zeros are allowed, so `"0x59"`, `"0X59"`,
 * `"0x0059"` and `"59"` all hold samples 0, 3, 4 and 6. Signs, blanks and
 * underscores are refused.
 *
 * Returns: (transfer full) (nullable): the mask, or %NULL with
 *   %LIGHTLY_ERROR_INVALID_INPUT when @hex is empty or has a character that is
 *   not a hex digit; the message names the character and its index
 */
LightlyBitMask *
lightly_bit_mask_new_from_hex (const char  *hex,
                               GError     **error)
{
  g_return_val_if_fail (hex != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return parse_digits (hex, 4, error);
}

/**
 * lightly_bit_mask_new_from_bin:
 * @bin: a binary bit mask such as `"0b101"`
 * @error: return location for a #GError
 *
 * Parses a mask written in binary, as leniently as Python's `int(bin, 2)`:
 * the `0b` or `0B` prefix is optional and leading zeros are allowed. The
 * rightmost digit is bit 0, so `"0b101"` holds samples 0 and 2.
 *
 * Returns: (transfer full) (nullable): the mask, or %NULL with
 *   %LIGHTLY_ERROR_INVALID_INPUT when @bin is empty or has a character other
 *   than `0` and `1`; the message names the character and its index
 */
LightlyBitMask *
lightly_bit_mask_new_from_bin (const char  *bin,
                               GError     **error)
{
  g_return_val_if_fail (bin != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return parse_digits (bin, 1, error);
}

/**
 * lightly_bit_mask_new_from_length:
 * @n: the number of samples
 *
 * Creates the mask of all @n samples, bits 0 … @n − 1 (`"0x3ff"` for 10).
 *
 * Returns: (transfer full): a new mask
 */
LightlyBitMask *
lightly_bit_mask_new_from_length (guint n)
{
  LightlyBitMask *self = lightly_bit_mask_new ();
  gsize full = n / BITS_PER_WORD;
  guint rest = n % BITS_PER_WORD;

  if (n == 0)
    return self;
  ensure_words (self, words_for_bits (n));
  memset (self->words, 0xff, full * sizeof (guint64));
  if (rest != 0)
    self->words[full] = (G_GUINT64_CONSTANT (1) << rest) - 1;

  return self;
}

/**
 * lightly_bit_mask_new_from_indices:
 * @indices: (array length=n_indices) (nullable): the sample indices to set,
 *   in any order; repeats are allowed
 * @n_indices: the length of @indices
 *
 * Creates the mask that holds exactly the samples @indices.
 *
 * Returns: (transfer full): a new mask
 */
LightlyBitMask *
lightly_bit_mask_new_from_indices (const guint *indices,
                                   gsize        n_indices)
{
  LightlyBitMask *self = lightly_bit_mask_new ();
  guint highest = 0;

  g_return_val_if_fail (indices != NULL || n_indices == 0, self);

  if (n_indices == 0)
    return self;

  for (gsize i = 0; i < n_indices; i++)
    highest = MAX (highest, indices[i]);
  ensure_words (self, (gsize) highest / BITS_PER_WORD + 1);

  for (gsize i = 0; i < n_indices; i++)
    self->words[indices[i] / BITS_PER_WORD] |= G_GUINT64_CONSTANT (1) << (indices[i] % BITS_PER_WORD);

  return self;
}

/**
 * lightly_bit_mask_copy:
 * @self: a mask
 *
 * Copies a mask. The copy is independent: changing one leaves the other as
 * it was.
 *
 * Returns: (transfer full): a new mask equal to @self
 */
LightlyBitMask *
lightly_bit_mask_copy (const LightlyBitMask *self)
{
  LightlyBitMask *copy;
  gsize n;

  g_return_val_if_fail (self != NULL, NULL);

  copy = lightly_bit_mask_new ();
  n = used_words (self);
  if (n > 0)
    {
      copy->words = g_memdup2 (self->words, n * sizeof (guint64));
      copy->n_words = copy->alloc = n;
    }
  return copy;
}

/**
 * lightly_bit_mask_free:
 * @self: (nullable): a mask
 *
 * Frees a mask.
 */
void
lightly_bit_mask_free (LightlyBitMask *self)
{
  if (self == NULL)
    return;
  g_free (self->words);
  g_free (self);
}

/**
 * lightly_bit_mask_equal:
 * @self: a mask
 * @other: another mask
 *
 * Compares two masks by value: they are equal when they hold the same
 * samples, however wide each was built (Python's `BitMask.__eq__`).
 *
 * Returns: %TRUE if @self and @other hold the same samples
 */
gboolean
lightly_bit_mask_equal (const LightlyBitMask *self,
                        const LightlyBitMask *other)
{
  gsize n;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (other != NULL, FALSE);

  n = used_words (self);
  if (n != used_words (other))
    return FALSE;
  return n == 0 || memcmp (self->words, other->words, n * sizeof (guint64)) == 0;
}

/**
 * lightly_bit_mask_hash:
 * @self: a mask
 *
 * A hash of the mask's value, consistent with [method@Lightly.BitMask.equal],
 * for use in hash tables.
 *
 * Returns: the hash
 */
guint
lightly_bit_mask_hash (const LightlyBitMask *self)
{
  guint64 h = G_GUINT64_CONSTANT (14695981039346656037);
  gsize n;

  g_return_val_if_fail (self != NULL, 0);

  n = used_words (self);
  for (gsize i = 0; i < n; i++)
    {
      h ^= self->words[i];
      h *= G_GUINT64_CONSTANT (1099511628211);
    }
  return (guint) (h ^ (h >> 32));
}

static const char hex_digits[] = "0123456789abcdef";

/**
 * lightly_bit_mask_to_hex:
 * @self: a mask
 *
 * Writes the mask in its canonical wire form, Python's `hex()`: `0x`,
 * lowercase digits, no leading zeros, and `"0x0"` for the empty set.
 *
 * Returns: (transfer full): the hex string
 */
char *
lightly_bit_mask_to_hex (const LightlyBitMask *self)
{
  gsize n;
  guint top_digits;
  guint64 top;
  char *out, *p;

  g_return_val_if_fail (self != NULL, NULL);

  n = used_words (self);
  if (n == 0)
    return g_strdup ("0x0");

  top = self->words[n - 1];
  top_digits = (BITS_PER_WORD - (guint) __builtin_clzll (top) + 3) / 4;
  out = g_malloc (2 + top_digits + (n - 1) * 16 + 1);
  p = out;
  *p++ = '0';
  *p++ = 'x';
  for (guint d = top_digits; d > 0; d--)
    *p++ = hex_digits[(top >> (4 * (d - 1))) & 0xf];
  for (gsize i = n - 1; i > 0; i--)
    {
      guint64 w = self->words[i - 1];

      for (guint d = 16; d > 0; d--)
        *p++ = hex_digits[(w >> (4 * (d - 1))) & 0xf];
    }
  *p = '\0';
  return out;
}

/**
 * lightly_bit_mask_to_bin:
 * @self: a mask
 *
 * Writes the mask as Python's `bin()` does: `0b`, no leading zeros, and
 * `"0b0"` for the empty set. The rightmost digit is sample 0.
 *
 * Returns: (transfer full): the binary string
 */
char *
lightly_bit_mask_to_bin (const LightlyBitMask *self)
{
  gsize n;
  guint top_bits;
  guint64 top;
  char *out, *p;

  g_return_val_if_fail (self != NULL, NULL);

  n = used_words (self);
  if (n == 0)
    return g_strdup ("0b0");

  top = self->words[n - 1];
  top_bits = BITS_PER_WORD - (guint) __builtin_clzll (top);
  out = g_malloc (2 + top_bits + (n - 1) * BITS_PER_WORD + 1);
  p = out;
  *p++ = '0';
  *p++ = 'b';
  for (guint b = top_bits; b > 0; b--)
    *p++ = (char) ('0' + ((top >> (b - 1)) & 1));
  for (gsize i = n - 1; i > 0; i--)
    {
      guint64 w = self->words[i - 1];

      for (guint b = BITS_PER_WORD; b > 0; b--)
        *p++ = (char) ('0' + ((w >> (b - 1)) & 1));
    }
  *p = '\0';
  return out;
}

/**
 * lightly_bit_mask_union:
 * @self: the mask to change
 * @other: the samples to add
 *
 * Adds the samples of @other to @self (bitwise OR, in place).
 */
void
lightly_bit_mask_union (LightlyBitMask       *self,
                        const LightlyBitMask *other)
{
  gsize n;

  g_return_if_fail (self != NULL);
  g_return_if_fail (other != NULL);

  n = used_words (other);
  ensure_words (self, n);
  /* Read other->words only after growing: other may be self. */
  for (gsize i = 0; i < n; i++)
    self->words[i] |= other->words[i];
}

/**
 * lightly_bit_mask_intersection:
 * @self: the mask to change
 * @other: the samples to keep
 *
 * Keeps in @self only the samples that are also in @other (bitwise AND, in
 * place).
 */
void
lightly_bit_mask_intersection (LightlyBitMask       *self,
                               const LightlyBitMask *other)
{
  gsize n;

  g_return_if_fail (self != NULL);
  g_return_if_fail (other != NULL);

  n = MIN (self->n_words, other->n_words);
  for (gsize i = 0; i < n; i++)
    self->words[i] &= other->words[i];
  if (self->n_words > n)
    memset (self->words + n, 0, (self->n_words - n) * sizeof (guint64));
}

/**
 * lightly_bit_mask_difference:
 * @self: the mask to change
 * @other: the samples to remove
 *
 * Removes the samples of @other from @self (@self AND NOT @other, in place),
 * so `0xf` minus `0x5` is `0xa`.
 */
void
lightly_bit_mask_difference (LightlyBitMask       *self,
                             const LightlyBitMask *other)
{
  gsize n;

  g_return_if_fail (self != NULL);
  g_return_if_fail (other != NULL);

  n = MIN (self->n_words, other->n_words);
  for (gsize i = 0; i < n; i++)
    self->words[i] &= ~other->words[i];
}

/**
 * lightly_bit_mask_invert:
 * @self: the mask to change
 * @total_size: the number of samples in the dataset
 *
 * Replaces @self by its complement within the first @total_size samples:
 * bits below @total_size flip (XOR with 2^@total_size − 1), and bits at or
 * above @total_size end cleared. Python's `BitMask.invert()` keeps such bits
 * set; they are invalid in a dataset of @total_size samples, so this drops
 * them.
 */
void
lightly_bit_mask_invert (LightlyBitMask *self,
                         guint           total_size)
{
  gsize full = total_size / BITS_PER_WORD;
  guint rest = total_size % BITS_PER_WORD;
  gsize n = words_for_bits (total_size);

  g_return_if_fail (self != NULL);

  ensure_words (self, n);
  for (gsize i = 0; i < full; i++)
    self->words[i] = ~self->words[i];
  if (rest != 0)
    self->words[full] = ~self->words[full] & ((G_GUINT64_CONSTANT (1) << rest) - 1);
  if (self->n_words > n)
    memset (self->words + n, 0, (self->n_words - n) * sizeof (guint64));
  self->n_words = n;
}

/**
 * lightly_bit_mask_get_bit:
 * @self: a mask
 * @k: a sample index
 *
 * Whether sample @k is in the mask. Any @k is allowed: bits beyond the
 * mask's width are clear.
 *
 * Returns: %TRUE if bit @k is set
 */
gboolean
lightly_bit_mask_get_bit (const LightlyBitMask *self,
                          guint                 k)
{
  gsize w = k / BITS_PER_WORD;

  g_return_val_if_fail (self != NULL, FALSE);

  return w < self->n_words && (self->words[w] >> (k % BITS_PER_WORD)) & 1;
}

/**
 * lightly_bit_mask_set_bit:
 * @self: a mask
 * @k: a sample index
 *
 * Adds sample @k to the mask, growing it when @k is beyond its width.
 */
void
lightly_bit_mask_set_bit (LightlyBitMask *self,
                          guint           k)
{
  g_return_if_fail (self != NULL);

  ensure_words (self, (gsize) k / BITS_PER_WORD + 1);
  self->words[k / BITS_PER_WORD] |= G_GUINT64_CONSTANT (1) << (k % BITS_PER_WORD);
}

/**
 * lightly_bit_mask_unset_bit:
 * @self: a mask
 * @k: a sample index
 *
 * Removes sample @k from the mask. Any @k is allowed.
 */
void
lightly_bit_mask_unset_bit (LightlyBitMask *self,
                            guint           k)
{
  gsize w = k / BITS_PER_WORD;

  g_return_if_fail (self != NULL);

  if (w < self->n_words)
    self->words[w] &= ~(G_GUINT64_CONSTANT (1) << (k % BITS_PER_WORD));
}

/**
 * lightly_bit_mask_count:
 * @self: a mask
 *
 * The number of samples in the mask (set bits). It is 64-bit because every
 * index a #guint can hold, 0 … %G_MAXUINT, may be set.
 *
 * Returns: the number of set bits
 */
guint64
lightly_bit_mask_count (const LightlyBitMask *self)
{
  guint64 count = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (gsize i = 0; i < self->n_words; i++)
    count += (guint64) __builtin_popcountll (self->words[i]);
  return count;
}

/**
 * lightly_bit_mask_get_bit_length:
 * @self: a mask
 *
 * The index of the highest set bit plus one, or 0 for the empty mask, like
 * Python's `int.bit_length()`. A mask fits a dataset of N samples when this
 * is at most N. It is 64-bit because bit %G_MAXUINT may be set.
 *
 * Returns: the number of bits needed to write the mask
 */
guint64
lightly_bit_mask_get_bit_length (const LightlyBitMask *self)
{
  gsize n;

  g_return_val_if_fail (self != NULL, 0);

  n = used_words (self);
  if (n == 0)
    return 0;
  return (guint64) (n - 1) * BITS_PER_WORD + (guint64) (BITS_PER_WORD - __builtin_clzll (self->words[n - 1]));
}

/**
 * lightly_bit_mask_is_empty:
 * @self: a mask
 *
 * Whether the mask holds no sample.
 *
 * Returns: %TRUE if no bit is set
 */
gboolean
lightly_bit_mask_is_empty (const LightlyBitMask *self)
{
  g_return_val_if_fail (self != NULL, TRUE);

  return used_words (self) == 0;
}

/**
 * lightly_bit_mask_to_indices:
 * @self: a mask
 * @n_indices: (out): return location for the number of indices
 *
 * The indices of the samples in the mask, ascending (Python's
 * `BitMask.to_indices()`).
 *
 * Returns: (array length=n_indices) (transfer full): the set bit positions
 */
guint *
lightly_bit_mask_to_indices (const LightlyBitMask *self,
                             gsize                *n_indices)
{
  guint *indices = NULL;
  guint64 count;
  gsize j = 0;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n_indices != NULL, NULL);

  /* Never NULL, so bindings see an empty array rather than None. A tag of
   * a large dataset has millions of indices: huge pages. */
  count = MAX (lightly_bit_mask_count (self), 1);
  if (count > G_MAXSIZE / sizeof (guint) ||
      (indices = lightly_memory_try_alloc_large ((gsize) count * sizeof (guint))) == NULL)
    g_error ("%s: failed to allocate %" G_GUINT64_FORMAT " indices", G_STRLOC, count);
  for (gsize i = 0; i < self->n_words; i++)
    {
      guint64 w = self->words[i];

      while (w != 0)
        {
          indices[j++] = (guint) (i * BITS_PER_WORD + (gsize) __builtin_ctzll (w));
          w &= w - 1;
        }
    }
  *n_indices = j;
  return indices;
}

/**
 * lightly_bit_mask_masked_select:
 * @self: a mask
 * @names: (array zero-terminated=1): the dataset's file names in mapping
 *   order
 * @error: return location for a #GError
 *
 * Picks the names of the samples in the mask: `[names[i] for i in
 * to_indices()]`, in ascending index order (Python's
 * `BitMask.masked_select_from_list()` since lightly 1.1.16; bit 0 is the
 * first name, see [protocol](protocol.html) §3.6). With names `[4, 7, 9, 1]` and mask
 * `0b0101` the result is `[4, 9]`.
 *
 * Returns: (array zero-terminated=1) (transfer full) (nullable): the selected
 *   names, or %NULL with %LIGHTLY_ERROR_INVALID_INPUT when a bit at or above
 *   the length of @names is set
 */
char **
lightly_bit_mask_masked_select (const LightlyBitMask *self,
                                const char * const   *names,
                                GError              **error)
{
  guint n_names;
  guint64 bit_length;
  char **selected;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (names != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n_names = g_strv_length ((char **) names);
  bit_length = lightly_bit_mask_get_bit_length (self);
  if (bit_length > n_names)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The bit mask sets bit %" G_GUINT64_FORMAT ", but the list has only "
                   "%u names, so only bits below %u may be set: the mask belongs to a "
                   "larger dataset, or the list of names is incomplete",
                   bit_length - 1, n_names, n_names);
      return NULL;
    }

  selected = lightly_bit_mask_select_borrowed (self, (char * const *) names);
  for (gsize i = 0; selected[i] != NULL; i++)
    selected[i] = g_strdup (selected[i]);
  return selected;
}

char **
lightly_bit_mask_select_borrowed (const LightlyBitMask *self,
                                  char * const         *names)
{
  char **selected = g_new (char *, lightly_bit_mask_count (self) + 1);
  gsize j = 0;

  for (gsize i = 0; i < self->n_words; i++)
    {
      guint64 w = self->words[i];

      while (w != 0)
        {
          selected[j++] = names[i * BITS_PER_WORD + (gsize) __builtin_ctzll (w)];
          w &= w - 1;
        }
    }
  selected[j] = NULL;
  return selected;
}
