import Lightly from 'gi://Lightly?version=1.0';
import System from 'system';

const m = Lightly.sampling_method_from_string('CORAL');
if (m !== Lightly.SamplingMethod.CORAL)
    System.exit(1);
print(`GJS: method ${Lightly.sampling_method_to_string(m)}`);
