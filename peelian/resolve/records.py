"""Records to resolve, read from the POLE store into the canonical columns of ``features``.

Persons come from the persons table with their contact details from ``attributes`` (address,
postcode, town, phone, email, pnc_id, uprn: the keys mapped sources are asked to use); vehicles
from objects of kind vehicle; addresses from persons' home addresses and address-like locations.
"""

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from peelian.db.schema import locations, objects, persons

CONTACT_KEYS = ("address", "postcode", "town", "phone", "email", "pnc_id", "uprn")
HOME = "home:"  # address record id of a person's home address: "home:<person id>"


def split_full_name(text: Any) -> tuple[str | None, str | None]:
    """(forename, surname) from "SURNAME, Forename" or "Forename Middle Surname"."""
    if not isinstance(text, str) or not text.strip():
        return None, None
    if "," in text:
        surname, _, forename = text.partition(",")
        return forename.strip() or None, surname.strip() or None
    words = re.split(r"\s+", text.strip())
    return (words[0], words[-1]) if len(words) > 1 else (None, words[0])


def _attribute(attributes: Any, key: str) -> Any:
    value = attributes.get(key) if isinstance(attributes, dict) else None
    return None if value in ("", None) else str(value)


def persons_frame(engine: Engine, ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Person records in canonical columns; ``ids`` limits the read to those records."""
    query = select(
        persons.c.id,
        persons.c.source_system,
        persons.c.forename,
        persons.c.surname,
        persons.c.full_name,
        persons.c.dob,
        persons.c.attributes,
    )
    rows = _read(engine, query, persons.c.id, ids)
    out = []
    for r in rows:
        forename, surname = r.forename, r.surname
        if not forename and not surname:
            forename, surname = split_full_name(r.full_name)
        record = {
            "unique_id": r.id,
            "source_system": r.source_system,
            "forename": forename,
            "surname": surname,
            "dob": r.dob.isoformat() if r.dob else _attribute(r.attributes, "dob"),
        }
        record.update({k: _attribute(r.attributes, k) for k in CONTACT_KEYS if k != "uprn"})
        out.append(record)
    columns = ["unique_id", "source_system", "forename", "surname", "dob", *CONTACT_KEYS[:-1]]
    return pd.DataFrame(out, columns=columns)


def vehicles_frame(engine: Engine, ids: Iterable[str] | None = None) -> pd.DataFrame:
    query = select(
        objects.c.id,
        objects.c.source_system,
        objects.c.identifier,
        objects.c.make,
        objects.c.model,
        objects.c.colour,
    ).where(objects.c.kind == "vehicle")
    rows = _read(engine, query, objects.c.id, ids)
    return pd.DataFrame(
        [(r.id, r.source_system, r.identifier, r.make, r.model, r.colour) for r in rows],
        columns=["unique_id", "source_system", "vrm", "make", "model", "colour"],
    )


def addresses_frame(engine: Engine, ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Home addresses of persons (id ``home:<person id>``) and address-like locations."""
    wanted = None if ids is None else set(ids)
    homes = None if wanted is None else [i.removeprefix(HOME) for i in wanted if i.startswith(HOME)]
    out = []
    query = select(persons.c.id, persons.c.source_system, persons.c.attributes)
    for r in _read(engine, query, persons.c.id, homes):
        address, postcode = _attribute(r.attributes, "address"), _attribute(r.attributes, "postcode")
        if address or postcode:
            out.append((HOME + r.id, r.source_system, address, postcode, _attribute(r.attributes, "uprn")))
    places = None if wanted is None else [i for i in wanted if not i.startswith(HOME)]
    query = select(locations.c.id, locations.c.source_system, locations.c.name, locations.c.postcode).where(
        locations.c.kind.in_(("address", "premises"))
    )
    for r in _read(engine, query, locations.c.id, places):
        out.append((r.id, r.source_system, r.name, r.postcode, None))
    return pd.DataFrame(out, columns=["unique_id", "source_system", "address", "postcode", "uprn"])


def _read(engine: Engine, query, id_column, ids: Iterable[str] | None) -> list:
    with engine.connect() as conn:
        if ids is None:
            return list(conn.execute(query))
        wanted = list(dict.fromkeys(ids))
        rows = []
        for start in range(0, len(wanted), 500):
            rows.extend(conn.execute(query.where(id_column.in_(wanted[start : start + 500]))))
        return rows


READERS = {"person": persons_frame, "vehicle": vehicles_frame, "address": addresses_frame}


def frame(engine: Engine, entity: str, ids: Iterable[str] | None = None) -> pd.DataFrame:
    return READERS[entity](engine, ids)


def ids(engine: Engine, entity: str) -> list[str]:
    """Every record id of ``entity``, without reading the records themselves (counts, and finding
    the unresolved, need only ids)."""
    if entity == "address":  # a home address is a record only when the person has one
        return frame(engine, entity)["unique_id"].tolist()
    query = (
        select(persons.c.id)
        if entity == "person"
        else select(objects.c.id).where(objects.c.kind == "vehicle")
    )
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())
