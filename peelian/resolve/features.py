"""The columns a comparison spec reads, derived from the canonical fields of each record.

Input frames hold what sources typed, in canonical column names (``forename``, ``dob``, ``vrm``,
...). Everything a comparison needs (phonetic keys, nickname groups, date parts, postcode
sectors, plate skeletons) is derived here once, in pandas, so Splink's SQL only compares
columns. Each normaliser runs once per distinct value: a million records hold far fewer
distinct names, and this keeps feature building to seconds.
"""

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from peelian.resolve import normalise

_STREET_WORDS = {
    "ROAD": "RD",
    "STREET": "ST",
    "AVENUE": "AVE",
    "LANE": "LN",
    "DRIVE": "DR",
    "COURT": "CT",
    "CLOSE": "CL",
    "CRESCENT": "CRES",
    "PLACE": "PL",
    "GARDENS": "GDNS",
    "TERRACE": "TER",
    "SQUARE": "SQ",
    "GROVE": "GR",
    "PARK": "PK",
    "HOUSE": "HO",
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "SAINT": "ST",
    "FLAT": "",
    "APARTMENT": "",
    "APT": "",
    "UNIT": "",
}
_PNC = re.compile(r"^(\d{2}|\d{4})/?0*(\d{1,7})([A-Z])$")


def _each(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``fn`` over a column, computed once per distinct value."""
    uniques = values.dropna().unique()
    lookup = {u: fn(u) for u in uniques}
    return values.map(lookup)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].astype("object").where(frame[name].notna(), None)
    return pd.Series([None] * len(frame), index=frame.index, dtype="object")


def _text(value: Any) -> str | None:
    text = re.sub(r"\s+", " ", str(value)).strip().upper()
    return text or None


def _first_word(value: Any) -> str | None:
    canonical = normalise.name(value)
    return None if canonical is None else canonical.split(" ")[0]


def _variants(value: Any) -> list[str] | None:
    found = normalise.forename_variants(value)
    return sorted(found) if len(found) > 1 else None


def _parts(value: Any) -> list[str] | None:
    return normalise.name_parts(value) or None


def address_text(value: Any) -> str | None:
    """An address line in one canonical spelling: ``Flat 3, 12 High Road`` -> ``3 12 HIGH RD``."""
    words = re.sub(r"[^A-Z0-9 ]+", " ", normalise.ascii_upper(value)).split()
    words = [_STREET_WORDS.get(w, w) for w in words]
    return " ".join(w for w in words if w) or None


def _house_number(address: str) -> str | None:
    numbers = re.findall(r"\b\d+[A-Z]?\b", address)
    return numbers[-1] if numbers else None


def _street(address: str) -> str | None:
    street = re.sub(r"\b\d+[A-Z]?\b", " ", address).split()
    return " ".join(street) or None


def postcode(value: Any) -> str | None:
    """A UK postcode in canonical form; anything else (a foreign postal code) as bare upper case,
    still good for exact agreement."""
    uk = normalise.postcode(value)
    if uk is not None:
        return uk
    bare = re.sub(r"[^A-Z0-9]", "", normalise.ascii_upper(value))
    return bare if len(bare) >= 3 else None


def pnc_id(value: Any) -> str | None:
    """A PNC id as ``YY/NNNNNNNL``: ``2015/0123456A``, ``15/123456A`` and ``15/0123456a`` agree."""
    match = _PNC.match(re.sub(r"\s+", "", str(value)).upper())
    if not match:
        return None
    return f"{match.group(1)[-2:]}/{int(match.group(2)):07d}{match.group(3)}"


def _dob(values: pd.Series) -> dict[str, pd.Series]:
    parsed = _each(
        values.map(lambda v: v if isinstance(v, str) else (None if v is None else str(v))),
        normalise.date_of_birth,
    )
    full = _each(parsed, lambda d: d.iso() if d.day else None)
    return {
        "dob": full,
        "dob_year": _each(parsed, lambda d: d.year).astype("Int64"),
        "dob_ym": _each(parsed, lambda d: d.iso()[:7] if d.month else None),
        "dob_digits": _each(full, lambda s: s.replace("-", "")),
        "dob_swapped": _each(parsed, lambda d: d.swapped().iso() if d.swapped() else None),
    }


def person(frame: pd.DataFrame, exact: tuple[str, ...] = ()) -> pd.DataFrame:
    """Comparison columns for person records; ``exact`` columns pass through as upper-case text."""
    out = pd.DataFrame({"unique_id": frame["unique_id"].astype(str)}, index=frame.index)
    if "source_dataset" in frame.columns:
        out["source_dataset"] = frame["source_dataset"].astype(str)
    forename, surname = _column(frame, "forename"), _column(frame, "surname")
    out["forename"] = _each(forename, _first_word)
    out["surname"] = _each(surname, normalise.name)
    out["forename_ph"] = _each(out["forename"], normalise.phonetic)
    out["surname_ph"] = _each(out["surname"], normalise.phonetic)
    out["forename_initial"] = out["forename"].str[0]
    out["surname_initial"] = out["surname"].str[0]
    out["forename_variants"] = _each(out["forename"], _variants)
    out["surname_parts"] = _each(out["surname"], _parts)
    for name, series in _dob(_column(frame, "dob")).items():
        out[name] = series
    out["postcode"] = _each(_column(frame, "postcode"), postcode)
    out["postcode_sector"] = _each(out["postcode"], lambda p: p[:-2] if " " in p else None)
    out["postcode_district"] = _each(out["postcode"], lambda p: p.split(" ")[0] if " " in p else None)
    out["address"] = _each(_column(frame, "address"), address_text)
    out["address_number"] = _each(out["address"], _house_number)
    out["town"] = _each(_column(frame, "town"), normalise.name)
    out["phone"] = _each(_column(frame, "phone"), normalise.phone)
    out["email"] = _each(_column(frame, "email"), normalise.email)
    out["email_user"] = _each(out["email"], lambda e: e.split("@")[0])
    out["pnc_id"] = _each(_column(frame, "pnc_id"), pnc_id)
    for name in exact:
        out[name] = _each(_column(frame, name), _text)
    return out


def vehicle(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"unique_id": frame["unique_id"].astype(str)}, index=frame.index)
    out["vrm"] = _each(_column(frame, "vrm"), normalise.plate)
    out["vrm_skeleton"] = _each(out["vrm"], normalise.plate_skeleton)
    out["vrm_stub"] = _each(out["vrm"], lambda p: p[:2])
    for name in ("make", "model", "colour"):
        out[name] = _each(_column(frame, name), _text)
    return out


def address(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"unique_id": frame["unique_id"].astype(str)}, index=frame.index)
    out["address"] = _each(_column(frame, "address"), address_text)
    out["number"] = _each(out["address"], _house_number)
    out["street"] = _each(out["address"], _street)
    out["postcode"] = _each(_column(frame, "postcode"), normalise.postcode)
    out["postcode_sector"] = _each(out["postcode"], lambda p: p[:-2])
    out["uprn"] = _each(_column(frame, "uprn"), lambda v: re.sub(r"\D", "", str(v)) or None)
    return out


LIST_COLUMNS = ("forename_variants", "surname_parts")
INT_COLUMNS = ("dob_year",)


def to_arrow(features: pd.DataFrame) -> pa.Table:
    """The frame with fixed column types: a column that happens to be empty in a small batch
    (one new record) must still be text to the SQL that compares it, not DuckDB's guess."""
    fields = []
    features = features.reset_index(drop=True)
    for name in features.columns:
        if name in LIST_COLUMNS:
            kind = pa.list_(pa.string())
        elif name in INT_COLUMNS or name.startswith("tf_"):
            kind = pa.float64() if name.startswith("tf_") else pa.int64()
        else:
            kind = pa.string()
        if kind == pa.string() or name in LIST_COLUMNS:  # an all-missing column arrives as float NaN
            features[name] = features[name].astype(object).where(features[name].notna(), None)
        fields.append(pa.field(name, kind))
    return pa.Table.from_pandas(features, schema=pa.schema(fields), preserve_index=False)


BUILDERS = {"person": person, "vehicle": vehicle, "address": address}


def build(entity: str, frame: pd.DataFrame, exact: tuple[str, ...] = ()) -> pd.DataFrame:
    """The comparison columns of ``entity`` records; object columns hold None, never NaN."""
    if entity not in BUILDERS:
        raise ValueError(f"unknown entity type {entity!r}: one of {', '.join(BUILDERS)}")
    out = BUILDERS[entity](frame, exact) if entity == "person" else BUILDERS[entity](frame)
    objects = out.select_dtypes(["object", "string"]).columns
    out[objects] = out[objects].replace({np.nan: None})
    return out
