"""What the course costs in CPU and memory on a hub: one learner's server with a task open, and a sync per 100 learners.

Measured on this machine with the real parts, and printed as the figures deploy/README.md uses:

1. `ensak hub --exchange ngshare` with one learner: the learner logs in, fetches the first task and opens it
   (a kernel starts); the resident memory (RSS) of their jupyter-server and kernel, and their CPU while
   the learner reads. The kernel's memory after the task's cells have run is measured on a kernel of the
   same kind that runs the notebook (nbclient).
2. A JupyterHub with ngshare and 100 hub users, each handing in the first task through ngshare's API as
   themselves; then `ensak sync` collects, grades and records all 100: wall time, CPU seconds (sync and its
   grading processes) and the largest process's peak memory.

Run as root (learners are OS accounts):  sudo .venv/bin/python bench/hub_resources.py [--learners 100]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ["PATH"] = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
TASK = "00-valkommen"
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def processes_of(uid: int) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                pass
    return found


def ngshare_pids() -> list[int]:
    return [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit()
            and b"ensak.nbgrader.ngshare_service" in (e / "cmdline").read_bytes()]


def stop_hub(hub: subprocess.Popen) -> None:
    """Ctrl-C, as a coordinator stops it; killed only if it has not gone within a minute."""
    hub.send_signal(2)
    try:
        hub.wait(60)
    except subprocess.TimeoutExpired:
        hub.kill()


def make_course(base: Path, learners: list[str]) -> Path:
    import pandas as pd

    from ensak.course.instance import create_instance
    from ensak.course.roster import write_roster
    from ensak.nbgrader.release import generate_release

    course_dir = create_instance(base / "kurs")
    generate_release(course_dir, [TASK])
    write_roster(course_dir, pd.DataFrame([{"id": i, "first_name": "Test", "last_name": i, "email": f"{i}@x.example",
                                            "unit": "", "role": ""} for i in learners]))
    return course_dir


def login(url: str, user: str, password: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{url}/hub/login", timeout=30)
    session.post(f"{url}/hub/login", data={"username": user, "password": password,
                                           "_xsrf": session.cookies.get("_xsrf", path="/hub/")}, timeout=120)
    for _ in range(240):
        if session.get(f"{url}/user/{user}/lab", timeout=30).status_code == 200 and \
                session.get(f"{url}/user/{user}/api/status", timeout=30).status_code == 200:
            return session
        time.sleep(0.5)
    raise RuntimeError(f"{user}'s server did not start")


def learner_server(base: Path) -> dict:
    """Figures for one learner's JupyterLab with the first task open."""
    import pwd

    from ensak.hub.runner import free_port
    from ensak.nbgrader.release import release_tasks

    learner = f"bench-{secrets.token_hex(2)}"
    course_dir = make_course(base, [learner])
    port, password = free_port(), secrets.token_urlsafe(9)
    state = base / "state"
    state.mkdir(mode=0o700)
    log = open(base / "hub.log", "wb")
    hub = subprocess.Popen([sys.executable, "-m", "ensak.cli", "hub", "-C", str(course_dir), "--port", str(port),
                            "--home-root", str(base / "homes"), "--state-dir", str(state), "--release", "none",
                            "--exchange", "ngshare"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                           env=dict(os.environ, ENSAK_HUB_PASSWORD=password, PYTHONUNBUFFERED="1"))
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if "JupyterHub är igång" in (base / "hub.log").read_text(errors="replace"):
                break
            if hub.poll() is not None:
                raise RuntimeError((base / "hub.log").read_text(errors="replace")[-3000:])
            time.sleep(0.3)
        release_tasks(course_dir, [TASK])
        session = login(url, learner, password)
        xsrf = session.cookies.get("_xsrf", path=f"/user/{learner}/")
        session.post(f"{url}/user/{learner}/assignments/fetch", data={"course_id": "ensak", "assignment_id": TASK},
                     headers={"X-XSRFToken": xsrf}, timeout=120)
        opened = session.post(f"{url}/user/{learner}/api/sessions", headers={"X-XSRFToken": xsrf}, timeout=120,
                              json={"path": f"{TASK}/{TASK}.ipynb", "type": "notebook", "name": "",
                                    "kernel": {"name": "python3"}})
        opened.raise_for_status()
        time.sleep(5)  # the kernel settles
        uid = pwd.getpwnam(learner).pw_uid
        mine = processes_of(uid)
        server = [p for p, c in mine.items() if "jupyterhub-singleuser" in c]
        kernel = [p for p, c in mine.items() if "ipykernel" in c]
        before = {p: cpu_seconds(p) for p in mine}
        idle_window = 30
        time.sleep(idle_window)
        used = sum(cpu_seconds(p) - before[p] for p in mine if Path(f"/proc/{p}").exists())
        figures = {
            "server_rss_mib": sum(rss_mib(p) for p in server),
            "kernel_idle_rss_mib": sum(rss_mib(p) for p in kernel),
            "idle_cpu_percent_of_core": 100 * used / idle_window,
            "hub_rss_mib": sum(rss_mib(int(p)) for p in [(state / "jupyterhub.pid").read_text().strip()]),
        }
        figures["ngshare_rss_mib"] = sum(rss_mib(p) for p in ngshare_pids())
        figures["kernel_after_task_rss_mib"] = kernel_after_running(course_dir / "release" / TASK / f"{TASK}.ipynb")
        return figures
    finally:
        stop_hub(hub)
        from ensak.hub.accounts import remove_learner_accounts

        remove_learner_accounts([learner])


def kernel_after_running(notebook: Path) -> float:
    """RSS of a python3 kernel after it has run every cell of the task notebook (widgets, answers, checks)."""
    import nbformat
    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient

    work = Path(tempfile.mkdtemp(prefix="ensak-bench-nb-"))
    shutil.copytree(notebook.parent, work / notebook.parent.name)
    nb = nbformat.read(work / notebook.parent.name / notebook.name, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(work / notebook.parent.name)}})
    client.km = client.create_kernel_manager()
    client.start_new_kernel()
    client.start_new_kernel_client()
    try:
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        rss = rss_mib(client.km.provisioner.process.pid)
    finally:
        run_sync(client.km.shutdown_kernel)(now=True)
        shutil.rmtree(work, ignore_errors=True)
    return rss


def sync_per_learners(base: Path, learners: int) -> dict:
    """A hub with ngshare, `learners` users handing in the first task as themselves, then one ensak sync."""
    from ensak.hub.runner import find_proxy, free_port
    from ensak.nbgrader.ngshare_client import Connection, write_connection
    from ensak.nbgrader.ngshare_service import (
        COORDINATOR_SERVICE,
        hub_services,
        prepare_ngshare,
    )

    ids = [f"deltagare-{n:03d}" for n in range(learners)]
    course_dir = make_course(base, ids)
    port, api_port = free_port(), free_port()
    ngshare = prepare_ngshare(course_dir, free_port())
    services = hub_services(ngshare)
    config = {
        # Nobody logs in to this hub: users exist only to hand in through ngshare with tokens of their own.
        "JupyterHub": {"bind_url": f"http://127.0.0.1:{port}", "hub_bind_url": f"http://127.0.0.1:{api_port}",
                       "authenticator_class": "null",
                       "db_url": f"sqlite:///{base / 'hub.sqlite'}", "services": services,
                       "cookie_secret_file": str(base / "cookie"), "load_roles": [
                           {"name": "bench", "scopes": ["admin:users", "tokens"], "services": [COORDINATOR_SERVICE]}]},
        "ConfigurableHTTPProxy": {"command": [find_proxy()], "api_url": f"http://127.0.0.1:{free_port()}"},
    }
    (base / "hub.json").write_text(json.dumps(config))
    hub = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(base / "hub.json")], cwd=base,
                           stdout=open(base / "hub2.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    admin = {"Authorization": f"token {ngshare.token}"}
    try:
        for _ in range(300):
            try:
                if requests.get(f"{url}/services/ngshare/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.3)
        write_connection(course_dir, Connection(ngshare.url(url), ngshare.token, COORDINATOR_SERVICE))
        from ensak.nbgrader.release import release_tasks

        assert release_tasks(course_dir, [TASK]).released == [TASK]
        folder = course_dir / "release" / TASK
        files = json.dumps([{"path": p.name, "content": base64.b64encode(p.read_bytes()).decode()}
                            for p in folder.iterdir() if p.is_file()])
        made = requests.post(f"{url}/hub/api/users", json={"usernames": ids}, headers=admin, timeout=60)
        assert made.status_code == 201, made.text
        for learner in ids:
            made = requests.post(f"{url}/hub/api/users/{learner}/tokens", json={"note": "bench"}, headers=admin,
                                 timeout=60)
            assert made.status_code == 201, made.text
            token = made.json()["token"]
            answer = requests.post(f"{url}/services/ngshare/submission/ensak/{TASK}", data={"files": files},
                                   headers={"Authorization": f"token {token}"}, timeout=60)
            assert answer.json()["success"], answer.text
        # The coordinator's command in a process of its own, in cgroups of its own, so that its CPU time and
        # peak memory include every grading process and kernel it starts (cgroup v1, as on this machine).
        groups = [Path(f"/sys/fs/cgroup/{kind}/ensak-bench-{os.getpid()}") for kind in ("cpuacct", "memory")]
        for group in groups:
            group.mkdir()

        def join_groups() -> None:
            for group in groups:
                (group / "cgroup.procs").write_text(str(os.getpid()))

        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "ensak.cli", "sync", "-C", str(course_dir), "--no-feedback"],
                              capture_output=True, text=True, preexec_fn=join_groups)
        wall = time.monotonic() - started
        cpu = int((groups[0] / "cpuacct.usage").read_text()) / 1e9
        peak = int((groups[1] / "memory.max_usage_in_bytes").read_text()) / 2**20
        for group in groups:
            # A process still ending (the graders' fork server) goes back to the parent group first.
            for pid in (group / "cgroup.procs").read_text().split():
                try:
                    (group.parent / "cgroup.procs").write_text(pid)
                except OSError:
                    pass
            group.rmdir()
        assert done.returncode == 0 and f"Rättade: {learners}." in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
        return {"learners": learners, "sync_wall_s": wall, "sync_cpu_s": cpu,
                "sync_peak_memory_mib": peak,
                "ngshare_rss_after_mib": sum(rss_mib(p) for p in ngshare_pids())}
    finally:
        stop_hub(hub)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--sync-only", action="store_true", help="skip the learner's server")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    print(f"Machine: {cores} cores, {os.sysconf('SC_PHYS_PAGES') * PAGE / 2**30:.0f} GiB")
    base = Path(tempfile.mkdtemp(prefix="ensak-bench-hub-", dir="/tmp"))
    base.chmod(0o755)
    try:
        if not args.sync_only:
            (base / "one").mkdir(mode=0o755)
            one = learner_server(base / "one")
            print("One learner's server with the first task open:")
            for key, value in one.items():
                print(f"  {key:28} {value:8.1f}")
        (base / "many").mkdir(mode=0o755)
        many = sync_per_learners(base / "many", args.learners)
        print(f"A sync of {args.learners} submissions through ngshare (collect, autograde; no feedback):")
        for key, value in many.items():
            print(f"  {key:28} {value:8.1f}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
