#!/usr/bin/python3
"""Full-disk test: writes fail with a clear error, earlier data stays intact.

No mount needed: `lightly-al serve` (and, for the embedded store, the CLI)
runs with RLIMIT_FSIZE a little above the store's current files and SIGXFSZ
ignored, so every write past the limit fails with EFBIG, as on a full disk.
Then:
  - an embeddings upload over http and into the embedded store fails with
    exit code 1 and a message that says what failed (no signal, no crash);
  - the server stays up and serves the earlier tags and embeddings;
  - after a restart without the limit, the store passes the crash checks
    (rel_common.check_store: integrity, the ledger of hashes, no .tmp) and
    the same upload succeeds.

  tests/reliability/fulldisk.py          (meson suite 'reliability')
"""
import os
import resource
import shutil
import signal
import sys
import subprocess
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rel_common as rc  # noqa: E402

LIMIT_SLACK = 48 * 1024

# What a clear error names: the failing write, in the words errno gives it.
CLEAR = ('too large', 'no space', 'disk', 'full', 'write', 'could not')


def limited(limit):
    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def largest_file(top):
    return max(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(top) for f in fs)


def expect_clear_failure(what, code, err):
    if code < 0:
        raise rc.CheckFailed('%s died of signal %d' % (what, -code))
    if code != 1:
        raise rc.CheckFailed('%s under a full disk exited %d, not 1: %s' % (what, code, err))
    line = err.strip().splitlines()[-1] if err.strip() else ''
    if not line.startswith('lightly-al: ') or not any(w in line.lower() for w in CLEAR):
        raise rc.CheckFailed('%s: unclear error %r' % (what, line))
    print('%s fails clearly: %s' % (what, line), flush=True)


def main():
    if not rc.LIGHTLY_AL:
        print('set LIGHTLY_TEST_LIGHTLY_AL')
        return 2
    tmp = tempfile.mkdtemp(prefix='lightly-full-')
    store = os.path.join(tmp, 'store')
    csv = os.path.join(tmp, 'emb.csv')
    big = os.path.join(tmp, 'big.csv')
    rc.make_csv(csv, 1000, 32, 3)
    rc.make_csv(big, 1000, 256, 4)  # the same names, a larger file
    server = rc.Server(store).start()
    try:
        env = server.env_for_client()
        for argv in (['create-dataset', 'ds'], ['register-samples', '-d', 'ds', csv],
                     ['upload-embeddings', '-d', 'ds', csv],
                     ['query', '-d', 'ds', '-m', 'RANDOM', '-n', '50', '--name', 'sel-first']):
            code, _, err = rc.cli(env, *argv)
            if code != 0:
                raise rc.CheckFailed('setup %s: %s' % (argv[0], err))
        code, before, _ = rc.cli(env, 'export', '-d', 'ds', '--tag', 'sel-first')
        server.stop()
        ledger = rc.check_store(store, {})

        # The disk is full: nothing may grow past the largest file by much.
        limit = largest_file(store) + LIMIT_SLACK
        print('RLIMIT_FSIZE %d bytes' % limit, flush=True)
        tmpdir = os.path.join(tmp, 'spool')
        os.mkdir(tmpdir)
        full_env = dict(os.environ, TMPDIR=tmpdir)
        server = rc.Server(store, preexec_fn=limited(limit), env=full_env).start()
        env = server.env_for_client()
        code, _, err = rc.cli(env, 'upload-embeddings', '-d', 'ds', '--name', 'big', big)
        expect_clear_failure('upload-embeddings over http', code, err)
        if not server.alive():
            raise rc.CheckFailed('the server died on a full disk')
        code, after, err = rc.cli(env, 'export', '-d', 'ds', '--tag', 'sel-first')
        if code != 0 or after != before:
            raise rc.CheckFailed('earlier tag unreadable on a full disk: %d %s' % (code, err))
        code, out, err = rc.cli(env, 'query', '-d', 'ds', '-m', 'RANDOM', '-n', '80', '--name', 'sel-full')
        if code != 0:
            expect_clear_failure('query over http', code, err)
        server.stop()

        # The embedded store, written by the CLI itself under the limit.
        loc = 'file://' + store
        p = subprocess.run(
            [rc.LIGHTLY_AL, 'upload-embeddings', '-l', loc, '-d', 'ds', '--name', 'big', big],
            env=full_env, capture_output=True, text=True, preexec_fn=limited(limit), timeout=120)
        expect_clear_failure('upload-embeddings into the embedded store', p.returncode, p.stderr)

        # Room again: the store is whole and the write now succeeds.
        server = rc.Server(store).start()
        env = server.env_for_client()
        ledger = rc.check_store(store, ledger)
        code, after, err = rc.cli(env, 'export', '-d', 'ds', '--tag', 'sel-first')
        if code != 0 or after != before:
            raise rc.CheckFailed('earlier tag changed after a full disk: %s' % err)
        code, _, err = rc.cli(env, 'upload-embeddings', '-d', 'ds', '--name', 'big', big)
        if code != 0:
            raise rc.CheckFailed('upload after the disk has room again: %s' % err)
        leftovers = os.listdir(tmpdir)
        if leftovers:
            raise rc.CheckFailed('spool files left in $TMPDIR: %r' % leftovers)
        server.stop()
        server.check_sanitizers()
        rc.check_store(store, ledger)
        print('full-disk test: ok', flush=True)
        return 0
    except rc.CheckFailed as e:
        print('full-disk test FAILED: %s (kept %s)' % (e, tmp), flush=True)
        tmp = None
        return 1
    finally:
        server.kill()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
