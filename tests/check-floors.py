#!/usr/bin/env python3
# check-floors.py: the floors of lib/ hold (see docs/internals.md).
#
# Reads each lib/gisle-*.c head comment for "Floor N" and a thread rule,
# then the objects of the internal static library with nm: a symbol one
# object uses and another defines is a call (or a reference) from the first
# file to the second, and it must go to a lower floor. Fails naming every
# file without a floor or thread rule and every call that goes sideways or up.
#
# Usage: check-floors.py LIBDIR ARCHIVE [NM]
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import glob
import os
import re
import subprocess
import sys

libdir, archive = sys.argv[1], sys.argv[2]
nm = sys.argv[3] if len(sys.argv) > 3 else 'nm'
problems = []

floors = {}
for path in sorted(glob.glob(os.path.join(libdir, 'gisle-*.c'))):
    name = os.path.basename(path)[:-2]
    with open(path, encoding='utf-8') as f:
        head = f.read().split('*/', 1)[0]
    m = re.search(r'\bFloor (\d+)\b', head)
    if m is None:
        problems.append(f'{name}.c: no "Floor N" in its head comment')
    else:
        floors[name] = int(m.group(1))
    if not re.search(r'Thread rules?:', head):
        problems.append(f'{name}.c: no "Thread rule:" in its head comment')

defined, used = {}, {}
out = subprocess.run([nm, '-A', archive], capture_output=True, text=True, check=True).stdout
for line in out.splitlines():
    m = re.match(r'.*?([^/:]+)\.c\.o:\s*(?:[0-9a-f]+)?\s+([A-Za-z])\s+(\S+)$', line)
    if m is None:
        continue
    obj, kind, symbol = m.groups()
    if not obj.startswith('gisle-'):
        continue                      # generated code (enum types)
    if kind == 'U':
        used.setdefault(obj, set()).add(symbol)
    elif kind in 'TDBRV':
        defined[symbol] = obj

for obj in sorted(used):
    for symbol in sorted(used[obj]):
        owner = defined.get(symbol)
        if owner is None or owner == obj:
            continue
        a, b = floors.get(obj), floors.get(owner)
        if a is not None and b is not None and a <= b:
            problems.append(f'{obj}.c (floor {a}) uses {symbol} of {owner}.c (floor {b})')

if not floors:
    problems.append(f'no lib/gisle-*.c found in {libdir}')
for p in problems:
    print(p)
print(f'{len(floors)} files on {len(set(floors.values()))} floors, {len(problems)} problem(s)')
sys.exit(1 if problems else 0)
