#!/usr/bin/python3
# check-readme.py: README.md's C example is docs/examples/readme.c (minus its
# two-line header comment), and the program prints what README says.
#
# Usage: check-readme.py README.md readme.c READme-BINARY
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import subprocess
import sys


def main():
    readme, source, binary = sys.argv[1:4]
    with open(readme, encoding='utf-8') as f:
        text = f.read()
    start = text.index('```c\n#include <gisle.h>') + len('```c\n')
    block = text[start:text.index('```', start)]
    with open(source, encoding='utf-8') as f:
        code = f.read().split('\n', 2)[2]
    if block != code:
        sys.exit('README.md\'s C example differs from docs/examples/readme.c')
    proc = subprocess.run([binary], capture_output=True, text=True, timeout=30)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        sys.exit(f'exit status {proc.returncode}')
    if proc.stdout != 'fib(10) is\t55\nreturned (55,)\n':
        sys.exit(f'unexpected output {proc.stdout!r}')


if __name__ == '__main__':
    main()
