"""`ensak hub`: a real JupyterHub on this machine's loopback address, for trying the course with several learners.

The parts: configurable-http-proxy from npm (hub/node_modules), JupyterHub running as root with
LocalProcessSpawner, one OS account per learner in the roster (`accounts`), the loopback-only
demo login (`auth`), an environment the learners' accounts can run (`environment`), a JupyterLab
set up for non-programmers (the config folder `learner/`), and the course's exchange shared by all.
docs/hub.md explains the choices and the production setup.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable

from ensak.clock import course_today
from ensak.course.instance import repo_root
from ensak.hub.accounts import (
    DEFAULT_HOME_ROOT,
    AccountError,
    ensure_learner_accounts,
    learner_uids,
    remove_learner_accounts,
)
from ensak.hub.auth import NotLoopbackError, require_loopback
from ensak.hub.environment import (
    LearnerEnvironmentError,
    blocked_for_others,
    learner_environment,
)
from ensak.nbgrader.ngshare_service import (
    COORDINATOR_SERVICE,
    HEALTH_PATH,
    NgshareHub,
    hub_services,
    prepare_ngshare,
)
from ensak.processes import process_is_alive, sigterm_as_interrupt

PROXY_COMMAND = "configurable-http-proxy"
RELEASE_CHOICES = ("all", "due", "none")
EXCHANGE_CHOICES = ("folder", "ngshare")
HUB_LOG = "jupyterhub.log"
STARTUP_TIMEOUT = 90
STOP_TIMEOUT = 30


class HubError(RuntimeError):
    """The hub cannot start as asked. The message is Swedish and says what to do."""


# Everything `ensak hub` reports to the coordinator as a plain message rather than a traceback.
SETUP_ERRORS = (HubError, NotLoopbackError, AccountError, LearnerEnvironmentError)


def new_password() -> str:
    return secrets.token_urlsafe(9)


@dataclass
class HubSettings:
    course_dir: Path
    ip: str = "127.0.0.1"
    port: int = 8000
    password: str = field(default_factory=new_password)
    home_root: Path = DEFAULT_HOME_ROOT
    learner_env: Path | None = None        # None: this environment if learners can use it, else a shared one
    state_dir: Path | None = None          # None: a temporary folder, removed when the hub stops
    release: str = "all"                   # which tasks to release to the exchange before starting
    exchange: str = "folder"               # "folder": a shared folder; "ngshare": over HTTP (ensak.nbgrader.ngshare_client)
    more_courses: list[Path] = field(default_factory=list)  # further courses on the same hub (ngshare only)


@dataclass
class PreparedHub:
    settings: HubSettings
    learners: list[str]
    exchange: Path | None                  # the shared folder; None with ngshare
    course_id: str
    learner_env: Path
    state_dir: Path
    config_file: Path
    released: list[str]
    temporary_state: bool
    ngshare: NgshareHub | None = None      # the networked exchange, when settings.exchange == "ngshare"
    courses: dict[Path, str] = field(default_factory=dict)          # every course directory: its course id
    to_release: dict[Path, list[str]] = field(default_factory=dict)  # released once ngshare is up

    @property
    def url(self) -> str:
        return f"http://{self.settings.ip}:{self.settings.port}"

    @property
    def proxy_pid_file(self) -> Path:
        return self.state_dir / "jupyterhub-proxy.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / HUB_LOG


def find_proxy() -> str:
    """configurable-http-proxy as installed by `npm ci` in hub/, or one on PATH."""
    local = repo_root() / "hub" / "node_modules" / ".bin" / PROXY_COMMAND
    found = str(local) if local.exists() else shutil.which(PROXY_COMMAND)
    if not found:
        raise HubError(f"{PROXY_COMMAND} saknas. Installera den med: (cd {repo_root() / 'hub'} && npm ci)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def learner_config_dir(env: Path) -> Path:
    """The folder with the learners' Jupyter settings, as installed in the environment they run."""
    if Path(env).resolve() == Path(sys.prefix).resolve():
        return Path(__file__).parent / "learner"
    purelib = sysconfig.get_paths(vars={"base": str(env), "platbase": str(env)})["purelib"]
    return Path(purelib) / "ensak" / "hub" / "learner"


def shared_exchange(exchange: Path) -> Path:
    """Create the exchange so every learner can fetch and submit, and check they can reach it."""
    exchange.mkdir(parents=True, exist_ok=True)
    # nbgrader's own release sets exactly these permissions; inbound/ inside is write-only for learners.
    exchange.chmod(0o777)
    blocked = blocked_for_others(exchange)
    if blocked is not None:
        raise HubError(
            f"Deltagarkontona kan inte nå kursens utbyte {exchange}: {blocked} är stängd för andra än ägaren. "
            "Lägg kursmappen där andra får läsa (till exempel under /srv), eller sätt ENSAK_EXCHANGE till en "
            "sådan mapp – både när du startar hubben och när du kör ensak sync."
        )
    return exchange


def tasks_to_release(course_dir: Path, release: str, today: dt.date | None = None) -> list[str]:
    from ensak.course.plan import load_course

    if release not in RELEASE_CHOICES:
        raise HubError(f"--release ska vara en av {', '.join(RELEASE_CHOICES)}, inte {release!r}.")
    course = load_course(course_dir)
    if release == "none":
        return []
    tasks = course.due_tasks(today or course_today(course)) if release == "due" else course.tasks
    # A task still being written has source/ but no release/ yet: there is nothing to give learners.
    return [t.id for t in tasks if (Path(course_dir) / "release" / t.id).is_dir()]


def prepare_hub(settings: HubSettings, today: dt.date | None = None) -> PreparedHub:
    """Check everything, then make the accounts, release the tasks and write the hub's configuration.

    The refusals (not loopback, not root, no proxy, empty roster) come before anything is changed.
    """
    from ensak.course.roster import load_roster
    from ensak.hub.accounts import check_usernames, require_root
    from ensak.nbgrader.api import load_config
    from ensak.nbgrader.ngshare_client import (
        Connection,
        forget_connection,
        write_connection,
    )

    course_dir = Path(settings.course_dir).resolve()
    require_loopback(settings.ip, "hubben")
    require_root("ensak hub")
    proxy = find_proxy()
    if settings.exchange not in EXCHANGE_CHOICES:
        raise HubError(f"--exchange ska vara en av {', '.join(EXCHANGE_CHOICES)}, inte {settings.exchange!r}.")
    networked = settings.exchange == "ngshare"
    course_dirs = [course_dir, *(Path(d).resolve() for d in settings.more_courses)]
    if len(course_dirs) > 1 and not networked:
        raise HubError("Flera kurser på samma hubb kräver --exchange ngshare: i en gemensam utbytesmapp kan "
                       "deltagarna se alla kursers uppgifter, i ngshare bara sin egen kurs.")
    if not networked:
        forget_connection(course_dir)  # an earlier `--exchange ngshare` must not redirect this course's sync
    rosters = {d: check_usernames(list(load_roster(d)["id"])) for d in course_dirs}
    for folder, ids in rosters.items():
        if not ids:
            raise HubError(f"Deltagarlistan {folder / 'roster.csv'} är tom eller saknas: importera deltagarna först.")
    learners = list(dict.fromkeys(i for ids in rosters.values() for i in ids))
    wanted = {d: tasks_to_release(d, settings.release, today) for d in course_dirs}
    ngshare = prepare_ngshare(course_dir, free_port()) if networked else None
    courses: dict[Path, str] = {}
    for folder in course_dirs:
        if ngshare is not None:
            # The coordinator's ensak commands find the hub's ngshare through this file (ensak.nbgrader.ngshare_client).
            write_connection(folder, Connection(ngshare.url(f"http://{settings.ip}:{settings.port}"), ngshare.token,
                                                COORDINATOR_SERVICE))
        courses[folder] = load_config(folder).CourseDirectory.course_id
    if len(set(courses.values())) < len(courses):
        raise HubError(f"Kurserna på en hubb behöver olika kurs-id (course.toml eller ENSAK_COURSE_ID): "
                       f"{', '.join(courses.values())}.")
    config = load_config(course_dir)
    exchange = None if networked else shared_exchange(Path(config.Exchange.root))
    course_id = courses[course_dir]

    env = learner_environment(settings.learner_env)
    ensure_learner_accounts(learners, settings.home_root)
    released: list[str] = []
    if wanted[course_dir] and not networked:
        from ensak.nbgrader.release import release_tasks

        released = release_tasks(course_dir, wanted[course_dir], config=config).released_or_raise()

    temporary = settings.state_dir is None
    state_dir = Path(tempfile.mkdtemp(prefix="ensak-hub-")) if temporary else Path(settings.state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    state_dir.chmod(0o700)  # the password and the cookie secret live here
    prepared = PreparedHub(settings=settings, learners=learners, exchange=exchange, course_id=course_id,
                           learner_env=env, state_dir=state_dir, config_file=state_dir / "jupyterhub_config.json",
                           released=released, temporary_state=temporary, ngshare=ngshare, courses=courses,
                           to_release=wanted if networked else {})
    prepared.config_file.write_text(json.dumps(hub_config(prepared, proxy), indent=1), encoding="utf-8")
    prepared.config_file.chmod(0o600)
    return prepared


def release_through_ngshare(prepared: PreparedHub, timeout: float = STARTUP_TIMEOUT) -> list[str]:
    """Once the hub runs: wait for ngshare, then release each course's tasks through it (enrolling its roster)."""
    from ensak.nbgrader.api import NbgraderStepError, load_config
    from ensak.nbgrader.release import release_tasks

    health = f"{prepared.ngshare.url(prepared.url)}/{HEALTH_PATH}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(health, timeout=2) as answer:
                if answer.status == 200:
                    break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise HubError(f"Kursens utbyte (ngshare) svarade inte inom {timeout:.0f} sekunder.{log_tail(prepared)}")
        time.sleep(0.3)
    released = []
    for folder, tasks in prepared.to_release.items():
        if tasks:
            try:
                done = release_tasks(folder, tasks, config=load_config(folder)).released_or_raise()
            except NbgraderStepError as error:
                raise HubError(f"Uppgifterna i {folder} kunde inte släppas genom ngshare:\n{error}") from error
            released += [f"{prepared.courses[folder]}/{task}" for task in done]
    prepared.released = released
    return released


def hub_config(prepared: PreparedHub, proxy: str) -> dict:
    """JupyterHub's configuration as traitlets JSON."""
    s, state, env = prepared.settings, prepared.state_dir, prepared.learner_env
    config = {
        "JupyterHub": {
            "bind_url": f"http://{s.ip}:{s.port}",
            "hub_bind_url": f"http://127.0.0.1:{free_port()}",
            "authenticator_class": "ensak.hub.auth.LoopbackDemoAuthenticator",
            "spawner_class": "jupyterhub.spawner.LocalProcessSpawner",
            "db_url": f"sqlite:///{state / 'jupyterhub.sqlite'}",
            "cookie_secret_file": str(state / "jupyterhub_cookie_secret"),
            "pid_file": str(state / "jupyterhub.pid"),
            "cleanup_servers": True,
            "cleanup_proxy": True,
        },
        "ConfigurableHTTPProxy": {
            "command": [proxy],
            "api_url": f"http://127.0.0.1:{free_port()}",
            "pid_file": str(prepared.proxy_pid_file),
        },
        "Authenticator": {"allowed_users": prepared.learners},
        "SharedPasswordAuthenticator": {"user_password": s.password},
        "Spawner": {
            "cmd": [str(env / "bin" / "jupyterhub-singleuser")],
            "default_url": "/lab",
            # Only what is listed here reaches a learner's server: nothing of root's environment.
            "env_keep": [],
            "environment": {
                "PATH": f"{env / 'bin'}:/usr/local/bin:/usr/bin:/bin",
                "VIRTUAL_ENV": str(env),
                "LANG": "C.UTF-8",
                "JUPYTER_CONFIG_PATH": str(learner_config_dir(env)),
                "ENSAK_EXCHANGE": str(prepared.exchange),
                "ENSAK_COURSE_ID": prepared.course_id,
            },
            "start_timeout": 120,
            "http_timeout": 90,
        },
    }
    if prepared.ngshare is not None:
        environment = config["Spawner"]["environment"]
        del environment["ENSAK_EXCHANGE"]
        # Learners' servers reach ngshare through the proxy, as on Kubernetes, and show it their own
        # hub token; with several courses ngshare's enrolment alone decides which tasks a learner sees.
        environment["ENSAK_NGSHARE_URL"] = prepared.ngshare.url(prepared.url)
        if len(prepared.courses) > 1:
            del environment["ENSAK_COURSE_ID"]
        config["JupyterHub"]["services"] = hub_services(prepared.ngshare)
    add_course_blogs(config, prepared)
    return config


def add_course_blogs(config: dict, prepared: PreparedHub) -> None:
    """Kursbloggen for each course, as hub services learners reach through the hub's OAuth (ensak.outreach.kursbloggen)."""
    from ensak.hub.blog_service import blog_hub_config, blog_services

    courses = prepared.courses or {Path(prepared.settings.course_dir).resolve(): prepared.course_id}
    blogs = blog_hub_config(blog_services(courses, [free_port() for _ in courses]), prepared.url, prepared.learners)
    hub = config["JupyterHub"]
    hub["services"] = [*hub.get("services", []), *blogs.services]
    hub["load_roles"] = [*hub.get("load_roles", []), *blogs.roles]
    config["Spawner"]["environment"].update(blogs.spawner_environment)
    config["Spawner"]["server_token_scopes"] = blogs.server_token_scopes


def start_hub(prepared: PreparedHub, output: IO | int | None = None) -> subprocess.Popen:
    """Start JupyterHub (which starts the proxy) in a session of its own; `output` defaults to the log file."""
    log = output if output is not None else open(prepared.log_file, "ab")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    # A session of its own, so that Ctrl-C reaches the hub only through stop_hub, in order.
    return subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(prepared.config_file)],
                            cwd=prepared.state_dir, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)


def wait_until_up(prepared: PreparedHub, process: subprocess.Popen, timeout: float = STARTUP_TIMEOUT) -> float:
    """Wait until the hub answers through the proxy; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise HubError(f"JupyterHub stoppade när den startade (kod {process.returncode}).{log_tail(prepared)}")
        try:
            with urllib.request.urlopen(f"{prepared.url}/hub/health", timeout=2) as answer:
                if answer.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise HubError(f"JupyterHub svarade inte inom {timeout:.0f} sekunder.{log_tail(prepared)}")


def log_tail(prepared: PreparedHub, lines: int = 30) -> str:
    if not prepared.log_file.exists():
        return ""
    tail = prepared.log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    return "\n" + "\n".join(tail)


def hub_processes(learners: list[str], proxy_pid_file: Path) -> list[int]:
    """Processes a hub started that are still running: its proxy and anything running as one of its learners."""
    pids = []
    uids = set(learner_uids(learners).values())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        uid_line = next((line for line in status.splitlines() if line.startswith("Uid:")), "")
        if uid_line and int(uid_line.split()[1]) in uids and process_is_alive(int(entry.name)):
            pids.append(int(entry.name))
    try:
        proxy_pid = int(Path(proxy_pid_file).read_text().strip())
        if process_is_alive(proxy_pid) and PROXY_COMMAND in Path(f"/proc/{proxy_pid}/cmdline").read_text(errors="replace"):
            pids.append(proxy_pid)
    except (OSError, ValueError):
        pass
    return sorted(set(pids))


def end_processes(pids: list[int], grace: float = 5) -> None:
    """SIGTERM, and SIGKILL for whatever is still there after `grace` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while any(process_is_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not any(process_is_alive(p) for p in pids):
            return


def stop_hub(prepared: PreparedHub, process: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> list[int]:
    """Stop the hub as Ctrl-C would, then end whatever it left behind; return the pids that had to be ended.

    JupyterHub stops the learners' servers and the proxy itself on SIGINT; an empty list means it did.
    """
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    leftovers = hub_processes(prepared.learners, prepared.proxy_pid_file)
    end_processes(leftovers)
    return leftovers


def run_hub(settings: HubSettings, echo: Callable[[str], None] = print) -> int:
    """Prepare and run the hub in the foreground until Ctrl-C (or SIGTERM); return its exit code."""
    prepared = prepare_hub(settings)
    with sigterm_as_interrupt():
        return _run_prepared_hub(prepared, settings, echo)


def _run_prepared_hub(prepared: PreparedHub, settings: HubSettings, echo: Callable[[str], None]) -> int:
    process = start_hub(prepared, output=sys.stderr)
    try:
        seconds = wait_until_up(prepared, process)
        if prepared.ngshare is not None:
            release_through_ngshare(prepared)
        if prepared.released:
            echo(f"Släppta uppgifter: {', '.join(prepared.released)}")
        echo(f"JupyterHub är igång efter {seconds:.1f} s: {prepared.url}")
        echo(f"Deltagare som kan logga in ({len(prepared.learners)}): {', '.join(prepared.learners)}")
        echo(f"Gemensamt lösenord: {settings.password}")
        echo(f"Kursbloggen: {prepared.url}/services/kursbloggen/")
        if prepared.ngshare is not None:
            echo(f"Kursernas utbyte är ngshare ({prepared.ngshare.url(prepared.url)}) för "
                 f"{', '.join(prepared.courses.values())}; ensak sync och release når det medan hubben är igång.")
        echo("Stoppa med Ctrl-C.")
        return process.wait()
    except KeyboardInterrupt:
        echo("Stoppar hubben ...")
        return 0
    finally:
        leftovers = stop_hub(prepared, process)
        if leftovers:
            echo(f"Avslutade {len(leftovers)} processer som hubben lämnade kvar.")
        if prepared.temporary_state:
            shutil.rmtree(prepared.state_dir, ignore_errors=True)
        echo("Hubben är stoppad.")


def remove_accounts(course_dir: Path | str) -> list[str]:
    """Remove the learner accounts `ensak hub` made for the roster (and their home folders)."""
    from ensak.course.roster import load_roster

    return remove_learner_accounts(list(load_roster(course_dir, include_inactive=True)["id"]))
