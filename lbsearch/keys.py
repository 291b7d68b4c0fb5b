"""Keys typed with the Vietnamese input switched off, read as what they spell.

With the input method off, the keys meant to add a mark stay in the text:
Telex writes `chees` for "chế", `ddoanf` for "đoàn", `hopwj` for "hợp"; VNI writes
`che61` and `d9oa2n`. decode() reads one such syllable back. It is a reading, not
a guess: it answers only when the keys make a syllable Vietnamese spelling allows
(an onset, a rhyme, a tone a stop final can carry), and only when a key was
used, so "doan" stays "doan" and "python" is not Vietnamese.

Telex: s f r x j are the tones (sắc huyền hỏi ngã nặng) and z none, typed after
the vowel, at the end or before the final; aa ee oo are â ê ô, dd is đ; w makes
ă ơ ư (uow: ươ), after its vowel or at the end (`hopw`), and alone it is ư.
VNI: 1 2 3 4 5 are the tones and 0 none; 6 is the circumflex (â ê ô), 7 the
horn (ơ ư), 8 the breve (ă), 9 đ, after the letter or at the end.
"""

from __future__ import annotations

import itertools
import unicodedata

from .text import exact

MAX_KEYS = 16  # longer strings are not one typed syllable

SAC, HUYEN, HOI, NGA, NANG = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_TELEX_TONES = {"s": SAC, "f": HUYEN, "r": HOI, "x": NGA, "j": NANG, "z": ""}
_VNI_TONES = {"1": SAC, "2": HUYEN, "3": HOI, "4": NGA, "5": NANG, "0": ""}

_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "q",
           "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
# Every rhyme of standard spelling, without its tone (vowel marks kept).
_RHYMES = frozenset("""
    a ac ach ai am an ang anh ao ap at au ay ăc ăm ăn ăng ăp ăt âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
    o oc oi om on ong op ot oong ooc ô ôc ôi ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt
    u ua uc ui um un ung up ut uôc uôi uôm uôn uông uôt
    ư ưa ưc ưi ưm ưn ưng ưt ưu ươc ươi ươm ươn ương ươp ươt ươu
    y yêm yên yêng yêt yêu
    oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt oe oen oeo oet
    uân uâng uât uây uê uêch uênh uơ uy uya uych uyên uyêt uyn uynh uyp uyt uyu
""".split())
_VOWELS = set("aăâeêioôơuưy")
_FRONT = set("ieêy")  # k, gh, ngh stand before these; c, g, ng never do
_STOPS = ("c", "ch", "p", "t")  # a syllable ending in one carries sắc or nặng, or no tone at all
_CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
_HORN = {"o": "ơ", "u": "ư"}


def decode(typed: str) -> str | None:
    """The Vietnamese syllable typed in Telex or VNI with the input off ("ddoanf",
    "d9oa2n" -> "đoàn"), lower case, tone placed as text.exact places it; None when
    the keys are not such typing (no key used, or no Vietnamese syllable)."""
    word = typed.lower()
    if not word.isascii() or not word.isalnum() or len(word) > MAX_KEYS or not word[0].isalpha():
        return None
    return vni(word) if any(ch.isdigit() for ch in word) else telex(word)


def telex(word: str) -> str | None:
    """A syllable typed in Telex ("chees", "hopwj", "ddoanf"), or None."""
    if not word.isascii() or not word.isalpha():
        return None
    letters: list[str] = []
    tone = None
    for ch in word.lower():
        if ch in _TELEX_TONES and any(c in "aeiouyw" for c in letters):
            if tone is not None:
                return None  # a second tone key: a doubled one types the letter, two tones are not a syllable
            tone = _TELEX_TONES[ch]
            continue
        letters.append(ch)
    text = "".join(letters)
    marked = text
    if marked.startswith("dd"):
        marked = "đ" + marked[2:]
    for plain, circumflexed in _CIRCUMFLEX.items():
        marked = marked.replace(plain + plain, circumflexed, 1)
    marked = _telex_w(marked)
    if marked is None or (marked == text and tone is None):
        return None
    return _spelled(marked, tone or "")


def _telex_w(text: str) -> str | None:
    """Each w as the mark it types: on the vowel before it, else on the syllable's
    vowels (typed at the end: "hopw" is "hơp"), else the vowel ư."""
    while "w" in text:
        at = text.index("w")
        before, after = text[:at], text[at + 1:]
        if before.endswith("uo"):
            text = before[:-2] + "ươ" + after
        elif before[-1:] in ("o", "u", "a"):
            text = before[:-1] + {"o": "ơ", "u": "ư", "a": "ă"}[before[-1]] + after
        elif before[-1:] in ("ơ", "ư", "ă"):
            return None  # a doubled w undoes the mark: not a syllable
        elif any(ch in "oua" for ch in before):
            text = _marked_vowels(before, "w") + after
        else:
            text = before + "ư" + after
    return text


def _marked_vowels(text: str, key: str) -> str:
    """The horn or breve (w, VNI 7 and 8) put on the syllable's last vowels that take it."""
    if key in ("w", "7") and "uo" in text:
        at = text.rindex("uo")
        return text[:at] + "ươ" + text[at + 2:]
    targets = {"w": "oua", "7": "ou", "8": "a"}[key]
    at = max(text.rfind(ch) for ch in targets)
    if at < 0:
        return text
    return text[:at] + {"o": "ơ", "u": "ư", "a": "ă"}[text[at]] + text[at + 1:]


def vni(word: str) -> str | None:
    """A syllable typed in VNI ("d9oa2n", "ho75p"), or None."""
    word = word.lower()
    if not word.isascii() or not word.isalnum() or not any(ch.isdigit() for ch in word) or not word[0].isalpha():
        return None
    text = ""
    tone = None
    for ch in word:
        if not ch.isdigit():
            text += ch
        elif ch in _VNI_TONES:
            if tone is not None:
                return None
            tone = _VNI_TONES[ch]
        else:
            marked = _vni_mark(text, ch)
            if marked is None:
                return None
            text = marked
    if not text:
        return None
    return _spelled(text, tone or "")


def _vni_mark(text: str, key: str) -> str | None:
    """The mark of VNI key 6, 7, 8 or 9 on the letter before it, else on the syllable's
    vowels; None when nothing can take it."""
    last = text[-1:]
    if key == "9":
        at = text.rfind("d")
        return None if at < 0 else text[:at] + "đ" + text[at + 1:]
    if key == "6":
        if last in _CIRCUMFLEX:
            return text[:-1] + _CIRCUMFLEX[last]
        at = max(text.rfind(ch) for ch in _CIRCUMFLEX)
        return None if at < 0 else text[:at] + _CIRCUMFLEX[text[at]] + text[at + 1:]
    if key == "7" and text.endswith("uo"):
        return text[:-2] + "ươ"
    if key == "7" and last in _HORN:
        return text[:-1] + _HORN[last]
    if key == "8" and last == "a":
        return text[:-1] + "ă"
    marked = _marked_vowels(text, key)
    return None if marked == text else marked


_MARKED = {"a": "aăâ", "e": "eê", "o": "oôơ", "u": "uư", "d": "dđ"}
_LONGEST = 7  # nghiêng


def spellings(folded: str) -> list[str]:
    """Every spelling Vietnamese allows, tone placed as text.exact places it, of a
    folded syllable: "cong" -> "cong", "cóng", ..., "công", ..., "cộng", "cơng"
    and so on; [] when it cannot be Vietnamese. At most a few dozen."""
    if not folded.isascii() or not folded.isalpha() or len(folded) > _LONGEST:
        return []
    found = []
    for letters in itertools.product(*(_MARKED.get(ch, ch) for ch in folded.lower())):
        bare = "".join(letters)
        if "đ" in bare[1:] or split(bare) is None:
            continue
        found += [spelled for tone in ("", SAC, HUYEN, HOI, NGA, NANG) if (spelled := _spelled(bare, tone))]
    return list(dict.fromkeys(found))


def split(syllable: str) -> tuple[str, str] | None:
    """(onset, rhyme) of a bare syllable (vowel marks, no tone) that Vietnamese spelling
    allows, the longest onset first ("gia": "gi" + "a"); None when none does."""
    for onset in _ONSETS:
        if not syllable.startswith(onset):
            continue
        rhyme = syllable[len(onset):]
        if rhyme not in _RHYMES:
            continue
        front = rhyme[0] in _FRONT
        if onset in ("k", "gh", "ngh") and not front or onset in ("c", "ng") and front or \
                onset == "g" and rhyme[0] in "eê" or onset == "qu" and rhyme[0] in "uo" or \
                onset == "q" and not rhyme.startswith("uy"):  # quýt: q + uyt
            continue
        return onset, rhyme
    return None


def _spelled(bare: str, tone: str) -> str | None:
    """The syllable with its tone on the vowel that carries it, if spelling allows it."""
    if bare.endswith("ươ"):
        bare = bare[:-2] + "uơ"  # open, the horn is on o alone: thuở, huơ
    parts = split(bare)
    if parts is None:
        return None
    onset, rhyme = parts
    if tone and rhyme.endswith(_STOPS) and tone not in (SAC, NANG):
        return None
    if not tone:
        return bare
    at = _tone_vowel(rhyme)
    rhyme = rhyme[:at] + unicodedata.normalize("NFC", rhyme[at] + tone) + rhyme[at + 1:]
    return exact(onset + rhyme)


def _tone_vowel(rhyme: str) -> int:
    """Where the tone goes: on the marked vowel (the last, as in ươ), else the last
    vowel before a final consonant, else the first of two vowels, the middle of
    three (text.exact then puts oa, oe, uy its way)."""
    marked = [i for i, ch in enumerate(rhyme) if ch in "ăâêôơư"]
    if marked:
        return marked[-1]
    vowels = [i for i, ch in enumerate(rhyme) if ch in _VOWELS]
    if rhyme[-1] not in _VOWELS:
        return vowels[-1]
    return vowels[0] if len(vowels) < 3 else vowels[1]
