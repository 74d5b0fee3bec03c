"""A crime series as an analyst reads it: declare a purpose, open the series list and one series,
see every crime on the map and the evidence for each pair, with nothing going wrong in the page."""

import json

import pytest

from tests.browser.conftest import PageWatch, expect, serve, sign_in
from tests.web.test_linkage import build_series_store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def series_app(tmp_path_factory):
    engine, found = build_series_store(tmp_path_factory.mktemp("series"))
    with serve(engine) as app:
        app.found = found["found"]  # largest series first
        yield app


def test_series_page_maps_every_crime_and_shows_the_evidence(browser, series_app):
    series = series_app.found[0]
    context = browser.new_context(base_url=series_app.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = PageWatch(page)
    try:
        sign_in(page, series_app, "analyst")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Series").click()
        expect(page).to_have_url(series_app.url("/purpose?next=/linkage"))  # a purpose first
        page.get_by_label("Purpose").select_option("investigation")
        page.get_by_label("Case or task reference").fill("OP-SERIES-1")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Suspected crime series")
        page.get_by_label("Status").select_option("all")
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(series_app.url("/linkage?status=all"))
        page.goto(f"/linkage/series/{series['lead_id']}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"{series['size']} Burglary crimes")

        places = json.loads(page.locator("#series-crimes").text_content())
        placed = [f for f in places["features"] if f["geometry"]["coordinates"]]
        assert len(placed) == series["size"]
        expect(page.locator("#series-map")).to_have_attribute("data-drawn", str(series["size"]))
        expect(page.locator("#series-map path.series-crime")).to_have_count(series["size"])
        expect(page.locator("#series-map .leaflet-tooltip.series-number")).to_have_count(series["size"])
        expect(page.locator("#series-map .leaflet-control-zoom-in")).to_be_visible()
        page.locator("#series-map path.series-crime").first.click(force=True)
        expect(page.locator("#series-map .leaflet-popup-content")).to_contain_text("SYN/")

        expect(page.locator("#series-timeline tbody tr")).to_have_count(series["size"])
        expect(page.locator("#series-timeline .series-strip .tick")).to_have_count(series["size"])
        evidence = page.locator("#series-evidence table.evidence").first
        expect(evidence).to_be_visible()
        expect(evidence.locator("tbody tr").first).to_be_visible()
        expect(evidence).to_contain_text("distance")
        expect(page.get_by_role("form", name="Decide on this series")).to_be_visible()
        watch.assert_clean()
    finally:
        context.close()
