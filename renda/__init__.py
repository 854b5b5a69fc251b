"""代表履职公开平台: the public site of a district people's congress and its deputies."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(test_config: dict | None = None) -> Flask:
    # The view modules are imported here, and only here: nothing else imports a views or staff module.
    from . import cli, config, db, extensions, locale, openapi, web
    from .areas import views as areas_views
    from .committee import staff as committee_staff
    from .committee import views as committee_views
    from .deputies import staff as deputies_staff
    from .deputies import views as deputies_views
    from .district import models as district_models
    from .feeds import views as feeds_views
    from .groups import staff as groups_staff
    from .groups import views as groups_views
    from .opinions import staff as opinions_staff
    from .opinions import views as opinions_views
    from .outreach import views as outreach_views
    from .pages import views as pages_views
    from .projects import staff as projects_staff
    from .projects import views as projects_views
    from .proposals import staff as proposals_staff
    from .proposals import views as proposals_views
    from .records import staff as records_staff
    from .records import views as records_views
    from .reports import staff as reports_staff
    from .reports import views as reports_views
    from .search import index as search_index
    from .search import views as search_views
    from .staff import access
    from .staff import views as staff_views
    from .stations import staff as stations_staff
    from .stations import views as stations_views
    from .supervision import staff as supervision_staff
    from .supervision import views as supervision_views
    from .units import views as units_views

    app = locale.Site(
        __name__,
        template_folder="../site/templates",
        static_folder="../site/static",
        instance_relative_config=True,
    )
    config.configure(app, test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese as itself in JSON, not \uXXXX
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]  # Flask documents wrapping wsgi_app so

    db.init_app(app)
    district_models.init_app(app)  # the footer's "data updated", moved by public writes
    search_index.init_app(app)  # the search index, kept in step by the same writes
    extensions.init_app(app)
    web.init_app(app)
    locale.init_app(app)  # English under /en/, after the public cache
    cli.init_app(app)
    access.init_app(app)
    public = (pages_views, openapi, areas_views, deputies_views, stations_views, groups_views, committee_views,
              reports_views, proposals_views, opinions_views, records_views, outreach_views, feeds_views,
              search_views, projects_views,
              supervision_views, units_views)
    staff = (staff_views, committee_staff, deputies_staff, stations_staff, reports_staff, proposals_staff,
             opinions_staff, groups_staff, records_staff, projects_staff,
             supervision_staff)
    for module in public + staff:
        app.register_blueprint(module.bp)
    return app
