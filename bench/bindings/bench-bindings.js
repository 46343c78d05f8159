// The GJS side of bench/bindings/run.sh: the same two calls as
// bench-bindings.c, through lightly.js (Float32Array in, Float64Array out).
// Prints "scorer_ms upload_ms" (best of several runs).
//
// Blocking calls, as the C baseline makes: under the memory pressure of
// these arrays GJS 1.74 can block an AsyncReadyCallback as "a JS callback
// during garbage collection", and the awaited promise never settles
// (seen 2 times in 9 runs here). tests/ and the tutorials cover the
// awaited calls.
import GLib from 'gi://GLib';
import System from 'system';

const N = 100000, C = 10, D = 128;
const [storeDir, modulePath] = ARGV;
const probs = new Float32Array(N * C);
const emb = new Float32Array(N * D);
const names = [];
for (let i = 0; i < N; i++) {
    names.push(`img-${String(i).padStart(6, '0')}.png`);
    for (let j = 0; j < C; j++)
        probs[i * C + j] = ((i * 31 + j * 17) % 97 + 1) / 100;
    for (let j = 0; j < D; j++)
        emb[i * D + j] = (((i * 7 + j * 13) % 101) - 50) / 50;
}

const {default: Lightly, floatBytes, scoreValues} = await import(GLib.filename_to_uri(modulePath, null));
const client = Lightly.ApiWorkflowClient.new(GLib.filename_to_uri(storeDir, null), null, null);
client.create_dataset('bench-js', null);
client.register_samples_from_names(names, null);

// The C baseline frees its GBytes, scorer and scores inside each run; GJS
// frees them at the next garbage collection, and until then every run
// writes into fresh pages, whose first-touch faults cost more than the
// copy itself (4 MB: ~25 ms here instead of ~0.5 ms). Collecting between
// runs, outside the timing, compares the calls, not the GC.
let bestScorer = Infinity, bestUpload = Infinity;
for (let run = 0; run < 20; run++) {  // SCORER_RUNS in bench-bindings.c
    System.gc();
    const t0 = GLib.get_monotonic_time();
    const scorer = Lightly.ScorerClassification.new_from_bytes(floatBytes(probs), N, C);
    scoreValues(scorer.calculate_scores(), 'uncertainty_margin');
    bestScorer = Math.min(bestScorer, (GLib.get_monotonic_time() - t0) / 1000);
}
for (let run = 0; run < 3; run++) {
    System.gc();
    const t0 = GLib.get_monotonic_time();
    client.upload_embeddings_from_bytes(names, floatBytes(emb), N, D, `js-${run}`, null);
    bestUpload = Math.min(bestUpload, (GLib.get_monotonic_time() - t0) / 1000);
}
print(`${bestScorer.toFixed(1)} ${bestUpload.toFixed(1)}`);
