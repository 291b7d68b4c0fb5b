"""What the index stores as terms, for any engine: one function from an article's
text to the token strings of every indexed field.

Both engines index these strings split on spaces and nothing else, so they see
the same terms at the same positions; the query plan (plan.py) asks for terms
in the same forms. Fields:

- ``title``, ``body``: folded syllables, abbreviations expanded (positions: phrases)
- ``lead``: folded syllables of the opening paragraph (ranking only)
- ``pairs``: each folded syllable joined to the next one, headline then body
- ``exact``: lower-case syllables with their accents and one tone placement
  (only whether a word is there: the exact-accent tier)
"""

from __future__ import annotations

from .text import SYLLABLE_RE, abbreviations, exact, fold

PAIR_JOINER = "_"
# No Vietnamese syllable is this long: longer "words" are runs of junk (hashes,
# glued URLs) that would only bloat the vocabulary. The query side drops nothing,
# so such a word in a query simply matches nothing, on every engine.
MAX_TERM_CHARS = 40
FIELDS = ("title", "body", "lead", "pairs", "exact")


def pair_term(first: str, second: str) -> str:
    return f"{first}{PAIR_JOINER}{second}"


def folded_syllables(text: str) -> list[str]:
    """Folded syllables of clean text, abbreviations expanded; junk and empty folds left out."""
    return _terms(text)[0]


def exact_syllables(text: str) -> list[str]:
    """The same syllables as folded_syllables, with their accents and one tone placement."""
    return _terms(text)[1]


# Every syllable an archive holds, analysed once: a dict lookup is several times
# cheaper than a call through lru_cache, and indexing looks up every syllable.
_FORMS: dict[str, tuple[tuple[str, str], ...]] = {}
_FORMS_MAX = 1_000_000  # distinct syllables kept; a stream of junk words cannot grow it further


def _terms(text: str) -> tuple[list[str], list[str]]:
    """(folded, exact) syllables of clean text, as text.expanded_syllables gives them
    but without offsets: the indexing path, which every article takes."""
    folded_out: list[str] = []
    exact_out: list[str] = []
    cache = _FORMS
    for word in SYLLABLE_RE.findall(text):
        forms = cache.get(word)
        if forms is None:
            forms = _forms(word)
            if len(cache) < _FORMS_MAX:
                cache[word] = forms
        for folded, accented in forms:
            folded_out.append(folded)
            exact_out.append(accented)
    return folded_out, exact_out


def _forms(word: str) -> tuple[tuple[str, str], ...]:
    """(folded, exact) of one syllable, of each word an abbreviation stands for, or none for junk."""
    folded = fold(word)
    if not folded or len(folded) > MAX_TERM_CHARS:
        return ()
    expansion = abbreviations().get(folded) if len(word) <= 8 else None
    return tuple((fold(w), exact(w)) for w in expansion) if expansion else ((folded, exact(word)),)


def article_terms(title: str, body: str, lead: str) -> dict[str, str]:
    """The token string of every indexed field, tokens separated by single spaces."""
    title_words, title_exact = _terms(title)
    body_words, body_exact = _terms(body)
    both = title_words + body_words
    return {
        "title": " ".join(title_words),
        "body": " ".join(body_words),
        "lead": " ".join(_terms(lead)[0]),
        "pairs": " ".join([a + PAIR_JOINER + b for a, b in zip(both, both[1:])]),
        # Existence only: each accented word once, in a stable order.
        "exact": " ".join(sorted(set(title_exact + body_exact))),
    }
