"""代表履职公开平台: the public site of a district people's congress and its deputies."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, config, db, extensions, openapi, pages, web
from . import areas, dashboard, deputies, district, opinions, proposals, reports, roster, staff, stations  # noqa: F401


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder="../site/templates",
        static_folder="../site/static",
        instance_relative_config=True,
    )
    config.configure(app, test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese as itself in JSON, not \uXXXX
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    extensions.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    staff.init_app(app)
    for area in (pages, openapi, areas, deputies, stations, reports, proposals, opinions, roster):
        app.register_blueprint(area.bp)
    return app
