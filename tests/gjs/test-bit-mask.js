// LightlyBitMask through GJS: protocol §3.1/§3.2.
import GObject from 'gi://GObject';
import Lightly from 'gi://Lightly?version=1.0';
import {check, checkThrows, test, finish} from './harness.js';

const Q = Lightly.error_quark();
const INVALID = Lightly.Error.INVALID_INPUT;
const hex = s => Lightly.BitMask.new_from_hex(s);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function checkMessage(fn, fragments, what) {
    checkThrows(fn, Q, INVALID, what);
    try {
        fn();
    } catch (e) {
        for (const f of fragments)
            check(e.message.includes(f), `${what}: “${f}” in “${e.message}”`);
    }
}

test('protocol examples', () => {
    check(same(hex('0x5').to_indices(), [0, 2]), '0x5 → [0, 2]');
    for (const s of ['0x59', '0x0059', '59', '0X59']) {
        check(same(hex(s).to_indices(), [0, 3, 4, 6]), `${s} → [0, 3, 4, 6]`);
        check(hex(s).to_hex() === '0x59', `${s} canonical`);
    }
    check(Lightly.BitMask.new_from_length(10).to_hex() === '0x3ff', 'all of 10');
    const f = hex('0xf');
    f.difference(hex('0x5'));
    check(f.to_hex() === '0xa', '0xf − 0x5');
});

test('constructors', () => {
    check(new Lightly.BitMask().to_hex() === '0x0', 'new Lightly.BitMask()');
    check(Lightly.BitMask.new().to_bin() === '0b0', 'new() to_bin');
    check(Lightly.BitMask.new().is_empty(), 'empty');
    check(same(Lightly.BitMask.new_from_bin('0b101').to_indices(), [0, 2]), 'from_bin');
    check(Lightly.BitMask.new_from_bin('0B0101').to_bin() === '0b101', 'to_bin canonical');
    check(same(Lightly.BitMask.new_from_indices([130, 3, 0, 3]).to_indices(), [0, 3, 130]), 'from_indices');
    check(same(Lightly.BitMask.new_from_indices([]).to_indices(), []), 'from_indices empty');
    check(Lightly.BitMask.new_from_length(64).to_hex() === '0xffffffffffffffff', 'from_length 64');
});

test('parse errors', () => {
    checkMessage(() => hex(''), ['no digits'], 'empty hex');
    checkMessage(() => hex('0x'), ['no digits', '“0x”'], 'bare prefix');
    checkMessage(() => hex('0x5g'), ['“g”', 'index 3'], 'bad digit');
    checkMessage(() => hex('-0x5'), ['“-”', 'index 0'], 'sign');
    checkMessage(() => Lightly.BitMask.new_from_bin('0b102'), ['“2”', 'index 4'], 'bad bin digit');
});

test('algebra in place', () => {
    const a = hex('0xc');
    const u = a.copy();
    u.union(hex('0x5'));
    check(u.to_hex() === '0xd', 'union');
    const i = a.copy();
    i.intersection(hex('0x5'));
    check(i.to_hex() === '0x4', 'intersection');
    const d = a.copy();
    d.difference(hex('0x5'));
    check(d.to_hex() === '0x8', 'difference');
    check(a.to_hex() === '0xc', 'operand unchanged');
    a.invert(6);
    check(a.to_hex() === '0x33', 'invert');
    const big = hex(`0x1${'0'.repeat(40)}`);
    big.invert(8);
    check(big.to_hex() === '0xff', 'invert clears high bits');
});

test('bits', () => {
    const m = new Lightly.BitMask();
    check(!m.get_bit(5677), 'clear beyond width');
    m.set_bit(5677);
    m.set_bit(1);
    check(m.get_bit(5677), 'set grows');
    check(m.count() === 2, 'count');
    check(m.get_bit_length() === 5678, 'bit length');
    m.unset_bit(5677);
    m.unset_bit(1000000);
    check(m.to_hex() === '0x2', 'unset');
    check(!m.is_empty(), 'not empty');
});

test('equal, hash, copy, GType', () => {
    const a = hex('0x59');
    const wide = new Lightly.BitMask();
    wide.set_bit(100000);
    wide.unset_bit(100000);
    wide.union(a);
    check(a.equal(wide), 'equal regardless of width');
    check(a.hash() === wide.hash(), 'hash');
    const c = a.copy();
    c.set_bit(1);
    check(!c.equal(a) && a.to_hex() === '0x59', 'copy independent');
    // GJS 1.74 cannot put a boxed into a GObject.Value (set_boxed takes a
    // gpointer); C and Python test the GValue path.
    check(GObject.type_is_a(Lightly.BitMask.$gtype, GObject.TYPE_BOXED), 'boxed GType');
    check(Lightly.BitMask.$gtype.name === 'LightlyBitMask', 'GType name');
});

test('masked select', () => {
    const mask = Lightly.BitMask.new_from_bin('0b0101');
    check(same(mask.masked_select(['4', '7', '9', '1']), ['4', '9']), 'docstring example');
    check(same(new Lightly.BitMask().masked_select([]), []), 'empty');
    checkMessage(() => Lightly.BitMask.new_from_length(5).masked_select(['a', 'b', 'c', 'd']),
        ['bit 4', 'only 4 names'], 'bit beyond the list');
});

test('random against BigInt', () => {
    let seed = 42;
    const rnd = n => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
    };
    const randomBig = bits => {
        let x = 0n;
        for (let i = 0; i < bits; i++)
            x = (x << 1n) | BigInt(rnd(2));
        return x;
    };
    const h = x => `0x${x.toString(16)}`;
    for (let round = 0; round < 50; round++) {
        let x = randomBig(rnd(2000));
        const y = randomBig(rnd(2000));
        const a = hex(h(x));
        const b = hex(h(y));
        check(a.to_hex() === h(x), 'to_hex');
        check(a.to_bin() === `0b${x.toString(2)}`, 'to_bin');
        switch (rnd(4)) {
        case 0: a.union(b); x |= y; break;
        case 1: a.intersection(b); x &= y; break;
        case 2: a.difference(b); x &= ~y; break;
        default: {
            const n = rnd(2100);
            const ones = (1n << BigInt(n)) - 1n;
            a.invert(n);
            x = (x ^ ones) & ones;
        }
        }
        check(a.to_hex() === h(x), `round ${round}`);
        const indices = [];
        for (let i = 0; x >> BigInt(i) > 0n; i++) {
            if ((x >> BigInt(i)) & 1n)
                indices.push(i);
        }
        check(same(a.to_indices(), indices), `indices round ${round}`);
        check(a.count() === indices.length, `count round ${round}`);
    }
});

finish();
