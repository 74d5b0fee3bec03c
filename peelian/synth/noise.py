"""The mistakes people and machines make when they record a person or a vehicle.

Each function takes one true value (names in upper case) and a numpy ``Generator`` and returns the
value as a source system might hold it. A function that has nothing plausible to do (no nickname
for the name, no real date after a swap) returns the value unchanged, so a source's stated error
rate is an upper bound, never an invented error. ``corrupt`` applies one of them to a random share
of a column.
"""

from collections.abc import Callable
from datetime import date

import numpy as np

from peelian.synth.vocab import INWARD_LETTERS, PHONETIC, nicknames

# Neighbouring keys on a UK QWERTY keyboard, for substitution slips.
KEYBOARD = {
    "Q": "WA", "W": "QES", "E": "WRD", "R": "ETF", "T": "RYG", "Y": "TUH", "U": "YIJ", "I": "UOK",
    "O": "IPL", "P": "OL", "A": "QSZ", "S": "ADWX", "D": "SFEC", "F": "DGRV", "G": "FHTB", "H": "GJYN",
    "J": "HKUM", "K": "JLI", "L": "KO", "Z": "AX", "X": "ZCS", "C": "XVD", "V": "CBF", "B": "VNG",
    "N": "BMH", "M": "N",
}  # fmt: skip
# Characters an ANPR camera reads for one another.
OCR_CONFUSION = {
    "O": "0D", "0": "OD", "D": "0O", "I": "1L", "1": "I7", "B": "8", "8": "B", "S": "5", "5": "S",
    "Z": "2", "2": "Z", "G": "6", "6": "G", "A": "4", "4": "A", "T": "7", "7": "T1",
}  # fmt: skip
LATEST_DOB = date(2012, 12, 31)  # a mistyped date of birth still names someone over ten


def pick(rng: np.random.Generator, options) -> str:
    return options[int(rng.integers(len(options)))]


def typo(word: str, rng: np.random.Generator) -> str:
    """One keying slip: a neighbouring key, a dropped, doubled or transposed letter."""
    letters = [i for i, c in enumerate(word) if c.isalpha()]
    if len(letters) < 3:
        return word
    i = letters[int(rng.integers(len(letters)))]
    kind = int(rng.integers(4))
    if kind == 0 and word[i] in KEYBOARD:
        return word[:i] + pick(rng, KEYBOARD[word[i]]) + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    if i + 1 < len(word) and word[i + 1].isalpha() and word[i + 1] != word[i]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i] + word[i:]


def phonetic(name: str, rng: np.random.Generator) -> str:
    """Another spelling of a name as it sounds (STEPHEN: STEVEN), else the name."""
    return pick(rng, PHONETIC[name]) if name in PHONETIC else name


def nickname(forename: str, rng: np.random.Generator) -> str:
    """A familiar form from the shipped list (ROBERT: BOB), else the name."""
    forms = nicknames().get(forename)
    return pick(rng, forms) if forms else forename


def half_barrel(surname: str, rng: np.random.Generator) -> str:
    """A double-barrelled surname as one half, or with a space for the hyphen."""
    if "-" not in surname:
        return surname
    parts = surname.split("-")
    return [parts[0], parts[-1], " ".join(parts)][int(rng.integers(3))]


def swap_day_month(dob: date, rng: np.random.Generator) -> date:
    """Day and month exchanged (a US-style entry), where that is still a real, different date."""
    if dob.day > 12 or dob.day == dob.month:
        return dob
    return dob.replace(month=dob.day, day=dob.month)


def slip_digit(dob: date, rng: np.random.Generator) -> date:
    """One digit of DDMMYYYY keyed wrong, giving a real date (three tries, else unchanged)."""
    digits = dob.strftime("%d%m%Y")
    for _ in range(3):
        i = int(rng.choice([0, 1, 2, 3, 6, 7]))  # day, month, or the year's last two digits
        wrong = str((int(digits[i]) + int(rng.choice([-1, 1]))) % 10)
        text = digits[:i] + wrong + digits[i + 1 :]
        try:
            slipped = date(int(text[4:]), int(text[2:4]), int(text[:2]))
        except ValueError:
            continue
        if slipped <= LATEST_DOB:
            return slipped
    return dob


def postcode_typo(postcode: str, rng: np.random.Generator) -> str:
    """A mistyped postcode: the space dropped, a digit or an inward letter wrong, letters swapped."""
    outward, inward = postcode.split(" ")
    kind = int(rng.integers(4))
    if kind == 0:
        return outward + inward
    if kind == 1:
        return f"{outward} {(int(inward[0]) + int(rng.choice([-1, 1]))) % 10}{inward[1:]}"
    if kind == 2 and inward[1] != inward[2]:
        return f"{outward} {inward[0]}{inward[2]}{inward[1]}"
    return f"{outward} {inward[:2]}{pick(rng, INWARD_LETTERS)}"


def misread_plate(vrm: str, rng: np.random.Generator) -> str:
    """An ANPR misread: one character taken for a look-alike (O/0, I/1, B/8, S/5, ...)."""
    candidates = [i for i, c in enumerate(vrm) if c in OCR_CONFUSION]
    if not candidates:
        return vrm
    i = candidates[int(rng.integers(len(candidates)))]
    return vrm[:i] + pick(rng, OCR_CONFUSION[vrm[i]]) + vrm[i + 1 :]


def mistype_plate(vrm: str, rng: np.random.Generator) -> str:
    """A registration as an officer writes it in a hurry: no space, O for 0, or a slipped key."""
    kind = int(rng.integers(3))
    if kind == 0:
        return vrm.replace(" ", "")
    if kind == 1 and any(c in "0O1I" for c in vrm):
        return vrm.translate(str.maketrans("0O1I", "O0I1"))
    return typo(vrm, rng)


def corrupt(
    values: np.ndarray,
    rate: float,
    func: Callable[[object, np.random.Generator], object],
    rng: np.random.Generator,
    where: np.ndarray | None = None,
) -> np.ndarray:
    """``values`` with ``func`` applied to a ``rate`` share of them (among ``where``; blanks are
    left alone): a new array."""
    hit = rng.random(len(values)) < rate
    if where is not None:
        hit &= where
    out = values.astype(object)  # a copy; fixed-width text would cut longer results
    for i in np.flatnonzero(hit):
        if out[i]:
            out[i] = func(out[i], rng)
    return out
