#!/usr/bin/python3
"""Fails if a page of the HTML reference links to a local file that is not
there: check-links.py DIR. External links and in-page script links are skipped."""
import glob
import os
import re
import sys

root = sys.argv[1]
broken = []
pages = glob.glob(os.path.join(root, '**', '*.html'), recursive=True)
for page in pages:
    with open(page, encoding='utf-8') as f:
        for href in re.findall(r'(?:href|src)="([^"#?]+)', f.read()):
            if re.match(r'^[a-z]+:', href):
                continue
            if not os.path.exists(os.path.normpath(os.path.join(os.path.dirname(page), href))):
                broken.append(f'{os.path.relpath(page, root)} -> {href}')
if not pages:
    sys.exit(f'{root}: no HTML pages')
for b in broken:
    print('broken link:', b)
print(f'{len(pages)} pages, {len(broken)} broken links')
sys.exit(1 if broken else 0)
