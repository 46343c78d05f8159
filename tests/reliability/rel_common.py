"""Shared helpers of the reliability tests (tests/reliability/*.py).

Plain /usr/bin/python3, no gi: the tests drive `lightly-al` and
`lightly-al serve` as processes, speak REST with urllib and read the store
with the sqlite3 module, so they see what a user would see after a crash.
"""
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

LIGHTLY_AL = os.environ.get('LIGHTLY_TEST_LIGHTLY_AL') or os.environ.get('LIGHTLY_AL')

# Job states as the store writes them (src/store/lightly-store.h).
JOB_WAITING, JOB_RUNNING, JOB_FINISHED, JOB_FAILED = 0, 1, 2, 3


class CheckFailed(AssertionError):
    pass


def make_csv(path, n_rows, dim, seed):
    """An embeddings CSV in Lightly's format with n_rows seeded rows."""
    rng = random.Random(seed)
    with open(path, 'w') as f:
        f.write('filenames,' + ','.join('embedding_%d' % i for i in range(dim)) + ',labels\n')
        for r in range(n_rows):
            vals = ','.join('%.5f' % rng.gauss(0, 1) for _ in range(dim))
            f.write('img_%05d.png,%s,%d\n' % (r, vals, r % 10))


def make_predictions(path, n_rows, n_classes, seed):
    """Class probabilities per file name (filenames,p_0,…), seeded."""
    rng = random.Random(seed)
    with open(path, 'w') as f:
        f.write('filenames,' + ','.join('p_%d' % i for i in range(n_classes)) + '\n')
        for r in range(n_rows):
            w = [rng.random() + 1e-3 for _ in range(n_classes)]
            s = sum(w)
            f.write('img_%05d.png,%s\n' % (r, ','.join('%.6f' % (x / s) for x in w)))


class Server:
    """`lightly-al serve` on a free loopback port over store_dir."""

    def __init__(self, store_dir, preexec_fn=None, env=None, log=None):
        self.store_dir = store_dir
        self.preexec_fn = preexec_fn
        self.env = env
        self.log = log
        # stderr always goes to a file beside the store, so that a
        # sanitizer report of any run is found (check_sanitizers()).
        self.err_path = log or (store_dir.rstrip('/') + '.stderr' if store_dir else None)
        self.proc = None
        self.url = None
        self.token = None

    def start(self, timeout=20):
        # With a log file, keep the request log: each line has the time the
        # request spent in the server.
        args = [LIGHTLY_AL, 'serve', '--store', self.store_dir, '--port', '0'] + ([] if self.log else ['--quiet'])
        err = open(self.err_path, 'ab')
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True,
                                     preexec_fn=self.preexec_fn, env=self.env)
        err.close()
        line = self.proc.stdout.readline().strip()
        if not line.startswith('http://'):
            self.proc.wait(timeout)
            raise CheckFailed('serve did not start (exit %s)' % self.proc.returncode)
        self.url = line
        with open(os.path.join(self.store_dir, 'token')) as f:
            self.token = f.read().strip()
        return self

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()
            self.proc.stdout.close()
        self.proc = None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    def check_sanitizers(self):
        """Raises CheckFailed if an ASan/UBSan report is in the server's stderr."""
        if self.err_path and os.path.exists(self.err_path):
            with open(self.err_path, errors='replace') as f:
                check_output_clean('lightly-al serve', f.read())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def env_for_client(self, url=None):
        env = dict(os.environ)
        env['LIGHTLY_SERVER_LOCATION'] = url or self.url
        env['LIGHTLY_TOKEN'] = self.token
        return env

    def request(self, method, path, body=None, timeout=30):
        """One REST call: (status, decoded JSON or None)."""
        sep = '&' if '?' in path else '?'
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path + sep + 'token=' + self.token, data=data, method=method)
        if data is not None:
            req.add_header('Content-Type', 'application/json')
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, None


SANITIZER_MARKS = ('ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:')


def check_output_clean(what, text):
    for mark in SANITIZER_MARKS:
        if mark in text:
            i = text.index(mark)
            raise CheckFailed('%s: sanitizer report: %s' % (what, text[max(0, i - 200):i + 2000]))


def cli(env, *args, timeout=120):
    """Runs lightly-al to the end: (exit code, stdout, stderr)."""
    p = subprocess.run([LIGHTLY_AL] + list(args), env=env, capture_output=True, text=True, timeout=timeout)
    check_output_clean('lightly-al ' + args[0], p.stderr)
    return p.returncode, p.stdout, p.stderr


def sha(data):
    return hashlib.sha256(data).hexdigest()


def file_sha(path):
    with open(path, 'rb') as f:
        return sha(f.read())


def open_db(store_dir):
    # Read-only: the checks must not repair what they look at.
    uri = 'file:' + os.path.join(store_dir, 'lightly.db') + '?mode=ro'
    db = sqlite3.connect(uri, uri=True, timeout=30)
    db.execute('PRAGMA busy_timeout = 30000')
    return db


def snapshot(store_dir):
    """What is committed, as hashes: tags, embeddings (row and both files),
    scores and finished jobs, each by id."""
    db = open_db(store_dir)
    try:
        state = {}
        for tid, ds, name, mask, prev in db.execute(
                'SELECT id, dataset_id, name, bitmask, prev_tag_id FROM tags'):
            state['tag:' + tid] = sha(('%s|%s|%s|%s' % (ds, name, mask, prev)).encode())
        for eid, ds, name, rows, dim in db.execute(
                'SELECT id, dataset_id, name, n_rows, dim FROM embeddings'):
            f32 = os.path.join(store_dir, 'embeddings', eid + '.f32')
            csv = os.path.join(store_dir, 'csv', eid + '.csv')
            state['emb:' + eid] = sha(('%s|%s|%d|%d|%s|%s' % (ds, name, rows, dim, file_sha(f32),
                                                             file_sha(csv))).encode())
        # A score is replaced by a new upload of the same type: key it by
        # what it scores, so equal values keep the same entry.
        for tag, st, vals in db.execute('SELECT tag_id, score_type, vals FROM scores'):
            state['score:%s/%s' % (tag, st)] = sha(vals)
        for jid, tag in db.execute('SELECT id, result_tag_id FROM jobs WHERE status = ?', (JOB_FINISHED,)):
            state['job:' + jid] = sha(str(tag).encode())
        return state
    finally:
        db.close()


def check_store(store_dir, ledger, after_open=True):
    """The crash-safety invariants (DESIGN.md, Store). Raises CheckFailed.

    ledger: {key: hash} of everything known committed; each must still be
    there, unchanged. Returns the current snapshot."""
    db = open_db(store_dir)
    try:
        res = db.execute('PRAGMA integrity_check').fetchall()
        if res != [('ok',)]:
            raise CheckFailed('integrity_check: %r' % res[:5])
        fk = db.execute('PRAGMA foreign_key_check').fetchall()
        if fk:
            raise CheckFailed('foreign_key_check: %r' % fk[:5])
        # Every embedding row has both files, of the size its row says.
        for eid, rows, dim in db.execute('SELECT id, n_rows, dim FROM embeddings'):
            f32 = os.path.join(store_dir, 'embeddings', eid + '.f32')
            csv = os.path.join(store_dir, 'csv', eid + '.csv')
            if not os.path.exists(f32) or os.path.getsize(f32) != rows * dim * 4:
                raise CheckFailed('embedding %s: matrix missing or of the wrong size' % eid)
            if not os.path.exists(csv):
                raise CheckFailed('embedding %s: CSV missing' % eid)
        # A job's result tag exists; a tag made by a job belongs to a
        # FINISHED job (no tag without its job).
        for jid, tag, status in db.execute('SELECT id, result_tag_id, status FROM jobs'):
            if status == JOB_FINISHED:
                if tag is None or db.execute('SELECT 1 FROM tags WHERE id = ?', (tag,)).fetchone() is None:
                    raise CheckFailed('finished job %s has no result tag' % jid)
            elif tag is not None:
                raise CheckFailed('job %s in state %d names a tag' % (jid, status))
            if after_open and status in (JOB_WAITING, JOB_RUNNING):
                raise CheckFailed('job %s still live (%d) after a restart' % (jid, status))
        for tid, ds, name in db.execute('SELECT id, dataset_id, name FROM tags WHERE name LIKE \'sel-%\''):
            if db.execute('SELECT 1 FROM jobs WHERE result_tag_id = ? AND status = ?',
                          (tid, JOB_FINISHED)).fetchone() is None:
                raise CheckFailed('tag %s (%s) has no finished job' % (name, tid))
        # A score has one value per sample of its dataset.
        for sid, n, vals, ns in db.execute(
                'SELECT s.id, s.n_values, s.vals, d.n_samples FROM scores s JOIN tags t ON t.id = s.tag_id '
                'JOIN datasets d ON d.id = t.dataset_id'):
            if n != ns or len(vals) not in (n * 4, n * 8):
                raise CheckFailed('score %s: %d values, %d bytes, dataset has %d samples' % (sid, n, len(vals), ns))
    finally:
        db.close()
    if after_open:
        for sub in ('embeddings', 'csv'):
            d = os.path.join(store_dir, sub)
            left = [n for n in os.listdir(d) if n.endswith('.tmp')] if os.path.isdir(d) else []
            if left:
                raise CheckFailed('.tmp files left after the store was opened: %r' % left)
    now = snapshot(store_dir)
    for key, h in ledger.items():
        if key not in now:
            raise CheckFailed('committed %s is gone' % key)
        if now[key] != h:
            raise CheckFailed('committed %s changed' % key)
    return now


class Timer:
    def __init__(self):
        self.t0 = time.monotonic()

    def elapsed(self):
        return time.monotonic() - self.t0
