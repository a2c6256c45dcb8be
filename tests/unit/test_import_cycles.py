"""No module of api/, storage/ or inference/ imports itself in a circle.

A cycle held open by an import inside a function still ties the modules together (each
needs the other to be understood, tested or moved), so imports at every level count,
`TYPE_CHECKING` ones included: a type is a dependency too. The graph is read from the
source with `ast`, nothing is imported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "storage", "inference")


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the checked packages."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imported(module: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The checked modules that `module` imports, anywhere in its file."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _known_prefix(alias.name, known)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node.module, node.level)
            for alias in node.names:
                # `from pkg import module` imports the module; `from mod import name`
                # imports the module that defines the name.
                candidate = f"{base}.{alias.name}" if base else alias.name
                if candidate in known:
                    yield candidate
                else:
                    yield from _known_prefix(base, known)


def _absolute(module: str, is_package: bool, name: str | None, level: int) -> str:
    if level == 0:
        return name or ""
    parts = module.split(".")
    # A package's own `from . import x` is relative to the package itself.
    anchor = parts if is_package else parts[:-1]
    anchor = anchor[: len(anchor) - (level - 1)]
    return ".".join([*anchor, name] if name else anchor)


def _known_prefix(name: str, known: dict[str, Path]) -> Iterator[str]:
    """The longest checked module that `name` is or lies in (none for third parties)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            yield candidate
            return
        parts.pop()


def import_graph() -> dict[str, set[str]]:
    known = _modules()
    return {
        module: {dep for dep in _imported(module, path, known) if dep != module}
        for module, path in known.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan), smallest
    group first; a cycle is listed as a -> b -> ... -> a."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        # Iterative, so a deep graph does not hit the recursion limit.
        work = [(node, iter(sorted(graph[node])))]
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        while work:
            current, edges = work[-1]
            for dep in edges:
                if dep not in index:
                    index[dep] = low[dep] = len(index)
                    stack.append(dep)
                    on_stack.add(dep)
                    work.append((dep, iter(sorted(graph[dep]))))
                    break
                if dep in on_stack:
                    low[current] = min(low[current], index[dep])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[current])
                if low[current] == index[current]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == current:
                            break
                    if len(group) > 1:
                        groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(group, graph) for group in sorted(groups, key=len)]


def _cycle_in(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest cycle through the group's first module (breadth-first)."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for dep in sorted(graph[node] & group):
                if dep == start:
                    return [*paths[node], start]
                if dep not in paths:
                    paths[dep] = [*paths[node], dep]
                    following.append(dep)
        frontier = following
    raise AssertionError(f"no cycle in strongly connected group {sorted(group)}")


def test_the_graph_is_read() -> None:
    graph = import_graph()
    # Sanity: a module-level import, a function-level one and a relative one are seen.
    assert "api.config" in graph["api.app"]
    assert {"storage", "inference"} & {m.split(".")[0] for m in graph} == {
        "storage",
        "inference",
    }


def test_cycle_finder_finds_function_level_and_relative_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert _absolute("api.jobs.app", False, "registry", 1) == "api.jobs.registry"
    assert _absolute("api.jobs", True, None, 1) == "api.jobs"
    assert _absolute("api.jobs.app", False, "lib", 2) == "api.lib"


def test_no_import_cycles() -> None:
    graph = import_graph()
    found = cycles(graph)
    report = []
    for cycle in found:
        tangled = _tangled_with(cycle[0], graph)
        report.append(
            " -> ".join(cycle) + f"\n    ({len(tangled)} modules: {', '.join(sorted(tangled))})"
        )
    assert not found, "import cycles:\n" + "\n".join(report)


def _tangled_with(module: str, graph: dict[str, set[str]]) -> set[str]:
    """Every module that `module` reaches and that reaches it back."""

    def reach(start: str, edges: dict[str, set[str]]) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for dep in edges[todo.pop()]:
                if dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        return seen

    reverse: dict[str, set[str]] = {node: set() for node in graph}
    for node, deps in graph.items():
        for dep in deps:
            reverse[dep].add(node)
    return reach(module, graph) & reach(module, reverse)
