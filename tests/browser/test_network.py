"""An organised crime network as an analyst explores it: declare a purpose, see the largest groups
drawn, choose a person for their details, open their associates, and double-click through to the
subject profile, with nothing going wrong in the page (CSP refusals included)."""

import pytest

from tests.browser.conftest import PageWatch, expect, serve, sign_in
from tests.web.test_network import build_network_store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def network_app(tmp_path_factory):
    with serve(build_network_store(tmp_path_factory.mktemp("network"))) as app:
        yield app


def _in_view(page, pick: str) -> dict:
    """The node ``pick`` (JS over ``cy``) chooses, with the page scrolled so that it sits mid-window
    (a click below the fold lands nowhere); its id and where to click."""
    found = page.evaluate(
        """(pick) => {
            const box = document.getElementById("network");
            const node = new Function("cy", pick)(box._cyreg.cy);
            const y = box.getBoundingClientRect().top + node.y;
            window.scrollBy(0, y - window.innerHeight / 2);
            return node;
        }""",
        pick,
    )
    box = page.locator("#network").bounding_box()
    return {"id": found["id"], "x": box["x"] + found["x"], "y": box["y"] + found["y"]}


def _click_node(page) -> str:
    """Click a drawn person, the one farthest from any other so that the click cannot land on a
    neighbour drawn on top; their id."""
    found = _in_view(
        page,
        """
        const nodes = cy.nodes().map((n) => ({
            id: n.id(), x: n.renderedPosition("x"), y: n.renderedPosition("y"),
        }));
        const w = cy.width(), h = cy.height();
        const inside = nodes.filter((n) => n.x > 20 && n.y > 20 && n.x < w - 20 && n.y < h - 20);
        const others = (n) => nodes.filter((m) => m.id !== n.id);
        const gap = (n) => Math.min(...others(n).map((m) => Math.hypot(m.x - n.x, m.y - n.y)));
        return inside.reduce((best, n) => (gap(n) > gap(best) ? n : best));
        """,
    )
    page.mouse.click(found["x"], found["y"])
    return found["id"]


def test_network_page_draws_groups_and_opens_people(browser, network_app):
    context = browser.new_context(base_url=network_app.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch = PageWatch(page)
    try:
        sign_in(page, network_app, "analyst")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Networks").click()
        expect(page).to_have_url(network_app.url("/purpose?next=/network"))
        page.get_by_label("Purpose").select_option("intelligence")
        page.get_by_label("Case or task reference").fill("OP-NET-1")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Organised crime networks")
        shown = page.evaluate('JSON.parse(document.getElementById("network-data").textContent).nodes.length')
        assert shown > 20
        expect(page.locator("#network")).to_have_attribute("data-drawn", str(shown))
        expect(page.locator("#network canvas").first).to_be_visible()
        expect(page.locator("#network-groups tbody tr").first).to_be_visible()

        person = _click_node(page)
        detail = page.locator("#network-detail")
        expect(detail).to_contain_text(person)
        expect(detail.get_by_role("link", name="Open profile")).to_have_attribute(
            "href", f"/profile/{person}"
        )
        detail.get_by_role("link", name="Their associates").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Associates of {person}")
        expect(page.locator("#network")).to_have_attribute(
            "data-drawn", str(page.locator("#network-people tbody tr").count())
        )

        page.locator("#network canvas").first.wait_for()
        centre = _in_view(
            page,
            """
            const node = cy.nodes().filter((n) => n.data("distance") === 0)[0];
            return {id: node.id(), x: node.renderedPosition("x"), y: node.renderedPosition("y")};
            """,
        )
        assert centre["id"] == person
        page.mouse.dblclick(centre["x"], centre["y"])
        expect(page).to_have_url(network_app.url(f"/profile/{person}"))
        network = page.get_by_role("link", name="Their association network")
        expect(network).to_have_attribute("href", f"/network?centre={person}")
        watch.assert_clean()
    finally:
        context.close()
