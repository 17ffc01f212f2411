"""What ensak renders, checked for WCAG 2.1 AA in Debian's Chromium: axe-core on a task notebook's widgets, on
the progress report and on Kursbloggen (1280 and 320 px wide), and the keyboard in a quiz.

axe-core comes from npm (hub/package.json, installed by scripts/bootstrap's `npm ci`) and is injected into the
page. The task runs in the browser tests' hub (fixtures_hub's session hub: no second hub is started). axe runs
on what ensak renders; JupyterLab's own remaining faults are printed, for docs/accessibility.md, not failed on.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

pytest.register_assert_rewrite("fixtures_hub", "fixtures_analytics")
from fixtures_analytics import TODAY  # noqa: E402
from fixtures_hub import FIRST_TASK, missing_or_skip  # noqa: E402

pytest_plugins = ["fixtures_hub", "fixtures_analytics"]
pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / "hub" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
KERNEL_TIMEOUT = 90_000


def axe_violations(page, include: list[str] | None = None) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page, or only inside the elements matching `include`."""
    if not AXE.exists():
        missing_or_skip(f"{AXE} is missing: run (cd hub && npm ci)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the browser's debugging protocol, not as a <script>: Kursbloggen's Content
        # Security Policy rightly refuses inline scripts.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    context = {"include": [[selector] for selector in include]} if include else None
    return page.evaluate(
        """async ([context, tags]) => {
            const inEnsak = target => {
                try {
                    return Boolean(document.querySelector(target[0])?.closest(
                        '.ensak-widget, .ensak-TaskPanel, .ensak-TaskStatus, .ensak-Reflection'));
                }
                catch (error) { return false; }
            };
            const result = await axe.run(context ?? document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                          summary: n.failureSummary, inEnsak: inEnsak(n.target)}))}));
        }""", [context, WCAG_21_AA])


def described(violations: list[dict]) -> str:
    return "\n".join(f"- {v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(
        f"    {n['target']}: {n['html']}\n      {n['summary']}" for n in v["nodes"][:5]) for v in violations)


def relative_luminance(css_colour: str) -> float:
    red, green, blue = (int(c) / 255 for c in re.findall(r"\d+", css_colour)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# --- the progress report --------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_page_path(analytics_course, tmp_path_factory) -> Path:
    from ensak.analytics.report import write_report

    paths = write_report(analytics_course.root, tmp_path_factory.mktemp("rapport"), today=TODAY,
                         gradebook=analytics_course.db_url, with_names=True)
    return paths["html"]


@pytest.mark.parametrize("width", [1280, 320])
def test_is_the_report_free_of_wcag_violations_and_readable_without_scrolling_sideways(chromium, report_page_path,
                                                                                     width):
    """Does the report pass axe-core at this width, reflow at 320 px (WCAG 1.4.10), and can every table that is
    wider than the screen be reached and scrolled with the keyboard?"""
    page = chromium.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(report_page_path.as_uri())
        violations = axe_violations(page)
        assert not violations, f"axe-core at {width} px:\n{described(violations)}"
        key_figures = page.locator("dl.key")
        assert key_figures.bounding_box()["width"] <= width
        assert_reflows_with_tables_in_keyboard_regions(page, width, tables=9)
    finally:
        page.close()


def assert_reflows_with_tables_in_keyboard_regions(page, width: int, tables: int) -> None:
    """WCAG 1.4.10 and 2.1.1 for a page of tables (html_tables): the page never scrolls sideways; each of at
    least `tables` tables sits in a region named by its caption that the keyboard reaches; one wider than the
    screen scrolls there with the arrow keys (at 320 px some table must be)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    regions = page.locator(".table-wrap")
    assert regions.count() >= tables, "every table is in a region of its own"
    overflowing = 0
    for index in range(regions.count()):
        region = regions.nth(index)
        assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
        caption = page.locator(f"#{region.get_attribute('aria-labelledby')}")
        assert caption.inner_text().strip(), "a scrolling region is named by its table's caption"
        if region.evaluate("r => r.scrollWidth > r.clientWidth"):
            overflowing += 1
            region.focus()
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowRight")
            expect(region).to_be_focused()
            page.wait_for_function("r => r.scrollLeft > 0", arg=region.element_handle())
    if width == 320:
        assert overflowing, "at 320 px some table is wider than the screen and scrolls in its region"


# --- Kursbloggen ---------------------------------------------------------------------------------
# Its pages as a member sees them, from Kursbloggen's own browser tests (the same running blog and login).
from test_kursbloggen_browser import KICKOFF, blog, visit  # noqa: E402,F401


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("path", ["", "inlagg/{post}", "nytt", "uppgifter", f"uppgift/{KICKOFF}", "installningar"])
def test_is_kursbloggen_free_of_wcag_violations(chromium, blog, path, width):
    """Does each of Kursbloggen's pages pass axe-core, at a desktop width and at 320 px?"""
    context, page = visit(chromium, blog, path.format(post=blog["post"]), width=width)
    try:
        violations = axe_violations(page)
        assert not violations, f"axe-core on /{path} at {width} px:\n{described(violations)}"
    finally:
        context.close()


# --- a task notebook in the learner's JupyterLab --------------------------------------------


def widget_count(task: str) -> int:
    """How many ensak widgets the task's cells create (run here, as the kernel runs them)."""
    import tempfile

    from ensak.demo import run_widget_cells

    notebook = nbformat.read(REPO / "release" / task / f"{task}.ipynb", as_version=4)
    with tempfile.TemporaryDirectory() as folder:
        return len(run_widget_cells(Path(folder), notebook))


def xsrf_for(context, hub_url: str, learner: str) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "_xsrf"
                and c.get("path", "").startswith(f"/user/{learner}"))


def open_task(page, context, hub, learner: str, task: str) -> None:
    """Fetch the task through nbgrader's route (as the learner's task panel does) unless it is there already,
    open it, and wait until its widgets are drawn."""
    if not (hub.home(learner) / task / f"{task}.ipynb").exists():
        answer = page.request.post(f"{hub.url}/user/{learner}/assignments/fetch",
                                   form={"course_id": hub_course_id(hub), "assignment_id": task},
                                   headers={"X-XSRFToken": xsrf_for(context, hub.url, learner)})
        assert answer.ok and json.loads(answer.text()).get("success"), answer.text()
    page.goto(f"{hub.url}/user/{learner}/lab/tree/{task}/{task}.ipynb")
    notebook = page.locator(".jp-NotebookPanel:visible")
    notebook.locator(".jp-Cell").first.wait_for(timeout=60_000)
    expected = widget_count(task)
    try:
        # A task from the course runs its widget cells itself when it opens (ensak-lab).
        expect(notebook.locator(".ensak-widget")).to_have_count(expected, timeout=20_000)
    except AssertionError:
        # Without the learners' extension: Kör → Kör alla celler, as a learner would.
        page.locator(".jp-StatusBar-Widget", has_text="| Ledig").first.wait_for(timeout=KERNEL_TIMEOUT)
        page.locator(".lm-MenuBar-itemLabel", has_text="Kör").first.click()
        page.locator(".lm-Menu-item[data-command='runmenu:run-all']").first.click()
        expect(notebook.locator(".ensak-widget")).to_have_count(expected, timeout=KERNEL_TIMEOUT)
    # Every widget's controls are drawn (the status line is the last child of each).
    expect(notebook.locator(".ensak-widget > .ensak-status")).to_have_count(expected, timeout=KERNEL_TIMEOUT)


def hub_course_id(hub) -> str:
    from ensak.nbgrader.api import load_config

    return load_config(hub.course_dir).CourseDirectory.course_id


def saved_answers(home: Path, task: str) -> dict:
    path = home / task / "svar.json"
    return json.loads(path.read_text(encoding="utf-8"))["answers"] if path.exists() else {}


def test_are_a_tasks_widgets_free_of_wcag_violations_and_usable_by_keyboard(chromium, running_hub, capsys):
    """On task 0 as a learner opens it: does axe-core find nothing in what ensak renders, is each widget Swedish,
    does ArrowDown in a quiz change the answer (which the kernel then saves) while focus stays in the group, and
    are the focus ring and a chosen rating visible enough?"""
    learner = running_hub.learners[0]
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    page = context.new_page()
    try:
        page.goto(f"{running_hub.url}/hub/login")
        page.fill("#username_input", learner)
        page.fill("#password_input", running_hub.password)
        page.click("#login_submit")
        page.wait_for_selector(".jp-LabShell", timeout=120_000)
        open_task(page, context, running_hub, learner, FIRST_TASK)
        notebook = page.locator(".jp-NotebookPanel:visible")
        widgets = notebook.locator(".ensak-widget")

        langs = widgets.evaluate_all("roots => roots.map(r => r.lang)")
        assert langs and set(langs) == {"sv"}, langs
        # What ensak draws: its widgets, and ensak-lab's task panel, task status line and reflection field.
        ensak_parts = [".jp-NotebookPanel:not(.lm-mod-hidden) .ensak-widget", ".ensak-TaskPanel", ".ensak-TaskStatus",
                       ".ensak-Reflection"]
        violations = axe_violations(page, [part for part in ensak_parts if page.locator(part).count()])
        assert not violations, f"axe-core in what ensak renders:\n{described(violations)}"

        # The keyboard in the first quiz.
        quiz = widgets.filter(has=page.locator("[role='radiogroup']")).filter(
            has=page.get_by_role("button", name="Kontrollera mitt svar")).first
        group = quiz.get_by_role("radiogroup")
        expect(group).to_have_accessible_name(re.compile(r"\?$"))
        radios = group.get_by_role("radio")
        radios.first.focus()
        page.keyboard.press("Space")
        expect(radios.first).to_be_checked()
        page.keyboard.press("ArrowDown")
        expect(radios.nth(1)).to_be_checked()
        expect(radios.nth(1)).to_be_focused()
        expect(radios.first).not_to_be_checked()
        page.keyboard.press("Tab")
        check = quiz.get_by_role("button", name="Kontrollera mitt svar")
        expect(check).to_be_focused()
        ring = check.evaluate("b => { const s = getComputedStyle(b); return [s.outlineStyle, s.outlineWidth, "
                              "s.outlineColor]; }")
        assert ring[0] == "solid" and ring[1] == "2px" and contrast(ring[2], "rgb(255, 255, 255)") >= 3, ring
        page.keyboard.press("Enter")
        expect(quiz.get_by_role("status")).to_contain_text("Sparat.")
        quiz_key = next(k for k, v in saved_answers(running_hub.home(learner), FIRST_TASK).items()
                        if v["kind"] == "quiz")
        assert saved_answers(running_hub.home(learner), FIRST_TASK)[quiz_key]["value"]["selected"] == [1]

        # A rating: its group is named by the skill, the chosen button is dark with a ✓.
        scale = notebook.locator(".ensak-choices-scale").first
        scale.scroll_into_view_if_needed()
        expect(scale).to_have_accessible_name(re.compile(r"^… .+\?$"))
        option = scale.locator(".ensak-choice").nth(2)
        option.click()
        expect(option.get_by_role("radio", name="3 – ganska säker")).to_be_checked()
        expect(option.locator(".ensak-choice-mark")).to_be_visible()
        chosen, other = (scale.locator(".ensak-choice").nth(i).evaluate("e => getComputedStyle(e).backgroundColor")
                         for i in (2, 3))
        assert contrast(chosen, other) >= 3, (chosen, other)

        # Borders of fields and lists at least 3:1; links in the task's text underlined.
        for field in notebook.locator(".ensak-widget select, .ensak-widget input[type='text']").all()[:4]:
            border = field.evaluate("e => getComputedStyle(e).borderTopColor")
            assert contrast(border, "rgb(255, 255, 255)") >= 3, border
        links = notebook.locator(".jp-RenderedMarkdown a[href]")
        assert links.count(), "task 0's text links somewhere"
        undecorated = links.evaluate_all(
            "as => as.filter(a => !getComputedStyle(a).textDecorationLine.includes('underline')).map(a => a.href)")
        assert undecorated == [], undecorated

        # What remains is JupyterLab's own (listed in docs/accessibility.md as a third party's).
        whole_page = axe_violations(page)
        with capsys.disabled():
            print("\n[axe-core] JupyterLab's own violations on the task page:\n" + (described(whole_page) or "none"))
        assert not [n for v in whole_page for n in v["nodes"] if n["inEnsak"]], described(whole_page)
    finally:
        context.close()
