"""Serves the built PWA (pwa/dist) from the API's own origin.

Any path that is not a file is a client-side route (e.g. the `/s/<code>` links printed
in QR labels), so it gets index.html. The service worker and index.html must never be
cached by the browser's HTTP cache, or an update would not reach phones; hashed assets
can be cached forever.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from litestar import Response, get
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import File

from api.lib.authz import PUBLIC
from api.lib.errors import NotFound

_NO_CACHE = "no-cache"
_IMMUTABLE = "public, max-age=31536000, immutable"
_API_PREFIXES = ("api/", "schema/", "health/")

_PLACEHOLDER = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>SiteCheck</title><body><h1>SiteCheck</h1>
<p>The API is running. The PWA has not been built: run <code>make run</code>.</p></body></html>"""

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")


def _file(path: Path, cache: str) -> File:
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return File(
        path,
        media_type=media_type,
        headers={"Cache-Control": cache},
        content_disposition_type="inline",
    )


def _index(dist: Path) -> File | Response[str]:
    index = dist / "index.html"
    if index.is_file():
        return _file(index, _NO_CACHE)
    return Response(_PLACEHOLDER, media_type="text/html", headers={"Cache-Control": _NO_CACHE})


def _dist_file(dist: Path, relative: str) -> Path | None:
    """The file of the build that `relative` names, if there is one inside `dist`."""
    try:
        candidate = (dist / relative).resolve()
        if candidate.is_relative_to(dist.resolve()) and candidate.is_file():
            return candidate
    except OSError:
        # A name longer than the file system allows (ENAMETOOLONG) names no file either.
        return None
    return None


@get("/", opt=PUBLIC, include_in_schema=False, sync_to_thread=False)
def pwa_root(state: State) -> File | Response[str]:
    return _index(state.pwa_dist)


@get("/{path:path}", opt=PUBLIC, include_in_schema=False, sync_to_thread=False)
def pwa_file(path: FromPath[str], state: State) -> File | Response[str]:
    relative = path.lstrip("/")
    if relative.startswith(_API_PREFIXES) or relative in ("api", "schema", "health"):
        raise NotFound(f"No route for /{relative}")
    if "\0" in relative:
        # The path arrives percent-decoded (%00); no file or client route has a NUL, and
        # the file system refuses one with an exception of its own.
        raise NotFound("No file with a NUL in its name")
    dist: Path = state.pwa_dist
    candidate = _dist_file(dist, relative)
    if candidate is not None:
        cache = _IMMUTABLE if relative.startswith("assets/") else _NO_CACHE
        return _file(candidate, cache)
    if Path(relative).suffix:
        # A missing file (an old hashed asset, a typo) is a 404, not the app shell.
        raise NotFound(f"No file /{relative}")
    return _index(dist)
