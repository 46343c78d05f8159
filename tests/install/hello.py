import gi
gi.require_version('Lightly', '1.0')
from gi.repository import Lightly

m = Lightly.sampling_method_from_string('CORAL')
assert m == Lightly.SamplingMethod.CORAL
print('Python: method', Lightly.sampling_method_to_string(m))
