"""`make audit`: known vulnerabilities in the dependencies, Python and npm.

- Python: the locked set (`uv export --frozen --no-hashes`, the project itself left out)
  through `pip-audit -r`, so what is checked is exactly what `uv sync --frozen` installs.
- npm: `npm audit --omit=dev` in pwa/ (what ships to phones) and the full `npm audit`
  (the build and test tools, which run on developer and CI machines).

Every finding must be fixed or explained in docs/security.md; a finding listed there by
its id (GHSA-..., CVE-..., PYSEC-...) is reported as explained and does not fail the run.
An audit that could not run (no network, a registry without the advisory endpoint) is
reported as such and fails the run: "not checked" is not "clean".
Exit status: 0 clean or all explained, 1 unexplained findings, 2 an audit could not run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXPLANATIONS = REPO / "docs" / "security.md"
TIMEOUT_S = 300


@dataclass(frozen=True)
class Finding:
    tool: str
    package: str
    version: str
    ids: tuple[str, ...]
    fix: str

    def line(self) -> str:
        return f"{self.tool}: {self.package} {self.version} {', '.join(self.ids)} (fix: {self.fix})"


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed tool names and flags, no outside input
        argv, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )


def pip_findings() -> list[Finding]:
    export = _run(
        ["uv", "export", "--frozen", "--no-hashes", "--no-emit-project", "--all-groups"], REPO
    )
    if export.returncode != 0:
        raise RuntimeError(f"uv export failed: {export.stderr.strip()}")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
        req.write(export.stdout)
    try:
        # --no-deps: the export is already the whole resolved set, pinned.
        audit = _run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "-r",
                req.name,
                "--no-deps",
                "-f",
                "json",
                "--progress-spinner",
                "off",
            ],
            REPO,
        )
    finally:
        Path(req.name).unlink()
    if not audit.stdout.strip().startswith("{"):
        raise RuntimeError(f"pip-audit did not run: {audit.stderr.strip()[-500:]}")
    found = []
    for dep in json.loads(audit.stdout)["dependencies"]:
        for vuln in dep.get("vulns", []):
            found.append(
                Finding(
                    "pip-audit",
                    dep["name"],
                    dep.get("version", "?"),
                    (vuln["id"], *vuln.get("aliases", [])),
                    ", ".join(vuln.get("fix_versions", [])) or "none yet",
                )
            )
    return found


def npm_findings(*extra: str) -> list[Finding]:
    audit = _run(["npm", "audit", "--json", *extra], REPO / "pwa")
    try:
        report = json.loads(audit.stdout)
    except json.JSONDecodeError:
        report = {}
    if "vulnerabilities" not in report:
        detail = report.get("error", {}).get("summary") or report.get("message")
        raise RuntimeError(
            f"npm audit {' '.join(extra)} did not run: {detail or audit.stderr[-500:]}"
        )
    tool = f"npm audit {' '.join(extra)}".strip()
    found = []
    for name, vuln in report["vulnerabilities"].items():
        ids = tuple(
            str(v.get("url", "")).rsplit("/", 1)[-1] or str(v.get("source"))
            for v in vuln.get("via", [])
            if isinstance(v, dict)
        ) or ("via " + ", ".join(str(v) for v in vuln.get("via", [])),)
        fix = vuln.get("fixAvailable")
        found.append(
            Finding(tool, name, vuln.get("range", "?"), ids, "npm audit fix" if fix else "none")
        )
    return found


def explained_ids() -> set[str]:
    if not EXPLANATIONS.is_file():
        return set()
    return set(
        re.findall(
            r"\b(?:GHSA(?:-[0-9a-z]{4}){3}|CVE-\d{4}-\d+|PYSEC-\d{4}-\d+)\b",
            EXPLANATIONS.read_text(),
        )
    )


def main() -> int:
    explained = explained_ids()
    unexplained: list[Finding] = []
    broken: list[str] = []
    for name, check in (
        ("pip-audit (uv.lock)", pip_findings),
        ("npm audit --omit=dev (pwa)", lambda: npm_findings("--omit=dev")),
        ("npm audit (pwa, with dev tools)", npm_findings),
    ):
        try:
            found = check()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            print(f"{name}: COULD NOT RUN: {exc}")
            broken.append(name)
            continue
        if not found:
            print(f"{name}: no known vulnerabilities")
        for finding in found:
            known = explained.intersection(finding.ids)
            mark = "explained in docs/security.md" if known else "UNEXPLAINED"
            print(f"{name}: {finding.line()} -- {mark}")
            if not known:
                unexplained.append(finding)
    if unexplained:
        return 1
    return 2 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
