#!/usr/bin/python3
"""Extracts the code blocks of one language from a Markdown page and runs
them as one program, so a tutorial (or the README) cannot rot.

  run-snippets.py LANG PAGE [--marked]

LANG is python, js or c. All ```LANG blocks of PAGE are joined in order;
with --marked, only blocks right after a `<!-- runs in CI -->` line. The
program runs with /usr/bin/python3, `gjs -m`, or cc with
`pkg-config --cflags --libs lightly-1.0` plus $CFLAGS. The GJS module's
installed URI is replaced by $LIGHTLY_GJS_MODULE when that is set, so the
in-tree test runs the page as written."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

INSTALLED_GJS = 'file:///usr/local/share/lightly-1.0/gjs/lightly.js'
MARK = '<!-- runs in CI -->'


def blocks(text, lang, marked):
    out = []
    lines = text.split('\n')
    i = 0
    while i < len(lines):
        m = re.match(r'^```(\w+)\s*$', lines[i])
        if m:
            j = i + 1
            while j < len(lines) and not lines[j].startswith('```'):
                j += 1
            previous = lines[i - 1].strip() if i > 0 else ''
            if m.group(1) == lang and (not marked or previous == MARK):
                out.append('\n'.join(lines[i + 1:j]))
            i = j + 1
        else:
            i += 1
    return out


def main():
    lang, page = sys.argv[1], sys.argv[2]
    marked = '--marked' in sys.argv[3:]
    with open(page, encoding='utf-8') as f:
        code = blocks(f.read(), lang, marked)
    if not code:
        sys.exit(f'{page}: no {"marked " if marked else ""}```{lang} block')
    program = '\n\n'.join(code) + '\n'
    module = os.environ.get('LIGHTLY_GJS_MODULE')
    if lang == 'js' and module:
        program = program.replace(INSTALLED_GJS, 'file://' + os.path.abspath(module))
    work = tempfile.mkdtemp(prefix='lightly-snippets-')
    ext = {'python': 'py', 'js': 'js', 'c': 'c'}[lang]
    src = os.path.join(work, 'snippet.' + ext)
    with open(src, 'w', encoding='utf-8') as f:
        f.write(program)
    if lang == 'python':
        cmd = ['/usr/bin/python3', src]
    elif lang == 'js':
        cmd = ['gjs', '-m', src]
    else:
        flags = subprocess.run(['pkg-config', '--cflags', '--libs', 'lightly-1.0'], check=True,
                               capture_output=True, text=True).stdout.split()
        exe = os.path.join(work, 'snippet')
        subprocess.run(['cc', '-Wall', '-Werror', '-o', exe, src] + flags
                       + os.environ.get('CFLAGS', '').split(), check=True)
        cmd = [exe]
    print(f'{page}: {len(code)} {lang} block(s), running {" ".join(cmd)}', flush=True)
    # The pages make their stores under the temporary folder, as a reader's
    # would; point it into the work folder so that nothing outlives the run.
    env = dict(os.environ, TMPDIR=work)
    try:
        code = subprocess.run(cmd, env=env).returncode
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(code)


if __name__ == '__main__':
    main()
