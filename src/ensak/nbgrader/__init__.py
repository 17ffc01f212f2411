"""Every adapter to nbgrader and ngshare: the one place that knows their internals.

The in-process API (`api`), the exchange classes (`exchange`, `ngshare_exchange`), our preprocessors,
the screening of submissions, generating and releasing tasks (`release`), cell constructors for task
notebooks (`authoring`), and ngshare's client and service launcher.
"""

import sys

# jsonschema (imported by nbformat, so by all of nbgrader) builds a full RFC 3987 grammar when the
# optional rfc3987_syntax package is installed: about a second of CPU in every process, for IRI
# formats that no notebook validation uses. A sync with nothing new must take seconds, not more.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
