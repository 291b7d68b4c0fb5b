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

from .text import exact, expanded_syllables, fold

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
    out = []
    for word, _, _ in expanded_syllables(text):
        folded = fold(word)
        if folded and len(folded) <= MAX_TERM_CHARS:
            out.append(folded)
    return out


def exact_syllables(text: str) -> list[str]:
    out = []
    for word, _, _ in expanded_syllables(text):
        folded = fold(word)
        if folded and len(folded) <= MAX_TERM_CHARS:
            out.append(exact(word))
    return out


def article_terms(title: str, body: str, lead: str) -> dict[str, str]:
    """The token string of every indexed field, tokens separated by single spaces."""
    title_words = folded_syllables(title)
    body_words = folded_syllables(body)
    both = title_words + body_words
    return {
        "title": " ".join(title_words),
        "body": " ".join(body_words),
        "lead": " ".join(folded_syllables(lead)),
        "pairs": " ".join(pair_term(a, b) for a, b in zip(both, both[1:])),
        # Existence only: each accented word once, in a stable order.
        "exact": " ".join(sorted(set(exact_syllables(title) + exact_syllables(body)))),
    }
