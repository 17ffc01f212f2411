"""Messages to learners: Swedish templates, previews, delivery by real SMTP or to outbox/, never twice."""

from __future__ import annotations

import datetime as dt
import email
import shutil
from concurrent.futures import ThreadPoolExecutor
from email.policy import default as default_policy

import pandas as pd
import pytest
from typer.testing import CliRunner

from ensak.cli import app
from ensak.course.roster import write_roster
from ensak.nbgrader.release import record_release, release_tasks
from ensak.outreach.messages import (
    MessageError,
    SmtpSettings,
    build_messages,
    copy_default_templates,
    deliver,
    format_preview,
    learners_not_finished,
    nudges_from_progress,
    read_sent_log,
    sent_log_path,
)
from fixtures_coordinator import (  # noqa: F401
    HUB_URL,
    MAIL_TOML,
    course_dir,
    empty_gradebook,
    make_course,
    smtp_server,
    tls_smtp_server,
)
from lock_helpers import course_held_by

DAY = dt.date(2027, 1, 26)
LEARNERS = pd.DataFrame([
    {"id": "asa_lindstrom-oberg", "first_name": "Åsa", "last_name": "Lindström-Öberg",
     "email": "asa@bibliotek.example", "unit": "Stadsbiblioteket", "role": "Bibliotekarie"},
    {"id": "jorgen_arlig", "first_name": "Jörgen", "last_name": "Ärlig", "email": "jorgen@bibliotek.example",
     "unit": "Filial Syd", "role": "Enhetschef"},
    {"id": "britt_ek", "first_name": "Britt", "last_name": "Ek", "email": "britt@bibliotek.example",
     "unit": "Filial Norr", "role": ""},
])


@pytest.fixture
def mail_course(tmp_path, empty_gradebook):
    """A course with [mail] settings and three active learners (and one who has left)."""
    root = make_course(tmp_path / "kurs", extra=MAIL_TOML, url=HUB_URL)
    shutil.copy2(empty_gradebook, root / "gradebook" / "gradebook.db")
    write_roster(root, pd.concat([LEARNERS, pd.DataFrame([{"id": "slutat", "first_name": "Sven", "last_name": "Slut",
                                                            "email": "sven@bibliotek.example"}])]))
    write_roster(root, LEARNERS)  # Sven leaves: he stays in the roster as inactive
    return root


def smtp_env(port: int, **extra) -> SmtpSettings:
    return SmtpSettings.from_env({"ENSAK_SMTP_HOST": "127.0.0.1", "ENSAK_SMTP_PORT": str(port),
                                  "ENSAK_SMTP_STARTTLS": "0", **extra})


def test_is_an_invitation_swedish_with_the_task_the_next_date_and_the_hub(mail_course):
    [asa, *_] = build_messages(mail_course, "invitation", task_id="01-blogg", today=DAY)
    assert asa.subject == "Ny uppgift i En sak i taget: Bloggar"
    assert asa.body.startswith("Hej Åsa!\n")
    assert "uppgift 1 i En sak i taget" in asa.body
    assert "8 februari 2027" in asa.body and "22 februari 2027" in asa.body
    assert "https://jupyter.bibliotek.example" in asa.body
    assert asa.body.rstrip().endswith("Kursledningen på Stadsbiblioteket")
    assert "\n\n\n" not in asa.body


def test_does_the_last_task_invitation_say_it_is_the_last(mail_course):
    [message, *_] = build_messages(mail_course, "invitation", task_id="02-bild", today=DAY)
    assert "kursens sista uppgift" in message.body


def test_do_inactive_learners_never_get_messages(mail_course):
    for kind in ("invitation", "last-call", "thanks"):
        ids = [m.learner_id for m in build_messages(mail_course, kind, task_id="00-start", today=DAY)]
        assert ids == ["asa_lindstrom-oberg", "jorgen_arlig", "britt_ek"]
    with pytest.raises(MessageError, match="slutat"):
        build_messages(mail_course, "thanks", recipients=["slutat"])


def test_does_a_nudge_use_the_reason_from_the_nudge_list(mail_course):
    row = {"reason": "Ingen inlämning på 30 dagar.", "behind": False, "inactive": True, "tasks_done": 1,
           "current_title": "Bloggar", "last_activity": pd.Timestamp("2026-12-28 10:00")}
    messages = build_messages(mail_course, "nudge", nudges={"jorgen_arlig": row, "britt_ek": "Ligger efter."},
                              today=DAY)
    jorgen = next(m for m in messages if m.learner_id == "jorgen_arlig")
    assert [m.learner_id for m in messages] == ["jorgen_arlig", "britt_ek"]
    assert "sedan 28 december 2026" in jorgen.body and '”Bloggar”' in jorgen.body
    assert jorgen.note == "Ingen inlämning på 30 dagar."
    preview = format_preview(mail_course, messages)
    assert "Jörgen Ärlig <jorgen@bibliotek.example> – Ingen inlämning på 30 dagar." in preview


def test_does_the_coordinators_own_template_win(mail_course):
    copied = copy_default_templates(mail_course)
    assert {p.name for p in copied} == {"invitation.txt.j2", "nudge.txt.j2", "last-call.txt.j2", "thanks.txt.j2",
                                        "kursbloggen.txt.j2"}
    (mail_course / "messages" / "thanks.txt.j2").write_text(
        "Ämne: Stort tack, {{ learner.first_name }}!\n\nVi ses på fikat. /{{ sender_name }}\n", encoding="utf-8")
    [message, *_] = build_messages(mail_course, "thanks")
    assert message.subject == "Stort tack, Åsa!"
    assert message.body == "Vi ses på fikat. /Kursledningen på Stadsbiblioteket\n"
    assert copy_default_templates(mail_course) == []  # her edits are never overwritten


@pytest.mark.parametrize("template, fragment", [
    ("Ämne: Hej\n\n{% if %}\n", "fel på rad 3"),
    ("Ämne: Hej {{ lerner.first_name }}\n\nText\n", "lerner"),
    ("Hej {{ learner.first_name }}\n\nText\n", "Ämne:"),
])
def test_is_a_broken_template_explained_before_anything_is_sent(mail_course, template, fragment):
    (mail_course / "messages").mkdir()
    (mail_course / "messages" / "thanks.txt.j2").write_text(template, encoding="utf-8")
    with pytest.raises(MessageError, match=fragment):
        build_messages(mail_course, "thanks")


@pytest.mark.parametrize("kind, options, fragment", [
    ("reminder", {}, "Okänd meddelandetyp"),
    ("invitation", {}, "--task"),
    ("invitation", {"task_id": "09-x"}, "ingen uppgift '09-x'"),
    ("nudge", {}, "lista"),
    ("thanks", {"recipients": ["okand"]}, "okand"),
])
def test_are_wrong_requests_refused_in_swedish(mail_course, kind, options, fragment):
    with pytest.raises(MessageError, match=fragment):
        build_messages(mail_course, kind, **options)


def test_does_a_preview_send_and_log_nothing(mail_course):
    messages = build_messages(mail_course, "invitation", task_id="00-start", today=DAY)
    preview = format_preview(mail_course, messages)
    assert "Inbjudan (invitation:00-start): 3 mottagare." in preview and "Inget har skickats" in preview
    assert not (mail_course / "outbox").exists()


def test_do_messages_go_to_outbox_as_eml_once(mail_course):
    messages = build_messages(mail_course, "invitation", task_id="00-start", today=DAY)
    first = deliver(mail_course, messages)
    assert first.sent == ["asa_lindstrom-oberg", "jorgen_arlig", "britt_ek"] and first.channel == "eml"
    path = mail_course / "outbox" / "invitation-00-start" / "asa_lindstrom-oberg.eml"
    parsed = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    assert parsed["To"].addresses[0].display_name == "Åsa Lindström-Öberg"
    assert parsed["Subject"] == "Ny uppgift i En sak i taget: Välkommen"
    assert parsed.get_content().startswith("Hej Åsa!")
    mtime = path.stat().st_mtime_ns

    second = deliver(mail_course, build_messages(mail_course, "invitation", task_id="00-start", today=DAY))
    assert second.sent == [] and len(second.already_sent) == 3
    assert path.stat().st_mtime_ns == mtime
    assert "har redan fått den" in format_preview(mail_course, messages)


def test_does_smtp_deliver_each_message_once_across_reruns(mail_course, smtp_server):
    handler, port = smtp_server
    settings = smtp_env(port)
    invitations = build_messages(mail_course, "invitation", task_id="01-blogg", today=DAY)
    assert len(deliver(mail_course, invitations, smtp=settings).sent) == 3
    assert deliver(mail_course, invitations, smtp=settings).sent == []
    assert len(handler.received) == 3
    recipients, mail = handler.received[0]
    assert recipients == ["asa@bibliotek.example"]
    assert mail["Subject"] == "Ny uppgift i En sak i taget: Bloggar"
    assert mail["From"].addresses[0].addr_spec == "kurs@bibliotek.example"
    assert mail.get_content().startswith("Hej Åsa!")
    # A different message to the same people is a new message.
    deliver(mail_course, build_messages(mail_course, "invitation", task_id="02-bild", today=DAY), smtp=settings)
    assert len(handler.received) == 6
    log = read_sent_log(mail_course)
    assert sorted(log["key"].unique()) == ["invitation:01-blogg", "invitation:02-bild"]
    assert set(log["status"]) == {"sent"}


LATE = {"reason": "Ingen inlämning på 21 dagar.", "behind": False, "inactive": True, "tasks_done": 0,
        "current_title": "Välkommen", "last_activity": None}


def test_is_a_learner_nudged_at_most_once_per_release_period(mail_course, smtp_server):
    handler, port = smtp_server
    record_release(mail_course, "01-blogg", dt.date(2027, 1, 25))
    record_release(mail_course, "02-bild", dt.date(2027, 2, 8))
    nudges = {"britt_ek": LATE}  # a row of the nudge list: Britt is late by the rules
    for day in (DAY, DAY + dt.timedelta(days=3)):
        deliver(mail_course, build_messages(mail_course, "nudge", nudges=nudges, today=day), smtp=smtp_env(port))
    assert len(handler.received) == 1
    next_period = dt.date(2027, 2, 9)
    deliver(mail_course, build_messages(mail_course, "nudge", nudges=nudges, today=next_period), smtp=smtp_env(port))
    assert len(handler.received) == 2


def test_is_the_release_period_the_one_learners_really_got(mail_course):
    """The plan says 02-bild on 8 February; it reached the learners on 15 February."""
    record_release(mail_course, "00-start", dt.date(2027, 1, 11))
    record_release(mail_course, "01-blogg", dt.date(2027, 1, 25))
    record_release(mail_course, "02-bild", dt.date(2027, 2, 15))
    [message] = build_messages(mail_course, "nudge", nudges={"britt_ek": LATE}, today=dt.date(2027, 2, 10))
    assert message.key == "nudge:01-blogg"
    [message] = build_messages(mail_course, "nudge", nudges={"britt_ek": LATE}, today=dt.date(2027, 2, 15))
    assert message.key == "nudge:02-bild"


def test_does_a_nudge_before_anyone_is_late_leave_the_periods_nudge_unspent(mail_course, smtp_server):
    """On release day the coordinator nudges Britt with her own words; three weeks later Britt is late by the
    rules and gets the period's nudge all the same (and only once)."""
    handler, port = smtp_server
    record_release(mail_course, "01-blogg", dt.date(2027, 1, 25))
    early = build_messages(mail_course, "nudge", nudges={"britt_ek": "Kom ihåg Bloggar!"}, today=dt.date(2027, 1, 25))
    deliver(mail_course, early, smtp=smtp_env(port))
    deliver(mail_course, early, smtp=smtp_env(port))  # the same day again: still one
    for day in (dt.date(2027, 2, 15), dt.date(2027, 2, 16)):
        deliver(mail_course, build_messages(mail_course, "nudge", nudges={"britt_ek": LATE}, today=day),
                smtp=smtp_env(port))
    assert len(handler.received) == 2
    assert sorted(read_sent_log(mail_course)["key"]) == ["nudge:01-blogg", "nudge:01-blogg:extra-2027-01-25"]


def test_are_two_overlapping_runs_still_one_message_each(mail_course, smtp_server):
    handler, port = smtp_server
    messages = build_messages(mail_course, "thanks")
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(deliver, mail_course, messages, smtp=smtp_env(port)) for _ in range(2)]
        results = [run.result() for run in runs]
    assert sorted(to[0] for to, _ in handler.received) == sorted(LEARNERS["email"])
    assert sorted(sum((r.sent for r in results), [])) == sorted(LEARNERS["id"])


def test_is_a_refused_recipient_retried_later_and_the_rest_delivered(mail_course, smtp_server):
    handler, port = smtp_server
    handler.refuse = {"jorgen@bibliotek.example"}
    messages = build_messages(mail_course, "thanks")
    result = deliver(mail_course, messages, smtp=smtp_env(port))
    assert result.sent == ["asa_lindstrom-oberg", "britt_ek"] and list(result.failed) == ["jorgen_arlig"]
    handler.refuse = set()
    again = deliver(mail_course, messages, smtp=smtp_env(port))
    assert again.sent == ["jorgen_arlig"] and len(again.already_sent) == 2
    assert len(handler.received) == 3


def test_is_a_message_cut_off_mid_send_left_uncertain_not_resent(mail_course, smtp_server):
    handler, port = smtp_server
    handler.drop_after = 1
    messages = build_messages(mail_course, "thanks")
    result = deliver(mail_course, messages, smtp=smtp_env(port))
    assert result.sent == ["asa_lindstrom-oberg"] and result.uncertain == ["jorgen_arlig"]
    assert result.not_attempted == ["britt_ek"]
    handler.drop_after = None
    rerun = deliver(mail_course, messages, smtp=smtp_env(port))
    assert rerun.sent == ["britt_ek"] and rerun.uncertain == ["jorgen_arlig"]
    checked = deliver(mail_course, messages, smtp=smtp_env(port), retry_uncertain=True)
    assert checked.sent == ["jorgen_arlig"]
    assert sorted(to[0] for to, _ in handler.received) == sorted(LEARNERS["email"])


def test_does_starttls_with_login_work_and_a_wrong_password_send_nothing(mail_course, tls_smtp_server):
    handler, port, ca = tls_smtp_server
    env = {"ENSAK_SMTP_HOST": "127.0.0.1", "ENSAK_SMTP_PORT": str(port), "ENSAK_SMTP_USER": "kursledare",
           "ENSAK_SMTP_CAFILE": str(ca)}
    messages = build_messages(mail_course, "thanks")
    with pytest.raises(MessageError, match="godkände inte inloggningen"):
        deliver(mail_course, messages, smtp=SmtpSettings.from_env({**env, "ENSAK_SMTP_PASSWORD": "fel"}))
    assert read_sent_log(mail_course).empty
    good = SmtpSettings.from_env({**env, "ENSAK_SMTP_PASSWORD": "rätt-lösen"})
    assert good.starttls and good.port == port
    assert len(deliver(mail_course, messages, smtp=good).sent) == 3
    assert len(handler.received) == 3


def test_is_a_password_never_sent_in_clear(mail_course, smtp_server):
    _, port = smtp_server
    settings = smtp_env(port, ENSAK_SMTP_USER="kursledare", ENSAK_SMTP_PASSWORD="x")
    with pytest.raises(MessageError, match="okrypterat"):
        deliver(mail_course, build_messages(mail_course, "thanks"), smtp=settings)


def test_does_an_unreachable_server_send_and_log_nothing(mail_course):
    from fixtures_coordinator import free_port

    settings = smtp_env(free_port())
    with pytest.raises(MessageError, match="Inget har skickats"):
        deliver(mail_course, build_messages(mail_course, "thanks"), smtp=settings)
    assert read_sent_log(mail_course).empty


def test_is_smtp_off_unless_a_host_is_set():
    assert SmtpSettings.from_env({}) is None
    assert SmtpSettings.from_env({"ENSAK_SMTP_HOST": "smtp.example", "ENSAK_SMTP_SSL": "1"}).port == 465


def test_does_the_cli_preview_send_to_outbox_and_skip_on_rerun(mail_course):
    release_tasks(mail_course, ["00-start"])
    runner = CliRunner()
    args = ["message", "invitation", "--task", "00-start", "--course-dir", str(mail_course)]
    preview = runner.invoke(app, args)
    assert preview.exit_code == 0, preview.output
    assert "Hej Åsa!" in preview.output and not sent_log_path(mail_course).exists()
    sent = runner.invoke(app, [*args, "--send"], env={"ENSAK_SMTP_HOST": ""})
    assert sent.exit_code == 0, sent.output
    assert "Skickade 3 meddelanden som .eml-filer" in sent.output
    again = runner.invoke(app, [*args, "--send"], env={"ENSAK_SMTP_HOST": ""})
    assert "3 hade redan fått meddelandet" in again.output


def test_does_the_cli_refuse_to_invite_to_an_unreleased_task(mail_course):
    result = CliRunner().invoke(app, ["message", "invitation", "--task", "01-blogg", "--send",
                                      "--course-dir", str(mail_course)], env={"ENSAK_SMTP_HOST": ""})
    assert result.exit_code == 1 and "inte släppt ännu" in result.output
    assert not (mail_course / "outbox" / "invitation-01-blogg").exists()


def test_does_the_cli_nudge_named_learners_for_a_given_reason(mail_course, smtp_server):
    handler, port = smtp_server
    env = {"ENSAK_SMTP_HOST": "127.0.0.1", "ENSAK_SMTP_PORT": str(port), "ENSAK_SMTP_STARTTLS": "0"}
    args = ["message", "nudge", "--to", "britt_ek", "--reason", "Har inte börjat.", "--send",
            "--today", "2027-01-26", "--course-dir", str(mail_course)]
    assert CliRunner().invoke(app, args, env=env).exit_code == 0
    assert CliRunner().invoke(app, args, env=env).exit_code == 0
    assert [to for to, _ in handler.received] == [["britt@bibliotek.example"]]


def test_do_the_nudge_list_and_the_last_call_come_from_the_gradebook(mail_course):
    # Every task reached the learners on its day and nobody has handed in anything: on day 30 everyone is
    # inactive and nobody has finished.
    for task_id, day in (("00-start", "2027-01-11"), ("01-blogg", "2027-01-25"), ("02-bild", "2027-02-08")):
        record_release(mail_course, task_id, dt.date.fromisoformat(day))
    day = dt.date(2027, 2, 10)
    nudges = nudges_from_progress(mail_course, day)
    assert sorted(nudges) == sorted(LEARNERS["id"])
    assert all("dagar" in row["reason"] for row in nudges.values())
    assert learners_not_finished(mail_course, day) == sorted(LEARNERS["id"])
    result = CliRunner().invoke(app, ["message", "last-call", "--today", "2027-02-10",
                                      "--course-dir", str(mail_course)])
    assert result.exit_code == 0, result.output
    assert "Sista chansen (last-call): 3 mottagare." in result.output and "om 12 dagar" in result.output


# ---- issue 13: leavers, the calendar, the sender, the login address ----

def test_do_leavers_never_stop_a_message_without_ids(mail_course):
    """Sven left (mail_course's roster); the gradebook still knows him. Lists drop him; naming him is refused."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{mail_course / 'gradebook' / 'gradebook.db'}", "testkurs") as gradebook:
        gradebook.update_or_create_student("slutat", first_name="Sven", last_name="Slut")
    for task_id, day in (("00-start", "2027-01-11"), ("01-blogg", "2027-01-25"), ("02-bild", "2027-02-08")):
        record_release(mail_course, task_id, dt.date.fromisoformat(day))
    day = dt.date(2027, 2, 10)
    assert "slutat" not in nudges_from_progress(mail_course, day)
    assert "slutat" not in learners_not_finished(mail_course, day)
    for kind in ("nudge", "last-call"):
        result = CliRunner().invoke(app, ["message", kind, "--today", "2027-02-10", "--course-dir", str(mail_course)])
        assert result.exit_code == 0, result.output
        assert "Sven" not in result.output
    with pytest.raises(MessageError, match=r"har avslutat kursen.*slutat \(slutade"):
        build_messages(mail_course, "thanks", recipients=["slutat"])


def send_cli(course, *args, env=None):
    return CliRunner().invoke(app, ["message", *args, "--send", "--course-dir", str(course)],
                              env={"ENSAK_SMTP_HOST": "", **(env or {})})


def test_is_the_thank_you_held_back_until_the_course_has_closed(mail_course):
    early = send_cli(mail_course, "thanks", "--today", "2027-02-01")
    assert early.exit_code == 1
    assert "stänger först 22 februari 2027" in early.output and "--force" in early.output
    assert not (mail_course / "outbox").exists()
    assert send_cli(mail_course, "thanks", "--today", "2027-02-22").exit_code == 0
    assert (mail_course / "outbox" / "thanks").is_dir()


def test_can_the_coordinator_force_an_early_thank_you(mail_course):
    forced = send_cli(mail_course, "thanks", "--today", "2027-02-01", "--force")
    assert forced.exit_code == 0, forced.output
    assert "Skickade 3 meddelanden" in forced.output


def test_is_the_last_call_held_back_until_the_last_task_is_out(mail_course):
    record_release(mail_course, "00-start", dt.date(2027, 1, 11))
    early = send_cli(mail_course, "last-call", "--to", "britt_ek", "--today", "2027-01-20")
    assert early.exit_code == 1 and "Sista chansen skickas när kursens sista uppgift" in early.output
    assert "Uppgift 2 (02-bild)" in early.output
    preview = CliRunner().invoke(app, ["message", "last-call", "--to", "britt_ek", "--today", "2027-01-20",
                                       "--course-dir", str(mail_course)])
    assert preview.exit_code == 0 and "Obs! Sista chansen skickas" in preview.output
    record_release(mail_course, "02-bild", dt.date(2027, 2, 8))
    assert send_cli(mail_course, "last-call", "--to", "britt_ek", "--today", "2027-02-10").exit_code == 0


def test_does_sending_without_a_sender_say_how_to_set_one_up(tmp_path, empty_gradebook):
    root = make_course(tmp_path / "kurs")  # no [mail]
    shutil.copy2(empty_gradebook, root / "gradebook" / "gradebook.db")
    write_roster(root, LEARNERS)
    refused = send_cli(root, "thanks", "--force")
    assert refused.exit_code == 1
    assert "[mail]" in refused.output and 'from = "kurs@bibliotek.se"' in refused.output
    assert "--outbox" in refused.output and "ENSAK_SMTP_HOST" in refused.output
    assert not (root / "outbox").exists()
    asked = send_cli(root, "thanks", "--force", "--outbox")
    assert asked.exit_code == 0, asked.output
    mail = email.message_from_bytes((root / "outbox" / "thanks" / "britt_ek.eml").read_bytes(), policy=default_policy)
    assert mail["From"] is None, "her own mail program fills in the sender; never kursledningen@localhost"
    assert mail["To"].addresses[0].addr_spec == "britt@bibliotek.example"


def test_is_a_wrong_sender_address_explained_with_its_line(tmp_path, empty_gradebook):
    root = make_course(tmp_path / "kurs", extra='\n[mail]\nfrom = "kurs(at)vaxjo.se"\n')
    write_roster(root, LEARNERS)
    result = send_cli(root, "thanks", "--force")
    assert result.exit_code == 1
    assert "[mail] from på rad" in result.output and "e-postadress" in result.output
    assert "Skriv @ i stället för (at)." in result.output and "Traceback" not in result.output


def test_does_an_invitation_need_the_address_to_log_in(tmp_path, empty_gradebook):
    root = make_course(tmp_path / "kurs", extra=MAIL_TOML)  # no [course] url
    shutil.copy2(empty_gradebook, root / "gradebook" / "gradebook.db")
    write_roster(root, LEARNERS)
    release_tasks(root, ["00-start"])
    result = send_cli(root, "invitation", "--task", "00-start")
    assert result.exit_code == 1
    assert "adressen där deltagarna loggar in" in result.output and 'url = "https://' in result.output
    assert not (root / "outbox" / "invitation-00-start").exists()


def test_is_the_senders_name_with_a_comma_sent_as_one_name(mail_course):
    (mail_course / "course.toml").write_text((mail_course / "course.toml").read_text(encoding="utf-8").replace(
        'from_name = "Kursledningen på Stadsbiblioteket"', 'from_name = "Karin Åström, kurssamordnare"'),
        encoding="utf-8")
    deliver(mail_course, build_messages(mail_course, "thanks"))
    raw = (mail_course / "outbox" / "thanks" / "britt_ek.eml").read_bytes()
    [header] = [line for line in raw.split(b"\r\n") if line.startswith(b"From:")]
    assert header.count(b"=?utf-8?") == 1 and b"," not in header.replace(b"=2C", b""), header
    parsed = email.message_from_bytes(raw, policy=default_policy)
    assert [(a.display_name, a.addr_spec) for a in parsed["From"].addresses] == [
        ("Karin Åström, kurssamordnare", "kurs@bibliotek.example")]


def test_does_a_template_saved_with_a_bom_or_in_windows_1252_work(mail_course):
    (mail_course / "messages").mkdir()
    text = "Ämne: Tack, {{ learner.first_name }}!\n\nVi ses på fikat.\n"
    (mail_course / "messages" / "thanks.txt.j2").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    [message, *_] = build_messages(mail_course, "thanks")
    assert message.subject == "Tack, Åsa!" and message.body == "Vi ses på fikat.\n"
    (mail_course / "messages" / "thanks.txt.j2").write_bytes(text.encode("cp1252"))
    assert build_messages(mail_course, "thanks")[0].subject == "Tack, Åsa!"


def test_does_a_send_wait_for_the_course_and_then_say_who_holds_it(mail_course, monkeypatch):
    from ensak.outreach.messages import recipients, send

    monkeypatch.setattr(recipients, "SEND_LOCK_WAIT_S", 0.5)
    with course_held_by(mail_course, "sync"):
        with pytest.raises(MessageError, match="upptagen just nu: ensak sync"):
            send(mail_course, build_messages(mail_course, "thanks"), kind="thanks", force=True)
    assert not (mail_course / "outbox" / "thanks").exists()
