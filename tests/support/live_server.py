"""Run the real app under uvicorn on 127.0.0.1, as `make run` serves it.

The session's `live_server` fixture uses it, and so do tests that need a server of
their own (other settings, or a log they read), so every server starts the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from infra.local.processes import api_command, child_env, free_port, spawn, stop, wait_until_ok

__all__ = ["free_port", "serve_api"]


@contextmanager
def serve_api(app_env: Mapping[str, str], log: Path, timeout_s: float = 60) -> Iterator[str]:
    """Start the API with `app_env` over this process's environment, its stdout and
    stderr in `log`; yield its base URL once /health answers 200; stop it by PID."""
    port = free_port()
    proc = spawn(api_command(port), child_env(app_env), log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ok(proc, f"{base}/health", log, timeout_s)
        yield base
    finally:
        stop(proc)
