"""A course with Kursbloggen running on loopback in the test process, and a clock the tests move by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

START = dt.datetime(2027, 1, 20, 9, 0, tzinfo=dt.timezone.utc)
COORDINATOR = "karin.lund"
LEARNERS = {"anna.ek": ("Anna", "Ek"), "bo.ahl": ("Bo", "Åhl"), "cecilia.oberg": ("Cecilia", "Öberg")}


class Clock:
    """The blog's clock in a test: it stands still until moved."""

    def __init__(self, now: dt.datetime = START):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def make_blog_course(base: Path, learners: dict[str, tuple[str, str]] = LEARNERS, *,
                     coordinators: tuple[str, ...] = (COORDINATOR,), blog_table: str = "") -> Path:
    """A course instance with a roster of `learners` and [blog] coordinators in its course.toml."""
    from ensak.course.instance import create_instance
    from ensak.course.roster import write_roster

    course_dir = create_instance(base / "kurs")
    write_roster(course_dir, pd.DataFrame([{"id": learner, "first_name": first, "last_name": last,
                                            "email": f"{learner}@bibliotek.example"}
                                           for learner, (first, last) in learners.items()]))
    table = blog_table or "[blog]\ncoordinators = [" + ", ".join(f'"{c}"' for c in coordinators) + "]\n"
    with open(course_dir / "course.toml", "a", encoding="utf-8") as plan:
        plan.write("\n" + table)
    return course_dir


@dataclass
class RunningBlog:
    url: str
    token: str
    clock: Clock
    course_dir: Path
    engine: object
    settings: object

    def client(self, learner: str):
        from ensak.learner.blog_client import BlogClient

        return BlogClient(self.url, self.token, learner)
