"""Harm indices, windowed scores, RFG and churn on small, hand-checkable offences."""

import re
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from peelian.errors import PeelianError
from peelian.harm import (
    HarmIndex,
    RFGParams,
    available_indices,
    breakdown,
    churn,
    harm_by,
    load_index,
    rank_offenders,
    rfg,
    rfg_breakdown,
    weigh,
)

AS_OF = pd.Timestamp("2024-06-01", tz="UTC")
POLICE_UK = [
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs", "Other crime",
    "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting", "Theft from the person",
    "Vehicle crime", "Violence and sexual offences", "Violent crime", "Public disorder and weapons",
]  # fmt: skip


def _offences(rows: list[tuple]) -> pd.DataFrame:
    """(offender, event, days before AS_OF, category, area, victim) per offence."""
    return pd.DataFrame(
        {
            "offender": [r[0] for r in rows],
            "event_id": [r[1] for r in rows],
            "time": [AS_OF - pd.Timedelta(days=r[2]) for r in rows],
            "category": [r[3] for r in rows],
            "area": [r[4] if len(r) > 4 else None for r in rows],
            "victim": [r[5] if len(r) > 5 else None for r in rows],
        }
    )


def _weight(index: str, text: str) -> float:
    return float(load_index(index).resolve([text])["weight"].iloc[0])


def _harm_table(name: str):
    return resources.files("peelian.data").joinpath(f"harm/{name}").read_text(encoding="utf-8")


def test_every_bundled_weight_loads_and_names_a_documented_source():
    documented = set(re.findall(r"^## (\S+)", _harm_table("SOURCES.md"), flags=re.M))
    assert available_indices() == ["cchi", "ons_css"]
    for name in available_indices():
        entries = load_index(name).entries
        assert len(entries) > 0 and (entries["weight"] > 0).all()
        sources = {s for cell in entries["source"] for s in cell.split(";")}
        assert "" not in sources and sources <= documented, name
    offences = pd.read_csv(resources.files("peelian.data").joinpath("harm/offences.csv"), dtype=str)
    assert set(offences["source"]) <= documented and not offences["code"].duplicated().any()


def test_police_uk_categories_map_to_index_entries():
    resolved = load_index("cchi").resolve(POLICE_UK).set_index("value")
    assert resolved["weight"].isna().sum() == 1  # anti-social behaviour: no CCHI score
    assert resolved.loc["Anti-social behaviour", "unmapped"] == "no weight in this index"
    assert resolved.loc["Burglary", "weight"] == pytest.approx(244.68)  # residential/non-residential mix
    assert resolved.loc["Shoplifting", "weight"] == 1
    assert resolved.loc["Violent crime", "entry"] == resolved.loc["Violence and sexual offences", "entry"]
    assert resolved.loc["Public disorder and weapons", "weight"] == pytest.approx(37.95)
    assert _weight("cchi", "criminal-damage-arson") == _weight("cchi", "Criminal damage and arson")
    assert load_index("ons_css").resolve(POLICE_UK)["weight"].isna().all()  # no category weights sourced


def test_codes_and_offence_names_resolve_whatever_their_spelling():
    for text in ["28E", "028e", "028/01", "28", "Burglary - Residential", "BURGLARY  residential!"]:
        assert _weight("cchi", text) == 273.5, text
    assert _weight("cchi", "Robbery of personal property") == 365
    assert _weight("cchi", "Murder") == 5475 and _weight("ons_css", "murder") == 7979
    assert _weight("cchi", "Rape") == 2555 and _weight("cchi", "Possession of controlled drugs") == 3
    assert _weight("ons_css", "92E") == 3 and _weight("ons_css", "4.10") == 7979
    ons = load_index("ons_css").resolve(["Possession of controlled drugs", "92", "Mystery offence"])
    assert ons["weight"].isna().all()  # a whole subgroup, a class with unknown weights, an unknown name
    assert list(ons["unmapped"].str.split(":").str[0]) == [
        "no weight in this index",
        "ambiguous",
        "not recognised",
    ]
    assert np.isnan(_weight("cchi", "004/01"))  # class 4 spans homicide, assault and driving deaths


def test_unmapped_offences_are_counted_never_zeroed():
    offences = _offences(
        [("a", "e1", 1, "Burglary"), ("a", "e2", 2, "Anti-social behaviour"),
         ("b", "e3", 3, "Mystery offence"), ("b", "e4", 4, "Mystery offence")]
    )  # fmt: skip
    scores = rank_offenders(offences, "cchi", AS_OF)
    table = scores.table.set_index("offender")
    assert table.loc["a", "harm"] == pytest.approx(244.68) and table.loc["a", "unmapped"] == 1
    assert table.loc["b", "harm"] == 0 and table.loc["b", "unmapped"] == 2
    report = scores.unmapped.set_index("category")
    assert report["offences"].to_dict() == {"Mystery offence": 2, "Anti-social behaviour": 1}
    assert report.loc["Mystery offence", "reason"] == "not recognised"
    assert weigh(offences, "cchi", AS_OF)["weight"].isna().sum() == 3


def test_window_keeps_only_the_last_window_days_up_to_as_of():
    offences = _offences([("a", f"e{d}", d, "Shoplifting") for d in (0, 364, 365, 366, -1)])
    table = rank_offenders(offences, "cchi", AS_OF, window_days=365).table
    assert table["offences"].tolist() == [2]  # today and 364 days ago; not 365, 366 days ago or tomorrow
    assert rank_offenders(offences, "cchi", AS_OF, window_days=1000).table["harm"].tolist() == [4]


def test_decay_halves_a_weight_at_each_half_life():
    offences = _offences([("a", "e1", 30, "Robbery"), ("b", "e2", 60, "Robbery"), ("c", "e3", 0, "Robbery")])
    table = rank_offenders(offences, "cchi", AS_OF, half_life_days=30).table.set_index("offender")
    assert table["harm"].to_dict() == pytest.approx({"a": 182.5, "b": 91.25, "c": 365})
    assert table["rank"].to_dict() == {"c": 1, "a": 2, "b": 3}


def test_breakdown_parts_sum_to_the_score():
    offences = _offences(
        [("a", "e1", 10, "Burglary"), ("a", "e2", 100, "8N"), ("a", "e2", 100, "Anti-social behaviour"),
         ("a", "e3", 400, "Robbery"), ("b", "e4", 5, "Drugs")]
    )  # fmt: skip
    table = rank_offenders(offences, "cchi", AS_OF, half_life_days=90).table.set_index("offender")
    parts = breakdown(offences, "a", "cchi", AS_OF, half_life_days=90)
    assert parts["event_id"].tolist() == ["e2", "e2", "e1"]  # oldest first; e3 is outside the window
    assert parts["contribution"].sum() == pytest.approx(table.loc["a", "harm"])  # NaN parts skipped
    assert (parts["contribution"] == parts["weight"] * parts["decay"]).iloc[[0, 2]].all()
    assert table.loc["a", "events"] == 2 and table.loc["a", "offences"] == 3  # one event, two offences
    assert parts["area"].isna().all()  # other columns ride along
    with pytest.raises(PeelianError, match="no offences by 'z'"):
        breakdown(offences, "z", "cchi", AS_OF)


def test_harm_by_area_and_by_victim():
    offences = _offences(
        [("a", "e1", 1, "Robbery", "north", "v1"), ("b", "e1", 1, "Robbery", "north", "v1"),
         ("c", "e2", 2, "Shoplifting", "south", "v2"), ("c", "e3", 3, "Shoplifting", None, "v1")]
    )  # fmt: skip
    areas = harm_by(offences, "area", "cchi", AS_OF).table.set_index("area")
    assert areas["harm"].to_dict() == {"north": 730, "south": 1}  # the offence with no area is left out
    assert areas.loc["north", "offenders"] == 2 and areas.loc["north", "events"] == 1
    victims = harm_by(offences, "victim", "cchi", AS_OF).table
    assert victims["victim"].tolist() == ["v1", "v2"] and victims["harm"].tolist() == [731, 1]
    with pytest.raises(PeelianError, match="no 'beat' column"):
        harm_by(offences, "beat", "cchi", AS_OF)


def test_rfg_components_and_what_each_setting_does():
    offences = _offences(
        [("busy", f"b{i}", 5 + i, "Shoplifting") for i in range(10)]
        + [("grave", "g1", 200, "Rape"), ("lapsed", "l1", 300, "Shoplifting")]
    )
    result = rfg(offences, "cchi", AS_OF)
    table = result.table.set_index("offender")
    assert table["recency"].to_dict() == {"busy": 1.0, "grave": 0.25, "lapsed": 0.25}  # 5, 200, 300 days
    assert table.loc["busy", "frequency"] == 1.0  # ten events reach the cap
    assert table.loc["grave", "frequency"] == pytest.approx(np.log1p(1) / np.log1p(10))
    assert table.loc["grave", "gravity"] == 1.0 and table.loc["busy", "gravity"] == pytest.approx(
        np.log1p(10) / np.log1p(2555)
    )
    assert result.table["offender"].tolist() == ["busy", "grave", "lapsed"]
    parts = rfg_breakdown(result, "grave")
    assert parts["contribution"].sum() == pytest.approx(table.loc["grave", "score"])
    assert parts["measure"].iloc[0] == "200.0 days since the latest offence"

    gravity_only = rfg(offences, "cchi", AS_OF, RFGParams(weights=(0, 0, 1))).table
    assert gravity_only["offender"].iloc[0] == "grave"
    smooth = rfg(offences, "cchi", AS_OF, RFGParams(recency_half_life_days=100)).table.set_index("offender")
    assert smooth.loc["grave", "recency"] == pytest.approx(0.25)
    worst = rfg(offences, "cchi", AS_OF, RFGParams(gravity="max")).table.set_index("offender")
    assert worst.loc["busy", "gravity_harm"] == 1 and table.loc["busy", "gravity_harm"] == 10
    linear = rfg(offences, "cchi", AS_OF, RFGParams(frequency_scale="linear")).table.set_index("offender")
    assert linear.loc["grave", "frequency"] == pytest.approx(0.1)
    assert rfg(offences, "cchi", AS_OF, RFGParams(window_days=100)).table["offender"].tolist() == ["busy"]
    with pytest.raises(PeelianError, match=r"RFG settings: .*increasing days.*'log' or 'linear'"):
        RFGParams(recency_bands=((90, 1.0), (30, 0.5)), frequency_scale="square")


def test_churn_of_a_known_top_three():
    result = churn(["a", "b", "c", "d"], ["c", "a", "e", "f"], top_n=3)
    assert result.entered == ["e"] and result.left == ["b"] and result.stayed == ["c", "a"]
    assert result.jaccard == pytest.approx(2 / 4)
    moves = result.moves.set_index("offender")
    assert moves["move"].to_dict() == {"c": 2, "a": -1}  # c climbed from 3rd to 1st
    tables = churn(
        pd.DataFrame({"offender": ["x", "y"], "rank": [2, 1]}), pd.DataFrame({"offender": ["x"], "rank": [1]})
    )
    assert tables.left == ["y"] and tables.jaccard == 0.5 and tables.moves["move"].tolist() == [1]
    with pytest.raises(PeelianError, match="lists an offender twice"):
        churn(["a", "a"], ["a"])


def test_a_force_can_plug_in_its_own_index():
    entries = pd.DataFrame({"code": ["BURG"], "offence": ["Burglary"], "weight": [5]})
    own = HarmIndex("force", "Force harm", "points", entries, categories={"Burglary": "BURG"})
    offences = _offences([("a", "e1", 1, "burglary"), ("a", "e2", 2, "Robbery")])
    scores = rank_offenders(offences, own, AS_OF)
    assert scores.table["harm"].tolist() == [5] and scores.unmapped["category"].tolist() == ["Robbery"]
    with pytest.raises(PeelianError, match="not numbers of zero or more"):
        HarmIndex("bad", "Bad", "points", pd.DataFrame({"code": ["X"], "offence": ["X"], "weight": [-1]}))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.iloc[0:0], "there are no offences"),
        (lambda f: f.assign(time=f["time"].dt.tz_localize(None)), "no time zone"),
        (lambda f: f.drop(columns="category"), "lacks the columns category"),
        (lambda f: f.assign(time="yesterday"), "must hold timestamps"),
        (lambda f: f.assign(offender=None), "1 offences have no offender"),
    ],
)
def test_bad_offences_give_plain_errors(change, message):
    with pytest.raises(PeelianError, match=message):
        rank_offenders(change(_offences([("a", "e1", 1, "Burglary")])), "cchi", AS_OF)


def test_bad_settings_give_plain_errors():
    offences = _offences([("a", "e1", 1, "Burglary")])
    with pytest.raises(PeelianError, match="unknown harm index 'v100'; choose one of cchi, ons_css"):
        rank_offenders(offences, "v100", AS_OF)
    with pytest.raises(PeelianError, match="window must be a positive number of days, not -5"):
        rank_offenders(offences, "cchi", AS_OF, window_days=-5)
    with pytest.raises(PeelianError, match="half-life must be a positive"):
        rank_offenders(offences, "cchi", AS_OF, half_life_days=0)
    with pytest.raises(PeelianError, match="as_of has no time zone"):
        rank_offenders(offences, "cchi", pd.Timestamp("2024-06-01"))
