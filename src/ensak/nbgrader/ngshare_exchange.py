"""nbgrader's exchange classes for ngshare: ngshare_exchange's, with what the course needs on top (ensak.nbgrader.ngshare_client
says what and why). Imported only when a course uses ngshare, through the names in NGSHARE_CLASSES.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import requests

# ngshare_exchange reads the user name from $JUPYTERHUB_USER or $USER while it is being imported and
# fails without both (as under cron or systemd); NgshareExchange.username below is the one used.
if "JUPYTERHUB_USER" not in os.environ and "USER" not in os.environ:
    os.environ["USER"] = pwd.getpwuid(os.geteuid()).pw_name

from ngshare_exchange import (  # noqa: E402
    ExchangeCollect,
    ExchangeFetchAssignment,
    ExchangeFetchFeedback,
    ExchangeList,
    ExchangeReleaseAssignment,
    ExchangeReleaseFeedback,
    ExchangeSubmit,
)
from ngshare_exchange.exchange import Exchange  # noqa: E402
from traitlets import Float, Unicode  # noqa: E402

from ensak.nbgrader.exchange import _copy_into_place  # noqa: E402
from ensak.nbgrader.ngshare_client import (  # noqa: E402
    HUB_TOKEN_VARIABLE,
    HUB_USER_VARIABLE,
    REQUEST_TIMEOUT_S,
    URL_VARIABLE,
    NgshareError,
    enrol_roster,
)


class NgshareExchange(Exchange):
    """ngshare_exchange's base, with the connection as configuration and requests that time out."""

    url = Unicode("", help="ngshare's address, e.g. http://proxy-public/services/ngshare").tag(config=True)
    token = Unicode("", help="JupyterHub token to show ngshare (default: $JUPYTERHUB_API_TOKEN)").tag(config=True)
    user = Unicode("", help="the hub name the token belongs to (default: $JUPYTERHUB_USER)").tag(config=True)
    timeout = Float(REQUEST_TIMEOUT_S, help="seconds before a request to ngshare is given up").tag(config=True)
    # The course's nbgrader_config.py names an exchange folder whichever exchange is used; ngshare has none.
    root = Unicode("", help="not used: ngshare keeps the exchange").tag(config=True)

    @property
    def ngshare_url(self):
        if not self.url:
            raise ValueError(f"ngshare's address is not configured ({URL_VARIABLE})")
        return self.url.rstrip("/")

    @property
    def username(self):
        return self.user or os.environ.get(HUB_USER_VARIABLE) or os.environ.get("USER", "")

    def ngshare_api_request(self, method, url, data=None, params=None):
        token = self.token or os.environ.get(HUB_TOKEN_VARIABLE)
        try:
            response = requests.request(method, self.ngshare_url + self.encode_url(url),
                                        headers={"Authorization": f"token {token}"} if token else None,
                                        data=data, params=params, timeout=self.timeout)
        except requests.RequestException:
            self.log.exception("ngshare did not answer %s %s", method, url)
            return None
        return self._ngshare_api_check_error(response, url)


class NgshareReleaseAssignment(NgshareExchange, ExchangeReleaseAssignment):
    """Release a task; the roster is enrolled first, and a refused release is a failure."""

    def copy_files(self):
        try:
            enrol_roster(self.coursedir.root, self.config, self.coursedir.course_id)
        except NgshareError as error:
            self.fail(str(error))
        if self.assignment_exists():
            return
        response = self.ngshare_api_post(self.dest_path, self.encode_dir(self.src_path))
        if response is None:
            self.fail(f"ngshare did not store the release of {self.coursedir.assignment_id}")


class NgshareSubmit(NgshareExchange, ExchangeSubmit):
    def copy_files(self):
        super().copy_files()
        if getattr(self, "timestamp", None) is None:
            self.fail(f"ngshare did not store the submission of {self.coursedir.assignment_id}")


class NgshareFetchAssignment(NgshareExchange, ExchangeFetchAssignment):
    def copy_files(self):
        if self.ngshare_api_get(self.src_path, params={"list_only": "true"}) is None:
            self.fail(f"{self.coursedir.assignment_id} could not be fetched from {self.coursedir.course_id}")
        super().copy_files()


class NgshareCollect(NgshareExchange, ExchangeCollect):
    """Collect the newest submission of each learner; each appears in submitted/ only when whole."""

    def init_src(self):
        super().init_src()
        learner = self.coursedir.student_id
        if learner and learner != "*":
            # nbgrader's --student: only that learner's submission (ngshare_exchange takes everyone's).
            self.src_records = [r for r in self.src_records if r["student_id"] == learner]

    def _get_submission(self, course_id, assignment_id, student_id):
        submission = super()._get_submission(course_id, assignment_id, student_id)
        if submission is None:
            self.fail(f"the submission of {student_id} could not be downloaded from ngshare")
        return submission

    def do_copy(self, src, dest):
        _copy_into_place(lambda files, target: self.decode_dir(files, target), src, Path(dest), "collecting")


class NgshareList(NgshareExchange, ExchangeList):
    pass


class NgshareReleaseFeedback(NgshareExchange, ExchangeReleaseFeedback):
    pass


class NgshareFetchFeedback(NgshareExchange, ExchangeFetchFeedback):
    pass

