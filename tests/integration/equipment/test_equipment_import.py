"""Bulk import of equipment and material batches (HTTP and CLI): bad rows are reported
with row, field and reason; the good rows of the file are registered together."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
from openpyxl import Workbook  # type: ignore[import-untyped]
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import REPO_ROOT
from api.db.models import Equipment, MaterialBatch
from tests.support.equipment import R, create_batch, create_item, headers
from tests.support.factories import World
from tests.support.spreadsheets import wide_xlsx

EQUIPMENT_CSV = """name,category,model,serial_no,owner,rented,certificate_expires_on,site
Tower crane T1,crane,QTZ80,TC-1,Hongda Rentals,yes,2027-05-01,
,crane,,,,,,
Hoist,hoist,,TC-1,,,,
Generator,power,,G-1,,maybe,,
Welder,welding,,W-1,,,2027-13-01,
Pump,pump,,P-1,,,,Nowhere
Mixer,mixer,,EXIST-1,,,,
Loader,loader,,,,no,,{site}
"""


def _errors(body: dict[str, Any]) -> list[tuple[int, str]]:
    return [(e["row"], e["field"]) for e in body["errors"]]


async def _import(
    api: httpx.AsyncClient,
    w: World,
    path: str,
    name: str,
    content: bytes,
    site: bool = True,
    query: str = "",
) -> httpx.Response:
    data = {"site_id": str(w.a.site.id)} if site else {}
    return await api.post(
        f"{path}{query}",
        files={"file": (name, content, "application/octet-stream")},
        data=data,
        headers=headers(w, R.MANAGER),
    )


async def _count(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


async def test_csv_import_reports_bad_rows_and_imports_good_ones(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    await create_item(api, world, serial_no="EXIST-1")
    content = EQUIPMENT_CSV.format(site=world.a.site.name).encode()
    response = await _import(api, world, "/api/equipment/import", "ledger.csv", content)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["rows"], body["imported"], body["dry_run"]) == (8, 2, False)
    assert _errors(body) == [
        (3, "name"),
        (4, "serial_no"),
        (5, "rented"),
        (6, "certificate_expires_on"),
        (7, "site"),
        (8, "serial_no"),
    ]
    messages = {e["row"]: e["message"] for e in body["errors"]}
    assert messages[4] == "repeats row 2"
    assert "already registered" in messages[8]
    assert "Nowhere" in messages[7]
    assert [i["row"] for i in body["items"]] == [2, 9]
    crane = await api.get(
        f"/api/equipment/{body['items'][0]['id']}", headers=headers(world, R.WORKER)
    )
    shown = crane.json()
    assert (shown["name"], shown["rented"], shown["certificate"]["expires_on"]) == (
        "Tower crane T1",
        True,
        "2027-05-01",
    )
    assert shown["code"] == body["items"][0]["code"]
    assert await _count(engine, Equipment) == 3

    # Importing the same sheet again registers nothing twice that has a serial number.
    again = (await _import(api, world, "/api/equipment/import", "ledger.csv", content)).json()
    assert (2, "serial_no") in _errors(again)


async def test_xlsx_with_chinese_headers_and_date_cells(
    api: httpx.AsyncClient, world: World
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["设备名称", "类别", "出厂编号", "检验有效期", "是否租赁"])
    sheet.append(["塔式起重机", "起重机械", 20240117, date(2027, 3, 31), "是"])
    sheet.append(["施工升降机", "起重机械", "SC200-9", datetime(2026, 12, 1, 0, 0), "否"])
    sheet.append([None, None, None, None, None])  # blank rows are skipped
    sheet.append(["", "电焊机", None, "下周", None])
    out = io.BytesIO()
    book.save(out)
    response = await _import(api, world, "/api/equipment/import", "台账.xlsx", out.getvalue())
    body = response.json()
    assert body["imported"] == 2, body
    assert _errors(body) == [(5, "certificate_expires_on"), (5, "name")]
    items = (await api.get("/api/equipment?q=20240117", headers=headers(world, R.ADMIN))).json()
    # A serial typed as a number comes in without a trailing ".0".
    assert [(i["name"], i["serial_no"]) for i in items["items"]] == [("塔式起重机", "20240117")]


async def test_dry_run_and_refused_files(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    content = EQUIPMENT_CSV.format(site="").encode()
    dry = await _import(
        api, world, "/api/equipment/import", "x.csv", content, query="?dry_run=true"
    )
    assert dry.json()["dry_run"] is True
    assert dry.json()["imported"] == 0
    assert len(dry.json()["errors"]) == 5
    assert await _count(engine, Equipment) == 0

    missing = await _import(
        api, world, "/api/equipment/import", "x.csv", b"name,model\nA,B\n", site=False
    )
    assert missing.status_code == 422
    assert missing.json()["code"] == "import_columns_missing"
    assert {e["field"] for e in missing.json()["errors"]} == {"category", "site"}

    for name, junk in [
        ("x.xlsx", b"PK\x03\x04 not really a zip"),
        ("x.bin", b"\x00\x01\x02" * 100),
        ("x.csv", b""),
        ("x.csv", "名称".encode("utf-16")),
    ]:
        refused = await _import(api, world, "/api/equipment/import", name, junk)
        assert refused.status_code == 422, (name, refused.text)
        assert refused.json()["code"] == "file_invalid"
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (120 * 1024 * 1024))
    refused = await _import(api, world, "/api/equipment/import", "bomb.xlsx", bomb.getvalue())
    assert refused.status_code == 422
    assert "unpacks" in refused.json()["detail"]
    bad_site = await api.post(
        "/api/equipment/import",
        files={"file": ("x.csv", b"name,category\nA,B\n", "text/csv")},
        data={"site_id": "not-a-uuid"},
        headers=headers(world, R.ADMIN),
    )
    assert bad_site.status_code == 422
    assert bad_site.json()["code"] == "site_id_invalid"
    other_site = await api.post(
        "/api/equipment/import",
        files={"file": ("x.csv", b"name,category\nA,B\n", "text/csv")},
        data={"site_id": str(world.b.site.id)},
        headers=headers(world, R.ADMIN),
    )
    assert other_site.status_code == 404


async def test_wide_spreadsheets_are_refused_without_being_parsed(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    """16,000 columns by 40 rows (105 KB) held a core for ~11 s here (the review's
    263 KB one ~50 s) and then imported its rows; now the first row refuses it."""
    wide = wide_xlsx(16_000, rows=40)
    wide_csv = b"name,category\n" + b",".join([b"x"] * 16_000) + b"\n"
    for path in ("/api/equipment/import", "/api/materials/batches/import"):
        for name, content in (("wide.xlsx", wide), ("wide.csv", wide_csv)):
            started = time.perf_counter()
            refused = await _import(api, world, path, name, content)
            assert refused.status_code == 422, (path, name, refused.text)
            assert refused.json()["code"] == "file_invalid"
            assert "more than 40 cells" in refused.json()["detail"]
            assert time.perf_counter() - started < 5.0  # generous: milliseconds of work
    assert await _count(engine, Equipment) == 0
    assert await _count(engine, MaterialBatch) == 0


async def test_batch_import_gb18030_csv(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    await create_batch(api, world, material="水泥", supplier="海螺", batch_no="P-1")
    csv_text = (
        "材料名称;规格;批号;供应商;数量;单位\n"
        "钢筋;HRB400 Φ16;L-77;沙钢;24.5;t\n"
        "水泥;P.O 42.5;P-1;海螺;30;t\n"
        "钢筋;HRB400 Φ20;L-78;沙钢;-3;t\n"
        "钢筋;HRB400 Φ20;L-79;沙钢;1,200;kg\n"
    )
    response = await _import(
        api, world, "/api/materials/batches/import", "到货.csv", csv_text.encode("gb18030")
    )
    body = response.json()
    assert body["imported"] == 2, body
    assert _errors(body) == [(3, "batch_no"), (4, "quantity")]
    batches = (await api.get("/api/materials/batches", headers=headers(world, R.WORKER))).json()
    by_no = {b["batch_no"]: b for b in batches["items"]}
    assert by_no["L-79"]["quantity"] == 1200
    assert by_no["L-77"]["spec"] == "HRB400 Φ16"
    assert by_no["L-77"]["certificate"]["state"] == "missing"
    assert await _count(engine, MaterialBatch) == 3


def _run_cli(app_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **app_env, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_cli_import_with_progress_and_error_report(
    world: World, engine: AsyncEngine, app_env: dict[str, str], tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(EQUIPMENT_CSV.format(site=""), encoding="utf-8")
    report = tmp_path / "errors.csv"
    done = _run_cli(
        app_env,
        "import-equipment",
        str(ledger),
        "--company",
        world.a.company.name.upper(),
        "--site",
        world.a.site.name,
        "--errors-csv",
        str(report),
    )
    assert done.returncode == 1, done.stderr
    assert "imported 3 of 8 rows; 5 problems" in done.stderr
    assert "8/8" in done.stderr  # the progress bar reached the end
    assert report.read_text(encoding="utf-8-sig").splitlines()[:2] == [
        "row,field,message",
        "3,name,is required",
    ]
    async with engine.connect() as conn:
        sites = set((await conn.execute(select(Equipment.site_id, Equipment.company_id))).all())
    assert sites == {(world.a.site.id, world.a.company.id)}

    unknown = _run_cli(app_env, "import-batches", str(ledger), "--company", "No such company")
    assert unknown.returncode == 2
    assert "no company matches" in unknown.stderr
