"""Canonical forms of the fields people are matched on: names, dates of birth, UK registrations,
postcodes, phone numbers and email addresses.

Each function takes whatever a source system typed and returns the canonical form, or None when
nothing usable is there; none raises on bad text, since one odd row must not stop a linkage run.
Every canonical form is a fixed point (normalising it again changes nothing), so a field can be
normalised at ingest and again at match time without drift.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import jellyfish

TITLES = frozenset({"MR", "MRS", "MS", "MISS", "MX", "DR", "PROF", "REV", "SIR", "DAME", "LORD", "LADY"})
SUFFIXES = frozenset({"JR", "JNR", "SR", "SNR", "II", "III", "IV"})
_NOT_NAME = re.compile(r"[^A-Z' -]+")
_SPACES = re.compile(r"\s+")


def ascii_upper(text: object) -> str:
    """Upper-case ASCII: accents dropped (Zoë, Zoe and ZOE are one name to a matcher)."""
    if not isinstance(text, str):
        return ""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return folded.upper()


def name(text: object) -> str | None:
    """A personal name in capital letters and single spaces; hyphens kept (they join
    double-barrelled surnames), apostrophes dropped (O'BRIEN and OBRIEN agree), a leading title
    and a trailing suffix dropped (but a surname LORD alone stays)."""
    cleaned = _NOT_NAME.sub(" ", ascii_upper(text).replace(".", " "))
    cleaned = re.sub(r"\s*-[\s-]*", "-", cleaned).replace("'", "")
    words = [w for w in (w.strip("-") for w in _SPACES.split(cleaned)) if w]
    while len(words) > 1 and words[0] in TITLES:
        words = words[1:]
    while len(words) > 1 and words[-1] in SUFFIXES:
        words = words[:-1]
    return " ".join(words) or None


def name_parts(text: object) -> list[str]:
    """The separate words of a name, hyphenated parts split: SMITH-JONES matches JONES."""
    canonical = name(text)
    return [] if canonical is None else [p for p in re.split(r"[ -]", canonical) if p]


def phonetic(text: object) -> str | None:
    """Double-metaphone-like key of a name (jellyfish's metaphone): SMITH and SMYTHE agree."""
    canonical = name(text)
    if canonical is None:
        return None
    return "".join(jellyfish.metaphone(part) for part in re.split(r"[ -]", canonical) if part) or None


@cache
def _nicknames() -> dict[str, frozenset[str]]:
    """Each name with every form it may share a person with: a given name with its familiar forms,
    and a familiar form with each name it is short for and their other forms (BOB: ROBERT, ROB)."""
    short: dict[str, set[str]] = {}  # given name -> familiar forms
    full: dict[str, set[str]] = {}  # familiar form -> given names
    text = resources.files("peelian.data").joinpath("resolve/nicknames.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        given, familiar = row["name"].strip().upper(), row["nickname"].strip().upper()
        short.setdefault(given, set()).add(familiar)
        full.setdefault(familiar, set()).add(given)
    out = {}
    for known in short.keys() | full.keys():
        givens = ({known} if known in short else set()) | full.get(known, set())
        out[known] = frozenset({known}.union(*({g, *short[g]} for g in givens)))
    return out


def forename_variants(text: object) -> frozenset[str]:
    """A first name with the names it may stand for or be short for (BOB: ROBERT, ROB, ...), from
    the shipped list; a name the list does not know stands for itself."""
    canonical = name(text)
    if canonical is None:
        return frozenset()
    first = re.split(r"[ -]", canonical)[0]
    return _nicknames().get(first, frozenset({first}))


@dataclass(frozen=True)
class PartialDate:
    """A date of birth as far as it is known: a year alone, a month and year, or the full date."""

    year: int | None
    month: int | None = None
    day: int | None = None

    def iso(self) -> str | None:
        if self.year is None:
            return None
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
            if self.day:
                parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def swapped(self) -> "PartialDate | None":
        """Day and month exchanged (a US-style entry of a UK date), where that is a real date."""
        if self.day and self.month and self.day != self.month and self.day <= 12:
            return PartialDate(self.year, self.day, self.month)
        return None


_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid(year: int, month: int | None, day: int | None, earliest: int, latest: int) -> bool:
    if not earliest <= year <= latest:
        return False
    if month is None:
        return day is None
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 1 <= day <= (_DAYS[month - 1] if month != 2 else 28 + leap)


def date_of_birth(text: object, earliest: int = 1900, latest: int = 2030) -> PartialDate | None:
    """UK order first (day/month/year), then ISO (year-month-day); two-digit years are read as
    the most recent century that keeps the person born by ``latest``. Partial dates (``1985``,
    ``03/1985``) keep what they say."""
    if not isinstance(text, str):
        return None
    compact = re.fullmatch(r"\s*(\d{8})\s*", text)
    if compact:  # 19850312 (year first when that reads as a date) or 12031985
        digits = compact.group(1)
        year_first = f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
        day_first = f"{digits[:2]}/{digits[2:4]}/{digits[4:]}"
        return date_of_birth(year_first, earliest, latest) or date_of_birth(day_first, earliest, latest)
    numbers = [int(n) for n in re.findall(r"\d+", text)][:3]
    if not numbers or any(n > 9999 for n in numbers):
        return None
    first_is_year = len(re.findall(r"\d+", text)[0]) == 4
    if len(numbers) == 3:
        year, month, day = numbers if first_is_year else (numbers[2], numbers[1], numbers[0])
    elif len(numbers) == 2:
        (year, month), day = (numbers if first_is_year else (numbers[1], numbers[0])), None
    else:
        year, month, day = numbers[0], None, None
    if year < 100:  # 85 -> 1985, 05 -> 2005 (when that is not after ``latest``)
        year += 2000 if 2000 + year <= latest else 1900
    return PartialDate(year, month, day) if _valid(year, month, day, earliest, latest) else None


# UK registrations: current (AB12 CDE), prefix (A123 BCD), suffix (ABC 123D) and dateless forms.
# In each, a position is a letter (L) or a digit (D); O/0 and I/1 are read as the position needs.
PLATE_SHAPES = ("LLDDLLL", "LDDDLLL", "LLLDDDL", "LDDLLL", "LLLDDL", "LLLDL")
LOOKALIKE = str.maketrans("OQDILBSZG", "000118526")  # characters a camera or a clerk confuses
_TO_LETTER = str.maketrans("01", "OI")
_TO_DIGIT = str.maketrans("OI", "01")


def _fits(plate: str, shape: str) -> bool:
    return len(plate) == len(shape) and all(
        c.isalpha() if kind == "L" else c.isdigit() for c, kind in zip(plate, shape, strict=True)
    )


def is_uk_plate(plate: str) -> bool:
    """Whether a registration (no spaces) fits a UK format exactly as written."""
    return any(_fits(plate, shape) for shape in PLATE_SHAPES)


def plate_skeleton(plate: str) -> str:
    """A registration with its look-alike characters folded together (B8, O0DQ, I1L, S5, Z2, G6)."""
    return plate.translate(LOOKALIKE)


def plate(text: object) -> str | None:
    """A registration without spaces; where it fits a UK format only once O/0 and I/1 are read
    as the format needs, so read. A mark that fits a format as typed is left alone (A123 BCD is a
    prefix plate, not AI23 BCD), as are foreign, dateless and personal marks."""
    cleaned = re.sub(r"[^A-Z0-9]", "", ascii_upper(text))
    if not 2 <= len(cleaned) <= 10:
        return None
    if is_uk_plate(cleaned):
        return cleaned
    for shape in PLATE_SHAPES:
        if len(shape) != len(cleaned):
            continue
        fixed = "".join(
            c.translate(_TO_LETTER) if kind == "L" else c.translate(_TO_DIGIT)
            for c, kind in zip(cleaned, shape, strict=True)
        )
        if _fits(fixed, shape):
            return fixed
    return cleaned


_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def postcode(text: object) -> str | None:
    """A UK postcode as ``OUTWARD INWARD`` (SW1A 1AA), or None when it is not one; a letter O
    typed for the inward code's zero is read as zero."""
    cleaned = re.sub(r"[^A-Z0-9]", "", ascii_upper(text))
    if len(cleaned) < 5:
        return None
    inward = cleaned[-3:]
    inward = inward[0].translate(_TO_DIGIT) + inward[1:]
    match = _POSTCODE.match(cleaned[:-3] + inward)
    return f"{match.group(1)} {match.group(2)}" if match else None


def phone(text: object) -> str | None:
    """A UK number as 11 digits from 0 (+44 and 0044 prefixes read as 0); others as digits with
    their international prefix; None when too short to identify anyone."""
    if not isinstance(text, str):
        return None
    digits = re.sub(r"\D", "", text)
    international = text.strip().startswith("+") or digits.startswith("00")
    digits = digits[2:] if digits.startswith("00") else digits
    if international and digits.startswith("44"):
        digits = "0" + digits[2:].removeprefix("0")
    elif international:
        return "+" + digits if 8 <= len(digits) <= 15 else None
    return digits if len(digits) == 11 and digits.startswith("0") else None


_EMAIL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$")


def email(text: object) -> str | None:
    """An email address in lower case, or None when it is not one."""
    if not isinstance(text, str):
        return None
    cleaned = text.strip().lower()
    return cleaned if len(cleaned) <= 254 and _EMAIL.match(cleaned) else None
