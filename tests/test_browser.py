"""Learners in a real browser: Debian's Chromium, driven by Playwright, against `ensak hub` with the course.

The screenshots these tests take are the ones in docs/screenshots/ and the README.
"""

from __future__ import annotations

import json
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

# The fixtures module is loaded as a plugin, so its session-scoped hub is one hub for every test module.
pytest.register_assert_rewrite("fixtures_hub")
from fixtures_hub import FIRST_TASK  # noqa: E402

pytest_plugins = ["fixtures_hub"]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 860}
REFLECTION = "Jag använder Instagram privat och vill lära mig hur biblioteket kan nå unga läsare där."
KERNEL_TIMEOUT = 90_000

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


def log_in(browser, hub, learner: str):
    """A fresh browser context for `learner`, logged in and in JupyterLab; returns (context, page, seconds)."""
    context = browser.new_context(viewport=VIEWPORT, locale="sv-SE")
    page = context.new_page()
    started = time.monotonic()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", learner)
    page.fill("#password_input", hub.password)
    page.click("#login_submit")
    page.wait_for_selector(".jp-LabShell", timeout=120_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for(timeout=60_000)
    return context, page, time.monotonic() - started


def assignments(page):
    """Bring the Assignments panel to the front the way the task tells learners to: Nbgrader → Assignment List."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator("#jp-mainmenu-nbgrader .lm-Menu-itemLabel", has_text="Assignment List").click()
    panel = page.locator("#nbgrader-assignment-list")
    panel.wait_for()
    return panel


def fetch_and_open(page, task: str) -> tuple[float, float]:
    """Fetch `task` in the Assignments panel and open its notebook.

    Returns the seconds from the click on its name until the notebook shows, and until its kernel is ready.
    """
    panel = assignments(page)
    panel.locator("#released_assignments_list .list_item", has_text=task).get_by_role("button", name="Fetch").click()
    fetched = panel.locator("#fetched_assignments_list .list_item", has_text=task).first
    fetched.locator(".assignment-notebooks-link").click()
    started = time.monotonic()
    fetched.get_by_role("link", name=task, exact=True).click()
    page.locator(".jp-NotebookPanel:visible .jp-Cell").first.wait_for(timeout=60_000)
    seconds = time.monotonic() - started
    # Run All before the kernel is up would be lost; a learner reads the opening first anyway.
    page.locator(".jp-StatusBar-Widget", has_text="| Ledig").first.wait_for(timeout=KERNEL_TIMEOUT)
    return seconds, time.monotonic() - started


def run_all(page) -> float:
    """Kör → Kör alla celler (Run → Run All Cells); return seconds until the first widget shows.

    Fails, quoting the error, unless every code cell ran: JupyterLab stops Run All at the first cell
    that raises, and everything below it would never appear for the learner.
    """
    page.locator(".lm-MenuBar-itemLabel", has_text="Kör").first.click()
    run_all_item = page.locator(".lm-Menu-item[data-command='runmenu:run-all']", has_text="Kör alla celler").first
    run_all_item.wait_for()
    started = time.monotonic()
    run_all_item.click()
    page.locator(".jp-NotebookPanel:visible .ensak-widget").first.wait_for(timeout=KERNEL_TIMEOUT)
    seconds = time.monotonic() - started
    wait_for_idle_kernel(page)
    errors = page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output"
                          "[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
    assert not errors, f"Run All Cells stopped at an error, so the rest of the task never appeared:\n{errors[0][-600:]}"
    return seconds


def wait_for_idle_kernel(page) -> None:
    # The toolbar's execution indicator stays busy until every cell Run All scheduled has finished.
    page.locator(".jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator[data-status='busy']").or_(
        page.locator(".jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator[data-status='idle']")).first.wait_for()
    page.locator(".jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
        timeout=KERNEL_TIMEOUT)


def quizzes(page):
    return page.locator(".jp-NotebookPanel:visible .ensak-widget").filter(
        has=page.get_by_role("button", name="Kontrollera mitt svar"))


def answer_quiz(quiz, option: int) -> str:
    """Choose option number `option` (radio or checkbox) and press the check button; return the option's text."""
    choice = quiz.locator(".ensak-choice").nth(option)
    # textContent, not innerText: JupyterLab skips rendering cells scrolled out of view.
    text = choice.locator(".ensak-choice-text").text_content().strip()
    choice.locator("input").check()
    quiz.get_by_role("button", name="Kontrollera mitt svar").click()
    quiz.locator(".ensak-feedback").wait_for()
    return text


def answer_everything_else(page) -> None:
    """Give some answer to every widget the checks ask about: the other quizzes, the self-assessment, the checklist."""
    for index in range(1, quizzes(page).count()):
        answer_quiz(quizzes(page).nth(index), 0)
    notebook = page.locator(".jp-NotebookPanel:visible")
    for scale in notebook.locator(".ensak-choices-scale").all():
        scale.locator(".ensak-choice").nth(2).click()
    for checklist in notebook.locator(".ensak-widget").filter(has_not=page.get_by_role(
            "button", name="Kontrollera mitt svar")).filter(has=page.locator("input[type='checkbox']")).all():
        checklist.locator("input[type='checkbox']").first.check()


def write_reflection(page, text: str) -> None:
    """Double-click the answer box, replace the placeholder, and render it with Shift+Enter."""
    cell = page.locator(".jp-NotebookPanel:visible .jp-MarkdownCell", has_text="SKRIV DITT SVAR HÄR")
    cell.locator(".jp-RenderedMarkdown").dblclick()
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Shift+Enter")


def save(page) -> None:
    page.keyboard.press("Control+S")
    page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')",
                           timeout=30_000)


def restart_and_run_all(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Kärna").click()
    page.locator(".lm-Menu:visible .lm-Menu-item[data-command$='restart-and-run-all']").first.click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Starta om kärnan?")
    dialog.get_by_role("button", name="Bekräfta omstart av kärnan").click()
    wait_for_idle_kernel(page)


# JupyterLab's own words a learner meets around a task, in Swedish (lab/language-pack-sv-SE): the menu bar
# (nbgrader's menu names itself), the notebook toolbar's tooltips, the status bar, the file browser.
SWEDISH_MENUS = ["Arkiv", "Redigera", "Visa", "Kör", "Kärna", "Flikar", "Inställningar", "Hjälp"]
SWEDISH_TOOLBAR = ["Spara och skapa en kontrollpunkt", "Infoga en cell nedanför", "Klipp ut den här cellen",
                   "Kopiera den här cellen", "Klistra in den här cellen från Urklipp", "Kör den här cellen och gå vidare",
                   "Avbryt körningen", "Starta om kärnan", "Välj celltyp"]


def check_swedish_interface(page, task: str) -> None:
    """JupyterLab speaks Swedish to the learner, and says so to screen readers (html lang)."""
    # JupyterLab sets the page's language from the locale: "sv-SE", which screen readers read with a Swedish voice.
    assert page.evaluate("document.documentElement.lang") == "sv-SE"
    menus = [label.strip() for label in page.locator(".lm-MenuBar-itemLabel").all_inner_texts()]
    assert [m for m in menus if m != "Nbgrader"] == SWEDISH_MENUS, menus
    toolbar = page.locator(".jp-NotebookPanel:visible .jp-NotebookPanel-toolbar [title]")
    titles = [toolbar.nth(i).get_attribute("title") for i in range(toolbar.count())]
    missing = [t for t in SWEDISH_TOOLBAR if not any(title.startswith(t) for title in titles)]
    assert not missing, f"toolbar tooltips not in Swedish: {missing} (found {titles})"
    statusbar = page.locator("#jp-main-statusbar")
    expect(statusbar).to_contain_text("| Ledig")
    expect(statusbar).to_contain_text("Läge: Kommando")
    # The file browser: its toolbar, its column and the context menu of the task's folder.
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
    # The document's tab.
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current").first.click(button="right")
    tab_menu = [item.strip() for item in page.locator(".lm-Menu:visible .lm-Menu-itemLabel").all_inner_texts()]
    page.keyboard.press("Escape")
    assert "Stäng fliken" in tab_menu and "Stäng alla andra flikar" in tab_menu, tab_menu


def saved_answers(home: Path, task: str) -> dict:
    path = home / task / "svar.json"
    return json.loads(path.read_text(encoding="utf-8"))["answers"] if path.exists() else {}


def test_a_learner_takes_a_task_from_login_to_the_coordinators_report(chromium, running_hub, tmp_path, capsys):
    """Can a learner log in, fetch, answer by clicking, find the answer again after a restart, reflect, validate
    and submit, and does the coordinator's sync and report then list the submission?"""
    from ensak.analytics.report import write_report
    from ensak.sync import sync

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    learner = running_hub.learners[0]
    context, page, login_seconds = log_in(chromium, running_hub, learner)
    try:
        with evidence_on_failure(page, "first-learner", running_hub):
            # The first thing a learner sees is the Assignments panel, and the menu holds nothing for instructors.
            panel = page.locator("#nbgrader-assignment-list")
            panel.locator("#released_assignments_list .list_item", has_text=FIRST_TASK).wait_for()
            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
            items = page.locator("#jp-mainmenu-nbgrader .lm-Menu-item:visible").all_inner_texts()
            assert [item.strip() for item in items] == ["Assignment List"]
            page.keyboard.press("Escape")
            assert page.locator("#jp-right-stack").get_by_text("Create Assignment").count() == 0
            page.screenshot(path=str(SCREENSHOTS / "assignments.png"))

            open_seconds, kernel_seconds = fetch_and_open(page, FIRST_TASK)
            assert (running_hub.home(learner) / FIRST_TASK / f"{FIRST_TASK}.ipynb").exists()
            check_swedish_interface(page, FIRST_TASK)
            render_seconds = run_all(page)

            # Widgets, not code: the widget cells' source stays collapsed.
            notebook = page.locator(".jp-NotebookPanel:visible")
            assert notebook.locator(".jp-Cell-inputWrapper .cm-content", has_text="from ensak.learner").count() == 0
            assert notebook.locator(".jp-InputPlaceholder").count() >= quizzes(page).count()

            first_quiz = quizzes(page).first
            chosen = answer_quiz(first_quiz, 1)
            feedback = first_quiz.locator(".ensak-feedback").inner_text()
            assert "(ditt val)" in feedback and ("Rätt" in feedback or "Inte riktigt" in feedback)
            answer_everything_else(page)
            assert saved_answers(running_hub.home(learner), FIRST_TASK)

            # The next day: a fresh kernel finds the same choice and shows its feedback again.
            restart_and_run_all(page)
            first_quiz = quizzes(page).first
            expect(first_quiz).to_contain_text("Ditt tidigare svar är återställt", timeout=KERNEL_TIMEOUT)
            expect(first_quiz.get_by_role("radio", name=chosen, exact=True)).to_be_checked()
            expect(first_quiz.locator(".ensak-feedback")).to_contain_text("(ditt val)")
            first_quiz.scroll_into_view_if_needed()
            expect(first_quiz).to_be_visible()
            page.wait_for_timeout(500)  # let the scrolled cells paint before the picture
            page.screenshot(path=str(SCREENSHOTS / "task-with-widgets.png"))

            write_reflection(page, REFLECTION)
            save(page)
            on_disk = (running_hub.home(learner) / FIRST_TASK / f"{FIRST_TASK}.ipynb").read_text(encoding="utf-8")
            assert REFLECTION in on_disk

            page.locator(".jp-NotebookPanel:visible .jp-Toolbar").get_by_text("Validate", exact=True).click()
            dialog = page.locator(".jp-Dialog")
            dialog.get_by_text("Validation Results").wait_for(timeout=KERNEL_TIMEOUT)
            assert "Success! Your notebook passes all the tests." in dialog.inner_text(), dialog.inner_text()
            dialog.get_by_role("button", name="Ok").click()

            panel = assignments(page)
            panel.locator("#fetched_assignments_list .list_item", has_text=FIRST_TASK).get_by_role(
                "button", name="Submit").first.click()
            panel.locator("#submitted_assignments_list .list_item", has_text=FIRST_TASK).first.wait_for(timeout=60_000)
    finally:
        context.close()
    inbound = list((running_hub.course_dir / "exchange").glob(f"*/inbound/{learner}+{FIRST_TASK}+*"))
    assert inbound, "the submission did not reach the shared exchange"

    # The coordinator's side: collect and grade, then the report.
    summary = sync(running_hub.course_dir)
    assert (learner, FIRST_TASK) in summary.graded, summary
    paths = write_report(running_hub.course_dir, tmp_path / "rapport", with_names=True)
    report_page = chromium.new_page(viewport=VIEWPORT)
    try:
        report_page.goto(paths["html"].as_uri())
        # The per-learner table: this learner's row, with one task done.
        headers = [h.strip() for h in report_page.locator("#deltagare th").all_inner_texts()]
        row = report_page.locator("#deltagare tr", has_text=learner)
        expect(row).to_contain_text("Åberg")
        expect(row.locator("td, th").nth(headers.index("Klara uppgifter"))).to_have_text("1")
        report_page.locator("#deltagare").scroll_into_view_if_needed()
        report_page.screenshot(path=str(SCREENSHOTS / "report.png"))
    finally:
        report_page.close()

    with capsys.disabled():
        print(f"\n[browser timings] login {login_seconds:.1f} s, task open {open_seconds:.1f} s, "
              f"kernel ready {kernel_seconds:.1f} s, widget render {render_seconds:.1f} s "
              f"(hub start {running_hub.started_in:.1f} s)")


def test_a_second_learner_at_the_same_time_neither_sees_nor_disturbs_the_first(chromium, running_hub):
    """While one learner is logged in, does another get their own fresh copy, leave the first one's answers
    untouched, and get turned away from the first one's server?"""
    first, second = running_hub.learners
    first_home = running_hub.home(first)
    context_a, page_a, _ = log_in(chromium, running_hub, first)
    context_b, page_b, _ = log_in(chromium, running_hub, second)
    try:
        with evidence_on_failure(page_b, "second-learner", running_hub):
            before = saved_answers(first_home, FIRST_TASK)
            # The second learner's list is their own: the task is there to fetch, nobody's submission shows.
            panel_b = assignments(page_b)
            panel_b.locator("#released_assignments_list .list_item", has_text=FIRST_TASK).wait_for()
            assert panel_b.locator("#submitted_assignments_list .list_item", has_text=FIRST_TASK).count() == 0
            fetch_and_open(page_b, FIRST_TASK)
            run_all(page_b)
            quiz = quizzes(page_b).first
            # A fresh copy: nothing of anyone else's answer shows.
            assert quiz.locator(".ensak-feedback").count() == 0
            assert "återställt" not in quiz.text_content()
            answer_quiz(quiz, 0)

            assert saved_answers(first_home, FIRST_TASK) == before
            second_answers = saved_answers(running_hub.home(second), FIRST_TASK)
            assert second_answers and next(iter(second_answers.values()))["value"]["selected"] == [0]

            answer = page_b.goto(f"{running_hub.url}/user/{first}/lab")
            assert answer.status == 403
            # The first learner's own session is still theirs and still works.
            panel_a = assignments(page_a)
            expect(panel_a.locator(".list_item", has_text=FIRST_TASK).first).to_be_visible()
    finally:
        context_a.close()
        context_b.close()
