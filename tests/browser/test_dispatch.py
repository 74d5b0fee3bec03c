"""The control room and the street: a dispatcher logs and grades a call and sends the recommended
unit; the officer sees the job on a phone-sized screen, warnings and map first, and taps through
their status, with nothing going wrong in either page (CSP refusals included)."""

import pytest

from peelian.db import make_engine, upgrade
from peelian.dispatch import control
from peelian.governance import accounts
from tests.browser.conftest import PASSWORD, PageWatch, expect, serve, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def control_app(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('control') / 'control.db'}")
    upgrade(engine, "EPSG:27700")
    accounts.create(engine, "dispatcher", "Dee Spatcher", PASSWORD, ["supervisor"], actor="test")
    accounts.create(engine, "pc_near", "Pat Constable", PASSWORD, ["officer"], actor="test")
    control.add_unit(engine, "MP-1", "officer", -0.0710, 51.5205, account="pc_near")
    control.add_unit(engine, "MP-2", "vehicle", -0.1200, 51.5100)
    control.add_unit(engine, "DR-1", "drone", -0.0750, 51.5210)
    with serve(engine) as app:
        yield app


def test_dispatcher_grades_and_assigns_then_the_officer_works_the_job(browser, control_app):
    desk = browser.new_context(base_url=control_app.base_url, viewport={"width": 1280, "height": 900})
    desk.set_default_timeout(10_000)
    page = desk.new_page()
    watch = PageWatch(page)
    try:
        sign_in(page, control_app, "dispatcher")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Control room").click()
        page.get_by_label("Purpose").select_option("investigation")
        page.get_by_label("Case or task reference").fill("CONTROL-ROOM")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Control room")
        page.get_by_label("What the caller says").fill(
            "A man is kicking the door in and has a knife, right now"
        )
        page.get_by_label("Location", exact=True).fill("4 Mill Lane")
        page.get_by_label("Latitude").fill("51.5200")
        page.get_by_label("Longitude").fill("-0.0700")
        page.get_by_role("button", name="Log and grade").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Immediate (suggested)")
        expect(page.locator("#grade-reasons li").first).to_contain_text("knife")
        page.get_by_role("button", name="Confirm grade").click()
        expect(page.get_by_role("heading", level=1)).not_to_contain_text("suggested")
        expect(page.locator("#recommended tbody tr").first).to_contain_text("MP-1")
        expect(page.locator("#advice-note")).to_contain_text("does not count as attendance")
        page.get_by_role("button", name="Assign MP-1").click()
        expect(page.locator("#incident-log")).to_contain_text("MP-1 (officer) assigned")
        reference = page.get_by_role("heading", level=1).text_content().split(":")[0]
        watch.assert_clean()
    finally:
        desk.close()

    phone = browser.new_context(
        base_url=control_app.base_url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone.set_default_timeout(10_000)
    page = phone.new_page()
    watch = PageWatch(page)
    try:
        sign_in(page, control_app, "pc_near")
        page.goto("/job")
        expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
        expect(page.locator("#job-where")).to_have_text("4 Mill Lane")
        expect(page.locator("#job-map")).to_have_attribute("data-drawn", "true")
        tap = page.get_by_role("button", name="On my way")
        expect(tap).to_be_visible()
        box = tap.bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= 390  # a thumb-sized target on screen
        tap.tap()
        expect(page.get_by_role("button", name="On my way")).to_have_attribute("aria-pressed", "true")
        page.get_by_role("button", name="At scene").tap()
        expect(page.get_by_role("button", name="At scene")).to_have_attribute("aria-pressed", "true")
        page.get_by_role("button", name="Clear (available)").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("MP-1: no job")
        watch.assert_clean()
    finally:
        phone.close()
    found = control.incident(control_app.engine, reference)
    assert found["status"] == "closed" and found["arrived_at"] is not None and found["grade"] == "Immediate"
