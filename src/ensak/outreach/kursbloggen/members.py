"""Who belongs to a course's blog, and by what name colleagues see them.

A member is on the course's roster (active), in the course's hub group ([blog] group), or the coordinator
(a hub admin or a name in [blog] coordinators). Names come from the roster, including people who have
left, so that their earlier posts keep a name. roster.csv is read again whenever it changes.
"""

from __future__ import annotations

from pathlib import Path

from ensak.outreach.kursbloggen.store import Member

COORDINATOR_NAME = "Kursledaren"


class Membership:
    def __init__(self, course_dir: Path, coordinators: frozenset[str] = frozenset(), group: str | None = None):
        self.course_dir = Path(course_dir)
        self.coordinators = coordinators
        self.group = group
        self._stamp: tuple[float, int] | None = None
        self._active: set[str] = set()
        self._names: dict[str, tuple[str, str]] = {}

    def _refresh(self) -> None:
        from ensak.course.roster import load_roster, roster_path

        path = roster_path(self.course_dir)
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = (0.0, -1)
        if stamp == self._stamp:
            return
        everyone = load_roster(self.course_dir, include_inactive=True)
        self._active = set(everyone.loc[everyone["left"] == "", "id"])
        self._names = {row.id: (row.first_name, row.last_name) for row in everyone.itertuples()}
        self._stamp = stamp

    def name(self, member_id: str) -> str:
        self._refresh()
        first, last = self._names.get(member_id, ("", ""))
        if not (first or last) and member_id in self.coordinators:
            return COORDINATOR_NAME   # a coordinator is rarely on the learners' roster
        return f"{first} {last}".strip() or member_id

    def first_name(self, member_id: str) -> str:
        self._refresh()
        return self._names.get(member_id, ("", ""))[0]

    def member(self, user_id: str, *, admin: bool = False, groups: list[str] | tuple[str, ...] = ()) -> Member | None:
        """The Member for a hub (or local) user, or None if they do not belong to this course."""
        self._refresh()
        coordinator = admin or user_id in self.coordinators
        belongs = coordinator or user_id in self._active or (self.group is not None and self.group in groups)
        return Member(id=user_id, name=self.name(user_id), coordinator=coordinator) if belongs else None

    def active_ids(self) -> list[str]:
        self._refresh()
        return sorted(self._active)
