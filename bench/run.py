"""`make bench`: every public page under gunicorn and wrk on loopback, against a trivial route, at 1x and 100x data.

Prints, per page: requests/s, p50 and p99 latency, the ratio to the trivial route (the framework's ceiling on
this machine), the SQL queries a fresh answer sends, the gzip size of the HTML and of the whole page (HTML,
CSS, htmx, images), and the bytes the server sends for them to a client that accepts gzip, as wrk's client does.
Then repeats the directory, lookup and proposal list on 100 times the demo data and prints the growth of p50.
Each page is loaded twice: as served (the public cache on) and afresh (a second server with the cache off), so
the figures show both what a visitor gets and what the page itself costs. What is compared is loaded in turn, one
second each, so that other work on the machine weighs on all of it alike. All traffic goes to 127.0.0.1; every
load is bounded in time, and so is the whole run (--budget).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file (python bench/run.py): the project must be importable
    sys.path.insert(0, str(ROOT))

import flask_migrate
from flask import Flask
from sqlalchemy import event, select

from renda import create_app
from renda.areas.models import Community
from renda.content.load import load_content
from renda.db import db
from renda.demo.generate import write_demo
from renda.deputies.models import Deputy, DeputyGroup
from renda.proposals.models import Proposal
from renda.reports.models import ReportBack, ReportStatus
from renda.search.index import rebuild
from renda.search.models import SearchEntry
from renda.stations.models import Station

DATA = ROOT / "bench" / ".data"  # the 100x data set, built once and reused (in .gitignore)
LUA = ROOT / "bench" / "report.lua"
DEMO_CONTENT = ROOT / "content"
TRIVIAL = "/bench/trivial"
KB = 1024
# The targets of issue 8.
MIN_RATIO, MAX_GROWTH, MAX_HTML, MAX_PAGE = 0.5, 2.0, 30 * KB, 60 * KB
MAX_SEARCH_MS = 50.0  # p50 of a search made afresh (cache off) on the large data set (issue 19)


@dataclass
class Page:
    label: str  # the URL pattern of CONTRACT.md
    path: str  # a real URL of it
    scaled: bool = False  # repeated on the 100x data
    cookie: str = ""  # sent with every request (关怀版: "mode=care")

    @property
    def key(self) -> str:
        return f"{self.path} ({self.cookie})" if self.cookie else self.path

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": self.cookie} if self.cookie else {}


@dataclass
class Fresh:
    """One answer made in-process with the cache off: what the page costs, whatever the load."""

    status: int
    queries: int
    html_gz: int | None  # HTML pages only
    page_gz: int | None  # HTML plus the stylesheet, scripts and images it loads
    wire: int  # bytes the server sends, headers and body, to a client that accepts gzip
    page_wire: int | None  # the same for the page and everything it loads (HTML pages only)


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    failed: int  # answers >= 400 and socket errors


# --- databases --------------------------------------------------------------------------------------------------

# The public address the printable notices and QR codes need (they answer 503 without one); never requested.
SITE_URL = "https://rd.example.gov.cn"


def make_app(database: Path, **config: object) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "bench",
                       "SITE_URL": SITE_URL, **config})


def build_database(database: Path, content: Path) -> None:
    """The schema by the migrations, then the content folder, as `make run` does."""
    app = make_app(database)
    with app.app_context():
        with contextlib.redirect_stderr(io.StringIO()):  # alembic's INFO lines
            flask_migrate.upgrade()
        load_content(content)
        db.engine.dispose()


def post_opinion(app: Flask) -> str:
    """One resident's opinion through the real form, so that the track page has something to show; its code."""
    client = app.test_client()
    page = client.get("/opinions/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    community = db.session.scalars(select(Community.name).order_by(Community.id)).first()
    response = client.post("/opinions", data={
        "csrf_token": token, "community": community, "category": "urban", "subject": "压测用的意见",
        "body": "这是一条压测时提交的意见，用来展示查询页面。", "phone": "13912345678", "consent_pi": "y",
    })
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response.headers["Location"].rsplit("/", 1)[-1]


def scaled_database(scale: int, data: Path) -> Path:
    """The demo at `scale` times its size, built once into bench/.data and reused while the generator is unchanged."""
    folder = data / f"scale-{scale}"
    database, stamp = folder / "portal.db", folder / "stamp"
    generator = sorted((ROOT / "renda" / "demo").glob("*.py")) + [ROOT / "renda" / "content" / "schema.py"]
    wanted = hashlib.sha256(b"".join(path.read_bytes() for path in generator)).hexdigest()
    if not database.exists() or not stamp.exists() or stamp.read_text() != wanted:
        print(f"Building the {scale}x data set into {folder} (once; about a minute at 100x) …", flush=True)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        started = time.monotonic()
        write_demo(folder / "content", scale=scale)
        build_database(database, folder / "content")
        stamp.write_text(wanted)
        print(f"  built in {time.monotonic() - started:.0f} s", flush=True)
    app = make_app(database)
    with app.app_context():  # a migration added since the last build
        with contextlib.redirect_stderr(io.StringIO()):
            flask_migrate.upgrade()
        if db.session.scalar(select(SearchEntry.id).limit(1)) is None:  # built before the search index was
            rebuild()
        db.engine.dispose()
    return database


# --- the pages --------------------------------------------------------------------------------------------------

def pick_pages(app: Flask, opinion_code: str) -> list[Page]:
    """Every public page of CONTRACT.md, with real keys from the database."""
    def first(column: object) -> str:
        return db.session.scalars(select(column).order_by(column)).first()

    with app.app_context():
        deputy, station, proposal = first(Deputy.slug), first(Station.slug), first(Proposal.number)
        group = first(DeputyGroup.slug)
        community = first(Community.code)
        report = db.session.scalars(select(ReportBack).where(ReportBack.status == ReportStatus.PUBLISHED)
                                    .order_by(ReportBack.year.desc(), ReportBack.slug)).first()
        report_key = report.key
    return [
        Page("/", "/"),
        Page("/deputies", "/deputies", scaled=True),
        Page("/deputies/<slug>", f"/deputies/{deputy}"),
        Page("/lookup?community=…", f"/lookup?community={community}", scaled=True),
        Page("/stations", "/stations"),
        Page("/stations/<slug>", f"/stations/{station}"),
        Page("/stations/<slug>/notice", f"/stations/{station}/notice"),
        Page("/qr/stations/<slug>.svg", f"/qr/stations/{station}.svg"),
        Page("/receptions", "/receptions"),
        Page("/groups", "/groups", scaled=True),
        Page("/groups/<slug>", f"/groups/{group}"),
        Page("/committee", "/committee"),
        Page("/deputies/<slug>/record", f"/deputies/{deputy}/record", scaled=True),
        Page("/scoring", "/scoring"),
        Page("/projects", "/projects", scaled=True),
        Page("/projects/<slug>", "/projects/p2026-01"),
        Page("/supervision", "/supervision", scaled=True),
        Page("/units/<slug>", "/units/education", scaled=True),
        Page("/reports", "/reports"),
        Page("/reports/<year>/<slug>", f"/reports/{report_key}"),
        Page("/reports/overview", "/reports/overview"),
        Page("/proposals", "/proposals", scaled=True),
        Page("/proposals/<number>", f"/proposals/{proposal}"),
        Page("/proposals/stats", "/proposals/stats"),
        Page("/opinions", "/opinions"),
        Page("/opinions/new", "/opinions/new"),
        Page("/opinions/track?code=…", f"/opinions/track?code={opinion_code}"),
        # A word most kinds hold, and one few rows hold: the cost of a search grows with what it finds.
        Page("/search?q=停车 (common)", "/search?q=" + urllib.parse.quote("停车"), scaled=True),
        Page("/search?q=护理 (rare)", "/search?q=" + urllib.parse.quote("护理"), scaled=True),
        Page("/api/v1/search?q=社区", "/api/v1/search?q=" + urllib.parse.quote("社区"), scaled=True),
        Page("/privacy", "/privacy"),
        Page("/accessibility", "/accessibility"),
        Page("/stations/<slug> (关怀版)", f"/stations/{station}", cookie="mode=care"),
        Page("/en/deputies (English)", "/en/deputies", scaled=True),
        Page("/en/proposals/<number> (English)", f"/en/proposals/{proposal}"),
        Page("/healthz", "/healthz"),
        Page("/receptions.ics", "/receptions.ics"),
        Page("/stations/<slug>.ics", f"/stations/{station}.ics"),
        Page("/proposals.csv", "/proposals.csv"),
        Page("/proposals.atom", "/proposals.atom"),
        Page("/stations/<slug>.atom", f"/stations/{station}.atom"),
        Page("/api/v1/deputies", "/api/v1/deputies", scaled=True),
        Page("/api/v1/communities", "/api/v1/communities"),
        Page("/api/v1/lookup?community=…", f"/api/v1/lookup?community={community}", scaled=True),
        Page("/api/v1/stations", "/api/v1/stations"),
        Page("/api/v1/groups", "/api/v1/groups"),
        Page("/api/v1/committee", "/api/v1/committee"),
        Page("/api/v1/receptions", "/api/v1/receptions"),
        Page("/api/v1/reports", "/api/v1/reports"),
        Page("/api/v1/proposals", "/api/v1/proposals", scaled=True),
        Page("/api/v1/proposals/stats", "/api/v1/proposals/stats"),
    ]


ASSET = re.compile(r'<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src|img[^>]*src)="(/[^"]+)"')


ACCEPT_GZIP = {"Accept-Encoding": "gzip, deflate, br"}  # what every browser sends


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))  # the level nginx and most servers are set to


def on_the_wire(response: object) -> tuple[bytes, int]:
    """The body as the client reads it, and the bytes the answer takes on the wire (status line, headers, body)."""
    raw = response.get_data()  # type: ignore[attr-defined]
    head = f"HTTP/1.1 {response.status}\r\n".encode() + b"".join(  # type: ignore[attr-defined]
        f"{k}: {v}\r\n".encode() for k, v in response.headers.items()) + b"\r\n"  # type: ignore[attr-defined]
    body = gzip.decompress(raw) if response.headers.get("Content-Encoding") == "gzip" else raw  # type: ignore[attr-defined]
    return body, len(head) + len(raw)


def measure_fresh(database: Path, pages: list[Page]) -> dict[str, Fresh]:
    """Per page, with the test client and the cache off: SQL statements of a fresh answer, and its sizes."""
    app = make_app(database, PUBLIC_CACHE_ENTRIES=0)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    client, found, assets = app.test_client(), {}, {}
    for page in pages:
        client.get(page.path, headers=page.headers)  # the first answer may warm the process (templates, lookups)
        statements.clear()
        response = client.get(page.path, headers={**ACCEPT_GZIP, **page.headers})
        queries = len(statements)
        body, wire = on_the_wire(response)
        html_gz = page_gz = page_wire = None
        if response.mimetype == "text/html":
            html_gz, page_gz, page_wire = gz(body), gz(body), wire
            for asset in dict.fromkeys(ASSET.findall(body.decode())):
                if asset not in assets:
                    with client.get(asset, headers=ACCEPT_GZIP) as answer:
                        plain, sent = on_the_wire(answer)
                        assets[asset] = (gz(plain), sent)
                page_gz += assets[asset][0]
                page_wire += assets[asset][1]
        found[page.key] = Fresh(response.status_code, queries, html_gz, page_gz, wire, page_wire)
    with app.app_context():
        db.engine.dispose()
    return found


# --- the server and the load ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(database: Path, workers: int, cache: bool, log: Path) -> Iterator[str]:
    """gunicorn on a free loopback port serving bench/wsgi.py (the app plus the trivial route)."""
    port = free_port()
    # The tracking page is loaded far past what one address may look up: it is measured with its counting write,
    # not as a stream of 429s.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "bench",
           "BENCH_CACHE_ENTRIES": "1000" if cache else "0", "OPINION_LOOKUP_LIMIT": "100000000 per minute",
           "SITE_URL": SITE_URL}
    with log.open("ab") as errors:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--no-control-socket", "bench.wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + TRIVIAL, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"gunicorn did not start; see {log}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wrk(url: str, connections: int, seconds: int = 1, headers: dict[str, str] | None = None) -> Load:
    """One bounded wrk run (one thread) against `url`."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(LUA),
               "-H", f"Accept-Encoding: {ACCEPT_GZIP['Accept-Encoding']}", url]
    for name, value in (headers or {}).items():
        command[-1:-1] = ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    requests, duration_us, p50, p99, bad_status, socket_errors = map(int, line.split()[1:])
    return Load(requests / (duration_us / 1e6), p50 / 1000, p99 / 1000, requests, bad_status + socket_errors)


def combine(slices: list[Load]) -> Load:
    """Slices of one URL as one load: requests/s over all of them, the median p50, the worst p99."""
    seconds = sum(s.requests / s.rps for s in slices if s.rps)
    p50s = sorted(s.p50_ms for s in slices)
    return Load(sum(s.requests for s in slices) / seconds if seconds else 0.0, p50s[len(p50s) // 2],
                max(s.p99_ms for s in slices), sum(s.requests for s in slices), sum(s.failed for s in slices))


def warm_up(url: str, connections: int, headers: dict[str, str] | None = None) -> None:
    """A few requests in parallel first, so that each worker has made (and cached) the page once."""

    def get(_: int) -> None:
        request = urllib.request.Request(url, headers=headers or {})
        with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    with ThreadPoolExecutor(max_workers=connections) as pool:
        list(pool.map(get, range(2 * connections)))


def interleaved(urls: dict[str, str], rounds: int, connections: int,
                headers: dict[str, dict[str, str]] | None = None) -> dict[str, Load]:
    """Each URL for one second in turn, `rounds` times: whatever else the machine does weighs on all of them alike.
    `headers` names what some of them send besides (a cookie)."""
    headers = headers or {}
    for name, url in urls.items():
        warm_up(url, connections, headers.get(name))
    slices: dict[str, list[Load]] = {name: [] for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            slices[name].append(wrk(url, connections, headers=headers.get(name)))
    return {name: combine(found) for name, found in slices.items()}


def url(base: str, path: str) -> str:
    return base + urllib.parse.quote(path, safe="/?=&%-.:")


def load_pages(bases: dict[str, str], pages: list[Page], rounds: int, connections: int,
               deadline: float) -> dict[str, dict[str, Load]]:
    """Per page: the trivial route, and the page from each server of `bases` (e.g. served, afresh), interleaved."""
    found: dict[str, dict[str, Load]] = {}
    for page in pages:
        if time.monotonic() + rounds * (len(bases) + 1) + 5 > deadline:
            print(f"  time budget used up: {page.label} and later pages not loaded", flush=True)
            break
        urls = {"trivial": url(bases["served"], TRIVIAL)} if "served" in bases else {}
        urls |= {name: url(base, page.path) for name, base in bases.items()}
        found[page.key] = loads = interleaved(urls, rounds, connections, {name: page.headers for name in bases})
        print(f"  {page.key:50.50} " + "  ".join(f"{name} {load.rps:5.0f}/s" for name, load in loads.items()),
              flush=True)
    return found


# --- the report -------------------------------------------------------------------------------------------------

def kb(size: int | None) -> str:
    return "–" if size is None else f"{size / KB:.1f}"


def ms(load: Load | None, which: str = "p50_ms") -> str:
    return "–" if load is None else f"{getattr(load, which):.1f}"


def times(factor: float | None) -> str:
    return "–" if factor is None else f"{factor:.2f}×"


def report(pages: list[Page], fresh: dict[str, Fresh], loads: dict[str, dict[str, Load]]) -> list[str]:
    ceilings = sorted(found["trivial"].rps for found in loads.values())
    if ceilings:
        print(f"\nTrivial route (the ceiling): median {ceilings[len(ceilings) // 2]:.0f} req/s, from {ceilings[0]:.0f}"
              f" to {ceilings[-1]:.0f}; each page's ratio is to the trivial route loaded in turn with it\n")
    print("| page | req/s | p50 ms | p99 ms | ratio | req/s afresh | p50 ms afresh | SQL | HTML KB gz | page KB gz |"
          " KB sent | page KB sent |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    missed = []
    for page in pages:
        f, found = fresh[page.key], loads.get(page.key, {})
        load, raw, trivial = found.get("served"), found.get("afresh"), found.get("trivial")
        ratio = load.rps / trivial.rps if load and trivial and trivial.rps else None
        print(f"| `{page.label}` | {f'{load.rps:.0f}' if load else '–'} | {ms(load)} | {ms(load, 'p99_ms')} |"
              f" {'–' if ratio is None else f'{ratio:.0%}'} | {f'{raw.rps:.0f}' if raw else '–'} | {ms(raw)} |"
              f" {f.queries} | {kb(f.html_gz)} | {kb(f.page_gz)} | {kb(f.wire)} | {kb(f.page_wire)} |")
        if f.status != 200 or any(one.failed for one in found.values()):
            missed.append(f"{page.label}: status {f.status}, failed answers under load")
        if ratio is not None and ratio < MIN_RATIO:
            missed.append(f"{page.label}: {ratio:.0%} of the trivial route's requests/s (target ≥ {MIN_RATIO:.0%})")
        if f.html_gz is not None and f.html_gz > MAX_HTML:
            missed.append(f"{page.label}: HTML {kb(f.html_gz)} KB gzip (target ≤ {MAX_HTML // KB} KB)")
        if f.page_gz is not None and f.page_gz > MAX_PAGE:
            missed.append(f"{page.label}: whole page {kb(f.page_gz)} KB gzip (target ≤ {MAX_PAGE // KB} KB)")
    return missed


def report_growth(pages: list[Page], scale: int, fresh: tuple[dict[str, Fresh], dict[str, Fresh]],
                  loads: dict[str, dict[str, Load]]) -> list[str]:
    print(f"\nThe same pages on {scale}x the demo data, loaded in turn with the demo's"
          f" (p50 in ms; growth = {scale}x / 1x)\n")
    print(f"| page | p50 1x | p50 {scale}x | growth | p50 afresh 1x | p50 afresh {scale}x | growth afresh |"
          f" SQL 1x | SQL {scale}x | HTML KB gz {scale}x |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    missed, notes = [], []
    for page in pages:
        found = loads.get(page.key, {})
        small, big = found.get("served 1x"), found.get(f"served {scale}x")
        raw_small, raw_big = found.get("afresh 1x"), found.get(f"afresh {scale}x")
        growth = big.p50_ms / small.p50_ms if small and big else None
        raw_growth = raw_big.p50_ms / raw_small.p50_ms if raw_small and raw_big else None
        big_fresh = fresh[1][page.key]
        print(f"| `{page.label}` | {ms(small)} | {ms(big)} | {times(growth)} | {ms(raw_small)} | {ms(raw_big)} |"
              f" {times(raw_growth)} | {fresh[0][page.key].queries} | {big_fresh.queries} | {kb(big_fresh.html_gz)} |")
        if big_fresh.status != 200 or any(one.failed for one in found.values()):
            missed.append(f"{page.label} at {scale}x: status {big_fresh.status}, failed answers under load")
        if big_fresh.html_gz is not None and big_fresh.html_gz > MAX_HTML:
            missed.append(f"{page.label} at {scale}x: HTML {kb(big_fresh.html_gz)} KB gzip"
                          f" (target ≤ {MAX_HTML // KB} KB)")
        if growth is not None and growth > MAX_GROWTH:
            missed.append(f"{page.label} at {scale}x: p50 grew {growth:.2f}× (target ≤ {MAX_GROWTH:.0f}×)")
        if page.path.startswith(("/search", "/api/v1/search")) and raw_big and raw_big.p50_ms > MAX_SEARCH_MS:
            missed.append(f"{page.label} at {scale}x: p50 made afresh {raw_big.p50_ms:.1f} ms"
                          f" (target ≤ {MAX_SEARCH_MS:.0f} ms)")
        if raw_growth is not None and raw_growth > MAX_GROWTH:  # like the ratios afresh: told, not a target
            notes.append(f"made afresh (cache off), {page.label} grew {raw_growth:.2f}× at {scale}x")
    print("".join(f"\nNote: {note}" for note in notes))
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=3,
                        help="seconds of load per page and server, in one-second turns (default 3)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections of wrk (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, as `make run`)")
    parser.add_argument("--scale", type=int, default=100, help="size of the large data set (default 100)")
    parser.add_argument("--no-scale", action="store_true", help="skip the large data set")
    parser.add_argument("--no-afresh", action="store_true", help="skip loading the pages with the cache off")
    parser.add_argument("--budget", type=float, default=1200, help="seconds for the whole run (default 1200)")
    parser.add_argument("--data", type=Path, default=DATA, help=f"folder for the large data set and logs ({DATA})")
    parser.add_argument("--smoke", action="store_true", help="a few pages, briefly, no large data (a quick check)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: `make bench` installs it (Debian package wrk), or: apt-get install wrk", file=sys.stderr)
        return 2
    if args.smoke:
        args.duration, args.no_scale, args.no_afresh = 1, True, True
    deadline = time.monotonic() + args.budget
    print(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start"
          " (other work on the machine lowers every figure, the trivial route's too)", flush=True)
    data: Path = args.data
    data.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {}

    with tempfile.TemporaryDirectory(prefix="renda-bench-") as work:
        demo, log = Path(work) / "demo.db", data / "gunicorn.log"
        print("Building a fresh database with the demo data …", flush=True)
        build_database(demo, DEMO_CONTENT)
        app = make_app(demo)
        with app.app_context():
            code = post_opinion(app)
            pages = pick_pages(app, code)
            db.engine.dispose()
        if args.smoke:
            pages = [p for p in pages if p.path in ("/", "/deputies", "/healthz", "/api/v1/deputies")]
        fresh = measure_fresh(demo, pages)
        kinds = {"served": True} if args.no_afresh else {"served": True, "afresh": False}

        with contextlib.ExitStack() as servers:
            bases = {name: servers.enter_context(server(demo, args.workers, cache, log))
                     for name, cache in kinds.items()}
            print(f"Loading {len(pages)} pages on 127.0.0.1: gunicorn with {args.workers} workers, the public cache"
                  f" {'on' if args.no_afresh else 'on and (a second server) off'}; wrk with {args.connections}"
                  f" connections, {args.duration} one-second turns per page and the trivial route …", flush=True)
            loads = load_pages(bases, pages, args.duration, args.connections, deadline)
            missed = report(pages, fresh, loads)
            results.update(pages=[asdict(p) for p in pages], fresh={k: asdict(v) for k, v in fresh.items()},
                           loads={k: {n: asdict(x) for n, x in v.items()} for k, v in loads.items()})

            if not args.no_scale:
                scaled_pages = [p for p in pages if p.scaled]
                if time.monotonic() + 240 > deadline and not (data / f"scale-{args.scale}" / "stamp").exists():
                    missed.append(f"{args.scale}x: not measured, the time budget is used up")
                else:
                    big = scaled_database(args.scale, data)
                    fresh_big = measure_fresh(big, scaled_pages)
                    for name, cache in kinds.items():
                        bases[f"{name} {args.scale}x"] = servers.enter_context(server(big, args.workers, cache, log))
                    print(f"Loading the {len(scaled_pages)} list pages on 1x and {args.scale}x data in turn …",
                          flush=True)
                    growth = {}
                    for page in scaled_pages:
                        if time.monotonic() + args.duration * len(bases) + 5 > deadline:
                            print(f"  time budget used up: {page.label} not loaded", flush=True)
                            break
                        urls = {}
                        for name in kinds:
                            urls[f"{name} 1x"] = url(bases[name], page.path)
                            urls[f"{name} {args.scale}x"] = url(bases[f"{name} {args.scale}x"], page.path)
                        growth[page.key] = interleaved(urls, args.duration, args.connections,
                                                       {name: page.headers for name in urls})
                        print(f"  {page.key}", flush=True)
                    missed += report_growth(scaled_pages, args.scale, (fresh, fresh_big), growth)
                    results.update(scale=args.scale, fresh_scaled={k: asdict(v) for k, v in fresh_big.items()},
                                   growth={k: {n: asdict(x) for n, x in v.items()} for k, v in growth.items()})

    print(f"\nLoad average at the end: {os.getloadavg()[0]:.1f}")
    print("\nTargets (issue 8): every page ≥ 50% of the trivial route's req/s; p50 at 100x ≤ 2× the demo's;"
          " HTML ≤ 30 KB gzip; whole page ≤ 60 KB gzip.")
    print("\n".join(f"  MISSED  {line}" for line in missed) if missed else "  all met")
    (data / "last-run.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
