"""Learners in a real browser: Debian's Chromium, driven by Playwright, against `ensak hub` with the course.

Two new learners take task 0 from login to a submission through the Swedish task panel (ensak-lab):
one with mouse clicks only, one with the keyboard only. Neither ever opens a menu or the command
palette, and the English of JupyterLab's and nbgrader's controls for running and handing in never
shows. The screenshots these tests take are the ones in docs/screenshots/ and the README.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

# The fixtures module is loaded as a plugin, so its session-scoped hub is one hub for every test module.
pytest.register_assert_rewrite("fixtures_hub")
from fixtures_hub import FIRST_TASK  # noqa: E402
from test_browser_accessibility import axe_violations, described  # noqa: E402

pytest_plugins = ["fixtures_hub"]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 860}
REFLECTION = "Jag använder Instagram privat och vill lära mig hur biblioteket kan nå unga läsare där."
KEYBOARD_REFLECTION = "Jag läser mest nyheter på Facebook. Jag vill våga svara låntagare där – A, B och DD betyder inget här."
EVIDENCE_LINK = "https://kalender.bibliotek.example/kurstid/anna"
COMMENT = "Tack! Prova gärna bibliotekets Instagram-konto och se vad unga läsare svarar på."
KERNEL_TIMEOUT = 90_000
CHECK = "Kontrollera mitt svar"
# What a learner on this path must never see: nbgrader's panel and button labels and JupyterLab's menus
# for running code (JupyterLab itself speaks Swedish through lab/language-pack-sv-SE).
ENGLISH_LABELS = ("Fetch", "Submit", "Validate", "Released assignments", "Run", "Kernel")
# The learners' menu bar: Arkiv, Redigera, Visa (File, Edit, View); Kör, Kärna, Flikar, Inställningar and
# Hjälp are hidden in the learners' settings, and nbgrader's menu is off.
LEARNER_MENUS = ["Arkiv", "Redigera", "Visa"]

pytestmark = pytest.mark.browser


@contextmanager
def evidence_on_failure(page, name: str, hub):
    """On failure, keep what the learner saw and the hub's log, and say where they are."""
    try:
        yield
    except BaseException:
        picture = Path(tempfile.gettempdir()) / f"ensak-browser-{name}.png"
        try:
            page.screenshot(path=str(picture))
        except Exception:  # the page itself may be what broke
            pass
        print(f"\nScreenshot at failure: {picture}\nHub log:\n{hub.log_tail(60)}")
        raise


# --- what the learner sees ---------------------------------------------------------------------------


def visible_english(page) -> list[str]:
    """Visible text on the page that contains one of ENGLISH_LABELS as a word.

    The task's own Markdown is left to tests/test_course_content.py, which keeps Jupyter's labels out of
    every task; here it is JupyterLab, nbgrader and ensak's widgets and panel.
    """
    return page.evaluate(
        """(labels) => {
            const pattern = new RegExp(`\\\\b(${labels.map(l => l.replace(' ', '\\\\s+')).join('|')})\\\\b`);
            const found = [];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const parent = node.parentElement;
                if (!parent || parent.closest('.jp-MarkdownCell .jp-RenderedMarkdown')) continue;
                if (!parent.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
                if (pattern.test(node.textContent)) found.push(node.textContent.trim());
            }
            return found;
        }""",
        list(ENGLISH_LABELS),
    )


def assert_learner_view(page) -> None:
    """Swedish for screen readers, three menus in the menu bar, no menu open, none of the English run labels."""
    # JupyterLab sets the page's language from the locale: "sv-SE", which screen readers read with a Swedish voice.
    assert page.evaluate("document.documentElement.lang") == "sv-SE"
    menus = [m.strip() for m in page.locator(".lm-MenuBar-itemLabel").all_inner_texts()]
    assert menus == LEARNER_MENUS, menus
    assert page.locator(".lm-Menu:visible, .lm-CommandPalette:visible").count() == 0
    english = visible_english(page)
    assert not english, f"English labels a learner must not meet: {english}"


def panel(page):
    return page.locator("#ensak-uppgifter")


def task_row(page, task: str):
    return panel(page).locator(f".ensak-Task[data-task$='/{task}']")


def button(row, label: str):
    """A task's button by its visible word; its accessible name goes on with the task's title."""
    return row.get_by_role("button", name=re.compile(rf"^{re.escape(label)} –"))


def blog_link(page):
    """The panel's Kursbloggen entry: a link to the course blog whose name carries the unread count."""
    return panel(page).locator("a.ensak-TaskPanel-blogLink")


def expect_blog_entry(page, count_text: str) -> None:
    link = blog_link(page)
    expect(link).to_be_visible(timeout=30_000)
    expect(link.locator(".ensak-TaskPanel-blogCount")).to_have_text(count_text)
    expect(link).to_have_accessible_name(f"Kursbloggen: {count_text} (öppnas i en ny flik)")
    expect(link).to_have_attribute("href", "/services/kursbloggen/")
    expect(link).to_have_attribute("target", "_blank")


def panel_status(page):
    return panel(page).get_by_role("status")


def notebook(page):
    return page.locator(".jp-NotebookPanel:visible")


def wait_until_task_ready(page) -> None:
    """The task runs its widget cells by itself; its toolbar says when every one has run."""
    status = notebook(page).locator(".ensak-TaskStatus")
    expect(status).to_have_attribute("data-kind", re.compile("ready|error"), timeout=KERNEL_TIMEOUT)
    assert status.get_attribute("data-kind") == "ready", status.inner_text()
    errors = notebook(page).locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, f"a task cell failed:\n{errors.first.text_content()[-600:]}"


def wait_until_reopened_task_settles(page) -> None:
    """JupyterLab reopens what the learner had open on her last visit. A reopened task runs its cells, and
    its access check may still be probing the platforms (blocked ones take the whole timeout) before it
    saves: her answers are at rest only when that is done."""
    try:
        notebook(page).locator(".ensak-TaskStatus").wait_for(timeout=20_000)
    except PlaywrightTimeout:
        return  # nothing was reopened
    wait_until_task_ready(page)
    expect(notebook(page).locator(".ensak-widget", has_text="Testar …")).to_have_count(0, timeout=KERNEL_TIMEOUT)


def quizzes(page):
    return notebook(page).locator(".ensak-widget").filter(has=page.get_by_role("button", name=CHECK))


def scales(page):
    return notebook(page).locator(".ensak-choices-scale")


def checklists(page):
    """Widgets with tick boxes that are not quizzes (the exercise's steps, the sharing choice)."""
    return notebook(page).locator(".ensak-widget").filter(has_not=page.get_by_role("button", name=CHECK)).filter(
        has=page.locator("input[type='checkbox']"))


def evidence_links(page):
    """The link field of the task's Evidence widget: the proof of the one real thing the learner did."""
    return notebook(page).locator(".ensak-widget .widget-text", has_text="Länk").locator("input")


def evidence_given(page) -> None:
    expect(notebook(page).locator(".ensak-widget", has_text="Beviset räcker")).to_have_count(evidence_links(page).count())


def reflection_field(page):
    return notebook(page).get_by_label("Din reflektion", exact=True)


def check_swedish_interface(page, task: str) -> None:
    """JupyterLab's own words around a task are Swedish (lab/language-pack-sv-SE): the notebook toolbar's one
    remaining button, the file browser, its context menu and the delete dialog, the document tab's menu.

    Opens context menus on purpose, so it runs after a walk, never in one.
    """
    toolbar = page.locator(".jp-NotebookPanel:visible .jp-NotebookPanel-toolbar [title]")
    titles = [toolbar.nth(i).get_attribute("title") for i in range(toolbar.count())]
    assert any(title.startswith("Spara och skapa en kontrollpunkt") for title in titles), titles
    # The status bar (Jupyter's modes, lines and kernel states) is hidden for learners.
    expect(page.locator("#jp-main-statusbar")).to_be_hidden()
    page.locator(".jp-SideBar .lm-TabBar-tab[data-id='filebrowser']").click()
    browser = page.locator(".jp-FileBrowser")
    expect(browser.locator("[title='Ny mapp']").first).to_be_attached()
    expect(browser.locator(".jp-DirListing-headerItemText", has_text="Namn").first).to_be_visible()
    browser.locator(".jp-DirListing-item", has_text=task).first.click(button="right")
    context_menu = [item.strip() for item in page.locator(".lm-Menu:visible .lm-Menu-itemLabel").all_inner_texts()]
    for item in ("Öppna", "Byt namn", "Ta bort", "Klipp ut", "Kopiera", "Ny mapp"):
        assert item in context_menu, context_menu
    # Deleting asks first, in Swedish; the learner (and this test) says no.
    page.locator(".lm-Menu:visible .lm-Menu-itemLabel", has_text="Ta bort").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text(f"Vill du verkligen ta bort {task}")
    dialog.get_by_role("button", name="Avbryt").click()
    expect(dialog).to_have_count(0)
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current").first.click(button="right")
    tab_menu = [item.strip() for item in page.locator(".lm-Menu:visible .lm-Menu-itemLabel").all_inner_texts()]
    page.keyboard.press("Escape")
    assert "Stäng fliken" in tab_menu and "Stäng alla andra flikar" in tab_menu, tab_menu


def saved_answers(home: Path, task: str) -> dict:
    path = home / task / "svar.json"
    return json.loads(path.read_text(encoding="utf-8"))["answers"] if path.exists() else {}


def submitted_reflection_cell(hub, learner: str, task: str) -> dict | None:
    """The manually graded reflection cell in the learner's newest submission in the exchange, or None."""
    inbound = sorted((hub.course_dir / "exchange").glob(f"*/inbound/{learner}+{task}+*"))
    if not inbound:
        return None
    submitted = json.loads((inbound[-1] / f"{task}.ipynb").read_text(encoding="utf-8"))
    graded = [c for c in submitted["cells"] if c["cell_type"] == "markdown"
              and c["metadata"].get("nbgrader", {}).get("solution") and c["metadata"]["nbgrader"].get("grade")]
    assert len(graded) == 1, "task 0 has one manually graded reflection cell"
    return graded[0]


def submitted_reflection(hub, learner: str, task: str) -> str | None:
    cell = submitted_reflection_cell(hub, learner, task)
    return None if cell is None else "".join(cell["source"])


def grade_reflection(course_dir: Path, learner: str, task: str, grade_id: str, comment: str) -> None:
    """What formgrader does when the coordinator grades the reflection and writes a comment."""
    from nbgrader.api import Gradebook

    from ensak.nbgrader.api import load_config

    config = load_config(course_dir)
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gradebook:
        grade = gradebook.find_grade(grade_id, task, task, learner)
        grade.manual_score, grade.needs_manual_grade = grade.max_score, False
        gradebook.find_comment(grade_id, task, task, learner).manual_comment = comment
        gradebook.db.commit()


def log_in(browser, hub, learner: str):
    """A fresh browser context for `learner`, logged in through the form; returns (context, page, seconds)."""
    context = browser.new_context(viewport=VIEWPORT, locale="sv-SE")
    page = context.new_page()
    started = time.monotonic()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", learner)
    page.fill("#password_input", hub.password)
    page.click("#login_submit")
    task_row(page, FIRST_TASK).wait_for(timeout=120_000)
    return context, page, time.monotonic() - started


# --- the keyboard only ---------------------------------------------------------------------------------


def focused(page) -> str:
    return page.evaluate("() => { const e = document.activeElement; return e ? e.outerHTML.slice(0, 160) : '' }")


def tab_to(page, locator, limit: int = 400) -> int:
    """Press Tab until `locator` has the focus, as a keyboard user moves through the page; return the presses."""
    target = locator.element_handle()
    for presses in range(limit):
        if page.evaluate("(element) => document.activeElement === element", target):
            return presses
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}; the focus is on {focused(page)}")


def press_on(page, locator, key: str = "Space") -> None:
    tab_to(page, locator)
    page.keyboard.press(key)


# --- the walks -----------------------------------------------------------------------------------------


def test_a_new_learner_with_a_mouse_fetches_answers_and_submits_task_0_from_the_panel(
        chromium, running_hub, tmp_path, capsys):
    """Login to a submitted task 0 by clicking in the Swedish panel and the task: the widgets appear by
    themselves, the panel says in Swedish what is missing, the answers come back when the task is opened
    again, the reflection is typed into a plain field and reaches nbgrader's graded cell; the coordinator's
    sync grades the submission and the report lists it; on the next visit the feedback opens from the panel."""
    from ensak.analytics.report import write_report
    from ensak.sync import sync

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    learner = running_hub.learners[0]
    home = running_hub.home(learner)
    context, page, login_seconds = log_in(chromium, running_hub, learner)
    try:
        with evidence_on_failure(page, "mouse-learner", running_hub):
            row = task_row(page, FIRST_TASK)
            expect(row.locator(".ensak-Task-state")).to_have_text("Ny")
            expect(panel(page)).to_have_attribute("lang", "sv")
            # Her own server asks the course's real blog (a hub service) for her: nothing new yet.
            expect_blog_entry(page, "Inget nytt")
            assert_learner_view(page)
            page.screenshot(path=str(SCREENSHOTS / "tasks-panel.png"))

            started = time.monotonic()
            button(row, "Hämta").click()
            notebook(page).locator(".ensak-widget").first.wait_for(timeout=KERNEL_TIMEOUT)
            widget_seconds = time.monotonic() - started
            wait_until_task_ready(page)
            ready_seconds = time.monotonic() - started
            assert (home / FIRST_TASK / f"{FIRST_TASK}.ipynb").exists()
            expect(row.locator(".ensak-Task-state")).to_have_text("Påbörjad")
            # Widgets, not code, and the autograder's checks stay silent until the learner hands in.
            assert notebook(page).locator(".cm-content", has_text="from ensak").count() == 0
            outputs = " ".join(notebook(page).locator(".jp-OutputArea").all_text_contents())
            assert "Du har inte svarat" not in outputs
            assert_learner_view(page)

            # A click on the task's text puts the notebook in command mode, where JupyterLab's character-key
            # shortcuts would add (A, B), change (M, Y, 1) or remove (D D, X) cells: none is on for learners.
            kinds = {kind: notebook(page).locator(f".jp-{kind}") for kind in ("Cell", "CodeCell", "MarkdownCell")}
            counts = {kind: cells.count() for kind, cells in kinds.items()}
            notebook(page).locator(".jp-MarkdownCell").nth(1).click()
            for key in ("a", "b", "Shift+A", "m", "y", "1", "x", "d", "d", "z", "v"):
                page.keyboard.press(key)
            page.wait_for_timeout(300)
            assert {kind: cells.count() for kind, cells in kinds.items()} == counts

            # Handing in too early: nothing is submitted, and the panel says what is missing, in Swedish.
            button(row, "Lämna in").click()
            expect(panel_status(page)).to_contain_text("Det här saknas", timeout=KERNEL_TIMEOUT)
            expect(panel_status(page)).to_contain_text("kontrollfråga 1")
            expect(panel_status(page)).to_contain_text("Din reflektion")
            expect(button(row, "Lämna in ändå")).to_be_visible()
            assert submitted_reflection(running_hub, learner, FIRST_TASK) is None

            first_quiz = quizzes(page).first
            choice = first_quiz.locator(".ensak-choice").nth(1)
            chosen = choice.locator(".ensak-choice-text").text_content().strip()
            choice.locator("input").click()
            first_quiz.get_by_role("button", name=CHECK).click()
            feedback = first_quiz.locator(".ensak-feedback")
            expect(feedback).to_contain_text("(ditt val)")
            for index in range(1, quizzes(page).count()):
                quiz = quizzes(page).nth(index)
                quiz.locator(".ensak-choice input").first.click()
                quiz.get_by_role("button", name=CHECK).click()
                quiz.locator(".ensak-feedback").wait_for()
            for scale in scales(page).all():
                scale.locator(".ensak-choice").nth(2).click()
            for checklist in checklists(page).all():
                checklist.locator("input[type='checkbox']").first.click()
            for field in evidence_links(page).all():
                field.click()
                page.keyboard.type(EVIDENCE_LINK)
                # Clicking beside the field hands the link over, as leaving any web form field does.
                field.locator("xpath=ancestor::div[contains(@class, 'ensak-widget')][1]").locator("strong").first.click()
            evidence_given(page)
            assert saved_answers(home, FIRST_TASK)

            # Closed and opened again from the panel: the widget cells run again and show the saved answers.
            page.locator(".lm-TabBar-tab.jp-mod-current .lm-TabBar-tabCloseIcon").click()
            expect(notebook(page)).to_have_count(0)
            # With no tab open JupyterLab shows its launcher: for learners, notebooks only (no console, no
            # text or Python file, no help).
            sections = page.locator(".jp-Launcher-section:visible")
            expect(sections).to_have_count(1)
            expect(sections.locator(".jp-Launcher-sectionHeader [data-icon='ui-components:notebook']")).to_have_count(1)
            button(row, "Öppna").click()
            wait_until_task_ready(page)
            first_quiz = quizzes(page).first
            expect(first_quiz).to_contain_text("Ditt tidigare svar är återställt")
            expect(first_quiz.get_by_role("radio", name=chosen, exact=True)).to_be_checked()
            expect(first_quiz.locator(".ensak-feedback")).to_contain_text("(ditt val)")
            first_quiz.scroll_into_view_if_needed()
            page.wait_for_timeout(300)  # let the scrolled cells paint before the picture
            page.screenshot(path=str(SCREENSHOTS / "task-with-widgets.png"))

            # The reflection: a labelled field, no double-click, no Shift+Enter; it saves itself.
            field = reflection_field(page)
            field.click()
            page.keyboard.type(REFLECTION)
            expect(notebook(page).locator(".ensak-Reflection-saved")).to_contain_text("Sparat", timeout=30_000)
            on_disk = (home / FIRST_TASK / f"{FIRST_TASK}.ipynb").read_text(encoding="utf-8")
            assert REFLECTION in on_disk

            button(row, "Lämna in").click()
            expect(panel_status(page)).to_contain_text("är inlämnad", timeout=KERNEL_TIMEOUT)
            expect(row.locator(".ensak-Task-state")).to_have_text(re.compile(r"^Inlämnad \d{1,2} [a-zåäö]+"))
            expect(button(row, "Lämna in igen")).to_be_visible()
            assert_learner_view(page)
            page.screenshot(path=str(SCREENSHOTS / "task-submitted.png"))
            # The walk is over; now JupyterLab's remaining words, some of them in context menus.
            check_swedish_interface(page, FIRST_TASK)
    finally:
        context.close()
    assert submitted_reflection(running_hub, learner, FIRST_TASK) == REFLECTION

    # The coordinator's side: collect and grade, then the report.
    summary = sync(running_hub.course_dir)
    assert (learner, FIRST_TASK) in summary.graded, summary
    paths = write_report(running_hub.course_dir, tmp_path / "rapport", with_names=True)
    report_page = chromium.new_page(viewport=VIEWPORT)
    try:
        report_page.goto(paths["html"].as_uri())
        # The per-learner table: this learner's row, with one task done.
        headers = [h.strip() for h in report_page.locator("#deltagare th").all_inner_texts()]
        report_row = report_page.locator("#deltagare tr", has_text=learner)
        expect(report_row).to_contain_text("Åberg")
        expect(report_row.locator("td, th").nth(headers.index("Klara uppgifter"))).to_have_text("1")
        report_page.locator("#deltagare").scroll_into_view_if_needed()
        report_page.screenshot(path=str(SCREENSHOTS / "report.png"))
    finally:
        report_page.close()

    # The coordinator grades the reflection in formgrader; the next sync gives feedback.
    grade_id = submitted_reflection_cell(running_hub, learner, FIRST_TASK)["metadata"]["nbgrader"]["grade_id"]
    grade_reflection(running_hub.course_dir, learner, FIRST_TASK, grade_id, COMMENT)
    assert (learner, FIRST_TASK) in sync(running_hub.course_dir).feedback

    # The learner's next visit: the coordinator's feedback is waiting, one click away.
    context, page, _ = log_in(chromium, running_hub, learner)
    try:
        with evidence_on_failure(page, "mouse-learner-feedback", running_hub):
            row = task_row(page, FIRST_TASK)
            expect(row.locator(".ensak-Task-state")).to_have_text("Återkoppling")
            with context.expect_page() as opened:
                button(row, "Läs").click()
            feedback = opened.value
            feedback.wait_for_load_state()
            expect(feedback.locator("body")).to_contain_text(REFLECTION)
            expect(feedback.locator("body")).to_contain_text(COMMENT)
            # In Swedish, read with a Swedish voice, and accessible as the rest of the course.
            expect(feedback.locator("html")).to_have_attribute("lang", "sv")
            expect(feedback.locator(".ensak-comment")).to_contain_text("Kursledarens kommentar")
            assert "Score" not in feedback.locator("body").inner_text()
            violations = axe_violations(feedback)
            assert violations == [], described(violations)
            assert list((home / FIRST_TASK / "feedback").glob("*/*.html")), "the feedback was not fetched"
            expect(panel_status(page)).to_contain_text("Återkopplingen")
    finally:
        context.close()

    with capsys.disabled():
        print(f"\n[browser timings] login {login_seconds:.1f} s, first widget after Hämta {widget_seconds:.1f} s, "
              f"task ready {ready_seconds:.1f} s (hub start {running_hub.started_in:.1f} s)")


def test_a_new_learner_with_the_keyboard_only_takes_task_0_while_another_learner_is_logged_in(
        chromium, running_hub):
    """Login to a submitted task 0 with Tab, Space, Enter and typing only, never a menu; meanwhile the other
    learner's session stays theirs: a fresh copy for this learner, their answers untouched, their server
    closed to this one (HTTP 403)."""
    from ensak.learner.blog_client import BlogClient
    from fixtures_hub import server_environment

    first, second = running_hub.learners
    context_a, page_a, _ = log_in(chromium, running_hub, first)
    wait_until_reopened_task_settles(page_a)
    # The first learner asks the course something, with her own server's hub token as the sharing widget does.
    BlogClient.from_environment(server_environment(first)).ask("Var hittar jag podden?", "Den syns inte i appen.")
    before = saved_answers(running_hub.home(first), FIRST_TASK)
    context = chromium.new_context(viewport=VIEWPORT, locale="sv-SE")
    page = context.new_page()
    try:
        with evidence_on_failure(page, "keyboard-learner", running_hub):
            page.goto(f"{running_hub.url}/hub/login")
            tab_to(page, page.locator("#username_input"))
            page.keyboard.type(second)
            tab_to(page, page.locator("#password_input"))
            page.keyboard.type(running_hub.password)
            page.keyboard.press("Enter")
            row = task_row(page, FIRST_TASK)
            row.wait_for(timeout=120_000)
            expect_blog_entry(page, "1 nytt inlägg")
            assert_learner_view(page)

            press_on(page, button(row, "Hämta"), "Enter")
            wait_until_task_ready(page)
            # A fresh copy: nothing of the other learner's answers shows.
            first_quiz = quizzes(page).first
            assert first_quiz.locator(".ensak-feedback").count() == 0
            assert "återställt" not in first_quiz.text_content()

            for index in range(quizzes(page).count()):
                quiz = quizzes(page).nth(index)
                press_on(page, quiz.locator(".ensak-choice input").first)
                press_on(page, quiz.get_by_role("button", name=CHECK))
                quiz.locator(".ensak-feedback").wait_for()
            for scale in scales(page).all():
                # A rating is one radio group: Tab reaches it, the arrow keys choose within it.
                tab_to(page, scale.locator("input").first)
                for _ in range(3):
                    page.keyboard.press("ArrowRight")
                expect(scale.locator("input").nth(3)).to_be_checked()
            for checklist in checklists(page).all():
                press_on(page, checklist.locator("input[type='checkbox']").first)
            for field in evidence_links(page).all():
                tab_to(page, field)
                page.keyboard.type(EVIDENCE_LINK.replace("anna", "bertil"))
                page.keyboard.press("Tab")
            evidence_given(page)
            cells = notebook(page).locator(".jp-Cell").count()
            tab_to(page, reflection_field(page))
            page.keyboard.type(KEYBOARD_REFLECTION)
            # Typing in the field is typing: no notebook shortcut (A, B, D D …) fired.
            expect(notebook(page).locator(".jp-Cell")).to_have_count(cells)

            press_on(page, button(row, "Lämna in"), "Enter")
            expect(panel_status(page)).to_contain_text("är inlämnad", timeout=KERNEL_TIMEOUT)
            expect(button(row, "Lämna in igen")).to_be_visible()
            assert_learner_view(page)
        assert submitted_reflection(running_hub, second, FIRST_TASK) == KEYBOARD_REFLECTION

        second_answers = saved_answers(running_hub.home(second), FIRST_TASK)
        quiz_choices = [a["value"]["selected"] for a in second_answers.values() if "selected" in a["value"]]
        assert quiz_choices and all(selected == [0] for selected in quiz_choices), second_answers
        assert saved_answers(running_hub.home(first), FIRST_TASK) == before
        answer = page.goto(f"{running_hub.url}/user/{first}/lab")
        assert answer.status == 403
        # The first learner's own session is still theirs and still works.
        page_a.reload()
        task_row(page_a, FIRST_TASK).wait_for(timeout=60_000)
    finally:
        context.close()
        context_a.close()
