#!/usr/bin/python3
# check-example.py: runs one of docs/examples/hello.* and compares its
# standard output with docs/examples/hello.expected, so that the three
# examples keep doing the same thing and cannot rot.
#
# Usage: check-example.py EXPECTED-FILE COMMAND [ARGS...]
# Needs only Python's standard library.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import difflib
import subprocess
import sys

TIMEOUT = 30  # seconds


def main():
    if len(sys.argv) < 3:
        sys.exit('usage: check-example.py EXPECTED-FILE COMMAND [ARGS...]')
    with open(sys.argv[1], encoding='utf-8') as f:
        expected = f.read()
    try:
        proc = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        sys.stdout.write(e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or ''))
        sys.exit(f'{sys.argv[2]} did not finish within {TIMEOUT} s')
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        sys.exit(f'{sys.argv[2]} exited with status {proc.returncode}')
    if proc.stdout != expected:
        sys.stdout.writelines(difflib.unified_diff(
            expected.splitlines(keepends=True), proc.stdout.splitlines(keepends=True),
            'expected', 'actual'))
        sys.exit('the output differs from ' + sys.argv[1])


if __name__ == '__main__':
    main()
