"""Response-time summaries, and a replay small enough to check by hand, queue and drones included."""

import numpy as np

from peelian.dispatch import DroneModel, DroneSites, Fleet, Grade, Policy, RoadModel, replay, response_summary

IMM, P, S, R = (int(g) for g in Grade)


def test_summary_gives_median_p90_and_share_within_target_per_grade():
    grades = np.array([IMM, IMM, IMM, IMM, P, R])
    response = np.array([60.0, 120.0, 1200.0, np.nan, 3000.0, np.nan])
    out = response_summary(grades, response)
    assert out["Immediate"] == {
        "calls": 4,
        "attended": 3,
        "median_min": 2.0,
        "p90_min": 16.4,  # 120 + 0.8 * (1200 - 120) seconds
        "target_min": 15.0,
        "within_target": 0.5,  # the unattended call counts as a miss
    }
    assert out["Priority"]["within_target"] == 1.0
    assert out["Resolve without deployment"] == {"calls": 1, "attended": 0}
    assert "Scheduled" not in out


def test_a_hand_checked_replay_queues_by_grade_and_flies_drones_in_parallel():
    times = np.array([0.0, 10.0, 20.0, 50.0, 395.0])
    x = np.array([1000.0, 1000.0, 0.0, 5.0, 0.0])
    y = np.array([0.0, 500.0, 0.0, 5.0, 100.0])
    grades = np.array([P, S, IMM, R, IMM])
    policy = Policy(
        roads=RoadModel(circuity=1.0, speed_kph=36.0),  # 10 m/s
        drone=DroneModel(launch_s=30.0, speed_kph=36.0, range_m=1500.0, on_scene_s=100.0),
        service_s={Grade.IMMEDIATE: 500.0, Grade.PRIORITY: 300.0, Grade.SCHEDULED: 200.0},
    )
    fleet = Fleet(np.array([0.0]), np.array([0.0]), DroneSites.at([0.0], [0.0], drones=1, turnaround_s=60.0))
    run = replay(times, x, y, grades, fleet, policy)
    # One officer: call 0 (100 s away) keeps it until 400; then the queue by grade, then time: the
    # Immediate call 2 (arrive 500, clear 1000), the Immediate call 4 (arrive 1010, clear 1510), and
    # last the Scheduled call 1 (1077 m away). Call 3 is resolved without deployment.
    expected = [100.0, 1510 + np.hypot(1000, 400) / 10 - 10, 480.0, np.nan, 615.0]
    np.testing.assert_allclose(run.response_s, expected)
    np.testing.assert_allclose(run.wait_s, [0.0, 1500.0, 380.0, np.nan, 605.0])
    assert run.unit.tolist() == [0, 0, 0, -1, 0]
    # The one drone: call 0 at 130 s, back on the pad at 390, so busy for call 2 and free for call 4.
    np.testing.assert_allclose(run.drone_s, [130.0, np.nan, np.nan, np.nan, 40.0])
    assert run.drone_share(grades == IMM) == 0.5
    assert run.drone_share(grades == P, within_s=120.0) == 0.0


def test_replay_sends_the_nearest_free_officer():
    fleet = Fleet(np.array([0.0, 1000.0]), np.array([0.0, 0.0]))
    run = replay(np.array([0.0, 1.0]), np.array([900.0, 100.0]), np.zeros(2), np.array([P, P]), fleet)
    assert run.unit.tolist() == [1, 0]
    assert np.all(run.wait_s == 0)
