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
import resource
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


def make_course(base: Path, learners: list[str]) -> Path:
    import pandas as pd

    from ensak.instance import create_instance
    from ensak.release import generate_release
    from ensak.roster import write_roster

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

    from ensak.hub import free_port
    from ensak.schedule import release_tasks

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
        ngshare = [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit()
                   and b"ensak.hub.ngshare_service" in (e / "cmdline").read_bytes()]
        figures["ngshare_rss_mib"] = sum(rss_mib(p) for p in ngshare)
        figures["kernel_after_task_rss_mib"] = kernel_after_running(course_dir / "release" / TASK / f"{TASK}.ipynb")
        return figures
    finally:
        hub.send_signal(2)
        try:
            hub.wait(60)
        except subprocess.TimeoutExpired:
            hub.kill()
        from ensak.hub.accounts import remove_learner_accounts

        remove_learner_accounts([learner])


def kernel_after_running(notebook: Path) -> float:
    """RSS of a python3 kernel after it has run every cell of the task notebook (widgets, answers, checks)."""
    import nbformat
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
        client.km.shutdown_kernel(now=True)
        shutil.rmtree(work, ignore_errors=True)
    return rss


def sync_per_learners(base: Path, learners: int) -> dict:
    """A hub with ngshare, `learners` users handing in the first task as themselves, then one ensak sync."""
    from ensak.hub import find_proxy, free_port
    from ensak.hub.ngshare_service import COORDINATOR_SERVICE, hub_services, prepare_ngshare
    from ensak.ngshare import Connection, write_connection
    from ensak.sync import sync

    ids = [f"deltagare-{n:03d}" for n in range(learners)]
    course_dir = make_course(base, ids)
    port, api_port = free_port(), free_port()
    ngshare = prepare_ngshare(course_dir, free_port())
    services = hub_services(ngshare)
    config = {
        "JupyterHub": {"bind_url": f"http://127.0.0.1:{port}", "hub_bind_url": f"http://127.0.0.1:{api_port}",
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
        from ensak.schedule import release_tasks

        assert release_tasks(course_dir, [TASK]).released == [TASK]
        folder = course_dir / "release" / TASK
        files = json.dumps([{"path": p.name, "content": base64.b64encode(p.read_bytes()).decode()}
                            for p in folder.iterdir() if p.is_file()])
        requests.post(f"{url}/hub/api/users", json={"usernames": ids}, headers=admin, timeout=60)
        for learner in ids:
            token = requests.post(f"{url}/hub/api/users/{learner}/tokens", json={"note": "bench"}, headers=admin,
                                  timeout=60).json()["token"]
            answer = requests.post(f"{url}/services/ngshare/submission/ensak/{TASK}", data={"files": files},
                                   headers={"Authorization": f"token {token}"}, timeout=60)
            assert answer.json()["success"], answer.text
        steps: dict[str, float] = {}
        started = time.monotonic()

        def on_step(label: str, done: int, total: int) -> None:
            steps.setdefault(label, time.monotonic())

        cpu_before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        summary = sync(course_dir, on_step=on_step, feedback=False)
        wall = time.monotonic() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(cpu_after, cpu_before))
        assert len(summary.graded) == learners, summary.problems[:3]
        labels = list(steps)
        collect_s = steps[labels[1]] - steps[labels[0]] if len(labels) > 1 else wall
        ngshare_pids = [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit()
                        and b"ensak.hub.ngshare_service" in (e / "cmdline").read_bytes()]
        return {"learners": learners, "sync_wall_s": wall, "collect_wall_s": collect_s, "sync_cpu_s": cpu,
                "largest_process_peak_rss_mib": max(cpu_after[0].ru_maxrss, cpu_after[1].ru_maxrss) / 1024,
                "ngshare_rss_after_mib": sum(rss_mib(p) for p in ngshare_pids)}
    finally:
        hub.send_signal(2)
        try:
            hub.wait(60)
        except subprocess.TimeoutExpired:
            hub.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    print(f"Machine: {cores} cores, {os.sysconf('SC_PHYS_PAGES') * PAGE / 2**30:.0f} GiB")
    base = Path(tempfile.mkdtemp(prefix="ensak-bench-hub-", dir="/tmp"))
    base.chmod(0o755)
    try:
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
