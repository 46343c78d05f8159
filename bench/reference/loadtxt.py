#!/usr/bin/python3
"""numpy.loadtxt (and pandas.read_csv, if installed) on an embeddings CSV,
for bench/bench-csv.c: python3 bench/reference/loadtxt.py FILE.csv [REPEAT]"""
import sys
import time

import numpy as np

path = sys.argv[1]
repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
with open(path) as f:
    n_cols = f.readline().count(",") + 1
# Wall and CPU seconds (process_time): on a shared machine the wall time
# measures the other tenants as much as the parser.
def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def best_of(fn):
    runs = [timed(fn) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


wall, cpu = best_of(lambda: np.loadtxt(path, delimiter=",", skiprows=1,
                                       usecols=range(1, n_cols - 1), dtype=np.float32))
print(f"numpy {np.__version__} loadtxt: {wall:.3f} s wall, {cpu:.3f} s CPU (minima of {repeat})")
try:
    import pandas as pd

    # pandas' fastest way to what the parser gives (the names and a float32
    # matrix) with Debian's pandas (no pyarrow): the C engine told that the
    # embedding columns are float32, so that it neither infers types nor
    # keeps float64 (measured on 100k x 128: 1.24 s against 1.40 s for
    # read_csv's defaults and a conversion after).
    columns = pd.read_csv(path, nrows=0).columns
    dtypes = {c: np.float32 for c in columns[1:n_cols - 1]}

    def pandas_read():
        frame = pd.read_csv(path, dtype=dtypes)
        return frame.iloc[:, 0].to_numpy(), frame.iloc[:, 1:n_cols - 1].to_numpy()

    wall, cpu = best_of(pandas_read)
    print(f"pandas {pd.__version__} read_csv: {wall:.3f} s wall, {cpu:.3f} s CPU (minima of {repeat})")
except ImportError:
    print("pandas: not installed")
