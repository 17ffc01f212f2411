"""Kickoff morning: N learners (default 20) log in to the real hub at the same moment, open task 0 until its
widgets answer, answer a quiz and hand the task in.

The hub is `ensak hub` on loopback, as tests/fixtures_hub.py starts it (the learners are OS accounts, so run as
root). Each learner is an HTTP client of their own, not a browser (twenty Chromiums would measure Chromium):

- log in: the hub's login form, then until the learner's own JupyterLab answers (/user/<id>/lab and /api/status);
- open: nbgrader's fetch route (/assignments/fetch, as the task panel does), a notebook session (/api/sessions:
  the kernel starts), then over the kernel's websocket every code cell but the autograder's tests, in order, as
  the task does itself when it opens;
- the widgets answer: the quiz's radio group gets an answer and its "Kontrollera mitt svar" button a click, as
  the browser's widget manager sends them (comm messages), and the kernel's status line says "Sparat.";
- hand in: nbgrader's submit route (/assignments/submit), which the task panel calls; the submission must then
  be in the exchange.

First one learner alone (their widgets must answer within 2 s of opening), then N at once. The browser's own
drawing of the widgets is not included (tests/test_browser.py measures it: well under a second).

Run:  sudo .venv/bin/python bench/kickoff.py [--learners 20]
Last line:  learners=20 login_p50_s=… login_p95_s=… widgets_p95_s=… submit_p95_s=… errors=…
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests
import websocket

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ["PATH"] = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
TASK = "00-valkommen"
CHECK_BUTTON = "Kontrollera mitt svar"
ALONE_WIDGETS_LIMIT_S = 2.0
STEP_TIMEOUT_S = 300
KERNEL_ATTEMPTS = 3


class KernelRestarted(RuntimeError):
    """The kernel was started again (its first start failed): the task's cells must run again."""


@dataclass
class Learner:
    id: str
    password: str
    url: str
    course_id: str
    session: requests.Session = field(default_factory=requests.Session)
    times: dict[str, float] = field(default_factory=dict)
    error: str = ""

    @property
    def server(self) -> str:
        return f"{self.url}/user/{self.id}"

    def xsrf(self) -> str:
        return self.session.cookies.get("_xsrf", path=f"/user/{self.id}/") or ""

    def log_in(self) -> None:
        started = time.monotonic()
        self.session.get(f"{self.url}/hub/login", timeout=60)
        self.session.post(f"{self.url}/hub/login", timeout=STEP_TIMEOUT_S,
                          data={"username": self.id, "password": self.password,
                                "_xsrf": self.session.cookies.get("_xsrf", path="/hub/")})
        while time.monotonic() - started < STEP_TIMEOUT_S:
            # The page, not the API, takes the browser's way: the hub's OAuth hand-over sets the server's cookie.
            if self.session.get(f"{self.server}/lab", timeout=60).status_code == 200 and \
                    self.session.get(f"{self.server}/api/status", timeout=60).status_code == 200:
                self.times["login"] = time.monotonic() - started
                return
            time.sleep(0.5)
        raise TimeoutError(f"{self.id}'s server did not answer within {STEP_TIMEOUT_S} s")

    def nbgrader(self, action: str) -> dict:
        answer = self.session.post(f"{self.server}/assignments/{action}", timeout=STEP_TIMEOUT_S,
                                   data={"course_id": self.course_id, "assignment_id": TASK},
                                   headers={"X-XSRFToken": self.xsrf()})
        answer.raise_for_status()
        result = answer.json()
        if not result.get("success"):
            raise RuntimeError(f"{action} failed: {result.get('value') or result}")
        return result

    def open_task_until_widgets_answer(self) -> None:
        started = time.monotonic()
        self.nbgrader("fetch")
        self.times["fetch"] = time.monotonic() - started
        notebook_path = f"{TASK}/{TASK}.ipynb"
        notebook = self.session.get(f"{self.server}/api/contents/{notebook_path}", timeout=60).json()["content"]
        opened = time.monotonic()
        made = self.session.post(f"{self.server}/api/sessions", timeout=STEP_TIMEOUT_S,
                                 headers={"X-XSRFToken": self.xsrf()},
                                 json={"path": notebook_path, "type": "notebook", "name": "",
                                       "kernel": {"name": "python3"}})
        made.raise_for_status()
        kernel_id = made.json()["kernel"]["id"]
        for attempt in range(1, KERNEL_ATTEMPTS + 1):
            kernel = KernelChannel(self, kernel_id)
            try:
                kernel.wait_until_ready()
                self.times.setdefault("kernel", time.monotonic() - opened)
                for cell in notebook["cells"]:
                    grading = cell.get("metadata", {}).get("nbgrader", {})
                    if cell["cell_type"] == "code" and not (grading.get("grade") and not grading.get("solution")):
                        kernel.execute("".join(cell["source"]) if isinstance(cell["source"], list)
                                       else cell["source"])
                kernel.answer_first_quiz()
                self.times["widgets"] = time.monotonic() - opened
                return
            except (KernelRestarted, websocket.WebSocketConnectionClosedException):
                # As JupyterLab does: connect again, and the task runs its cells again in the new kernel.
                self.times["kernel_restarts"] = attempt
                if attempt == KERNEL_ATTEMPTS:
                    raise
                time.sleep(1)
            finally:
                kernel.close()

    def hand_in(self) -> None:
        started = time.monotonic()
        self.nbgrader("submit")
        self.times["submit"] = time.monotonic() - started

    def run(self, start: threading.Barrier | None = None) -> None:
        try:
            if start is not None:
                start.wait()
            self.log_in()
            self.open_task_until_widgets_answer()
            self.hand_in()
        except Exception as error:  # every failure is counted, whatever it is
            self.error = f"{type(error).__name__}: {error}"
            if os.environ.get("ENSAK_BENCH_DEBUG"):
                traceback.print_exc()


class KernelChannel:
    """The learner's kernel over its websocket, speaking the Jupyter protocol as JupyterLab does."""

    def __init__(self, learner: Learner, kernel_id: str):
        self.session_id = uuid.uuid4().hex
        address = learner.server.replace("http://", "ws://", 1)
        cookies = "; ".join(f"{c.name}={c.value}" for c in learner.session.cookies)
        self.socket = websocket.create_connection(
            f"{address}/api/kernels/{kernel_id}/channels?session_id={self.session_id}",
            cookie=cookies, header={"X-XSRFToken": learner.xsrf()}, timeout=STEP_TIMEOUT_S)
        self.widgets: dict[str, dict] = {}   # comm id -> the widget's state, as the widget manager keeps it
        self.deadline = time.monotonic() + STEP_TIMEOUT_S

    def close(self) -> None:
        self.socket.close()

    def send(self, msg_type: str, content: dict, channel: str = "shell") -> str:
        msg_id = uuid.uuid4().hex
        self.socket.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": msg_type, "session": self.session_id, "username": "",
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel, "buffers": []}))
        return msg_id

    def receive(self) -> dict:
        if time.monotonic() > self.deadline:
            raise TimeoutError(f"the task did not answer within {STEP_TIMEOUT_S} s")
        message = json.loads(self.socket.recv())
        msg_type = message["header"]["msg_type"]
        if msg_type == "status":
            # The server says so when the kernel process dies or is started again (its restarter).
            state = message["content"].get("execution_state")
            if state == "dead":
                raise RuntimeError("the kernel died and could not be started again")
            if state == "restarting":
                raise KernelRestarted()
        if msg_type == "comm_open" and message["content"].get("target_name") == "jupyter.widget":
            self.widgets[message["content"]["comm_id"]] = dict(message["content"]["data"].get("state", {}))
        elif msg_type == "comm_msg":
            data = message["content"]["data"]
            if data.get("method") in ("update", "echo_update"):
                self.widgets.setdefault(message["content"]["comm_id"], {}).update(data.get("state", {}))
        return message

    def wait_until_ready(self) -> None:
        """What JupyterLab waits for before it runs a cell: the kernel's answer to kernel_info."""
        msg_id = self.send("kernel_info_request", {})
        while True:
            message = self.receive()
            if message["header"]["msg_type"] == "kernel_info_reply" and \
                    message["parent_header"].get("msg_id") == msg_id:
                return

    def execute(self, code: str) -> None:
        msg_id = self.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                                "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        replied = idle = False
        while not (replied and idle):
            message = self.receive()
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            msg_type = message["header"]["msg_type"]
            if msg_type == "execute_reply":
                replied = True
                if message["content"]["status"] != "ok":
                    raise RuntimeError(f"a task cell failed: {message['content'].get('ename')}: "
                                       f"{message['content'].get('evalue')}")
            elif msg_type == "error":
                raise RuntimeError(f"a task cell failed: {message['content'].get('evalue')}")
            elif msg_type == "status" and message["content"]["execution_state"] == "idle":
                idle = True

    def answer_first_quiz(self) -> None:
        """Choose the quiz's first option and press its check button; wait until its status line says Sparat."""
        def model(reference: str) -> tuple[str, dict]:
            comm_id = reference.removeprefix("IPY_MODEL_")
            return comm_id, self.widgets.get(comm_id, {})

        for root in list(self.widgets.values()):
            if "ensak-widget" not in root.get("_dom_classes", ()):
                continue
            parts = dict(model(child) for child in root.get("children", ()))
            group = next((c for c, s in parts.items() if s.get("role") == "radiogroup"), None)
            button = next((c for c, s in parts.items() if s.get("description") == CHECK_BUTTON), None)
            status = next((c for c, s in parts.items() if s.get("control") == "status"), None)
            if group and button and status:
                break
        else:
            raise RuntimeError("task 0 shows no quiz")
        self.send("comm_msg", {"comm_id": group, "data": {"method": "update", "state": {"selected": [0]},
                                                          "buffer_paths": []}})
        self.send("comm_msg", {"comm_id": button, "data": {"method": "custom", "content": {"event": "click"}}})
        while "Sparat" not in self.widgets[status].get("value", ""):
            self.receive()


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and of the children it has waited for (nbgrader's and the kernel's helpers)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def learner_cpu_seconds(learners: list[str]) -> float:
    """CPU used so far by every process running as one of `learners` (their JupyterLab and kernel)."""
    from ensak.hub.accounts import learner_uids

    uids = set(learner_uids(learners).values())
    total = 0.0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid in uids:
                total += cpu_seconds(int(entry.name))
        except OSError:
            pass
    return total


def hub_cpu_seconds(state: Path) -> float:
    """CPU used so far by JupyterHub and its proxy."""
    total = 0.0
    for pid_file in ("jupyterhub.pid", "jupyterhub-proxy.pid"):
        try:
            total += cpu_seconds(int((state / pid_file).read_text().strip()))
        except (OSError, ValueError):
            pass
    return total


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def make_course(base: Path, learners: list[str]) -> Path:
    import pandas as pd

    from ensak.course.instance import create_instance
    from ensak.course.roster import write_roster
    from ensak.nbgrader.release import generate_release

    course_dir = create_instance(base / "kurs")
    generate_release(course_dir, [TASK])
    write_roster(course_dir, pd.DataFrame([{"id": i, "first_name": "Deltagare", "last_name": i,
                                            "email": f"{i}@bibliotek.example", "unit": "Huvudbiblioteket",
                                            "role": "Bibliotekarie"} for i in learners]))
    return course_dir


def start_hub(course_dir: Path, base: Path, password: str) -> tuple[subprocess.Popen, str, Path]:
    from ensak.hub.runner import free_port

    port = free_port()
    state = base / "hub-state"
    state.mkdir(mode=0o700)
    log_path = base / "ensak-hub.log"
    hub = subprocess.Popen([sys.executable, "-m", "ensak.cli", "hub", "-C", str(course_dir), "--port", str(port),
                            "--home-root", str(base / "homes"), "--state-dir", str(state), "--release", "all"],
                           stdout=open(log_path, "wb"), stderr=subprocess.STDOUT, start_new_session=True,
                           env=dict(os.environ, ENSAK_HUB_PASSWORD=password, PYTHONUNBUFFERED="1"))
    deadline = time.monotonic() + 180
    while "JupyterHub är igång" not in log_path.read_text(encoding="utf-8", errors="replace"):
        if hub.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("ensak hub did not start:\n" + log_path.read_text(errors="replace")[-3000:])
        time.sleep(0.3)
    return hub, f"http://127.0.0.1:{port}", state


def stop_hub(hub: subprocess.Popen, learners: list[str], state: Path) -> list[int]:
    """Ctrl-C as a coordinator would, then end whatever the hub left (as tests/fixtures_hub.py does)."""
    from ensak.hub.runner import end_processes, hub_processes

    if hub.poll() is None:
        hub.send_signal(signal.SIGINT)
        try:
            hub.wait(90)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()
    leftovers = hub_processes(learners, state / "jupyterhub-proxy.pid")
    end_processes(leftovers)
    return leftovers


def exchange_inbound(course_dir: Path) -> list[Path]:
    from ensak.nbgrader.api import load_config

    return list(Path(load_config(course_dir).Exchange.root).glob(f"*/inbound/*+{TASK}+*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("Run as root: the hub starts each learner's server under their own account.")
    from ensak.hub.accounts import remove_learner_accounts
    from ensak.nbgrader.api import load_config

    tag = secrets.token_hex(2)
    alone_id = f"ensam-{tag}"
    crowd_ids = [f"kick-{tag}-{n:02d}" for n in range(args.learners)]
    everyone = [alone_id, *crowd_ids]
    base = Path(tempfile.mkdtemp(prefix="ensak-bench-kickoff-", dir="/tmp"))
    base.chmod(0o755)
    password = secrets.token_urlsafe(9)
    cores = len(os.sched_getaffinity(0))
    print(f"Machine: {cores} cores, {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB; "
          f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    hub = state = None
    summary = f"learners={args.learners} login_p50_s=nan login_p95_s=nan widgets_p95_s=nan submit_p95_s=nan " \
              f"errors={args.learners}"
    try:
        course_dir = make_course(base, everyone)
        course_id = load_config(course_dir).CourseDirectory.course_id
        started = time.monotonic()
        hub, url, state = start_hub(course_dir, base, password)
        print(f"Hub up in {time.monotonic() - started:.1f} s at {url}", flush=True)

        alone = Learner(alone_id, password, url, course_id)
        alone.run()
        if alone.error:
            print(f"One learner alone: ERROR {alone.error}")
        else:
            verdict = "ok" if alone.times["widgets"] <= ALONE_WIDGETS_LIMIT_S else \
                f"OVER the {ALONE_WIDGETS_LIMIT_S:.0f} s target"
            print("One learner alone: " + ", ".join(f"{k} {v:.2f} s" for k, v in alone.times.items()) +
                  f" (widgets {verdict})", flush=True)

        crowd = [Learner(i, password, url, course_id) for i in crowd_ids]
        barrier = threading.Barrier(len(crowd))
        hub_cpu_before = hub_cpu_seconds(state)
        # Daemons: Ctrl-C ends the bench (and its hub) even while a learner waits on the network.
        threads = [threading.Thread(target=learner.run, args=(barrier,), daemon=True) for learner in crowd]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
        # Measured before anything stops: each learner's JupyterLab and kernel are still running.
        cpu = learner_cpu_seconds(crowd_ids) + hub_cpu_seconds(state) - hub_cpu_before
        submitted = {p.name.split("+")[0] for p in exchange_inbound(course_dir)}
        for learner in crowd:
            if not learner.error and learner.id not in submitted:
                learner.error = "the submission is not in the exchange"
        errors = [learner for learner in crowd if learner.error]
        restarted = sum(1 for learner in crowd if learner.times.get("kernel_restarts"))
        if restarted:
            print(f"  {restarted} learners' kernels were started again (JupyterLab reconnects and the task reruns)")
        for learner in errors:
            print(f"  error for {learner.id}: {learner.error}")
        if errors:
            kept = Path(tempfile.gettempdir()) / "ensak-kickoff-hub.log"
            shutil.copy(base / "ensak-hub.log", kept)
            print(f"  the hub's log: {kept}")
        figures = {step: [learner.times[step] for learner in crowd if step in learner.times]
                   for step in ("login", "fetch", "kernel", "widgets", "submit")}
        for step, values in figures.items():
            if values:
                print(f"  {step:8} median {statistics.median(values):6.1f} s   p95 {percentile(values, 0.95):6.1f} s"
                      f"   max {max(values):6.1f} s", flush=True)
        print(f"All {len(crowd)} from the same moment to handed in: {wall:.1f} s; CPU used by their servers, kernels "
              f"and the hub: {cpu:.0f} s, {cpu / len(crowd):.1f} s per learner (load average now "
              f"{os.getloadavg()[0]:.1f})")
        summary = (f"learners={len(crowd)} login_p50_s={percentile(figures['login'], 0.5):.1f} "
                   f"login_p95_s={percentile(figures['login'], 0.95):.1f} "
                   f"widgets_p95_s={percentile(figures['widgets'], 0.95):.1f} "
                   f"submit_p95_s={percentile(figures['submit'], 0.95):.1f} errors={len(errors)}")
    finally:
        if hub is not None:
            leftovers = stop_hub(hub, everyone, state)
            if leftovers:
                print(f"(the hub left {len(leftovers)} processes, ended)", flush=True)
        remove_learner_accounts(everyone)
        shutil.rmtree(base, ignore_errors=True)
    # The last line, after everything has stopped, so nothing the cleanup says comes after it.
    print(summary, flush=True)


if __name__ == "__main__":
    main()
