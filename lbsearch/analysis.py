"""Whoosh analysis for Vietnamese: syllable tokens, folded to accent-free lower case.

Whoosh pickles these classes into the index, so their import path is part of the
index format: renaming or moving them needs a new schema version (index.py).
"""

from __future__ import annotations

import unicodedata

from whoosh.analysis import Filter, Token, Tokenizer

from .text import SYLLABLE_RE, fold


class SyllableTokenizer(Tokenizer):
    """Splits text into Vietnamese syllables (runs of letters and digits), with offsets.

    Text is NFC-normalised first so that decomposed input yields the same tokens;
    indexed text is already NFC, so offsets point into the stored text.
    """

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        if not unicodedata.is_normalized("NFC", value):
            value = unicodedata.normalize("NFC", value)
        # Whoosh convention: one Token object, reused for every syllable.
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches = SYLLABLE_RE.finditer(value) if tokenize else [None]
        for pos, match in enumerate(matches):
            text = match.group() if match else value
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                start = match.start() if match else 0
                token.startchar = start_char + start
                token.endchar = start_char + start + len(text)
            yield token


class FoldFilter(Filter):
    """Replaces each token by its folded form: "Hợp" -> "hop", "Đường" -> "duong"."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            if token.text:
                yield token


def folding_analyzer():
    return SyllableTokenizer() | FoldFilter()
