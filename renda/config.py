"""Configuration from the environment (CONTRACT.md), with a secret key generated once per instance."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

# The largest request body we accept: an opinion is at most a few KB; a roster upload some hundred KB.
MAX_CONTENT_LENGTH = 2 * 1024 * 1024


def configure(app: Flask, overrides: dict | None = None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}"
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database_url,
        # A server's connection can drop between requests; a SQLite file cannot, so it needs no ping.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": not database_url.startswith("sqlite")},
        # The counters in the site's own database unless Redis (or, explicitly, memory://) is named: every
        # worker then counts against the one limit, and a restart forgets nothing.
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI") or "database://",
        # The only strategy the database storage supports: a counter per window, one statement per hit.
        RATELIMIT_STRATEGY="fixed-window",
        # Keeps the counters of sites (or test runs) that share one Redis apart.
        RATELIMIT_KEY_PREFIX=os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        RATELIMIT_HEADERS_ENABLED=True,
        TRUSTED_PROXIES=int(os.environ.get("TRUSTED_PROXIES", "0")),
        CONTENT_DIR=os.environ.get("CONTENT_DIR", str(Path(app.root_path).parent / "content")),
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        # Opinions: those accepted per address, a higher bound on every post (valid or not), the lookups of
        # tracking codes per address, and the days after which a waiting opinion is overdue.
        OPINION_RATE_LIMIT=os.environ.get("OPINION_RATE_LIMIT", "5 per minute;50 per day"),
        OPINION_POST_LIMIT=os.environ.get("OPINION_POST_LIMIT", "30 per minute"),
        OPINION_LOOKUP_LIMIT=os.environ.get("OPINION_LOOKUP_LIMIT", "20 per minute;200 per day"),
        # Notifications (CONTRACT.md "Environment"): empty, and that channel's messages wait in the outbox.
        SMTP_URL=os.environ.get("SMTP_URL", ""),
        MAIL_FROM=os.environ.get("MAIL_FROM", ""),
        SMS_GATEWAY_URL=os.environ.get("SMS_GATEWAY_URL", ""),
        SMS_GATEWAY_SECRET=os.environ.get("SMS_GATEWAY_SECRET", ""),
        OPINION_ACCEPT_DAYS=int(os.environ.get("OPINION_ACCEPT_DAYS", "5")),
        OPINION_REPLY_DAYS=int(os.environ.get("OPINION_REPLY_DAYS", "30")),
        # The site's public address (https://rd.example.gov.cn), for what leaves the browser: QR codes on paper,
        # feeds. Empty: the printable pages say it must be set rather than print a wrong address.
        SITE_URL=os.environ.get("SITE_URL", "").strip().rstrip("/"),
    )
    app.config.update(overrides or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or _instance_secret(instance / "secret_key")


def _instance_secret(path: Path) -> str:
    """The key kept in `instance/secret_key`, created (mode 600) the first time it is needed.

    Written to a private temporary file and linked into place, so that workers starting at the same
    moment all read the one complete key.
    """
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()
