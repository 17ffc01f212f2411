# nbgrader's configuration for this course directory. Plain `nbgrader ...` commands run from the
# repository root read it, and so does ensak, so both always agree on where things are.
import os
from pathlib import Path

from ensak.course.plan import read_course_file
from ensak.nbgrader.api import silence_add_submission_warnings

c = get_config()  # noqa: F821  (nbgrader provides get_config)
# Plain `nbgrader autograde` and `collect` would otherwise print nbgrader's own harmless SAWarning blocks.
silence_add_submission_warnings()

here = Path(__file__).resolve().parent
# Read as ensak reads it: whatever encoding the coordinator's editor saved, and a Swedish message if it is wrong.
plan, _ = read_course_file(here)

c.CourseDirectory.root = str(here)
c.CourseDirectory.course_id = os.environ.get("ENSAK_COURSE_ID", plan["course"]["id"])
# SQLite by default; point ENSAK_DB_URL at PostgreSQL (postgresql+psycopg://...) for a large course.
# Several courses on one server each get a database of their own: {course_id} in the URL is replaced.
c.CourseDirectory.db_url = os.environ.get("ENSAK_DB_URL", f"sqlite:///{here / 'gradebook' / 'gradebook.db'}").replace(
    "{course_id}", c.CourseDirectory.course_id)
# The exchange is a git-ignored folder by default; on a hub it is a folder every learner can reach.
c.Exchange.root = os.environ.get("ENSAK_EXCHANGE", str(here / "exchange"))
# Exchange.cache stays nbgrader's default on purpose: it is where whoever submits keeps copies of their own
# submissions, in their own home ($JUPYTER_DATA_DIR/nbgrader_cache), and a course-wide folder would let
# learners read each other's. ensak reads it, like every setting left to its default here, through
# nbgrader's own classes (ensak.nbgrader.api.course_settings), never from this Config.
# Learners write into the exchange: collect only whole submissions, in the name of the account that made
# them, without following links out of them (ensak.nbgrader.exchange says why it skips one).
c.ExchangeFactory.collect = "ensak.nbgrader.exchange.CheckedCollect"
# A release killed half-way must not leave learners half a task: it appears only when copied whole.
c.ExchangeFactory.release_assignment = "ensak.nbgrader.exchange.AtomicRelease"
# Where learners' servers share no disk (JupyterHub on many machines), the exchange is ngshare over HTTP
# instead: chosen by ENSAK_NGSHARE_URL or by `ensak hub --exchange ngshare` (ensak.nbgrader.ngshare_client).
from ensak.nbgrader.ngshare_client import configure_exchange  # noqa: E402

configure_exchange(c, here)

# facit.json is the answer key in source/: it must never reach learners or the autograder's copy.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "facit.json"]

# Learners write in Swedish, so the placeholders they replace are Swedish too.
c.ClearSolutions.text_stub = "SKRIV DITT SVAR HÄR"
c.ClearSolutions.code_stub = {"python": "# SKRIV DITT SVAR HÄR"}

# A learner who deletes a test cell must not escape grading: put it back from the source. nbgrader's
# own restore fails when the cell before a test cell is a locked widget cell, so ours replaces it.
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteKernelspec  # noqa: E402

from ensak.nbgrader.preprocessors import (  # noqa: E402
    RestoreDeletedCells,
    SetAsideForeignCode,
    ShowLearnerTextAsText,
)

# Only the teacher's code runs: a code cell a learner added or changed is shown in the graded copy
# (formgrader, feedback) with a note, never executed. HTML a learner wrote is shown as text, so it
# cannot run in the coordinator's formgrader.
c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreDeletedCells,
                                      SetAsideForeignCode, ShowLearnerTextAsText, CheckCellMetadata]
c.OverwriteCells.add_missing_cells = True
c.OverwriteCells.missing_cell_notification = (
    "Den här cellen ({cell_id}) saknades i inlämningen och har lagts tillbaka automatiskt.\n\n"
)
# Answers files are written by the widgets and must never be replaced by a source copy.
c.Autograde.exclude_overwriting = {}
# A notebook that loops or floods output must not hold up everyone else's grading.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.LimitOutput.max_lines = 200
# ...nor fill memory and the feedback with megabytes printed on one line: output is cut as it arrives.
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from ensak.nbgrader.preprocessors import BoundedExecute  # noqa: E402

c.Autograde.autograde_preprocessors = [BoundedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
c.BoundedExecute.max_output_chars = 100_000
# Each grading kernel runs in a sandbox (bubblewrap): no network, no files but a copy of its own
# submission, none of the coordinator's environment, limits on memory, processes and file size.
# ensak.nbgrader.sandbox says what it allows and what is missing where bubblewrap is not installed.
c.BoundedExecute.kernel_manager_class = "ensak.nbgrader.sandbox.SandboxedKernelManager"
# ipykernel 7 warns on every start that its connection is unencrypted; with hundreds of notebooks that
# drowns the coordinator's terminal in noise. Real kernel errors still reach the graded cells.
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]

# Learners read their feedback in Swedish, with the page's language set: ensak's "feedback" template is
# found before nbgrader's (formgrader's own "formgrade" template is still nbgrader's).
from ensak.nbgrader.feedback import feedback_template_dirs  # noqa: E402

c.HTMLExporter.extra_template_basedirs = feedback_template_dirs()
c.HTMLExporter.exclude_anchor_links = True  # the "¶" after each heading
c.HTMLExporter.embed_images = True  # the task's pictures travel inside the page
