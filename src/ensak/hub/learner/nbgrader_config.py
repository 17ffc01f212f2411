# nbgrader's configuration inside a learner's JupyterLab on the hub. The hub's spawner sets the
# environment, so every learner points at the same course and the same shared exchange.
import os

c = get_config()  # noqa: F821  (nbgrader provides get_config)

c.CourseDirectory.course_id = os.environ["ENSAK_COURSE_ID"]
c.Exchange.root = os.environ["ENSAK_EXCHANGE"]
