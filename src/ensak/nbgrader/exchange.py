"""The shared exchange as the coordinator's collect sees it: only whole submissions, each taken in the
name of the account that made it, and never a link followed out of a submission. And releases that
learners see only when they are whole.

Learners write into the exchange's inbound folder, so anything may be there: a submission cut off
half-way, one placed in a colleague's name, a link to a file only the coordinator may read, a
folder name nbgrader cannot parse. nbgrader's own collect copies all of it (it only warns about a
wrong owner, and one unparsable name stops the whole task). `CheckedCollect`, named in
nbgrader_config.py, leaves such entries where they are; `screen_inbound` says why, in Swedish.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from nbgrader.exchange.default import (
    ExchangeCollect,
    ExchangeReleaseAssignment,
    ExchangeSubmit,
)
from nbgrader.utils import ignore_patterns, parse_utc

from ensak.nbgrader.screening import SubmissionFinding, submitted_timestamp
from ensak.nbgrader.timestamps import TIMESTAMP_FILE


@dataclass(frozen=True)
class InboundEntry:
    path: Path
    learner: str
    task: str
    timestamp: object  # datetime; None when the name cannot be parsed
    problem: str = ""   # why it is not collected; "" when it is fine
    links: tuple[str, ...] = ()  # links inside it, which collect does not follow


def _owner(path: Path) -> str:
    uid = path.lstat().st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _links(folder: Path) -> tuple[str, ...]:
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            if os.path.islink(os.path.join(dirpath, name)):
                found.append(os.path.relpath(os.path.join(dirpath, name), folder))
    return tuple(sorted(found))


def inspect_entry(path: Path, task: str) -> InboundEntry:
    """What one inbound folder (`learner+task+timestamp+random`) is, and whether it may be collected."""
    parts = path.name.rsplit("+", 3)
    learner = parts[0]
    try:
        timestamp = parse_utc(parts[2]) if len(parts) >= 3 else None
    except Exception:  # nbgrader's parser raises whatever dateutil raises
        timestamp = None
    if timestamp is None:
        return InboundEntry(path, learner, task, None,
                            f"Mappen {path.name} i utbytesmappen har ett namn som inte är en inlämning och hoppades "
                            "över. Ta bort den om ingen deltagare saknar en inlämning.")
    if path.is_symlink() or not path.is_dir():
        return InboundEntry(path, learner, task, timestamp,
                            f"{path.name} i utbytesmappen är inte en vanlig mapp och samlades inte in. Ta bort den.")
    # In the single-account demo the coordinator's own account owns every submission; on a hub each
    # learner's account owns theirs, and nobody may hand in work in somebody else's name.
    if path.lstat().st_uid != os.geteuid() and _owner(path) != learner:
        return InboundEntry(path, learner, task, timestamp,
                            f"En inlämning i {learner}s namn gjordes av kontot {_owner(path)} och samlades inte in. "
                            f"Den ligger kvar i utbytesmappen ({path.name}); ta reda på vad som hänt innan du tar "
                            "bort den.")
    if not (path / TIMESTAMP_FILE).is_file():
        return InboundEntry(path, learner, task, timestamp,
                            "En inlämning avbröts innan den var klar och samlades inte in; den förra inlämningen "
                            "gäller. Be deltagaren lämna in igen.")
    return InboundEntry(path, learner, task, timestamp, links=_links(path))


def inbound_entries(exchange_root: Path | str, course_id: str, task: str, learner: str = "*") -> list[InboundEntry]:
    inbound = Path(exchange_root) / course_id / "inbound"
    pattern = str(inbound / f"{glob.escape(learner) if learner != '*' else '*'}+{glob.escape(task)}+*")
    return [inspect_entry(Path(p), task) for p in sorted(glob.glob(pattern))]


def newest_collectable(entries: list[InboundEntry]) -> dict[str, InboundEntry]:
    """Per learner, the newest entry that may be collected."""
    chosen: dict[str, InboundEntry] = {}
    for entry in entries:
        if entry.problem:
            continue
        if entry.learner not in chosen or entry.timestamp > chosen[entry.learner].timestamp:
            chosen[entry.learner] = entry
    return chosen


def screen_inbound(course_dir: Path | str, exchange_root: Path | str, course_id: str, task: str) -> list:
    """Findings (ensak.nbgrader.screening.SubmissionFinding) on inbound entries newer than what submitted/ holds: blocking
    for entries not collected, a note for links not followed. Older entries were dealt with by an
    earlier collect and are not repeated."""
    findings = []
    for entry in inbound_entries(exchange_root, course_id, task):
        current = submitted_timestamp(course_dir, entry.learner, task)
        if entry.timestamp is not None and current is not None and entry.timestamp <= current:
            continue
        if entry.problem:
            findings.append(SubmissionFinding(entry.learner, task, entry.problem, blocking=True))
        elif entry.links:
            findings.append(SubmissionFinding(entry.learner, task, "Inlämningen innehöll länkar till något utanför "
                                    f"uppgiftsmappen ({', '.join(entry.links)}). Länkarna följdes inte och är inte "
                                    "med i det insamlade."))
    return findings


class CheckedCollect(ExchangeCollect):
    """nbgrader's collect, taking per learner the newest submission that `inspect_entry` accepts and
    copying it without following links."""

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail("Course not found: {}".format(self.inbound_path))
        learner = self.coursedir.student_id or "*"
        entries = inbound_entries(self.root, self.coursedir.course_id, self.coursedir.assignment_id, learner)
        for entry in entries:
            if entry.problem:
                self.log.warning("Not collecting %s: %s", entry.path.name, entry.problem)
        self.src_records = [{"username": e.learner, "filename": e.path.name, "timestamp": e.timestamp}
                            for e in newest_collectable(entries).values()]

    def do_copy(self, src, dest, log=None):
        nbgrader_ignore = ignore_patterns(exclude=self.coursedir.ignore, include=self.coursedir.include,
                                          max_file_size=self.coursedir.max_file_size, log=self.log)

        def ignore(directory, names):
            links = [n for n in names if os.path.islink(os.path.join(directory, n))]
            return set(nbgrader_ignore(directory, names)) | set(links)

        if self.get_size(src) > 1000 * self.coursedir.max_dir_size:
            raise RuntimeError(f"Directory size is too big: {src}")
        # A collect killed half-way must leave no half-copied submission a later collect takes for whole.
        _copy_into_place(lambda source, target: shutil.copytree(source, target, ignore=ignore), src, Path(dest),
                         "collecting")


def _copy_into_place(copy, src, dest: Path, purpose: str) -> None:
    """Run `copy(src, partial)` beside `dest` and rename the result into place: a process killed half-way
    leaves only a hidden partial folder (removed by the next attempt), never half a folder under the
    real name, which nbgrader would take for a whole one."""
    dest = Path(dest)
    for stale in dest.parent.glob(f".{dest.name}.{purpose}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    partial = dest.parent / f".{dest.name}.{purpose}-{os.getpid()}"
    copy(src, str(partial))
    os.replace(partial, dest)


class AtomicRelease(ExchangeReleaseAssignment):
    """nbgrader's release, with each task appearing in the exchange only when it is copied whole, and
    an inbound folder where nobody can rename or remove another learner's submission."""

    def init_dest(self):
        super().init_dest()
        # nbgrader's inbound is writable by everyone so that anyone can submit; without the sticky bit
        # anyone who learns the name of a colleague's submission could also rename or delete it.
        inbound = Path(self.inbound_path)
        if inbound.stat().st_uid == os.geteuid():
            inbound.chmod(stat.S_IMODE(inbound.stat().st_mode) | stat.S_ISVTX)

    def do_copy(self, src, dest, log=None):
        _copy_into_place(super().do_copy, src, Path(dest), "releasing")


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit, leaving the submission to its author and the coordinator's group.

    nbgrader makes a submission readable by everyone (and its folder writable by everyone, "so the
    instructor can delete later"), hidden only by a random name in a folder nobody may list. Here
    the folder is closed to other learners as well: the inbound folder's set-group-id bit gives the
    submission the coordinator's group, which keeps read and write access.
    """

    def copy_files(self):
        super().copy_files()
        submission = Path(self.inbound_path) / self.assignment_filename
        for dirpath, _, filenames in os.walk(submission):
            os.chmod(dirpath, 0o770)
            for name in filenames:
                os.chmod(os.path.join(dirpath, name), 0o640)

