"""ngshare, nbgrader's exchange over HTTP, run as a JupyterHub service, with the three fixes its last release needs.

ngshare 0.6.0 (December 2022, still the newest on PyPI) is run unchanged; this launcher only adjusts it
from outside before calling its own `main`:

1. **SQLAlchemy 2 lost releases and submissions.** ngshare creates a released task with
   `Assignment(task, course)` and a submission with `Submission(user, task)`, and never adds the new
   object to the database session: under SQLAlchemy 1.x setting the parent put it there ("cascade
   backrefs"), a behaviour SQLAlchemy 2.0 removed. So with SQLAlchemy 2 the release answers
   `{"success": true}` and stores nothing ("SAWarning: Object of type <Assignment> not in session").
   ngshare's main branch fixed it in 2024 (LibreTexts/ngshare issues 167 and 169) but that was never
   released. `restore_backref_cascade` puts such an object into its parent's session when the parent is
   set, exactly what SQLAlchemy 1.x did, for those two relationships only.
2. **Every interface.** ngshare listens on 0.0.0.0 because it was written for a Kubernetes pod; on one
   machine it only needs the loopback address (`--listen-ip`, default 127.0.0.1).
3. **Tornado's autoreload.** ngshare leaves it on, so the service polls every imported file twice a
   second and restarts itself when one changes (as during an upgrade of the environment). Off here.

Run:  python -m ensak.nbgrader.ngshare_service [--listen-ip IP] <ngshare's own options>
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_LISTEN_IP = "127.0.0.1"


def _join_parent_session(target, value, oldvalue, initiator) -> None:
    from sqlalchemy.orm import object_session

    session = object_session(value) if value is not None else None
    if session is not None and target not in session:
        session.add(target)


def restore_backref_cascade() -> None:
    """Give ngshare's new tasks and submissions the session of the course or task they are attached to."""
    from ngshare.database import Assignment, Submission
    from sqlalchemy import event
    from sqlalchemy.orm import configure_mappers

    configure_mappers()  # the backref attributes exist only once the mappers are configured
    for attribute in (Assignment.course, Submission.assignment):
        if not event.contains(attribute, "set", _join_parent_session):
            event.listen(attribute, "set", _join_parent_session)


def _adjust_server(listen_ip: str) -> None:
    import ngshare.ngshare as server
    import tornado.autoreload

    class LoopbackHTTPServer(server.HTTPServer):
        def listen(self, port, address="", **kwargs):
            super().listen(port, listen_ip, **kwargs)

    server.HTTPServer = LoopbackHTTPServer
    # ngshare's application always asks for autoreload; this process never wants it started.
    tornado.autoreload.start = lambda *args, **kwargs: None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], add_help=False)
    parser.add_argument("--listen-ip", default=DEFAULT_LISTEN_IP)
    ours, theirs = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    restore_backref_cascade()
    _adjust_server(ours.listen_ip)
    from ngshare.ngshare import main as ngshare_main

    ngshare_main(theirs)


if __name__ == "__main__":
    main()


# --- ngshare as a service of `ensak hub` ------------------------------------------------------

SERVICE_NAME = "ngshare"
# The coordinator's commands (release, sync) reach ngshare as this JupyterHub service: an ngshare admin,
# so a release can create its course, and the instructor of every course this hub runs.
COORDINATOR_SERVICE = "ensak-kursledning"
DATA_FOLDER = "ngshare"  # in the (first) course directory, git-ignored: ngshare's database and files
DB_URL_VARIABLE = "ENSAK_NGSHARE_DB_URL"
TOKEN_FILE = "coordinator-token"
HEALTH_PATH = "healthz"


@dataclass
class NgshareHub:
    """ngshare as `ensak hub` runs it: its port, where it keeps its data, and the coordinator's token."""

    port: int
    data_dir: Path
    token: str

    @property
    def db_url(self) -> str:
        return os.environ.get(DB_URL_VARIABLE) or f"sqlite:///{self.data_dir / 'ngshare.sqlite'}"

    def url(self, hub_url: str) -> str:
        """ngshare's address through the hub's proxy, the way learners' servers and the coordinator reach it."""
        return f"{hub_url}/services/{SERVICE_NAME}"


def prepare_ngshare(course_dir: Path, port: int) -> NgshareHub:
    """The folder for ngshare's data (closed to all but root) and the coordinator's token, kept between runs."""
    data_dir = Path(course_dir) / DATA_FOLDER
    data_dir.mkdir(mode=0o700, exist_ok=True)
    data_dir.chmod(0o700)
    token_file = data_dir / TOKEN_FILE
    if not token_file.exists():
        token_file.touch(mode=0o600)
        token_file.write_text(secrets.token_hex(32), encoding="ascii")
    return NgshareHub(port=port, data_dir=data_dir, token=token_file.read_text(encoding="ascii").strip())


def hub_services(ngshare: NgshareHub, python: str = sys.executable) -> list[dict]:
    """JupyterHub's `services` for ngshare (started and stopped by the hub) and for the coordinator."""
    return [
        {
            "name": SERVICE_NAME,
            "url": f"http://127.0.0.1:{ngshare.port}",
            "command": [python, "-m", "ensak.nbgrader.ngshare_service", "--listen-ip", "127.0.0.1",
                        "--admins", COORDINATOR_SERVICE, "--database", ngshare.db_url,
                        "--storage", f"{ngshare.data_dir / 'files'}/"],
            "oauth_no_confirm": True,
        },
        {"name": COORDINATOR_SERVICE, "api_token": ngshare.token},
    ]
