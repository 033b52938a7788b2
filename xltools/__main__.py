from xltools.cli import entry

entry()
