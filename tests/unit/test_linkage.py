"""The linkage core on small, hand-checkable crimes, and the evaluation on Porter's data."""

import numpy as np
import pandas as pd
import pytest

from peelian.errors import PeelianError
from peelian.linkage import series
from peelian.linkage.baseline import NaiveBayes
from peelian.linkage.candidates import candidate_pairs
from peelian.linkage.crimes import from_frame
from peelian.linkage.evaluate import cooffending_groups, evaluate, linked
from peelian.linkage.features import Evidence, time_shares
from peelian.linkage.model import LinkageModel
from peelian.linkage.service import training_pairs

T0 = pd.Timestamp("2024-03-04 00:00", tz="UTC")  # a Monday


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """(x, y, hours from T0, window hours, entry, text, offender) per crime."""
    return pd.DataFrame(
        {
            "id": [f"c{i}" for i in range(len(rows))],
            "x": [r[0] for r in rows],
            "y": [r[1] for r in rows],
            "t_from": [T0 + pd.Timedelta(hours=r[2]) for r in rows],
            "t_to": [T0 + pd.Timedelta(hours=r[2] + r[3]) for r in rows],
            "entry": [r[4] for r in rows],
            "mo": [r[5] for r in rows],
            "offender": [r[6] for r in rows],
        }
    )


def test_aoristic_shares_spread_a_window_over_its_hours_and_days():
    start = (T0 + pd.Timedelta(hours=18) - pd.Timestamp(0, tz="UTC")).total_seconds()
    hours, weekdays = time_shares(np.array([start, start]), np.array([start + 2 * 3600, start + 48 * 3600]))
    assert hours[0, 18] == pytest.approx(0.5) and hours[0, 19] == pytest.approx(0.5)
    assert hours[0].sum() == pytest.approx(1) and weekdays[0, 0] == pytest.approx(1)  # Monday
    assert np.allclose(hours[1], 1 / 24, atol=0.01)  # two whole days: every hour alike
    assert weekdays[1, 0] + weekdays[1, 1] + weekdays[1, 2] == pytest.approx(1)


def test_evidence_reads_like_an_analyst_would():
    crimes = from_frame(
        _frame([
            (0, 0, 18, 2, "rear window", "smashed rear window with brick", "A"),
            (300, 400, 18, 2, "Rear Window ", "rear window smashed using a brick", "A"),
            (0, 0, 24 * 7 + 3, 0, "", "", ""),
        ]),
        ["entry"], "mo", "offender",
    )  # fmt: skip
    evidence = Evidence(crimes).pairs(np.array([0, 0]), np.array([1, 2]))
    assert np.expm1(evidence["distance"][0]) == pytest.approx(500)
    assert evidence["days_apart"][1] == pytest.approx((24 * 7 + 3 - 19) / 24)
    assert evidence["time_of_day_overlap"][0] == pytest.approx(1)
    assert evidence["time_of_day_overlap"][1] == 0
    assert evidence["same_entry"][0] == 1  # case and spacing do not matter
    assert np.isnan(evidence["same_entry"][1])  # not recorded is not a mismatch
    assert evidence["mo_text_similarity"][0] > 0.5 and np.isnan(evidence["mo_text_similarity"][1])
    assert linked(crimes, np.array([0, 0]), np.array([1, 2])).tolist() == [True, False]


def test_frames_missing_what_linkage_needs_are_refused():
    frame = _frame([(0, 0, 0, 0, "a", "", "")])
    with pytest.raises(PeelianError, match="entry_point"):
        from_frame(frame, ["entry_point"])
    with pytest.raises(PeelianError, match="place"):
        from_frame(frame.assign(x=np.nan))


def _planted(rng: np.random.Generator, offenders: int = 40, each: int = 6) -> pd.DataFrame:
    rows = []
    for o in range(offenders):
        home, hour, entry = rng.uniform(0, 20_000, 2), rng.integers(0, 24), rng.choice(list("abcdefgh"))
        start = rng.uniform(0, 24 * 300)
        for _ in range(each):
            x, y = home + rng.normal(0, 400, 2)
            when = start + rng.exponential(24 * 8) + (hour - start % 24)
            habit = entry if rng.random() < 0.8 else rng.choice(list("abcdefgh"))
            rows.append((x, y, when, rng.choice([0, 3]), habit, "", f"O{o}"))
    return _frame(rows)


def test_model_learns_that_near_alike_crimes_link_and_explains_each_pair():
    crimes = from_frame(_planted(np.random.default_rng(1)), ["entry"], offender="offender")
    left, right = training_pairs(crimes)
    assert linked(crimes, left, right).sum() > 40 * 5  # most same-offender pairs are candidates
    evidence = Evidence(crimes).pairs(left, right)
    model = LinkageModel.fit(evidence, linked(crimes, left, right))
    weight = dict(zip(model.features, model.weights, strict=True))
    assert weight["distance"] < 0 and weight["days_apart"] <= 0 and weight["same_entry"] > 0
    assert all(weight[name] == 0 for name in model.report["left_out"])
    explained = model.explain(evidence, 0)
    assert sum(e["log_odds"] for e in explained) == pytest.approx(
        model.log_odds(evidence.iloc[[0]])[0] - model.intercept, abs=1e-2
    )
    assert abs(explained[0]["log_odds"]) >= abs(explained[-1]["log_odds"])
    again = LinkageModel.from_json(model.to_json())
    assert np.allclose(again.probability(evidence), model.probability(evidence))
    with pytest.raises(PeelianError, match="retrain"):
        again.probability(evidence.drop(columns=["same_entry"]))
    with pytest.raises(PeelianError, match="at least 5 linked"):
        LinkageModel.fit(evidence.iloc[:10], np.zeros(10, bool))
    baseline = NaiveBayes().fit(evidence, linked(crimes, left, right))
    truth = linked(crimes, left, right)
    assert baseline.log_odds(evidence)[truth].mean() > baseline.log_odds(evidence)[~truth].mean()


def test_candidates_stay_near_in_space_and_time():
    frame = _planted(np.random.default_rng(2))
    crimes = from_frame(frame, ["entry"])
    left, right = candidate_pairs(crimes, neighbours=5, max_metres=3_000, max_days=60)
    assert (left < right).all() and len(np.unique(left * len(crimes) + right)) == len(left)
    assert (np.hypot(crimes.x[left] - crimes.x[right], crimes.y[left] - crimes.y[right]) <= 3_000).all()
    assert len(left) <= 5 * len(crimes)
    truth = linked(from_frame(frame, ["entry"], offender="offender"), left, right)
    assert truth.mean() > 0.2  # candidates are rich in same-offender pairs (1 in 40 at random)
    assert candidate_pairs(crimes.take(np.array([0])))[0].size == 0


def test_series_do_not_chain_through_one_link():
    # two tight groups of four joined by a single strong pair
    pairs = [(a, b, 0.9) for g in (range(4), range(4, 8)) for a in g for b in g if a < b] + [(3, 4, 0.95)]
    left, right, p = (np.array(v) for v in zip(*pairs, strict=True))
    labels = series.cluster(9, left, right, p, strictness=0.5)
    assert len(set(labels[:4])) == 1 and len(set(labels[4:8])) == 1 and labels[0] != labels[4]
    assert labels[8] == -1  # a crime linked to nothing is in no series
    assert (series.cluster(9, left, right, p, strictness=0.05)[:8] == labels[0]).sum() >= 4
    with pytest.raises(PeelianError, match="strictness"):
        series.cluster(9, left, right, p, strictness=1.0)
    ranked = series.offenders(np.array([0.2, 0.9, 0.6]), np.array([0, 1, 2]),
                              [frozenset({"A"}), frozenset({"B"}), frozenset({"A"})])  # fmt: skip
    assert [s.offender for s in ranked] == ["B", "A"]
    assert ranked[1].combined == pytest.approx(1 - 0.8 * 0.4) and ranked[1].crimes[0] == (2, 0.6)


@pytest.mark.shared_data
def test_porter_benchmark_protocol(shared_data):
    from benchmarks.linkage import load_porter

    crimes, rows = load_porter()
    assert len(crimes) == 490 and crimes.solved.sum() == 390
    groups = cooffending_groups(crimes, rows)
    report = evaluate(crimes, groups, splits=3)
    model, baseline = report["summary"]["model"], report["summary"]["baseline"]
    assert report["linked_pairs"] > 200 and len(report["runs"]["model"]) == 3
    for run in report["runs"]["model"]:
        assert 0 < run["test_links"] < run["test_pairs"] and run["hit10_all"] <= run["hit10"] + 1e-9
    assert 0.8 < model["auc"]["mean"] <= 1 and 0.8 < baseline["auc"]["mean"] <= 1
