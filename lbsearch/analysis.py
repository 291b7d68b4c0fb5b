"""Whoosh analysis for Vietnamese: syllable tokens with abbreviations expanded, then
folded (accent-free), exact (accents kept, one tone placement), or paired (bigrams).

Whoosh pickles these classes into the index, so their import path is part of the
index format: renaming or moving them needs a new schema version (index.py).
"""

from __future__ import annotations

import unicodedata

from whoosh.analysis import Filter, Token, Tokenizer

from .text import exact, expanded_syllables, fold


class SyllableTokenizer(Tokenizer):
    """Splits text into Vietnamese syllables, abbreviations replaced by their words.

    "LĐLĐ huyện" yields liên, đoàn, lao, động, huyện at consecutive positions, the
    four first with the offsets of "LĐLĐ", so phrases match either spelling. Text
    is NFC-normalised first; indexed text is already NFC, so offsets point into
    the stored text.
    """

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        if not unicodedata.is_normalized("NFC", value):
            value = unicodedata.normalize("NFC", value)
        # Whoosh convention: one Token object, reused for every syllable.
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        words = expanded_syllables(value) if tokenize else [(value, 0, len(value))]
        for pos, (text, start, end) in enumerate(words):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class FoldFilter(Filter):
    """Replaces each token by its folded form: "Hợp" -> "hop", "Đường" -> "duong"."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            if token.text:
                yield token


class ExactFilter(Filter):
    """Lower case with accents kept and one tone placement: "HOÀ" and "hòa" -> "hòa"."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = exact(token.text)
            yield token


class PairFilter(Filter):
    """Each token joined to the one before it: "quy che phoi" -> "quy che", "che phoi".

    Pairs make "words stand together" a plain term lookup instead of a position check.
    """

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            current = token.text
            if previous is not None:
                token.text = f"{previous} {current}"
                yield token
            previous = current


def folding_analyzer():
    return SyllableTokenizer() | FoldFilter()


def exact_analyzer():
    return SyllableTokenizer() | ExactFilter()


def pair_analyzer():
    return SyllableTokenizer() | FoldFilter() | PairFilter()
