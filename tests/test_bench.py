"""`make bench`: the script explains itself, and a short run loads real pages on loopback and reports them."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

RUN = ROOT / "bench" / "run.py"


def test_the_benchmark_explains_its_options():
    result = subprocess.run([sys.executable, str(RUN), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for option in ("--duration", "--scale", "--budget", "--smoke"):
        assert option in result.stdout


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (`make bench` installs it)")
def test_a_smoke_run_loads_pages_against_the_trivial_route(tmp_path):
    result = subprocess.run([sys.executable, str(RUN), "--smoke", "--data", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Trivial route (the ceiling)" in result.stdout
    rows = {line.split("|")[1].strip(): line for line in result.stdout.splitlines() if line.startswith("| `")}
    assert set(rows) == {"`/`", "`/deputies`", "`/healthz`", "`/api/v1/deputies`"}
    for row in rows.values():
        cells = [cell.strip() for cell in row.split("|")[2:-1]]
        assert float(cells[0]) > 0 and cells[3].endswith("%")  # requests/s and the ratio to the ceiling
    # bytes on the wire: the home page goes compressed, far below its gzip-less size, and loads its assets
    home = [cell.strip() for cell in rows["`/`"].split("|")[2:-1]]
    html_gz, sent, page_sent = float(home[7]), float(home[9]), float(home[10])
    assert 0 < sent < html_gz + 1 and page_sent > sent + 10  # headers take under 1 KB
    assert (tmp_path / "last-run.json").exists()
