#!/bin/sh
# Start the web page (xltools serve) from this folder's "venv"; the arguments pass through:
#   sh serve.sh --host 0.0.0.0 --port 8765
# The browser is opened only on a desktop: on a server without one, Python would start a text
# browser in the terminal.
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
if [ ! -x "$here/venv/bin/python" ]; then
  cat "$here/tools/not-installed.txt" >&2
  exit 2
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$here/venv/bin/python" -m xltools serve --open "$@"
fi
exec "$here/venv/bin/python" -m xltools serve "$@"
