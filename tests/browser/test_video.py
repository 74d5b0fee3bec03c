"""CCTV review as an analyst does it: declare a purpose, open the footage, the review copy plays in
Chromium (and seeks), the timeline shows what was found, an event's button plays from its moment,
synopsis mode jumps over a quiet stretch, and confirming an event with a reason marks it
accepted; with no CSP refusal on the page.

The scene: the yard scene's 20 s, ten quiet seconds, then its first 12 s again, so the analysis
finds two active segments with a gap between them."""

import time

import cv2
import pytest

from peelian.config import Settings
from peelian.db import make_engine, upgrade
from peelian.video import intake, service
from tests.browser.conftest import PageWatch, expect, serve, sign_in
from tests.integration.test_video_store import take_in
from tests.video_scenes import FPS, write_scene

pytestmark = pytest.mark.browser

CASE = "OP-YARD-B"
QUIET_FRAMES = 100
REPLAYED_FRAMES = 120
# Chromium's player drops range requests it no longer needs when it seeks: aborted, not failed.
MEDIA_ABORTED = "net::ERR_ABORTED"
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def write_scene_with_gap(root):
    """The scene, a quiet stretch (the empty yard's first frames, looped) and part of the scene again."""
    frames, source = [], cv2.VideoCapture(str(write_scene(root / "scene.avi", frames=200)))
    while True:
        ok, frame = source.read()
        if not ok:
            break
        frames.append(frame)
    source.release()
    height, width = frames[0].shape[:2]
    path = root / "yard-gap.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (width, height))
    for frame in frames + [frames[i % 10] for i in range(QUIET_FRAMES)] + frames[:REPLAYED_FRAMES]:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="module")
def video_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("video")
    engine = make_engine(f"sqlite:///{root / 'video.db'}")
    upgrade(engine, "EPSG:27700")
    settings = Settings(cookie_secure=False, evidence_dir=root / "evidence", video_models_dir=root / "models")
    footage_id = take_in(engine, settings, write_scene_with_gap(root), CASE)
    service.analyse_footage(engine, settings, footage_id, "analyst")
    report = service.footage_report(engine, footage_id)
    waiting = take_in(
        engine, settings, write_scene(root / "short.avi", frames=60), CASE
    )  # analysed in a test
    with serve(engine, settings) as app:
        app.report, app.waiting = report, intake.footage(engine, waiting)
        yield app


def _current(page) -> float:
    return page.evaluate('document.getElementById("video-player").currentTime')


def _wait_near(page, seconds: float, within: float) -> None:
    """Until the player is within ``within`` seconds of ``seconds``."""
    page.wait_for_function(
        "([t, d]) => Math.abs(document.getElementById('video-player').currentTime - t) < d",
        arg=[seconds, within],
    )


def _real_problems(watch, final_page: str) -> tuple[list[str], dict]:
    """The page's problems less requests the browser itself called off: the player's ranges when
    it seeks, and anything still loading on a page the test navigated away from."""
    problems = watch.problems()
    failed = [
        f
        for f in problems.pop("failed requests", [])
        if MEDIA_ABORTED not in f or (".webm" not in f and f"(page {final_page})" in f)
    ]
    return failed, problems


def _desktop(browser, video_app):
    """A desktop browser that reports CSP violations: (context, page, watch)."""
    context = browser.new_context(base_url=video_app.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    return context, page, PageWatch(page)


def _on_the_case(page, video_app) -> None:
    """Sign in as the analyst and declare the investigation, landing on the case's CCTV page."""
    sign_in(page, video_app, "analyst")
    page.goto("/video")
    page.get_by_label("Purpose").select_option("investigation")
    page.get_by_label("Case or task reference").fill(CASE)
    page.get_by_role("button", name="Continue").click()


def test_an_analyst_reviews_footage(browser, video_app):
    report = video_app.report
    segments = report["analysis"]["segments"]
    assert len(segments) >= 2, segments  # the scene has a quiet gap
    (_, first_end), (second_start, _) = segments[0], segments[1]
    assert second_start - first_end > 5
    context, page, watch = _desktop(browser, video_app)
    try:
        _on_the_case(page, video_app)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"CCTV review for {CASE}")
        row = page.locator("#video-footage tbody tr", has_text=report["reference"])
        expect(row).to_contain_text("analysed")
        row.get_by_role("link", name="Review").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(report["reference"])
        expect(page.locator("#video-report-line")).to_contain_text("of footage")
        expect(page.locator("#video-sha")).to_have_text(report["sha256"])

        page.wait_for_function('() => document.getElementById("video-player").readyState >= 1')
        duration = page.evaluate('document.getElementById("video-player").duration')
        assert duration > 0 and abs(duration - report["analysis"]["footage_seconds"]) < 1, duration

        timeline = page.locator("#video-timeline")
        expect(timeline).to_have_attribute("data-markers", str(len(report["events"])))
        assert timeline.locator("g.vt-event").count() == len(report["events"])
        assert timeline.locator("rect.vt-segment").count() == len(segments)
        assert timeline.locator("polyline.vt-people").count() == 1
        expect(page.locator("#video-legend")).to_contain_text("Enters zone")

        event = next(e for e in report["events"] if e["kind"] in ("loitering", "enters_zone"))
        event_row = page.locator(f"#event-{event['id']}")
        event_row.get_by_role("button", name="Play from").click()
        _wait_near(page, event["media_from"], 0.5)
        page.evaluate('document.getElementById("video-player").pause()')
        assert abs(_current(page) - event["media_from"]) < 1.5  # paused, a moment after it

        box = timeline.bounding_box()  # a click on the timeline seeks to that point
        page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.9)
        _wait_near(page, duration / 2, 1)

        active = sum(end - start for start, end in segments)
        page.get_by_label("Synopsis: play only the active parts").check()
        expect(page.locator("#video-synopsis-info")).to_have_text(
            f"synopsis: {active / 60:.1f} of {report['analysis']['footage_seconds'] / 60:.1f} min"
        )
        page.evaluate(f'document.getElementById("video-player").currentTime = {first_end - 0.4}')
        page.wait_for_function(f'() => document.getElementById("video-player").currentTime < {first_end}')
        started = time.monotonic()
        page.evaluate('document.getElementById("video-player").play()')
        page.wait_for_function(f'() => document.getElementById("video-player").currentTime >= {second_start}')
        assert time.monotonic() - started < (second_start - first_end) * 0.7  # jumped, not played through
        page.evaluate('document.getElementById("video-player").pause()')
        page.get_by_label("Synopsis: play only the active parts").uncheck()

        event_row.get_by_role("button", name="Confirm").click()
        expect(event_row.locator(".judge-message")).to_contain_text("Give a reason")
        event_row.get_by_label("Reason").fill("Watched it: a person walks up to the door and waits")
        event_row.get_by_role("button", name="Confirm").click()
        expect(event_row.locator(".lead-status")).to_have_text("accepted")
        expect(timeline.locator(f'g[data-event="{event["id"]}"]')).to_have_class(
            f"vt-event kind-{event['kind']} status-accepted"
        )
        assert service.footage_report(video_app.engine, report["id"])["events_by_decision"]["accepted"] == 1

        page.reload()
        expect(page.locator(f"#event-{event['id']} .lead-status")).to_have_text("accepted")
        page.wait_for_function('() => document.getElementById("video-player").readyState >= 1')
        assert page.evaluate("window.__cspViolations") == []
        failed, problems = _real_problems(watch, page.url)
        assert not failed and not problems, (failed, problems)
    finally:
        context.close()


def test_the_review_page_fits_a_tablet(browser, video_app):
    report = video_app.report
    context = browser.new_context(
        base_url=video_app.base_url, viewport={"width": 768, "height": 1024}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch = PageWatch(page)
    try:
        sign_in(page, video_app, "analyst")
        page.goto(f"/video/footage/{report['id']}")
        page.get_by_label("Purpose").select_option("investigation")
        page.get_by_label("Case or task reference").fill(CASE)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(report["reference"])
        page.goto(f"/video/footage/{report['id']}?t=12")  # a search result's link: from that moment
        page.wait_for_function('() => document.getElementById("video-player").readyState >= 1')
        page.wait_for_function(
            '() => Math.abs(document.getElementById("video-player").currentTime - 12) < 0.2'
        )
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 768, width  # nothing wider than the screen
        player = page.locator("#video-player").bounding_box()
        assert player["width"] > 600
        confirm = page.locator("#video-events tbody tr").first.get_by_role("button", name="Confirm")
        expect(confirm).to_be_visible()
        assert confirm.bounding_box()["height"] >= 40
        failed, problems = _real_problems(watch, page.url)
        assert not failed and not problems, (failed, problems)
    finally:
        context.close()


def test_analysis_started_on_the_case_page_finishes_and_the_page_shows_it(browser, video_app):
    waiting = video_app.waiting
    context, page, watch = _desktop(browser, video_app)
    try:
        _on_the_case(page, video_app)
        row = page.locator("#video-footage tbody tr", has_text=waiting["reference"])
        expect(row).to_contain_text("received")
        with page.expect_navigation():
            row.get_by_role("button", name="Analyse").click()
        expect(row.locator(".video-status")).not_to_have_text("received")  # analysing, or done already
        expect(row.locator(".video-status")).to_have_text("analysed", timeout=60_000)  # the page reloads
        expect(row).to_contain_text("%")
        assert intake.footage(video_app.engine, waiting["id"])["status"] == "analysed"
        assert page.evaluate("window.__cspViolations") == []
        watch.assert_clean()
    finally:
        context.close()
