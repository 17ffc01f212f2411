"""The `ensak` command: a thin typer layer over plain functions in the package."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

app = typer.Typer(help="En sak i taget: run a self-paced staff course on Jupyter and nbgrader.",
                  no_args_is_help=True, add_completion=False)

COURSE_DIR = typer.Option(Path("."), "--course-dir", "-C", help="The course directory (holds course.toml).")


def fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@app.command()
def generate(course_dir: Path = COURSE_DIR) -> None:
    """Regenerate release/ from source/ for every task in course.toml."""
    from ensak.release import generate_release

    for task_id in generate_release(course_dir):
        typer.echo(f"release/{task_id} regenerated")


@app.command()
def demo(
    output: Path = typer.Option(Path("demo-output"), help="A folder of its own for the demo course."),
    learners: int = typer.Option(20, help="How many simulated learners."),
    seed: int = typer.Option(2010, help="Random seed, so a run can be repeated."),
) -> None:
    """Run a whole simulated course cycle and write a progress report."""
    from ensak.demo import run_demo

    report = run_demo(output, learners=learners, seed=seed)
    typer.echo(f"Progress report: {report}")


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
    from ensak.roster import RosterImportError, format_report, import_roster

    try:
        report = import_roster(course_dir, file, keep_missing=keep_missing,
                               allow_mass_removal=allow_mass_removal, dry_run=dry_run)
    except RosterImportError as exc:
        fail(str(exc))
    typer.echo(format_report(report, dry_run=dry_run))
    if report.errors:
        raise typer.Exit(code=1)


TODAY = typer.Option(None, "--today", formats=["%Y-%m-%d"], help="Act as if today were this date (YYYY-MM-DD).")


def _load_course_or_fail(course_dir: Path):
    from ensak.course import CoursePlanError, load_course

    try:
        return load_course(course_dir)
    except CoursePlanError as exc:
        fail(str(exc))


@app.command()
def release(
    tasks: list[str] = typer.Argument(None, help="Task ids to release now, whatever their date."),
    due: bool = typer.Option(False, "--due", help="Release every task whose date has come (safe to run daily)."),
    today: dt.datetime | None = TODAY,
    course_dir: Path = COURSE_DIR,
) -> None:
    """Release tasks to the learners; already released tasks are left alone."""
    from ensak.schedule import ScheduleError, format_release, release_due, release_tasks

    if not due and not tasks:
        fail("Ange uppgifter att släppa, eller --due för alla vars datum har kommit.")
    _load_course_or_fail(course_dir)
    try:
        result = (release_due(course_dir, today.date() if today else None) if due
                  else release_tasks(course_dir, tasks))
    except ScheduleError as exc:
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
    from ensak.schedule import format_plan, plan, released_tasks, write_ics

    course = _load_course_or_fail(course_dir)
    day = today.date() if today else dt.date.today()
    typer.echo(format_plan(course, plan(course, released_tasks(course_dir), day), day))
    if ics is not None:
        typer.echo(f"Kalendern är sparad i {write_ics(course, ics)}")


@app.command()
def hub(
    course_dir: Path = COURSE_DIR,
    ip: str = typer.Option("127.0.0.1", help="Address to listen on; the demo login allows loopback only."),
    port: int = typer.Option(8000, help="Port for the learners' browsers."),
    release: str = typer.Option("all", help="Tasks to release first: all, due (by course.toml) or none."),
    home_root: Path = typer.Option(Path("/home/ensak"), help="Where the learner accounts' home folders go."),
    state_dir: Path = typer.Option(None, help="Keep the hub's own files here (default: a temporary folder)."),
    learner_env: Path = typer.Option(None, help="Python environment for learners (default: this one if they can use it)."),
    remove_accounts: bool = typer.Option(False, "--remove-accounts", help="Remove the roster's learner accounts and stop."),
) -> None:
    """Start a JupyterHub on this machine with the course and the roster's learners; Ctrl-C stops it."""
    import os

    from ensak.hub import SETUP_ERRORS, HubSettings, new_password, run_hub
    from ensak.hub import remove_accounts as remove_learner_accounts

    try:
        if remove_accounts:
            removed = remove_learner_accounts(course_dir)
            typer.echo(f"Borttagna deltagarkonton: {', '.join(removed) or 'inga'}")
            return
        settings = HubSettings(course_dir=course_dir, ip=ip, port=port, release=release, home_root=home_root,
                               state_dir=state_dir, learner_env=learner_env,
                               password=os.environ.get("ENSAK_HUB_PASSWORD") or new_password())
        code = run_hub(settings, echo=typer.echo)
    except SETUP_ERRORS as error:
        fail(str(error))
    raise typer.Exit(code=code)


@app.command()
def hub(
    course_dir: Path = COURSE_DIR,
    ip: str = typer.Option("127.0.0.1", help="Address to listen on; the demo login allows loopback only."),
    port: int = typer.Option(8000, help="Port for the learners' browsers."),
    release: str = typer.Option("all", help="Tasks to release first: all, due (by course.toml) or none."),
    home_root: Path = typer.Option(Path("/home/ensak"), help="Where the learner accounts' home folders go."),
    state_dir: Path = typer.Option(None, help="Keep the hub's own files here (default: a temporary folder)."),
    learner_env: Path = typer.Option(None, help="Python environment for learners (default: this one if they can use it)."),
    remove_accounts: bool = typer.Option(False, "--remove-accounts", help="Remove the roster's learner accounts and stop."),
) -> None:
    """Start a JupyterHub on this machine with the course and the roster's learners; Ctrl-C stops it."""
    import os

    from ensak.hub import SETUP_ERRORS, HubSettings, new_password, run_hub
    from ensak.hub import remove_accounts as remove_learner_accounts

    try:
        if remove_accounts:
            removed = remove_learner_accounts(course_dir)
            typer.echo(f"Borttagna deltagarkonton: {', '.join(removed) or 'inga'}")
            return
        settings = HubSettings(course_dir=course_dir, ip=ip, port=port, release=release, home_root=home_root,
                               state_dir=state_dir, learner_env=learner_env,
                               password=os.environ.get("ENSAK_HUB_PASSWORD") or new_password())
        code = run_hub(settings, echo=typer.echo)
    except SETUP_ERRORS as error:
        fail(str(error))
    raise typer.Exit(code=code)


if __name__ == "__main__":
    app()
