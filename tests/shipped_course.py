"""The shipped course as a coordinator gets it, for tests that drive `ensak` exactly as README.md and
docs/coordinator.md tell her to (no test configuration anywhere).

- `shipped_course(target)`: a copy of the repository's tracked files, which is what a fresh clone holds:
  the course directory has the repository's own nbgrader_config.py and course.toml.
- `Coordinator(course, home)`: runs the `ensak` executable by its full path, with the virtual environment
  NOT on PATH (as cron lines and service files run it), in the course directory and with a HOME of its
  own. `.run("roster", "import", "personal.csv")` returns a `Result` (code, out, err; `.text` is both).
- `snapshot(folder)` and `changes(before, after)`: to assert that a refused command wrote nothing.
- `files_mentioning(folder, words, shipped=snapshot)` and `rows_mentioning(sqlite_file, words)`: where a
  person is still named (inside .xlsx too; files unchanged since `shipped` are the repository's own).
- `staff_csv(path, people)`: a staff list as HR's system exports it (semicolons, Windows-1252 by default).
- `Learners(course, homes)`: learners fetch, answer through the widgets and submit with nbgrader's Python
  API (as the demo does; an `nbgrader` command costs four seconds), each with a submission cache of their own.

Use one course per test module where possible (a module-scoped fixture), e.g.

    @pytest.fixture(scope="module")
    def coordinator(tmp_path_factory):
        root = tmp_path_factory.mktemp("manad")
        return Coordinator(shipped_course(root / "kurs"), root / "hem")
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The entry point pyproject.toml installs into the virtual environment the tests run in.
ENSAK = Path(sys.executable).parent / "ensak"
# What cron gives a job: the system's folders only.
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
# An ordinary course as the people in these tests see it: the shipped course.toml's dates.
COURSE_ID = "ensak"
FIRST_TASK = "00-valkommen"

PEOPLE = [
    {"first_name": "Marta", "last_name": "Håkansson", "email": "marta.hakansson@vaxjo.example",
     "unit": "Stadsbiblioteket", "role": "Bibliotekarie"},
    {"first_name": "Per", "last_name": "Åberg", "email": "per.aberg@vaxjo.example",
     "unit": "Stadsbiblioteket", "role": "Bibliotekschef"},
    {"first_name": "Björn", "last_name": "Ek", "email": "bjorn.ek@vaxjo.example",
     "unit": "Filial Öst", "role": "Biblioteksassistent"},
    {"first_name": "Anna Maria", "last_name": "von Platen", "email": "annamaria.vonplaten@vaxjo.example",
     "unit": "Filial Öst", "role": "Bibliotekarie"},
]


def learner_id(person: dict) -> str:
    """The id `ensak roster import` gives a person (ensak.course.roster.derive_id)."""
    from ensak.course.roster import derive_id

    return derive_id(person["first_name"], person["last_name"])


def shipped_course(target: Path) -> Path:
    """A copy of the repository's tracked files at `target` (a fresh clone, without .git)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    target.mkdir(parents=True, exist_ok=True)
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file():  # a file deleted in the working tree but not yet in git is not in a clone either
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target.resolve()


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class Coordinator:
    """Runs `ensak` as the coordinator does: by full path, venv not on PATH, in the course directory."""

    def __init__(self, course: Path, home: Path, **env: str):
        self.course = Path(course)
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.env = {"HOME": str(self.home), "PATH": SYSTEM_PATH, "LANG": "C.UTF-8", "USER": os.environ.get(
            "USER", "root"), "COLUMNS": "200", **({"TZ": os.environ["TZ"]} if "TZ" in os.environ else {}), **env}

    def run(self, *args: str, input: str | None = None, cwd: Path | None = None, timeout: float = 600,
            **env: str) -> Result:
        """`ensak ARGS` in the course directory (or `cwd`); `env` adds variables for this run only."""
        done = subprocess.run([str(ENSAK), *args], cwd=cwd or self.course, env={**self.env, **env}, input=input,
                              capture_output=True, text=True, timeout=timeout)
        return Result(done.returncode, done.stdout, done.stderr)

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        """`ensak ARGS` in the background (e.g. a sync that another command must wait for)."""
        return subprocess.Popen([str(ENSAK), *args], cwd=self.course, env={**self.env, **env},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def snapshot(folder: Path) -> dict[str, str]:
    """{relative path: content digest} of every file under `folder` (links as their target's name)."""
    found = {}
    for path in sorted(Path(folder).rglob("*")):
        relative = str(path.relative_to(folder))
        if path.is_symlink():
            found[relative] = "-> " + os.readlink(path)
        elif path.is_file():
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Files added, removed or changed between two snapshots, sorted."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def file_texts(path: Path) -> list[str]:
    """What a file says, looking inside zip containers (an .xlsx is one) as a reader of it would."""
    import io
    import zipfile

    data = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [archive.read(name).decode("utf-8", errors="ignore") for name in archive.namelist()]
    return [data.decode("utf-8", errors="ignore"), data.decode("latin-1")]


def spellings(person: dict) -> list[str]:
    """The person's id, names and address, also as JSON and quoted-printable mail headers write å, ä, ö."""
    import quopri

    plain = [text for text in (person.get("id"), person["first_name"], person["last_name"], person["email"]) if text]
    escaped = [text.encode("ascii", "backslashreplace").decode().replace("\\x", "\\u00") for text in plain]
    quoted = [quopri.encodestring(text.encode("utf-8")).decode() for text in plain]
    return list(dict.fromkeys(plain + escaped + quoted))


def files_mentioning(folder: Path, words: list[str], shipped: dict[str, str] | None = None) -> dict[str, list[str]]:
    """{file: words found} under `folder`, skipping files that are as `shipped` (a snapshot) had them."""
    found = {}
    now = snapshot(folder)
    for name, digest in now.items():
        path = Path(folder) / name
        if (shipped is not None and shipped.get(name) == digest) or path.is_symlink():
            continue
        texts = file_texts(path)
        hits = [word for word in words if any(word in text for text in texts)]
        if hits:
            found[name] = hits
    return found


def rows_mentioning(database: Path, words: list[str]) -> list[tuple[str, str]]:
    """(table, row) of every row of an SQLite file in which any text column contains one of `words`."""
    import sqlite3
    from contextlib import closing

    found = []
    with closing(sqlite3.connect(database)) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                text = " ".join(str(value) for value in row if isinstance(value, (str, bytes)))
                if any(word in text for word in words):
                    found.append((table, repr(row)))
    return found


def staff_csv(path: Path, people: list[dict], *, encoding: str = "cp1252", delimiter: str = ";",
              header: tuple[str, ...] = ("Förnamn", "Efternamn", "E-post", "Bibliotek", "Roll"),
              fields: tuple[str, ...] = ("first_name", "last_name", "email", "unit", "role")) -> Path:
    """A staff list as HR exports it: one row per person with `fields`, under the headings `header`."""
    lines = [delimiter.join(header)] + [delimiter.join(str(p.get(f, "")) for f in fields) for p in people]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


class Learners:
    """Colleagues who fetch, answer and submit through nbgrader's exchange (its Python API, in this process)."""

    def __init__(self, course: Path, homes: Path):
        from ensak.nbgrader.api import load_config

        self.course = Path(course)
        self.homes = Path(homes)
        self.config = load_config(self.course)
        # nbgrader's default cache is in the home folder of whoever runs it: never the tester's own.
        self.config.Exchange.cache = str(self.homes / ".nbgrader_cache")

    def hand_in(self, learner: str, task: str = FIRST_TASK, when: dt.datetime | None = None,
                reflection: str = "Jag lärde mig att ta en sak i taget.") -> Path:
        """Fetch the task, answer every widget, write the reflection and submit at `when` (default now)."""
        import nbformat

        from ensak.demo import SimulatedLearner, answer_widgets, fetch_task, submit_task
        from ensak.nbgrader.api import course_settings

        course_id = course_settings(self.config).course_id
        home = self.homes / learner
        home.mkdir(parents=True, exist_ok=True)
        folder = home / task if (home / task).is_dir() else fetch_task(self.config, course_id, task, learner, home)
        path = folder / f"{task}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        person = SimulatedLearner(learner, "Test", "Person", "Enheten", "bibliotekarie", 1, 0.9, 1.0)
        previous = os.environ.get("JUPYTERHUB_USER")
        os.environ["JUPYTERHUB_USER"] = learner  # as in the learner's kernel on the hub
        try:
            answer_widgets(folder, notebook, person, random.Random(learner))
        finally:
            if previous is None:
                os.environ.pop("JUPYTERHUB_USER", None)
            else:
                os.environ["JUPYTERHUB_USER"] = previous
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
                cell.source = reflection
        nbformat.write(notebook, path)
        submit_task(self.config, course_id, task, learner, home, when or dt.datetime.now(dt.timezone.utc))
        return folder
