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

# Three domains: the console application (po/), libgisle-gtk (po/gtk/)
# and libgisle (po/lib/).
check() {
potfiles=$1
shift
grep -v '^[[:space:]]*#' "$potfiles" | sed '/^[[:space:]]*$/d' | sort -u > "$listed"

# C files using a gettext macro, .ui files with translatable properties, and
# the data files that i18n.merge_file() or the schema translate.
{
  for dir in "$@"; do
    grep -lE '(^|[^A-Za-z0-9_])(_|N_|C_|NC_|g_dngettext|ngettext)[[:space:]]*\(' \
      "$dir"/*.c 2>/dev/null || true
    grep -l 'translatable="yes"' "$dir"/*.ui 2>/dev/null || true
  done
  [ "$1" = demo-app/console ] && ls data/*.desktop.in data/*.metainfo.xml.in data/*.gschema.xml 2>/dev/null || true
} | sort -u > "$found"

missing=$(comm -13 "$listed" "$found")
if [ -n "$missing" ]; then
  echo "Files with translatable strings missing from $potfiles:"
  echo "$missing" | sed 's/^/  /'
  status=1
fi
for f in $(cat "$listed"); do
  if [ ! -f "$f" ]; then
    echo "$potfiles names a file that does not exist: $f"
    status=1
  fi
done
echo "$potfiles lists $(wc -l < "$listed") files with translatable strings"
}

status=0
check po/POTFILES.in demo-app/console data/ui
check po/gtk/POTFILES.in lib/gtk
check po/lib/POTFILES.in lib
exit $status
