"""Kursintyg: a Swedish PDF certificate for everyone who has done the whole course, as recognition.

Done means every task handed in, and for each task with a real action, its evidence given (a link or a
description of what was done): the certificate speaks of things done, not pages read. The hours are
the course's own time per task (course.toml `minutes`), the same figure learners were told.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pandas as pd
from fpdf import FPDF

from ensak.analytics.collected import evidence_status, read_collected_answers, tasks_requiring_evidence
from ensak.analytics.gradebook import FIRST_NAME, LAST_NAME, LEARNER, SUBMITTED, TASK, load_progress
from ensak.atomic_files import write_atomically
from ensak.course.plan import Course, load_course
from ensak.swedish import swedish_date

CERTIFICATE_STEM = "kursintyg"
# DejaVu ships with matplotlib (already a dependency) and has every Swedish letter.
FONT_FOLDER = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@dataclass(frozen=True)
class Certificate:
    learner: str
    name: str
    course: Course
    day: dt.date

    @property
    def hours(self) -> float:
        return sum(task.minutes for task in self.course.tasks) / 60

    @property
    def hours_text(self) -> str:
        # Rounded to the half hour: the figure is an honest estimate, not a time sheet.
        half_hours = round(self.hours * 2)
        whole, half = divmod(half_hours, 2)
        return f"{whole},5 timmar" if half else f"{whole} timmar"


def finished_learners(progress: pd.DataFrame, evidence: pd.DataFrame, required: dict[str, str],
                      task_ids: list[str]) -> pd.DataFrame:
    """The learners (LEARNER, FIRST_NAME, LAST_NAME) who handed in every task with its evidence."""
    handed_in = progress[progress[SUBMITTED].astype(bool)].groupby(LEARNER)[TASK].apply(set)
    complete = evidence[evidence["evidence_ok"]].groupby(LEARNER)[TASK].apply(set)
    needed = set(required)
    done = [learner for learner, tasks in handed_in.items()
            if set(task_ids) <= tasks and needed <= complete.get(learner, set())]
    people = progress[[LEARNER, FIRST_NAME, LAST_NAME]].drop_duplicates(LEARNER)
    return people[people[LEARNER].isin(done)].sort_values([LAST_NAME, FIRST_NAME]).reset_index(drop=True)


def certificates_for(course_dir: Path | str, today: dt.date | None = None) -> list[Certificate]:
    """A certificate for each learner who has finished the course, read from the gradebook and submissions."""
    course_dir = Path(course_dir)
    course = load_course(course_dir)
    progress = load_progress(course_dir)
    required = tasks_requiring_evidence(course_dir, course.task_ids)
    answers = read_collected_answers(course_dir, tasks=required, keys=set(required.values())).answers
    done = finished_learners(progress, evidence_status(answers, required), required, course.task_ids)
    day = today or dt.date.today()
    return [Certificate(row[LEARNER], f"{row[FIRST_NAME]} {row[LAST_NAME]}".strip(), course, day)
            for _, row in done.iterrows()]


def certificate_pdf(certificate: Certificate) -> bytes:
    """One A4 page: the person, the course, what was done, the time and the date."""
    course = certificate.course
    pdf = FPDF(format="A4")
    pdf.set_title(f"Kursintyg {course.title}: {certificate.name}")
    pdf.set_lang("sv")
    pdf.add_font("DejaVu", "", str(FONT_FOLDER / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_FOLDER / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_margins(25, 25, 25)
    pdf.set_y(35)
    pdf.set_font("DejaVu", "B", 28)
    pdf.cell(0, 14, "Kursintyg", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 20)
    pdf.cell(0, 12, certificate.name, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 12)
    organisation = f" vid {course.organisation}" if course.organisation else ""
    pdf.multi_cell(0, 7, f"har genomfört kursen {course.title}{organisation}: en kurs för bibliotekets personal "
                         "i sociala medier och digitala verktyg, en sak i taget. I varje uppgift har deltagaren "
                         "gjort något på riktigt i en verklig tjänst och skrivit en reflektion.",
                   align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, "Uppgifterna", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    for task in course.tasks:
        pdf.cell(0, 6.5, f"Uppgift {task.number}: {task.title}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(0, 7, f"Omfattning: ungefär {certificate.hours_text}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, f"Datum: {swedish_date(certificate.day)}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(18)
    pdf.cell(70, 0, "", border="T", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, "Kursledare", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def write_certificates(course_dir: Path | str, out_dir: Path | str, today: dt.date | None = None) -> list[Path]:
    """Write kursintyg-<learner>.pdf for everyone who finished; return the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for certificate in certificates_for(course_dir, today):
        # Learner ids are nbgrader ids (ASCII, no slashes): safe in a file name as they are.
        path = out_dir / f"{CERTIFICATE_STEM}-{certificate.learner}.pdf"
        write_atomically(path, certificate_pdf(certificate))
        written.append(path)
    return written
