"""What the index stores as terms, for any engine: one function from an article's
text to the token strings of every indexed field.

Both engines index these strings split on spaces and nothing else, so they see
the same terms at the same positions; the query plan (plan.py) asks for terms
in the same forms. Fields:

- ``title``, ``body``: folded syllables, abbreviations expanded (positions: phrases)
- ``lead``: folded syllables of the opening paragraph (ranking only)
- ``pairs``: each folded syllable joined to the next one, headline then body
- ``exact``: lower-case syllables with their accents and one tone placement, and
  each joined to the next one: only whether they are there (the accent tiers)
- ``title_exact``: the same for the headline alone (the headline tiers)
- ``title_length``: the headline's number of folded syllables, one token
"""

from __future__ import annotations

from .text import abbreviations, exact, fold, syllable_pattern

PAIR_JOINER = "_"
# No Vietnamese syllable is this long: longer "words" are runs of junk (hashes,
# glued URLs) that would only bloat the vocabulary. The query side drops nothing,
# so such a word in a query simply matches nothing, on every engine.
MAX_TERM_CHARS = 40
TITLE_LENGTH = "title_length"


def pair_term(first: str, second: str) -> str:
    return f"{first}{PAIR_JOINER}{second}"


# Every syllable an archive holds, analysed once per process: its folded and its
# exact form ("" for junk; several words for an abbreviation), looked up with map()
# so that an article's analysis runs at C speed once the syllables are known.
_FOLDED: dict[str, str] = {}
_EXACT: dict[str, str] = {}
_KNOWN_MAX = 1_000_000  # a stream of junk words cannot grow the tables further


def _analysed(text: str) -> tuple[str, str]:
    """(folded, exact) syllables of clean text joined by spaces (junk leaves two), as
    text.expanded_syllables gives them but without offsets: the indexing path."""
    words = syllable_pattern(text).findall(text)
    try:
        return " ".join(map(_FOLDED.__getitem__, words)), " ".join(map(_EXACT.__getitem__, words))
    except KeyError:
        pass
    folded, accented = [], []
    for word in words:
        if word in _FOLDED:
            folded.append(_FOLDED[word])
            accented.append(_EXACT[word])
            continue
        forms = _forms(word)
        folded.append(" ".join(f for f, _ in forms))
        accented.append(" ".join(e for _, e in forms))
        if len(_FOLDED) < _KNOWN_MAX:
            _FOLDED[word], _EXACT[word] = folded[-1], accented[-1]
    return " ".join(folded), " ".join(accented)


def _forms(word: str) -> tuple[tuple[str, str], ...]:
    """(folded, exact) of one syllable, of each word an abbreviation stands for, or none for junk."""
    folded = fold(word)
    if not folded or len(folded) > MAX_TERM_CHARS:
        return ()
    expansion = abbreviations().get(folded) if len(word) <= 8 else None
    return tuple((fold(w), exact(w)) for w in expansion) if expansion else ((folded, exact(word)),)


def _pairs(words: list[str]) -> list[str]:
    return [a + PAIR_JOINER + b for a, b in zip(words, words[1:])]


def _words_and_pairs(words: list[str]) -> str:
    """Existence only: each word and each pair once, in the order first seen."""
    return " ".join(dict.fromkeys(words + _pairs(words)))


def article_terms(title: str, body: str, lead: str) -> dict[str, str]:
    """The token string of every indexed field, tokens separated by spaces."""
    title_folded, title_exact = _analysed(title)
    body_folded, body_exact = _analysed(body)
    title_exact_words = title_exact.split()
    return {
        "title": title_folded,
        "body": body_folded,
        "lead": _analysed(lead)[0],
        "pairs": " ".join(_pairs(f"{title_folded} {body_folded}".split())),
        "exact": _words_and_pairs(title_exact_words + body_exact.split()),
        "title_exact": _words_and_pairs(title_exact_words),
        TITLE_LENGTH: str(len(title_folded.split())),
    }
