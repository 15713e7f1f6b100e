#!/bin/sh
# Fails when a file with translatable strings is missing from POTFILES.in,
# or when POTFILES.in names a file that does not exist.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
srcdir=${1:-$(dirname "$0")/..}
cd "$srcdir"

listed=$(mktemp)
found=$(mktemp)
trap 'rm -f "$listed" "$found"' EXIT

grep -v '^[[:space:]]*#' po/POTFILES.in | sed '/^[[:space:]]*$/d' | sort -u > "$listed"

# C files using a gettext macro, .ui files with translatable properties, and
# the data files that i18n.merge_file() or the schema translate.
{
  grep -lE '(^|[^A-Za-z0-9_])(_|N_|C_|NC_|g_dngettext|ngettext)[[:space:]]*\(' \
    demo-app/console/*.c 2>/dev/null || true
  grep -l 'translatable="yes"' data/ui/*.ui 2>/dev/null || true
  ls data/*.desktop.in data/*.metainfo.xml.in data/*.gschema.xml 2>/dev/null || true
} | sort -u > "$found"

status=0
missing=$(comm -13 "$listed" "$found")
if [ -n "$missing" ]; then
  echo "Files with translatable strings missing from po/POTFILES.in:"
  echo "$missing" | sed 's/^/  /'
  status=1
fi
for f in $(cat "$listed"); do
  if [ ! -f "$f" ]; then
    echo "po/POTFILES.in names a file that does not exist: $f"
    status=1
  fi
done
[ $status -eq 0 ] && echo "po/POTFILES.in lists all $(wc -l < "$listed") files with translatable strings"
exit $status
