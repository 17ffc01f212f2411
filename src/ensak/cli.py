"""The `ensak` command: a thin typer layer over plain functions in the package."""

from __future__ import annotations

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


if __name__ == "__main__":
    app()
