#!/usr/bin/python3
# test_annotator_images.py: your own images, from a plain folder to three
# labeled rounds, under Xvfb and a private session bus
# (examples/annotator/meson.build runs it as
# xvfb-run -a dbus-run-session -- python3 test_annotator_images.py).
#
# The folder holds 48 colour PNGs drawn here (four kinds of shapes, 40 × 30,
# deterministic noise), classes.txt and one file that is not an image, and
# no embeddings.csv. Through the app's GActions (--test-script), with the
# app closed and reopened between rounds:
#   1. open, cancelled at once: nothing is written, not even a part file;
#      open again: the embeddings are computed (the progress reaches the
#      main loop), embeddings.csv is written, the broken file is listed as
#      unreadable; the first batch, each tile with its why badge; a label
#      made by mistake, undone;
#   2. reopen: no new embedding; the batch and the label are back; label
#      the rest of the batch, undo and redo; round 2;
#   3. reopen: round 2; 4. reopen: label it, round 3; 5. reopen: label
#      half of it; export as CSV, Label Studio and CVAT.
# Then: labels.csv holds exactly the labels made; each export reads back
# (lightly-al import-labels) to the same labels; the store holds the
# suggester's three round tags, each the labeled set plus its batch.
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

from test_annotator import read_labels_csv, read_report

N_IMAGES = 48
CLASSES = ['circle', 'square', 'stripes', 'dots']
COLOURS = [(220, 60, 50), (60, 170, 70), (50, 90, 210), (230, 200, 40)]
WIDTH, HEIGHT = 40, 30
BATCH = 8


def png_rgb(rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack('>I', len(data)) + body + struct.pack('>I', zlib.crc32(body) & 0xffffffff)
    raw = b''.join(b'\0' + bytes(v for px in row for v in px) for row in rows)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', WIDTH, HEIGHT, 8, 2, 0, 0, 0)) +
            chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


def draw(cls, rng):
    """A shape of class @cls in its colour on a grey ground, with noise."""
    cx, cy = WIDTH / 2 + rng.randint(-3, 3), HEIGHT / 2 + rng.randint(-2, 2)
    rows = []
    for y in range(HEIGHT):
        row = []
        for x in range(WIDTH):
            if cls == 0:
                on = abs(((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 - 9) < 2
            elif cls == 1:
                on = abs(x - cx) <= 9 and abs(y - cy) <= 9 and (abs(x - cx) > 7 or abs(y - cy) > 7)
            elif cls == 2:
                on = x % 6 < 3
            else:
                on = x % 6 == 2 and y % 6 == 2
            base = COLOURS[cls] if on else (110, 110, 110)
            row.append(tuple(min(255, max(0, v + rng.randint(-15, 15))) for v in base))
        rows.append(row)
    return png_rgb(rows)


def make_folder(path):
    rng = random.Random(11)
    truth = {}
    os.makedirs(path)
    for i in range(N_IMAGES):
        name = f'photo-{i:02d}.png'
        truth[name] = i % len(CLASSES)
        with open(os.path.join(path, name), 'wb') as f:
            f.write(draw(i % len(CLASSES), rng))
    with open(os.path.join(path, 'broken.png'), 'wb') as f:
        f.write(b'this is not a PNG\n')
    with open(os.path.join(path, 'classes.txt'), 'w') as f:
        f.write('\n'.join(CLASSES) + '\n')
    return truth


class OwnImagesTest(unittest.TestCase):
    def setUp(self):
        self.top = tempfile.mkdtemp(prefix='annotator-images-', dir=os.environ.get('ANNOTATOR_TEST_DIR'))
        self.folder = os.path.join(self.top, 'photos')
        self.truth = make_folder(self.folder)
        self.env = dict(os.environ)
        self.env['HOME'] = os.path.join(self.top, 'home')
        self.env['XDG_CONFIG_HOME'] = os.path.join(self.top, 'config')
        self.env['XDG_DATA_HOME'] = os.path.join(self.top, 'data')
        self.runs = 0
        self.passed = False

    def tearDown(self):
        if self.passed:
            shutil.rmtree(self.top, ignore_errors=True)

    def run_app(self, commands):
        """Starts the app on a script ending in quit (from the second run on,
        opening the folder first); returns the reports."""
        self.runs += 1
        script = os.path.join(self.top, f'run{self.runs}.script')
        reports = {}
        lines = [f'open {self.folder}'] if self.runs > 1 else []
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
                              capture_output=True, text=True, timeout=50)
        sys.stderr.write(proc.stderr)
        self.assertEqual(proc.returncode, 0, f'run {self.runs} failed:\n{proc.stderr}')
        self.assertNotIn('CRITICAL', proc.stderr)
        self.assertNotIn('ERROR', proc.stderr)
        return {name: read_report(path) for name, path in reports.items()}

    def lightly_al(self, *args):
        proc = subprocess.run([os.environ['LIGHTLY_AL'], *args], env=self.env, capture_output=True, text=True,
                              timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def check_batch(self, report, labeled, number):
        batch = report['batch']
        self.assertEqual(report['round'], str(number))
        self.assertEqual(len(batch), BATCH)
        self.assertEqual(len(set(batch)), BATCH)
        self.assertTrue(set(batch) <= set(self.truth), batch)
        self.assertFalse(set(batch) & set(labeled))
        # Rank order, each badge with the strategy and utility of its pick.
        self.assertEqual(list(report['badge']), batch)
        for i, name in enumerate(batch):
            self.assertRegex(report['badge'][name], rf'^#{i + 1} · [a-z ]+ [-0-9.e+]+$')
            self.assertRegex(report['why'][name], rf'^Pick {i + 1} of {BATCH}, in the order the selection ranked')
        return batch

    def check_embeddings_csv(self):
        with open(os.path.join(self.folder, 'embeddings.csv')) as f:
            lines = f.read().splitlines()
        header = lines[0].split(',')
        self.assertEqual(header[0], 'filenames')
        self.assertEqual(header[-1], 'labels')
        dim = len(header) - 2
        self.assertGreaterEqual(dim, 8)
        rows = [line.split(',') for line in lines[1:]]
        self.assertEqual(sorted(row[0] for row in rows), sorted(self.truth))
        self.assertTrue(all(len(row) == dim + 2 for row in rows))

    def test_own_images(self):
        listing = sorted(os.listdir(self.folder))

        # Run 1: a cancelled embedding leaves the folder as it was; then the
        # embeddings, the first batch, a label undone.
        r = self.run_app([
            f'open-cancel {self.folder}', 'expect-message cancelled', 'report cancelled',
            f'open {self.folder}', 'report opened',
            'suggester lightly-suggest', f'batch-size {BATCH}', 'suggest', 'report round1',
        ])
        cancelled = r['cancelled']
        self.assertEqual((cancelled['page'], cancelled['page-title']), ('empty', 'Open a folder to label'))
        self.assertNotIn('folder', cancelled)
        opened = r['opened']
        self.assertEqual(opened['embedded'], str(N_IMAGES))
        self.assertEqual(len(opened['unreadable']), 1)
        self.assertTrue(opened['unreadable'][0].startswith('broken.png: '), opened['unreadable'])
        # Every file listed (the images, the broken one, classes.txt) was
        # counted on the main loop's progress bar.
        self.assertEqual(opened['embed-progress'], f'{N_IMAGES + 2}\t{N_IMAGES + 2}')
        self.assertIn(f'Embeddings computed for {N_IMAGES} images', opened['message'])
        self.assertIn('broken.png', opened['message'])
        self.check_embeddings_csv()
        self.assertEqual(sorted(os.listdir(self.folder)),
                         sorted(listing + ['embeddings.csv', 'store', '.lightly-annotator.ini']))
        batch1 = self.check_batch(r['round1'], [], 1)
        badges1, why1 = r['round1']['badge'], r['round1']['why']
        first = batch1[0]

        # Run 2: a wrong label, undone: nothing stays.
        wrong = (self.truth[first] + 1) % len(CLASSES)
        r = self.run_app([
            'report reopened', f'label {first} {wrong}', 'undo', 'report undone',
            f'label {first} {self.truth[first]}', 'report labeled',
        ])
        self.assertEqual(r['reopened']['embedded'], '0')          # embeddings.csv is there now
        self.assertNotIn('embed-progress', r['reopened'])
        self.assertEqual(r['reopened']['batch'], batch1)
        # The why badges are kept with the round, across the restart.
        self.assertEqual((r['reopened']['badge'], r['reopened']['why']), (badges1, why1))
        self.assertEqual(r['undone']['labeled'], {})
        self.assertEqual(r['labeled']['labeled'], {first: self.truth[first]})
        labels = {first: self.truth[first]}

        # Run 3: the rest of round 1, an undo and a redo,
        # round 2.
        commands = ['report reopened']
        commands += [f'label {name} {self.truth[name]}' for name in batch1[1:]]
        commands += ['undo', 'report undone', 'redo', 'suggest', 'report round2']
        r = self.run_app(commands)
        self.assertEqual(r['reopened']['labeled'], labels)
        labels.update({name: self.truth[name] for name in batch1})
        self.assertEqual(r['undone']['labeled'], {k: v for k, v in labels.items() if k != batch1[-1]})
        self.assertEqual(r['round2']['labeled'], labels)
        self.assertEqual(r['round2']['request'], (BATCH, BATCH, len(CLASSES)))
        batch2 = self.check_batch(r['round2'], labels, 2)

        # Run 4: round 2 labeled; round 3.
        exports = {fmt: os.path.join(self.top, f'export.{fmt}') for fmt in ('csv', 'json', 'xml')}
        commands = ['report reopened']
        commands += [f'label {name} {self.truth[name]}' for name in batch2]
        commands += ['suggest', 'report round3']
        r = self.run_app(commands)
        labels.update({name: self.truth[name] for name in batch2})
        batch3 = self.check_batch(r['round3'], labels, 3)
        # Run 5: half of round 3 labeled; export in the three formats.
        commands = [f'label {name} {self.truth[name]}' for name in batch3[:BATCH // 2]]
        commands += [f'export {exports["csv"]}', 'expect-message Exported',
                     f'export-label-studio {exports["json"]}', 'expect-message Exported',
                     f'export-cvat {exports["xml"]}', 'expect-message Exported', 'report exported']
        r = self.run_app(commands)
        labels.update({name: self.truth[name] for name in batch3[:BATCH // 2]})
        self.assertEqual(r['exported']['labeled'], labels)
        self.assertEqual(r['exported']['rounds'], [1, 2, 3])

        # The labels file, and each export read back by lightly-al.
        expected = {name: CLASSES[c] for name, c in labels.items()}
        self.assertEqual(read_labels_csv(os.path.join(self.folder, 'labels.csv')), expected)
        self.assertEqual(read_labels_csv(exports['csv']), expected)
        for fmt in ('json', 'xml'):
            back = os.path.join(self.top, f'back-{fmt}.csv')
            self.lightly_al('import-labels', exports[fmt], '-o', back)
            self.assertEqual(read_labels_csv(back), expected, fmt)

        # The store: the suggester's round tags, each the labeled set it got
        # plus the batch the app shows for that round.
        state = configparser.ConfigParser(interpolation=None)
        state.read(os.path.join(self.folder, '.lightly-annotator.ini'))
        dataset_id = state['folder']['dataset-id']
        store = 'file://' + os.path.join(self.folder, 'store')
        tags = self.lightly_al('tags', '-l', store, '-d', dataset_id)
        self.assertEqual(len([line for line in tags.splitlines() if 'lightly-suggest-round-' in line]), 3, tags)
        before = {1: set(), 2: set(batch1), 3: set(batch1) | set(batch2)}
        for k, batch in ((1, batch1), (2, batch2), (3, batch3)):
            names = self.lightly_al('export', '-l', store, '-d', dataset_id, '-t', f'lightly-suggest-round-{k}')
            self.assertEqual(set(names.split()), before[k] | set(batch), f'round {k}')
        self.passed = True


if __name__ == '__main__':
    unittest.main(verbosity=2)
