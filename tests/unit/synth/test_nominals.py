"""Synthetic nominals: deterministic, loadable through their shipped mappings with nothing
quarantined, with ground truth keyed exactly as the store keys persons and vehicles, and with the
errors each system is said to make actually present."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from peelian.errors import PeelianError
from peelian.synth import vocab
from peelian.synth.load import ingest_nominals
from peelian.synth.nominals import SYSTEMS, Nominals, generate, write

FILES = [f"{name}.csv" for name in SYSTEMS] + ["truth.csv", "vehicle_truth.csv", "README.txt"]


@pytest.fixture(scope="module")
def nominals() -> Nominals:
    return generate(3_000, 11)


def by_person(nominals: Nominals, system: str, id_column: str) -> pd.DataFrame:
    """A system's rows that name a person in ``id_column``, with the true person behind each and
    that person's index in the population."""
    records = nominals.records[system]
    truth = records.persons.set_index("person_key")["true_person"]
    frame = records.frame[records.frame[id_column] != ""].reset_index(drop=True)
    frame["true_person"] = ("person:" + frame[id_column]).map(truth)
    frame["p"] = frame["true_person"].str[1:].astype(int) - 1
    return frame


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    for folder, seed in (("a", 5), ("b", 5), ("c", 6)):
        write(generate(400, seed), tmp_path / folder)
    same = [(tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in FILES]
    other = [(tmp_path / "a" / f).read_bytes() == (tmp_path / "c" / f).read_bytes() for f in FILES]
    assert all(same)
    assert not any(other[: len(SYSTEMS)])


def test_bad_arguments_are_refused_in_plain_words(tmp_path):
    with pytest.raises(PeelianError, match="at least 1"):
        generate(0, 1)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(PeelianError, match="cannot write to"):
        write(generate(10, 1), blocker / "out")


def test_every_system_loads_cleanly_and_truth_keys_are_the_store_keys(store, tmp_path, nominals):
    write(nominals, tmp_path)
    reports = ingest_nominals(store, tmp_path, 1_000, 1 << 32)
    for name, report in reports.items():
        totals = report.as_dict()["totals"]
        assert report.failed == [], name
        assert totals["quarantined"] == 0, name
        assert totals["inserted"] == len(nominals.records[name].frame), name
    with store.connect() as conn:
        persons = pd.read_sql(text("SELECT source_system, natural_key, attributes FROM persons"), conn)
        objects = pd.read_sql(text("SELECT source_system, natural_key FROM objects"), conn)
        kinds = dict(conn.execute(text("SELECT event_type, count(*) FROM events GROUP BY 1")).fetchall())
    truth = pd.read_csv(tmp_path / "truth.csv", dtype=str, keep_default_na=False)
    vehicles = pd.read_csv(tmp_path / "vehicle_truth.csv", dtype=str, keep_default_na=False)
    assert not truth.duplicated(["source_system", "person_key"]).any()
    assert not vehicles.duplicated(["source_system", "object_key"]).any()
    assert set(zip(persons.source_system, persons.natural_key, strict=True)) == set(
        zip(truth.source_system, truth.person_key, strict=True)
    )
    assert set(zip(objects.source_system, objects.natural_key, strict=True)) == set(
        zip(vehicles.source_system, vehicles.object_key, strict=True)
    )
    assert set(truth.source_system) == {r.system for r in nominals.records.values()}
    assert set(kinds) == {"custody", "crime", "intelligence", "stop", "sighting"}
    keys = {
        key for attributes in persons.attributes.dropna() for key in
        (attributes if isinstance(attributes, dict) else json.loads(attributes))
    }  # fmt: skip
    assert {"address", "postcode", "phone", "email", "pnc_id", "aliases", "dob_partial"} <= keys


def test_people_appear_skewed_across_systems(nominals):
    spread = nominals.summary()["people_by_systems_seen_in"]
    assert sum(spread.values()) == nominals.people  # everyone appears somewhere
    assert spread[1] + spread.get(2, 0) > 0.8 * nominals.people
    assert max(spread) >= 4  # prolific offenders turn up nearly everywhere
    custody = nominals.records["custody"].persons["true_person"].value_counts()
    assert custody.max() >= 5


def test_intel_dates_of_birth_are_partial_swapped_or_missing(nominals):
    intel = by_person(nominals, "intel", "subject_ref")
    approx = intel["dob_approx"]
    assert approx.str.fullmatch(r"\d{4}").mean() > 0.1
    assert approx.str.fullmatch(r"\d{2}/\d{4}").mean() > 0.05
    assert ((intel["dob"] == "") & (approx == "")).mean() > 0.2
    true = pd.Series(nominals.population.dob[intel["p"]]).dt.strftime("%d/%m/%Y")
    full = intel["dob"] != ""
    wrong = intel[full & (intel["dob"] != true.to_numpy())]
    assert len(wrong) > 0
    for recorded, right in zip(wrong["dob"], true[wrong.index], strict=True):
        d, m, y = right.split("/")
        assert recorded == f"{m}/{d}/{y}"  # every wrong full date is the day/month swap
    assert intel["subject"].str.contains(", ").mean() > 0.4  # "SURNAME, Forename"
    assert (intel["aka"] != "").any()


def test_anpr_misreads_find_no_keeper(nominals):
    anpr = nominals.records["anpr"]
    frame = anpr.frame
    owner = anpr.vehicles.set_index("object_key")["true_vehicle"]
    true_vehicle = ("vehicle:" + frame["vrm"]).map(owner)
    plates = dict(zip(nominals.population.vehicles.vid, nominals.population.vehicles.vrm, strict=True))
    right = frame["vrm"] == true_vehicle.map(plates).str.replace(" ", "")
    assert 0.02 < (~right).mean() < 0.12
    assert (frame.loc[~right, "keeper_surname"] == "").all()
    assert (frame.loc[right, "keeper_surname"] != "").all()
    assert true_vehicle.nunique() < frame["vrm"].nunique()  # a vehicle under several plates


def test_stops_names_are_misspelt_phonetically_and_by_typos(nominals):
    stops = by_person(nominals, "stops", "person_ref")
    pop = nominals.population
    true = pd.Series(pop.forename[stops["p"]]).str.title()
    variants = {v.title() for forms in vocab.PHONETIC.values() for v in forms}
    heard = (stops["first_name"] != true.to_numpy()) & stops["first_name"].isin(variants)
    assert heard.any()
    surname = pd.Series(pop.surname[stops["p"]]).str.title()
    assert 0.1 < (stops["last_name"].str.title() != surname.to_numpy()).mean() < 0.5
    assert (stops["home_postcode"].str.len() > 0).mean() > 0.7
    assert stops["home_postcode"].str.fullmatch(r"[A-Z]{2}\d{1,2}\d[A-Z]{2}").any()  # space dropped


def test_crime_uses_nicknames_and_plus44_phones(nominals):
    crime = by_person(nominals, "crime", "suspect_id")
    true = pd.Series(nominals.population.forename[crime["p"]])
    familiar = [
        f.upper() in vocab.nicknames().get(t, ())
        for f, t in zip(crime["suspect_forename"], true, strict=True)
    ]
    assert sum(familiar) > 0
    phones = crime["suspect_phone"][crime["suspect_phone"] != ""]
    assert phones.str.fullmatch(r"\+44 7\d{3} \d{6}").all()
    assert (crime["suspect_dob"] == "").mean() > 0.15


def test_custody_aliases_share_the_pnc_id(nominals):
    custody = nominals.records["custody"]
    frame = custody.frame
    aliases = frame[frame["alias_id"] != ""]
    assert len(aliases) > 0
    assert (aliases["pnc_id"].str.fullmatch(r"\d{4}/\d{7}[A-Z]")).all()
    truth = custody.persons.set_index("person_key")["true_person"]
    assert (
        ("person:" + aliases["alias_id"]).map(truth).to_numpy()
        == ("person:" + aliases["detainee_id"]).map(truth).to_numpy()
    ).all()
    differ = (aliases["alias_surname"] != aliases["surname"]) | (
        aliases["alias_forename"] != aliases["forename"]
    )
    assert differ.all()


def test_vetting_lists_previous_names_and_addresses(nominals):
    vetting = nominals.records["vetting"].frame
    assert (vetting["previous_family_names"] != "").any()
    assert (vetting["previous_address"] != "").any()
    assert vetting["date_of_birth"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_readme_describes_every_file(nominals, tmp_path):
    paths = write(nominals, tmp_path)
    assert sorted(p.name for p in paths) == sorted(FILES)
    readme = (tmp_path / "README.txt").read_text()
    for name, records in nominals.records.items():
        assert f"{name}.csv" in readme and records.system in readme
        assert re.search(rf"mapping nominals_{name}\b", readme)
    assert Path(tmp_path / "truth.csv").read_text().startswith("source_system,person_key,true_person\n")
