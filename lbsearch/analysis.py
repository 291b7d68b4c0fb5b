"""What the index stores as terms, for any engine: one function from an article's
text to the token strings of every indexed field (analyse, in one pass over each
text; it also hands over the folded syllable pairs, from which copies.py makes
the article's shingles without a pass of its own).

Both engines index these strings split on spaces and nothing else, so they see
the same terms at the same positions; the query plan (plan.py) asks for terms
in the same forms. Fields:

- ``text``: folded syllables, abbreviations expanded, of the headline, then
  HEADLINE_END, then the body (positions: phrases). Every clause is matched here,
  by one query: a phrase query skips to the articles other clauses leave, where
  "in the headline OR in the body" as two queries reads every match's positions.
  No phrase runs across HEADLINE_END, as none ran across two fields.
- ``title``: the same for the headline alone (its weight, the headline tiers)
- ``lead``: folded syllables of the opening paragraph (ranking only)
- ``pairs``: each folded syllable joined to the next one, headline then body
- ``exact``: lower-case syllables with their accents and one tone placement, and
  each joined to the next one: only whether they are there (the accent tiers)
- ``title_exact``: the same for the headline alone (the headline tiers)
- ``title_length``: the headline's number of folded syllables, one token
- ``phrases``: each abbreviation's expansion (text.abbreviations) that stands in
  ``text``, written out or abbreviated, as one token ("lien_doan_lao_dong"): only
  whether it is there. Counting the articles that hold one is then a term lookup,
  where the phrase query checks positions in each of its matches (300 ms for
  "LĐLĐ" at a million articles, 740,000 matches).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import islice
from typing import NamedTuple

from .text import abbreviations, exact, fold, syllable_pattern

PAIR_JOINER = "_"
# No Vietnamese syllable is this long: longer "words" are runs of junk (hashes,
# glued URLs) that would only bloat the vocabulary. The query side drops nothing,
# so such a word in a query simply matches nothing, on every engine.
MAX_TERM_CHARS = 40
TITLE_LENGTH = "title_length"
HEADLINE_END = "|"  # a token no query can hold: folded syllables are letters
PHRASES = "phrases"


def pair_term(first: str, second: str) -> str:
    return f"{first}{PAIR_JOINER}{second}"


@lru_cache(maxsize=1)
def _known_phrases() -> dict[str, str]:
    """The folded expansion of each abbreviation of more than one word, syllables
    joined by spaces, and its token in the phrases field."""
    expansions = {" ".join(fold(w) for w in words) for words in abbreviations().values() if len(words) > 1}
    return {phrase: phrase.replace(" ", PAIR_JOINER) for phrase in sorted(expansions)}


def phrase_term(syllables: tuple[str, ...]) -> str | None:
    """The phrases field's token for folded syllables standing together, when they are
    an abbreviation's expansion: an article has the token exactly when its headline
    or its body has them, in order."""
    return _known_phrases().get(" ".join(syllables))


# Every syllable an archive holds, analysed once per process: its folded and its
# exact form ("" for junk; several words for an abbreviation), looked up with map()
# so that an article's analysis runs at C speed once the syllables are known.
_FOLDED: dict[str, str] = {}
_EXACT: dict[str, str] = {}
# The syllables of the tables whose forms are not one token each (junk, abbreviations):
# a text that has none needs no split() to find its tokens.
_NOT_ONE: set[str] = set()
_KNOWN_MAX = 1_000_000  # a stream of junk words cannot grow the tables further


class _Forms(NamedTuple):
    folded: list[str]  # each syllable's folded form ("" for junk; an abbreviation's words)
    exact: list[str]
    one_each: bool  # every form is one token: the lists are the tokens


def _analysed(text: str) -> _Forms:
    """The forms of each syllable of clean text, as text.expanded_syllables gives them
    but without offsets: the indexing path."""
    words = syllable_pattern(text).findall(text)
    try:
        return _Forms(list(map(_FOLDED.__getitem__, words)), list(map(_EXACT.__getitem__, words)),
                      _NOT_ONE.isdisjoint(words))
    except KeyError:
        pass
    folded, accented, one_each = [], [], True
    for word in words:
        if word in _FOLDED:
            folded.append(_FOLDED[word])
            accented.append(_EXACT[word])
            one_each = one_each and word not in _NOT_ONE
            continue
        forms = _forms(word)
        folded.append(" ".join(f for f, _ in forms))
        accented.append(" ".join(e for _, e in forms))
        if len(forms) != 1:
            one_each = False
        if len(_FOLDED) < _KNOWN_MAX:
            _FOLDED[word], _EXACT[word] = folded[-1], accented[-1]
            if len(forms) != 1:
                _NOT_ONE.add(word)
    return _Forms(folded, accented, one_each)


def _tokens(forms: list[str], one_each: bool) -> list[str]:
    return forms if one_each else " ".join(forms).split()


def _folded(text: str) -> str:
    """The folded half of _analysed, joined: what finding copies reads of a stored article."""
    words = syllable_pattern(text).findall(text)
    try:
        return " ".join(map(_FOLDED.__getitem__, words))
    except KeyError:
        return " ".join(_analysed(text).folded)


def _forms(word: str) -> tuple[tuple[str, str], ...]:
    """(folded, exact) of one syllable, of each word an abbreviation stands for, or none for junk."""
    folded = fold(word)
    if not folded or len(folded) > MAX_TERM_CHARS:
        return ()
    expansion = abbreviations().get(folded) if len(word) <= 8 else None
    return tuple((fold(w), exact(w)) for w in expansion) if expansion else ((folded, exact(word)),)


def _pairs(words: list[str]) -> list[str]:
    # "_".join of each two-tuple runs at C speed: half the time of a + "_" + b.
    return list(map(PAIR_JOINER.join, zip(words, islice(words, 1, None))))


def _words_and_pairs(words: list[str]) -> str:
    """Existence only: each word and each pair once, in the order first seen (the
    words first). A pair is joined once however often it occurs."""
    pairs = dict.fromkeys(zip(words, islice(words, 1, None)))
    if not pairs:
        return " ".join(dict.fromkeys(words))
    return f"{' '.join(dict.fromkeys(words))} {' '.join(map(PAIR_JOINER.join, pairs))}"


class Analysis(NamedTuple):
    """An article's indexed terms, and its folded syllables (headline then body) with
    each joined to the next: finding copies makes its shingles from the pairs."""

    terms: dict[str, str]
    words: list[str]
    pairs: list[str]


def analyse(title: str, body: str, lead: str) -> Analysis:
    """The token string of every indexed field (article_terms), and the folded
    syllables and pairs they were made of.

    One pass over each text: the lead, when it is the body's first paragraph (as
    every caller gives it), is analysed as the start of the body, not again."""
    headline = _analysed(title)
    if lead and body.startswith(lead) and body[len(lead):len(lead) + 1] in ("", "\n"):
        # No syllable spans a line end: the body's syllables are the lead's, then the rest's.
        opening, rest = _analysed(lead), _analysed(body[len(lead) + 1:])
        text = _Forms(opening.folded + rest.folded, opening.exact + rest.exact, opening.one_each and rest.one_each)
    else:
        text, opening = _analysed(body), _analysed(lead)
    title_words = _tokens(headline.folded, headline.one_each)
    body_words = _tokens(text.folded, text.one_each)
    words = title_words + body_words
    # Single spaces between tokens, so that a phrase is found in it as a substring.
    text_tokens = f"{' '.join(title_words)} {HEADLINE_END} {' '.join(body_words)}"
    padded = f" {text_tokens} "
    pairs = _pairs(words)
    title_exact_words = _tokens(headline.exact, headline.one_each)
    terms = {
        "title": " ".join(headline.folded),
        "text": text_tokens,
        "lead": " ".join(opening.folded),
        "pairs": " ".join(pairs),
        "exact": _words_and_pairs(title_exact_words + _tokens(text.exact, text.one_each)),
        "title_exact": _words_and_pairs(title_exact_words),
        TITLE_LENGTH: str(len(title_words)),
        PHRASES: " ".join(token for phrase, token in _known_phrases().items() if f" {phrase} " in padded),
    }
    return Analysis(terms, words, pairs)


def article_terms(title: str, body: str, lead: str) -> dict[str, str]:
    """The token string of every indexed field, tokens separated by spaces."""
    return analyse(title, body, lead).terms


def folded_text(title: str, body: str) -> str:
    """An article's folded syllables, headline then body, separated by spaces: the
    text finding copies compares (analyse's words, joined)."""
    return " ".join(f"{_folded(title)} {_folded(body)}".split())
