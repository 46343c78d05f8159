// The error domain and sampling-method names through GJS.
import GLib from 'gi://GLib';
import Lightly from 'gi://Lightly?version=1.0';
import {check, checkThrows, test, finish} from './harness.js';

test('domain', () => {
    check(GLib.quark_to_string(Lightly.error_quark()) === 'lightly-error-quark', 'quark name');
    check(Lightly.Error.BUSY === 2, 'BUSY value');
});

test('method names', () => {
    check(Lightly.sampling_method_to_string(Lightly.SamplingMethod.CORAL) === 'CORAL', 'to_string');
    check(Lightly.sampling_method_from_string('coreset') === Lightly.SamplingMethod.CORESET, 'from_string');
    checkThrows(() => Lightly.sampling_method_from_string('KMEANS'),
        Lightly.error_quark(), Lightly.Error.INVALID_INPUT, 'unknown name');
});

finish();
