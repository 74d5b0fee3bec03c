"""Planted organised crime groups: the extract's shape, the group structure and shared ties the
truth promises, and the extract read through the bundled mapping into a store."""

import json

import pandas as pd
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from peelian.cli import app
from peelian.db.schema import links, objects, persons
from peelian.errors import PeelianError
from peelian.ingest.mapped import MappedAdapter
from peelian.ingest.mapping import examples, load_mapping
from peelian.ingest.pipeline import ingest
from peelian.synth.groups import COLUMNS, OFFENCES, SYSTEM, planted_groups, to_rms_csv, write

SLOTS = range(1, 5)
IDS = [f"offender{i}_id" for i in SLOTS]


@pytest.fixture(scope="module")
def planted():
    return planted_groups(12, seed=5, crimes=3000)


@pytest.fixture(scope="module")
def crimes(planted) -> pd.DataFrame:
    return planted.crimes.to_pandas()


def _long(crimes: pd.DataFrame) -> pd.DataFrame:
    """One row per (crime, offender), with each offender's columns under plain names."""
    parts = []
    for i in SLOTS:
        part = crimes.filter(regex=f"^offender{i}_").rename(columns=lambda c: c.split("_", 1)[1])
        parts.append(part.assign(crime_number=crimes["crime_number"], slot=i))
    return pd.concat(parts, ignore_index=True).dropna(subset=["id"])


def test_columns_order_and_values(crimes):
    assert list(crimes.columns) == COLUMNS and len(crimes) == 3000
    assert crimes["crime_number"].is_unique and crimes["crime_number"].iloc[0] == "CR/0000001"
    assert crimes["committed_from"].is_monotonic_increasing  # numbered in time order
    times = pd.to_datetime(crimes["committed_from"], format="%Y-%m-%d %H:%M")
    assert times.min() >= pd.Timestamp("2021-07-01") and times.max() < pd.Timestamp("2024-07-01")
    assert set(crimes["offence"]) == set(OFFENCES)
    x, y = crimes["easting"].astype(int), crimes["northing"].astype(int)
    assert x.between(500_000, 560_000).all() and y.between(150_000, 210_000).all()  # London
    assert crimes["offender1_id"].notna().all()
    filled = crimes[IDS].notna()
    assert (filled.to_numpy()[:, 1:] <= filled.to_numpy()[:, :-1]).all()  # filled from the left
    assert filled.sum(axis=1).between(1, 4).all() and (filled.sum(axis=1) >= 3).any()
    assert 0.1 < crimes["vrm"].notna().mean() < 0.5
    assert crimes["vrm"].notna().eq(crimes["vehicle_make"].notna()).all()


def test_deterministic_by_seed(planted):
    again = planted_groups(12, seed=5, crimes=3000)
    assert again.crimes.equals(planted.crimes)
    pd.testing.assert_frame_equal(again.people, planted.people)
    pd.testing.assert_frame_equal(again.vehicles, planted.vehicles)
    assert not planted_groups(12, seed=6, crimes=3000).crimes.equals(planted.crimes)


def test_one_nominal_id_always_reads_the_same(crimes):
    long = _long(crimes)
    fields = ["forename", "surname", "dob", "address", "postcode", "phone"]
    assert (long.groupby("id")[fields].nunique() == 1).all().all()
    assert not long.duplicated(["crime_number", "id"]).any()  # no one named twice on a crime


def test_groups_roles_and_brokers(planted, crimes):
    people = planted.people.set_index("person_id")
    assert set(people["role"]) == {"leader", "core", "peripheral"}
    assert (people[people["role"] == "leader"].groupby("group").size() >= 1).all()
    assert people["group"].nunique() == 12
    long = _long(crimes).join(people[["group", "role"]], on="id")
    spread = long.groupby("crime_number")["group"].nunique()
    assert (spread == 1).mean() > 0.9  # most crimes are one group's
    truth = planted.crime_groups.set_index("crime_number")
    assert truth.loc[spread[spread > 1].index, "cross_group"].all()  # only brokers cross over
    # Brokers: core members whose crimes are with their own group and with a second one.
    brokers = people[people["broker"]]
    assert len(brokers) and set(brokers["role"]) == {"core"}
    assert (brokers["broker_group"] != brokers["group"]).all()
    groups_of = long.join(truth["group"].rename("crime_group"), on="crime_number")
    for person, row in brokers.iterrows():
        seen = set(groups_of.loc[groups_of["id"] == person, "crime_group"])
        assert {row["group"], row["broker_group"]} <= seen
    # Leaders offend less often than core members, but in more serious crimes.
    per_role = people.groupby("role")[["crimes", "harm"]].sum()
    rate = per_role["crimes"] / people.groupby("role").size()
    assert rate["leader"] < rate["core"] and rate["peripheral"] < rate["core"]
    harm_per_crime = per_role["harm"] / per_role["crimes"]
    assert harm_per_crime["leader"] > 1.5 * harm_per_crime["core"]
    assert (people["crimes"] == long["id"].value_counts().reindex(people.index, fill_value=0)).all()


def test_shared_homes_phones_and_lent_vehicles(planted, crimes):
    people = planted.people
    for columns in (["address", "postcode"], ["phone"]):
        shared = people[people.duplicated(columns, keep=False)]
        assert len(shared) > 10  # households and work phones
        assert (shared.groupby(columns)["group"].nunique() == 1).all()  # never across groups
    vehicles = planted.vehicles.set_index("vrm")
    assert vehicles.index.is_unique and (vehicles["crimes"] > 0).any()
    used = crimes.dropna(subset=["vrm"])
    keeper = vehicles.loc[used["vrm"], "keeper"].to_numpy()
    on_crime = (used[IDS].to_numpy() == keeper[:, None]).any(axis=1)
    assert (used["offender1_id"].to_numpy()[on_crime] == keeper[on_crime]).all()  # the keeper first
    assert 0.1 < (~on_crime).mean() < 0.7  # lent to other members
    crime_group = planted.crime_groups.set_index("crime_number").loc[used["crime_number"], "group"]
    assert (vehicles.loc[used["vrm"], "group"].to_numpy() == crime_group.to_numpy())[~on_crime].all()


def test_no_value_is_shared_by_chance_at_scale():
    people = planted_groups(4000, seed=1, crimes=0).people  # ~20,000 homes, ~50,000 people
    for column in ("address", "phone"):
        assert (people.groupby(column)["group"].nunique() == 1).all()


def test_sizes_and_bad_arguments():
    one = planted_groups(1, seed=0)
    assert one.crimes.num_rows == 100 and not one.people["broker"].any()
    assert not one.crime_groups["cross_group"].any()
    empty = planted_groups(3, seed=0, crimes=0)
    assert empty.crimes.num_rows == 0 and empty.crimes.column_names == COLUMNS
    for kwargs, message in (
        ({"groups": 0}, "--groups"), ({"groups": 2, "seed": -1}, "--seed"),
        ({"groups": 2, "crimes": -5}, "--crimes"), ({"groups": 2, "cross": 1.5}, "cross"),
    ):  # fmt: skip
        with pytest.raises(PeelianError, match=message):
            planted_groups(**kwargs)


def test_write_puts_truth_beside_the_extract(tmp_path, planted):
    paths = write(planted, tmp_path / "out")
    assert [p.name for p in paths] == [
        "cooffending.csv",
        "truth_groups.csv",
        "truth_crimes.csv",
        "truth_vehicles.csv",
    ]
    truth = pd.read_csv(paths[1], dtype=str, keep_default_na=False)
    assert list(truth.columns[:5]) == ["person_id", "group", "role", "broker", "broker_group"]
    assert len(truth) == len(planted.people)
    found = MappedAdapter(load_mapping("force_rms_cooffending")).discover(tmp_path / "out")
    assert [f.name for f in found] == ["cooffending.csv"]  # the truth files are never ingested


def test_the_extract_loads_into_a_store(store, tmp_path):
    planted = planted_groups(3, seed=2, crimes=250)
    path = to_rms_csv(planted, tmp_path / "cooffending.csv")
    report = ingest(store, MappedAdapter(load_mapping("force_rms_cooffending")), path, 10_000, 10**9)
    assert report.total("inserted") == 250 and report.total("quarantined") == 0
    crimes = planted.crimes.to_pandas()
    long = _long(crimes)
    with store.connect() as conn:
        people = pd.DataFrame(
            conn.execute(select(persons.c.natural_key, persons.c.attributes)).mappings().all()
        )
        vehicles = (
            conn.execute(select(objects.c.natural_key).where(objects.c.kind == "vehicle")).scalars().all()
        )
        roles = pd.Series(conn.execute(select(links.c.role)).scalars().all()).value_counts()
        owners = conn.execute(
            select(persons.c.natural_key, objects.c.natural_key)
            .join(links, (links.c.subject_id == persons.c.id) & (links.c.role == "owner"))
            .join(objects, links.c.object_id == objects.c.id)
        ).all()
    assert set(people["natural_key"]) == {f"person:{i}" for i in long["id"]}
    assert roles["offender"] == len(long) and roles["used_in"] == crimes["vrm"].notna().sum()
    attributes = pd.DataFrame(list(people["attributes"]))
    assert set(attributes.columns) == {"address", "postcode", "phone"}
    assert attributes["phone"].duplicated().any() and attributes["address"].duplicated().any()
    assert set(vehicles) == {f"vehicle:{v}" for v in crimes["vrm"].dropna()}
    with_vehicle = long.merge(crimes[["crime_number", "vrm"]]).dropna(subset=["vrm"])
    used = {
        (f"person:{p}", f"vehicle:{v}") for p, v in zip(with_vehicle["id"], with_vehicle["vrm"], strict=True)
    }
    assert owners and set(owners) == used  # every offender on the crime had the use of the vehicle


def test_the_mapping_is_shipped():
    assert "force_rms_cooffending" in {p.stem for p in examples()}
    mapping = load_mapping("force_rms_cooffending")
    assert mapping.source.system == SYSTEM and len(mapping.persons) == 4
    assert {p.role.value for p in mapping.persons} == {"offender"}
    assert all(
        {name for name, _ in p.attributes} == {"address", "postcode", "phone"} for p in mapping.persons
    )
    assert mapping.objects[0].owner.value == "offender"


def test_cli_writes_the_files_and_names_the_ingest_command(tmp_path):
    runner = CliRunner()
    help_text = runner.invoke(app, ["synth", "groups", "--help"]).output
    for option in ("--groups", "--crimes", "--seed", "--out", "--json"):
        assert option in help_text
    out = tmp_path / "groups"
    result = runner.invoke(app, ["synth", "groups", "-g", "3", "-n", "200", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["crimes"] == 200 and summary["groups"] == 3
    assert (
        summary["ingest"]
        == f"peelian ingest mapped --mapping force_rms_cooffending {out / 'cooffending.csv'}"
    )
    assert (out / "truth_groups.csv").is_file()
    bad = runner.invoke(app, ["synth", "groups", "--groups", "0", "--out", str(tmp_path / "none")])
    assert bad.exit_code == 1 and "(--groups) must be at least 1" in bad.output
    assert not (tmp_path / "none").exists()
