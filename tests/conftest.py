"""Shared fixtures: one generated and released course instance per test session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# nbgrader creates gradebooks with the `alembic` executable: the venv's bin must be on PATH.
os.environ["PATH"] = f"{Path(os.sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
# Warnings stay visible in child processes: the shipped nbgrader_config.py silences exactly nbgrader's
# harmless add_submission SAWarning (ensak.nbgrader.api), and kernels log at ERROR level only.


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def generated_course(tmp_path_factory) -> Path:
    """A course instance whose release/ and gradebook were generated from source/ by nbgrader."""
    from ensak.course.instance import create_instance
    from ensak.nbgrader.release import generate_release

    course_dir = create_instance(tmp_path_factory.mktemp("generated") / "kurs")
    shutil.rmtree(course_dir / "release")
    generate_release(course_dir)
    return course_dir


@pytest.fixture(scope="session")
def released_course(generated_course) -> Path:
    """The generated instance with every task released to its own exchange folder."""
    from ensak.course.plan import load_course
    from ensak.demo import demo_config
    from ensak.nbgrader.release import release_tasks

    course = load_course(generated_course)
    release_tasks(generated_course, course.task_ids, config=demo_config(generated_course)).released_or_raise()
    return generated_course


@pytest.fixture
def fresh_course(tmp_path) -> Path:
    """A course instance of its own, generated (not released), for tests that change things."""
    from ensak.course.instance import create_instance
    from ensak.nbgrader.release import generate_release

    course_dir = create_instance(tmp_path / "kurs")
    generate_release(course_dir)
    return course_dir


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> dict:
    """One small demo cohort for the session: the real cycle from release to report."""
    from ensak.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo") / "demo-output", learners=5, seed=7)
