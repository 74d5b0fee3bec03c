"""What a query typed into the one search box asks for.

People type a mix ("John Smtih 12/03/1985 SW1A 1AA", "AB12", "07700 900123", "01/123456/24"); each
piece is recognised by its shape, most specific first, and whatever is left is words: tried as
names and as free text. A piece that could be two things (``SW1A``: a partial postcode or a partial
registration) is kept as a code and tried both ways.
"""

import re
from dataclasses import dataclass, field

from peelian.resolve import normalise

MAX_QUERY = 200
MAX_WORDS = 6
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b")
_DATE = re.compile(r"\b(\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{4})\b")
_YEAR = re.compile(r"^(19|20)\d{2}$")
_PHONE = re.compile(r"(?<![\w/])(\+?\d[\d ()-]{8,}\d)(?![\w/])")
_SPACED_PLATE = re.compile(r"\b[A-Z0-9]{1,4}(?: [A-Z0-9]{1,4}){1,2}\b")
_REF = re.compile(r"^[A-Z0-9]+(?:[/:_.-][A-Z0-9]+)+$")
_WORD = re.compile(r"^[A-Z][A-Z'-]*$")


@dataclass
class Query:
    """The pieces of one query, each in canonical form."""

    text: str
    names: list[str] = field(default_factory=list)  # canonical name words, in the order typed
    dob: normalise.PartialDate | None = None
    postcodes: list[str] = field(default_factory=list)  # "SW1A 1AA"
    phones: list[str] = field(default_factory=list)  # 11 digits from 0, or +international
    plates: list[str] = field(default_factory=list)  # a full registration
    codes: list[str] = field(default_factory=list)  # partial plate / postcode / phone / reference
    refs: list[str] = field(default_factory=list)  # "01/123456/24", "PNC 12/345678A"

    @property
    def empty(self) -> bool:
        return not (self.names or self.dob or self.postcodes or self.phones or self.plates or self.codes
                    or self.refs)  # fmt: skip


def parse(text: str) -> Query:
    """The pieces of ``text``; never raises (hostile text gives an empty or partial query)."""
    clean = normalise.ascii_upper(text if isinstance(text, str) else "")[:MAX_QUERY]
    clean = " ".join(re.sub(r"[^A-Z0-9/:+()._',-]", " ", clean).split())
    query = Query(text=clean.replace(",", " ").replace("  ", " "))
    compact = query.text.replace(" ", "")
    if 2 <= len(compact) <= 8 and compact.isalnum() and not compact.isdigit() and not compact.isalpha():
        # "B12 CD", "AB12 CDE", "SW1A": one code, however it was spaced. A postcode as typed wins
        # over a registration read with O/0 and I/1 changed (LS27 1GL is not LS27 IGL).
        is_postcode = _add(query.postcodes, normalise.postcode(compact))
        if not is_postcode or normalise.is_uk_plate(compact):
            _plate(query, compact)
        if not query.plates and (not is_postcode or len(compact) <= 6):
            query.codes.append(compact)
        return query
    surname_first = "," in clean  # "SMITH, John"
    rest = clean.replace(",", " , ")

    def take(pattern: re.Pattern, handle) -> None:
        nonlocal rest
        kept = []
        for match in pattern.finditer(rest):
            if handle(match):
                kept.append(match.span())
        for start, end in reversed(kept):
            rest = rest[:start] + " " + rest[end:]

    take(_POSTCODE, lambda m: _add(query.postcodes, normalise.postcode(m.group(1) + m.group(2))))
    take(_DATE, lambda m: _dob(query, m.group(1)))
    take(_PHONE, lambda m: _add(query.phones, normalise.phone(m.group(1))))
    take(_SPACED_PLATE, lambda m: _plate(query, m.group(0).replace(" ", "")))
    before = None
    for token in rest.split():
        if token == ",":
            before = len(query.names) if before is None else before
        else:
            _token(query, token)
    if surname_first and before:
        query.names = query.names[before:] + query.names[:before]
    query.names = query.names[:MAX_WORDS]
    return query


def _add(bucket: list[str], value: str | None) -> bool:
    if value and value not in bucket:
        bucket.append(value)
    return value is not None


def _dob(query: Query, text: str) -> bool:
    found = normalise.date_of_birth(text)
    parts = re.split(r"[/.-]", text)
    if found is None and len(parts) == 3 and len(parts[0]) <= 2:  # 01/26/1995: US order
        found = normalise.date_of_birth(f"{parts[1]}/{parts[0]}/{parts[2]}")
    if found is None or query.dob is not None:
        return False
    query.dob = found
    return True


def _plate(query: Query, text: str) -> bool:
    """A full UK registration (as typed or once O/0 and I/1 are read as its format needs)."""
    canonical = normalise.plate(text)
    if canonical is None or not normalise.is_uk_plate(canonical):
        return False
    return _add(query.plates, canonical)


def _token(query: Query, token: str) -> None:
    bare = token.strip("()._'-")
    if not bare:
        return
    if _YEAR.match(bare) and query.dob is None:
        query.dob = normalise.PartialDate(int(bare))
    elif _WORD.match(bare):
        name = normalise.name(bare)
        if name:
            query.names.extend(name.split())
    elif _REF.match(bare):
        query.refs.append(bare)
    elif _plate(query, bare):
        return
    elif bare.isdigit() and len(bare) >= 5:
        query.codes.append(bare)  # part of a phone number or a reference
    elif any(c.isdigit() for c in bare) and len(bare) >= 2 and bare.isalnum():
        query.codes.append(bare)
