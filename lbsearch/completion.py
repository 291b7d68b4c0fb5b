"""Shell completion candidates: what Tab offers for --district and --sort.

This module owns only the lists of candidates and how a typed prefix selects
them; the names come from the gazetteer (places.py) and the sort orders from the
search plan (plan.py). Each function takes the word being completed as
`incomplete` and returns a list of strings, so it can be given to Typer as an
`autocompletion=` callback.

The shell starts a whole process on every Tab press, so nothing is imported at
module level: completing --sort never loads the gazetteer, and importing this
module from cli.py costs the other commands nothing.
"""

from __future__ import annotations

import os
import unicodedata


class _DistrictCandidate(str):
    """A district name offered for a prefix typed without its accents or case.

    Typer 0.28 keeps a callback's value only if `value.startswith(incomplete)`,
    compared character for character: it would drop "Long Biên" for "long" or
    "quận long". Here "starts with" means what completion means by it, the
    folded comparison that chose the candidate, so Typer keeps it.
    """

    key: str  # the district's folded slug: "long-bien"

    def __new__(cls, name: str, key: str) -> _DistrictCandidate:
        candidate = super().__new__(cls, name)
        candidate.key = key
        return candidate

    def startswith(self, prefix, *bounds) -> bool:  # type: ignore[override]
        if bounds or not isinstance(prefix, str):  # a slice or a tuple: not Typer's check
            return str.startswith(self, prefix, *bounds)
        return self.key.startswith(_typed_key(prefix))


def _typed_key(typed: str) -> str:
    """What the user typed as the start of a district slug: "Quận Long B" -> "long-b".

    The unit word is removed by the same rule as places.resolve_district, so
    completion offers exactly the names that --district then accepts.
    """
    from . import places

    # Shells may pass decomposed text (macOS): the unit-word pattern is composed.
    typed = unicodedata.normalize("NFC", typed)
    key = places.typed_key(typed)
    # "ba " is a whole first syllable: Ba Đình and Ba Vì, not Bắc Từ Liêm.
    if key and typed[-1:].isspace():
        key += "-"
    return key


def district_names(incomplete: str) -> list[str]:
    """Hanoi's district names whose folded spelling starts with what was typed.

    Accents, case and a leading "quận"/"huyện"/"thị xã" do not matter; each
    district comes once, in the gazetteer's spelling, in order of folded name.
    An empty prefix gives every district.
    """
    from . import places

    # Typer's bash script puts a candidate on the command line as it is (zsh and fish
    # quote it themselves): for bash, "Long\\ Biên" stays one word.
    for_bash = os.environ.get("_LBSEARCH_COMPLETE") == "complete_bash"
    prefix = _typed_key(incomplete or "")
    by_key: dict[str, _DistrictCandidate] = {}
    for district in places.districts():
        # Two spellings of one name ("Ứng Hòa", "Ứng Hoà") share a slug: offer the first.
        if district.key.startswith(prefix) and district.key not in by_key:
            shown = district.name.replace(" ", "\\ ") if for_bash else district.name
            by_key[district.key] = _DistrictCandidate(shown, district.key)
    return [by_key[key] for key in sorted(by_key)]


def sort_values(incomplete: str) -> list[str]:
    """The --sort values that start with what was typed, in plan.SORTS order.

    Compared as typed, case included, because --sort accepts only these exact words.
    """
    # Imported here, not at the top: plan brings text, dates and analysis (about 35 ms
    # in all), which completing --district and every other command do without.
    from .plan import SORTS

    return [value for value in SORTS if value.startswith(incomplete or "")]
