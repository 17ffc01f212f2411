"""Alembic's environment for Kursbloggen: always run from ensak.outreach.kursbloggen.database with a connection."""

from __future__ import annotations

from alembic import context

from ensak.outreach.kursbloggen.schema import PREFIX, VERSION_TABLE, metadata


def include_object(obj, name, type_, reflected, compare_to):
    # In a database shared with nbgrader, everything not ours is left alone (also by autogenerate).
    if type_ == "table":
        return bool(name) and name.startswith(PREFIX)
    return True


connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                  include_object=include_object, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
