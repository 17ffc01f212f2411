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
from ensak.learner.sharing import SHARING_KEY
from ensak.nbgrader.api import load_config
from ensak.nbgrader.release import generate_release, record_release, release_tasks
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
BLOG_QUESTIONS = [
    ("Hur lägger man in en bild i ett inlägg?", "Jag har försökt dra in bilden, men den hamnar utanför texten. "
     "Hur har ni gjort?"),
    ("Får vi använda bilder från bibliotekets egna evenemang?", "Tänker på barnen på sagostunden. Måste "
     "föräldrarna godkänna först?"),
    ("Vilket lösenord använder ni för testkontona?", "Ska man ha ett eget konto för kursen eller använda "
     "bibliotekets gemensamma?"),
    ("Hinner någon mer än en uppgift i veckan?", "Jag ligger lite efter och undrar hur ni lägger upp tiden."),
]
BLOG_TIPS = [
    ("Lyssna på poddar i lunchpromenaden", "Jag tar en uppgift i taget och lyssnar på en biblioteksrelaterad podd "
     "medan jag går. Rekommenderas!"),
    ("Kortkommandon sparar tid", "Ctrl+S sparar anteckningsboken, och Tab hoppar mellan rutorna i övningarna."),
    ("Boka tid i kalendern", "Jag har lagt in en halvtimme varje torsdag för kursen. Då blir det av."),
]
BLOG_REPLIES = ["Tack, det hjälpte!", "Precis så gjorde jag också.", "Bra poäng, det hade jag inte tänkt på."]
COORDINATOR_ANSWER = "Bra fråga! Jag tar upp den på nästa arbetsplatsträff, och svarar här under tiden."
# The demo's coordinator: marked as such in the blog ([blog] coordinators in the demo course's course.toml).
DEMO_COORDINATOR = "kursledaren"


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
                     rng: random.Random, blog=None) -> list[str]:
    """Fetch, answer and submit the learner's share of the tasks; return the task ids submitted.

    With `blog` (a BlogClient on the demo's Kursbloggen), a reflection the learner chose to share is sent
    through the sharing widget's button, as they hand the task in.
    """
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
        sharing = REGISTRY.get(SHARING_KEY)
        if blog is not None and sharing is not None and any(sharing.choice.values()):
            with chdir(folder):
                sharing.send_to_blog(client=blog.as_learner(learner.id), at=when)
        done.append(task.id)
    return done


def simulate_course_blog(course: Course, config: Config, cohort: list[SimulatedLearner], blog,
                         rng: random.Random) -> dict[str, int]:
    """The coordinator comments on a third of the shared reflections in the gradebook (as formgrader does);
    colleagues ask, give tips, comment and answer through Kursbloggen's API, each at a time within the course."""
    from nbgrader.api import Gradebook, MissingEntry

    everyone = blog.as_learner(DEMO_COORDINATOR)
    posts = [post for page in range(1, 1 + everyone.posts()["pages"]) for post in everyone.posts(page=page)["posts"]]
    with Gradebook(config.CourseDirectory.db_url, course.id) as gradebook:
        for post in [p for p in posts if p["kind"] == "reflektion"][::3]:
            try:
                found = gradebook.find_comment("reflektion", post["task"], post["task"], post["author"])
            except MissingEntry:   # a submission the autograder could not grade has nothing to comment on yet
                continue
            found.manual_comment = rng.choice(COORDINATOR_COMMENTS)
        gradebook.db.commit()
    active = [person for person in cohort if person.tasks_to_do > 0]
    for number, person in enumerate(active[::2]):
        # Every other colleague asks, the others give a tip.
        kind, examples = ("fraga", BLOG_QUESTIONS) if number % 2 == 0 else ("tips", BLOG_TIPS)
        title, text = examples[(number // 2) % len(examples)]
        task = course.tasks[rng.randrange(person.tasks_to_do)]
        when = dt.datetime.combine(task.release, dt.time(10), tzinfo=dt.timezone.utc) + dt.timedelta(days=rng.random() * 5)
        blog.as_learner(person.id).write_post(kind, title, text, task=task.id if rng.random() < 0.5 else None, at=when)
    posts = [post for page in range(1, 1 + everyone.posts()["pages"]) for post in everyone.posts(page=page)["posts"]]
    comments = 0
    for post in posts:
        written = dt.datetime.fromisoformat(post["created"])
        if post["kind"] == "fraga":
            everyone.comment(post["id"], COORDINATOR_ANSWER, at=written + dt.timedelta(hours=3))
            comments += 1
        for hours, person in enumerate([p for p in active if p.id != post["author"] and rng.random() < 0.3], 1):
            colleague = blog.as_learner(person.id)
            said = colleague.comment(post["id"], rng.choice(BLOG_COMMENTS), at=written + dt.timedelta(hours=4 * hours))
            comments += 1
            if rng.random() < 0.4:
                blog.as_learner(post["author"]).comment(post["id"], rng.choice(BLOG_REPLIES), parent=said,
                                                        at=written + dt.timedelta(hours=4 * hours + 2))
                comments += 1
    return {"posts": len(posts), "comments": comments}


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
    """Run the whole cycle in `output`; return paths and counts (the report's path under "report").

    Kursbloggen runs on loopback inside the demo, on the simulated clock; `ensak blog serve -C <kurs>`
    shows it afterwards.
    """
    from nbgrader.api import Gradebook

    from ensak.learner.blog_client import BlogClient
    from ensak.outreach.kursbloggen.local import BackgroundBlog
    from ensak.outreach.kursbloggen.settings import load_settings

    rng = random.Random(seed)
    step = on_step or (lambda label, done, total: None)
    course_dir = create_instance(prepare_output(Path(output)) / "kurs")
    with open(course_dir / "course.toml", "a", encoding="utf-8") as plan:
        plan.write(f'\n[blog]\ncoordinators = ["{DEMO_COORDINATOR}"]\n')
    course = load_course(course_dir)
    config = demo_config(course_dir)

    step("Skapar uppgifterna i kursens rättningsbok", 0, 1)
    generate_release(course_dir)
    step("Skapar uppgifterna i kursens rättningsbok", 1, 1)
    cohort = make_cohort(learners, len(course.tasks), rng)
    write_roster(course_dir, roster_frame(cohort), today=course.start)  # the cohort joined as the course began
    with Gradebook(config.CourseDirectory.db_url, course.id) as gradebook:
        for person in cohort:
            gradebook.update_or_create_student(person.id, first_name=person.first_name,
                                               last_name=person.last_name, email=person.email)

    step("Släpper uppgifterna", 0, 1)
    # The simulated course releases each task on its planned day; the first record of a release is kept.
    for task in course.tasks:
        record_release(course_dir, task.id, task.release)
    release_tasks(course_dir, course.task_ids, config=config).released_or_raise()
    step("Släpper uppgifterna", 1, 1)

    homes = course_dir.parent / "deltagare"
    submissions = 0
    graded: list = []

    def graded_one(label: str) -> None:
        graded.append(label)
        step("Samlar in och rättar", len(graded), submissions)

    closing = dt.datetime.combine(course.closes, dt.time(9), tzinfo=dt.timezone.utc)
    # Posts and comments carry their own simulated times ("at"); the blog's own clock is the closing day.
    with BackgroundBlog(load_settings(course_dir), clock=lambda: closing, client_clock=True) as local:
        blog = BlogClient(local.url, local.token)
        for i, person in enumerate(cohort):
            step("Deltagarna hämtar, svarar och lämnar in", i, len(cohort))
            submissions += len(simulate_learner(person, course, config, homes, rng, blog))
        step("Deltagarna hämtar, svarar och lämnar in", len(cohort), len(cohort))

        summary: SyncSummary = sync(course_dir, config=config, on_progress=graded_one)

        step("Kollegorna frågar, tipsar och kommenterar i kursbloggen", 0, 1)
        blog_counts = simulate_course_blog(course, config, cohort, blog, rng)
        step("Kollegorna frågar, tipsar och kommenterar i kursbloggen", 1, 1)

    step("Skriver lägesrapporten", 0, 1)
    # The simulated course has run its course: the report looks at it on its closing day.
    report = write_report(course_dir, course_dir.parent / "rapport", today=course.closes)
    step("Skriver lägesrapporten", 1, 1)
    step("Skriver kursintyg", 0, 1)
    certificates = write_certificates(course_dir, course_dir.parent / "intyg", today=course.closes)
    step("Skriver kursintyg", 1, 1)
    return {"course_dir": course_dir, "learners": len(cohort), "submissions": submissions,
            "graded": len(summary.graded), "problems": summary.problems, "today": course.closes,
            "report": report["html"], "workbook": report["xlsx"], "blog": blog_counts,
            "certificates": certificates}
