# nbgrader's configuration inside a learner's JupyterLab on the hub. The hub's spawner sets the
# environment, so every learner points at the same course and the same shared exchange.
import os

c = get_config()  # noqa: F821  (nbgrader provides get_config)

if os.environ.get("ENSAK_NGSHARE_URL"):
    # The networked exchange: ngshare knows which courses this learner is enrolled in, so with no
    # course id the Assignments panel lists the tasks of exactly those courses (one hub, many courses).
    from ensak.nbgrader.ngshare_client import configure_exchange

    configure_exchange(c, None)
    c.CourseDirectory.course_id = os.environ.get("ENSAK_COURSE_ID", "")
else:
    c.CourseDirectory.course_id = os.environ["ENSAK_COURSE_ID"]
    c.Exchange.root = os.environ["ENSAK_EXCHANGE"]
    # A submission is readable by its author and the coordinator only, never by other learners
    # (nbgrader's own submit leaves it open to everyone who learns its random name).
    c.ExchangeFactory.submit = "ensak.nbgrader.exchange.PrivateSubmit"
