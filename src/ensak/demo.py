"""The demo: a whole simulated course cycle on one machine, through nbgrader's real exchange.

A coordinator releases every task, a cohort of simulated library staff fetches, answers through the
same widgets learners click, writes reflections and submits at their own pace; the coordinator then
collects, autogrades and writes a progress report.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from contextlib import chdir
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
import pandas as pd
from traitlets.config import Config

from ensak.analytics.report import write_report
from ensak.course.instance import create_instance
from ensak.course.plan import Course, load_course
from ensak.course.roster import derive_id, write_roster
from ensak.learner.base import REGISTRY
from ensak.nbgrader.api import load_config
from ensak.nbgrader.release import generate_release, release_tasks
from ensak.outreach.blog import post_id
from ensak.outreach.certificates import write_certificates
from ensak.sync import SyncSummary, sync

DEMO_MARKER = ".ensak-demo"

FIRST_NAMES = ["Åsa", "Märta", "Jöns", "Linnéa", "Per-Olof", "Ann-Britt", "Göran", "Sofia", "Mohammed", "Elin",
               "Karin", "Björn", "Fatima", "Ingrid", "Mikael", "Kerstin", "Oskar", "Anneli", "Jonas", "Maja"]
LAST_NAMES = ["Öberg", "Ek-Lindqvist", "Ågren", "Håkansson", "Sjöström", "Åkesson", "Bäckström", "Nyström",
              "Al-Hassan", "Strömberg", "Lindén", "Nordqvist", "Öztürk", "Dahlén", "Söderlund", "Hägg",
              "Ljungqvist", "Östlund", "Wikström", "Fägerskiöld"]
UNITS = ["Stadsbiblioteket", "Filialen i Åby"]
BLOCKED_AT_BRANCH = ["Facebook", "Instagram"]
ROLES = ["bibliotekarie", "biblioteksassistent", "barnbibliotekarie", "bibliotekarie", "biblioteksassistent"]

REFLECTION_OPENERS = [
    "Det här var nytt för mig.", "Jag hade provat lite förut, men nu förstår jag mer.",
    "Den här uppgiften tog längre tid än jag trodde.", "Roligt och lärorikt!",
    "Jag var skeptisk först, men ändrade mig under övningen.",
]
REFLECTION_ENDINGS = [
    "Nästa steg är att prata med kollegorna om hur vi kan använda det här på biblioteket.",
    "Jag vill gärna prova mer när jag har tid, kanske tillsammans med en kollega.",
    "Det svåraste var att veta vad som är privat och vad som hör till jobbet.",
    "Jag tror att våra låntagare skulle uppskatta om vi fanns där.",
]
EVALUATION_TEXTS = {
    "utvardering-bra": ["Att få ta en sak i taget och ha tid avsatt för det.", "Övningarna i riktiga tjänster.",
                        "Att läsa kollegornas blogginlägg.", "Tydliga instruktioner och snabba svar från kursledaren."],
    "utvardering-annorlunda": ["Mer tid mellan uppgifterna.", "Fler gemensamma träffar.",
                               "Kortare texter i vissa uppgifter.", "Mer hjälp med det tekniska i början."],
    "utvardering-viktigast": ["Att jag vågar svara på kommentarer.", "Hur Creative Commons fungerar.",
                              "Att sociala medier hör till bibliotekets uppdrag.", "Att söka smartare."],
}

BLOG_COMMENTS = ["Så bra skrivet, jag känner igen mig!", "Tack för tipset, det ska jag prova i veckan.",
                 "Håller med. Hur gör ni med det på filialen?", "Intressant! Kan vi ta upp det på nästa APT?",
                 "Jag tänkte likadant först, men övningen fick mig att ändra mig."]
COORDINATOR_COMMENTS = ["Tack för ett ärligt inlägg! Ta gärna med frågan till nästa arbetsplatsträff.",
                        "Fint att du provade på riktigt. Vill du visa kollegorna hur du gjorde?",
                        "Bra reflektion. Titta gärna på kollegornas inlägg om samma uppgift också."]


@dataclass
class SimulatedLearner:
    id: str
    first_name: str
    last_name: str
    unit: str
    role: str
    tasks_to_do: int
    skill: float
    delay_days: float
    state: dict = field(default_factory=dict)

    @property
    def email(self) -> str:
        return f"{self.id}@bibliotek.example"


def make_cohort(size: int, n_tasks: int, rng: random.Random) -> list[SimulatedLearner]:
    """A mixed cohort: most keep up, some stop part-way, a few never start; a manager or two."""
    learners = []
    for i in range(size):
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[(i * 7 + i // len(LAST_NAMES)) % len(LAST_NAMES)]
        learner_id = derive_id(first, last) + (str(i // len(FIRST_NAMES)) if i >= len(FIRST_NAMES) else "")
        role = "chef" if i in (3, 12) else ROLES[i % len(ROLES)]
        profile = rng.random()
        if i in (5, 17):                       # never started
            tasks_to_do = 0
        elif i == 9:                           # did the kickoff only
            tasks_to_do = 1
        elif profile < 0.55:
            tasks_to_do = n_tasks
        else:
            tasks_to_do = rng.randint(1, max(1, n_tasks - 1))
        learners.append(SimulatedLearner(
            id=learner_id, first_name=first, last_name=last, unit=UNITS[i % 2], role=role,
            tasks_to_do=tasks_to_do, skill=rng.uniform(0.6, 0.97), delay_days=rng.uniform(0.5, 9.0),
        ))
    return learners


def roster_frame(cohort: list[SimulatedLearner]) -> pd.DataFrame:
    return pd.DataFrame([{"id": p.id, "first_name": p.first_name, "last_name": p.last_name, "email": p.email,
                          "unit": p.unit, "role": p.role} for p in cohort])


def _submit_class(when: dt.datetime):
    """nbgrader's own submit, stamped with the simulated clock instead of the wall clock."""
    from nbgrader.exchange.default import ExchangeSubmit

    class SimulatedClockSubmit(ExchangeSubmit):
        def set_timestamp(self):
            self.timestamp = when.strftime(self.timestamp_format)

    return SimulatedClockSubmit


def _exchange_step(step_class, config: Config, course_id: str, task_id: str, learner_id: str, home: Path):
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    coursedir.course_id = course_id
    coursedir.assignment_id = task_id
    coursedir.student_id = learner_id
    step = step_class(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)
    step.assignment_dir = str(home)
    return step.start()


def fetch_task(config: Config, course_id: str, task_id: str, learner_id: str, home: Path) -> Path:
    """nbgrader fetch_assignment into the learner's home folder."""
    from nbgrader.exchange.default import ExchangeFetchAssignment

    _exchange_step(ExchangeFetchAssignment, config, course_id, task_id, learner_id, home)
    return home / task_id


def submit_task(config: Config, course_id: str, task_id: str, learner_id: str, home: Path, when: dt.datetime) -> None:
    """nbgrader submit --student=ID, as one OS user acting for many learners."""
    _exchange_step(_submit_class(when), config, course_id, task_id, learner_id, home)


def run_widget_cells(task_folder: Path, notebook: nbformat.NotebookNode) -> dict:
    """Run the task's locked widget cells with the task folder as working folder, as the kernel does.

    Returns the widgets they created, by key; they read and save the folder's answers file.
    """
    REGISTRY.clear()
    with chdir(task_folder):
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("locked") and not meta.get("grade"):
                exec(compile(cell.source, f"<{meta.get('grade_id', 'cell')}>", "exec"), {"__name__": "__main__"})
    return dict(REGISTRY)


def answer_widgets(task_folder: Path, notebook: nbformat.NotebookNode, learner: SimulatedLearner,
                   rng: random.Random) -> int:
    """Answer through the widgets themselves, which save exactly as they do for a person clicking."""
    learner.state.setdefault("texts", EVALUATION_TEXTS)
    learner.state["skill"] = learner.skill
    # The branch library's network stops two platforms, as many municipal networks do (task 0's check).
    learner.state["blocked"] = BLOCKED_AT_BRANCH if learner.unit == UNITS[1] else []
    widgets = run_widget_cells(task_folder, notebook)
    with chdir(task_folder):
        for widget in widgets.values():
            widget.simulate(rng, learner.state)
    return len(widgets)


def write_reflection(notebook: nbformat.NotebookNode, task_title: str, rng: random.Random) -> None:
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
            cell.source = (f"{rng.choice(REFLECTION_OPENERS)} I uppgiften {task_title.lower()} fick jag "
                           f"prova på riktigt i stället för att bara läsa om det. {rng.choice(REFLECTION_ENDINGS)}")


def simulate_learner(learner: SimulatedLearner, course: Course, config: Config, homes: Path,
                     rng: random.Random) -> list[str]:
    """Fetch, answer and submit the learner's share of the tasks; return the task ids submitted."""
    home = homes / learner.id
    home.mkdir(parents=True, exist_ok=True)
    done = []
    for task in course.tasks[: learner.tasks_to_do]:
        folder = fetch_task(config, course.id, task.id, learner.id, home)
        nb_path = folder / task.notebook
        notebook = nbformat.read(nb_path, as_version=4)
        answer_widgets(folder, notebook, learner, rng)
        write_reflection(notebook, task.title, rng)
        nbformat.write(notebook, nb_path)
        days = learner.delay_days * rng.uniform(0.5, 1.6)
        when = dt.datetime.combine(task.release, dt.time(8), tzinfo=dt.timezone.utc) + dt.timedelta(days=days)
        submit_task(config, course.id, task.id, learner.id, home, when)
        done.append(task.id)
    return done


def simulate_course_blog(course_dir: Path, course: Course, config: Config, cohort: list[SimulatedLearner],
                         homes: Path, rng: random.Random):
    """The coordinator comments on some shared reflections in the gradebook (as formgrader does); some
    colleagues fetch the course blog, answer posts and hand it in; the blog is then compiled again."""
    from nbgrader.api import Gradebook, MissingEntry

    from ensak.outreach.blog import BLOG_ID, read_posts, update_blog

    if not (course_dir / "release" / BLOG_ID).is_dir():
        return None
    posts, _ = read_posts(course_dir, course)
    with Gradebook(config.CourseDirectory.db_url, course.id) as gradebook:
        for post in [p for p in posts if p.share][::3]:
            try:
                found = gradebook.find_comment("reflektion", post.task, post.task, post.learner)
            except MissingEntry:   # a submission the autograder could not grade has nothing to comment on yet
                continue
            found.manual_comment = rng.choice(COORDINATOR_COMMENTS)
        gradebook.db.commit()
    when = dt.datetime.combine(course.closes, dt.time(9), tzinfo=dt.timezone.utc)
    for person in [p for p in cohort if p.tasks_to_do > 0][::2]:
        home = homes / person.id
        folder = fetch_task(config, course.id, BLOG_ID, person.id, home)
        for path in sorted(folder.glob("[0-9]*.ipynb")):
            for key, widget in run_widget_cells(folder, nbformat.read(path, as_version=4)).items():
                own = key.endswith(post_id(path.stem, person.id))
                if not own and rng.random() < 0.5:
                    with chdir(folder):
                        widget.simulate(rng, {"blog_comments": BLOG_COMMENTS, "now": when.isoformat()})
        submit_task(config, course.id, BLOG_ID, person.id, home, when)
    return update_blog(course_dir, config=config)


def prepare_output(output: Path) -> Path:
    """A fresh folder for the demo; an earlier demo's folder is replaced, anything else is refused."""
    output = output.resolve()
    if output.exists() and any(output.iterdir()):
        if not (output / DEMO_MARKER).exists():
            raise FileExistsError(f"{output} exists and is not an ensak demo folder; choose another --output.")
        shutil.rmtree(output)
    output.mkdir(parents=True)
    (output / DEMO_MARKER).write_text("This folder was made by `ensak demo` and is replaced by the next run.\n")
    return output


def demo_config(course_dir: Path) -> Config:
    config = load_config(course_dir)
    # Learners' fetch/submit cache lives in the demo folder, not in the real home directory.
    config.Exchange.cache = str(course_dir / "cache")
    config.ExchangeCollect.check_owner = False
    return config


def run_demo(output: Path | str, *, learners: int = 20, seed: int = 2010,
             on_step: Callable[[str, int, int], None] | None = None) -> dict:
    """Run the whole cycle in `output`; return paths and counts (the report's path under "report")."""
    from nbgrader.api import Gradebook

    rng = random.Random(seed)
    step = on_step or (lambda label, done, total: None)
    course_dir = create_instance(prepare_output(Path(output)) / "kurs")
    course = load_course(course_dir)
    config = demo_config(course_dir)

    step("Skapar uppgifterna i kursens rättningsbok", 0, 1)
    generate_release(course_dir)
    step("Skapar uppgifterna i kursens rättningsbok", 1, 1)
    cohort = make_cohort(learners, len(course.tasks), rng)
    write_roster(course_dir, roster_frame(cohort))
    with Gradebook(config.CourseDirectory.db_url, course.id) as gradebook:
        for person in cohort:
            gradebook.update_or_create_student(person.id, first_name=person.first_name,
                                               last_name=person.last_name, email=person.email)

    step("Släpper uppgifterna", 0, 1)
    release_tasks(course_dir, course.task_ids, config=config).released_or_raise()
    step("Släpper uppgifterna", 1, 1)

    homes = course_dir.parent / "deltagare"
    submissions = 0
    for i, person in enumerate(cohort):
        step("Deltagarna hämtar, svarar och lämnar in", i, len(cohort))
        submissions += len(simulate_learner(person, course, config, homes, rng))
    step("Deltagarna hämtar, svarar och lämnar in", len(cohort), len(cohort))

    graded: list = []

    def graded_one(label: str) -> None:
        graded.append(label)
        step("Samlar in och rättar", len(graded), submissions)

    summary: SyncSummary = sync(course_dir, config=config, on_progress=graded_one)

    step("Kollegorna läser och kommenterar i kursbloggen", 0, 1)
    blog = simulate_course_blog(course_dir, course, config, cohort, homes, rng)
    step("Kollegorna läser och kommenterar i kursbloggen", 1, 1)

    step("Skriver lägesrapporten", 0, 1)
    # The simulated course has run its course: the report looks at it on its closing day.
    report = write_report(course_dir, course_dir.parent / "rapport", today=course.closes)
    step("Skriver lägesrapporten", 1, 1)
    step("Skriver kursintyg", 0, 1)
    certificates = write_certificates(course_dir, course_dir.parent / "intyg", today=course.closes)
    step("Skriver kursintyg", 1, 1)
    return {"course_dir": course_dir, "learners": len(cohort), "submissions": submissions,
            "graded": len(summary.graded), "problems": summary.problems, "today": course.closes,
            "report": report["html"], "workbook": report["xlsx"], "blog": blog.index if blog else None,
            "certificates": certificates}
