"""Every example a user can copy, from each command's --help and from the README's
code blocks, runs on the bundled seeds and finds something (issue #19)."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from lbsearch.cli import main
from lbsearch.updater import update_index

from .conftest import SEEDS

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ("index", "search", "show", "stats")


def help_text(*command: str) -> str:
    """`lbsearch COMMAND --help` as an 80-column terminal shows it: an example that the
    help wraps onto two lines is cut short, and the cut example fails below."""
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"
    try:
        shown = io.StringIO()
        with redirect_stdout(shown):
            assert main([*command, "--help"]) == 0
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    return shown.getvalue()


def help_examples() -> list[tuple[str, str]]:
    found = []
    for command in ("", *COMMANDS):
        text = help_text(*([command] if command else []))
        for example in re.findall(r"^\s*(?:Examples?:\s*)?(lbsearch\s.*?)\s*$", text, re.M):
            found.append((f"{command or 'lbsearch'} --help", example))
    return found


def readme_examples() -> list[tuple[str, str]]:
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", (ROOT / "README.md").read_text("utf-8"), re.M | re.S)
    return [("README", line) for block in blocks
            for line in re.findall(r"^(?:\$ )?(lbsearch\s.*?)\s*$", block, re.M)]


EXAMPLES = help_examples() + readme_examples()


def test_every_command_help_and_the_readme_have_examples():
    sources = {source for source, _ in EXAMPLES}
    assert {f"{command} --help" for command in COMMANDS} <= sources
    assert "README" in sources


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A user's home in tmp: the seeds' index as the default index, and ~/articles and
    ~/other-site (the folders the index example names) holding the seeds; the
    examples run from there."""
    home = tmp_path / "home"
    shutil.copytree(SEEDS, home / "articles")
    shutil.copytree(SEEDS, home / "other-site")
    update_index(SEEDS, tmp_path / "index")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("LBSEARCH_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("LBSEARCH_CORPUS", str(SEEDS))
    monkeypatch.chdir(home)
    return home


@pytest.mark.parametrize("source, example", EXAMPLES, ids=[f"{s}: {e}" for s, e in EXAMPLES])
def test_example_finds_something(cli, home, tmp_path, source, example):
    words = shlex.split(example, comments=True)
    piped = words.index("|") if "|" in words else len(words)
    args, after = [os.path.expanduser(word) for word in words[1:piped]], words[piped + 1:]
    if "--install-completion" in args or "--show-completion" in args:
        pytest.skip("changes or prints the shell's set-up, finds nothing")
    if args[:1] == ["browse"]:
        pytest.skip("full screen, in a terminal only: tests/test_browse.py runs it in tmux")
    if args[:1] == ["index"]:
        written = Path(args[args.index("--index") + 1] if "--index" in args else os.environ["LBSEARCH_INDEX"])
        if not written.resolve().is_relative_to(tmp_path.resolve()):
            pytest.skip(f"would write {written}, outside the test's folder")
    run = cli(*args)
    assert run.status == 0, (source, example, run.err)
    assert run.out.strip(), (source, example)
    if "--json" in args:
        document = json.loads(run.out)
        if after[:1] == ["jq"] and re.fullmatch(r"\.\w+", after[1]):  # `| jq .key`: the key holds something
            assert document[after[1][1:]], (example, document)
    if "--jsonl" in args:
        assert [json.loads(line) for line in run.out.splitlines()]
