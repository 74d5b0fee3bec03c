"""CCTV footage from a business, as it happens: an officer makes an upload link for a case; the
shop opens it on a phone, says which camera and how far its clock is out, and sends a real video
in several chunks, one of whose replies is lost on the way (the page asks where the server got to
and carries on); the officer's page then lists the footage with the SHA-256 taken on receipt."""

import hashlib
import re
from datetime import datetime, timedelta

import pytest

from peelian.config import Settings
from peelian.db import make_engine, upgrade
from peelian.governance import accounts
from peelian.video import intake
from tests.browser.conftest import PASSWORD, PageWatch, expect, serve, sign_in
from tests.integration.test_cctv_intake import make_video

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
CHUNK = 16384  # the page's ?chunk= asks for small chunks, so a small video goes in several
CLOCK_FAST_S = 95


@pytest.fixture(scope="module")
def cctv_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("cctv")
    engine = make_engine(f"sqlite:///{root / 'cctv.db'}")
    upgrade(engine, "EPSG:27700")
    accounts.create(engine, "officer", "Olly Officer", PASSWORD, ["officer"], actor="test")
    with serve(engine, Settings(cookie_secure=False, evidence_dir=root / "evidence")) as app:
        app.evidence = root / "evidence"
        yield app


def _context(browser, app, request, **options):
    context = browser.new_context(base_url=app.base_url, **options)
    context.set_default_timeout(15_000)
    request.addfinalizer(context.close)
    page = context.new_page()
    return page, PageWatch(page)


def test_a_shop_sends_footage_through_its_link_and_the_officer_sees_it(browser, cctv_app, request, tmp_path):
    officer, officer_watch = _context(browser, cctv_app, request, viewport={"width": 1280, "height": 900})
    sign_in(officer, cctv_app, "officer")
    officer.goto("/cctv")
    expect(officer).to_have_url(cctv_app.url("/purpose?next=/cctv"))  # a purpose first
    officer.get_by_label("Purpose").select_option("investigation")
    officer.get_by_label("Case or task reference").fill("OP-SHOP-1")
    officer.get_by_role("button", name="Continue").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("CCTV evidence for OP-SHOP-1")
    officer.get_by_label("Who holds the footage").fill("Corner Shop")
    with officer.expect_navigation():
        officer.get_by_role("button", name="Make a link").click()
    url = officer.get_by_label("The new upload link").input_value()
    assert re.fullmatch(re.escape(cctv_app.base_url) + r"/cctv/upload/[A-Za-z0-9_-]{43}", url), url

    video = make_video(tmp_path / "front-door.avi")
    content = video.read_bytes()
    assert len(content) > 3 * CHUNK
    shop, shop_watch = _context(browser, cctv_app, request, **PHONE)
    puts, lost = [], []

    def lose_one_reply(route):
        """The third chunk reaches the server, but its reply never reaches the phone."""
        puts.append(route.request.url)
        if len(puts) == 3:
            route.fetch()
            lost.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    shop.route(re.compile(r".*/api/cctv/links/.*/uploads/vu_[0-9a-f]+\?offset=\d+$"), lose_one_reply)
    shop.goto(url + f"?chunk={CHUNK}")
    expect(shop.get_by_role("heading", level=1)).to_have_text("Send CCTV footage")
    expect(shop.locator("#cctv-link-for")).to_contain_text("OP-SHOP-1")
    expect(shop.locator("#cctv-link-for")).to_contain_text("Corner Shop")
    shop.get_by_label("Which camera").fill("Front door")
    shop.get_by_label("Where the camera is").fill("Corner Shop, 1 High Street")
    camera_shows = datetime.now() + timedelta(
        seconds=CLOCK_FAST_S
    )  # the phone's local time, as the page reads it
    shop.get_by_label("A time the camera will show").fill(camera_shows.strftime("%Y-%m-%dT%H:%M:%S"))
    shop.get_by_role("button", name="The camera shows this time now").tap()
    offset = int(shop.get_by_label("Camera clock minus true time").input_value())
    assert abs(offset - CLOCK_FAST_S) <= 3
    expect(shop.locator("#cctv-offset-said")).to_contain_text("fast")
    shop.get_by_label("The video file").set_input_files(str(video))
    shop.get_by_role("button", name="Send the footage").tap()
    expect(shop.locator("#cctv-done")).to_be_visible()
    sha256 = hashlib.sha256(content).hexdigest()
    expect(shop.locator("#cctv-sha256")).to_have_text(sha256)
    reference = shop.locator("#cctv-reference").text_content()
    assert re.fullmatch(r"CCTV-[A-Z0-9]{4}-[A-Z0-9]{4}", reference)
    assert len(lost) == 1 and len(puts) >= len(content) // CHUNK  # several chunks, one reply lost
    assert (cctv_app.evidence / "originals" / sha256[:2] / sha256).read_bytes() == content
    problems = shop_watch.problems()
    assert problems.pop("failed requests") == [
        f"PUT {lost[0]}: net::ERR_CONNECTION_RESET (page {url}?chunk={CHUNK})"
    ]
    problems.pop("console errors", None)  # the browser logs the lost reply as well
    assert not problems, problems

    officer.goto("/cctv")
    row = officer.locator("#cctv-footage tbody tr", has_text=reference)
    expect(row).to_contain_text(sha256)
    expect(row).to_contain_text("Front door")
    expect(row).to_contain_text(f"+{offset}")
    [kept] = intake.case_footage(cctv_app.engine, "OP-SHOP-1")
    assert (kept["sha256"], kept["owner"], kept["clock_offset_s"]) == (sha256, "Corner Shop", offset)
    expect(officer.locator("#cctv-links tbody tr")).to_contain_text("live")
    with officer.expect_navigation():
        officer.get_by_role("button", name="Withdraw").click()
    expect(officer.locator("#cctv-links tbody tr")).to_contain_text("revoked")
    officer_watch.assert_clean()

    shop.reload()
    expect(shop.get_by_role("heading", level=1)).not_to_have_text("Send CCTV footage")
    expect(shop.locator("body")).to_contain_text("does not work")
