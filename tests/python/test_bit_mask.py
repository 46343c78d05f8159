#!/usr/bin/python3
"""LightlyBitMask through PyGObject: protocol §3.1/§3.2."""
import random
import unittest

import gi
gi.require_version('Lightly', '1.0')
from gi.repository import GLib, GObject, Lightly  # noqa: E402


def from_hex(text):
    return Lightly.BitMask.new_from_hex(text)


class BitMaskTest(unittest.TestCase):
    def assertInvalid(self, fn, *fragments):
        with self.assertRaises(GLib.Error) as cm:
            fn()
        self.assertTrue(cm.exception.matches(Lightly.error_quark(), Lightly.Error.INVALID_INPUT),
                        cm.exception)
        for fragment in fragments:
            self.assertIn(fragment, cm.exception.message)

    def test_protocol_examples(self):
        self.assertEqual(from_hex('0x5').to_indices(), [0, 2])
        for spelling in ('0x59', '0x0059', '59', '0X59'):
            mask = from_hex(spelling)
            self.assertEqual(mask.to_indices(), [0, 3, 4, 6], spelling)
            self.assertEqual(mask.to_hex(), '0x59', spelling)
        self.assertEqual(Lightly.BitMask.new_from_length(10).to_hex(), '0x3ff')
        f = from_hex('0xf')
        f.difference(from_hex('0x5'))
        self.assertEqual(f.to_hex(), '0xa')

    def test_constructors(self):
        self.assertEqual(Lightly.BitMask().to_hex(), '0x0')
        self.assertEqual(Lightly.BitMask.new().to_bin(), '0b0')
        self.assertTrue(Lightly.BitMask.new().is_empty())
        self.assertEqual(Lightly.BitMask.new_from_bin('0b101').to_indices(), [0, 2])
        self.assertEqual(Lightly.BitMask.new_from_bin('0B0101').to_bin(), '0b101')
        self.assertEqual(Lightly.BitMask.new_from_indices([130, 3, 0, 3]).to_indices(), [0, 3, 130])
        self.assertEqual(Lightly.BitMask.new_from_indices([]).to_indices(), [])
        self.assertEqual(Lightly.BitMask.new_from_length(0).to_hex(), '0x0')
        self.assertEqual(Lightly.BitMask.new_from_length(65).to_hex(), hex(2 ** 65 - 1))
        with self.assertRaises(OverflowError):
            Lightly.BitMask.new_from_indices([-1])

    def test_parse_errors(self):
        self.assertInvalid(lambda: from_hex(''), 'no digits')
        self.assertInvalid(lambda: from_hex('0x'), 'no digits', '“0x”')
        self.assertInvalid(lambda: from_hex('0x5g'), '“g”', 'index 3')
        self.assertInvalid(lambda: from_hex('-0x5'), '“-”', 'index 0')
        self.assertInvalid(lambda: from_hex('0xü'), '“ü”', 'index 2')
        self.assertInvalid(lambda: Lightly.BitMask.new_from_bin('0b102'), '“2”', 'index 4')
        self.assertInvalid(lambda: Lightly.BitMask.new_from_bin('0b'), 'no digits')

    def test_algebra_in_place(self):
        a = from_hex('0xc')
        u = a.copy()
        u.union(from_hex('0x5'))
        self.assertEqual(u.to_hex(), '0xd')
        i = a.copy()
        i.intersection(from_hex('0x5'))
        self.assertEqual(i.to_hex(), '0x4')
        d = a.copy()
        d.difference(from_hex('0x5'))
        self.assertEqual(d.to_hex(), '0x8')
        self.assertEqual(a.to_hex(), '0xc')
        a.invert(6)
        self.assertEqual(a.to_hex(), '0x33')
        big = from_hex('0x1' + '0' * 40)
        big.invert(8)
        self.assertEqual(big.to_hex(), '0xff')

    def test_bits(self):
        m = Lightly.BitMask()
        self.assertFalse(m.get_bit(5677))
        m.set_bit(5677)
        m.set_bit(1)
        self.assertTrue(m.get_bit(5677))
        self.assertEqual(m.count(), 2)
        self.assertEqual(m.get_bit_length(), 5678)
        m.unset_bit(5677)
        m.unset_bit(10 ** 6)
        self.assertEqual(m.to_hex(), '0x2')
        self.assertEqual(m.get_bit_length(), 2)
        self.assertFalse(m.is_empty())

    def test_equal_hash_copy(self):
        a = from_hex('0x59')
        wide = Lightly.BitMask()
        wide.set_bit(100000)
        wide.unset_bit(100000)
        wide.union(a)
        self.assertTrue(a.equal(wide))
        self.assertEqual(a.hash(), wide.hash())
        c = a.copy()
        c.set_bit(1)
        self.assertFalse(c.equal(a))
        self.assertEqual(a.to_hex(), '0x59')

    def test_gvalue(self):
        mask = from_hex('0x59')
        value = GObject.Value(Lightly.BitMask, mask)
        self.assertEqual(value.get_value().to_hex(), '0x59')
        self.assertEqual(Lightly.BitMask.__gtype__.name, 'LightlyBitMask')

    def test_masked_select(self):
        # The docstring of lightly >= 1.1.16: bit 0 is the first name.
        mask = Lightly.BitMask.new_from_bin('0b0101')
        self.assertEqual(mask.masked_select(['4', '7', '9', '1']), ['4', '9'])
        self.assertEqual(Lightly.BitMask().masked_select([]), [])
        self.assertInvalid(lambda: Lightly.BitMask.new_from_length(5).masked_select(['a', 'b', 'c', 'd']),
                           'bit 4', 'only 4 names')

    def test_random_against_python_int(self):
        rng = random.Random(1234)
        for _ in range(100):
            x = rng.getrandbits(rng.randrange(0, 5679))
            y = rng.getrandbits(rng.randrange(0, 5679))
            a, b = from_hex(hex(x)), from_hex(hex(y))
            self.assertEqual(a.to_hex(), hex(x))
            self.assertEqual(a.to_bin(), bin(x))
            self.assertEqual(a.count(), bin(x).count('1'))
            self.assertEqual(a.get_bit_length(), x.bit_length())
            self.assertEqual(a.to_indices(), [i for i in range(x.bit_length()) if x >> i & 1])
            op = rng.randrange(4)
            if op == 0:
                a.union(b)
                x |= y
            elif op == 1:
                a.intersection(b)
                x &= y
            elif op == 2:
                a.difference(b)
                x &= ~y
            else:
                n = rng.randrange(0, 5700)
                a.invert(n)
                x = (x ^ (2 ** n - 1)) & (2 ** n - 1)
            self.assertEqual(a.to_hex(), hex(x))


if __name__ == '__main__':
    unittest.main()
