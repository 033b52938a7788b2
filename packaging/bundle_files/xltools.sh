#!/bin/sh
# Run xltools from this folder's "venv" (made by install.sh), from any directory; the arguments
# pass through unchanged: sh xltools.sh check "/data/2025 报告/甲.xlsx"
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
if [ ! -x "$here/venv/bin/python" ]; then
  cat "$here/tools/not-installed.txt" >&2
  exit 2
fi
# python -m xltools, not venv/bin/xltools: that script names the folder it was installed in and
# stops working when the folder is moved.
exec "$here/venv/bin/python" -m xltools "$@"
