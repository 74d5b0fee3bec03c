"""Declarative mappings: every mistake is a MappingError that names the key."""

import contextlib
import copy
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peelian.errors import MappingError
from peelian.ingest.mapping import (
    Field,
    examples,
    load_mapping,
    loads_mapping,
    parse_mapping,
)
from peelian.pole.model import Role, TimePrecision

FULL = {
    "source": {
        "system": "test.rms",
        "format": "csv",
        "crs": "EPSG:27700",
        "natural_key": ["crime_ref"],
    },
    "event": {
        "type": "crime",
        "category": {"column": "offence"},
        "subcategory": "unclassified",
        "time_from": {
            "column": "from",
            "format": "%d/%m/%Y %H:%M",
            "timezone": "Europe/London",
            "precision": "minute",
        },
        "time_to": {"column": "to"},
        "x": {"column": "easting"},
        "y": {"column": "northing"},
        "attributes": ["mo"],
    },
    "persons": [
        {
            "role": "suspect",
            "key": ["suspect_id"],
            "surname": {"column": "surname"},
            "dob": {"column": "dob", "format": "%d/%m/%Y"},
        }
    ],
    "objects": [{"kind": "vehicle", "role": "used_in", "key": ["vrm"], "identifier": {"column": "vrm"}}],
}

# Paths (into FULL) of keys a mapping cannot do without.
REQUIRED = [
    ("source",),
    ("source", "system"),
    ("source", "natural_key"),
    ("event", "type"),
    ("event", "category"),
    ("event", "time_from"),
    ("event", "time_from", "column"),
    ("event", "time_from", "timezone"),  # required with a strptime format
    ("event", "category", "column"),
    ("event", "time_to", "column"),
    ("event", "y"),
    ("source", "crs"),  # x/y need it
    ("persons", 0, "role"),
    ("persons", 0, "key"),
    ("persons", 0, "dob", "column"),
    ("objects", 0, "kind"),
    ("objects", 0, "key"),
    ("objects", 0, "role"),
]


def without(path: tuple) -> dict:
    data = copy.deepcopy(FULL)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    return data


def with_value(path: tuple, value) -> dict:
    data = copy.deepcopy(FULL)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return data


def refused(data, *words: str) -> str:
    with pytest.raises(MappingError) as caught:
        parse_mapping(data)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    return message


def test_full_mapping_parses_constants_and_columns():
    mapping = parse_mapping(FULL)
    event = mapping.event
    assert event.type == Field(constant="crime")
    assert event.category == Field(column="offence")
    assert event.subcategory == Field(constant="unclassified")
    assert event.time_to.format == "%d/%m/%Y %H:%M"  # inherited from time_from
    assert event.time_to.timezone == "Europe/London"
    assert event.time_to.precision is TimePrecision.MINUTE
    assert mapping.persons[0].role is Role.SUSPECT
    assert mapping.objects[0].namespace is None
    # Constants read no column; the natural key comes first.
    assert mapping.columns()[0] == "crime_ref"
    assert "unclassified" not in mapping.columns()
    assert {"offence", "from", "to", "easting", "northing", "mo", "suspect_id", "vrm"} <= set(
        mapping.columns()
    )


def test_mapping_is_picklable():
    mapping = parse_mapping(FULL)
    assert pickle.loads(pickle.dumps(mapping)) == mapping


@pytest.mark.parametrize("path", REQUIRED, ids=lambda p: ".".join(map(str, p)))
def test_each_required_key_is_named_when_missing(path):
    message = refused(without(path))
    assert str(path[-1]) in message or path[-1] == 0


@pytest.mark.parametrize(
    ("path", "typo"),
    [
        ((), "evnt"),
        (("source",), "natral_key"),
        (("event",), "catgory"),
        (("event", "category"), "colum"),
        (("event", "time_from"), "timezon"),
        (("persons", 0), "forname"),
        (("objects", 0), "colour_"),
    ],
)
def test_unknown_keys_are_errors_with_a_suggestion(path, typo):
    data = copy.deepcopy(FULL)
    target = data
    for part in path:
        target = target[part]
    target[typo] = "x"
    message = refused(data, repr(typo))
    assert "did you mean" in message


def test_bad_role():
    refused(with_value(("persons", 0, "role"), "culprit"), "persons[1].role", "'culprit'", "suspect")


def test_bad_precision():
    refused(with_value(("event", "time_from", "precision"), "fortnight"), "precision", "fortnight")
    refused(with_value(("event", "time_from", "precision"), "range"), "precision")


def test_natural_key_must_name_columns():
    refused(with_value(("source", "natural_key"), []), "natural_key")
    refused(with_value(("source", "natural_key"), "crime_ref"), "natural_key")
    refused(with_value(("source", "natural_key"), ["a", "a"]), "twice")


def test_vocabularies_are_checked_for_constants_and_value_maps():
    refused(with_value(("event", "type"), "burglary"), "event.type", "crime, incident")
    refused(with_value(("objects", 0, "kind"), "bicycle"), "objects[1].kind")
    bad_map = {"column": "kind", "values": {"V": "vehicle", "B": "bike"}}
    refused(with_value(("objects", 0, "kind"), bad_map), "objects[1].kind.values.B", "'bike'")
    good = parse_mapping(with_value(("event", "type"), {"column": "t", "values": {"CR": "crime"}}))
    assert good.event.type == Field(column="t", values=(("CR", "crime"),))


def test_times():
    refused(with_value(("event", "time_from", "timezone"), "Mars/Olympus"), "timezone", "Mars/Olympus")
    refused(with_value(("event", "time_from", "format"), "%Q"), "format", "%Q")
    refused(with_value(("event", "time_from", "format"), "dd/mm/yyyy"), "format", "directives")
    iso = with_value(("event", "time_from"), {"column": "when", "format": "ISO8601"})
    parsed = parse_mapping(iso).event.time_from
    assert parsed.timezone is None and parsed.precision is TimePrecision.MINUTE
    refused(with_value(("event", "time_from"), "when"), "event.time_from", "a table")


def test_coordinates():
    data = without(("event", "x"))
    refused(data, "both x and y")
    data = with_value(("event", "lon"), {"column": "lon"})
    refused(data, "not a mix")
    refused(with_value(("event", "x"), "531000"), "event.x")  # a constant place is no place
    refused(with_value(("source", "crs"), "EPSG:999999"), "source.crs")
    refused(with_value(("event", "location_required"), "yes"), "location_required")


def test_source_options():
    refused(with_value(("source", "format"), "xlsx"), "source.format", "xlsx")
    refused(with_value(("source", "encoding"), "klingon-8"), "encoding")
    refused(with_value(("source", "delimiter"), ";;"), "delimiter")
    refused(with_value(("source", "files"), "(unclosed"), "source.files")
    data = with_value(("source", "format"), "parquet")
    data["source"]["delimiter"] = ";"
    refused(data, "source.delimiter", "csv files only")
    refused(with_value(("source", "system"), "x" * 81), "source.system")


def test_file_name_columns_need_a_named_group():
    data = with_value(("event", "force"), {"column": "file.force"})
    refused(data, "file.force", "(?P<force>")
    data["source"]["files"] = r"^(?P<force>[a-z]+)-crimes\.csv$"
    assert parse_mapping(data).event.force == Field(column="file.force")
    assert parse_mapping(with_value(("event", "force"), {"column": "file.name"}))


def test_owner_must_name_a_person_role():
    refused(with_value(("objects", 0, "owner"), "victim"), "objects[1].owner", "victim")
    assert parse_mapping(with_value(("objects", 0, "owner"), "suspect")).objects[0].owner is Role.SUSPECT


def test_rows_without_an_event():
    data = without(("event",))
    mapping = parse_mapping(without(("event",)))
    assert mapping.event is None
    del data["persons"][0]["role"]  # a role links to an event; without one it is optional
    assert parse_mapping(data).persons[0].role is None
    refused({"source": FULL["source"]}, "nothing to ingest")


def test_one_entity_per_row_needs_some_column():
    assert parse_mapping(with_value(("persons", 0, "key"), [])).persons[0].key == ()
    bare = {"role": "subject", "key": []}
    refused(with_value(("persons",), [bare]), "persons[1]", "key = []")


def test_attributes_as_list_or_renaming_table():
    mapping = parse_mapping(with_value(("event", "attributes"), {"modus": "mo text"}))
    assert mapping.event.attributes == (("modus", "mo text"),)
    refused(with_value(("event", "attributes"), {"modus": 3}), "event.attributes.modus")
    refused(with_value(("event", "attributes"), "mo"), "event.attributes")


def test_toml_text_and_files(tmp_path):
    refused_text = "[source\nsystem = 1"
    with pytest.raises(MappingError, match="not valid TOML"):
        loads_mapping(refused_text)
    with pytest.raises(MappingError, match="no such file"):
        load_mapping(tmp_path / "missing.toml")
    path = tmp_path / "m.toml"
    path.write_text('[source]\nsystem = "s"\nnatural_key = ["id"]\n[[persons]]\nkey = ["id"]\n')
    mapping = load_mapping(path)
    assert mapping.origin == str(path) and mapping.persons[0].key == ("id",)


def test_shipped_examples_load_by_path_and_by_name():
    names = {p.stem for p in examples()}
    assert {"police_uk_stop_search", "force_rms_crimes"} <= names
    for path in examples():
        assert load_mapping(path.stem) == load_mapping(path)
    stop = load_mapping("police_uk_stop_search")
    assert stop.persons[0].key == () and stop.persons[0].role is Role.SUBJECT
    assert stop.event.time_from.format == "ISO8601"


# -- properties ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


ALL_PATHS = list(_paths(FULL))


@given(st.sampled_from(REQUIRED))
def test_any_mapping_missing_a_required_key_is_refused(path):
    with pytest.raises(MappingError):
        parse_mapping(without(path))


@settings(max_examples=300)
@given(st.sampled_from(ALL_PATHS), json_values)
def test_any_value_anywhere_parses_or_is_a_mapping_error(path, value):
    with contextlib.suppress(MappingError):
        parse_mapping(with_value(path, value))


@given(json_values)
def test_any_document_parses_or_is_a_mapping_error(data):
    with contextlib.suppress(MappingError):
        parse_mapping(data)
