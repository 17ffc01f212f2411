"""nbgrader's gradebook tables, the columns ensak reads: the one description of nbgrader's schema here.

Declared with SQLAlchemy Core rather than imported from nbgrader.api, whose import pulls in the whole
Jupyter server (two seconds per report); the same statements run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa

_meta = sa.MetaData()
course = sa.Table("course", _meta, sa.Column("id", sa.String(128), primary_key=True))
assignment = sa.Table(
    "assignment", _meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(128)),
    sa.Column("duedate", sa.DateTime()),
    sa.Column("course_id", sa.String(128)),
)
notebook = sa.Table(
    "notebook", _meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("assignment_id", sa.String(32)),
)
base_cell = sa.Table(
    "base_cell", _meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(128)),
    sa.Column("notebook_id", sa.String(32)),
)
grade_cells = sa.Table(
    "grade_cells", _meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("max_score", sa.Float()),
)
task_cells = sa.Table(
    "task_cells", _meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("max_score", sa.Float()),
)
student = sa.Table(
    "student", _meta,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("first_name", sa.String(128)),
    sa.Column("last_name", sa.String(128)),
    sa.Column("email", sa.String(128)),
)
submitted_assignment = sa.Table(
    "submitted_assignment", _meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("assignment_id", sa.String(32)),
    sa.Column("student_id", sa.String(128)),
    sa.Column("timestamp", sa.DateTime()),
    sa.Column("extension", sa.Interval()),
)
submitted_notebook = sa.Table(
    "submitted_notebook", _meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("assignment_id", sa.String(32)),
    sa.Column("notebook_id", sa.String(32)),
)
grade = sa.Table(
    "grade", _meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("notebook_id", sa.String(32)),
    sa.Column("cell_id", sa.String(32)),
    sa.Column("auto_score", sa.Float()),
    sa.Column("manual_score", sa.Float()),
    sa.Column("extra_credit", sa.Float()),
    sa.Column("needs_manual_grade", sa.Boolean()),
)
comment = sa.Table(
    "comment", _meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("notebook_id", sa.String(32)),
    sa.Column("cell_id", sa.String(32)),
    sa.Column("auto_comment", sa.Text()),
    sa.Column("manual_comment", sa.Text()),
)

# The foreign keys nbgrader looks up by but never indexed. Named as SQLAlchemy names an index made
# with index=True, so should nbgrader ever declare one of them, both sides mean the same index.
MISSING_INDEXES: tuple[sa.Index, ...] = (
    sa.Index("ix_grade_notebook_id", grade.c.notebook_id),
    sa.Index("ix_comment_notebook_id", comment.c.notebook_id),
    sa.Index("ix_submitted_notebook_assignment_id", submitted_notebook.c.assignment_id),
    sa.Index("ix_submitted_assignment_student_id", submitted_assignment.c.student_id),
    sa.Index("ix_base_cell_notebook_id", base_cell.c.notebook_id),
)
