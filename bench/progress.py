"""How fast ensak reads progress compared with nbgrader's own tools, on a synthetic gradebook.

Builds a gradebook with nbgrader's real schema (nbgrader's Gradebook creates the tables and the
alembic version; the rows are bulk-inserted through nbgrader's own SQLAlchemy tables), then times
in one run:

  export_stock_s    `nbgrader export` on the gradebook as nbgrader leaves it (no foreign-key indexes)
  export_indexed_s  `nbgrader export` again, after ensak has opened the gradebook and added its indexes
  api_s             the same per-learner-per-task scores through nbgrader's Python Gradebook API
  ours_s            ensak's progress table (ensak.analytics.gradebook.read_progress), learner × task
  ours5000_s        ensak's progress table on a second, larger gradebook

Both exports are subprocesses, timed from start to finish as a coordinator would wait for them, and
their CSV files must be identical. ensak's times are the median of three runs, each with a fresh
database connection. The last line printed has a fixed format for the records.

    python bench/progress.py [--learners 1000] [--tasks 12] [--large 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
# nbgrader's Gradebook runs `alembic` when it creates a database, and the export is `nbgrader`.
os.environ["PATH"] = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

COURSE_ID = "bench"
CHECK_CELLS = 3        # autograded test cells per task notebook, 1 point each
REFLECTION_POINTS = 2  # one manually graded reflection per task notebook
START = dt.datetime(2027, 1, 11, 9, 0)
PACE = dt.timedelta(days=14)


def build_gradebook(path: Path, learners: int, tasks: int, seed: int = 2010) -> str:
    """A gradebook at `path` with `learners` × `tasks`, about as far along as a course half-way through."""
    from nbgrader.api import Base, Gradebook
    from sqlalchemy import insert, select

    url = f"sqlite:///{path}"
    rng = random.Random(seed)
    task_ids = [f"{n:02d}-uppgift" for n in range(tasks)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(url, course_id=COURSE_ID) as gb:
            for number, task_id in enumerate(task_ids):
                gb.add_assignment(task_id, duedate=START + PACE * (number + 1))
                gb.add_notebook(task_id, task_id)
                for cell in range(CHECK_CELLS):
                    gb.add_grade_cell(f"kontroll-{cell}", task_id, task_id, max_score=1, cell_type="code")
                gb.add_grade_cell("reflektion", task_id, task_id, max_score=REFLECTION_POINTS, cell_type="markdown")
                gb.add_solution_cell("reflektion", task_id, task_id)
            engine = gb.engine

    t = Base.metadata.tables
    with engine.begin() as conn:
        notebooks = {name: nb_id for nb_id, name in conn.execute(select(t["notebook"].c.id, t["notebook"].c.name))}
        assignments = {name: a_id for a_id, name in conn.execute(select(t["assignment"].c.id, t["assignment"].c.name))}
        grade_cells: dict[str, list[tuple[str, str]]] = {}
        for cell_id, nb_id, cell_type in conn.execute(
                select(t["grade_cells"].c.id, t["base_cell"].c.notebook_id, t["grade_cells"].c.cell_type)
                .join(t["base_cell"], t["base_cell"].c.id == t["grade_cells"].c.id)):
            grade_cells.setdefault(nb_id, []).append((cell_id, cell_type))
        solution_cells = {nb_id: cell_id for cell_id, nb_id in conn.execute(
            select(t["solution_cells"].c.id, t["base_cell"].c.notebook_id)
            .join(t["base_cell"], t["base_cell"].c.id == t["solution_cells"].c.id))}

        students, submissions, notebooks_rows, grades, comments = [], [], [], [], []
        for learner in range(learners):
            student_id = f"deltagare{learner:05d}"
            # Unique names: nbgrader export orders by name, and ties would make the two CSVs differ by chance.
            students.append({"id": student_id, "first_name": f"Förnamn{learner:05d}",
                             "last_name": f"Efternamn{learner:05d}", "email": f"{student_id}@bibliotek.example"})
            done = tasks if rng.random() < 0.45 else rng.randint(0, tasks)
            for number, task_id in enumerate(task_ids[:done]):
                sub_id, snb_id = uuid.uuid4().hex, uuid.uuid4().hex
                stamp = START + PACE * number + dt.timedelta(days=rng.uniform(0, 20))
                submissions.append({"id": sub_id, "assignment_id": assignments[task_id], "student_id": student_id,
                                    "timestamp": stamp, "extension": None})
                nb_id = notebooks[task_id]
                notebooks_rows.append({"id": snb_id, "assignment_id": sub_id, "notebook_id": nb_id,
                                       "flagged": False, "late_submission_penalty": None})
                graded_by_hand = rng.random() < 0.7
                for cell_id, cell_type in grade_cells[nb_id]:
                    if cell_type == "code":
                        grades.append({"id": uuid.uuid4().hex, "notebook_id": snb_id, "cell_id": cell_id,
                                       "auto_score": float(rng.random() < 0.9), "manual_score": None,
                                       "extra_credit": None, "needs_manual_grade": False})
                    else:
                        grades.append({"id": uuid.uuid4().hex, "notebook_id": snb_id, "cell_id": cell_id,
                                       "auto_score": None,
                                       "manual_score": float(REFLECTION_POINTS) if graded_by_hand else None,
                                       "extra_credit": None, "needs_manual_grade": not graded_by_hand})
                comments.append({"id": uuid.uuid4().hex, "notebook_id": snb_id, "cell_id": solution_cells[nb_id],
                                 "auto_comment": None, "manual_comment": None})
        for table, rows in (("student", students), ("submitted_assignment", submissions),
                            ("submitted_notebook", notebooks_rows), ("grade", grades), ("comment", comments)):
            if rows:
                conn.execute(insert(t[table]), rows)
    engine.dispose()
    return url


def time_export(url: str, workdir: Path, csv_name: str) -> tuple[float, bytes]:
    """Run `nbgrader export` as a coordinator would; return the seconds it took and the CSV it wrote."""
    target = workdir / csv_name
    command = [str(VENV_BIN / "nbgrader"), "export", f"--db={url}", f"--course={COURSE_ID}", f"--to={target}",
               f"--CourseDirectory.root={workdir}", "--log-level=ERROR"]
    started = time.perf_counter()
    subprocess.run(command, cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started, target.read_bytes()


def time_api(url: str) -> tuple[float, int]:
    """Per learner and task, the score through nbgrader's Gradebook API, as nbgrader's docs show it."""
    from nbgrader.api import Gradebook, MissingEntry

    started = time.perf_counter()
    scores = 0
    with Gradebook(url, course_id=COURSE_ID) as gb:
        for assignment in gb.assignments:
            for student in gb.students:
                try:
                    submission = gb.find_submission(assignment.name, student.id)
                except MissingEntry:
                    continue
                submission.score  # noqa: B018 (the score is computed by the database on access)
                scores += 1
    return time.perf_counter() - started, scores


def time_ours(url: str, runs: int = 3) -> tuple[float, int]:
    """ensak's learner × task table, fresh connection each run; the median of `runs`."""
    from ensak.analytics.gradebook import open_gradebook, read_progress

    times, rows = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        engine = open_gradebook(url)
        rows = len(read_progress(engine, course_id=COURSE_ID))
        engine.dispose()
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=12)
    parser.add_argument("--large", type=int, default=5000, help="learners in the second, larger gradebook")
    args = parser.parse_args()

    from sqlalchemy import create_engine

    from ensak.analytics.gradebook import ensure_indexes

    with tempfile.TemporaryDirectory(prefix="ensak-bench-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        url = build_gradebook(work / "gradebook.db", args.learners, args.tasks)
        print(f"built {args.learners} × {args.tasks} gradebook in {time.perf_counter() - started:.1f} s", flush=True)

        export_stock_s, stock_csv = time_export(url, work, "stock.csv")
        print(f"nbgrader export, no indexes: {export_stock_s:.1f} s", flush=True)

        engine = create_engine(url)
        started = time.perf_counter()
        created = ensure_indexes(engine)
        engine.dispose()
        print(f"ensak added {len(created)} indexes in {time.perf_counter() - started:.2f} s: {', '.join(created)}")

        export_indexed_s, indexed_csv = time_export(url, work, "indexed.csv")
        same = "identical" if stock_csv == indexed_csv else "DIFFERENT"
        csv_rows = stock_csv.count(b"\n") - 1
        print(f"nbgrader export, indexed: {export_indexed_s:.1f} s (CSV {same}, {csv_rows} rows)", flush=True)

        api_s, scores = time_api(url)
        print(f"nbgrader Gradebook API, {scores} submission scores: {api_s:.2f} s", flush=True)

        ours_s, rows = time_ours(url)
        print(f"ensak progress table, {rows} rows: {ours_s:.3f} s (median of 3)", flush=True)

        large_url = build_gradebook(work / "gradebook-large.db", args.large, args.tasks, seed=2011)
        ours_large_s, large_rows = time_ours(large_url)
        print(f"ensak progress table at {args.large} × {args.tasks}, {large_rows} rows: {ours_large_s:.3f} s",
              flush=True)

    print(f"learners={args.learners} tasks={args.tasks} ours_s={ours_s:.3f} export_stock_s={export_stock_s:.2f} "
          f"export_indexed_s={export_indexed_s:.2f} api_s={api_s:.2f} ratio_export={export_stock_s / ours_s:.0f} "
          f"ours{args.large}_s={ours_large_s:.3f}")


if __name__ == "__main__":
    main()
