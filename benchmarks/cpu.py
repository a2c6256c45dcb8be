"""CPU time of processes, for benchmarks on a shared machine: wall-clock rates stretch
with whatever else runs, CPU seconds much less. Linux only (/proc, stat(5))."""

from __future__ import annotations

import os
import resource
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds a live process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime, fields 14 and 15 of stat(5), in clock ticks.
    return (int(fields[11]) + int(fields[12])) / _TICK


def tree_cpu_s(root: int) -> float:
    """CPU seconds of a process and its live children (a postmaster and its backends)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if int(entry.name) == root or parent == root:
                total += process_cpu_s(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue  # exited while we looked
    return total


def reaped_children_cpu_s() -> float:
    """CPU seconds of this process's children that have exited and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def children_cpu_s() -> float:
    """CPU seconds of this process's children: the reaped ones and the running ones."""
    total = reaped_children_cpu_s()
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                total += process_cpu_s(int(pid))
            except OSError:
                continue  # exited in between: counted as reaped
    return total
