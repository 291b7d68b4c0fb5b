"""What a terminal shows, run in a real pseudo-terminal: colours, charts, the pager,
and that none of it reaches a pipe; a pipe closed early ends the command quietly."""

from __future__ import annotations

import fcntl
import io
import json
import os
import re
import pty
import struct
import subprocess
import sys
import termios

import pytest

from lbsearch.updater import update_index

from .conftest import SEEDS

ESC = b"\x1b["


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("terminal")
    update_index(SEEDS, folder / "ix")
    env = {key: value for key, value in os.environ.items()
           if key not in ("NO_COLOR", "PAGER", "LBSEARCH_PAGER", "LESS", "COLUMNS", "LINES")}
    env.update(LBSEARCH_INDEX=str(folder / "ix"), TERM="xterm-256color")
    return folder, env


def in_terminal(args: list[str], env: dict, rows: int = 50, columns: int = 100) -> tuple[int, bytes]:
    """Run lbsearch with a pseudo-terminal of rows x columns as stdin, stdout and stderr."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "lbsearch", *args], stdin=follower, stdout=follower,
                               stderr=follower, env=env, close_fds=True)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    return process.wait(timeout=60), output


def recording_pager(folder, env: dict) -> tuple[dict, object]:
    record = folder / "paged.txt"
    record.unlink(missing_ok=True)
    return {**env, "LBSEARCH_PAGER": f"sh -c 'cat > {record}'"}, record


def test_colours_and_highlights_in_a_terminal_never_in_a_pipe(environment):
    folder, env = environment
    status, shown = in_terminal(["search", "Quy chế phối hợp", "--no-pager"], env)
    assert status == 0 and ESC in shown and "Quy chế phối hợp".encode() in shown
    piped = subprocess.run([sys.executable, "-m", "lbsearch", "search", "Quy chế phối hợp"],
                           capture_output=True, env=env)
    assert piped.returncode == 0 and ESC not in piped.stdout and ESC not in piped.stderr
    assert "Quy chế phối hợp".encode() in piped.stdout


def test_charts_in_a_terminal_and_in_a_pipe(environment):
    folder, env = environment
    status, shown = in_terminal(["stats", "công đoàn"], env, columns=80)
    assert status == 0 and "█".encode() in shown and ESC in shown
    lines = shown.decode().replace("\r", "").splitlines()
    assert max(len(line) for line in lines if ESC.decode() not in line) <= 80
    piped = subprocess.run([sys.executable, "-m", "lbsearch", "stats", "công đoàn"], capture_output=True, env=env)
    assert "█".encode() in piped.stdout and ESC not in piped.stdout


def test_output_taller_than_the_terminal_goes_through_the_pager(environment):
    folder, env = environment
    env, record = recording_pager(folder, env)
    status, shown = in_terminal(["search", "công đoàn"], env, rows=10)
    assert status == 0 and record.exists()
    paged = record.read_bytes()
    assert "Công đoàn".encode() in paged and ESC in paged  # colours kept for less -R
    assert b"Gia L" not in shown.split(b"matches")[0]  # the hits went to the pager, not the screen
    record.unlink()
    status, shown = in_terminal(["search", "công đoàn"], env, rows=200)
    assert status == 0 and not record.exists() and "Công đoàn".encode() in shown
    status, shown = in_terminal(["search", "công đoàn", "--no-pager"], env, rows=10)
    assert status == 0 and not record.exists() and "Công đoàn".encode() in shown
    status, shown = in_terminal(["show", "003_b5d277c22c92321f"], env, rows=10)
    assert status == 0 and "Kha Văn Tám".encode() in record.read_bytes()


def test_never_a_pager_in_a_pipe_or_for_json(environment):
    folder, env = environment
    env, record = recording_pager(folder, env)
    piped = subprocess.run([sys.executable, "-m", "lbsearch", "search", "công đoàn"], capture_output=True, env=env)
    assert piped.returncode == 0 and "Công đoàn".encode() in piped.stdout and not record.exists()
    status, shown = in_terminal(["search", "công đoàn", "--json"], env, rows=10)
    assert status == 0 and b'"schema_version": 1' in shown and not record.exists()


def test_a_missing_pager_prints_directly(environment):
    folder, env = environment
    status, shown = in_terminal(["search", "công đoàn"], {**env, "LBSEARCH_PAGER": "/nonexistent/pager"}, rows=10)
    assert status == 0 and "Công đoàn".encode() in shown


@pytest.mark.parametrize("args, earned", [(["search", "công đoàn"], 0), (["search", "công đoàn", "--jsonl"], 0),
                                          (["search", "công đoàn", "--json"], 0),
                                          (["show", "003_b5d277c22c92321f"], 0), (["stats"], 0)])
def test_a_pipe_closed_early_is_a_quiet_exit_with_the_earned_status(environment, args, earned):
    folder, env = environment
    # A pipe whose reader is already gone: the first write meets it closed, every time.
    read_end, write_end = os.pipe()
    os.close(read_end)
    writer = subprocess.run([sys.executable, "-m", "lbsearch", *args], stdout=write_end, stderr=subprocess.PIPE,
                            env=env, timeout=60)
    os.close(write_end)
    assert writer.returncode == earned and writer.stderr == b""


# What the terminal shows once colours and links are taken out.
CODES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def screen_lines(shown: bytes) -> list[str]:
    return CODES.sub("", shown.decode("utf-8")).replace("\r", "").split("\n")


def test_the_pager_counts_rows_after_wrapping(environment):
    """Issue #20: at 120x40 this article has 32 lines but takes 66 rows: it scrolled
    past, because only newlines were counted."""
    folder, env = environment
    env, record = recording_pager(folder, env)
    status, shown = in_terminal(["show", "000_de9231ce01b27642"], env, rows=40, columns=120)
    assert status == 0 and "Quy chế phối hợp".encode() in record.read_bytes()
    record.unlink()
    status, shown = in_terminal(["show", "000_de9231ce01b27642"], env, rows=100, columns=120)
    assert status == 0 and not record.exists() and "Quy chế phối hợp".encode() in shown


def test_snippets_wrap_at_words_under_their_hit(environment):
    folder, env = environment
    snippet = json.loads(subprocess.run([sys.executable, "-m", "lbsearch", "search", "quy che phoi hop", "-n", "1",
                                         "--json"], capture_output=True, env=env).stdout)["hits"][0]["snippet"]
    status, shown = in_terminal(["search", "quy che phoi hop", "-n", "1", "--no-pager"], env, columns=60)
    lines = screen_lines(shown)
    assert status == 0 and max(len(line) for line in lines) <= 60
    first = next(n for n, line in enumerate(lines) if line.startswith("   …"))
    rows = lines[first:lines.index("", first)]
    assert len(rows) > 2 and all(row.startswith("   ") and row[3] != " " for row in rows)
    assert " ".join(row.strip() for row in rows) == " ".join(snippet.split())  # no word cut in two


def test_highlights_stay_on_their_words_when_text_is_escaped():
    from rich.console import Console

    from lbsearch import render
    from lbsearch.query import Hit, SearchResult

    title = "a\tQuy chế"
    snippet = "x\x1by ký Quy chế phối hợp"
    hit = Hit(id="new\nline", path="/c/new\nline.txt", url=None, title=title, date=None, date_source=None,
              districts=[], score=1.0, snippet=snippet, highlights=[[snippet.index("Quy"), len(snippet)]],
              title_highlights=[[2, 9]])
    shown = io.StringIO()
    out = Console(file=shown, force_terminal=True, color_system="standard", width=200, soft_wrap=True)
    render.print_hits(out, SearchResult(query="quy che", total=1, hits=[hit]))
    text = shown.getvalue()
    assert "a\\t" in text and "x\\x1by ký " in text and "new\\nline" in text
    highlighted = re.findall(r"\x1b\[[0-9;]*33m([^\x1b]*)\x1b\[0m", text)
    assert highlighted == ["Quy chế", "Quy chế phối hợp"]
