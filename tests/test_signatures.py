"""The copies signature: the compiled MinHash (rensa) where it is installed, else the
Python one, each finding a story edited in a few sentences and never mixing kinds."""

from __future__ import annotations

import sys

import pytest


def signatures():
    from lbsearch import copies

    found = [copies._python_signature]
    if copies.RMinHash is not None:
        found.append(copies._rensa_signature)
    return found


def folded_seeds():
    from lbsearch.analysis import article_terms

    from .conftest import SEED_FILES

    texts = []
    for path in SEED_FILES:
        title, _, body = path.read_text("utf-8").partition("\n")
        terms = article_terms(title, body, body.split("\n", 1)[0])
        texts.append(f"{terms['title']} {terms['body']}")
    return texts


@pytest.mark.parametrize("signature", signatures(), ids=lambda f: f.__name__)
def test_a_story_edited_in_a_few_sentences_is_found_and_another_story_is_not(signature):
    """A copy with one sentence in twenty replaced shares a band with its original
    (it is a candidate) and is estimated near its real similarity; two different
    stories are estimated far apart."""
    from lbsearch import copies

    texts = folded_seeds()
    for number, text in enumerate(texts):
        words = text.split()
        cut = len(words) // 20  # about 5% of the text, in one run: a sentence or two
        copy = " ".join(words[:cut] + texts[(number + 1) % len(texts)].split()[:cut] + words[2 * cut:])
        exact = copies.jaccard(text, copy)
        assert 0.8 < exact < 0.95
        a, b = signature(text), signature(copy)
        assert len(a) == len(b) == 172  # 64 slots of 16 bits, base64
        assert abs(copies.similarity(a, b) - exact) < 0.15
        assert set(copies.band_terms(a, None)) & set(copies.band_terms(b, None))
        assert signature(text) == a  # the same text, the same signature (in another run too: no random seed)
        for other in texts[number + 1:]:
            assert copies.similarity(a, signature(other)) < 0.2


@pytest.mark.parametrize("signature", signatures(), ids=lambda f: f.__name__)
def test_short_and_odd_texts_have_a_signature(signature):
    from lbsearch import copies

    for text in ["", "một", "hai từ", "ba từ đây", "lỗi \udcff ở đây nhé"]:
        assert copies.similarity(signature(text), signature(text)) == 1.0
    assert copies.similarity(signature("ba từ đây"), signature("khác hẳn nhau")) < 0.5


def test_indexes_keep_signatures_of_one_kind():
    """An index records which MinHash made its signatures (index.py rebuilds it when
    another one would be used): the two kinds never meet."""
    import subprocess

    from lbsearch import copies

    python_check = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['rensa'] = None; from lbsearch import copies; "
                               "print(repr(copies.HASH_CHECK))"],
        capture_output=True, text=True, check=True).stdout.strip()
    if copies.RMinHash is not None:
        assert repr(copies.HASH_CHECK) != python_check
        assert copies.HASH_CHECK.startswith(f"rensa-{copies.RMinHash.ALGORITHM_VERSION}/")
    else:
        assert repr(copies.HASH_CHECK) == python_check
