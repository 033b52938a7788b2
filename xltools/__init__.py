"""xltools: the annual report on government information disclosure, from a checked spreadsheet."""

__version__ = "0.1.0"
