"""The networked exchange: nbgrader's release, fetch, submit, collect and feedback over HTTP through ngshare.

On one machine the exchange is a folder every learner can write to (ensak.nbgrader.exchange). When learners'
servers run on many machines (Zero to JupyterHub on Kubernetes) there is no such disk, and ngshare, a
JupyterHub service that keeps nbgrader's exchange in a database, takes its place. Every request
carries a JupyterHub token, so ngshare knows who asks: a learner fetches only from courses they are
enrolled in and submits only in their own name, which is what the folder exchange has to check
after the fact.

nbgrader talks to ngshare through the ngshare_exchange package. The classes in ensak.nbgrader.ngshare_exchange are its
classes with what the course needs on top: a failed release, submission or download is reported as a failure
(ngshare_exchange only logs it and lets nbgrader report success), requests give up after a timeout
instead of hanging a learner's JupyterLab, a collected submission appears in submitted/ only when
whole, and every release enrols the course's roster, so the learners who may fetch are always those
in roster.csv.

Which exchange a course uses is configuration (`configure_exchange`, called by nbgrader_config.py):
ngshare when ENSAK_NGSHARE_URL is set or `ensak hub --exchange ngshare` has written the connection
file, else the folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import requests

from ensak.atomic_files import write_atomically

URL_VARIABLE = "ENSAK_NGSHARE_URL"
TOKEN_VARIABLE = "ENSAK_NGSHARE_TOKEN"
USER_VARIABLE = "ENSAK_NGSHARE_USER"
# Inside a JupyterHub server the hub puts the server's own token and user name here.
HUB_TOKEN_VARIABLE = "JUPYTERHUB_API_TOKEN"
HUB_USER_VARIABLE = "JUPYTERHUB_USER"
CONNECTION_FILE = Path("ngshare") / "hub.json"
REQUEST_TIMEOUT_S = 60.0


class NgshareError(RuntimeError):
    """ngshare refused or could not be reached. The message is Swedish and says what happened."""


@dataclass(frozen=True)
class Connection:
    """Where ngshare answers and whose token to show it (None: the hub server's own, from the environment)."""

    url: str
    token: str | None = None
    user: str | None = None

    def as_json(self) -> str:
        return json.dumps({"url": self.url, "token": self.token, "user": self.user}, indent=1)


def connection_file(course_dir: Path | str) -> Path:
    return Path(course_dir) / CONNECTION_FILE


def find_connection(course_dir: Path | str | None = None, environ: dict | None = None) -> Connection | None:
    """ngshare's connection for this process: ENSAK_NGSHARE_URL (with ENSAK_NGSHARE_TOKEN/_USER), else the
    file `ensak hub --exchange ngshare` keeps in the course directory; None means the folder exchange."""
    environ = os.environ if environ is None else environ
    if environ.get(URL_VARIABLE):
        return Connection(environ[URL_VARIABLE].rstrip("/"), environ.get(TOKEN_VARIABLE) or None,
                          environ.get(USER_VARIABLE) or None)
    if course_dir is not None and connection_file(course_dir).is_file():
        saved = json.loads(connection_file(course_dir).read_text(encoding="utf-8"))
        return Connection(saved["url"].rstrip("/"), saved.get("token"), saved.get("user"))
    return None


def write_connection(course_dir: Path | str, connection: Connection) -> Path:
    """Save the coordinator's connection in the course directory (readable by its owner only)."""
    path = connection_file(course_dir)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    write_atomically(path, connection.as_json(), mode=0o600)
    return path


def forget_connection(course_dir: Path | str) -> None:
    connection_file(course_dir).unlink(missing_ok=True)


NGSHARE_CLASSES = {
    "exchange": "ensak.nbgrader.ngshare_exchange.NgshareExchange",
    "fetch_assignment": "ensak.nbgrader.ngshare_exchange.NgshareFetchAssignment",
    "fetch_feedback": "ensak.nbgrader.ngshare_exchange.NgshareFetchFeedback",
    "release_assignment": "ensak.nbgrader.ngshare_exchange.NgshareReleaseAssignment",
    "release_feedback": "ensak.nbgrader.ngshare_exchange.NgshareReleaseFeedback",
    "list": "ensak.nbgrader.ngshare_exchange.NgshareList",
    "submit": "ensak.nbgrader.ngshare_exchange.NgshareSubmit",
    "collect": "ensak.nbgrader.ngshare_exchange.NgshareCollect",
}


def use_ngshare(c, connection: Connection) -> None:
    """Point nbgrader's exchange (the config `c`) at ngshare."""
    for step, name in NGSHARE_CLASSES.items():
        setattr(c.ExchangeFactory, step, name)
    c.NgshareExchange.url = connection.url
    if connection.token:
        c.NgshareExchange.token = connection.token
    if connection.user:
        c.NgshareExchange.user = connection.user


def configure_exchange(c, course_dir: Path | str | None) -> Connection | None:
    """Choose the exchange for nbgrader_config.py: ngshare if a connection is configured, else leave the folder."""
    connection = find_connection(course_dir)
    if connection is not None:
        use_ngshare(c, connection)
    return connection


def uses_ngshare(config) -> bool:
    """True when this nbgrader configuration sends the exchange through ngshare."""
    factory = config.ExchangeFactory if "ExchangeFactory" in config else {}
    return str(factory.get("collect", "")) == NGSHARE_CLASSES["collect"]


# --- talking to ngshare -----------------------------------------------------------------------


class Client:
    """ngshare's REST API as the coordinator uses it outside nbgrader: the course, its learners, what was handed in."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.token = connection.token or os.environ.get(HUB_TOKEN_VARIABLE)

    def request(self, method: str, path: str, *, allow: tuple[int, ...] = (), **kwargs) -> dict:
        headers = {"Authorization": f"token {self.token}"} if self.token else {}
        try:
            answer = requests.request(method, self.connection.url + path, headers=headers,
                                      timeout=REQUEST_TIMEOUT_S, **kwargs)
        except requests.RequestException as error:
            raise NgshareError(f"Kursens utbyte (ngshare på {self.connection.url}) svarar inte: {error}. "
                               "Är hubben igång?") from error
        try:
            body = answer.json()
        except ValueError:
            body = {"success": False, "message": answer.text[:200]}
        if answer.status_code in allow:
            return body
        if answer.status_code != 200 or not body.get("success"):
            raise NgshareError(f"Kursens utbyte (ngshare) svarade {answer.status_code} på {method} {path}: "
                               f"{body.get('message', '')}")
        return body

    def ensure_course(self, course_id: str, instructors: list[str]) -> bool:
        """Create the course with these instructors unless it exists; True if it was created now."""
        found = self.request("GET", f"/assignments/{course_id}", allow=(404,))
        if found.get("success"):
            return False
        self.request("POST", f"/course/{course_id}", data={"instructors": json.dumps(instructors)})
        return True

    def enrolled(self, course_id: str) -> set[str]:
        return {s["username"] for s in self.request("GET", f"/students/{course_id}")["students"]}

    def enrol(self, course_id: str, roster) -> tuple[list[str], list[str]]:
        """Make the course's students exactly the roster's learners (id, names, e-mail); return (added, removed)."""
        before = self.enrolled(course_id)
        wanted = [{"username": str(r["id"]), "first_name": str(r["first_name"]), "last_name": str(r["last_name"]),
                   "email": str(r["email"])} for _, r in roster.iterrows()]
        if wanted:
            status = self.request("POST", f"/students/{course_id}", data={"students": json.dumps(wanted)})["status"]
            refused = [s["username"] for s in status if not s["success"]]
            if refused:
                raise NgshareError(f"ngshare vägrade skriva in {', '.join(refused)} som deltagare i {course_id} "
                                   "(de är kursledare i kursen).")
        removed = sorted(before - {w["username"] for w in wanted})
        for learner in removed:
            # Someone who has left the roster may no longer fetch or submit; what they handed in stays.
            self.request("DELETE", f"/student/{course_id}/{learner}")
        return sorted({w["username"] for w in wanted} - before), removed

    def released(self, course_id: str) -> list[str]:
        return self.request("GET", f"/assignments/{course_id}")["assignments"]

    def newest_submissions(self, course_id: str, task_id: str) -> dict[str, str]:
        """{learner: timestamp of their newest submission of the task}, in ngshare's own spelling."""
        found = self.request("GET", f"/submissions/{course_id}/{task_id}", allow=(404,))
        newest: dict[str, str] = {}
        for entry in found.get("submissions", []):
            learner, stamp = entry["student_id"], entry["timestamp"]
            # ngshare writes timestamps with a fixed width, so text order is time order.
            if stamp > newest.get(learner, ""):
                newest[learner] = stamp
        return newest


def client_for(config) -> Client:
    """A Client with the connection an nbgrader configuration (use_ngshare) names."""
    settings = config.NgshareExchange
    return Client(Connection(str(settings.url), settings.get("token") or None, settings.get("user") or None))


def collectable(config, task_id: str) -> dict[str, tuple[str, str]]:
    """For sync: {learner: (name, timestamp)} of each learner's newest submission of the task in ngshare.

    The name (learner+task+timestamp, as in the folder exchange) goes into sync's journal; the timestamp
    is what timestamp.txt in submitted/ holds once it is collected.
    """
    course_id = config.CourseDirectory.course_id
    return {learner: (f"{learner}+{task_id}+{stamp}", stamp)
            for learner, stamp in client_for(config).newest_submissions(course_id, task_id).items()}


def coordinator_name(config) -> str | None:
    return config.NgshareExchange.get("user") or os.environ.get(HUB_USER_VARIABLE)


def enrol_roster(course_dir: Path | str, config, course_id: str | None = None) -> tuple[list[str], list[str]]:
    """Create the course in ngshare if needed and enrol exactly the active learners of roster.csv."""
    # Imported here: the learners' nbgrader commands load this module, and only the coordinator's
    # enrolment needs the roster (and pandas, a second of start-up for every learner's fetch and submit).
    from ensak.course.roster import load_roster

    course_id = course_id or config.CourseDirectory.course_id
    roster = load_roster(course_dir)
    if roster.empty:
        # An empty or missing roster.csv is a mistake, not a reason to turn every learner away.
        raise NgshareError(f"Deltagarlistan {Path(course_dir) / 'roster.csv'} är tom eller saknas, så ingen "
                           f"skrevs in i eller ut ur kursen {course_id} i utbytet.")
    client = client_for(config)
    instructor = coordinator_name(config)
    client.ensure_course(course_id, [instructor] if instructor else [])
    return client.enrol(course_id, roster)
