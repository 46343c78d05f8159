// lightly.js: the GJS helper module of Lightly-1.0 (an ES module).
//
//   import Lightly, {floatBytes} from 'file:///usr/share/lightly-1.0/gjs/lightly.js';
//   const result = await agent.query_async(config, null, null);
//
// Importing it makes every *_async method of the Lightly namespace that has
// a *_finish twin return a Promise when called without a callback
// (Gio._promisify), and gives floatBytes() for Float32Array → GLib.Bytes.
// It is a thin layer over the typelib: no logic of the library lives here.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Lightly from 'gi://Lightly?version=1.0';

// The async pairs are read from the namespace itself (GJS lists a GI
// prototype's methods), so a new _async/_finish pair is promisified without
// a change here: methods on prototypes, and static pairs such as
// Agent.new_async/new_finish on the classes.
function pairsOf(owner, label) {
    const names = new Set(Object.getOwnPropertyNames(owner));
    const pairs = [];
    for (const name of names) {
        if (!name.endsWith('_async'))
            continue;
        const finish = `${name.slice(0, -'_async'.length)}_finish`;
        if (names.has(finish))
            pairs.push([label, name, finish, owner]);
    }
    return pairs;
}

function asyncPairs() {
    const pairs = [];
    for (const klass of Object.getOwnPropertyNames(Lightly)) {
        const value = Lightly[klass];
        if (typeof value !== 'function' || !value.prototype || !/^[A-Z]/.test(klass))
            continue;
        pairs.push(...pairsOf(value.prototype, klass), ...pairsOf(value, klass));
    }
    return pairs;
}

/** The [class, async method, finish method] triples made promise-aware. */
export const promisified = asyncPairs().map(([klass, method, finish, owner]) => {
    Gio._promisify(owner, method, finish);
    return [klass, method, finish];
});

/**
 * Wraps a typed array (Float32Array for embeddings and predictions) as
 * GLib.Bytes without going through a JS array: one copy of the view's own
 * bytes, from its byteOffset, so a subarray is passed correctly too.
 *
 * @param {Float32Array} array - the values, in row-major order
 * @returns {GLib.Bytes} little-endian float32 bytes (x86 and ARM are little-endian)
 */
export function floatBytes(array) {
    if (!(array instanceof Float32Array))
        throw new TypeError(`floatBytes: expected a Float32Array, got ${array?.constructor?.name ?? typeof array}`);
    // new_take(): GJS 1.74 gives a (transfer full) guint8 array one
    // memcpy into memory the GBytes then owns; new GLib.Bytes() and
    // GLib.Bytes.new() (transfer none) take about 100 times longer for
    // 4 MB (bench/bindings).
    return GLib.Bytes.new_take(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

/**
 * A Float64Array view of a score's values.
 *
 * @param {Lightly.Scores} scores - scores from a scorer
 * @param {string} name - the score's name
 * @returns {Float64Array} the values, one per sample
 */
export function scoreValues(scores, name) {
    const bytes = scores.dup_values_bytes(name);
    if (bytes === null)
        throw new Error(`scoreValues: no score named “${name}”`);
    const data = bytes.toArray();
    return new Float64Array(data.buffer, data.byteOffset, data.byteLength / 8);
}

/**
 * Uploads embeddings from a Float32Array of names.length × dim values.
 *
 * @param {Lightly.ApiWorkflowClient} client - the client
 * @param {string[]} names - one file name per row
 * @param {Float32Array} matrix - the rows, one after the other
 * @param {number} dim - values per row
 * @param {string} name - the embedding's name
 * @param {Gio.Cancellable|null} cancellable - cancels the upload
 * @returns {Promise<string>} the embedding id
 */
export function uploadEmbeddings(client, names, matrix, dim, name, cancellable = null) {
    return client.upload_embeddings_from_bytes_async(names, floatBytes(matrix), names.length, dim,
        name, cancellable);
}

export default Lightly;
