#!/bin/sh
# Install xltools from this folder into "venv" next to this file, without network.
#   sh install.sh                      finds python{{PYTHONS}} (newest first), then python3
#   sh install.sh /usr/bin/python3.11  uses that Python
set -u
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
if [ $# -gt 0 ]; then
  exec "$1" "$here/tools/install.py"
fi
for v in {{PYTHONS}}; do
  if command -v "python$v" >/dev/null 2>&1; then
    exec "python$v" "$here/tools/install.py"
  fi
done
if python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1; then
  exec python3 "$here/tools/install.py"
fi
cat "$here/tools/no-python.txt" >&2
exit 3
