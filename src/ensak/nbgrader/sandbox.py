"""The grading kernel's sandbox: what the code in a task notebook can reach while nbgrader autogrades it.

Only the teacher's code runs during grading (`SetAsideForeignCode` sets aside anything a learner added),
but another library's tasks may hold code of their own, and code can be wrong. So each grading kernel
starts inside bubblewrap (Debian's `bubblewrap` package, the sandbox Flatpak uses):

- no network: a network namespace of its own, with only an unconnected loopback;
- no files but its own: the root is empty except the Python installation, read-only, a few files
  from /etc, a copy of the submission's own folder (read-only, at its usual path) and small
  in-memory /tmp and /dev/shm. The gradebook, roster.csv, source/ (answer keys) and other learners'
  folders are simply not there;
- none of the coordinator's environment: only the variables in `passed_env`, plus a fixed PATH and HOME;
- limits on memory, processes and file size (setrlimit through util-linux's `prlimit`), counted
  per sandbox: as root the kernel runs as a numeric user of its own (util-linux's `setpriv`),
  otherwise in a user namespace of its own.

nbgrader talks to a kernel over ZeroMQ. Over TCP the parent could not reach a kernel without network,
so this manager uses ZeroMQ's `ipc` transport: Unix sockets in a folder of the kernel's own, the
only place it may write to on disk.

Without bubblewrap (or where the machine forbids its namespaces) the kernel still gets the cleaned
environment and the memory and file-size limits; `missing_protections` says what is then missing,
and sync tells the coordinator once.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import site
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, List, Unicode

from ensak.processes import process_is_alive

MIB = 1024 * 1024
# As root the kernel runs as a numeric user that has no account, one per kernel, so that the process
# limit counts that kernel's processes only (the kernel exempts root from RLIMIT_NPROC). Far above
# ordinary accounts and the usual /etc/subuid ranges for containers.
SANDBOX_UID_BASE = 1_900_000_000
# The few files from /etc that Python and its libraries read; nothing else of /etc (no shadow, no
# configuration with secrets) is visible.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "passwd", "group",
             "nsswitch.conf", "hosts", "mime.types", "ssl", "ca-certificates", "fonts", "alternatives")
# What the Python kernel needs on a merged-/usr Debian (and the folders themselves elsewhere).
SYSTEM_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
UNIX_SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes; ZeroMQ adds "-<port>"

# The variables a grading kernel gets from the grader's environment; the rest stays outside.
PASSED_ENV = ("LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "TZ",
              # nbgrader sets it while it grades; the checks read it (ensak.learner.grading.grading_now).
              "NBGRADER_EXECUTION")

_kernel_numbers = itertools.count()


@dataclass(frozen=True)
class SandboxSupport:
    """What this machine offers: bubblewrap and util-linux found and working, or why not."""

    bwrap: str | None
    prlimit: str | None
    setpriv: str | None
    problem: str = ""

    @property
    def isolated(self) -> bool:
        return self.bwrap is not None and not self.problem


def find_tool(name: str) -> str | None:
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/bin", "/bin", "/usr/sbin"]))


@lru_cache(maxsize=1)
def sandbox_support() -> SandboxSupport:
    """Whether bubblewrap can start a sandbox here (checked once per process by starting one)."""
    bwrap, prlimit, setpriv = find_tool("bwrap"), find_tool("prlimit"), find_tool("setpriv")
    if bwrap is None:
        return SandboxSupport(None, prlimit, setpriv, "bubblewrap (bwrap) är inte installerat")
    if prlimit is None or (os.geteuid() == 0 and setpriv is None):
        return SandboxSupport(None, prlimit, setpriv, "util-linux saknar prlimit eller setpriv")
    probe = kernel_folder(Path(tempfile.gettempdir()))
    try:
        command = sandbox_command(SandboxSupport(bwrap, prlimit, setpriv), probe, probe, probe, Limits(),
                                  {"PATH": "/usr/bin:/bin"}, uid=_sandbox_uid(), command=["/bin/true"])
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return SandboxSupport(None, prlimit, setpriv, f"bwrap gick inte att starta ({error})")
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    if result.returncode != 0:
        why = (result.stderr.strip().splitlines() or ["okänt fel"])[-1]
        return SandboxSupport(None, prlimit, setpriv, f"bwrap vägrade starta här: {why}")
    return SandboxSupport(bwrap, prlimit, setpriv)


@dataclass(frozen=True)
class Limits:
    memory: int = 2048 * MIB  # address space per process
    processes: int = 64  # processes and threads of the sandbox (the kernel itself uses about 10)
    file_size: int = 64 * MIB  # largest file the kernel may write
    scratch: int = 128 * MIB  # size of the in-memory /tmp (and of /dev/shm)


def limits_command(prlimit: str | None, limits: Limits, *, processes: bool) -> list[str]:
    if prlimit is None:
        return []
    command = [prlimit, f"--as={limits.memory}", f"--fsize={limits.file_size}", "--core=0"]
    if processes:
        command.append(f"--nproc={limits.processes}")
    return [*command, "--"]


def _sandbox_uid() -> int:
    # One per kernel: the process limit counts processes per user, and two kernels of one grader
    # must not share a count while the first one's processes are being cleared away.
    return SANDBOX_UID_BASE + os.getpid() * 8 + next(_kernel_numbers) % 8


@lru_cache(maxsize=1)
def _python_installation() -> frozenset[Path]:
    """The interpreter, the virtual environment and the folders .pth files add (an editable install's src/)."""
    candidates = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), Path(sys.base_exec_prefix),
                  Path(os.path.realpath(sys.executable)).parent}
    for packages in site.getsitepackages():
        for pth in glob.glob(os.path.join(packages, "*.pth")):
            try:
                lines = Path(pth).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                continue
            candidates.update(Path(line.strip()) for line in lines
                              if line.strip().startswith("/") and Path(line.strip()).is_dir())
    return frozenset(p.resolve() for p in candidates if p.exists())


def python_paths(course_dir: Path | None) -> list[Path]:
    """Where the kernel's Python finds its code (`_python_installation`), but never a folder that holds
    the course: binding it would show the gradebook and source/."""
    candidates = _python_installation()
    course = course_dir.resolve() if course_dir else None
    kept = []
    for path in sorted(candidates):
        if path != Path("/") and not (course is not None and course.is_relative_to(path)):
            kept.append(path)
    # A path inside another one is bound with it.
    return [p for p in kept if not any(p != q and p.is_relative_to(q) for q in kept)]


def sandbox_command(support: SandboxSupport, kernel_dir: Path, work_copy: Path, cwd: Path, limits: Limits,
                    env: dict[str, str], *, uid: int, command: list[str], course_dir: Path | None = None) -> list[str]:
    """The bwrap command line that runs `command` in the sandbox, in `cwd` (shown from `work_copy`)."""
    args = [support.bwrap, "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--clearenv"]
    as_root = os.geteuid() == 0
    if as_root:
        # bwrap does its mounts as root; setpriv then drops to the sandbox's own user and every capability.
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                 "--cap-add", "CAP_SETPCAP"]
    else:
        args += ["--unshare-user"]
    for name, value in sorted(env.items()):
        args += ["--setenv", name, value]
    args += ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_LINKS:
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    made = {Path("/"), Path("/usr"), Path("/etc"), Path("/tmp"), Path("/dev")}

    def parents_of(target: Path) -> list[str]:
        # bwrap would make missing parent folders readable by root only; the kernel's user must pass through.
        made_here = []
        for parent in reversed(target.parents):
            if parent not in made:
                made.add(parent)
                made_here += ["--perms", "0755", "--dir", str(parent)]
        made.add(target)
        return made_here

    # The fresh /tmp first: bwrap mounts in order, and a Python installation under /tmp (a checkout
    # there, as CI's may be) bound before it would be hidden by it and the kernel could not start.
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(limits.scratch), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(limits.scratch), "--tmpfs", "/dev/shm"]
    for path in python_paths(course_dir):
        if not path.is_relative_to("/usr"):
            args += [*parents_of(path), "--ro-bind", str(path), str(path)]
    args += [*parents_of(kernel_dir), "--bind", str(kernel_dir), str(kernel_dir),
             *parents_of(cwd), "--ro-bind", str(work_copy), str(cwd),
             "--chdir", str(cwd), "--"]
    if as_root:
        args += [support.setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", "--"]
    return args + limits_command(support.prlimit, limits, processes=True) + command


def kernel_environment(parent_env: dict[str, str], passed: list[str], home: str) -> dict[str, str]:
    """The kernel's whole environment: the allowed variables from the grader's, and fixed ones."""
    env = {name: parent_env[name] for name in passed if name in parent_env}
    env.update({
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": home,
        "TMPDIR": "/tmp",
        "IPYTHONDIR": f"{home}/.ipython",
        "MPLCONFIGDIR": f"{home}/.matplotlib",
        "PYTHONDONTWRITEBYTECODE": "1",
        # One thread per numerical library: fewer threads keep the kernel well inside its process
        # and memory limits (each thread reserves address space).
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
        # In the sandbox the kernel's parent is bubblewrap's init, process 1 of its namespace. Saying so
        # spares the coordinator's terminal ipykernel's banner for kernels started by hand (without a
        # sandbox, jupyter_client puts the grader's own process id here).
        "JPY_PARENT_PID": "1",
    })
    return env


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts each grading kernel in the sandbox described above.

    Named in nbgrader_config.py (`BoundedExecute.kernel_manager_class`), so `ensak sync` and plain
    `nbgrader autograde` both use it.
    """

    passed_env = List(Unicode(), default_value=list(PASSED_ENV),
                      help="The only environment variables a grading kernel gets from the grader's.").tag(config=True)
    memory_limit = Integer(Limits.memory, help="Bytes of address space per kernel process.").tag(config=True)
    process_limit = Integer(Limits.processes, help="Processes and threads per kernel.").tag(config=True)
    file_size_limit = Integer(Limits.file_size, help="Largest file a kernel may write, in bytes.").tag(config=True)
    scratch_size = Integer(Limits.scratch, help="Bytes of the kernel's in-memory /tmp.").tag(config=True)

    _kernel_dir: Path | None = None

    @property
    def limits(self) -> Limits:
        return Limits(self.memory_limit, self.process_limit, self.file_size_limit, self.scratch_size)

    async def _async_pre_start_kernel(self, **kw):
        base = Path(tempfile.gettempdir())
        if len(str(base)) > UNIX_SOCKET_PATH_MAX - 40:
            base = Path("/tmp")
        remove_abandoned_kernel_folders(base)
        self._kernel_dir = kernel_folder(base)
        (self._kernel_dir / "anslut").mkdir()
        self.transport = "ipc"
        self.ip = str(self._kernel_dir / "anslut" / "k")
        self.connection_file = str(self._kernel_dir / "anslut" / "kernel.json")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        assert self._kernel_dir is not None
        support = sandbox_support()
        cwd = Path(kw.get("cwd") or os.getcwd()).resolve()
        parent_env = dict(kw.get("env") or os.environ)
        if not support.isolated:
            if not getattr(SandboxedKernelManager, "_warned", False):
                SandboxedKernelManager._warned = True
                self.log.warning("Grading kernels run without a sandbox: %s", support.problem)
            home = self._kernel_dir / "hem"
            home.mkdir()
            kw["env"] = kernel_environment(parent_env, self.passed_env, str(home))
            # No user namespace of its own here: a process limit would count all of the account's processes.
            await super()._async_launch_kernel(
                limits_command(support.prlimit, self.limits, processes=False) + kernel_cmd, **kw)
            return
        uid = _sandbox_uid()
        connect = self._kernel_dir / "anslut"
        work_copy = self._kernel_dir / "arbete"
        # A copy, so that the kernel can read its own submission when it runs as a user of its own, and
        # so that nothing it does can change the files nbgrader grades.
        shutil.copytree(cwd, work_copy, symlinks=True)
        if os.geteuid() == 0:
            for path in [self._kernel_dir, connect, *connect.iterdir(), work_copy, *work_copy.rglob("*")]:
                os.chown(path, uid, uid, follow_symlinks=False)
        env = kernel_environment(parent_env, self.passed_env, "/tmp")
        # Large messages are copied rather than handed to ZeroMQ's collector thread, which starts on
        # first use: at the process limit (code that forks until it is refused) it could not start,
        # and the kernel's messages would break off half-way.
        kernel_cmd = [*kernel_cmd, f"--Session.copy_threshold={2**62}"]
        command = sandbox_command(support, connect, work_copy, cwd, self.limits, env, uid=uid, command=kernel_cmd,
                                  course_dir=_course_dir(cwd))
        kw["env"] = {"PATH": "/usr/bin:/bin"}
        kw["cwd"] = str(self._kernel_dir)
        await super()._async_launch_kernel(command, **kw)

    async def _async_interrupt_kernel(self) -> None:
        # Signals meant for the kernel would stop bwrap (the process jupyter_client started), and with it
        # the kernel; a message on the control channel lets the kernel interrupt itself instead.
        if self.has_kernel and self._kernel_dir is not None and sandbox_support().isolated:
            self._connect_control_socket()
            self.session.send(self._control_socket, self.session.msg("interrupt_request", content={}))
            return
        await super()._async_interrupt_kernel()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if self._kernel_dir is not None and not restart:
            shutil.rmtree(self._kernel_dir, ignore_errors=True)
            self._kernel_dir = None

    # AsyncKernelManager binds its public names to the base class's functions: point them at ours.
    interrupt_kernel = _async_interrupt_kernel
    cleanup_resources = _async_cleanup_resources


KERNEL_FOLDER_PREFIX = "ensak-kernel-"


def kernel_folder(base: Path) -> Path:
    """A new private folder for one kernel, named after the process that owns it."""
    return Path(tempfile.mkdtemp(prefix=f"{KERNEL_FOLDER_PREFIX}{os.getpid()}-", dir=base))


def remove_abandoned_kernel_folders(base: Path) -> None:
    """Remove kernel folders whose process is gone: a grader killed with its sync (or a crash) cannot
    clean up, and each folder holds a copy of a learner's submission."""
    for folder in base.glob(f"{KERNEL_FOLDER_PREFIX}*-*"):
        owner = folder.name[len(KERNEL_FOLDER_PREFIX):].split("-", 1)[0]
        if owner.isdigit() and int(owner) != os.getpid() and not process_is_alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)


def _course_dir(cwd: Path) -> Path | None:
    """The course directory a grading kernel's folder (autograded/<learner>/<task>) belongs to."""
    for parent in cwd.parents:
        if (parent / "nbgrader_config.py").exists():
            return parent
    return None


def missing_protections(kernel_manager_class: str | type | None) -> tuple[str, list[str]]:
    """Why grading runs without (part of) its sandbox here, and which protections are missing, in
    Swedish; ("", []) when every protection is in place."""
    name = kernel_manager_class if isinstance(kernel_manager_class, str) else (
        f"{kernel_manager_class.__module__}.{kernel_manager_class.__qualname__}" if kernel_manager_class else "")
    walls = ["spärr mot nätverket",
             "spärr mot att läsa rättningsdatabasen, deltagarlistan, facit och andra deltagares mappar",
             "gräns för antal processer"]
    if name.rsplit(".", 1)[-1] != SandboxedKernelManager.__name__:
        return ("nbgrader_config.py startar inte rättningens kärnor i ensaks sandlåda",
                [*walls, "rensad miljö (kursledarens miljövariabler, som lösenord, syns för koden)",
                 "gränser för minne och filstorlek"])
    support = sandbox_support()
    if support.isolated:
        return "", []
    return support.problem, walls + ([] if support.prlimit else ["gränser för minne och filstorlek"])


def sandbox_note(kernel_manager_class: str | type | None) -> str | None:
    """What sync tells the coordinator, once, when grading runs without its full sandbox."""
    problem, missing = missing_protections(kernel_manager_class)
    if not missing:
        return None
    return (f"Rättningen kördes utan sandlåda ({problem}). Det här skyddet saknades: {'; '.join(missing)}. "
            "Bara uppgifternas egen kod kördes – kod som deltagare själva lagt till kördes inte – och allt är "
            "rättat som vanligt. Installera paketet bubblewrap (apt-get install bubblewrap) så att rättningen "
            "skyddas fullt ut; docs/security.md beskriver skyddet.")
