"""The public crime-reporting portal as people use it, on a phone: report a burglary with a photo
and track it; leave at once with the quick exit (draft wiped, no way Back); the 999 interrupt in
the page and on the server; the draft kept in this browser and resumed. Then the staff side: an
officer triages the report into a crime in the store. Nothing may go wrong in any page (CSP
refusals show as console errors)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from peelian.config import Settings
from peelian.db import make_engine, upgrade
from peelian.db.schema import events, portal_reports
from peelian.governance import accounts
from tests.browser.conftest import ARTIFACTS, PASSWORD, PageWatch, _artifact_name, expect, serve, sign_in

pytestmark = pytest.mark.browser

DRAFT = "peelian.report.draft"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# A report sent sooner than this after its page was served is taken for a bot and refused
# (portal.MIN_FILL_SECONDS is 3 s). A test fills the form in milliseconds, so it waits the rest.
FILL_MS = 3100
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 2000
REFERENCE = re.compile(r"^PR-[A-Z0-9]{4}-[A-Z0-9]{4}$")


@pytest.fixture(scope="module")
def portal_app(tmp_path_factory):
    """The app on an empty store, with a local quick-exit page so that leaving stays on 127.0.0.1."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('portal') / 'portal.db'}")
    upgrade(engine, "EPSG:27700")
    accounts.create(engine, "officer", "Olly Officer", PASSWORD, ["officer"], actor="test")
    with serve(engine, Settings(cookie_secure=False, portal_exit_url="/healthz")) as app:
        yield app


def _context(browser, app, request, who: str, **options):
    """A fresh browser context (no cookies, no storage) and its page, watched; closed after the
    test, with a screenshot in test-artifacts/ if the test failed."""
    context = browser.new_context(base_url=app.base_url, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = PageWatch(page)
    request.addfinalizer(lambda: _close(context, page, request, who))
    return page, watch


def _close(context, page, request, who: str) -> None:
    report = getattr(request.node, "rep_call", None)
    if report is None or report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            name = _artifact_name(f"{request.node.nodeid}-{who}")
            page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        except Exception as exc:  # the screenshot is a help, never a second failure
            print(f"could not save a screenshot: {exc}")
    context.close()


@pytest.fixture
def phone(browser, portal_app, request):
    """A member of the public on a phone: the page and its PageWatch."""
    return _context(browser, portal_app, request, "public", **PHONE)


def _answer(page, question: str, answer: str) -> None:
    page.get_by_role("radiogroup", name=question).get_by_label(answer, exact=True).check()


def _fill_burglary(page, account: str = "They forced the back door and took my laptop.") -> None:
    """Answer every question as a burglary victim would (the page must be /report)."""
    _answer(page, "Is anyone in danger, or is the crime happening now?", "No")
    _answer(page, "Is the person who did it still there?", "No")
    _answer(page, "Is anyone hurt?", "No")
    page.get_by_label("What kind of crime was it?").select_option(label="Burglary at a home")
    page.get_by_label("Tell us what happened, in your own words").fill(account)
    page.get_by_label("Address or description of the place").fill("12 High Street")
    page.get_by_label("Postcode").fill("E1 6AN")
    earliest = datetime.now(UTC) - timedelta(days=1)
    page.get_by_label("Earliest").fill(earliest.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Latest").fill((earliest + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    expect(page.get_by_label("Item 1")).to_be_visible()  # property questions, for a burglary
    expect(page.get_by_label("Registration")).to_be_hidden()  # no vehicle questions
    page.get_by_label("Item 1").fill("Laptop")
    page.get_by_label("Value in pounds").first.fill("800")
    page.get_by_label("Serial number or markings").first.fill("SN-123")
    page.get_by_label("Your name").fill("Jo Bloggs")
    page.get_by_label("Email").fill("jo@example.org")
    page.get_by_label("It happened to me (I am the victim)").check()


def _send(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Send report").click()


def _report_burglary(page, photo=None) -> tuple[str, str]:
    """Report a burglary through the form (with ``photo``, a path); its reference and code."""
    page.goto("/report")
    _fill_burglary(page)
    if photo is not None:
        page.locator("#evidence").set_input_files(str(photo))
    page.wait_for_timeout(FILL_MS)  # the server refuses a form sent under 3 s after it was served
    _send(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Report sent")
    reference = page.locator("#reference").text_content().strip()
    code = page.locator("#tracking-code").text_content().strip()
    assert REFERENCE.match(reference), reference
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4})+", code), code
    return reference, code


def _track(page, reference: str, code: str) -> None:
    page.goto("/track")
    page.get_by_label("Reference").fill(reference)
    page.get_by_label("Tracking code").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Show my report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your report {reference}")


def _draft(page):
    return page.evaluate(f"window.localStorage.getItem({DRAFT!r})")


def test_a_burglary_with_a_photo_is_reported_and_tracked(phone, tmp_path):
    page, watch = phone
    photo = tmp_path / "back-door.jpg"
    photo.write_bytes(JPEG)
    reference, code = _report_burglary(page, photo)
    assert _draft(page) is None, "the draft must go once the report is sent"

    page.get_by_role("link", name="Track your report").click()
    expect(page).to_have_url(re.compile(r"/track$"))
    page.get_by_label("Reference").fill(reference)
    page.get_by_label("Tracking code").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Show my report").click()
    expect(page).to_have_url(re.compile(r"/track/case$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your report {reference}")
    expect(page.locator("#case-stage")).to_have_text("Received")
    expect(page.locator("#case-files")).to_contain_text("back-door.jpg")
    expect(page.locator("#case-messages")).to_contain_text("No messages yet.")

    page.get_by_label("Message to the officer").fill("I have found a footprint by the door.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send", exact=True).click()
    expect(page).to_have_url(re.compile(r"/track/case$"))
    expect(page.locator("#case-messages li")).to_have_count(1)
    expect(page.locator("#case-messages")).to_contain_text("You")
    expect(page.locator("#case-messages")).to_contain_text("I have found a footprint by the door.")
    watch.assert_clean()


def test_quick_exit_leaves_wipes_the_draft_and_cannot_be_undone_with_back(phone, portal_app):
    page, watch = phone
    page.goto("/track")  # somewhere harmless first, where Back should lead after the exit
    page.goto("/report")
    page.get_by_label("Tell us what happened, in your own words").fill("My partner hit me")
    assert "My partner hit me" in _draft(page), "answers are saved as they are typed"

    page.get_by_role("link", name="Quick exit").tap()
    expect(page).to_have_url(portal_app.url("/healthz"))
    assert _draft(page) is None
    page.go_back()
    expect(page).to_have_url(portal_app.url("/track"))  # the form was replaced in the history
    page.goto("/report")
    expect(page.locator("#draft")).to_be_hidden()  # nothing left to resume
    expect(page.get_by_label("Tell us what happened, in your own words")).to_have_value("")

    page.get_by_label("Your name").fill("Someone")  # Esc twice does the same
    assert _draft(page) is not None
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(page).to_have_url(portal_app.url("/healthz"))
    assert _draft(page) is None
    watch.assert_clean()


def test_999_interrupt_and_the_draft_resumed(phone, portal_app):
    page, watch = phone
    page.goto("/report")
    rest, interrupt = page.locator("#rest"), page.locator("#interrupt")
    expect(interrupt).to_be_hidden()
    expect(rest).to_be_visible()
    _answer(page, "Is the person who did it still there?", "Yes")
    expect(interrupt).to_be_visible()
    expect(interrupt).to_contain_text("Call 999 now")
    expect(rest).to_be_hidden()
    expect(page.get_by_role("button", name="Send report")).to_be_hidden()
    _answer(page, "Is the person who did it still there?", "No")
    expect(interrupt).to_be_hidden()
    expect(rest).to_be_visible()
    expect(page.get_by_role("button", name="Send report")).to_be_visible()

    page.get_by_label("Your name").fill("Sam Example")
    page.reload()
    name = page.get_by_label("Your name")
    expect(page.locator("#draft")).to_be_visible()
    expect(name).to_have_value("")
    page.get_by_role("button", name="Resume it").click()
    expect(page.locator("#draft")).to_be_hidden()
    expect(name).to_have_value("Sam Example")
    offender_gone = page.get_by_role("radiogroup", name="Is the person who did it still there?")
    expect(offender_gone.get_by_label("No", exact=True)).to_be_checked()

    # Words that say it is happening now stop the report on the server too, whatever the radios said.
    with portal_app.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(portal_reports)).scalar_one()
    _fill_burglary(page, account="Someone is still inside the house, I can hear them upstairs.")
    page.wait_for_timeout(FILL_MS)  # the server refuses a form sent under 3 s after it was served
    _send(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Call 999 now")
    expect(page.locator("#emergency")).to_contain_text("what you wrote says it is happening now")
    with portal_app.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(portal_reports)).scalar_one() == before
    watch.assert_clean()


def test_an_officer_records_a_public_report_as_a_crime(browser, phone, portal_app, request):
    public, public_watch = phone
    reference, code = _report_burglary(public)

    page, watch = _context(browser, portal_app, request, "officer", viewport={"width": 1280, "height": 900})
    sign_in(page, portal_app, "officer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Public reports").click()
    expect(page).to_have_url(portal_app.url("/purpose?next=/portal/triage"))  # a purpose first
    page.get_by_label("Purpose").select_option("investigation")
    page.get_by_label("Case or task reference").fill("TRIAGE-1")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Public reports to triage")
    row = page.locator("#triage-queue tbody tr", has_text=reference)
    expect(row).to_contain_text("Received")
    row.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Public report {reference}")
    expect(page.locator("#report-stage")).to_have_text("Received")
    expect(page.locator("#report-answers")).to_contain_text("They forced the back door")
    expect(page.locator("#report-answers")).to_contain_text("Laptop, £800, serial SN-123")

    page.get_by_label("Next stage").select_option("recorded")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/portal/triage/pr_[0-9a-f]+\?done=recorded$"))
    expect(page.locator("#report-stage")).to_have_text("Recorded as a crime")
    expect(page.get_by_role("status")).to_contain_text("Done: recorded.")
    with portal_app.engine.connect() as conn:
        crime = conn.execute(select(events).where(events.c.natural_key == reference)).one()
    assert crime.category == "Burglary - residential"
    assert crime.source_system == "public.portal"
    expect(page.get_by_role("link", name=crime.id)).to_be_visible()
    watch.assert_clean()

    _track(public, reference, code)  # and the reporter sees it
    expect(public.locator("#case-stage")).to_have_text("Recorded as a crime")
    public_watch.assert_clean()
