"""The index of a registerutdrag (`ensak utdrag`) in Debian's Chromium: no WCAG 2.1 A/AA violation found by
axe-core at 1280 and at 320 px, no sideways scrolling of the page at 320 px (WCAG 1.4.10), and each table that is
wider than the screen scrolls in its own region that the keyboard reaches (WCAG 2.1.1).

The extract is the one test_utdrag.py writes after a real cycle (its `course` fixture); the page is a static
file, so no hub and no OS account is involved.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytest.register_assert_rewrite("fixtures_hub")
from test_browser_accessibility import (  # noqa: E402
    assert_reflows_with_tables_in_keyboard_regions,
    axe_violations,
    described,
)
from test_utdrag import course, db_url  # noqa: E402,F401  (the fixtures: the cycle and the extract)

pytest_plugins = ["fixtures_hub"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("width", [1280, 320])
def test_is_the_index_free_of_wcag_violations_and_readable_without_scrolling_sideways(chromium, course, width):
    page = chromium.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto((course["out"] / "index.html").as_uri())
        expect(page.locator("h1")).to_contain_text("Registerutdrag för Marta Håkansson")
        violations = axe_violations(page)
        assert not violations, f"axe-core at {width} px:\n{described(violations)}"
        assert_reflows_with_tables_in_keyboard_regions(page, width, tables=8)
    finally:
        page.close()
