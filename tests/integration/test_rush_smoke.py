"""The morning rush (benchmarks/rush.py, `make load`) in miniature: its own stack with one
API and one worker, 5 punches with real selfies, 5 photos, 10 scans, then its exact-once,
orphan and hazard checks. The full rush is too long for `make test`; this proves the
script still runs end to end against the current app and that its checks pass."""

from __future__ import annotations

import subprocess
import sys

from api.config import REPO_ROOT


def test_small_rush_stores_everything_exactly_once() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.rush",
            "--workers",
            "5",
            "--photos",
            "5",
            "--scans",
            "10",
            "--concurrency",
            "8",
            # Every create sent twice at once: the replay path is exercised on every kind.
            "--duplicates",
            "1",
            # Only the project's own photos (bus.jpg, zidane.jpg), no shared folder needed.
            "--data",
            str(REPO_ROOT / "tests" / "data"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    report = done.stdout
    assert done.returncode == 0, f"{report}\n{done.stderr[-4000:]}"
    assert "FAILED" not in report
    for check in (
        "| punch: stored exactly once | ok (5 accepted, 5 rows, 5 audit entries) |",
        "| photo: stored exactly once | ok (5 accepted, 5 rows, 5 audit entries) |",
        "| S3 against the rows: no orphans, nothing missing | ok",
        "| every photo's hazard check finished | ok",
        "| concurrent duplicates: one create, one replay | ok",
    ):
        assert check in report, report
