"""Planted burglary series: the frame's shape, its ground truth, and the RMS extract it writes
read back through the bundled mapping without a row lost."""

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from peelian.geo.crs import projector
from peelian.ingest.adapter import ParseContext
from peelian.ingest.mapped import MappedAdapter
from peelian.ingest.mapping import examples, load_mapping
from peelian.ingest.sources import SourceFile
from peelian.synth.series import FILLER, HABIT_PHRASES, MO, planted_series, to_rms_csv

COLUMNS = [
    "crime_ref", "category", "x", "y", "t_from", "t_to", "entry_point", "entry_method", "search_style",
    "premises_type", "property_taken", "mo_text", "offender", "true_offender", "series_size",
]  # fmt: skip
CTX = ParseContext(projector("EPSG:27700"), 50_000, 1 << 32, datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def crimes() -> pd.DataFrame:
    return planted_series(5000, seed=7)


def test_shape_columns_and_dtypes(crimes):
    assert list(crimes.columns) == COLUMNS and len(crimes) == 5000
    assert crimes["crime_ref"].is_unique and crimes["crime_ref"].iloc[0] == "SYN/000001"
    assert set(crimes["category"]) == {"burglary"}
    for column in ("x", "y"):
        assert crimes[column].dtype == np.float64
    assert crimes["x"].between(515_000, 545_000).all() and crimes["y"].between(165_000, 195_000).all()
    for column in ("t_from", "t_to"):
        assert isinstance(crimes[column].dtype, pd.DatetimeTZDtype) and str(crimes[column].dt.tz) == "UTC"
    assert crimes["series_size"].dtype == np.int64
    assert crimes["true_offender"].str.fullmatch(r"OFF-\d{6}").all()
    assert crimes["t_from"].is_monotonic_increasing  # numbered in time order


def test_sizes_and_empty_frames():
    for n in (0, 1, 2, 3, 17):
        frame = planted_series(n, seed=1)
        assert len(frame) == n and list(frame.columns) == COLUMNS
    with pytest.raises(ValueError, match="solved_share"):
        planted_series(10, solved_share=1.5)


def test_deterministic_by_seed():
    pd.testing.assert_frame_equal(planted_series(400, seed=3), planted_series(400, seed=3))
    assert not planted_series(400, seed=3).equals(planted_series(400, seed=4))


def test_times_exact_share_and_windows(crimes):
    length = (crimes["t_to"] - crimes["t_from"]).dt.total_seconds() / 60
    assert (length >= 0).all()
    exact = length == 0
    assert abs(exact.mean() - 0.4) < 0.03
    assert length[~exact].between(60, 14 * 60).all()
    assert (crimes["t_from"].dt.second == 0).all()  # whole minutes: the CSV loses nothing


def test_mo_vocabularies_and_narratives(crimes):
    for column, values in MO.items():
        assert set(crimes[column]) <= {*values, ""}
        assert 0.02 < (crimes[column] == "").mean() < 0.08
    words = crimes["mo_text"].str.split().str.len()
    assert words.between(8, 20).all()
    known = {*HABIT_PHRASES, *FILLER}
    assert all(set(text.split(", ")) <= known for text in crimes["mo_text"].head(200))


def test_series_ground_truth(crimes):
    sizes = crimes.groupby("true_offender")["crime_ref"].transform("size")
    assert (sizes == crimes["series_size"]).all()
    assert abs((crimes["series_size"] > 1).mean() - 0.6) < 0.001
    assert crimes["series_size"].max() <= 30
    offenders = crimes.drop_duplicates("true_offender")["series_size"]
    assert (offenders == 1).mean() > 0.5  # most offenders are seen once


def _pairs(crimes: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Consecutive crimes of one true offender, and as many random pairs."""
    ordered = crimes[crimes["series_size"] > 1].sort_values(["true_offender", "t_from"])
    same = ordered["true_offender"].to_numpy()[1:] == ordered["true_offender"].to_numpy()[:-1]
    a, b = ordered.iloc[:-1][same].reset_index(drop=True), ordered.iloc[1:][same].reset_index(drop=True)
    i, j = rng.integers(len(crimes), size=(2, len(a)))
    return (a, b), (crimes.iloc[i].reset_index(drop=True), crimes.iloc[j].reset_index(drop=True))


def test_series_are_closer_in_space_time_and_mo(crimes):
    (a, b), (c, d) = _pairs(crimes, np.random.default_rng(0))

    def metres(p, q):
        return np.hypot(p["x"] - q["x"], p["y"] - q["y"]).median()

    def days(p, q):
        return (p["t_from"] - q["t_from"]).abs().dt.total_seconds().median() / 86400

    def same_entry(p, q):
        return (p["entry_point"] == q["entry_point"]).mean()

    def shared_phrases(p, q):
        return np.mean(
            [
                len(set(s.split(", ")) & set(t.split(", ")))
                for s, t in zip(p["mo_text"], q["mo_text"], strict=True)
            ]
        )

    assert metres(a, b) * 4 < metres(c, d)
    assert days(a, b) * 4 < days(c, d)
    assert same_entry(a, b) > same_entry(c, d) + 0.3
    assert shared_phrases(a, b) > shared_phrases(c, d) + 0.8


def test_solved_share(crimes):
    solved = crimes["offender"] != ""
    assert abs(solved.mean() - 0.6) < 0.03
    assert (crimes.loc[solved, "offender"] == crimes.loc[solved, "true_offender"]).all()
    assert (planted_series(300, solved_share=0.0)["offender"] == "").all()


def test_rms_csv_reads_back_through_the_bundled_mapping(tmp_path):
    crimes = planted_series(50, seed=11)
    path = to_rms_csv(crimes, tmp_path / "burglary.csv")
    (batch,) = MappedAdapter(load_mapping("force_rms_burglary")).batches(SourceFile(path), CTX)
    assert batch.quarantined == [] and batch.rows_read == 50
    events = batch.events.sort_values("_row").reset_index(drop=True)
    assert len(events) == 50 and set(events["category"]) == {"Burglary"}
    # Local wall times read back to the same instants (fixed seed: no autumn repeated hour here).
    assert (events["time_from"].to_numpy() == crimes["t_from"].to_numpy()).all()
    exact = (crimes["t_to"] == crimes["t_from"]).to_numpy()
    assert (events["time_precision"].to_numpy()[exact] == "minute").all()
    assert (events["time_precision"].to_numpy()[~exact] == "range").all()
    assert np.allclose(events["x"], crimes["x"].round(), atol=1e-6)
    assert events["attributes"].iloc[0]["mo_text"] == crimes["mo_text"].iloc[0]
    # One person per solved offender, linked to each of their crimes as the suspect.
    solved = crimes.loc[crimes["offender"] != "", "offender"]
    assert set(batch.persons["natural_key"]) == {f"person:{o}" for o in solved}
    assert set(batch.links["role"]) == {"suspect"} and len(batch.links) == len(solved)
    people = batch.persons.drop_duplicates("natural_key")
    assert people["forename"].notna().all() and people["dob"].notna().all()


def test_suspect_names_follow_the_offender_id(tmp_path):
    crimes = planted_series(400, seed=2)
    text = pd.read_csv(to_rms_csv(crimes, tmp_path / "b.csv"), dtype=str, keep_default_na=False)
    named = text[text["suspect_id"] != ""]
    per_id = named.groupby("suspect_id")[["suspect_forename", "suspect_surname", "suspect_dob"]].nunique()
    assert (per_id == 1).all().all()
    assert (text.loc[text["suspect_id"] == "", ["suspect_forename", "suspect_dob"]] == "").all().all()
    assert text["address"].str.fullmatch(r"\d+ [A-Z][A-Za-z' ]+ [A-Z][a-z]+").all()
    # Another frame gives the same offender id the same name.
    other = pd.read_csv(to_rms_csv(planted_series(400, seed=9), tmp_path / "c.csv"), dtype=str)
    both = named.merge(other, on="suspect_id", suffixes=("", "_other"))
    assert len(both) and (both["suspect_surname"] == both["suspect_surname_other"]).all()


def test_the_mapping_is_listed_with_the_bundled_ones():
    names = {p.stem for p in examples()}
    assert {"force_rms_burglary", "force_rms_crimes"} <= names
    by_name = load_mapping("force_rms_burglary")
    assert by_name == load_mapping(Path(next(p for p in examples() if p.stem == "force_rms_burglary")))
    assert by_name.source.system == "force.rms.burglary" and by_name.persons[0].role.value == "suspect"
