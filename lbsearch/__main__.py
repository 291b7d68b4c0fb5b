"""`python -m lbsearch` runs the command line."""

from .cli import run

run()
