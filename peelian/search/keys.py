"""The exact-match keys a record is found by, and the keys a query probes.

A key names one way two records of the same person agree: the sound of the forename with the
sound of a surname (``fs``), a surname's sound with the full date of birth (``sd``), a forename's
sound with the date of birth (``fd``, which survives a change of surname), a surname with the year
of birth (``sy``), a surname alone (``s``), the date of birth alone (``d``), a postcode (``pc``), a
phone number (``tel``), a registration's look-alike form (``vrm``: O/0/D/Q, I/1/L, B/8, S/5, Z/2 and
G/6 folded together) or a reference (``ref``). Keys are hashed to signed 64-bit integers, so the
key table is two integers a row; a clash only adds a candidate, which scoring then rejects.

The same functions make a record's keys at indexing and again from its stored row when it
changes, so an update deletes exactly the keys it had.
"""

import hashlib
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from peelian.resolve import normalise


@lru_cache(maxsize=200_000)
def sound(word: str) -> str:
    """A name word's sound (metaphone); a bare initial stands for itself."""
    return normalise.phonetic(word) or word


def hashed(keys: Iterable[str]) -> list[int]:
    return [
        int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "big", signed=True) for k in keys
    ]


def deletions(word: str) -> set[str]:
    """The word with each one letter left out (and the word itself)."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))} if len(word) > 1 else {word}


def surname_parts(surname: str | None) -> list[str]:
    """SMITH-JONES is found as SMITH and as JONES."""
    return [p for p in re.split(r"[ -]", surname or "") if p]


def first_word(forename: str | None) -> str | None:
    words = (forename or "").split()
    return words[0] if words else None


def split_names(text: str | None) -> list[tuple[str | None, str | None]]:
    """'; '-separated canonical names as (first word, last word) pairs."""
    out = []
    for one in (text or "").split(";"):
        words = one.split()
        if words:
            out.append((words[0] if len(words) > 1 else None, words[-1]))
    return out


def name_pairs(doc: Mapping[str, Any]) -> list[tuple[str | None, str | None]]:
    """The record's own name and its aliases as (forename, surname)."""
    pairs = [(first_word(doc.get("forename")), doc.get("surname"))]
    return [p for p in pairs + split_names(doc.get("aliases")) if p[0] or p[1]]


def record_keys(doc: Mapping[str, Any]) -> set[str]:
    """Every key of a record in its canonical fields (see ``peelian.search.index``)."""
    keys: set[str] = set()
    dob = doc.get("dob") or ""
    full = dob.replace("-", "") if len(dob) == 10 else None
    for forename, surname in name_pairs(doc):
        pf = sound(forename) if forename else None
        if pf and full:
            keys.add(f"fd|{pf}|{full}")
        for part in surname_parts(surname):
            ps = sound(part)
            keys.add(f"s|{ps}")
            if pf:
                keys.add(f"fs|{pf}|{ps}")
            if full:
                keys.add(f"sd|{ps}|{full}")
            if dob:
                keys.add(f"sy|{ps}|{dob[:4]}")
    if full:
        keys.add(f"d|{full}")
    if doc.get("postcode"):
        keys.add("pc|" + doc["postcode"].replace(" ", ""))
    if doc.get("phone"):
        keys.add("tel|" + doc["phone"])
    if doc.get("vrm"):
        keys.add("vrm|" + normalise.plate_skeleton(doc["vrm"]))
    for ref in (doc.get("refs") or "").split(";"):
        if ref.strip():
            keys.add("ref|" + ref.strip().upper())
    return keys


def record_terms(doc: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(field, term) pairs for the typo and partial-match indexes."""
    terms = set()
    for forename, surname in name_pairs(doc):
        for word in [forename, *surname_parts(surname)]:
            if word and len(word) > 1:
                terms.add(("name", word))
    if doc.get("vrm"):
        terms.add(("vrm", normalise.plate_skeleton(doc["vrm"])))
    if doc.get("phone"):
        terms.add(("phone", doc["phone"]))
    if doc.get("postcode"):
        terms.add(("postcode", doc["postcode"].replace(" ", "")))
    return terms
