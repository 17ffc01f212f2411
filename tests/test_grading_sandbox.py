"""Defence in depth: code that is part of a task itself runs during grading, inside the sandbox
(ensak.nbgrader.sandbox), and can do none of what the hostile corpus tries.

Learners' own code never runs (test_bad_submissions.py). But a task may come from another library,
or a teacher's code may be wrong: here the task's source itself holds the hostile corpus
(tests/fixtures_hostile.py), as locked teacher cells, on a course directory made like a
coordinator's (the shipped nbgrader_config.py), on SQLite and on PostgreSQL. One sync grades it
with the grader's environment holding the database URL and a password; each hostile cell must
fail inside the sandbox, nothing may leak, and the learner's own answer and everyone else's
grading must come out as usual.

The sync runs its grading in this process (workers=1) so that the kernels start from an environment
the test controls. The notebook time limit is cut from the course's 60 seconds, as in
test_bad_submissions.py, so that the cell that sleeps forever costs the test seconds.
"""

from __future__ import annotations

import ast
import os
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

pytest.register_assert_rewrite("fixtures_hostile", "fixtures_coordinator")
from ensak.analytics.gradebook import gradebook_url  # noqa: E402
from ensak.nbgrader.api import load_config  # noqa: E402
from ensak.nbgrader.authoring import check, task_notebook, text, widget, write_notebook  # noqa: E402
from ensak.nbgrader.preprocessors import FOREIGN_CODE_NOTE, SET_ASIDE  # noqa: E402
from ensak.nbgrader.sandbox import PASSED_ENV, Limits, kernel_environment, sandbox_support  # noqa: E402
from fixtures_coordinator import (  # noqa: E402,F401
    answer_cell,
    make_course,
    submit_answer,
    sync_course,
    sync_source_notebook,
    sync_template,
)
from fixtures_hostile import (  # noqa: E402
    GIB,
    HACKED,
    REFLECTION_CANARY,
    ROSTER_CANARY,
    SECRET,
    Listener,
    Targets,
    coordinator_environment,
    hostile_cells,
    large_files,
    leaks,
    learner_names,
    plant_canaries,
)
from fixtures_hub import python_for_other_accounts  # noqa: E402

pytest_plugins = ["fixtures_postgres"]
pytestmark = pytest.mark.slow

HOSTILE_TASK, PLAIN_TASK, CODE_TASK = "00-fientlig", "01-vanlig", "02-kod"
TASKS = [(HOSTILE_TASK, "Uppgift med farlig kod"), (PLAIN_TASK, "Vanlig uppgift"), (CODE_TASK, "Koduppgift")]
TIME_LIMIT = 10
FLOOD = "print('x' * 20_000_000)"


def hostile_source(targets: Targets):
    """The hostile corpus as the teacher's own locked cells, then the flood, then an honest check."""
    cells = [text(f"{HOSTILE_TASK}-intro", "# Uppgift med farlig kod\n\nSvara med talet 42.")]
    cells += [widget(f"{HOSTILE_TASK}-{what.replace(' ', '-')}", code) for what, code in hostile_cells(targets).items()]
    cells.append(widget(f"{HOSTILE_TASK}-flood", FLOOD))
    cells += sync_source_notebook(HOSTILE_TASK, with_reflection=False).cells[1:]
    return task_notebook(cells)


def code_task_source():
    """A task whose learners answer in code (as other libraries' tasks may): this course runs none of it."""
    return task_notebook([text(f"{CODE_TASK}-intro", "# Kod\n\nSkriv `svar = 42`."), answer_cell(f"{CODE_TASK}-svar"),
                          check(f"{CODE_TASK}-check", "assert svar == 42\nprint('✓ Rätt.')", points=1)])


def build_course(root: Path, traces: Path, listener: Listener, db_url: str | None) -> Path:
    from ensak.nbgrader.release import generate_release, release_tasks
    from fixtures_reliability import point_course_at

    course_dir = make_course(root, TASKS, with_release=False)
    if db_url:
        point_course_at(course_dir, db_url)
    other = course_dir / "submitted" / "bo" / PLAIN_TASK / f"{PLAIN_TASK}.ipynb"
    targets = Targets(course_dir, HOSTILE_TASK, other, listener.port, gradebook_url(course_dir), traces)
    for task_id, notebook in ((HOSTILE_TASK, hostile_source(targets)),
                              (PLAIN_TASK, sync_source_notebook(PLAIN_TASK, with_reflection=True)),
                              (CODE_TASK, code_task_source())):
        (course_dir / "source" / task_id).mkdir(parents=True)
        write_notebook(notebook, course_dir / "source" / task_id / f"{task_id}.ipynb")
    generate_release(course_dir)
    release_tasks(course_dir, [t for t, _ in TASKS]).released_or_raise()
    plant_canaries(course_dir, HOSTILE_TASK)
    return course_dir


@pytest.fixture(scope="module")
def listener():
    service = Listener()
    yield service
    service.close()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def graded(request, tmp_path_factory, listener):
    from ensak.sync import sync

    db_url = request.getfixturevalue("postgres").create_database("sandlada") if request.param == "postgresql" else None
    traces = tmp_path_factory.mktemp("spar")
    course_dir = build_course(tmp_path_factory.mktemp(f"sandlada-{request.param}") / "kurs", traces, listener, db_url)
    submit_answer(course_dir, HOSTILE_TASK, "anna", 42)
    submit_answer(course_dir, PLAIN_TASK, "anna", 42, reflection="Inget särskilt.")
    submit_answer(course_dir, PLAIN_TASK, "bo", 42, reflection=f"Bara för kursledaren: {REFLECTION_CANARY}.")
    submit_code_answer(course_dir)
    config = load_config(course_dir)
    config.Execute.timeout = TIME_LIMIT
    url = gradebook_url(course_dir)
    # A kernel folder left by a grader that was killed (its process is gone), and one of a live process.
    gone = _a_finished_process_id()
    abandoned = Path(tempfile.gettempdir()) / f"ensak-kernel-{gone}-test{request.param}"
    (abandoned / "arbete").mkdir(parents=True, exist_ok=True)
    (abandoned / "arbete" / "svar.json").write_text("{}", encoding="utf-8")
    alive = Path(tempfile.gettempdir()) / f"ensak-kernel-1-test{request.param}"
    alive.mkdir(exist_ok=True)
    kernel_folders = set(Path(tempfile.gettempdir()).glob("ensak-kernel-*"))
    with coordinator_environment(url):
        grader_env = dict(os.environ)
        summary = sync(course_dir, config=config, workers=1)
    left = set(Path(tempfile.gettempdir()).glob("ensak-kernel-*"))
    alive_kept = alive.exists()
    alive.rmdir()
    return {"course_dir": course_dir, "summary": summary, "traces": traces, "url": url, "grader_env": grader_env,
            "kernel_folders_left": ours(left - kernel_folders), "abandoned_removed": not abandoned.exists(),
            "alive_kept": alive_kept}


def ours(folders: set[Path]) -> set[Path]:
    """Kernel folders of this test's sync: its graders have ended, so a folder of a process that still runs
    belongs to other grading on the machine (another course's sync, a benchmark) and is not this test's."""
    from ensak.nbgrader.sandbox import KERNEL_FOLDER_PREFIX
    from ensak.processes import process_is_alive

    def owner(folder: Path) -> int:
        number = folder.name[len(KERNEL_FOLDER_PREFIX):].split("-", 1)[0]
        return int(number) if number.isdigit() else 0

    return {folder for folder in folders if owner(folder) in (0, os.getpid()) or not process_is_alive(owner(folder))}


def _a_finished_process_id() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def submit_code_answer(course_dir: Path) -> None:
    from ensak.demo import demo_config, fetch_task, submit_task
    from fixtures_coordinator import SYNC_NOW

    config = demo_config(course_dir)
    home = course_dir.parent / "hem" / "anna"
    fetch_task(config, config.CourseDirectory.course_id, CODE_TASK, "anna", home)
    path = home / CODE_TASK / f"{CODE_TASK}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == f"{CODE_TASK}-svar":
            cell.source = "svar = 42"
    nbformat.write(notebook, path)
    submit_task(config, config.CourseDirectory.course_id, CODE_TASK, "anna", home, SYNC_NOW)


def outputs_of(graded: dict, what: str) -> tuple[str, list[str]]:
    """(everything the teacher's cell `what` printed, the names of the errors it raised)."""
    course_dir = graded["course_dir"]
    notebook = nbformat.read(course_dir / "autograded" / "anna" / HOSTILE_TASK / f"{HOSTILE_TASK}.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                == f"{HOSTILE_TASK}-{what.replace(' ', '-')}")
    printed = "".join(o.get("text", "") for o in cell.outputs)
    return printed, [o.ename for o in cell.outputs if o.output_type == "error"]


def scores(course_dir: Path) -> dict:
    with Gradebook(gradebook_url(course_dir), "testkurs") as gb:
        return {(s.student.id, s.assignment.name): s.code_score for a in gb.assignments for s in a.submissions}


def notes_for(graded: dict, learner: str, task: str) -> list[str]:
    return [n for n in graded["summary"].notes if n.startswith(f"{learner} {task}: ")]


def test_is_grading_sandboxed_on_this_machine(graded):
    assert sandbox_support().isolated, sandbox_support().problem
    assert not any("sandlåda" in note for note in graded["summary"].notes)
    assert load_config(graded["course_dir"]).BoundedExecute.kernel_manager_class.endswith("SandboxedKernelManager")


@pytest.mark.parametrize("what, error", [("facit", "FileNotFoundError"), ("roster", "FileNotFoundError"),
                                         ("other learner", "FileNotFoundError")])
def test_can_task_code_read_no_answer_key_roster_or_other_learner(graded, what, error):
    printed, errors = outputs_of(graded, what)
    assert errors == [error] and printed == ""


def test_can_task_code_not_reach_the_gradebook(graded):
    printed, errors = outputs_of(graded, "gradebook")
    assert len(errors) == 1 and errors[0].endswith("OperationalError") and "changed" not in printed
    assert HACKED not in learner_names(graded["url"])


def test_does_task_code_see_none_of_the_coordinators_environment(graded):
    printed, errors = outputs_of(graded, "environment")
    assert errors == []
    seen = dict(ast.literal_eval(printed.strip()))
    assert SECRET not in printed and "ENSAK_DB_URL" not in seen and "ENSAK_SMTP_PASSWORD" not in seen
    # Nothing the grader had comes through, unless the allowlist lets it (or the kernel sets it itself).
    leaked = {name for name, value in seen.items() if graded["grader_env"].get(name) == value}
    leaked -= set(kernel_environment({}, [], "/tmp"))  # set by the sandbox itself
    assert leaked <= set(PASSED_ENV) | {"TERM", "PAGER", "PWD"}
    assert set(kernel_environment({}, [], "/tmp")) <= set(seen)


def test_can_task_code_not_connect_to_a_service_on_loopback(graded, listener):
    printed, errors = outputs_of(graded, "network")
    assert errors in (["ConnectionRefusedError"], ["OSError"]) and "connected" not in printed
    assert listener.connections == []


def test_can_task_code_start_only_a_few_processes(graded):
    printed, errors = outputs_of(graded, "fork")
    assert errors == ["BlockingIOError"]
    forked = int(printed.split()[-1])
    assert 0 <= forked < Limits().processes
    assert not list(graded["traces"].glob("fork-*")), "and none of them could write outside"


def test_can_task_code_write_no_large_file_and_nothing_outside_its_sandbox(graded):
    printed, errors = outputs_of(graded, "big file")
    lines = dict(line.split(" ", 1) for line in printed.strip().splitlines())
    assert lines["stor.bin"].startswith("OSError [Errno 30]"), "its own folder is read-only"
    assert lines["/tmp/stor.bin"].startswith("OSError [Errno 27]"), "file size limit"
    assert lines[str(graded["traces"] / "stor.bin")].startswith("FileNotFoundError")
    assert large_files(graded["course_dir"], GIB // 16) == [] and large_files(graded["traces"], 1) == []


def test_can_task_code_not_take_8_gb_of_memory(graded):
    printed, errors = outputs_of(graded, "memory")
    assert errors == ["MemoryError"] and not (graded["traces"] / "allocated").exists()


def test_is_code_that_sleeps_forever_or_floods_stopped_and_the_rest_graded(graded):
    _, errors = outputs_of(graded, "sleep")
    assert errors[-1] == "CellTimeoutError"
    printed, _ = outputs_of(graded, "flood")
    assert len(printed) < 110_000
    notes = notes_for(graded, "anna", HOSTILE_TASK)
    assert len(notes) == 2 and "tog för lång tid och avbröts" in notes[0] and "skrev ut för mycket" in notes[1]


def test_are_the_learners_answers_and_everyone_elses_grading_as_usual(graded):
    assert scores(graded["course_dir"]) == {("anna", HOSTILE_TASK): 1.0, ("anna", PLAIN_TASK): 1.0,
                                            ("bo", PLAIN_TASK): 1.0, ("anna", CODE_TASK): 0.0}
    assert graded["summary"].problems == []
    assert notes_for(graded, "bo", PLAIN_TASK) == [] and notes_for(graded, "anna", PLAIN_TASK) == []
    assert ("anna", HOSTILE_TASK) in graded["summary"].feedback, "fully graded: feedback went out"


def test_does_nothing_leak_into_graded_notebooks_feedback_or_tables(graded):
    assert leaks(graded["course_dir"], graded["url"], ["anna"]) == []
    assert graded["kernel_folders_left"] == set(), "each kernel's folder (sockets, copy of the submission) is removed"
    assert graded["abandoned_removed"], "and one a killed grader left behind is removed at the next kernel's start"
    assert graded["alive_kept"], "but never one of a process that still runs"


def test_is_code_a_learner_wrote_in_an_answer_cell_not_run_in_this_course(graded):
    notebook = nbformat.read(graded["course_dir"] / "autograded" / "anna" / CODE_TASK / f"{CODE_TASK}.ipynb",
                             as_version=4)
    aside = [c for c in notebook.cells if c.metadata.get(SET_ASIDE)]
    assert len(aside) == 1 and "svar = 42" in aside[0].source and FOREIGN_CODE_NOTE in aside[0].source
    answer = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{CODE_TASK}-svar")
    assert "svar = 42" not in answer.source, "the teacher's version of the answer cell took its place"
    assert len(notes_for(graded, "anna", CODE_TASK)) == 1


def test_may_a_course_with_code_tasks_run_its_learners_answers(graded):
    """run_answer_cells: what a learner writes in the source's answer cells runs; cells added still never do."""
    from ensak.nbgrader.preprocessors import SetAsideForeignCode

    course_dir = graded["course_dir"]
    notebook = nbformat.read(course_dir / "submitted" / "anna" / CODE_TASK / f"{CODE_TASK}.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import os"))
    resources = {"nbgrader": {"db_url": graded["url"], "notebook": CODE_TASK, "assignment": CODE_TASK}}
    kept, _ = SetAsideForeignCode(run_answer_cells=True).preprocess(nbformat.from_dict(notebook), resources)
    assert [c.source for c in kept.cells if c.cell_type == "code" and "svar = 42" in c.source] == ["svar = 42"]
    assert [c for c in kept.cells if c.metadata.get(SET_ASIDE)] and "import os" in kept.cells[-1].source


def test_does_sync_say_once_when_the_machine_lacks_the_sandbox_and_still_grade(sync_course, monkeypatch):
    """As on a machine without bubblewrap: the rest of the protection holds, grading goes on, and
    the coordinator is told once which protections are missing and what to install."""
    from ensak.nbgrader import sandbox
    from ensak.sync import sync

    found = sandbox.find_tool
    monkeypatch.setattr(sandbox, "find_tool", lambda name: None if name == "bwrap" else found(name))
    sandbox.sandbox_support.cache_clear()
    try:
        for learner, answer in (("anna", 42), ("bo", 7)):
            submit_answer(sync_course, "00-start", learner, answer)
        summary = sync(sync_course, workers=1)
    finally:
        sandbox.sandbox_support.cache_clear()
    assert scores(sync_course) == {("anna", "00-start"): 1.0, ("bo", "00-start"): 0.0}
    said = [note for note in summary.notes if "sandlåda" in note]
    assert len(said) == 1 and said == summary.notes[:1]
    assert "bubblewrap (bwrap) är inte installerat" in said[0] and "apt-get install bubblewrap" in said[0]
    assert "spärr mot nätverket" in said[0] and "gräns för antal processer" in said[0]
    assert "miljövariabler" not in said[0], "the environment is cleaned without bubblewrap too"


ORDINARY_ACCOUNT_SCRIPT = """
import json, sys
import nbformat
from nbclient import NotebookClient
from ensak.nbgrader.sandbox import SandboxedKernelManager, sandbox_support

folder, port = sys.argv[1], int(sys.argv[2])
cells = ["import os; print(os.getuid())", "print(open('svar.json').read())", "open('../../../roster.csv')",
         "import socket; socket.create_connection(('127.0.0.1', %d), timeout=5)" % port,
         "import os, time\\nn = 0\\nwhile n < 1000:\\n    if os.fork() == 0:\\n        time.sleep(30)\\n        os._exit(0)\\n"
         "    n += 1", "print(n)"]
notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
NotebookClient(notebook, timeout=30, allow_errors=True, kernel_manager_class=SandboxedKernelManager,
               resources={"metadata": {"path": folder}}, shutdown_kernel="immediate").execute()
print(json.dumps({"isolated": sandbox_support().isolated, "outputs": [
    ["".join(o.get("text", "")).strip() or o.get("ename", "") for o in c.outputs] for c in notebook.cells]}))
"""


@pytest.fixture
def open_folder():
    """A folder an ordinary account can reach (pytest's own is closed to every account but root's)."""
    import shutil

    folder = Path(tempfile.mkdtemp(prefix="ensak-konto-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_does_the_sandbox_hold_for_an_ordinary_account(open_folder, listener):
    """Sync as a dedicated account (docs/security.md): the sandbox is then a user namespace of its own.
    As root (CI), the test drops to an ordinary user id to try it; otherwise it runs as itself."""
    import json
    import sys

    uid = 1000 if os.geteuid() == 0 else os.geteuid()
    tmp_path = open_folder
    course = tmp_path / "kurs"
    folder = course / "autograded" / "anna" / "t"
    folder.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("", encoding="utf-8")
    (course / "roster.csv").write_text(ROSTER_CANARY, encoding="utf-8")
    (folder / "svar.json").write_text('{"answers": {}}', encoding="utf-8")
    (folder / "svar.json").chmod(0o600)
    script = tmp_path / "kor.py"
    script.write_text(ORDINARY_ACCOUNT_SCRIPT, encoding="utf-8")
    for path in [tmp_path, *tmp_path.rglob("*")]:
        os.chown(path, uid, uid)
    tmp_path.chmod(0o755)
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"] if os.geteuid() == 0 else []
    # The account's own Python: a checkout in a folder closed to others cannot lend it this one.
    python = python_for_other_accounts() if os.geteuid() == 0 else Path(sys.executable)
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    done = subprocess.run([*drop, str(python), str(script), str(folder), str(listener.port)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["isolated"]
    uid_seen, answers, roster, network, fork, count = result["outputs"]
    assert uid_seen == [str(uid)] and answers == ['{"answers": {}}'], "its own submission, as its own user"
    assert roster == ["FileNotFoundError"] and network in (["ConnectionRefusedError"], ["OSError"])
    assert fork == ["BlockingIOError"] and int(count[0]) < Limits().processes
    assert listener.connections == []
