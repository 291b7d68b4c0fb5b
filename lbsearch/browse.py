"""`lbsearch browse`, the command's side: refuse to run outside a terminal, and start the
full-screen app (lbsearch/browse_app.py) on an open index.

Small and free of Textual on purpose: the command line imports this module to check the
terminal, and Textual loads only when the app really starts, in run(), which also decides
how Python's cycle collector runs while the app starts (see run).
"""

from __future__ import annotations

import gc
import shutil
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .index import OpenIndex
    from .query import SearchOptions

__all__ = ["collect_from_now", "not_a_terminal", "run"]


def not_a_terminal() -> str | None:
    """Why browse cannot run here, or None: it reads keys from stdin, and stdout is where
    a script would expect results; Textual draws on stderr, so that must be the terminal too."""
    if all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout, sys.stderr)):
        return None
    return "browse needs a terminal; in a pipe or a script use `lbsearch search`"


def run(reader: OpenIndex, options: SearchOptions) -> int:
    """Run the full-screen app on an open index; the exit status: 0 after q, 130 after Ctrl+C,
    128 + the signal after SIGTERM, SIGHUP or SIGINT (the terminal is restored in every case)."""
    # A pass of Python's cycle collector over its oldest generation walks every object
    # alive. While Textual loads and builds the first screen, in a process that already
    # holds the command line and the index, those passes were about a fifth of the
    # processor time to the first frame (90 of 420 ms at 100,000 articles): the collector
    # waits until that frame is drawn (collect_from_now).
    gc.disable()
    try:
        from .browse_app import BrowseApp

        app = BrowseApp(reader, options, handle_signals=True, after_first_frame=collect_from_now)
        app.search_first(shutil.get_terminal_size().lines)
        app.run()
        return app.return_code or 0
    finally:
        gc.enable()


def collect_from_now() -> None:
    """Once the first screen is drawn: what start-up built (modules, stylesheets, widgets,
    the index's readers) lives as long as the app, so it is left out of the collector's
    passes for good (gc.freeze): the passes while typing walk only what was made since."""
    gc.freeze()
    gc.enable()
