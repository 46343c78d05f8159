#!/usr/bin/python3
"""Network faults: a full AL loop through the fault proxy (faultproxy.py).

The loop, all with `lightly-al` over http: create-dataset, register-samples,
upload-embeddings, then rounds of `query` (CORESET, then ACTIVE_LEARNING and
CORAL with predictions, i.e. score uploads). It runs once straight to the
server for the reference picks, then `--trials` times through the proxy at
`--rate`, each trial on a fresh store and its own seed. A trial either
completes with exactly the reference picks (tags' bit masks and the printed
file names), or stops at a step that exits 1 with a `lightly-al: …` message;
in both cases the server's store passes rel_common.check_store and holds no
tag that differs from the reference tag of the same name, and no tag the
loop did not ask for (no duplicate, no half-made tag).

  tests/reliability/faults.py --rate 0.1 --trials 5          (CI)
  tests/reliability/faults.py --rate 0.3 --trials 40 --seed 9 (README)
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rel_common as rc  # noqa: E402
from faultproxy import FaultProxy, FAULTS  # noqa: E402

ROWS = 600


def loop_steps(csv, preds):
    yield ['create-dataset', 'ds']
    yield ['register-samples', '-d', 'ds', csv]
    yield ['upload-embeddings', '-d', 'ds', csv]
    yield ['query', '-d', 'ds', '-m', 'CORESET', '-n', '20', '--name', 'sel-r1']
    yield ['query', '-d', 'ds', '-m', 'ACTIVE_LEARNING', '-n', '40', '-p', 'sel-r1',
           '--predictions', preds, '--name', 'sel-r2']
    yield ['query', '-d', 'ds', '-m', 'CORAL', '-n', '60', '-p', 'sel-r2',
           '--predictions', preds, '--name', 'sel-r3']
    yield ['query', '-d', 'ds', '-m', 'RANDOM', '--seed', '5', '-n', '80', '-p', 'sel-r3', '--name', 'sel-r4']


def tag_masks(server):
    code, dsets = server.request('GET', '/v1/datasets')
    if code != 200 or not dsets:
        return {}
    code, tags = server.request('GET', '/v1/datasets/%s/tags' % dsets[0]['id'])
    return {t['name']: t['bitMaskData'] for t in tags}


def run_loop(env, csv, preds):
    """(outputs per step, None) or (outputs so far, error line)."""
    outs = []
    for argv in loop_steps(csv, preds):
        code, out, err = rc.cli(env, *argv, timeout=300)
        if code != 0:
            return outs, (argv[0], code, err.strip().splitlines()[-1] if err.strip() else '')
        outs.append(out if argv[0] == 'query' else '')
    return outs, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--rate', type=float, default=0.1, help='probability of a fault per request')
    ap.add_argument('--trials', type=int, default=5)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--faults', default=','.join(FAULTS), help='the kinds to inject')
    ap.add_argument('--min-complete', type=int, default=1,
                    help='fail unless at least this many trials complete')
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='lightly-faults-')
    csv = os.path.join(tmp, 'emb.csv')
    preds = os.path.join(tmp, 'preds.csv')
    rc.make_csv(csv, ROWS, 32, args.seed)
    rc.make_predictions(preds, ROWS, 10, args.seed)
    server = None
    try:
        server = rc.Server(os.path.join(tmp, 'reference')).start()
        ref_outs, err = run_loop(server.env_for_client(), csv, preds)
        if err:
            raise rc.CheckFailed('the loop without faults failed: %r' % (err,))
        ref_masks = tag_masks(server)
        server.stop()

        completed, failed, requests = 0, [], 0
        totals = {f: 0 for f in FAULTS}
        for t in range(args.trials):
            seed = args.seed * 1000 + t
            server = rc.Server(os.path.join(tmp, 'trial-%d' % t)).start()
            proxy = FaultProxy(server.url, args.rate, seed, args.faults.split(','))
            url = proxy.start_thread()
            outs, err = run_loop(server.env_for_client(url), csv, preds)
            masks = tag_masks(server)
            server.stop()
            server.check_sanitizers()
            rc.check_store(server.store_dir, {})
            for name, mask in masks.items():
                if name not in ref_masks:
                    raise rc.CheckFailed('trial %d (seed %d): unexpected tag %s' % (t, seed, name))
                if mask != ref_masks[name]:
                    raise rc.CheckFailed('trial %d (seed %d): tag %s differs from the reference' % (t, seed, name))
            for i, out in enumerate(outs):
                if out != ref_outs[i]:
                    raise rc.CheckFailed('trial %d (seed %d): step %d printed other picks' % (t, seed, i))
            requests += proxy.requests
            for f, n in proxy.counts.items():
                totals[f] += n
            injected = sum(proxy.counts.values())
            if err is None:
                if masks != ref_masks:
                    raise rc.CheckFailed('trial %d: completed without all the tags' % t)
                completed += 1
                print('trial %d (seed %d): completed, same picks; %d requests, %d faults %r'
                      % (t, seed, proxy.requests, injected, {k: v for k, v in proxy.counts.items() if v}),
                      flush=True)
            else:
                step, code, line = err
                if code != 1 or not line.startswith('lightly-al: '):
                    raise rc.CheckFailed('trial %d: %s exited %d with %r' % (t, step, code, line))
                failed.append(line)
                print('trial %d (seed %d): stopped at %s: %s; %d requests, %d faults'
                      % (t, seed, step, line, proxy.requests, injected), flush=True)
        print('faults: rate %.2f, %d trials: %d completed with the reference picks, %d stopped with an error, '
              '0 duplicate or half-made tags; %d requests, %d faults injected %r'
              % (args.rate, args.trials, completed, len(failed), requests, sum(totals.values()), totals),
              flush=True)
        if completed < args.min_complete:
            raise rc.CheckFailed('only %d trials completed' % completed)
        return 0
    except rc.CheckFailed as e:
        print('faults test FAILED: %s (kept %s)' % (e, tmp), flush=True)
        tmp = None
        return 1
    finally:
        if server is not None:
            server.kill()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
