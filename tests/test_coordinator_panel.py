"""The coordinator's buttons, clicked without a browser: release, sync, preview and send."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ensak.coordinator.panel import CoordinatorPanel
from ensak.course.roster import write_roster
from ensak.nbgrader.release import record_release, release_tasks
from fixtures_coordinator import (  # noqa: F401
    HUB_URL,
    MAIL_TOML,
    START,
    course_dir,
    empty_gradebook,
    make_course,
    submit_answer,
    sync_course,
    sync_template,
)
from lock_helpers import course_held_by

LEARNERS = pd.DataFrame([
    {"id": "asa", "first_name": "Åsa", "last_name": "Öberg", "email": "asa@bibliotek.example", "unit": "A"},
    {"id": "bo", "first_name": "Bo", "last_name": "Ek", "email": "bo@bibliotek.example", "unit": "B"},
])


@pytest.fixture
def panel_course(tmp_path, empty_gradebook):
    import shutil

    root = make_course(tmp_path / "kurs", extra=MAIL_TOML, url=HUB_URL)
    shutil.copy2(empty_gradebook, root / "gradebook" / "gradebook.db")
    write_roster(root, LEARNERS)
    return root


def test_does_the_release_button_release_what_is_due_once(panel_course):
    panel = CoordinatorPanel(panel_course, today=START + dt.timedelta(days=14))
    panel.release_button.click()
    assert "Släppta nu: 00-start, 01-blogg" in panel.release_status.value
    panel.release_button.click()
    assert "Inget nytt att släppa i dag." in panel.release_status.value
    assert not panel.release_button.disabled


def test_can_only_a_previewed_message_be_sent_and_only_once(panel_course, monkeypatch):
    monkeypatch.delenv("ENSAK_SMTP_HOST", raising=False)
    release_tasks(panel_course, ["00-start"])
    panel = CoordinatorPanel(panel_course, today=START)
    panel.kind.value, panel.task.value = "invitation", "00-start"
    assert panel.send_button.disabled
    panel.preview_button.click()
    assert "Hej Åsa!" in panel.message_status.value and "Tryck på Skicka" in panel.message_status.value
    assert not panel.send_button.disabled and panel.send_button.description == "Skicka till 2"

    panel.kind.value = "thanks"  # another choice: the preview no longer matches what would be sent
    assert panel.send_button.disabled and panel.task.layout.display == "none"
    panel.kind.value = "invitation"
    panel.preview_button.click()
    panel.send_button.click()
    assert "Skickade 2 meddelanden som .eml-filer" in panel.message_status.value
    assert sorted(p.name for p in (panel_course / "outbox" / "invitation-00-start").glob("*.eml")) == [
        "asa.eml", "bo.eml"]
    panel.preview_button.click()
    assert "Alla har redan fått det här meddelandet." in panel.message_status.value
    assert panel.send_button.disabled


def test_is_an_invitation_to_an_unreleased_task_previewed_but_never_sendable(panel_course):
    panel = CoordinatorPanel(panel_course, today=START)
    panel.kind.value, panel.task.value = "invitation", "02-bild"
    panel.preview_button.click()
    assert "⚠" in panel.message_status.value and "inte släppt ännu" in panel.message_status.value
    assert panel.send_button.disabled


def test_does_the_nudge_preview_come_from_the_nudge_list(panel_course):
    # The first two tasks reached the learners on their planned days; 02-bild is not released yet.
    record_release(panel_course, "00-start", START)
    record_release(panel_course, "01-blogg", START + dt.timedelta(days=14))
    release_tasks(panel_course, ["00-start", "01-blogg"])
    panel = CoordinatorPanel(panel_course, today=START + dt.timedelta(days=30))
    panel.kind.value = "nudge"
    panel.preview_button.click()
    status = panel.message_status.value
    # Nobody has handed in anything in 30 days: both are nudged, each with the list's reason.
    assert "Påminnelse (nudge:01-blogg): 2 mottagare." in status
    assert "Åsa Öberg &lt;asa@bibliotek.example&gt; – " in status and "30 dagar" in status


@pytest.mark.slow
def test_does_the_sync_button_grade_and_show_progress(sync_course):
    submit_answer(sync_course, "00-start", "anna", 42)
    panel = CoordinatorPanel(sync_course)
    panel.sync_button.click()
    assert "Rättade: 1." in panel.sync_status.value and "Återkoppling utlämnad: 1." in panel.sync_status.value
    assert panel.sync_progress.value == panel.sync_progress.max == 1
    assert not panel.sync_button.disabled


@pytest.mark.slow
def test_does_a_busy_course_give_a_swedish_message_not_a_traceback(sync_course):
    panel = CoordinatorPanel(sync_course)
    with course_held_by(sync_course, "sync"):
        panel.sync_button.click()
    assert "⚠" in panel.sync_status.value and "upptagen just nu" in panel.sync_status.value
    assert not panel.sync_button.disabled
