"""The copies signature: the compiled MinHash (rensa) where it is installed, else the
Python one, each finding a story edited in a few sentences and never mixing kinds."""

from __future__ import annotations

import sys

import pytest


def signatures():
    """Each MinHash, as a function of a text's folded syllables."""
    from lbsearch import copies

    def python_signature(folded):
        return copies._python_signature(folded.split())

    def rensa_signature(folded):
        return copies._rensa_signature(folded.split())

    return [python_signature] + ([rensa_signature] if copies.RMinHash is not None else [])


def folded_seeds():
    from lbsearch.analysis import analyse

    from .conftest import SEED_FILES

    texts = []
    for path in SEED_FILES:
        title, _, body = path.read_text("utf-8").partition("\n")
        texts.append(" ".join(analyse(title, body, body.split("\n", 1)[0]).words))
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
        assert len(a) == len(b) == 128  # 64 slots of 16 bits
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


def test_the_signature_made_while_reading_is_the_one_made_again_from_the_stored_text():
    """Reading makes a signature from the pairs the analysis made; a candidate's is made
    again from its stored record: the two must be equal, or copies would be missed."""
    from lbsearch import copies
    from lbsearch.analysis import analyse, folded_text

    from .conftest import SEED_FILES

    for path in SEED_FILES:
        title, _, body = path.read_text("utf-8").partition("\n")
        analysis = analyse(title, body, body.split("\n", 1)[0])
        made = copies.words_signature(analysis.words, analysis.pairs)
        assert made == copies.signature(folded_text(title, body))
        assert folded_text(title, body).split() == analysis.words
        record = {"id": path.stem, "path": str(path), "source": path.name, "url": None, "title": title,
                  "body": body, "date": None}
        assert copies.member_from_record(record).signature == made


def test_the_index_stores_no_signature_and_finds_copies_of_stored_articles(corpus, tmp_path):
    """The stored record holds no signature (192 bytes an article); an update still finds
    a new copy of an article indexed before, whose signature is made from its text."""
    from lbsearch import engines, index
    from lbsearch.updater import update_index

    from .conftest import SEED_FILES

    ix = tmp_path / "ix"
    update_index(corpus, ix)
    records = list(engines.load(index.recorded_engine(ix)).open_reader(ix).records())
    assert records and all("signature" not in r for r in records)
    lines = SEED_FILES[0].read_text("utf-8").split("\n")
    (corpus / "z-copy.txt").write_text("\n".join(lines[:-1]), "utf-8")  # the last paragraph left out
    assert update_index(corpus, ix).copies_found == 1


def test_candidates_are_compared_once_per_band_as_with_every_band_term():
    """join_candidates keys one band at a time: it joins the pairs that share a band term."""
    from lbsearch import copies

    texts = folded_seeds()
    members = []
    for number, text in enumerate(texts * 2):
        words = text.split()
        if number >= len(texts):  # a copy with a few words changed, and one that shares only the address
            words[::50] = ["khac"] * len(words[::50])
        members.append(copies.Member(f"m{number}", f"p{number}", f"s{number}",
                                     "https://x.vn/a" if number in (0, 9) else None, len(words), 0,
                                     copies.words_signature(words)))
    groups = copies.Groups()
    copies.join_candidates(members, groups)
    found = sorted(sorted(g) for g in groups.groups())
    expected = copies.Groups()
    for a in members:
        for b in members:
            shared = set(copies.band_terms(a.signature, a.url)) & set(copies.band_terms(b.signature, b.url))
            if a.id < b.id and shared and copies.are_copies(a, b):
                expected.join(a.id, b.id)
    assert found == sorted(sorted(g) for g in expected.groups())
    assert ["m0", "m9"] in found or any({"m0", "m9"} <= set(g) for g in found)
