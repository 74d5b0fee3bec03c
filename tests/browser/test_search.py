"""Search as an officer does it: declare a purpose, type a misspelt name, open the profile, see the
map and the timeline."""

import pytest
from sqlalchemy import select

from peelian.db import make_engine, upgrade
from peelian.db.schema import search_records
from peelian.resolve import service
from peelian.synth import nominals
from peelian.synth.load import ingest_nominals
from tests.browser.conftest import expect, serve, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def nominals_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("search")
    engine = make_engine(f"sqlite:///{root / 'search.db'}")
    upgrade(engine, "EPSG:27700")
    nominals.write(nominals.generate(200, 5), nominals.prepare(root / "nominals"))
    ingest_nominals(engine, root / "nominals", 50_000, 10**9)
    service.run(engine, "person", "tester")
    with serve(engine) as app:
        yield app


def test_misspelt_name_to_profile_with_map_and_timeline(browser, nominals_app):
    with nominals_app.engine.connect() as conn:
        person = conn.execute(
            select(search_records)
            .where(search_records.c.record_type == "person", search_records.c.seen_at.is_not(None),
                   search_records.c.surname.like("_____%"), search_records.c.forename.is_not(None))
            .order_by(search_records.c.rid)
        ).first()  # fmt: skip
    surname = person.surname
    typo = surname[0] + surname[2] + surname[1] + surname[3:]  # two letters swapped
    context = browser.new_context(base_url=nominals_app.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, nominals_app, "analyst")
        page.goto("/search")
        expect(page).to_have_url(nominals_app.url("/purpose?next=/search"))  # a purpose first
        page.get_by_label("Purpose").select_option("investigation")
        page.get_by_label("Case or task reference").fill("OP-SEARCH-1")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Name, date of birth, registration, phone, postcode or reference").fill(
            f"{person.forename.split()[0].title()} {typo.title()}"
        )
        page.get_by_role("button", name="Search").click()
        first = page.locator("table.results tbody tr").first
        expect(first).to_contain_text(surname)
        expect(first).to_contain_text("surname")
        first.get_by_role("link").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(surname.split("-")[0])
        page.wait_for_function("() => Number(document.getElementById('profile-map').dataset.drawn) > 0")
        expect(page.locator("#profile-map .leaflet-control-zoom-in")).to_be_visible()
        expect(page.locator("#timeline tbody tr").first).to_be_visible()
        expect(page.locator("#timeline")).not_to_contain_text("No events.")
    finally:
        context.close()
