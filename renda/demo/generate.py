"""The generator of the demo district (青川市澄湖区): deterministic, in the content-folder format, at any scale."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..content.schema import CSV_FILES, DEPUTIES
from .data import (
    ACTIVITY_SUMMARIES,
    ACTIVITY_THEMES,
    BUILDINGS,
    BUREAUS,
    CN_DIGITS,
    COMMITMENT_TEXTS,
    CONTACT_TOPICS,
    DEPARTMENTS,
    DISTRICT_NAME,
    DUTY_PLACES,
    DUTY_TITLES,
    EDUCATION,
    EVALUATED_UNITS,
    EVALUATION,
    GIVEN,
    GROUP_SPLITS,
    HOURS,
    INDUSTRIES,
    INQUIRY,
    MINORITY_SURNAMES,
    MOTIONS,
    PARTIES,
    PLACE_PREFIXES,
    PROJECT_CANDIDATES,
    PROJECT_PROGRESS_TEXTS,
    PROJECT_SETBACKS,
    PROJECT_VISITS,
    RECEPTION_TOPICS,
    REPLIES,
    RESEARCH_FINDINGS,
    RESEARCH_SUGGESTIONS,
    REVISIT_NOTES,
    ROADS,
    RULES,
    SCHEDULE_TIMES,
    SCHOOLS,
    SECTORS,
    SESSIONS,
    SHAREABLE_POSTS,
    SUBJECTS,
    SURNAMES,
    TOWNS,
    UNIT_NAMES,
    UNITS,
    WEEKDAYS,
)

SEED = 20261126
# The demo district's scoring (district.yaml `scoring`): public bands, six months of term before comparing.
SCORING: dict[str, Any] = {
    "public": True,
    "min_months": 6,
    "points": {"congress": 10, "committee_sitting": 5, "group_activity": 5, "reception": 5, "proposal_lead": 8,
               "proposal_cosign": 2, "report_back": 10, "training": 3, "inspection": 4, "voter_contact": 2,
               "research": 8, "service": 2},
    "caps": {"reception": 30, "proposal_cosign": 10, "voter_contact": 20, "service": 10},
}
DEFAULT_TODAY = dt.date(2026, 11, 26)
DAY = dt.timedelta(days=1)

Cells = dict[str, Any]  # a row of a file as it is built: texts, numbers, flags, lists (see _cell)
Districts = dict[str, tuple[str, list[str], int]]  # electoral district code → (town, communities, seats)
Motion = tuple[str, str, list[str]]  # title, category, handling units (the first leads)


def write_demo(path: Path, scale: int = 1, today: dt.date = DEFAULT_TODAY) -> None:
    """Write the demo district, `scale` times its size, into the content folder at `path`."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if today < dt.date(2026, 6, 1):
        raise ValueError("the demo's sessions are in 2025 and 2026; today must be on or after 2026-06-01")
    demo = _Demo(today)
    for copy in range(scale):
        demo.add_copy(copy)
    demo.write(Path(path))


# --- small helpers -------------------------------------------------------------------------------------------

def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 41 → 四十一, 105 → 一百零五 (for names like 第四十一选区)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n - 10] if n > 10 else "")
    if n >= 10000:
        high, low = divmod(n, 10000)
        rest = "" if low == 0 else ("零" if low < 1000 else "") + _below_10000(low)
        return chinese_number(high) + "万" + rest
    return _below_10000(n)


def _below_10000(n: int) -> str:
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            out += ("零" if zero and out else "") + CN_DIGITS[digit] + unit
            zero = False
        else:
            zero = True
    return out


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.year * 12 + day.month - 1 + months
    year, month = divmod(month0, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rule_day(year: int, month: int, nth: int, weekday: str) -> dt.date:
    """The day `FREQ=MONTHLY;BYDAY=<nth><weekday>` gives in a month (nth -1 is the last)."""
    wd = WEEKDAYS.index(weekday)
    if nth > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(wd - first.weekday()) % 7 + 7 * (nth - 1))
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return last - dt.timedelta(days=(last.weekday() - wd) % 7)


def is_village(community: str) -> bool:
    """村 rather than 社区 (a 新村 is a housing estate, not a village)."""
    name = community.rstrip("0123456789")
    return name.endswith("村") and not name.endswith("新村")


def cancel_reasons(day: dt.date) -> list[str]:
    if 7 <= day.month <= 9:
        return ["因台风预警取消", "因暴雨天气取消"]
    if day.month in (12, 1, 2):
        return ["因场地检修取消", "因雨雪冰冻天气取消"]
    return ["因场地检修取消", "因暴雨天气取消"]


def weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def random_day(rng: random.Random, first: dt.date, last: dt.date, weekdays_only: bool = True) -> dt.date:
    """A day in [first, last], a weekday if the range has one."""
    span = (last - first).days
    for _ in range(20):
        day = first + dt.timedelta(days=rng.randint(0, max(span, 0)))
        if not weekdays_only or day.weekday() < 5:
            return day
    return day


def fmt(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


# --- the records kept while building --------------------------------------------------------------------------

@dataclass
class Deputy:
    slug: str
    name: str
    gender: str
    level: str
    district_code: str
    group: Group
    sector: str
    occupation: str
    row: Cells = field(default_factory=dict)
    status: str = "active"
    committee: bool = False


@dataclass
class Group:
    slug: str
    name: str
    place: str
    town: str
    station: Station
    district_codes: list[str]
    communities: list[str]
    leader: Deputy | None = None
    deputies: list[Deputy] = field(default_factory=list)


@dataclass
class Station:
    slug: str
    name: str
    kind: str
    town: str
    nth: int
    weekday: str
    start: str
    end: str
    row: Cells = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)


class _Demo:
    """Accumulates the rows of every file; one `add_copy` adds one whole district's worth."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.rows: dict[str, list[Cells]] = {file.name.removesuffix(".csv"): [] for file in CSV_FILES}
        self.rows["units"] = [{"slug": s, "name": n} for s, n in UNITS]
        self.reports: list[tuple[int, str, Cells, str]] = []
        self.research: dict[str, str] = {}  # research/<file name> → its Markdown
        self.slug_counts: dict[str, int] = {}
        self.proposal_seq = {s["code"]: 0 for s in SESSIONS}
        self.town_seq = 0
        self.district_seq = 0

    # --- writing ---
    def write(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        district = {
            "name": DISTRICT_NAME,
            "term": "第十八届",
            "organiser": "澄湖区人大常委会办公室",
            "contact": "青川市澄湖区湖心路1号 区人大常委会办公室（邮编 000000） 电话 0000-12345678",
            "fictional": True,
            "sessions": SESSIONS,
            "practice": {"committee_contacts_per_year": 4},
            "scoring": SCORING,
        }
        (path / "district.yaml").write_text(
            "# 演示数据：本区、人员和地点均为虚构。\n" + _dump_yaml(district), encoding="utf-8")
        for file in CSV_FILES:
            columns = file.column_names
            with open(path / file.name, "w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(columns)
                for row in self.rows[file.name.removesuffix(".csv")]:
                    writer.writerow([_cell(row.get(c, "")) for c in columns])
        for name, body in self.research.items():
            (path / "research").mkdir(parents=True, exist_ok=True)
            (path / "research" / name).write_text(body, encoding="utf-8")
        for year, slug, meta, body in self.reports:
            folder = path / "reports" / str(year)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{slug}.md").write_text(f"---\n{_dump_yaml(meta)}---\n\n{body}", encoding="utf-8")

    # --- one copy of the district ---
    def add_copy(self, copy: int) -> None:
        rng = random.Random(SEED + copy)
        name_sfx = "" if copy == 0 else str(copy + 1)
        slug_sfx = "" if copy == 0 else f"-{copy + 1}"
        groups, stations, districts, villages = self._map(rng, name_sfx, slug_sfx)
        deputies = self._deputies(rng, copy, groups, districts, villages)
        committee = self._roles(rng, groups, deputies)
        self._stations(rng, stations)
        receptions = self._receptions(rng, stations)
        self._activities(rng, groups)
        self._proposals(rng, deputies, committee, villages)
        self._reports(rng, deputies, groups, receptions)
        # What was added later draws on a generator of its own, so that the rows above stay as they were.
        later = random.Random(SEED + copy + 7919)
        self._activity_texts(later, groups)
        self._contacts(later, committee)
        self._duties(random.Random(SEED + copy + 104729), deputies)
        county = [d for d in deputies if d.level == "county" and d.status == "active"]
        self._projects(random.Random(SEED + copy + 1299709), slug_sfx, name_sfx, county)
        self._candidates(slug_sfx, name_sfx)
        self._supervision(random.Random(SEED + copy + 15485863), slug_sfx, name_sfx)

    def _map(self, rng: random.Random, name_sfx: str, slug_sfx: str
             ) -> tuple[list[Group], list[Station], Districts, list[str]]:
        groups: list[Group] = []
        stations: list[Station] = []
        districts: Districts = {}
        villages: list[str] = []
        rules = RULES[:]
        rng.shuffle(rules)
        shape = random.Random(SEED)  # the same seats in every copy, so scale N has exactly N times the deputies
        for town, n_districts, communities, group_specs in TOWNS:
            self.town_seq += 1
            town_name = town + name_sfx
            codes = []
            for _ in range(n_districts):
                self.district_seq += 1
                code = f"D{self.district_seq:02d}"
                codes.append(code)
                seats = shape.randint(3, 7)
                self.rows["districts"].append({"code": code, "name": self._district_name(code), "seats": seats})
                districts[code] = (town_name, [], seats)
            for j, community in enumerate(communities):
                code = codes[j * n_districts // len(communities)]
                name = community + name_sfx
                districts[code][1].append(name)
                if is_village(community):
                    villages.append(name)
                self.rows["areas"].append({"town": town_name, "community": name,
                                           "community_code": str(339000000 + self.town_seq * 1000 + j + 1),
                                           "district_code": code})
            first = 0
            for (place, py, kind, station_name), size in zip(group_specs, GROUP_SPLITS[n_districts], strict=True):
                if kind != "shared":
                    nth, weekday = rules.pop()
                    start, end = rng.choice(SCHEDULE_TIMES)
                    stations.append(Station(py + slug_sfx, station_name + name_sfx, kind, town_name, nth, weekday,
                                            start, end))
                group_codes = codes[first:first + size]
                first += size
                group = Group(f"g-{py}{slug_sfx}", f"{place}代表小组{name_sfx}", place, town_name, stations[-1],
                              group_codes, [c for code in group_codes for c in districts[code][1]])
                stations[-1].groups.append(group)
                groups.append(group)
        return groups, stations, districts, villages

    def _slug(self, base: str) -> str:
        n = self.slug_counts.get(base, 0) + 1
        self.slug_counts[base] = n
        return base if n == 1 else f"{base}-{n}"

    def _person(self, rng: random.Random, gender: str | None = None, ethnicity: str = "汉族") -> tuple[str, str, str]:
        gender = gender or rng.choice(["男", "男", "女"])
        surnames = MINORITY_SURNAMES.get(ethnicity, SURNAMES)
        surname, surname_py = rng.choice(surnames)
        chars = [rng.choice(GIVEN[gender]) for _ in range(1 if rng.random() < 0.2 else 2)]
        if len(chars) == 2 and chars[0][0] == chars[1][0]:
            chars = chars[:1]
        name = surname + "".join(c for c, _ in chars)
        return gender, name, f"{surname_py}-{''.join(p for _, p in chars)}"

    def _deputies(self, rng: random.Random, copy: int, groups: list[Group], districts: Districts,
                  villages: list[str]) -> list[Deputy]:
        group_of = {code: g for g in groups for code in g.district_codes}
        town_groups = [g for g in groups if g.town.rstrip("0123456789").endswith("镇")]
        people = []
        for code, (town, communities, seats) in districts.items():
            for _ in range(seats):
                people.append(("county", code, group_of[code], town, communities))
        for town in dict.fromkeys(g.town for g in town_groups):  # three township deputies per town (镇)
            local = [g for g in town_groups if g.town == town]
            for k in range(3):
                g = local[k % len(local)]
                people.append(("township", "", g, g.town, g.communities))
        for level, count in (("city", 12), ("provincial", 5), ("national", 2)):
            for _ in range(count):
                g = rng.choice(groups)
                people.append((level, "", g, g.town, g.communities))

        deputies = []
        used: set[str] = set()
        for i, (level, code, group, town, communities) in enumerate(people):
            ethnicity = weighted(rng, [("汉族", 92), ("回族", 3), ("满族", 2), ("畲族", 3)])
            if copy == 0 and i == 0:
                gender, name, base = "男", "张明华", "zhang-minghua"
                ethnicity = "汉族"
            else:
                gender, name, base = self._person(rng, ethnicity=ethnicity)
            sector, occupation = self._occupation(rng, level, town, communities, villages, used)
            deputy = Deputy(self._slug(base), name, gender, level, code, group, sector, occupation)
            deputy.row = {
                "slug": deputy.slug, "name": name, "gender": gender, "ethnicity": ethnicity,
                "party": weighted(rng, PARTIES), "level": level, "district_code": code, "group_slug": group.slug,
                "occupation": occupation, "sector": sector, "photo": "",
                "born": rng.randint(1962, 1994), "born_month": rng.randint(1, 12),
                "education": weighted(rng, EDUCATION),
            }
            group.deputies.append(deputy)
            deputies.append(deputy)
        return deputies

    def _occupation(self, rng: random.Random, level: str, town: str, communities: list[str], villages: list[str],
                    used: set[str]) -> tuple[str, str]:
        """A sector and a post; a post one person holds (a village head, a company chair) is given only once."""
        rural = town.rstrip("0123456789").endswith("镇")
        for _ in range(50):
            sector = weighted(rng, [(s, v[1] if rural else v[0]) for s, v in SECTORS.items()])
            if level in ("provincial", "national") and sector in ("个体工商户", "文化", "法律"):
                sector = "企业负责人"
            community = rng.choice(communities)
            village = rng.choice([c for c in communities if is_village(c)] or villages)
            village_post = is_village(community)
            occupation = rng.choice(SECTORS[sector][2]).format(
                company=rng.choice(PLACE_PREFIXES) + rng.choice(INDUSTRIES),
                prefix=rng.choice(PLACE_PREFIXES), town=town, bureau=rng.choice(BUREAUS),
                town_congress=f"{town}人大主席" if rural else f"{town}人大工委主任",
                town_deputy_head=f"{town}副镇长" if rural else f"{town}办事处副主任",
                community=community, village=village, dept=rng.choice(DEPARTMENTS),
                secretary="党总支书记、村委会主任" if village_post else "党委书记、居委会主任",
                school=town.replace("街道", "") + rng.choice(SCHOOLS))
            if occupation not in used or any(word in occupation for word in SHAREABLE_POSTS):
                break
        used.add(occupation)
        return sector, occupation

    def _roles(self, rng: random.Random, groups: list[Group], deputies: list[Deputy]) -> list[Deputy]:
        """Group leaders, the 33 committee members and their links, the three whose term ended."""
        for g in groups:
            county = [d for d in g.deputies if d.level == "county"]
            g.leader = county[0] if county[0].slug == "zhang-minghua" else rng.choice(county)
        leaders = {id(g.leader) for g in groups}
        county = [d for d in deputies if d.level == "county" and d.slug != "zhang-minghua"]
        committee = rng.sample(county, 33)
        for d in committee:
            d.committee = True
        for d in rng.sample([d for d in county if not d.committee and id(d) not in leaders], 3):
            d.status = "terminated"
        pool = [d for d in deputies if not d.committee and d.status == "active"]
        rng.shuffle(pool)
        cursor = 0
        for member in committee:
            for _ in range(rng.randint(4, 7)):
                self.rows["liaisons"].append({"committee_member_slug": member.slug,
                                              "deputy_slug": pool[cursor % len(pool)].slug})
                cursor += 1
        for g in groups:
            assert g.leader is not None
            self.rows["groups"].append({"slug": g.slug, "name": g.name, "station_slug": g.station.slug,
                                        "leader_slug": g.leader.slug, "district_codes": g.district_codes})
        for d in deputies:
            self.rows["deputies"].append(self._deputy_row(d, leaders))
        return committee

    def _deputy_row(self, d: Deputy, leaders: set[int]) -> Cells:
        row = d.row
        if d.level == "county":
            level_text = f"{DISTRICT_NAME}第十八届人民代表大会代表（{self._district_name(d.district_code)}选出）"
        else:
            level_text = {
                "township": f"{d.group.town}第十八届人民代表大会代表",
                "city": "青川市第十六届人民代表大会代表",
                "provincial": "省第十四届人民代表大会代表",
                "national": "第十四届全国人民代表大会代表",
            }[d.level]
        party = "" if row["party"] == "群众" else f"{row['party']}，"
        roles = []
        if d.committee:
            roles.append("区人大常委会委员")
        if id(d) in leaders:
            roles.append(f"{d.group.name}组长")
        bio = (f"{d.name}，{d.gender}，{row['ethnicity']}，{row['born']}年{row['born_month']}月生，{party}"
               f"{row['education']}学历。现任{d.occupation}。{level_text}"
               f"{'，' + '、'.join(roles) if roles else ''}。履职中关注{SECTORS[d.sector][3]}。")
        if d.status == "terminated":
            bio += "因工作调动，代表资格已终止。"
        return {**{k: row[k] for k in DEPUTIES.column_names if k in row}, "status": d.status,
                "committee_member": d.committee, "bio": bio}

    def _district_name(self, code: str) -> str:
        return f"第{chinese_number(int(code[1:]))}选区"

    def _stations(self, rng: random.Random, stations: list[Station]) -> None:
        lat0, lon0 = 30.2, 120.1
        no_coordinates = set(rng.sample(range(len(stations)), 3 if len(stations) > 8 else 0))
        for i, s in enumerate(stations):
            road = rng.choice(ROADS).format(short=s.town.rstrip("0123456789").removesuffix("街道").removesuffix("镇"))
            bus = sorted(rng.sample(range(1, 90), 2))
            lat = "" if i in no_coordinates else f"{lat0 + rng.uniform(-0.08, 0.08):.6f}"
            lon = "" if i in no_coordinates else f"{lon0 + rng.uniform(-0.1, 0.1):.6f}"
            access = rng.choice(["入口设无障碍坡道，接待室在一楼", "设无障碍通道和无障碍卫生间，可乘电梯到达",
                                 "正门有三级台阶，东侧门设无障碍坡道"])
            s.row = {
                "slug": s.slug, "name": s.name, "kind": s.kind,
                "address": f"{DISTRICT_NAME}{s.town}{road}{rng.randint(1, 300)}号{rng.choice(BUILDINGS)}",
                "hours": rng.choice(HOURS), "phone": f"0000-{rng.randint(60000000, 69999999)}",
                "lat": lat, "lon": lon, "schedule": f"FREQ=MONTHLY;BYDAY={s.nth}{s.weekday}",
                "schedule_start": s.start, "schedule_end": s.end,
                "directions": f"乘坐{bus[0]}路、{bus[1]}路公交车至{road}站下车，"
                              f"步行约{rng.randint(2, 9)}00米。{access}。",
            }
            self.rows["stations"].append(s.row)

    def _on_duty(self, rng: random.Random, station: Station, k: int | None = None) -> list[Deputy]:
        pool = [d for g in station.groups for d in g.deputies if d.status == "active"]
        return rng.sample(pool, k or rng.randint(2, 4))

    def _receptions(self, rng: random.Random, stations: list[Station]) -> list[Cells]:
        today = self.today
        since = add_months(today, -12)
        rows: list[Cells] = []
        cancelling = {s.slug for s in rng.sample(stations, 3)}
        for s in stations:
            taken: set[dt.date] = set()
            month = dt.date(since.year, since.month, 1)
            while month <= today:
                day = rule_day(month.year, month.month, s.nth, s.weekday)
                if since <= day < today:
                    rows.append(self._held(rng, s, day, s.start, s.end))
                    taken.add(day)
                month = add_months(month, 1)
            # a few extra receptions on other days (special topics, e.g. before a session)
            for _ in range(rng.randint(0, 2)):
                day = random_day(rng, since, today - DAY)
                if day not in taken:
                    rows.append(self._held(rng, s, day, "14:30", "16:30"))
                    taken.add(day)
            # a few cancelled days, each made up a week later (or earlier) so every month still has one
            past = [r for r in rows if r["station_slug"] == s.slug and r["status"] == "held"]
            if s.slug in cancelling:
                row = rng.choice(past)
                day = dt.date.fromisoformat(row["date"])
                row.update(status="cancelled", voters=0, issues=0,
                           topic=f"{row['topic']}（{rng.choice(cancel_reasons(day))}）")
                for delta in (7, -7, 8, -8):
                    makeup = day + dt.timedelta(days=delta)
                    if since <= makeup < today and makeup.month == day.month and makeup not in taken:
                        rows.append(self._held(rng, s, makeup, s.start, s.end))
                        taken.add(makeup)
                        break
        # planned ones in the next weeks: on the rule day (naming the deputies), and on other days
        for i, s in enumerate(stations[:6]):
            if i < 3:
                month = dt.date(today.year, today.month, 1)
                day = rule_day(month.year, month.month, s.nth, s.weekday)
                if day <= today:
                    month = add_months(month, 1)
                    day = rule_day(month.year, month.month, s.nth, s.weekday)
                start, end = (s.start, s.end) if i != 2 else ("14:00", "16:30")
                topic = rng.choice(RECEPTION_TOPICS)
            else:
                day = today + dt.timedelta(days=4 + 7 * (i - 3))
                while day.weekday() >= 5 or day == rule_day(day.year, day.month, s.nth, s.weekday):
                    day += DAY
                start, end, topic = "14:30", "16:30", "民生实事项目征求意见专场"
            duty = self._on_duty(rng, s, 3)
            if i == 0 and s.groups[0].deputies[0].slug == "zhang-minghua":
                duty = [s.groups[0].deputies[0]] + [d for d in duty if d.slug != "zhang-minghua"][:2]
            rows.append({"id": f"{s.slug}-{day.isoformat()}", "station_slug": s.slug, "date": day.isoformat(),
                         "start": start, "end": end, "deputy_slugs": [d.slug for d in duty], "topic": topic,
                         "status": "planned", "voters": "", "issues": ""})
        rows.sort(key=lambda r: (r["date"], r["station_slug"]))
        self.rows["receptions"].extend(rows)
        return rows

    def _held(self, rng: random.Random, s: Station, day: dt.date, start: str, end: str) -> Cells:
        voters = rng.randint(5, 36)
        return {"id": f"{s.slug}-{day.isoformat()}", "station_slug": s.slug, "date": day.isoformat(),
                "start": start, "end": end, "deputy_slugs": [d.slug for d in self._on_duty(rng, s)],
                "topic": rng.choice(RECEPTION_TOPICS), "status": "held", "voters": voters,
                "issues": rng.randint(1, max(1, voters // 2))}

    def _activities(self, rng: random.Random, groups: list[Group]) -> None:
        today = self.today
        since = add_months(today, -12)
        quarters = []
        q = dt.date(since.year, 3 * ((since.month - 1) // 3) + 1, 1)
        while q < today:
            nxt = add_months(q, 3)
            quarters.append((max(q, since), min(nxt - DAY, today - DAY)))
            q = nxt
        without_research = set(rng.sample(range(len(groups)), 3))
        kinds = ["inspection", "study", "report_back", "other", "inspection"]
        for gi, g in enumerate(groups):
            rows = []
            active = [d for d in g.deputies if d.status == "active"]
            for first, last in quarters:
                rows.append((random_day(rng, first, last), rng.choice(kinds)))
            if gi not in without_research:
                first = max(dt.date(today.year, 3, 1), since)
                rows.append((random_day(rng, first, min(today - DAY, dt.date(today.year, 10, 31))), "research"))
            rows.sort()
            for n, (day, kind) in enumerate(rows, 1):
                rural = g.town.rstrip("0123456789").endswith("镇")
                themes = [t for t in ACTIVITY_THEMES[kind] if rural or "农村" not in t]
                theme = rng.choice(themes).format(town=g.town)
                self.rows["activities"].append({
                    "id": f"a-{g.slug}-{n}", "group_slug": g.slug, "date": day.isoformat(), "kind": kind,
                    "theme": theme, "deputy_slugs": [d.slug for d in rng.sample(active, min(len(active),
                                                                                      rng.randint(2, 5)))]})

    def _activity_texts(self, rng: random.Random, groups: list[Group]) -> None:
        """A summary for each activity of these groups, and the report of most research activities."""
        slugs = {g.slug: g for g in groups}
        for row in self.rows["activities"]:
            if row["group_slug"] not in slugs:
                continue
            row["summary"] = rng.choice(ACTIVITY_SUMMARIES[row["kind"]])
            if row["kind"] == "research" and rng.random() < 0.85:
                name = f"{row['id']}.md"
                row["report"] = name
                self.research[name] = self._research_body(rng, row["theme"], slugs[row["group_slug"]])

    def _research_body(self, rng: random.Random, theme: str, g: Group) -> str:
        findings = rng.sample(RESEARCH_FINDINGS, 3)
        suggestions = rng.sample(RESEARCH_SUGGESTIONS, 3)
        lines = [f"# {theme.removeprefix('关于').removesuffix('的调研')}调研报告", "",
                 f"{g.name}组织代表开展专题调研，现将有关情况报告如下。", "", "## 基本情况", "",
                 f"调研覆盖{'、'.join(g.communities[:3])}等社区（村），走访群众 {rng.randint(30, 120)} 人次，"
                 f"召开座谈会 {rng.randint(2, 5)} 场。", "", "## 存在的问题", ""]
        lines += [f"{n}. {text}。" for n, text in enumerate(findings, 1)]
        lines += ["", "## 意见建议", ""]
        lines += [f"- {text}。" for text in suggestions]
        return "\n".join(lines) + "\n"

    def _contacts(self, rng: random.Random, committee: list[Deputy]) -> None:
        """Each committee member's contacts with their linked deputies over the last twelve months: most keep
        the practice (every deputy, four times a year), some fall short."""
        members = {d.slug for d in committee}
        linked: dict[str, list[str]] = {}
        for row in self.rows["liaisons"]:
            if row["committee_member_slug"] in members:
                linked.setdefault(row["committee_member_slug"], []).append(row["deputy_slug"])
        since = dt.date(self.today.year, 1, 1)
        for member in committee:
            deputies = linked.get(member.slug, [])
            if not deputies:
                continue
            keeps = rng.random() < 0.7
            rows = []
            for deputy in deputies if keeps else deputies[: max(1, len(deputies) - 2)]:
                for _ in range(rng.randint(1, 2)):
                    rows.append((random_day(rng, since, self.today - DAY), deputy))
            while keeps and len(rows) < 4:
                rows.append((random_day(rng, since, self.today - DAY), rng.choice(deputies)))
            for _ in range(rng.randint(0, 3)):  # last year's
                rows.append((random_day(rng, add_months(since, -12), since - DAY), rng.choice(deputies)))
            for n, (day, deputy) in enumerate(sorted(rows), 1):
                self.rows["contacts"].append({
                    "id": f"c-{member.slug}-{n}", "committee_member_slug": member.slug, "deputy_slug": deputy,
                    "date": day.isoformat(), "mode": weighted(rng, [("visit", 4), ("phone", 3), ("meeting", 2),
                                                                    ("online", 1)]),
                    "topic": rng.choice(CONTACT_TOPICS)})

    def _duties(self, rng: random.Random, deputies: list[Deputy]) -> None:
        """Last year's and this year's reported duties of each active deputy (duties.csv), and a few deputies
        elected this summer in by-elections, too new to be compared."""
        active = [d for d in deputies if d.status == "active"]
        by_election = {d.slug for d in rng.sample([d for d in active if d.level == "county"], 3)}
        for row in self.rows["deputies"]:
            if row["slug"] in by_election:
                row["elected_on"] = dt.date(self.today.year, 7, 1).isoformat()
        for d in active:
            if d.slug in by_election:
                d.row["elected_on"] = dt.date(self.today.year, 7, 1).isoformat()
        for d in active:  # each deputy's rows
            elected = dt.date.fromisoformat(d.row["elected_on"]) if d.row.get("elected_on") else None
            busy = rng.random()  # how much this deputy reports: some a lot, some hardly anything
            if d.slug == "zhang-minghua":  # the deputy the README and the browser tests visit
                busy = 1.0
            rows = []
            for session in SESSIONS:
                if (elected is None or session["opened_on"] >= elected) and rng.random() < 0.95:
                    rows.append((session["opened_on"], "congress", f"出席{session['name']}", "澄湖区会议中心"))
            for year in (self.today.year - 1, self.today.year):
                first = max(dt.date(year, 1, 1), elected or dt.date.min)
                last = min(dt.date(year, 12, 31), self.today - DAY)
                if first > last:
                    continue
                for item, most in (("committee_sitting", 2), ("training", 3), ("inspection", 3),
                                   ("voter_contact", 8), ("research", 1), ("service", 3)):
                    if item == "committee_sitting" and d.level != "county":
                        continue
                    for _ in range(round(rng.randint(0, most) * busy)):
                        title = rng.choice(DUTY_TITLES[item]).format(n=rng.randint(20, 40))
                        place = "所在选区" if item in ("voter_contact", "service") else rng.choice(DUTY_PLACES)
                        rows.append((random_day(rng, first, last), item, title, place))
            for n, (day, item, title, place) in enumerate(sorted(rows), 1):
                self.rows["duties"].append({"id": f"d-{d.slug}-{n}", "deputy_slug": d.slug, "date": day.isoformat(),
                                            "item": item, "title": title, "place": place, "note": ""})

    # --- livelihood projects and supervision ---
    def _projects(self, rng: random.Random, slug_sfx: str, name_sfx: str, county: list[Deputy]) -> None:
        """This year's twelve candidates, ten selected at the session's vote, followed through the year (two of
        them delayed) and rated by the deputies once done; next year's candidates open to residents' comment."""
        session = SESSIONS[-1]
        year = session["opened_on"].year
        voted_on = session["opened_on"] + 2 * DAY
        present = len(county) - rng.randint(3, 8)
        candidates = PROJECT_CANDIDATES[year]
        rejected = set(rng.sample(range(len(candidates)), 2))
        selected = [i for i in range(len(candidates)) if i not in rejected]
        late, overdue = selected[1], selected[4]  # one done after its due date, one past due and not done
        running = set(selected[6:8])  # due at the year's end, not done yet
        for i, (title, category, unit, budget, summary) in enumerate(candidates):
            slug = f"p{year}-{i + 1:02d}{slug_sfx}"
            row: Cells = {"slug": slug, "year": year, "title": title + name_sfx, "summary": summary,
                          "category": category, "lead_unit": unit, "budget": budget,
                          "comment_from": dt.date(year - 1, 11, 1).isoformat(),
                          "comment_to": dt.date(year - 1, 11, 30).isoformat(), "session": session["code"],
                          "voted_on": voted_on.isoformat(), "present": present}
            if i in rejected:
                votes_for = rng.randint(present // 4, present // 2 - 5)
            else:
                votes_for = rng.randint(present * 3 // 4, present - 6)
            against = rng.randint(0, (present - votes_for) // 2)
            row.update(votes_for=votes_for, votes_against=against,
                       votes_abstain=rng.randint(0, present - votes_for - against), selected=i not in rejected)
            self.rows["projects"].append(row)
            if i in rejected:
                continue
            due = dt.date(year, 12, 31) if i in running else dt.date(year, rng.choice([6, 9, 10]), 30)
            if i == late:
                due = dt.date(year, 6, 30)
                done: dt.date | None = dt.date(year, 8, rng.randint(10, 25))
            elif i == overdue:
                due, done = dt.date(year, 9, 30), None
            elif i in running:
                done = None
            else:
                done = due - rng.randint(5, 40) * DAY
            row["due_on"] = due.isoformat()
            row["done_on"] = fmt(done)
            self._project_updates(rng, slug, voted_on, due, done, setback=i == overdue, county=county)

    def _project_updates(self, rng: random.Random, slug: str, voted_on: dt.date, due: dt.date,
                         done: dt.date | None, setback: bool, county: list[Deputy]) -> None:
        last = min(done or self.today - DAY, self.today - DAY)
        steps = [(voted_on + rng.randint(30, 50) * DAY, 10)]
        while steps[-1][0] + 75 * DAY < last:
            steps.append((steps[-1][0] + rng.randint(60, 75) * DAY, min(95, steps[-1][1] + rng.randint(15, 30))))
        rows: list[Cells] = []
        for n, (day, progress) in enumerate(steps):
            rows.append({"date": day, "kind": "progress", "progress": progress,
                         "text": PROJECT_PROGRESS_TEXTS[min(n, len(PROJECT_PROGRESS_TEXTS) - 2)]})
        if setback and len(steps) > 2:
            back = steps[-1][0] + 10 * DAY
            rows.append({"date": back, "kind": "progress", "progress": steps[-1][1] - 15,
                         "text": rng.choice(PROJECT_SETBACKS)})
        if done is not None:
            rows.append({"date": done, "kind": "progress", "progress": 100, "text": PROJECT_PROGRESS_TEXTS[-1]})
        for day in sorted(rng.sample([d for d, _ in steps], min(2, len(steps)))):
            visitors = rng.sample(county, rng.randint(3, 6))
            rows.append({"date": day + 7 * DAY, "kind": "supervision",
                         "deputy_slugs": [d.slug for d in visitors], "text": rng.choice(PROJECT_VISITS[:2])})
        if done is not None and done + 20 * DAY < self.today:
            day = max(done + 20 * DAY, self.today - 20 * DAY)
            for deputy in rng.sample(county, 9):
                rows.append({"date": day, "kind": "evaluation", "deputy_slugs": [deputy.slug],
                             "rating": weighted(rng, [("satisfied", 7), ("basic", 2), ("unsatisfied", 1)])})
        rows = [r for r in rows if r["date"] < self.today]
        rows.sort(key=lambda r: (r["date"], r["kind"] != "progress"))
        for n, r in enumerate(rows, 1):
            self.rows["project_updates"].append({**r, "id": f"{slug}-{n}", "project_slug": slug,
                                                 "date": r["date"].isoformat()})

    def _candidates(self, slug_sfx: str, name_sfx: str) -> None:
        """Next year's candidates, open to residents' comment until the year's end."""
        year = self.today.year + 1
        for i, (title, category, unit, budget, summary) in enumerate(PROJECT_CANDIDATES[max(PROJECT_CANDIDATES)]):
            self.rows["projects"].append({
                "slug": f"p{year}-{i + 1:02d}{slug_sfx}", "year": year, "title": title + name_sfx, "summary": summary,
                "category": category, "lead_unit": unit, "budget": budget,
                "comment_from": (self.today - 20 * DAY).isoformat(),
                "comment_to": dt.date(self.today.year, 12, 31).isoformat(),
            })

    def _supervision(self, rng: random.Random, slug_sfx: str, name_sfx: str) -> None:
        """This year's special inquiry and democratic evaluation of ten departments chosen from 41 by the deputies'
        vote, each ending in a list of commitments, some checked again (回头看)."""
        year = self.today.year
        inquiry_id, evaluation_id = f"s{year}-inquiry{slug_sfx}", f"s{year}-evaluation{slug_sfx}"
        title, units, summary = INQUIRY
        inquiry_on = dt.date(year, 6, 24)
        self.rows["supervisions"].append({"id": inquiry_id, "kind": "inquiry", "date": inquiry_on.isoformat(),
                                          "title": title + name_sfx, "units": units, "summary": summary})
        evaluation_on = dt.date(year, 9, 16)
        votes = {u: rng.randint(95, 170) for u in EVALUATED_UNITS}
        results = {u: f"{rng.randint(780, 975) / 10:.1f}" for u in EVALUATED_UNITS}
        title, summary = EVALUATION
        self.rows["supervisions"].append({
            "id": evaluation_id, "kind": "evaluation", "date": evaluation_on.isoformat(), "title": title + name_sfx,
            "units": EVALUATED_UNITS, "summary": summary, "candidates": 41,
            "votes": [f"{u}:{n}" for u, n in votes.items()], "results": [f"{u}:{r}" for u, r in results.items()]})
        plan = [(inquiry_id, inquiry_on, u) for u in units] + [(evaluation_id, evaluation_on, u)
                                                               for u in EVALUATED_UNITS]
        for supervision_id, day, unit in plan:
            for n, text in enumerate(rng.sample(COMMITMENT_TEXTS, rng.randint(3, 6)), 1):
                due = day + rng.choice([30, 45, 60, 90, 120]) * DAY
                fate = weighted(rng, [("done", 6), ("late", 1), ("open", 2)])
                done = None
                if fate == "done":
                    done = due - rng.randint(1, 20) * DAY
                elif fate == "late":
                    done = due + rng.randint(5, 20) * DAY
                if done is not None and done >= self.today:
                    done = None
                revisit = supervision_id == inquiry_id and rng.random() < 0.6
                revisit_on = dt.date(year, 11, rng.randint(3, 20)) if revisit else None
                if revisit_on is not None and revisit_on >= self.today:
                    revisit_on = None
                self.rows["commitments"].append({
                    "id": f"{supervision_id}-{unit}-{n}", "supervision_id": supervision_id, "unit": unit,
                    "text": text, "due_on": due.isoformat(), "done_on": fmt(done), "revisit_on": fmt(revisit_on),
                    "revisit_note": rng.choice(REVISIT_NOTES[:2] if done else REVISIT_NOTES[2:]) if revisit_on else ""})

    # --- proposals ---
    def _proposals(self, rng: random.Random, deputies: list[Deputy], committee: list[Deputy],
                   villages: list[str]) -> None:
        county = [d for d in deputies if d.level == "county" and d.status == "active"]
        key_budget = {"18-1": 4, "18-2": 10}
        for session in SESSIONS:
            code, opened = session["code"], session["opened_on"]
            if code == "18-1":
                outcomes = ["A"] * 24 + ["B"] * 7 + ["C"] * 2 + ["D"]
                rng.shuffle(outcomes)
                late = []
            else:
                outcomes = ["A"] * 136 + ["B"] * 35 + ["C"] * 12 + ["D"] * 6 + ["overdue"] * 5
                rng.shuffle(outcomes)
                late = ["overdue"] * 3 + ["window"] * 4 + ["submitted"] * 3
            specs = [("motion", o) for o in ("A", "B")] + [("suggestion", o) for o in outcomes + late]
            keys = set(rng.sample(range(2, len(specs) - len(late)), key_budget[code]))
            titles: set[str] = set()
            for i, (kind, outcome) in enumerate(specs):
                self._proposal(rng, code, opened, kind, outcome, i in keys, county, committee, villages, titles,
                               MOTIONS[code][i] if kind == "motion" else None, late_index=i - (len(specs) - len(late)))

    def _proposal(self, rng: random.Random, session: str, opened: dt.date, kind: str, outcome: str, key: bool,
                  county: list[Deputy], committee: list[Deputy], villages: list[str], titles: set[str],
                  motion: Motion | None, late_index: int) -> None:
        """One motion or suggestion; `outcome` is its result class, or where it waits: overdue, window, submitted.
        `late_index` >= 0 marks one raised after the session (闭会期间)."""
        today = self.today
        lead = rng.choice(county)
        if kind == "motion":
            assert motion is not None
            title, category, units = motion
            summary = (f"{title.removeprefix('关于').removesuffix('的议案')}事关全区发展大局和群众切身利益。"
                       "建议区人大常委会督促区人民政府制定专项计划，明确责任分工和完成时限，并定期听取专项工作报告。")
            cosigners = rng.sample([d for d in county if d is not lead], 10)
        else:
            town = lead.group.town
            community = rng.choice(lead.group.communities)
            own_villages = [c for c in lead.group.communities if is_village(c)]
            village = rng.choice(own_villages or villages)
            categories = [c for c in SUBJECTS if own_villages or c != "农业农村"]
            for _ in range(50):
                category = rng.choice(categories)
                subject, problem, suggestion, units = rng.choice(SUBJECTS[category])
                places = dict(town=town, community=community, village=village)
                title = f"关于{subject.format(**places)}的建议"
                if title not in titles:
                    break
                community = rng.choice(lead.group.communities)
            summary = f"{problem.format(**places)}。建议{suggestion}。"
            cosigners = rng.sample([d for d in county if d is not lead], rng.choice([0, 0, 1, 2, 2, 3, 4, 5]))
        titles.add(title)
        self.proposal_seq[session] += 1
        number = f"{session}-{self.proposal_seq[session]:03d}"
        lead_unit = units[0] if rng.random() < 0.85 else rng.choice(units)
        co_units = [u for u in units if u != lead_unit][:rng.randint(0, 2)]

        # the dated steps, then cut at the outcome (or at today)
        assigned: dt.date | None
        if outcome in ("A", "B", "C", "D", "overdue") and late_index < 0:
            submitted = opened + dt.timedelta(days=rng.randint(0, 3))
            assigned = dt.date(opened.year, 2, 1) + dt.timedelta(days=rng.randint(5, 25))
        elif outcome == "overdue":
            submitted = dt.date(today.year, 4, 1) + dt.timedelta(days=rng.randint(0, 60))
            assigned = submitted + dt.timedelta(days=rng.randint(10, 25))
        elif outcome == "window":
            submitted = today - dt.timedelta(days=rng.randint(70, 85))
            assigned = today - dt.timedelta(days=rng.randint(15, 60))
        else:
            submitted = today - dt.timedelta(days=rng.randint(3, 20))
            assigned = None
        started = assigned + dt.timedelta(days=rng.randint(3, 15)) if assigned else None
        due = add_months(assigned, 3) if assigned else None
        replied: dt.date | None = None
        evaluated: dt.date | None = None
        closed: dt.date | None = None
        if outcome in ("A", "B", "C", "D"):
            assert due is not None and started is not None  # a handled one was assigned
            if rng.random() < 0.08:
                replied = due + dt.timedelta(days=rng.randint(5, 60))
            else:
                replied = started + dt.timedelta(days=rng.randint(20, max(21, (due - started).days - 2)))
            evaluated = replied + dt.timedelta(days=rng.randint(7, 30))
            closed = evaluated + dt.timedelta(days=rng.randint(3, 20))
        steps: list[tuple[str, dt.date | None]] = [
            ("submitted", submitted), ("assigned", assigned), ("in_progress", started), ("replied", replied),
            ("evaluated", evaluated), ("closed", closed)]
        if outcome in ("A", "B", "C", "D") and session != "18-1":
            last = weighted(rng, [("closed", 70), ("evaluated", 20), ("replied", 10)])
        elif outcome in ("A", "B", "C", "D"):
            last = weighted(rng, [("closed", 85), ("evaluated", 15)])
        elif outcome == "submitted":
            last = "submitted"
        else:
            last = rng.choice(["assigned", "in_progress", "in_progress"])
        cut = [s for s, _ in steps].index(last)
        steps = [(s, d if n <= cut else None) for n, (s, d) in enumerate(steps)]
        while (step := steps[cut][1]) is None or step > today:  # never later than today
            cut -= 1
        steps = [(s, d if n <= cut else None) for n, (s, d) in enumerate(steps)]
        stage = steps[cut][0]
        dates = dict(steps)

        replied_yet = cut >= 3
        result = outcome if replied_yet else ""
        satisfaction = ""
        if cut >= 4:
            satisfaction = weighted(rng, {
                "A": [("satisfied", 88), ("basic", 12)],
                "B": [("satisfied", 60), ("basic", 36), ("unsatisfied", 4)],
                "C": [("satisfied", 30), ("basic", 50), ("unsatisfied", 20)],
                "D": [("satisfied", 20), ("basic", 45), ("unsatisfied", 35)],
            }[outcome])
        reply = ""
        if replied_yet:
            replied_on = dates["replied"]
            assert replied_on is not None
            year = replied_on.year
            reply = REPLIES[outcome].format(unit=UNIT_NAMES[lead_unit], year=year, next_year=year + 1)
        self.rows["proposals"].append({
            "number": number, "session": session, "kind": kind, "title": title, "summary": summary,
            "lead_slug": lead.slug, "cosigner_slugs": [d.slug for d in cosigners], "category": category,
            "key": key, "supervisor_slug": rng.choice(committee).slug if key else "",
            "lead_unit": lead_unit if stage != "submitted" else "",
            "co_units": co_units if stage != "submitted" else [],
            "submitted_on": fmt(dates["submitted"]), "assigned_on": fmt(dates["assigned"]),
            "started_on": fmt(dates["in_progress"]), "replied_on": fmt(dates["replied"]),
            "evaluated_on": fmt(dates["evaluated"]), "closed_on": fmt(dates["closed"]),
            "stage": stage, "result": result, "satisfaction": satisfaction, "reply": reply,
        })

    # --- report-backs ---
    def _reports(self, rng: random.Random, deputies: list[Deputy], groups: list[Group],
                 receptions: list[Cells]) -> None:
        today = self.today
        county = [d for d in deputies if d.level == "county" and d.status == "active"]
        chosen = rng.sample([d for d in county if d.slug != "zhang-minghua"], 16 + 15)
        zhang = [d for d in county if d.slug == "zhang-minghua"]
        report_groups = rng.sample(groups, 3)
        plan = [(2025, d) for d in chosen[:16]] + [(2025, g) for g in report_groups[:2]]
        plan += [(2026, d) for d in zhang + chosen[16:16 + 15 - len(zhang)]] + [(2026, report_groups[2])]
        led: dict[tuple[str, str], int] = {}
        for p in self.rows["proposals"]:
            if p["kind"] == "suggestion":
                led[(p["lead_slug"], p["session"])] = led.get((p["lead_slug"], p["session"]), 0) + 1
        duty: dict[tuple[str, int], int] = {}
        for r in receptions:
            if r["status"] == "held":
                for slug in r["deputy_slugs"]:
                    duty[(slug, int(r["date"][:4]))] = duty.get((slug, int(r["date"][:4])), 0) + 1
        for year, who in plan:
            last = min(dt.date(year, 12, 20), today - DAY)
            delivered = random_day(rng, dt.date(year, 6, 1) if year == today.year else dt.date(year, 10, 15), last)
            attendees = rng.randint(35, 120)
            ballots = attendees - rng.randint(0, 8)
            unsatisfied = rng.randint(0, 2)
            basic = rng.randint(2, max(3, ballots // 6))
            satisfied = ballots - basic - unsatisfied
            home = who if isinstance(who, Group) else who.group
            venue = rng.choice([home.station.name, f"{rng.choice(home.communities)}党群服务中心会议室"])
            if isinstance(who, Group):
                meta: Cells = {"group": who.slug}
                title = f"{who.name}{year}年度履职情况报告"
                body = self._group_report_body(rng, who, year)
            else:
                meta = {"deputy": who.slug}
                title = f"{who.name}代表{year}年度履职情况报告"
                session = "18-1" if year == 2025 else "18-2"
                body = self._deputy_report_body(rng, who, year, session, led.get((who.slug, session), 0),
                                                duty.get((who.slug, year), 0))
            meta.update(year=year, title=title, delivered_on=delivered, venue=venue, attendees=attendees,
                        satisfied=satisfied, basic=basic, unsatisfied=unsatisfied)
            self.reports.append((year, who.slug, meta, body))

    def _deputy_report_body(self, rng: random.Random, d: Deputy, year: int, session: str, led: int, duty: int) -> str:
        session_name = next(s["name"] for s in SESSIONS if s["code"] == session)
        concern = SECTORS[d.sector][3]
        topic = rng.choice(RECEPTION_TOPICS)
        community = rng.choice(d.group.communities)
        items = [
            f"出席区{session_name}，认真审议政府工作报告和各项报告，领衔提出建议{led}件；",
            f"在{d.group.station.name}参加接待选民活动{duty or rng.randint(2, 6)}次，"
            f"收集意见建议{rng.randint(6, 30)}条；",
            f"参加{d.group.name}组织的视察、调研和学习活动{rng.randint(3, 8)}次；",
            f"走访{community}困难群众和企业{rng.randint(5, 20)}户，了解{concern}方面的实际情况。",
        ]
        return (
            f"## 一年来的主要工作\n\n"
            f"{year}年，我作为{self._district_name(d.district_code)}选出的区人大代表，立足{d.sector}岗位，"
            f"围绕{concern}认真履行代表职责，积极参加闭会期间代表活动。\n\n"
            + "".join(f"- {item}\n" for item in items)
            + f"\n## 为民办实事情况\n\n"
            f"在接待选民中，{community}居民多次反映“{topic}”方面的问题。我会同小组其他代表实地察看，"
            f"与有关部门沟通协调，推动问题逐步得到解决，并及时向选民反馈办理进展。\n\n"
            f"## 存在的不足和今后打算\n\n"
            f"受本职工作影响，联系选民的频次和深度还不够。今后我将进一步加强学习，更多地走进{community}"
            f"倾听群众呼声，把群众的意见建议带到人代会上，以实际行动回应选民的期待。\n"
        )

    def _group_report_body(self, rng: random.Random, g: Group, year: int) -> str:
        assert g.leader is not None  # every group has its leader by now (_roles)
        return (
            f"## 小组基本情况\n\n"
            f"{g.name}由{len(g.district_codes)}个选区的{len(g.deputies)}名各级人大代表组成，"
            f"依托{g.station.name}开展活动，组长为{g.leader.name}代表。\n\n"
            f"## {year}年主要工作\n\n"
            f"- 坚持每月接待选民，全年接待选民{rng.randint(150, 400)}人次，收集意见建议{rng.randint(60, 160)}条；\n"
            f"- 每季度开展一次集中视察或调研，形成调研报告{rng.randint(1, 2)}篇；\n"
            f"- 组织代表向原选区选民述职，接受选民评议；\n"
            f"- 跟踪督办民生实事项目{rng.randint(3, 8)}个。\n\n"
            f"## 下一步打算\n\n"
            f"小组将进一步完善代表联系群众制度，推动联络站活动常态化，"
            f"让{g.town}的群众有地方找代表、有渠道提意见。\n"
        )


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def _dump_yaml(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
