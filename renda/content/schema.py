"""The columns of each CSV file of a content folder (CONTRACT.md), declared once: the loader reads by them, the
roster import checks an upload's header by them, and the demo generator writes them."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.StrEnum):
    """What a cell holds, as CONTRACT.md writes it."""

    TEXT = "text"
    SLUG = "slug"  # lower-case ASCII letters, digits and -
    DATE = "date"  # YYYY-MM-DD
    TIME = "time"  # HH:MM
    INTEGER = "integer"  # a count, 0 or more
    NUMBER = "number"  # a decimal (coordinates)
    CHOICE = "choice"  # one value of an enumeration
    YES_NO = "yes_no"
    REF = "ref"  # the key of a record of another file
    REFS = "refs"  # keys separated by ;


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False  # never empty; a column also needed by a rule (a date up to the stage) is not marked
    may_be_absent: bool = False  # added after the file's first form: a header without it reads as empty cells


@dataclass(frozen=True)
class CsvFile:
    """One CSV file: its name in the folder, its key column (None: rows have no key of their own), its columns."""

    name: str
    key: str | None
    columns: tuple[Column, ...]
    optional: bool = False  # a folder without the file loads as if it were empty

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def may_be_absent(self) -> list[str]:
        return [c.name for c in self.columns if c.may_be_absent]


def _file(name: str, key: str | None, *columns: Column, optional: bool = False) -> CsvFile:
    return CsvFile(name, key, columns, optional)


def _added(name: str, kind: Kind = Kind.TEXT) -> Column:
    """A column added to a file after its first form (CONTRACT.md "Second wave"): older files may lack it."""
    return Column(name, kind, may_be_absent=True)


def _required(name: str, kind: Kind = Kind.TEXT) -> Column:
    return Column(name, kind, required=True)


AREAS = _file("areas.csv", "community_code", _required("town"), _required("community"), _required("community_code"),
              _required("district_code", Kind.REF))
DISTRICTS = _file("districts.csv", "code", _required("code"), _required("name"), _required("seats", Kind.INTEGER))
GROUPS = _file("groups.csv", "slug", _required("slug", Kind.SLUG), _required("name"),
               _required("station_slug", Kind.REF), Column("leader_slug", Kind.REF),
               Column("district_codes", Kind.REFS))
STATIONS = _file("stations.csv", "slug", _required("slug", Kind.SLUG), _required("name"),
                 _required("kind", Kind.CHOICE), Column("address"), Column("hours"), Column("phone"),
                 Column("lat", Kind.NUMBER), Column("lon", Kind.NUMBER), Column("schedule"),
                 Column("schedule_start", Kind.TIME), Column("schedule_end", Kind.TIME), Column("directions"))
DEPUTIES = _file("deputies.csv", "slug", _required("slug", Kind.SLUG), _required("name"),
                 _required("gender", Kind.CHOICE), Column("ethnicity"), Column("party"),
                 _required("level", Kind.CHOICE), Column("district_code", Kind.REF), Column("group_slug", Kind.REF),
                 Column("occupation"), Column("sector"), _required("status", Kind.CHOICE),
                 Column("committee_member", Kind.YES_NO), Column("photo"), Column("bio"),
                 _added("elected_on", Kind.DATE))
LIAISONS = _file("liaisons.csv", None, _required("committee_member_slug", Kind.REF),
                 _required("deputy_slug", Kind.REF))
UNITS = _file("units.csv", "slug", _required("slug", Kind.SLUG), _required("name"))
RECEPTIONS = _file("receptions.csv", "id", _required("id"), _required("station_slug", Kind.REF),
                   _required("date", Kind.DATE), _required("start", Kind.TIME), _required("end", Kind.TIME),
                   Column("deputy_slugs", Kind.REFS), Column("topic"), _required("status", Kind.CHOICE),
                   Column("voters", Kind.INTEGER), Column("issues", Kind.INTEGER))
ACTIVITIES = _file("activities.csv", "id", _required("id"), _required("group_slug", Kind.REF),
                   _required("date", Kind.DATE), _required("kind", Kind.CHOICE), _required("theme"),
                   Column("deputy_slugs", Kind.REFS), _added("summary"), _added("report"))
CONTACTS = _file("contacts.csv", "id", _required("id"), _required("committee_member_slug", Kind.REF),
                 _required("deputy_slug", Kind.REF), _required("date", Kind.DATE), _required("mode", Kind.CHOICE),
                 Column("topic"), optional=True)
DUTIES = _file("duties.csv", "id", _required("id"), _required("deputy_slug", Kind.REF), _required("date", Kind.DATE),
               _required("item", Kind.CHOICE), _required("title"), Column("place"), Column("note"), optional=True)
PROPOSALS = _file("proposals.csv", "number", _required("number"), _required("session", Kind.REF),
                  _required("kind", Kind.CHOICE), _required("title"), Column("summary"),
                  _required("lead_slug", Kind.REF), Column("cosigner_slugs", Kind.REFS), Column("category"),
                  Column("key", Kind.YES_NO), Column("supervisor_slug", Kind.REF), Column("lead_unit", Kind.REF),
                  Column("co_units", Kind.REFS), _required("submitted_on", Kind.DATE),
                  Column("assigned_on", Kind.DATE), Column("started_on", Kind.DATE),
                  Column("replied_on", Kind.DATE), Column("evaluated_on", Kind.DATE),
                  Column("closed_on", Kind.DATE), _required("stage", Kind.CHOICE), Column("result", Kind.CHOICE),
                  Column("satisfaction", Kind.CHOICE), Column("reply"))
PROJECTS = _file("projects.csv", "slug", _required("slug", Kind.SLUG), _required("year", Kind.INTEGER),
                 _required("title"), Column("summary"), Column("category"), Column("lead_unit", Kind.REF),
                 Column("budget", Kind.NUMBER), Column("comment_from", Kind.DATE), Column("comment_to", Kind.DATE),
                 Column("session", Kind.REF), Column("voted_on", Kind.DATE), Column("present", Kind.INTEGER),
                 Column("votes_for", Kind.INTEGER), Column("votes_against", Kind.INTEGER),
                 Column("votes_abstain", Kind.INTEGER), Column("selected", Kind.YES_NO), Column("due_on", Kind.DATE),
                 Column("done_on", Kind.DATE), optional=True)
PROJECT_UPDATES = _file("project_updates.csv", "id", _required("id"), _required("project_slug", Kind.REF),
                        _required("date", Kind.DATE), _required("kind", Kind.CHOICE), Column("progress", Kind.INTEGER),
                        Column("deputy_slugs", Kind.REFS), Column("rating", Kind.CHOICE), Column("text"),
                        optional=True)
SUPERVISIONS = _file("supervisions.csv", "id", _required("id"), _required("kind", Kind.CHOICE),
                     _required("date", Kind.DATE), _required("title"), _required("units", Kind.REFS),
                     Column("summary"), Column("candidates", Kind.INTEGER), Column("votes"), Column("results"),
                     optional=True)
COMMITMENTS = _file("commitments.csv", "id", _required("id"), _required("supervision_id", Kind.REF),
                    _required("unit", Kind.REF), _required("text"), _required("due_on", Kind.DATE),
                    Column("done_on", Kind.DATE), Column("revisit_on", Kind.DATE), Column("revisit_note"),
                    optional=True)

# Every CSV file of a content folder, in the order the demo generator fills them.
CSV_FILES = (AREAS, DISTRICTS, GROUPS, STATIONS, DEPUTIES, LIAISONS, UNITS, RECEPTIONS, ACTIVITIES, CONTACTS,
             DUTIES, PROPOSALS, PROJECTS, PROJECT_UPDATES, SUPERVISIONS, COMMITMENTS)
