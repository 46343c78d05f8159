#!/usr/bin/python3
"""Peak memory of `lightly-al serve` for one large score upload (issue 12).

Usage: scores-memory.py LIGHTLY_AL [N_SAMPLES] [BYTES_PER_VALUE]

Makes a store with N_SAMPLES samples (default 5,000,000) and an initial tag,
restarts the server (so its peak RSS starts fresh), uploads one score per
sample as a JSON body, and prints the body size, the server's peak RSS
(VmHWM) before and after, and their ratio to the body. BYTES_PER_VALUE picks
how each score is written: 20 is a float printed with 17 digits (the
common case); 2 sends the worst case, 100 MiB of "0," (52 M values, which
the server must refuse without holding 8 bytes for each).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request


def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def start(tool, store, port):
    proc = subprocess.Popen([tool, "serve", "-s", store, "-p", str(port), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    return proc


def call(base, token, method, path, body=None):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(f"{base}{path}?token={token}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def main():
    tool = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000_000
    width = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    port = 18900 + os.getpid() % 90
    base = f"http://127.0.0.1:{port}"
    store = tempfile.mkdtemp(prefix="lightly-mem-")
    try:
        proc = start(tool, store, port)
        token = open(os.path.join(store, "token")).read().strip()
        _, body = call(base, token, "POST", "/v1/datasets", {"name": "mem"})
        ds = json.loads(body)["id"]
        for start_i in range(0, n, 1_000_000):
            names = [f"s{i:08d}.png" for i in range(start_i, min(n, start_i + 1_000_000))]
            status, body = call(base, token, "POST", f"/v1/datasets/{ds}/samples/bulk", names)
            assert status == 200, body
        status, body = call(base, token, "POST", f"/v1/datasets/{ds}/tags/initial", {})
        assert status == 200, body
        tag = json.loads(body)["id"]
        proc.terminate()
        proc.wait()

        proc = start(tool, store, port)
        if width <= 2:
            # The worst case: 100 MiB of "0," (far more values than the
            # tag has members; the answer is 400, the peak is the point).
            count = 50 * 2**20
            scores = b"0," * (count - 1) + b"0"
        else:
            value = b"0.12345678901234567"[: width - 1]
            scores = b",".join([value] * n)
        payload = b'{"scoreType":"uncertainty_margin","scores":[' + scores + b"]}"
        del scores
        before = vm_hwm(proc.pid)
        t0 = time.monotonic()
        status, body = call(base, token, "POST", f"/v1/datasets/{ds}/tags/{tag}/scores", payload)
        elapsed = time.monotonic() - t0
        after = vm_hwm(proc.pid)
        size = len(payload)
        print(f"status {status} {body[:120]!r}")
        print(f"body {size / 2**20:.1f} MiB, {n} values; peak RSS {before / 2**20:.1f} MiB at start, "
              f"{after / 2**20:.1f} MiB after ({(after - before) / size:.2f}x the body over the start, "
              f"{after / size:.2f}x in all); {elapsed:.1f} s")
        proc.terminate()
        proc.wait()
    finally:
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    main()
