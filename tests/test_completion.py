"""Shell completion candidates for --district and --sort (lbsearch/completion.py)."""

from __future__ import annotations

import unicodedata
from typing import List

import pytest
import typer
from typer.main import get_command

from lbsearch import places
from lbsearch.completion import district_names, sort_values


def test_folded_prefix_gives_the_accented_name():
    assert district_names("long") == ["Long Biên"]


@pytest.mark.parametrize(
    "plain, accented",
    [("ung", "Ứng"), ("ung hoa", "Ứng Hoà"), ("dong", "Đông"), ("cau g", "Cầu G"), ("ba", "Bắ")],
)
def test_accent_free_and_accented_prefixes_give_the_same_names(plain, accented):
    names = district_names(plain)
    assert names  # an empty list on both sides would prove nothing
    assert district_names(accented) == names


def test_accented_prefix_narrows_like_its_folded_form():
    # "Bắ" folds to "ba": the accent does not exclude Ba Đình or Ba Vì.
    assert district_names("Bắ") == ["Ba Đình", "Ba Vì", "Bắc Từ Liêm"]


def test_decomposed_input_matches_like_composed():
    assert district_names(unicodedata.normalize("NFD", "quận Đống Đ")) == ["Đống Đa"]


def test_case_does_not_matter():
    assert district_names("LONG") == ["Long Biên"]
    assert district_names("ỨNG HÒA") == ["Ứng Hòa"]
    assert district_names("hOÀN k") == ["Hoàn Kiếm"]


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("quận long", ["Long Biên"]),
        ("quan long", ["Long Biên"]),
        ("Quận Long B", ["Long Biên"]),
        ("huyện gia", ["Gia Lâm"]),
        ("huyen gia", ["Gia Lâm"]),
        ("thị xã sơn", ["Sơn Tây"]),
    ],
)
def test_unit_word_before_the_name_is_ignored(typed, expected):
    assert district_names(typed) == expected


def test_unit_word_alone_gives_every_name():
    assert district_names("quận ") == district_names("")


def test_every_prefix_of_what_resolve_district_accepts_offers_that_district():
    for district in places.districts():
        folded = " ".join(places.district_key(district.name).split("-"))
        for unit, name in [("", district.name), ("quận ", district.name), ("huyen ", folded),
                           ("", district.name.upper()), ("thị xã ", folded)]:
            assert places.resolve_district(unit + name) == district
            for cut in range(len(name) + 1):
                typed = unit + name[:cut]
                assert district.name in district_names(typed), typed


def test_space_after_a_syllable_ends_it():
    assert district_names("ba") == ["Ba Đình", "Ba Vì", "Bắc Từ Liêm"]
    assert district_names("ba ") == ["Ba Đình", "Ba Vì"]


@pytest.mark.parametrize("typed", ["x", "quận x", "long bienx", "zz"])
def test_prefix_matching_nothing_gives_nothing(typed):
    assert district_names(typed) == []


def test_empty_prefix_gives_every_district_once_in_folded_order():
    names = district_names("")
    assert len(names) == len(places.districts())
    assert set(names) == {d.name for d in places.districts()}
    keys = [places.district_key(name) for name in names]
    assert keys == sorted(keys)


def test_two_spellings_of_one_name_are_offered_once(monkeypatch):
    gazetteer = places.districts() + (
        places.District("Ứng Hoà", "huyện", places.district_key("Ứng Hoà")),
    )
    monkeypatch.setattr(places, "districts", lambda: gazetteer)
    assert district_names("ung") == ["Ứng Hòa"]  # the first spelling the gazetteer gives
    assert len(district_names("")) == len(gazetteer) - 1


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("", ["relevance", "newest", "oldest"]),
        ("r", ["relevance"]),
        ("new", ["newest"]),
        ("oldest", ["oldest"]),
        ("x", []),
        ("Newest", []),  # --sort accepts only the lower-case words
    ],
)
def test_sort_values_starting_with_prefix(typed, expected):
    assert sort_values(typed) == expected


def test_sort_values_come_from_the_plan():
    from lbsearch.plan import SORTS

    assert sort_values("") == list(SORTS)


def _completions(option: str, typed: str) -> list[str]:
    """What Typer's own autocompletion wrapper keeps of a callback's candidates (in process)."""
    app = typer.Typer()

    @app.command()
    def search(
        district: List[str] = typer.Option([], "--district", autocompletion=district_names),
        sort: str = typer.Option("relevance", "--sort", autocompletion=sort_values),
    ) -> None:
        pass

    command = get_command(app)
    param = next(p for p in command.params if option in p.opts)
    ctx = command.make_context("lbsearch", [], resilient_parsing=True)
    return [item.value for item in param.shell_complete(ctx, typed)]


@pytest.mark.parametrize(
    "typed, expected",
    [("long", ["Long Biên"]), ("quan long", ["Long Biên"]), ("UNG", ["Ứng Hòa"]), ("Long B", ["Long Biên"])],
)
def test_typer_keeps_district_names_it_would_not_match_itself(typed, expected):
    # Typer 0.28 drops any value that does not start with the typed text character for character.
    assert _completions("--district", typed) == expected


def test_offered_name_still_answers_startswith_for_other_prefixes():
    [long_bien] = district_names("long")
    assert long_bien.startswith("quận long b")
    assert not long_bien.startswith("ung")
    assert long_bien.startswith(("x", "Lo"))  # a tuple is compared as plain str does


def test_typer_offers_sort_values():
    assert _completions("--sort", "o") == ["oldest"]
    assert _completions("--sort", "") == ["relevance", "newest", "oldest"]


def complete(shell: str, words: str, **extra: str) -> list[str]:
    """What the installed completion script would get from lbsearch for the words typed."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "_LBSEARCH_COMPLETE": f"complete_{shell}", **extra}
    if shell == "bash":
        env.update(COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - (0 if words.endswith(" ") else 1)))
    else:
        env["_TYPER_COMPLETE_ARGS"] = words
    run = subprocess.run([sys.executable, "-c", "import lbsearch.cli as c; c.run()"], capture_output=True,
                         env=env, text=True, timeout=60)
    assert run.returncode == 0 and not run.stderr, run.stderr
    return run.stdout.splitlines()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_shells_complete_districts_without_accents(shell):
    extra = {"_TYPER_COMPLETE_FISH_ACTION": "get-args"} if shell == "fish" else {}
    shown = "\n".join(complete(shell, "lbsearch search công --district long", **extra))
    assert ("Long\\ Biên" if shell == "bash" else "Long Biên") in shown and "Gia Lâm" not in shown
    shown = "\n".join(complete(shell, "lbsearch stats --district ung", **extra)).replace("\\ ", " ")
    assert shown.count("Ứng Hòa") + shown.count("Ứng Hoà") == 1


def test_commands_and_sort_orders_complete():
    assert complete("bash", "lbsearch st") == ["stats"]
    assert complete("bash", "lbsearch search x --sort n") == ["newest"]
    assert "--no-pager" in complete("bash", "lbsearch search x --no")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_script_is_shown_for_each_shell(shell):
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "lbsearch", "--show-completion", shell], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and "_LBSEARCH_COMPLETE" in run.stdout


def test_bash_inserts_a_completed_name_as_one_word(tmp_path):
    """The real bash function Typer installs, called as bash calls it on Tab."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    if not shutil.which("bash"):
        pytest.skip("no bash here")
    script = subprocess.run([sys.executable, "-m", "lbsearch", "--show-completion", "bash"], capture_output=True,
                            text=True, timeout=60).stdout
    (tmp_path / "completion.bash").write_text(script, "utf-8")
    tab = f"""
        source {tmp_path / "completion.bash"}
        COMP_WORDS=(lbsearch search công --district long); COMP_CWORD=4
        _lbsearch_completion lbsearch
        eval "set -- ${{COMPREPLY[0]}}"
        printf '%s|%s\\n' "$#" "$1"
    """
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(["bash", "-c", tab], capture_output=True, text=True, env=env, timeout=60)
    assert run.stdout.strip() == "1|Long Biên", run.stderr
