#!/usr/bin/python3
# test_annotator.py: Lightly Annotator end to end, under Xvfb and a private
# session bus (examples/annotator/meson.build runs it as
# xvfb-run -a dbus-run-session -- python3 test_annotator.py).
#
# A folder of 160 small images in four classes, with Lightly's
# embeddings.csv, is labeled in three rounds through the app's GActions
# (--test-script); the app is closed and reopened between rounds:
#   0. a folder without embeddings.csv: the page says it could not be opened;
#   1. fresh folder: the first batch (no labels yet), each tile badged with
#      its rank; the shortcuts window opens;
#   2. reopen: the batch is back; label all of it (half with real key
#      presses through xdotool, the rest through the keyboard's actions and
#      win.label), one image off the suggestion; undo and redo through the
#      actions and Ctrl+Z / Ctrl+Shift+Z; the large view (Space, Right,
#      Escape) and its zoom; the next batch comes with predictions of the logistic regression;
#   3. reopen: label half of the batch (the round's held-out accuracy); a
#      cancelled suggestion leaves the batch alone; review round 1; export
#      the labels as CSV; a screenshot; the next batch;
#   4. reopen: everything is still there, earlier rounds too; no suggester
#      → a readable error; export again.
# Every batch has the requested size and is disjoint from every labeled
# image; labels.csv and the exports hold exactly the labels made; the
# legend counts them; the sidebar counts labels from and off the
# suggestion; the store holds the suggester's round tags. The plugins list
# shows a plugin with another ABI, and the app refuses to load it.
#
# Environment (set by meson): ANNOTATOR, LIGHTLY_AL, ANNOTATOR_TEST_DIR,
# LIGHTLY_PLUGIN_DIR (the built plugins and tests/app/plugins).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import configparser
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

N_IMAGES = 160
N_CLASSES = 4
DIM = 8
SIDE = 16
BATCH = 12
CLASSES = ['circle', 'square', 'stripes', 'dots']


def png_gray(pixels, side):
    def chunk(kind, data):
        body = kind + data
        return struct.pack('>I', len(data)) + body + struct.pack('>I', zlib.crc32(body) & 0xffffffff)
    raw = b''.join(b'\0' + bytes(pixels[y * side:(y + 1) * side]) for y in range(side))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', side, side, 8, 0, 0, 0, 0)) +
            chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


def pattern(cls, x, y, rng):
    c = SIDE / 2 - 0.5
    if cls == 0:
        v = abs(((x - c) ** 2 + (y - c) ** 2) ** 0.5 - 5) < 1.5
    elif cls == 1:
        v = 3 <= x <= 12 and 3 <= y <= 12 and (x in (3, 12) or y in (3, 12))
    elif cls == 2:
        v = x % 4 < 2
    else:
        v = x % 4 == 1 and y % 4 == 1
    return min(255, max(0, (220 if v else 20) + rng.randint(-20, 20)))


def make_folder(path):
    """Images, embeddings.csv (with a labels column the app must ignore),
    classes.txt; returns {name: true class}."""
    rng = random.Random(7)
    truth = {}
    os.makedirs(os.path.join(path, 'img'))
    rows = ['filenames,' + ','.join(f'embedding_{i}' for i in range(DIM)) + ',labels']
    for i in range(N_IMAGES):
        cls = i % N_CLASSES
        name = f'img/sample-{i:03d}.png'
        truth[name] = cls
        pixels = [pattern(cls, x, y, rng) for y in range(SIDE) for x in range(SIDE)]
        with open(os.path.join(path, name), 'wb') as f:
            f.write(png_gray(pixels, SIDE))
        emb = [rng.gauss(0, 0.6) for _ in range(DIM)]
        emb[cls] += 3.0
        rows.append(name + ',' + ','.join(f'{v:.6f}' for v in emb) + f',{cls}')
    with open(os.path.join(path, 'embeddings.csv'), 'w', newline='') as f:
        f.write('\r\n'.join(rows) + '\r\n')
    with open(os.path.join(path, 'classes.txt'), 'w') as f:
        f.write('\n'.join(CLASSES) + '\n')
    return truth


def read_report(path):
    report = {'batch': [], 'labeled': {}, 'shown': {}, 'plugin': {}, 'error': None, 'message': None,
              'selected': None, 'badge': {}, 'why': {}, 'unreadable': [], 'legend': [], 'rounds': [], 'stats': None, 'preview': None}
    with open(path) as f:
        for line in f.read().splitlines():
            key, _, rest = line.partition('\t')
            if key == 'batch':
                report['batch'].append(rest)
            elif key in ('labeled', 'shown'):
                name, _, label = rest.rpartition('\t')
                report[key][name] = int(label)
            elif key == 'request':
                report['request'] = tuple(int(v) for v in rest.split('\t'))
            elif key in ('badge', 'why'):
                name, _, text = rest.partition('\t')
                report[key][name] = text
            elif key == 'unreadable':
                report['unreadable'].append(rest)
            elif key == 'legend':
                report['legend'].append(tuple(rest.split('\t')))
            elif key == 'rounds':
                report['rounds'] = [int(v) for v in rest.split('\t') if v]
            elif key == 'stats':
                keys = ('round', 'batch', 'from', 'off', 'scored', 'correct')
                report['stats'] = dict(zip(keys, (int(v) for v in rest.split('\t'))))
            elif key == 'preview':
                name, _, scale = rest.rpartition('\t')
                report['preview'] = (name, float(scale))
            elif key == 'plugin':
                module, _, state = rest.partition('\t')
                report['plugin'][module] = state
            else:
                report[key] = rest
    return report


def read_labels_csv(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines[0] == 'file,label', lines[0]
    return dict(line.split(',') for line in lines[1:])


class AnnotatorTest(unittest.TestCase):
    def setUp(self):
        self.top = tempfile.mkdtemp(prefix='annotator-', dir=os.environ.get('ANNOTATOR_TEST_DIR'))
        self.folder = os.path.join(self.top, 'pictures')
        os.makedirs(self.folder)
        self.truth = make_folder(self.folder)
        self.env = dict(os.environ)
        self.env['HOME'] = os.path.join(self.top, 'home')
        self.env['XDG_CONFIG_HOME'] = os.path.join(self.top, 'config')
        self.env['XDG_DATA_HOME'] = os.path.join(self.top, 'data')
        self.runs = 0
        self.passed = False

    def tearDown(self):
        # A failed run's folder, scripts and reports stay for a look.
        if self.passed:
            shutil.rmtree(self.top, ignore_errors=True)

    def run_app(self, commands, folder=None):
        """Starts the app on a script ending in quit; returns the reports."""
        self.runs += 1
        script = os.path.join(self.top, f'run{self.runs}.script')
        reports = {}
        lines = [f'open {folder or self.folder}']
        for command in commands:
            if command.startswith('report '):
                name = command.split(' ', 1)[1]
                reports[name] = os.path.join(self.top, f'run{self.runs}-{name}.report')
                command = f'report {reports[name]}'
            lines.append(command)
        lines.append('quit')
        with open(script, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        proc = subprocess.run([os.environ['ANNOTATOR'], '--test-script', script], env=self.env,
                              capture_output=True, text=True, timeout=150)
        sys.stderr.write(proc.stderr)
        self.assertEqual(proc.returncode, 0, f'run {self.runs} failed:\n{proc.stderr}')
        self.assertNotIn('CRITICAL', proc.stderr)
        self.assertNotIn('ERROR', proc.stderr)
        return {name: read_report(path) for name, path in reports.items()}

    def check_batch(self, batch, labeled, what):
        self.assertEqual(len(batch), BATCH, f'{what}: {batch}')
        self.assertEqual(len(set(batch)), BATCH, f'{what}: repeated names in {batch}')
        self.assertTrue(set(batch) <= set(self.truth), f'{what}: unknown names in {batch}')
        self.assertFalse(set(batch) & set(labeled), f'{what}: labeled images suggested again')

    def check_labels_csv(self, expected):
        on_disk = read_labels_csv(os.path.join(self.folder, 'labels.csv'))
        self.assertEqual(on_disk, {name: CLASSES[c] for name, c in expected.items()})

    def check_badges(self, report, batch):
        """Each tile shows its rank in the batch as the selection ranked it,
        the strategy that picked it and its utility; the tooltip says why."""
        self.assertEqual(list(report['shown']), batch)
        self.assertEqual(list(report['badge']), batch)
        for i, name in enumerate(batch):
            self.assertRegex(report['badge'][name],
                             rf'^#{i + 1} · (typiclust|probcover|coreset|coral|active learning|badge|random) [-0-9.e+]+$')
            self.assertRegex(report['why'][name], rf'^Pick {i + 1} of {len(batch)}, in the order the selection '
                             r'ranked the batch · utility [-0-9.e+]+ [A-Z].*\((TYPICLUST|PROBCOVER|CORESET|CORAL|'
                             r'ACTIVE_LEARNING|BADGE|RANDOM)\b')

    def check_legend(self, report, labels):
        counts = [sum(1 for c in labels.values() if c == k) for k in range(N_CLASSES)]
        self.assertEqual(report['legend'], [(str(k), CLASSES[k], str(counts[k])) for k in range(N_CLASSES)])

    def run_failed_open(self):
        # Run 0: a folder without embeddings.csv: an error page, not "Opening…".
        empty = os.path.join(self.top, 'no-embeddings')
        os.makedirs(empty)
        r = self.run_app(['expect-error embeddings need at least two', 'report failed'], folder=empty)
        self.assertEqual(r['failed']['page'], 'empty')
        self.assertEqual(r['failed']['page-title'], 'The folder could not be opened')
        self.assertNotIn('folder', r['failed'])

    def run_first_batch(self):
        # Run 1: a fresh folder; the plugins dialog and the shortcuts window.
        r = self.run_app([
            'report start',
            'plugins-dialog',
            'enable old-abi',
            'expect-error X-Lightly-ABI=0',
            'shortcuts',
            'suggester lightly-suggest',
            f'batch-size {BATCH}',
            'suggest',
            'report round1',
        ])
        start = r['start']
        self.assertEqual(start['round'], '0')
        self.assertEqual(start['batch'], [])
        self.assertEqual(start['plugin'].get('lightly-suggest'), 'loaded')
        self.assertIn('Refused', start['plugin'].get('old-abi', ''))
        self.assertIn('X-Lightly-ABI=0', start['plugin']['old-abi'])
        self.check_legend(start, {})
        self.assertEqual(start['rounds'], [])
        round1 = r['round1']
        self.assertEqual(round1['round'], '1')
        self.assertEqual(round1['plugin']['old-abi'], start['plugin']['old-abi'])
        self.assertEqual(round1['suggester'], 'lightly-suggest')
        self.assertEqual(round1['request'], (BATCH, 0, 0))    # no labels: no predictions
        batch1 = round1['batch']
        self.check_batch(batch1, [], 'round 1')
        self.check_badges(round1, batch1)
        self.assertEqual(round1['rounds'], [1])
        self.assertEqual(round1['stats'], dict(round=1, batch=BATCH, **{'from': 0}, off=0, scored=0, correct=0))
        self.check_labels_csv({})
        return batch1

    def run_label_round1(self, batch1):
        # Run 2: the batch comes back; label all of it: the first half with
        # real key presses (digits label and move on, arrows move, Delete
        # clears), a quarter through the keyboard's actions (win.select +
        # win.set-class), the rest through win.label. Then one image off the
        # suggestion, undo and redo (actions and Ctrl+Z, Ctrl+Shift+Z), the
        # large view with zoom, and the next batch.
        labels = {name: self.truth[name] for name in batch1}
        off = self.off = next(name for name in sorted(self.truth) if name not in batch1)
        wrong = (labels[batch1[0]] + 1) % N_CLASSES
        commands = ['report reopened']
        commands.append('keys Home ' + ' '.join(str(labels[name]) for name in batch1[:6]) + ' Left Left Delete')
        commands.append('report cleared')
        commands.append(f'keys {labels[batch1[4]]} End Up')
        commands.append('report moved')
        for i, name in enumerate(batch1[6:], start=6):
            if i < 9:
                commands += [f'select {i}', f'class {labels[name]}']
            else:
                commands.append(f'label {name} {labels[name]}')
        commands += ['report labeled',
                     f'label {off} {self.truth[off]}', 'undo', 'report undone', 'redo', 'report redone',
                     f'label {batch1[0]} {wrong}', 'keys ctrl+z', 'report key-undone',
                     'keys ctrl+shift+z', 'report key-redone', 'undo', 'keys ctrl+question', 'expect-shortcuts',
                     'select 2', 'keys space', 'report preview', 'zoom 1', 'report zoomed', 'keys Right',
                     'report next', 'keys Escape', 'report back', 'suggest', 'report round2']
        r = self.run_app(commands)
        self.assertEqual(r['reopened']['batch'], batch1)
        self.assertEqual(r['reopened']['batch-size'], str(BATCH))
        self.assertEqual(r['reopened']['round'], '1')
        self.check_badges(r['reopened'], batch1)
        cleared = r['cleared']
        self.assertEqual(cleared['shown'], {name: labels[name] if i < 6 and i != 4 else -1
                                            for i, name in enumerate(batch1)})
        self.assertEqual(cleared['selected'], '4')
        moved = r['moved']
        columns = int(moved['columns'])
        self.assertTrue(1 < columns < BATCH, columns)
        self.assertEqual(moved['selected'], str(BATCH - 1 - columns))
        self.assertEqual(moved['shown'][batch1[4]], labels[batch1[4]])
        self.assertEqual(r['labeled']['labeled'], labels)
        self.assertEqual(r['labeled']['shown'], labels)
        self.check_legend(r['labeled'], labels)

        # Undo and redo of a label off the suggestion, through the actions.
        self.assertEqual(r['undone']['labeled'], labels)
        self.assertEqual((r['undone']['undo'], r['undone']['redo']), (r['labeled']['undo'], '1'))
        labels[off] = self.truth[off]
        self.assertEqual(r['redone']['labeled'], labels)
        self.assertEqual(r['redone']['redo'], '0')
        self.assertEqual(r['redone']['stats'], dict(round=1, batch=BATCH, **{'from': BATCH}, off=1,
                                                    scored=0, correct=0))
        self.check_legend(r['redone'], labels)
        # … and of one on screen, through the keys.
        self.assertEqual(r['key-undone']['shown'][batch1[0]], labels[batch1[0]])
        self.assertEqual(r['key-redone']['shown'][batch1[0]], wrong)
        self.assertEqual(r['key-redone']['labeled'][batch1[0]], wrong)

        # The large view follows the selection; zoom doubles the scale.
        self.assertEqual(r['preview']['page'], 'preview')
        name, scale = r['preview']['preview']
        self.assertEqual(name, batch1[2])
        self.assertGreaterEqual(scale, 1)
        self.assertEqual(r['zoomed']['preview'], (batch1[2], scale * 2))
        self.assertEqual(r['next']['preview'][0], batch1[3])
        self.assertEqual(r['back']['page'], 'grid')
        self.assertIsNone(r['back']['preview'])

        round2 = r['round2']
        self.assertEqual(round2['round'], '2')
        # Four classes labeled: predictions of the logistic regression, one
        # column per class.
        self.assertEqual(round2['request'], (BATCH, BATCH + 1, N_CLASSES))
        batch2 = round2['batch']
        self.check_batch(batch2, labels, 'round 2')
        self.check_badges(round2, batch2)
        self.assertTrue(all(label == -1 for label in round2['shown'].values()))
        self.assertEqual(round2['rounds'], [1, 2])
        self.check_labels_csv(labels)
        return labels, batch2

    def run_label_round2(self, labels, batch2):
        # Run 3: label half of the batch; round 2's held-out accuracy; a
        # cancelled suggestion changes nothing; review round 1; export; a
        # screenshot; then the next batch.
        half = batch2[:BATCH // 2]
        export = os.path.join(self.top, 'export.csv')
        shot = os.path.join(self.top, 'shot.png')
        commands = ['report reopened']
        commands += [f'label {name} {self.truth[name]}' for name in half]
        commands += ['report half', 'suggest-cancel', 'expect-message cancelled', 'report cancelled',
                     'view-round 1', 'report review1', 'view-round 0', 'report current',
                     f'export {export}', 'expect-message Exported', f'screenshot {shot}',
                     'suggest', 'report round3']
        r = self.run_app(commands)
        self.assertEqual(r['reopened']['batch'], batch2)
        self.assertEqual(r['reopened']['labeled'], labels)
        labels.update({name: self.truth[name] for name in half})
        stats = r['half']['stats']
        self.assertEqual((stats['round'], stats['from'], stats['off']), (2, BATCH // 2, 0))
        # The model trained on round 1 had predicted every image of batch 2.
        self.assertEqual(stats['scored'], BATCH // 2)
        # Four well-separated clusters: the model is right nearly always.
        self.assertGreaterEqual(stats['correct'], BATCH // 2 - 1, r['half']['accuracy'])
        self.assertIn('%', r['half']['accuracy'])
        self.assertEqual(r['cancelled']['batch'], batch2)
        self.assertEqual(r['cancelled']['round'], '2')
        self.assertEqual(r['cancelled']['labeled'], labels)

        review = r['review1']
        self.assertEqual((review['round'], review['viewing']), ('2', '1'))
        self.check_badges(review, self.batch1)
        self.assertEqual(review['shown'], {name: labels[name] for name in self.batch1})
        self.assertEqual(review['stats']['round'], 1)
        self.assertEqual(r['current']['viewing'], '2')
        self.assertEqual(list(r['current']['shown']), batch2)

        self.assertEqual(read_labels_csv(export), {name: CLASSES[c] for name, c in labels.items()})
        with open(shot, 'rb') as f:
            header = f.read(24)
        self.assertEqual(header[:8], b'\x89PNG\r\n\x1a\n')
        width, height = struct.unpack('>II', header[16:24])
        self.assertGreater(width, 600)
        self.assertGreater(height, 400)

        round3 = r['round3']
        self.assertEqual(round3['round'], '3')
        self.assertEqual(round3['request'], (BATCH, BATCH + 1 + BATCH // 2, N_CLASSES))
        batch3 = round3['batch']
        self.check_batch(batch3, labels, 'round 3')
        self.assertEqual(round3['rounds'], [1, 2, 3])
        self.check_labels_csv(labels)
        return batch3

    def test_three_rounds(self):
        self.run_failed_open()
        self.batch1 = self.run_first_batch()
        labels, batch2 = self.run_label_round1(self.batch1)
        batch3 = self.run_label_round2(labels, batch2)

        # Run 4: all of it survives a restart, earlier rounds too; without a
        # suggester, a readable error; export again.
        export = os.path.join(self.top, 'export-after-restart.csv')
        r = self.run_app([
            'report reopened',
            'view-round 2', 'report review2', 'pick-round 1', 'report picked1', 'pick-round 3', 'report picked3',
            'disable lightly-suggest',
            'suggest',
            'expect-error No suggester is switched on',
            'enable lightly-suggest',
            f'export {export}',
            'report after',
        ])
        self.assertEqual(r['reopened']['batch'], batch3)
        self.assertEqual(r['reopened']['round'], '3')
        self.assertEqual(r['reopened']['labeled'], labels)
        self.assertEqual(r['reopened']['rounds'], [1, 2, 3])
        self.assertEqual(r['reopened']['undo'], '0')     # the history does not outlive the window
        self.assertEqual(list(r['review2']['shown']), batch2)
        self.assertEqual(r['review2']['stats']['scored'], BATCH // 2)
        # The sidebar's round selector does the same.
        self.assertEqual((r['picked1']['viewing'], list(r['picked1']['shown'])), ('1', self.batch1))
        self.assertEqual((r['picked3']['viewing'], list(r['picked3']['shown'])), ('3', batch3))
        self.assertEqual(r['after']['batch'], batch3)
        self.assertEqual(r['after']['plugin']['lightly-suggest'], 'loaded')
        self.check_labels_csv(labels)
        self.assertEqual(read_labels_csv(export), {name: CLASSES[c] for name, c in labels.items()})

        # The suggester's round state is in the store, as tags.
        state = configparser.ConfigParser(interpolation=None)
        state.read(os.path.join(self.folder, '.lightly-annotator.ini'))
        dataset_id = state['folder']['dataset-id']
        tags = subprocess.run([os.environ['LIGHTLY_AL'], 'tags', '-l',
                               'file://' + os.path.join(self.folder, 'store'), '-d', dataset_id],
                              env=self.env, capture_output=True, text=True, timeout=60)
        self.assertEqual(tags.returncode, 0, tags.stderr)
        rounds = [line for line in tags.stdout.splitlines() if 'lightly-suggest-round-' in line]
        self.assertEqual(len(rounds), 3, tags.stdout)
        # Each round tag is the labeled set the suggester got plus the batch
        # the app shows for that round.
        labeled_before = {1: set(), 2: set(self.batch1) | {self.off}, 3: set(labels)}
        for k, batch in ((1, self.batch1), (2, batch2), (3, batch3)):
            names = subprocess.run([os.environ['LIGHTLY_AL'], 'export', '-l',
                                    'file://' + os.path.join(self.folder, 'store'), '-d', dataset_id,
                                    '-t', f'lightly-suggest-round-{k}'],
                                   env=self.env, capture_output=True, text=True, timeout=60)
            self.assertEqual(names.returncode, 0, names.stderr)
            self.assertEqual(set(names.stdout.split()), labeled_before[k] | set(batch), f'round {k}')
        self.passed = True

    def test_letter_keys(self):
        # Beyond ten classes, the letters a–z follow the digits: the legend
        # shows them and real key presses set them.
        n_classes, n_images = 12, 36
        folder = os.path.join(self.top, 'many')
        os.makedirs(folder)
        rng = random.Random(3)
        rows = ['filenames,' + ','.join(f'embedding_{i}' for i in range(n_classes))]
        for i in range(n_images):
            name = f'm-{i:02d}.png'
            with open(os.path.join(folder, name), 'wb') as f:
                f.write(png_gray([pattern(i % N_CLASSES, x, y, rng) for y in range(SIDE) for x in range(SIDE)], SIDE))
            emb = [rng.gauss(0, 0.6) for _ in range(n_classes)]
            emb[i % n_classes] += 3.0
            rows.append(name + ',' + ','.join(f'{v:.6f}' for v in emb))
        with open(os.path.join(folder, 'embeddings.csv'), 'w') as f:
            f.write('\n'.join(rows) + '\n')
        names = [f'kind{k}' for k in range(n_classes)]
        with open(os.path.join(folder, 'classes.txt'), 'w') as f:
            f.write('\n'.join(names) + '\n')
        r = self.run_app(['suggester lightly-suggest', 'batch-size 6', 'suggest',
                          'keys Home b a 1 B', 'report keyed', 'class 12', 'expect-error There is no class 12'],
                         folder=folder)
        keyed = r['keyed']
        batch = keyed['batch']
        self.assertEqual(len(batch), 6)
        self.assertEqual([keyed['shown'][name] for name in batch], [11, 10, 1, 11, -1, -1])
        keys = [str(k) for k in range(10)] + ['a', 'b']
        counts = {10: 1, 11: 2, 1: 1}
        self.assertEqual(keyed['legend'], [(keys[k], names[k], str(counts.get(k, 0))) for k in range(n_classes)])
        self.assertEqual(read_labels_csv(os.path.join(folder, 'labels.csv')),
                         {batch[0]: 'kind11', batch[1]: 'kind10', batch[2]: 'kind1', batch[3]: 'kind11'})
        self.passed = True


if __name__ == '__main__':
    unittest.main(verbosity=2)
