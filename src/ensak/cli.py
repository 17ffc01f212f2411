"""The `ensak` command: a thin typer layer over plain functions in the package.

Every command either succeeds or stops with Swedish guidance and exit code 1: the course's own errors
(GUIDED_ERRORS, whose messages say what to do) are caught in one place, GuidedGroup, and anything else is
reported in one Swedish sentence. `ensak --debug COMMAND` shows the traceback instead. A command typed
wrongly (an unknown option or command, a missing or bad value) is told so in Swedish, with exit code 2.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path

import typer
from typer.core import TyperGroup

from ensak.swedish import count_noun

# Errors whose message is already Swedish guidance, by module (looked up only once the module is loaded,
# so that `ensak --help` does not import the whole package).
GUIDED_ERRORS: dict[str, tuple[str, ...]] = {
    "ensak.course.plan": ("CoursePlanError",),
    "ensak.course.lock": ("BusyError",),
    "ensak.course.schedule": ("ScheduleError",),
    "ensak.nbgrader.release": ("UnknownTaskError", "GenerateError"),
    "ensak.nbgrader.api": ("NotACourseError", "GradebookSetupError"),
    "ensak.course.roster": ("RosterImportError", "LinkError"),
    "ensak.course.hr_files": ("RosterImportError",),
    "ensak.nbgrader.ngshare_client": ("NgshareError",),
    "ensak.outreach.messages.model": ("MessageError",),
    "ensak.outreach.blog": ("BlogError",),
    "ensak.outreach.kursbloggen.members": ("RosterNotPublished",),
    "ensak.care.backup": ("BackupError",),
    "ensak.care.forget": ("ForgetError",),
    "ensak.care.access": ("AccessError",),
    "ensak.hub.runner": ("HubError",),
    "ensak.coordinator.formgrader": ("FormgraderError",),
}
YES_ANSWERS = {"j", "ja", "y", "yes"}
NO_ANSWERS = {"n", "nej", "no"}


def is_guided(error: BaseException) -> bool:
    for module_name, names in GUIDED_ERRORS.items():
        module = sys.modules.get(module_name)
        classes = tuple(getattr(module, name) for name in names if hasattr(module, name)) if module else ()
        if classes and isinstance(error, classes):
            return True
    return False


def usage_message(error: typer.TyperException) -> str:
    """A command typed wrongly (an unknown command or option, a missing or bad value), said in Swedish with
    where to look. typer's own words stay in the bad-value case only, where they name the expected form."""
    context = getattr(error, "ctx", None)
    command = context.command_path if context is not None else "ensak"
    look = f"Skriv {command} --help för att se hur kommandot används."
    param = getattr(error, "param", None)
    if param is None:
        name = getattr(error, "option_name", None)
    elif param.param_type_name == "option" and param.opts:
        name = param.opts[0]
    else:
        name = (param.name or "").upper()  # as the usage line shows an argument
    kind = type(error).__name__
    if kind == "NoSuchOption":
        guesses = getattr(error, "possibilities", None) or []
        guess = f" Menade du {' eller '.join(guesses)}?" if guesses else ""
        return f"{command} har inget val som heter {error.option_name}.{guess} {look}"
    if kind == "MissingParameter" and name:
        return f"{command} behöver {name}. {look}"
    if kind == "BadOptionUsage" and name:
        return f"{name} behöver ett värde efter sig. {look}"
    if error.format_message().startswith("Got unexpected extra argument"):
        return f"{command} fick mer än det tar emot ({error.format_message().split('(')[-1].rstrip(')')}). {look}"
    if kind == "BadParameter" and name:
        if "%Y-%m-%d" in error.format_message():
            return f"{name}: skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2027-03-15. {look}"
        return f"{name} har ett värde som inte går att använda ({error.format_message()}). {look}"
    unknown = re.match(r"No such command '(.+?)'", error.format_message())
    if unknown:
        return f"{command} har inget kommando som heter {unknown.group(1)}. Skriv {command} --help för att se alla."
    return f"Kommandot gick inte att läsa ({error.format_message()}). {look}"


class GuidedGroup(TyperGroup):
    """Runs a command and turns whatever it raises into Swedish guidance: exit code 2 for a command typed
    wrongly, 1 for anything else (not with --debug)."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except typer.Exit:
            raise
        except typer.TyperException as error:
            # typer's own (vendored) click errors. A group named without its subcommand has printed its
            # help already: that is the whole answer.
            if type(error).__name__ == "NoArgsIsHelpError":
                raise typer.Exit(2) from None
            typer.secho(usage_message(error), fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from None
        except (typer.Abort, KeyboardInterrupt, EOFError):
            typer.secho("Avbrutet. Det som redan var klart finns kvar; kör kommandot igen för resten.",
                        fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        except Exception as error:
            if ctx.params.get("debug"):
                raise
            if is_guided(error):
                message = str(error)
            else:
                detail = (str(error).strip().splitlines() or [""])[0]
                message = (f"Något oväntat gick fel ({type(error).__name__}: {detail}). Kör samma kommando med "
                           "--debug (ensak --debug ...) för detaljerna och skicka dem till den som sköter ensak.")
            typer.secho(message, fg=typer.colors.RED, err=True)
            # typer's own Exit: the one its main turns into the exit code (click's would show a traceback).
            raise typer.Exit(1) from None


app = typer.Typer(cls=GuidedGroup, help="En sak i taget: run a self-paced staff course on Jupyter and nbgrader.",
                  no_args_is_help=True, add_completion=False)

COURSE_DIR = typer.Option(Path("."), "--course-dir", "-C", help="The course directory (holds course.toml).")


@app.callback()
def options(debug: bool = typer.Option(False, "--debug", help="Show the full traceback when something fails.")) -> None:
    """En sak i taget: run a self-paced staff course on Jupyter and nbgrader."""


def fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def confirm(question: str) -> bool:
    """Ask in Swedish; j, ja, y and yes mean yes, and anything but an answer means no."""
    while True:
        answer = typer.prompt(f"{question} [j/n]", default="n", show_default=False).strip().casefold()
        if answer in YES_ANSWERS:
            return True
        if answer in NO_ANSWERS:
            return False
        typer.echo("Svara j (ja) eller n (nej).")


def course_day(course_dir: Path, today: dt.datetime | None) -> dt.date:
    """--today if given, else today where the course runs (ensak.clock)."""
    from ensak.clock import course_today

    return today.date() if today else course_today(_load_course_or_fail(course_dir))


def say_waiting(holder: str) -> None:
    """For a command that waits for the course lock: say what it waits for."""
    from ensak.course.lock import waiting_message

    typer.secho(waiting_message(holder), fg=typer.colors.YELLOW, err=True)


@app.command()
def generate(course_dir: Path = COURSE_DIR) -> None:
    """Regenerate release/ from source/ for every task in course.toml."""
    from ensak.nbgrader.release import generate_release

    for task_id in generate_release(course_dir):
        typer.echo(f"release/{task_id} regenerated")


@app.command()
def demo(
    output: Path = typer.Option(Path("demo-output"), help="A folder of its own for the demo course."),
    learners: int = typer.Option(20, min=1, help="How many simulated learners."),
    seed: int = typer.Option(2010, help="Random seed, so a run can be repeated."),
) -> None:
    """Run a whole simulated course cycle and write a progress report."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.table import Table

    from ensak.analytics.report import load_views
    from ensak.demo import run_demo

    console = Console()
    bars: dict[str, int] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:

        def on_step(label: str, done: int, total: int) -> None:
            if label not in bars:
                bars[label] = progress.add_task(label, total=total)
            progress.update(bars[label], completed=done, total=total)

        try:
            result = run_demo(output, learners=learners, seed=seed, on_step=on_step)
        except FileExistsError as exc:
            fail(str(exc))

    views = load_views(result["course_dir"], today=result["today"])
    table = Table(title=f"Läget {result['today']:%Y-%m-%d}: {result['learners']} deltagare, "
                        f"{count_noun(result['submissions'], 'inlämning', 'inlämningar')}")
    for column in ("Uppgift", "Inlämnade", "Andel"):
        table.add_column(column, justify="left" if column == "Uppgift" else "right")
    for row in views.tasks.itertuples():
        table.add_row(row.title, str(row.submissions), f"{row.share:.0%}")
    console.print(table)
    console.print(f"Att puffa på: {len(views.nudges)} deltagare. Problem vid rättningen: {len(result['problems'])}.")
    for problem in result["problems"]:
        console.print(f"  - {problem.splitlines()[0]}")
    typer.echo(f"Progress report: {result['report']}")
    typer.echo(f"Excel workbook: {result['workbook']}")


roster_app = typer.Typer(help="The list of learners (roster.csv and the gradebook).", no_args_is_help=True)
app.add_typer(roster_app, name="roster")


@roster_app.command("import")
def roster_import(
    file: Path = typer.Argument(..., help="CSV or .xlsx as HR exports it (Swedish or English headings)."),
    course_dir: Path = COURSE_DIR,
    keep_missing: bool = typer.Option(False, "--keep-missing", help="The file holds only some learners: "
                                      "nobody missing from it is marked as having left."),
    allow_mass_removal: bool = typer.Option(False, "--allow-mass-removal",
                                            help="Mark many learners as having left at once."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; change nothing."),
) -> None:
    """Import or update the learners from an exported staff list. Bad rows are reported, good rows imported."""
    from ensak.course.lock import PERSON_WAIT_S, BusyError
    from ensak.course.roster import RosterImportError, format_report, import_roster
    from ensak.nbgrader.api import GradebookSetupError

    try:
        report = import_roster(course_dir, file, keep_missing=keep_missing, allow_mass_removal=allow_mass_removal,
                               dry_run=dry_run, wait_s=PERSON_WAIT_S, on_wait=say_waiting)
    except (RosterImportError, GradebookSetupError, BusyError) as exc:
        fail(str(exc))
    typer.echo(format_report(report, dry_run=dry_run))
    if report.errors:
        raise typer.Exit(code=1)


@roster_app.command("link")
def roster_link(
    old_id: str = typer.Argument(..., help="The id the person had (keeps her work and pseudonym)."),
    new_id: str = typer.Argument(..., help="The id the last import gave her under her new name (removed)."),
    course_dir: Path = COURSE_DIR,
) -> None:
    """Link a person's two ids after a change of name and e-mail address (e.g. on marrying): she keeps
    her old id and work with her new name and address."""
    from ensak.course.lock import PERSON_WAIT_S, BusyError
    from ensak.course.roster import LinkError, link_learners
    from ensak.nbgrader.api import GradebookSetupError, NotACourseError

    try:
        typer.echo(link_learners(course_dir, old_id, new_id, wait_s=PERSON_WAIT_S, on_wait=say_waiting))
    except (LinkError, NotACourseError, GradebookSetupError, BusyError) as exc:
        fail(str(exc))


TODAY = typer.Option(None, "--today", formats=["%Y-%m-%d"], help="Act as if today were this date (YYYY-MM-DD).")


def _load_course_or_fail(course_dir: Path):
    """The course plan, read before a command does anything; a CoursePlanError reaches GuidedGroup."""
    from ensak.course.plan import load_course

    return load_course(course_dir)


@app.command()
def release(
    tasks: list[str] = typer.Argument(None, help="Task ids to release now, whatever their date."),
    due: bool = typer.Option(False, "--due", help="Release every task whose date has come (safe to run daily)."),
    today: dt.datetime | None = TODAY,
    course_dir: Path = COURSE_DIR,
) -> None:
    """Release tasks to the learners; already released tasks are left alone."""
    from ensak.course.lock import PERSON_WAIT_S, BusyError
    from ensak.course.schedule import (
        ScheduleError,
        format_release,
        release_due,
        release_now,
    )
    from ensak.nbgrader.release import UnknownTaskError

    if not due and not tasks:
        fail("Ange uppgifter att släppa, eller --due för alla vars datum har kommit.")
    _load_course_or_fail(course_dir)
    try:
        # Run by hand or from cron, a release waits for a sync in progress rather than skip a day.
        result = (release_due(course_dir, today.date() if today else None, wait_s=PERSON_WAIT_S, on_wait=say_waiting)
                  if due else release_now(course_dir, tasks, wait_s=PERSON_WAIT_S, on_wait=say_waiting))
    except (ScheduleError, UnknownTaskError, BusyError) as exc:
        fail(str(exc))
    typer.echo(format_release(result))
    if result.problems:
        raise typer.Exit(code=1)


@app.command()
def schedule(
    ics: Path = typer.Option(None, "--ics", help="Also write the dates as an iCalendar file."),
    today: dt.datetime | None = TODAY,
    course_dir: Path = COURSE_DIR,
) -> None:
    """Show when each task is released and whether it has been."""
    from ensak.course.schedule import format_plan, plan, write_ics
    from ensak.nbgrader.release import released_tasks

    course = _load_course_or_fail(course_dir)
    day = course_day(course_dir, today)
    typer.echo(format_plan(course, plan(course, released_tasks(course_dir), day), day))
    if ics is not None:
        typer.echo(f"Kalendern är sparad i {write_ics(course, ics)}")


@app.command()
def message(
    kind: str = typer.Argument(..., help="invitation, nudge, last-call, thanks, or kursbloggen (the blog's "
                               "e-mail digest for those who asked for it)."),
    task: str = typer.Option(None, "--task", help="The task an invitation is for."),
    to: list[str] = typer.Option(None, "--to", help="Only these learner ids (repeat the option)."),
    reason: str = typer.Option(None, "--reason", help="Nudge --to learners for this reason instead of "
                               "the nudge list."),
    send: bool = typer.Option(False, "--send", help="Send (by SMTP if ENSAK_SMTP_HOST is set, else to outbox/)."),
    outbox: bool = typer.Option(False, "--outbox", help="With --send: write .eml files into outbox/ (to send from "
                                "your own mail program), even without SMTP or a [mail] sender."),
    force: bool = typer.Option(False, "--force", help="Send a last call or thank-you before its date."),
    retry_uncertain: bool = typer.Option(False, "--retry-uncertain",
                                         help="Resend messages a killed run may or may not have sent."),
    edit: bool = typer.Option(False, "--edit", help="Copy the templates into messages/ for editing."),
    today: dt.datetime | None = TODAY,
    course_dir: Path = COURSE_DIR,
) -> None:
    """Preview a message to learners (default), or send it with --send. Nobody gets the same message twice."""
    from ensak.outreach.messages import message_command

    if not edit:
        _load_course_or_fail(course_dir)
    if kind == "kursbloggen" and not edit:
        _blog_digests(course_dir, send=send, when=today, outbox=outbox)
        return
    outcome = message_command(course_dir, kind, task=task, to=to, reason=reason, send_now=send, force=force,
                              outbox=outbox, retry_uncertain=retry_uncertain, edit=edit,
                              today=today.date() if today else None)
    for warning in outcome.warnings:
        typer.secho(f"Obs! {warning}", fg=typer.colors.YELLOW)
    typer.echo(outcome.text)
    raise typer.Exit(code=outcome.exit_code)


def _blog_digests(course_dir: Path, *, send: bool, when: dt.datetime | None, outbox: bool = False) -> None:
    """`ensak message kursbloggen`: the e-mail digests of those who asked for one (ensak.outreach.kursbloggen)."""
    from zoneinfo import ZoneInfo

    from ensak.clock import utc_now
    from ensak.outreach.kursbloggen.digest_mail import digest_messages, send_digests
    from ensak.outreach.messages import MessageError, SmtpSettings, format_delivery, format_preview

    # --today: everything written by the end of that day, in the course's time.
    zone = ZoneInfo(_load_course_or_fail(course_dir).timezone)
    now = (dt.datetime.combine(when.date(), dt.time(23, 59), tzinfo=zone) if when else utc_now()
           ).astimezone(dt.timezone.utc)
    try:
        if not send:
            messages, _ = digest_messages(course_dir, now)
            typer.echo(format_preview(course_dir, messages) if messages else
                       "Ingen som har bett om Kursbloggens sammanfattning har något nytt att få.")
            return
        result = send_digests(course_dir, now, smtp=SmtpSettings.from_env(), outbox=outbox)
    except MessageError as exc:
        fail(str(exc))
    typer.echo(format_delivery(result, course_dir))
    if result.failed or result.uncertain:
        raise typer.Exit(code=1)


@app.command("sync")
def sync_command(
    course_dir: Path = COURSE_DIR,
    workers: int = typer.Option(0, "--workers", min=0, help="Grading processes (default: two per core)."),
    no_feedback: bool = typer.Option(False, "--no-feedback", help="Collect and grade, but give no feedback."),
) -> None:
    """Collect new submissions, grade the new or changed ones and give feedback on fully graded ones."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from ensak.course.lock import BusyError
    from ensak.sync import sync

    _load_course_or_fail(course_dir)
    bars: dict[str, int] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=False) as progress:

        def on_step(label: str, done: int, total: int) -> None:
            if total == 0:
                return
            if label not in bars:
                bars[label] = progress.add_task(label, total=total)
            progress.update(bars[label], completed=done, total=total)

        try:
            summary = sync(course_dir, workers=workers or None, feedback=not no_feedback, on_step=on_step)
        except BusyError as exc:
            fail(str(exc))
    if not (summary.collected or summary.graded or summary.feedback or summary.problems):
        typer.echo("Inget nytt att samla in, rätta eller återkoppla.")
    else:
        typer.echo(f"Insamlade: {len(summary.collected)}. Rättade: {len(summary.graded)}. "
                   f"Återkoppling utlämnad: {len(summary.feedback)}.")
    if summary.waiting_for_manual_grading:
        typer.echo(f"{count_noun(summary.waiting_for_manual_grading, 'inlämning', 'inlämningar')} väntar på att "
                   "du bedömer reflektionen i formgrader (ensak formgrader); återkopplingen lämnas ut vid nästa "
                   "sync efter det.")
    if summary.notes:
        typer.echo("Att titta på:")
        for note in summary.notes:
            typer.echo(f"  {note}")
    for problem in summary.problems:
        typer.secho(f"Problem: {problem}", fg=typer.colors.RED)
    if summary.problems:
        raise typer.Exit(code=1)


@app.command()
def hub(
    course_dir: Path = COURSE_DIR,
    ip: str = typer.Option("127.0.0.1", help="Address to listen on; the demo login allows loopback only."),
    port: int = typer.Option(8000, help="Port for the learners' browsers."),
    release: str = typer.Option("all", help="Tasks to release first: all, due (by course.toml) or none."),
    home_root: Path = typer.Option(Path("/home/ensak"), help="Where the learner accounts' home folders go."),
    state_dir: Path = typer.Option(None, help="Keep the hub's own files here (default: a temporary folder)."),
    learner_env: Path = typer.Option(None, help="Build the learners' Python environment here (default: this one "
                                     "if their accounts can use it, else /opt/ensak/learner-venv)."),
    remove_accounts: bool = typer.Option(False, "--remove-accounts", help="Remove the roster's learner accounts and stop."),
    exchange: str = typer.Option("folder", help="The exchange: folder (shared on this machine) or ngshare (over "
                                 "HTTP, as a hub service)."),
    with_course: list[Path] = typer.Option([], "--with-course", help="Another course directory on the same hub, "
                                           "with its own course id and roster (needs --exchange ngshare)."),
) -> None:
    """Start a JupyterHub on this machine with the course and the roster's learners; Ctrl-C stops it."""
    import os

    from ensak.hub.runner import SETUP_ERRORS, HubSettings, new_password, run_hub
    from ensak.hub.runner import remove_accounts as remove_learner_accounts

    try:
        if remove_accounts:
            removed = remove_learner_accounts(course_dir)
            typer.echo(f"Borttagna deltagarkonton: {', '.join(removed) or 'inga'}")
            return
        settings = HubSettings(course_dir=course_dir, ip=ip, port=port, release=release, home_root=home_root,
                               state_dir=state_dir, learner_env=learner_env, exchange=exchange,
                               more_courses=list(with_course),
                               password=os.environ.get("ENSAK_HUB_PASSWORD") or new_password())
        code = run_hub(settings, echo=typer.echo)
    except SETUP_ERRORS as error:
        fail(str(error))
    raise typer.Exit(code=code)


@app.command()
def formgrader(
    course_dir: Path = COURSE_DIR,
    port: int = typer.Option(8890, help="Port on this machine's loopback address."),
    browser: bool = typer.Option(True, "--browser/--no-browser", help="Open formgrader in the web browser."),
) -> None:
    """Open nbgrader's formgrader: read and grade the reflections, comment to the learners. Ctrl-C closes it."""
    from ensak.coordinator.formgrader import formgrader_server, run_formgrader

    _load_course_or_fail(course_dir)
    raise typer.Exit(code=run_formgrader(formgrader_server(course_dir, port, open_browser=browser), typer.echo))


@app.command()
def report(
    out: Path = typer.Option(None, "--out", help="Folder for the report files (default: reports/ in the course)."),
    with_names: bool = typer.Option(False, "--with-names", help="Show names and e-mail addresses instead of "
                                    "pseudonyms (only for the coordinator's own use)."),
    today: dt.datetime | None = TODAY,
    course_dir: Path = COURSE_DIR,
) -> None:
    """Write the progress report as HTML and as an Excel workbook (one sheet per view); with names, as files of
    their own beside the pseudonymised ones."""
    from ensak.analytics.report import report_command

    _load_course_or_fail(course_dir)
    typer.echo(report_command(course_dir, out, with_names=with_names, today=today.date() if today else None))


blog_app = typer.Typer(help="Kursbloggen, the course's closed blog: a hub service under `ensak hub`, or `serve` "
                       "on this machine.", no_args_is_help=False)
app.add_typer(blog_app, name="blog")


@blog_app.callback(invoke_without_command=True)
def blog(
    context: typer.Context,
    export: Path = typer.Option(None, "--export", help="After the course: write the posts whose authors agreed "
                                "to open publishing as Markdown files (with front matter) into this folder."),
    course_dir: Path = COURSE_DIR,
) -> None:
    """How many posts and comments Kursbloggen holds, or (--export) the posts consented for publishing."""
    if context.invoked_subcommand is not None:
        return
    from ensak.outreach.kursbloggen.export import ExportError, write_public_export
    from ensak.outreach.kursbloggen.queries import totals
    from ensak.outreach.kursbloggen.settings import open_course_blog

    _load_course_or_fail(course_dir)
    opened = open_course_blog(course_dir, create=export is not None)
    if opened is None:
        typer.echo("Kursbloggen är tom: ingen har skrivit något ännu. Den öppnas under ensak hub på "
                   "/services/kursbloggen/, eller på den här datorn med: ensak blog serve")
        return
    settings, engine = opened
    try:
        if export is not None:
            written = write_public_export(settings, engine, export)
            typer.echo(f"{len(written)} inlägg med publiceringsmedgivande är skrivna till {export}.")
            return
        posts, comments = totals(engine)
        typer.echo(f"Kursbloggen: {posts} inlägg och {comments} kommentarer. Den öppnas under ensak hub på "
                   "/services/kursbloggen/, eller på den här datorn med: ensak blog serve")
    except ExportError as exc:
        fail(str(exc))
    finally:
        engine.dispose()


@blog_app.command("serve")
def blog_serve(
    port: int = typer.Option(8765, help="Port on this machine's loopback address (127.0.0.1: there is no password)."),
    course_dir: Path = COURSE_DIR,
) -> None:
    """Run Kursbloggen on this machine without a hub; each person picks their name from the roster. Ctrl-C stops it."""
    from ensak.outreach.kursbloggen.local import serve_local
    from ensak.outreach.kursbloggen.settings import BlogSettingsError, load_settings

    _load_course_or_fail(course_dir)
    try:
        serve_local(load_settings(course_dir), port=port, echo=typer.echo)
    except BlogSettingsError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"Kursbloggen kunde inte starta på port {port} ({exc.strerror or exc}). Välj en annan med --port.")


@app.command()
def forget(
    learner: str = typer.Argument(..., help="The learner's id as in roster.csv."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask before erasing."),
    reports: Path = typer.Option(None, "--reports", help="Folder of written reports (default: reports/ in the course)."),
    course_dir: Path = COURSE_DIR,
) -> None:
    """Erase a learner from the course for good (a GDPR request): gradebook, submissions, feedback,
    exchange, messages, roster, course blog and reports that name them."""
    from ensak.care.forget import ForgetError, forget_learner
    from ensak.course.lock import PERSON_WAIT_S, BusyError
    from ensak.nbgrader.api import GradebookSetupError, NotACourseError

    _load_course_or_fail(course_dir)
    if not yes and not confirm(f"Allt om {learner} i kursen tas bort för gott och kan inte ångras. Fortsätta?"):
        fail("Inget har tagits bort.")
    try:
        typer.echo(str(forget_learner(course_dir, learner, reports=reports, wait_s=PERSON_WAIT_S,
                                      on_wait=say_waiting)))
    except (ForgetError, GradebookSetupError, NotACourseError, BusyError) as exc:
        fail(str(exc))


@app.command()
def utdrag(
    learner: str = typer.Argument(..., help="The learner's id as in roster.csv."),
    out: Path = typer.Option(None, "--out", help="A new folder for the extract (default: utdrag/<id>-<date>/ in "
                             "the course)."),
    course_dir: Path = COURSE_DIR,
) -> None:
    """Everything the course holds about one learner, for a GDPR access request (registerutdrag, article 15):
    one folder, readable by you only, with a Swedish index.html and JSON/CSV copies. Changes nothing."""
    from ensak.care.access import AccessError, write_extract
    from ensak.course.lock import PERSON_WAIT_S, BusyError
    from ensak.nbgrader.api import GradebookSetupError, NotACourseError

    _load_course_or_fail(course_dir)
    try:
        typer.echo(str(write_extract(course_dir, learner, out, wait_s=PERSON_WAIT_S, on_wait=say_waiting)))
    except (AccessError, GradebookSetupError, NotACourseError, BusyError) as exc:
        fail(str(exc))


@app.command()
def backup(
    out: Path = typer.Option(None, "--out", help="Archive file or folder (default: backups/ in the course)."),
    course_dir: Path = COURSE_DIR,
) -> None:
    """Save the gradebook, the submissions, feedback, exchange, roster and logs in one archive."""
    from ensak.care.backup import BackupError, write_backup
    from ensak.course.lock import PERSON_WAIT_S
    from ensak.nbgrader.api import NotACourseError

    _load_course_or_fail(course_dir)
    try:
        archive = write_backup(course_dir, out, wait_s=PERSON_WAIT_S, on_wait=say_waiting)
    except (BackupError, NotACourseError) as exc:
        fail(str(exc))
    typer.echo(f"Säkerhetskopian är sparad: {archive}")


@app.command()
def restore(
    archive: Path = typer.Argument(..., help="An archive written by ensak backup."),
    replace: bool = typer.Option(False, "--replace", help="Replace what the course holds now (it is moved "
                                 "aside into restore-<time>/, not deleted)."),
    course_dir: Path = COURSE_DIR,
) -> None:
    """Put a course's state back from an archive written by ensak backup."""
    from ensak.care.backup import BackupError, restore_backup
    from ensak.course.lock import PERSON_WAIT_S
    from ensak.nbgrader.api import NotACourseError

    _load_course_or_fail(course_dir)
    try:
        result = restore_backup(course_dir, archive, replace=replace, wait_s=PERSON_WAIT_S, on_wait=say_waiting)
    except (BackupError, NotACourseError) as exc:
        fail(str(exc))
    typer.echo(f"Återställt från {result.archive.name} (gjord {result.created}): "
               f"{count_noun(result.files, 'fil', 'filer')}.")
    for line in result.restored:
        typer.echo(f"  - {line}")
    if result.set_aside:
        typer.echo(f"Det som fanns i kursen innan ligger i {result.set_aside}.")
    for note in result.notes:
        typer.echo(note)


@app.command()
def intyg(
    out: Path = typer.Option(Path("intyg"), "--out", help="The folder for the certificates (PDF)."),
    today: dt.datetime | None = TODAY,
    course_dir: Path = COURSE_DIR,
) -> None:
    """Write a Swedish course certificate (kursintyg, PDF) for everyone who has finished the course."""
    from ensak.outreach.certificates import write_certificates

    _load_course_or_fail(course_dir)
    written = write_certificates(course_dir, out, today.date() if today else None)
    if not written:
        typer.echo("Ingen har gjort klart kursen ännu: alla uppgifter inlämnade, med bevis på det som gjordes. "
                   "Inga intyg skrevs.")
        return
    typer.echo(f"{len(written)} kursintyg skrivna i {out}/:")
    for path in written:
        typer.echo(f"  {path.name}")


@app.command()
def pairs(
    seed: int = typer.Option(None, "--seed", help="Draw the same pairs again (any whole number)."),
    csv: Path = typer.Option(None, "--csv", help="Also write the pairs to this CSV file."),
    course_dir: Path = COURSE_DIR,
) -> None:
    """Buddy pairs across units from the roster: colleagues who help each other through the tasks."""
    from ensak.atomic_files import write_atomically
    from ensak.course.pairs import format_pairs, pairs_csv, pairs_for_course

    _load_course_or_fail(course_dir)
    groups = pairs_for_course(course_dir, seed)
    typer.echo(format_pairs(groups))
    if csv is not None and groups:
        write_atomically(csv, pairs_csv(groups), newline="")
        typer.echo(f"Sparat i {csv}.")


def put_own_bin_on_path() -> None:
    """Put the folder of this interpreter (the virtual environment's bin/) first on PATH.

    nbgrader runs the `alembic` executable by name when it creates a gradebook, and ensak runs
    `nbgrader` and `jupyterhub` by name; they lie beside this interpreter. Run by its full path, as
    cron lines and service files do, ensak would otherwise not find them (and nbgrader would leave
    a gradebook half made). This is the one place that makes sure they are found.
    """
    own_bin = str(Path(sys.executable).parent)
    entries = os.environ.get("PATH", "").split(os.pathsep)
    if not entries or entries[0] != own_bin:
        os.environ["PATH"] = os.pathsep.join([own_bin, *[e for e in entries if e and e != own_bin]])


def main() -> None:
    """The `ensak` executable (pyproject.toml's [project.scripts])."""
    put_own_bin_on_path()
    app()


if __name__ == "__main__":
    main()
