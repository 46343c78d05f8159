#!/usr/bin/python3
"""Load: N concurrent clients against `lightly-al serve` on loopback.

Each client keeps one keep-alive connection and, for a bounded time, picks
an action: a tag read (GET tags, GET one tag; 70 %), a score upload on the
initial tag (POST scores; 20 %), or one round of an agent loop (10 %: read
the tags, start a selection, long-poll its job, read the new tag, as the
http backend does; --agent cli runs `lightly-al query` processes instead,
which on 2 cores mostly measures process start-up); --mix changes the weights. It reports requests,
errors (target 0), p50/p99 latency per kind, and the server's RSS after the
warm-up and at the end (target: flat).

  tests/reliability/load.py --clients 50 --seconds 60        (README)
  tests/reliability/load.py --clients 10 --seconds 10 --check (CI smoke)
  tests/reliability/load.py --clients 0 --seconds 10 --wrk    (wrk alone on GET tags)
  tests/reliability/load.py --serve-only                      (prints a wrk command line, then serves)

Starts its own server on a fresh store unless --url/--token-file are given.
"""
import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rel_common as rc  # noqa: E402


def rss_kb(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_s(pid):
    """User + system CPU seconds the process used so far."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    except OSError:
        return 0.0


def pct(values, p):
    if not values:
        return float('nan')
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100.0 * len(s)))]


class Client(threading.Thread):
    def __init__(self, n, load):
        super().__init__(daemon=True)
        self.n = n
        self.load = load
        self.rng = random.Random(load.args.seed * 1000 + n)
        self.lat = {'tag-read': [], 'score-upload': [], 'agent-round': []}
        self.errors = []
        self.conn = None
        self.rounds = 0

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        sep = '&' if '?' in path else '?'
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.load.host, self.load.port, timeout=60)
            try:
                self.conn.request(method, path + sep + 'token=' + self.load.token, body=data,
                                  headers={'Content-Type': 'application/json'} if data else {})
                resp = self.conn.getresponse()
                raw = resp.read()
                return resp.status, raw
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed between requests.
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise

    def timed(self, kind, fn):
        t0 = time.monotonic()
        try:
            ok, what = fn()
        except Exception as e:  # noqa: BLE001 — every failure is a load error
            ok, what = False, repr(e)
        dt = time.monotonic() - t0
        if not ok:
            self.errors.append('%s: %s' % (kind, what))
        elif time.monotonic() >= self.load.warm_until:
            self.lat[kind].append(dt)

    def tag_read(self):
        ds = self.load.dataset_id
        if self.rng.random() < 0.5:
            code, raw = self.request('GET', '/v1/datasets/%s/tags' % ds)
        else:
            code, raw = self.request('GET', '/v1/datasets/%s/tags/%s' % (ds, self.load.initial_id))
        return code == 200, code

    def score_upload(self):
        vals = [self.rng.random() for _ in range(self.load.rows)]
        code, raw = self.request('POST', '/v1/datasets/%s/tags/%s/scores' % (self.load.dataset_id,
                                                                            self.load.initial_id),
                                 {'scoreType': 'load_%d' % (self.n % 4), 'scores': vals})
        return code in (200, 201), '%d %s' % (code, raw[:200])

    def agent_round(self):
        return self.agent_round_cli() if self.load.args.agent == 'cli' else self.agent_round_rest()

    def agent_round_rest(self):
        """One agent round as the library's http backend does it: read the
        tags, start a selection, long-poll its job, read the new tag."""
        self.rounds += 1
        ds = self.load.dataset_id
        code, raw = self.request('GET', '/v1/datasets/%s/tags' % ds)
        if code != 200:
            return False, 'tags %d' % code
        code, raw = self.request('POST', '/v1/datasets/%s/embeddings/%s/sampling' % (ds, self.load.embedding_id),
                                 {'newTagName': 'load-%d-%d' % (self.n, self.rounds), 'method': 'RANDOM',
                                  'config': {'stoppingCondition': {'nSamples': 10 + self.rounds}},
                                  'queryTagId': self.load.initial_id, 'seed': self.rounds})
        if code != 200:
            return False, 'sampling %d %s' % (code, raw[:200])
        job = json.loads(raw)['jobId']
        for _ in range(100):
            code, raw = self.request('GET', '/v1/jobs/%s?waitMs=10000' % job)
            body = json.loads(raw) if code == 200 else {}
            if body.get('status') in ('FINISHED', 'FAILED'):
                break
        if body.get('status') != 'FINISHED':
            return False, 'job %s' % body
        code, raw = self.request('GET', '/v1/datasets/%s/tags/%s' % (ds, body['result']['data']))
        return code == 200, 'tag %d' % code

    def agent_round_cli(self):
        self.rounds += 1
        name = 'load-%d-%d' % (self.n, self.rounds)
        code, out, err = rc.cli(self.load.env, 'query', '-d', 'ds', '-m', 'RANDOM', '--seed', str(self.rounds),
                                '-n', str(10 + self.rounds), '--name', name, timeout=120)
        return code == 0, err.strip()[-200:]

    def run(self):
        while time.monotonic() < self.load.end:
            r = self.rng.random()
            if r < self.load.mix[0]:
                self.timed('tag-read', self.tag_read)
            elif r < self.load.mix[0] + self.load.mix[1]:
                self.timed('score-upload', self.score_upload)
            else:
                self.timed('agent-round', self.agent_round)


class Load:
    def __init__(self, args):
        self.args = args
        w = [float(x) for x in args.mix.split(',')]
        self.mix = [x / sum(w) for x in w]
        self.tmp = None
        self.server = None

    def setup(self):
        a = self.args
        if a.url:
            self.url = a.url
            with open(a.token_file) as f:
                self.token = f.read().strip()
            self.pid = a.pid
        else:
            self.tmp = tempfile.mkdtemp(prefix='lightly-load-')
            self.server = rc.Server(os.path.join(self.tmp, 'store'),
                                    log=os.path.join(self.tmp, 'serve.log') if a.log else None)
            self.server.start()
            self.url, self.token, self.pid = self.server.url, self.server.token, self.server.proc.pid
        u = urllib.parse.urlsplit(self.url)
        self.host, self.port = u.hostname, u.port
        self.env = dict(os.environ, LIGHTLY_SERVER_LOCATION=self.url, LIGHTLY_TOKEN=self.token)
        csv = os.path.join(self.tmp or tempfile.gettempdir(), 'load-emb.csv')
        rc.make_csv(csv, a.rows, 32, 1)
        self.rows = a.rows
        for argv in (['create-dataset', 'ds'], ['register-samples', '-d', 'ds', csv],
                     ['upload-embeddings', '-d', 'ds', csv]):
            code, _, err = rc.cli(self.env, *argv)
            if code != 0 and 'exists' not in err and 'already' not in err:
                raise rc.CheckFailed('setup %s: %s' % (argv[0], err))
        probe = rc.Server(None)
        probe.url, probe.token = self.url, self.token
        _, dsets = probe.request('GET', '/v1/datasets')
        self.dataset_id = [d for d in dsets if d['name'] == 'ds'][0]['id']
        _, tags = probe.request('GET', '/v1/datasets/%s/tags' % self.dataset_id)
        self.initial_id = [t for t in tags if t['name'] == 'initial-tag'][0]['id']
        _, embs = probe.request('GET', '/v1/datasets/%s/embeddings' % self.dataset_id)
        self.embedding_id = embs[0]['id']

    def wrk_command(self):
        return ('wrk -t2 -c50 -d30s --latency "%s/v1/datasets/%s/tags?token=%s"'
                % (self.url, self.dataset_id, self.token))

    def run(self):
        a = self.args
        self.setup()
        if a.serve_only:
            print(self.wrk_command(), flush=True)
            self.server.proc.wait()
            return 0
        print('server %s (pid %d); a read route for wrk: %s' % (self.url, self.pid, self.wrk_command()), flush=True)
        start = time.monotonic()
        warm = min(5.0, a.seconds / 5.0)
        self.warm_until = start + warm
        self.end = start + a.seconds
        clients = [Client(i, self) for i in range(a.clients)]
        for c in clients:
            c.start()
        wrk = None
        if a.wrk:
            # wrk measures the read route from C, beside the Python clients
            # (whose own GIL adds to their latencies), after the warm-up.
            time.sleep(warm)
            wrk = subprocess.Popen(['wrk', '-t2', '-c%d' % a.wrk_connections,
                                    '-d%ds' % max(1, int(a.seconds - warm)), '--latency',
                                    '%s/v1/datasets/%s/tags?token=%s' % (self.url, self.dataset_id, self.token)],
                                   stdout=subprocess.PIPE, text=True)
        rss_samples = []
        rss_warm = None
        cpu_warm = None
        while time.monotonic() < self.end:
            time.sleep(0.5)
            rss_samples.append(rss_kb(self.pid))
            if rss_warm is None and time.monotonic() >= self.warm_until:
                rss_warm = rss_samples[-1]
                cpu_warm = cpu_s(self.pid)
        cpu_used = cpu_s(self.pid) - (cpu_warm or 0)
        for c in clients:
            c.join(180)
        wrk_out = wrk.communicate(timeout=120)[0] if wrk is not None else ''
        rss_end = rss_kb(self.pid)
        elapsed = time.monotonic() - start
        lat = {k: [x for c in clients for x in c.lat[k]] for k in Client(0, self).lat}
        errors = [e for c in clients for e in c.errors]
        total = sum(len(v) for v in lat.values())
        print('load: %d clients, %.0f s (first %.0f s warm-up, not timed): %d requests timed '
              '(%.0f/s), %d errors' % (a.clients, elapsed, warm, total, total / max(1e-9, elapsed - warm),
                                       len(errors)))
        for k, v in lat.items():
            print('  %-13s %6d  p50 %7.1f ms  p99 %7.1f ms' % (k, len(v), 1000 * pct(v, 50), 1000 * pct(v, 99)))
        step = max(1, len(rss_samples) // 6)
        print('  server RSS over time (MB): ' + ' '.join('%.0f' % (r / 1024) for r in rss_samples[::step]))
        print('  server RSS: %.1f MB after warm-up, %.1f MB at the end (peak %.1f MB); server CPU %.1f s '
              'in the %.0f s timed' % ((rss_warm or 0) / 1024, rss_end / 1024, max(rss_samples or [0]) / 1024,
                                      cpu_used, a.seconds - warm))
        for e in errors[:10]:
            print('  error: ' + e)
        if wrk is not None:
            print('  wrk -c%d GET tags: %s' % (a.wrk_connections, ' '.join(
                line.strip() for line in wrk_out.splitlines()
                if line.strip().startswith(('50%', '90%', '99%', 'Requests/sec', 'Non-2xx', 'Socket errors'))
                or 'requests in' in line)))
            if a.check and ('Non-2xx' in wrk_out or 'Socket errors' in wrk_out or wrk.returncode != 0):
                errors.append('wrk: ' + wrk_out)
        else:
            print('  wrk on a read route: ' + self.wrk_command())
        sys.stdout.flush()
        if a.check:
            if errors:
                raise rc.CheckFailed('%d errors under load' % len(errors))
            if self.server is not None and not self.server.alive():
                raise rc.CheckFailed('the server died under load')
            if a.clients and not lat['tag-read'] and not wrk:
                raise rc.CheckFailed('no tag read was timed')
        if self.tmp is not None:
            self.server.stop()
            self.server.check_sanitizers()
            rc.check_store(self.server.store_dir, {})
        return 0

    def cleanup(self):
        if self.server is not None:
            self.server.kill()
        if self.tmp is not None and not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--clients', type=int, default=50)
    ap.add_argument('--seconds', type=float, default=60)
    ap.add_argument('--rows', type=int, default=2000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--mix', default='70,20,10', help='weights of tag reads, score uploads, agent rounds')
    ap.add_argument('--agent', choices=['rest', 'cli'], default='rest',
                    help='agent rounds over REST from the client thread, or as `lightly-al query` processes')
    ap.add_argument('--url', help='an already running server (else one is started)')
    ap.add_argument('--token-file')
    ap.add_argument('--pid', type=int, default=0, help="the running server's pid, for RSS")
    ap.add_argument('--wrk', action='store_true', help='also run wrk on GET tags for the timed part')
    ap.add_argument('--wrk-connections', type=int, default=10)
    ap.add_argument('--check', action='store_true', help='exit 1 on any error (CI)')
    ap.add_argument('--serve-only', action='store_true', help='set up, print a wrk command, serve until killed')
    ap.add_argument('--log', action='store_true', help="keep the server's request log")
    ap.add_argument('--keep', action='store_true')
    args = ap.parse_args()
    load = Load(args)
    try:
        return load.run()
    except rc.CheckFailed as e:
        print('load FAILED: %s' % e, flush=True)
        return 1
    finally:
        load.cleanup()


if __name__ == '__main__':
    sys.exit(main())
