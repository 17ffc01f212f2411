"""Hostile code for the grading tests: what a curious learner might add to a notebook, or what a task
from elsewhere might hold. Each piece tries one thing grading must never allow, and leaves a trace
where the test can look if it ever runs with the coordinator's rights.

`plant_canaries` puts recognisable words where the code reaches for them (the answer key, the roster,
another learner's reflection, the environment); `leaks` then looks for those words in everything
grading wrote. `Listener` is a service on 127.0.0.1 that records who connects.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from fixtures_postgres import text_rows_mentioning

SECRET = "hemligt-lösen-4711"  # in the grader's environment as ENSAK_SMTP_PASSWORD
FACIT_CANARY = "kanariefagel-facit-9931"
ROSTER_CANARY = "kanariefagel@bibliotek.example"
REFLECTION_CANARY = "kanariefagel-reflektion-5520"
HACKED = "HACKAD"
CANARIES = (SECRET, FACIT_CANARY, ROSTER_CANARY, REFLECTION_CANARY)
GIB = 1024 ** 3


@dataclass(frozen=True)
class Targets:
    """What the hostile code aims at."""

    course_dir: Path
    task: str  # where the code runs (autograded/<learner>/<task>/)
    other_submission: Path  # another learner's notebook
    port: int  # the test's service on 127.0.0.1
    db_url: str  # the gradebook's URL, as a learner who guessed it would write it
    traces: Path  # outside the course: what ran leaves files here


def hostile_cells(t: Targets) -> dict[str, str]:
    """{what it tries: the code}, one cell each."""
    relative = "../../../"  # from autograded/<learner>/<task>/, where the kernel starts
    facit = t.course_dir / "source" / t.task / "facit.json"
    other = t.other_submission
    return {
        "facit": f"print(open({f'{relative}source/{t.task}/facit.json'!r}).read())\nprint(open({str(facit)!r}).read())",
        "roster": f"print(open('{relative}roster.csv').read())\nprint(open({str(t.course_dir / 'roster.csv')!r}).read())",
        "other learner": f"print(open({str(other)!r}).read())",
        "gradebook": (
            "import os, sqlite3\n"
            f"url = os.environ.get('ENSAK_DB_URL') or {t.db_url!r}\n"
            "if url.startswith('sqlite'):\n"
            "    db = sqlite3.connect(url.split('///', 1)[1].split('?')[0])\n"
            f"    db.execute(\"UPDATE student SET first_name = '{HACKED}'\")\n"
            "    db.commit()\n"
            "else:\n"
            "    import psycopg\n"
            "    with psycopg.connect(url.replace('+psycopg', ''), connect_timeout=5) as db:\n"
            f"        db.execute(\"UPDATE student SET first_name = '{HACKED}'\")\n"
            "print('gradebook changed')"),
        "environment": "import os\nprint(sorted(os.environ.items()))",
        "network": (f"import socket\nconnection = socket.create_connection(('127.0.0.1', {t.port}), timeout=5)\n"
                    "connection.sendall(b'hej')\nprint('connected')"),
        "fork": (
            "import os, time\n"
            "forked = 0\n"
            "try:\n"
            "    for _ in range(1000):\n"
            "        if os.fork() == 0:\n"
            "            try:\n"
            f"                open(os.path.join({str(t.traces)!r}, f'fork-{{os.getpid()}}'), 'w').close()\n"
            "                time.sleep(30)\n"
            "            finally:\n"
            "                os._exit(0)\n"
            "        forked += 1\n"
            "finally:\n"
            "    print('forked', forked)"),
        "big file": (
            "written = 0\n"
            f"for path in ['stor.bin', '/tmp/stor.bin', {str(t.traces / 'stor.bin')!r}]:\n"
            "    try:\n"
            "        with open(path, 'wb') as handle:\n"
            "            for _ in range(1024):\n"
            "                handle.write(b'x' * 1024 * 1024)\n"
            "    except OSError as error:\n"
            "        print(path, type(error).__name__, error)\n"
            "    else:\n"
            "        print(path, 'written')"),
        "memory": (f"block = bytearray(8 * {GIB})\n"
                   f"open({str(t.traces / 'allocated')!r}, 'w').write('8 GB')\nprint('allocated')"),
        "sleep": "import time\ntime.sleep(10 ** 9)",
    }


def plant_canaries(course_dir: Path, task: str) -> None:
    """Recognisable words in the answer key and the roster (the other learner writes their own)."""
    facit = course_dir / "source" / task / "facit.json"
    key = json.loads(facit.read_text(encoding="utf-8")) if facit.exists() else {"format": 1, "answers": {}}
    key["answers"]["kanariefagel"] = {"kind": "text", "value": FACIT_CANARY}
    facit.parent.mkdir(parents=True, exist_ok=True)
    facit.write_text(json.dumps(key, ensure_ascii=False), encoding="utf-8")
    with (course_dir / "roster.csv").open("a", encoding="utf-8") as roster:
        if roster.tell() == 0:
            roster.write("id,first_name,last_name,email,unit,role\n")
        roster.write(f"kanariefagel,Kanarie,Fågel,{ROSTER_CANARY},Enheten,bibliotekarie\n")


@contextmanager
def coordinator_environment(db_url: str):
    """The grader's environment as on a coordinator's machine: the database URL and a password."""
    saved = {name: os.environ.get(name) for name in ("ENSAK_DB_URL", "ENSAK_SMTP_PASSWORD")}
    os.environ.update({"ENSAK_DB_URL": db_url, "ENSAK_SMTP_PASSWORD": SECRET})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Listener:
    """A TCP service on 127.0.0.1 that records every connection it accepts."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.connections: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    self.connections.append(connection.recv(100))
                except OSError:
                    self.connections.append(b"")

    def close(self) -> None:
        self.server.close()


def files_written_by_grading(course_dir: Path) -> list[Path]:
    """Every graded notebook and feedback file of the course, and everything the exchange holds but
    submissions (the feedback it hands out, the released tasks)."""
    found = []
    for folder in ("autograded", "feedback", "exchange"):
        found += [p for p in (course_dir / folder).rglob("*") if p.is_file() and "inbound" not in p.parts]
    return found


def leaks(course_dir: Path, db_url: str, hostile_learners: list[str]) -> list[str]:
    """Where a canary turns up in what grading wrote or in the gradebook. The other learner's
    reflection belongs in their own graded notebook and feedback, so only the hostile learners'
    are searched for it."""
    found = []
    for path in files_written_by_grading(course_dir):
        text = path.read_bytes().decode("utf-8", errors="ignore")
        words = [SECRET, FACIT_CANARY, ROSTER_CANARY]
        if any(learner in path.parts for learner in hostile_learners):
            words.append(REFLECTION_CANARY)
        found += [f"{path.relative_to(course_dir)}: {word}" for word in words if word in text]
    # (Learners' shared reflections are the course blog's source, in the gradebook by design.)
    found += [f"gradebook: {hit}" for hit in text_rows_mentioning(db_url, [SECRET, FACIT_CANARY, ROSTER_CANARY])]
    return found


def learner_names(db_url: str) -> list[str]:
    """Every first name in the gradebook: hostile code that reached it would have changed them."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(sa.text("SELECT first_name FROM student"))]
    finally:
        engine.dispose()


def large_files(root: Path, at_least: int) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and p.stat().st_size >= at_least]
