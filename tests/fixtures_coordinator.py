"""Fixtures for the coordinator's tests (roster, schedule, messages, sync).

Test modules import what they use: `from fixtures_coordinator import course_dir  # noqa: F401` (pytest puts tests/ on sys.path).
The course here is small and self-made, so these tests do not depend on the real tasks' content.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from ensak.course.instance import repo_root
from ensak.nbgrader.authoring import check, task_notebook, text, write_notebook

START = dt.date(2027, 1, 11)
TASKS = [("00-start", "Välkommen"), ("01-blogg", "Bloggar"), ("02-bild", "Bilder och licenser")]


def course_toml(tasks=TASKS, *, start: dt.date = START, pace: int = 14, extra: str = "", closes: dt.date | None = None,
                releases: dict[str, str] | None = None, url: str = "") -> str:
    """The text of a course.toml for `tasks` [(id, title)], optionally with explicit release dates and the
    address learners log in at (`url`)."""
    releases = releases or {}
    lines = ["[course]", 'id = "testkurs"', 'title = "En sak i taget"', 'organisation = "Stadsbiblioteket"',
             f"start = {start.isoformat()}", f"pace_days = {pace}"]
    if url:
        lines.append(f'url = "{url}"')
    if closes:
        lines.append(f"closes = {closes.isoformat()}")
    for task_id, title in tasks:
        lines += ["", "[[task]]", f'id = "{task_id}"', f'title = "{title}"']
        if task_id in releases:
            lines.append(f"release = {releases[task_id]}")
    return "\n".join(lines) + "\n" + extra


def simple_task_notebook(task_id: str):
    """A learner version small enough to release and grade fast: one text cell and one check."""
    return task_notebook([
        text(f"{task_id}-intro", f"# {task_id}\n\nDet här är en övningsuppgift."),
        check(f"{task_id}-check", "assert 1 + 1 == 2\nprint('✓ Rätt.')", points=1),
    ])


def make_course(root: Path, tasks=TASKS, *, with_release: bool = True, **toml_options) -> Path:
    """A course directory with course.toml, nbgrader_config.py and (optionally) release/<task>/."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "course.toml").write_text(course_toml(tasks, **toml_options), encoding="utf-8")
    shutil.copy2(repo_root() / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / "gradebook").mkdir(exist_ok=True)
    (root / "exchange").mkdir(exist_ok=True)
    if with_release:
        for task_id, _ in tasks:
            folder = root / "release" / task_id
            folder.mkdir(parents=True, exist_ok=True)
            write_notebook(simple_task_notebook(task_id), folder / f"{task_id}.ipynb")
    return root


@pytest.fixture(scope="session")
def empty_gradebook(tmp_path_factory) -> Path:
    """An empty gradebook made once: nbgrader creates one through alembic in about three seconds."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}", "testkurs"):
        pass
    return path


@pytest.fixture
def course_dir(tmp_path: Path, empty_gradebook: Path) -> Path:
    """A fresh small course directory with three tasks released every 14 days from 2027-01-11."""
    root = make_course(tmp_path / "kurs")
    shutil.copy2(empty_gradebook, root / "gradebook" / "gradebook.db")
    return root


def hand_in(root: Path, submissions: dict[str, list[tuple[str, dt.datetime]]], *, course_id: str = "testkurs") -> None:
    """Put submissions into the course's gradebook through nbgrader's own Gradebook API, each task worth one
    point, autograded in full: {learner: [(task id, when in UTC), …]}. Fast: no exchange, no kernel."""
    import warnings

    from nbgrader.api import Gradebook

    from ensak.nbgrader.api import silence_add_submission_warnings

    with warnings.catch_warnings():
        silence_add_submission_warnings()
        with Gradebook(f"sqlite:///{root / 'gradebook' / 'gradebook.db'}", course_id=course_id) as gb:
            for task_id in {task for entries in submissions.values() for task, _ in entries}:
                gb.update_or_create_assignment(task_id)
                try:
                    gb.find_notebook(task_id, task_id)
                except Exception:
                    gb.add_notebook(task_id, task_id)
                    gb.add_grade_cell("kontroll", task_id, task_id, max_score=1, cell_type="code")
            for learner, entries in submissions.items():
                gb.update_or_create_student(learner)
                for task_id, when in entries:
                    stamp = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
                    submission = gb.add_submission(task_id, learner, timestamp=stamp)
                    for grade in submission.notebooks[0].grades:
                        grade.auto_score, grade.needs_manual_grade = 1.0, False
                    gb.db.commit()


ROSTER_CSV = (
    "Förnamn;Efternamn;E-post;Bibliotek;Roll\n"
    "Åsa;Lindström-Öberg;asa.lindstrom-oberg@bibliotek.example;Stadsbiblioteket;Bibliotekarie\n"
    "Anna-Karin;Ek;anna-karin.ek@bibliotek.example;Filial Norr;Enhetschef\n"
    "Jörgen;Ärlig;jorgen.arlig@bibliotek.example;Filial Syd;Biblioteksassistent\n"
)


def write_text(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(content.encode(encoding))
    return path


# --- a real SMTP server on loopback (aiosmtpd) ----------------------------------------------------

MAIL_TOML = '\n[mail]\nfrom = "kurs@bibliotek.example"\nfrom_name = "Kursledningen på Stadsbiblioteket"\n'
HUB_URL = "https://jupyter.bibliotek.example"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """Keeps every message the server accepts; can refuse some recipients or drop the line mid-message."""

    def __init__(self):
        self.received: list = []
        self.refuse: set[str] = set()
        self.drop_after: int | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mottagaren finns inte"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        from email.policy import default

        if self.drop_after is not None and len(self.received) >= self.drop_after:
            # The line breaks after the client sent the message but before the server answered.
            server.transport.close()
            return "421 closing"
        self.received.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=default)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A plain SMTP server on 127.0.0.1 that records what it receives: yields (handler, port)."""
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made on the spot (no secrets in the repository)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_smtp_server(tmp_path):
    """An SMTP server that requires STARTTLS and a login (kursledare / rätt-lösen): yields (handler, port, ca)."""
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    cert, key = self_signed_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"kursledare" and auth_data.password == "rätt-lösen".encode()
        return AuthResult(success=ok, handled=False)

    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            auth_required=True, authenticator=authenticator)
    controller.start()
    try:
        yield handler, port, cert
    finally:
        controller.stop()


# --- a small generated course with real submissions, for sync ---------------------------------------

SYNC_TASKS = [("00-start", "Välkommen"), ("01-blogg", "Bloggar")]
SYNC_NOW = dt.datetime(2027, 1, 20, 9, 0, tzinfo=dt.timezone.utc)


def answer_cell(grade_id: str):
    """A code answer cell, as a course whose learners write code would have (this course's have none)."""
    from nbformat.v4 import new_code_cell

    return new_code_cell("### BEGIN SOLUTION\nsvar = 42\n### END SOLUTION", metadata={"nbgrader": {
        "grade": False, "solution": True, "locked": False, "grade_id": grade_id, "schema_version": 3, "task": False}})


def sync_source_notebook(task_id: str, with_reflection: bool):
    """Learners answer as in the real tasks: the answer is saved in svar.json (here by submit_answer, in
    the course by a widget), and the teacher's check reads it. Learners write no code."""
    from ensak.nbgrader.authoring import reflection

    read_answer = (f"from ensak.learner.answers import load_answers\nsvar = load_answers('.').get('{task_id}-svar')\n"
                   "assert svar == 42, 'Inte rätt ännu.'\nprint('✓ Rätt.')")
    cells = [text(f"{task_id}-intro", f"# {task_id}\n\nSvara med talet 42."),
             check(f"{task_id}-check", read_answer, points=1)]
    if with_reflection:
        cells.append(reflection(f"{task_id}-reflektion", "Jag lärde mig något nytt."))
    return task_notebook(cells)


@pytest.fixture(scope="session")
def sync_template(tmp_path_factory) -> Path:
    """Two tasks generated by nbgrader and released: 00-start is graded automatically only,
    01-blogg also has a reflection the coordinator grades by hand."""
    root = make_course(tmp_path_factory.mktemp("sync") / "kurs", SYNC_TASKS, with_release=False)
    return generate_and_release_sync_tasks(root)


def generate_and_release_sync_tasks(root: Path) -> Path:
    """Write the two sync tasks' sources into `root`, generate them with nbgrader into the course's
    gradebook (wherever it points) and release them."""
    from ensak.nbgrader.release import generate_release, release_tasks

    for number, (task_id, _) in enumerate(SYNC_TASKS):
        folder = root / "source" / task_id
        folder.mkdir(parents=True)
        write_notebook(sync_source_notebook(task_id, with_reflection=number == 1), folder / f"{task_id}.ipynb")
    generate_release(root)
    assert release_tasks(root, [t for t, _ in SYNC_TASKS]).released == [t for t, _ in SYNC_TASKS]
    return root


def submit_answer(course_dir: Path, task_id: str, learner: str, answer: int, when: dt.datetime = SYNC_NOW,
                  reflection: str | None = None) -> None:
    """Fetch `task_id` as `learner`, save `answer` in svar.json (and write a reflection), and submit through nbgrader."""
    import nbformat

    from ensak.demo import demo_config, fetch_task, submit_task
    from ensak.learner.answers import AnswerStore

    config = demo_config(course_dir)
    home = course_dir.parent / "hem" / learner
    home.mkdir(parents=True, exist_ok=True)
    if not (home / task_id).exists():
        fetch_task(config, config.CourseDirectory.course_id, task_id, learner, home)
    AnswerStore(home / task_id).save(f"{task_id}-svar", answer)
    path = home / task_id / f"{task_id}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == f"{task_id}-reflektion" and reflection:
            cell.source = reflection
    nbformat.write(notebook, path)
    submit_task(config, config.CourseDirectory.course_id, task_id, learner, home, when)


@pytest.fixture
def sync_course(sync_template: Path, tmp_path: Path) -> Path:
    """A copy of the generated two-task course for one test, with nothing submitted yet."""
    root = tmp_path / "kurs"
    shutil.copytree(sync_template, root)
    return root
