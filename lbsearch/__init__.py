"""lbsearch: full-text search for Vietnamese trade-union news articles kept as text files."""

__version__ = "0.1.0"
