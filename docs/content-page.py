#!/usr/bin/env python3
# content-page.py: prepares a guide page in docs/ for gi-docgen.
#
# Usage: content-page.py INPUT.md OUTPUT.md
#
# The pages are plain Markdown that reads well on a forge. gi-docgen wants a
# "Title:" header and HTML links between pages, so this adds the header
# (from the page's first "# " heading) and turns links to sibling pages,
# "(name.md)" or "(name.md#anchor)", into links to "name.html". Needs only
# Python's standard library.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import re
import sys


def main():
    source, output = sys.argv[1:3]
    with open(source, encoding='utf-8') as f:
        text = f.read()
    if not re.match(r'(?i)title:', text):
        heading = re.search(r'(?m)^# +(.+?)\s*$', text)
        title = heading.group(1) if heading else source
        text = f'Title: {title}\n\n{text}'
    text = re.sub(r'\]\(([\w-]+)\.md(#[\w-]*)?\)', r'](\1.html\2)', text)
    with open(output, 'w', encoding='utf-8') as f:
        f.write(text)


if __name__ == '__main__':
    main()
