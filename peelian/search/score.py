"""How well one record answers a query, with the reasons a person can check.

Each piece of the query is compared with the record's canonical fields and scores points with a
plain-words reason ("surname exact", "forename nickname", "DOB day/month swapped", "same
postcode"). The points are a ranking, not a probability: they put the record that agrees on
more, and more exactly, first, and the reasons say why.
"""

from dataclasses import dataclass, field

import jellyfish

from peelian.resolve import normalise
from peelian.search import keys
from peelian.search.parse import Query


@dataclass
class Match:
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def add(self, points: float, reason: str) -> None:
        self.score += points
        self.reasons.append(reason)


def word_level(typed: str, held: str | None, forename: bool = False) -> tuple[float, str | None]:
    """(points, how) a typed name word agrees with a stored one."""
    if not held:
        return 0.0, None
    if typed == held:
        return 3.0, "exact"
    if forename and held in normalise.forename_variants(typed):
        return 2.5, "nickname"
    if len(typed) == 1 or len(held) == 1:
        return (1.0, "initial") if typed[0] == held[0] else (0.0, None)
    if keys.sound(typed) == keys.sound(held):
        return 2.2, "sounds alike"
    distance = jellyfish.damerau_levenshtein_distance(typed, held)
    if distance == 1 or (distance == 2 and min(len(typed), len(held)) >= 6):
        return 2.0, "spelling differs"
    if jellyfish.jaro_winkler_similarity(typed, held) >= 0.88:
        return 1.2, "similar"
    return 0.0, None


def _surname_level(typed: str, held: str | None) -> tuple[float, str | None]:
    best = word_level(typed, held)
    for part in keys.surname_parts(held):
        level = word_level(typed, part)
        if level[0] > best[0]:
            best = (level[0] - 0.3, f"{level[1]} (part of {held})")
    return best


def _names(query: Query, doc: dict, match: Match) -> None:
    words = query.names
    if not words:
        return
    best: tuple[float, list[str]] = (0.0, [])
    for index, (forename, surname) in enumerate(keys.name_pairs(doc)):
        alias = " (alias)" if index else ""
        if len(words) == 1:
            points, how = _surname_level(words[0], surname)
            options = [(points * 1.3, [f"surname {how}{alias}"] if how else [])]
        else:
            options = []
            for typed_f, typed_s, note in (
                (words[0], words[-1], ""),
                (words[-1], words[0], ", names transposed"),
            ):
                f_points, f_how = word_level(typed_f, forename, forename=True)
                s_points, s_how = _surname_level(typed_s, surname)
                reasons = [f"surname {s_how}{alias}"] if s_how else []
                reasons += [f"forename {f_how}{alias}{note}"] if f_how else []
                options.append((f_points + s_points * 1.3 - (0.3 if note else 0), reasons))
        for option in options:
            if option[0] > best[0]:
                best = option
    if best[0] > 0:
        match.score += best[0]
        match.reasons.extend(best[1])


def _dob(query: Query, doc: dict, match: Match) -> None:
    typed, held = query.dob, normalise.date_of_birth(doc.get("dob"))
    if typed is None or held is None:
        return
    if typed.day and held.day:
        if typed == held:
            match.add(3.0, "DOB exact")
        elif typed.swapped() == held:
            match.add(2.5, "DOB day/month swapped")
        elif sum(a != b for a, b in zip(typed.iso(), held.iso(), strict=False)) == 1:
            match.add(1.5, "DOB one digit out")
        else:
            match.add(-1.5, "DOB differs")
    elif typed.year == held.year and (not typed.month or not held.month or typed.month == held.month):
        match.add(1.5, "DOB month and year agree" if typed.month and held.month else "DOB year agrees")
    else:
        match.add(-1.0, "DOB differs")


def _codes(query: Query, doc: dict, match: Match) -> None:
    vrm, postcode, phone = doc.get("vrm"), doc.get("postcode"), doc.get("phone")
    refs = {r.strip().upper() for r in (doc.get("refs") or "").split(";") if r.strip()}
    for typed in query.postcodes:
        if postcode == typed:
            match.add(2.5, "same postcode")
        elif postcode and postcode.split()[0] == typed.split()[0] and postcode[-3] == typed[-3]:
            match.add(1.0, "same postcode sector")
    for typed in query.phones:
        if phone == typed:
            match.add(3.0, "same phone")
    for typed in query.plates:
        if vrm == typed:
            match.add(3.0, "registration exact")
        elif vrm and normalise.plate_skeleton(vrm) == normalise.plate_skeleton(typed):
            match.add(2.5, "registration look-alike (O/0, I/1 ...)")
    for typed in query.refs:
        if typed in refs:
            match.add(4.0, "reference")
    for code in query.codes:
        if code in refs:
            match.add(4.0, "reference")
        elif vrm and normalise.plate_skeleton(code) in normalise.plate_skeleton(vrm):
            match.add(2.0, f"partial registration {code}")
        elif postcode and postcode.replace(" ", "").startswith(code):
            match.add(1.5, f"postcode starts {code}")
        elif phone and code.isdigit() and code in phone:
            match.add(1.5, f"phone contains {code}")


def _text(query: Query, doc: dict, match: Match) -> None:
    held = set(normalise.ascii_upper(doc.get("text") or "").replace(",", " ").split())
    found = [w for w in query.names if len(w) > 2 and w in held]
    if (found and doc.get("record_type") != "person") or len(found) >= 2:
        match.add(1.5 * len(found) / len(query.names), "text: " + ", ".join(w.lower() for w in found))


def score(query: Query, doc: dict) -> Match:
    match = Match()
    if doc.get("record_type") == "person":
        _names(query, doc, match)
        _dob(query, doc, match)
    _codes(query, doc, match)
    _text(query, doc, match)
    return match
