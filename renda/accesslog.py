"""gunicorn's logger with residents' tracking codes taken out of access-log lines.

A tracking code is the resident's only key to their opinion (CONTRACT.md: "the tracking code is the resident's
secret"), and it travels in URLs: the receipt page, the tracking page's `code=`, the rating form, the JSON API.
`gunicorn --logger-class renda.accesslog.RedactingLogger` (as `make run` and the tests start it) writes those
URLs with the code replaced, in every field of the line: request line, path, query, referer, Location.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

REDACTED = "[code]"
CODE_IN_PATH = re.compile(r"(/opinions/(?:receipt|track)/|/api/v1/opinions/)[^/?#\s\"]+", re.IGNORECASE)
CODE_PARAMETER = re.compile(r"(\A|[?&;])(code=)[^&;#\s\"]*", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with every tracking code in an opinion URL replaced."""
    text = CODE_IN_PATH.sub(lambda m: m.group(1) + REDACTED, text)
    return CODE_PARAMETER.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
