"""The OpenAPI 3.1 description of the read-only JSON API (`/api/v1/openapi.json`), as CONTRACT.md states it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from .cache import public
from .records.models import DutyItem
from .search.sources import KIND_ORDER

bp = public(Blueprint("openapi", __name__))

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
INTEGER: Schema = {"type": "integer"}
NULLABLE_INTEGER: Schema = {"type": ["integer", "null"]}
BOOLEAN: Schema = {"type": "boolean"}
DATE: Schema = {"type": "string", "format": "date"}
NULLABLE_DATE: Schema = {"type": ["string", "null"], "format": "date"}
RATE: Schema = {"type": ["number", "null"], "description": "percent, two decimals; null when nothing is counted"}


def component(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(name: str) -> Schema:
    return {"oneOf": [component(name), {"type": "null"}]}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """An object with at least the keys of `required`; more keys may come (CONTRACT.md: "at least these keys")."""
    return {"type": "object", "required": sorted(required), "properties": {**required, **(optional or {})}}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def page_of(name: str) -> Schema:
    return obj({"items": array(component(name)), "total": INTEGER, "page": INTEGER, "per_page": INTEGER})


def enum(*values: str, null: bool = False) -> Schema:
    return {"enum": [*values, None] if null else list(values)}


REF = obj({"slug": STRING, "name": STRING})
LEVEL = enum("national", "provincial", "city", "county", "township")
STAGE = enum("submitted", "assigned", "in_progress", "replied", "evaluated", "closed")
RESULT = enum("A", "B", "C", "D", null=True)
SATISFACTION = enum("satisfied", "basic", "unsatisfied", null=True)

DEPUTY = obj({
    "slug": STRING, "name": STRING, "gender": STRING, "level": LEVEL, "party": STRING, "occupation": STRING,
    "sector": STRING, "group": nullable("Ref"), "district": nullable("Area"), "station": nullable("Ref"),
})
RECEPTION = obj({
    "id": STRING, "station": component("Ref"), "date": DATE, "start": STRING, "end": STRING,
    "deputies": array(component("Ref")), "topic": STRING, "status": enum("planned", "held", "cancelled"),
})
STATION = obj({
    "slug": STRING, "name": STRING, "kind": enum("station", "home", "studio"), "address": STRING,
    "hours": STRING, "phone": STRING, "groups": array(component("Ref")),
})
REPORT = obj({"id": STRING, "year": INTEGER, "title": STRING, "delivered_on": NULLABLE_DATE},
             {"deputy": nullable("Ref"), "group": nullable("Ref")})
PROPOSAL = obj({
    "number": STRING, "kind": enum("motion", "suggestion"), "title": STRING, "lead": nullable("Ref"),
    "category": STRING, "lead_unit": nullable("Ref"), "stage": STAGE, "result": RESULT,
    "satisfaction": SATISFACTION, "overdue": BOOLEAN,
})
COMMUNITY = obj({"code": STRING, "name": STRING, "town": STRING, "district_code": STRING})
OPINION_REF: Schema = {"type": "string", "pattern": "^[a-z2-9]{8}$"}
CANDIDATE = obj({"code": STRING, "name": STRING, "town": STRING})
ACTIVITY_KIND = enum("inspection", "research", "study", "report_back", "other")
PROJECT = obj({
    "slug": STRING, "year": INTEGER, "title": STRING, "lead_unit": nullable("Ref"),
    "status": enum("candidate", "selected", "not_selected", "done"), "progress": NULLABLE_INTEGER,
    "overdue": BOOLEAN,
    "votes": {"oneOf": [obj({"for": INTEGER, "against": INTEGER, "abstain": INTEGER}), {"type": "null"}]},
})
EVALUATION_COUNTS = obj({"satisfied": INTEGER, "basic": INTEGER, "unsatisfied": INTEGER, "rate": RATE})
SUPERVISION = obj({"id": STRING, "kind": enum("inquiry", "evaluation", "review", "inspection"), "date": DATE,
                   "title": STRING, "units": array(component("Ref"))})
COMMITMENT = obj({"id": STRING, "unit": component("Ref"), "text": STRING, "due_on": DATE, "done_on": NULLABLE_DATE,
                  "overdue": BOOLEAN, "revisit_on": NULLABLE_DATE, "revisit_note": NULLABLE_STRING})
EVIDENCE = obj({"kind": enum("activity", "report"), "id": INTEGER, "date": NULLABLE_DATE, "title": STRING,
                "url": NULLABLE_STRING})
DUTY = obj({"met": BOOLEAN, "items": array(EVIDENCE)})
PRACTICE = obj({
    "quarters": array(obj({
        "quarter": {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$"},
        "met": {"type": ["boolean", "null"], "description": "null: a quarter to come, or the running one not yet met"},
        "activities": array(obj({"id": INTEGER, "date": DATE, "kind": ACTIVITY_KIND, "theme": STRING})),
    })),
    "report_back": DUTY, "research": DUTY,
})
DUTY_ITEM = enum(*(item.value for item in DutyItem))
BAND = enum("top", "middle", "bottom", "insufficient")
GROUP = obj({"slug": STRING, "name": STRING, "station": component("Ref"), "leader": nullable("Ref"),
             "districts": array(component("Area"))})

SCHEMAS: dict[str, Schema] = {
    "Ref": REF,
    "Area": obj({"code": STRING, "name": STRING}),
    "Error": obj({"error": STRING}),
    "Deputy": DEPUTY,
    "DeputyDetail": {"allOf": [component("Deputy"), obj({
        "next_reception": nullable("Reception"),
        "reports": array(obj({"id": STRING, "year": INTEGER, "title": STRING})),
        "proposals": array(obj({"number": STRING, "title": STRING, "role": enum("lead", "cosigner")})),
    }, {
        "committee_members": array(component("Ref")),
        "duties": obj({"year": INTEGER, "items": {"type": "object", "additionalProperties": INTEGER}}, {"band": BAND}),
        "liaison": {"oneOf": [obj({"year": INTEGER, "deputies": array(component("Ref")), "contacts": INTEGER,
                                   "deputies_contacted": INTEGER, "required": INTEGER, "met": BOOLEAN}),
                              {"type": "null"}]},
    })]},
    "Record": obj({
        "deputy": component("Ref"), "year": INTEGER,
        "items": array(obj({"item": DUTY_ITEM, "label": STRING, "count": INTEGER, "entries": array(obj(
            {"date": {"type": ["string", "null"], "format": "date"}, "title": STRING, "url": NULLABLE_STRING},
            {"photo": STRING}))})),
    }, {"band": {**BAND, "description": "only where the district publishes bands (scoring.public); never a score"},
        "band_label": STRING}),
    "Scoring": obj({
        "scored": BOOLEAN, "public": BOOLEAN, "min_months": {"type": ["integer", "null"]}, "min_compared": INTEGER,
        "items": array(obj({"item": DUTY_ITEM, "label": STRING, "derived": BOOLEAN, "source": STRING,
                            "points": {"type": ["integer", "null"]}, "cap": {"type": ["integer", "null"]}})),
    }),
    "Group": {"allOf": [GROUP, obj({"year": INTEGER, "practice": PRACTICE})]},
    "GroupDetail": {"allOf": [GROUP, obj({
        "deputies": array(component("Ref")), "year": INTEGER, "practice": PRACTICE,
        "opinions": obj({"received": INTEGER, "answered": INTEGER, "satisfaction_rate": RATE},
                        {"median_days": {"type": ["number", "null"]}, "rated": INTEGER}),
    })]},
    "GroupActivity": obj({
        "id": INTEGER, "group": component("Ref"), "date": DATE, "kind": ACTIVITY_KIND, "theme": STRING,
        "summary": STRING, "deputies": array(component("Ref")), "report": NULLABLE_STRING,
        "report_html": NULLABLE_STRING,
    }),
    "CommitteeMember": obj({
        "member": component("Ref"), "deputies": array(component("Ref")), "year": INTEGER, "contacts": INTEGER,
        "deputies_contacted": INTEGER, "required": INTEGER,
    }, {"met": BOOLEAN}),
    "Community": COMMUNITY,
    "Lookup": obj({
        "community": component("Community"), "district": component("Area"),
        "deputies": array(obj({"slug": STRING, "name": STRING})), "group": nullable("Ref"),
        "station": {"oneOf": [obj({"slug": STRING, "name": STRING, "address": STRING, "hours": STRING,
                                   "phone": STRING}), {"type": "null"}]},
        "next_reception": nullable("Reception"),
    }),
    "LookupCandidates": obj({"error": STRING, "candidates": array(CANDIDATE)}),
    "LookupSuggestions": obj({"error": STRING, "suggestions": array(CANDIDATE)}),
    "Station": STATION,
    "StationDetail": {"allOf": [component("Station"), obj({"upcoming": array(component("Reception"))})]},
    "Reception": RECEPTION,
    "Report": REPORT,
    "ReportDetail": {"allOf": [component("Report"), obj({"body_html": STRING})]},
    "Proposal": PROPOSAL,
    "ProposalDetail": {"allOf": [component("Proposal"), obj({
        "summary": STRING, "cosigners": array(component("Ref")), "co_units": array(component("Ref")),
        "supervisor": nullable("Ref"), "reply": STRING, "days_overdue": INTEGER,
        "events": array(obj({"stage": STAGE, "date": DATE})),
        # The residents' opinions it was raised from, by their public refs; the subject only with consent.
        "from_opinions": array(obj({"ref": OPINION_REF, "subject": NULLABLE_STRING, "replied_on": NULLABLE_DATE})),
    })]},
    "ProposalStats": obj({
        "total": INTEGER, "motions": INTEGER, "suggestions": INTEGER,
        "by_stage": {"type": "object", "additionalProperties": INTEGER},
        "by_result": obj({key: INTEGER for key in "ABCD"}),
        "result_rates": obj({key: RATE for key in "ABCD"}),
        "on_time_rate": RATE, "satisfaction_rate": RATE,
        "by_unit": array(obj({"unit": component("Ref"), "count": INTEGER, "on_time": INTEGER,
                              "overdue": INTEGER, "a_rate": RATE, "unsatisfied": INTEGER})),
    }),
    "SearchHit": obj({
        "kind": enum(*KIND_ORDER), "key": STRING, "title": STRING,
        "url": STRING, "snippet": {"type": "string", "description": "plain text around the first word found"},
    }),
    "BoardOpinion": obj({
        "ref": OPINION_REF, "group": nullable("Ref"), "category": STRING,
        "subject": STRING, "public_text": STRING, "public_reply": NULLABLE_STRING, "replied_on": NULLABLE_DATE,
    }, {"community": obj({"code": STRING, "name": STRING})}),
    "Opinion": obj({
        "code": STRING, "status": enum("submitted", "accepted", "forwarded", "replied", "closed", "declined"),
        "group": nullable("Ref"), "submitted_on": DATE, "events": array(obj({"status": STRING, "date": DATE})),
        "public_reply": NULLABLE_STRING,
        # The suggestion a deputy raised from it, or null.
        "proposal": {"oneOf": [obj({"number": STRING, "title": STRING, "stage": STAGE}), {"type": "null"}]},
    }, {"unit": nullable("Ref"), "subject": STRING, "public_text": NULLABLE_STRING}),
    "Project": PROJECT,
    "ProjectDetail": obj({
        **PROJECT["properties"],
        "updates": array(obj({"date": DATE, "kind": enum("progress", "supervision", "evaluation"),
                              "progress": NULLABLE_INTEGER, "text": STRING})),
        "evaluation": EVALUATION_COUNTS, "comments": INTEGER,
    }),
    "ProjectYear": obj({"items": array(component("Project")), "total": INTEGER, "page": INTEGER,
                        "per_page": INTEGER, "year": INTEGER,
                        "summary": obj({"selected": INTEGER, "done": INTEGER, "done_on_time": INTEGER,
                                        "delayed": INTEGER, "evaluation": EVALUATION_COUNTS})}),
    "Supervision": SUPERVISION,
    "SupervisionDetail": obj({
        **SUPERVISION["properties"],
        "commitments": array(COMMITMENT),
    }, {"candidates": NULLABLE_INTEGER, "votes": {"type": "object", "additionalProperties": INTEGER},
        "results": {"type": "object", "additionalProperties": {"type": "number"}}}),
    "Unit": obj({
        "slug": STRING, "name": STRING,
        "proposals": obj({"count": INTEGER, "on_time_rate": RATE, "a_rate": RATE}),
        "opinions": obj({"forwarded": INTEGER, "answered": INTEGER}),
        "projects": array(obj({"slug": STRING, "title": STRING})),
        "commitments": array(obj({"id": STRING, "text": STRING, "due_on": DATE, "overdue": BOOLEAN})),
    }),
}


def parameter(name: str, description: str, schema: Schema | None = None, where: str = "query") -> Schema:
    """A parameter; in the query an empty value is the same as none (as a plain HTML form sends it)."""
    described = {"name": name, "in": where, "required": where == "path", "description": description,
                 "schema": schema or STRING}
    return described if where == "path" else {**described, "allowEmptyValue": True}


PAGING = [
    parameter("page", "page of the list, from 1", {"type": "integer", "minimum": 1, "maximum": 10**9}),
    parameter("per_page", "items per page (default 20)", {"type": "integer", "minimum": 1, "maximum": 100}),
]
BOOLEAN_WORD: Schema = {"enum": ["1", "true", "yes", "0", "false", "no"]}
YEAR: Schema = {"type": "integer", "minimum": 2000, "maximum": 2100}
MONTH: Schema = {"type": "string", "pattern": "^(20[0-9][0-9]|2100)-(0[1-9]|1[0-2])$"}


def answer(schema: Schema, description: str = "the answer") -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": answer(component("Error"), "a parameter that cannot be understood"),
    "429": answer(component("Error"), "too many requests from one address"),
    # Answered by the HTTP server in front (gunicorn), before the app sees the request.
    "414": {"description": "the request line is longer than the server accepts (about 4 KB)"},
}
NOT_FOUND = {"404": answer(component("Error"), "no such item")}
UNKNOWN_FILTER = {"404": answer(component("Error"), "a filter names a group, district, deputy or station there is not")}


def operation(summary: str, schema: Schema, parameters: list[Schema], **more: Schema) -> Schema:
    return {"get": {"summary": summary, "parameters": parameters,
                    "responses": {"200": answer(schema), **ERRORS, **more}}}


PATHS: dict[str, Schema] = {
    "/api/v1/deputies": operation("Deputies, filtered; q matches name, pinyin and pinyin initials", page_of("Deputy"), [
        parameter("q", "name, pinyin or initials"), parameter("level", "level", LEVEL),
        parameter("group", "deputy group slug"), parameter("district", "electoral district code"),
        parameter("sector", "sector"), *PAGING], **UNKNOWN_FILTER),
    "/api/v1/deputies/{slug}": operation("One deputy", component("DeputyDetail"),
                                         [parameter("slug", "the deputy's slug", where="path")], **NOT_FOUND),
    "/api/v1/deputies/{slug}/record": operation(
        "A deputy's record of duties for a year: the twelve items, each with its dated entries",
        component("Record"), [parameter("slug", "the deputy's slug", where="path"),
                              parameter("year", "the year (default this year; 2000 to next year)", YEAR)],
        **NOT_FOUND),
    "/api/v1/scoring": operation("How records are scored: items, points, caps and where each count comes from",
                                 component("Scoring"), []),
    "/api/v1/communities": operation("Communities and villages; q matches name and pinyin", page_of("Community"),
                                     [parameter("q", "name or pinyin"), *PAGING]),
    "/api/v1/lookup": operation(
        "Find my deputy: the community's electoral district, deputies, group, station and next reception",
        component("Lookup"), [parameter("community", "a code, a name, or part of a name or of its pinyin")],
        **{"300": answer(component("LookupCandidates"), "several communities match"),
           "404": answer(component("LookupSuggestions"), "no community matches")}),
    "/api/v1/stations": operation("Stations", page_of("Station"), PAGING),
    "/api/v1/stations/{slug}": operation("One station with its upcoming receptions", component("StationDetail"),
                                         [parameter("slug", "the station's slug", where="path")], **NOT_FOUND),
    "/api/v1/groups": operation('Deputy groups with their "四个一" of the year', page_of("Group"), [
        parameter("year", "the year (default this year; 2000 to next year)", YEAR), *PAGING]),
    "/api/v1/groups/{slug}": operation(
        'One group: its deputies, its "四个一" of the year and the opinions it received', component("GroupDetail"),
        [parameter("slug", "the group's slug", where="path"),
         parameter("year", "the year (default this year; 2000 to next year)", YEAR)], **NOT_FOUND),
    "/api/v1/groups/{slug}/activities/{activity_id}": operation(
        "One activity of a group, with its research report", component("GroupActivity"),
        [parameter("slug", "the group's slug", where="path"),
         parameter("activity_id", "the activity's id", {"type": "integer", "minimum": 0}, where="path")],
        **NOT_FOUND),
    "/api/v1/committee": operation(
        "Standing-committee members, the deputies linked to them and their contacts of the year",
        page_of("CommitteeMember"),
        [parameter("year", "the year (default this year; 2000 to next year)", YEAR), *PAGING]),
    "/api/v1/projects": operation(
        "Livelihood projects of a year (candidates, the vote, progress) and the year's summary",
        component("ProjectYear"), [parameter("year", "the year (default this year; 2000 to next year)", YEAR),
                                   *PAGING]),
    "/api/v1/projects/{slug}": operation(
        "One livelihood project with its updates, the deputies' evaluation and the count of residents' comments",
        component("ProjectDetail"), [parameter("slug", "the project's slug", where="path")], **NOT_FOUND),
    "/api/v1/supervision": operation(
        "Inquiries, evaluations, reviews and inspections of a year, by kind and unit", page_of("Supervision"), [
            parameter("year", "the year (default this year; 2000 to next year)", YEAR),
            parameter("kind", "kind", enum("inquiry", "evaluation", "review", "inspection")),
            parameter("unit", "unit slug"), *PAGING],
        **{"404": answer(component("Error"), "no unit has that slug")}),
    "/api/v1/supervision/{key}": operation(
        "One supervision with its commitments; for an evaluation, the vote and the results per unit",
        component("SupervisionDetail"), [parameter("key", "the supervision's id", where="path")], **NOT_FOUND),
    "/api/v1/units/{slug}": operation(
        "One unit: its proposals, forwarded opinions, livelihood projects and commitments",
        component("Unit"), [parameter("slug", "the unit's slug", where="path")], **NOT_FOUND),
    "/api/v1/receptions": operation("Receptions of a month, or between two dates", page_of("Reception"), [
        parameter("month", "a month, YYYY-MM (instead of from and to)", MONTH),
        parameter("from", "first date", {"type": "string", "format": "date"}),
        parameter("to", "last date", {"type": "string", "format": "date"}),
        parameter("station", "station slug"), *PAGING], **UNKNOWN_FILTER),
    "/api/v1/reports": operation("Published report-backs", page_of("Report"), [
        parameter("year", "year delivered", YEAR), parameter("deputy", "deputy slug"),
        parameter("group", "group slug"), *PAGING], **UNKNOWN_FILTER),
    "/api/v1/reports/{year}/{slug}": operation("One published report-back", component("ReportDetail"), [
        parameter("year", "its year", {"type": "integer", "minimum": 0}, where="path"),
        parameter("slug", "its deputy's or group's slug", where="path")], **NOT_FOUND),
    "/api/v1/proposals": operation("Motions and suggestions, filtered", page_of("Proposal"), [
        parameter("session", "session code"), parameter("kind", "kind", enum("motion", "suggestion")),
        parameter("stage", "stage", STAGE), parameter("result", "result class", enum("A", "B", "C", "D")),
        parameter("category", "category"), parameter("unit", "lead or co-handling unit slug"),
        parameter("q", "number, title or summary"), parameter("overdue", "overdue only", BOOLEAN_WORD),
        *PAGING]),
    "/api/v1/proposals/{number}": operation("One proposal with its timeline", component("ProposalDetail"),
                                            [parameter("number", "its number", where="path")], **NOT_FOUND),
    "/api/v1/proposals/stats": operation("Statistics of a session", component("ProposalStats"),
                                         [parameter("session", "session code (default the newest)")]),
    "/api/v1/opinions": operation(
        "The public board: answered opinions whose authors consented, by their public ref, never the tracking code",
        page_of("BoardOpinion"), [parameter("reception", "a reception's id: the opinions collected there"), *PAGING],
        **{"404": answer(component("Error"), "no reception has that id")}),
    "/api/v1/opinions/{code}": operation(
        "A resident's opinion by its tracking code: stage and public reply, never personal data",
        component("Opinion"), [parameter("code", "the tracking code", where="path")], **NOT_FOUND),
    "/api/v1/search": operation(
        "Site-wide search over the public rows, in kind order; a proposal's number lists that proposal first",
        page_of("SearchHit"), [parameter("q", "words to find (all of them), at most 100 characters"), *PAGING]),
}

DOCUMENT: Schema = {
    "openapi": "3.1.0",
    "info": {"title": "代表履职公开平台 API", "version": "1",
             "description": "Read-only, public data only. Lists are paged; errors answer {\"error\": message}."},
    "paths": PATHS,
    "components": {"schemas": SCHEMAS},
}


@bp.get("/api/v1/openapi.json")
def document() -> Response:
    return jsonify(DOCUMENT)
