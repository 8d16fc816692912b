"""The package's layout holds: data flows one way between its areas, with no import cycle.

Read from the source (every import statement, those inside functions included, except the ones
under ``if TYPE_CHECKING:``), so a lazy import cannot hide a cycle either.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import cms_bridge

PACKAGE_DIR = Path(cms_bridge.__file__).parent

#: What each area may import besides itself and the top-level helpers (config, errors, thaidate, channels, messages, i18n,
#: windows, mappings, version, samples, tomlfile). Mirrors the docstring of each subpackage's __init__.
ALLOWED = {
    "intake": set(),
    "ledger": {"intake"},
    "wordpress": set(),
    "publishing": {"intake", "ledger", "wordpress"},
    "reports": {"ledger", "wordpress"},
    "categories": {"ledger", "wordpress"},
    "audit": {"intake", "ledger", "wordpress"},
}
HELPERS = {"config", "errors", "thaidate", "windows", "channels", "mappings", "version", "samples", "tomlfile",
           "validation", "messages", "i18n"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path) -> set[str]:
    """Every cms_bridge module *path* imports (``from cms_bridge.x import y`` counts x, or x.y
    when y is itself a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("cms_bridge"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cms_bridge"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in ALL_MODULES else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


ALL_MODULES = {module_name(p) for p in PACKAGE_DIR.rglob("*.py")}


def import_graph() -> dict[str, set[str]]:
    graph = {module_name(p): imports_of(p) for p in PACKAGE_DIR.rglob("*.py")}
    # The package root imports Bridge lazily in __getattr__ only as a convenience for callers;
    # no module of the package goes through it.
    graph["cms_bridge"] = {m for m in graph["cms_bridge"] if m != "cms_bridge.bridge"}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := walk(start)):
            return cycle
    return None


def test_the_finder_sees_a_cycle_when_there_is_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package() -> None:
    assert find_cycle(import_graph()) is None


def test_no_library_module_imports_the_cli() -> None:
    importers = sorted(m for m, deps in import_graph().items()
                       if "cms_bridge.cli" in deps and m not in {"cms_bridge.cli", "cms_bridge.__main__"})
    assert importers == []


def test_each_area_imports_only_what_its_docstring_allows() -> None:
    wrong = []
    for module, deps in import_graph().items():
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in ALLOWED:
            continue
        area = parts[1]
        for dep in deps:
            dep_area = dep.split(".")[1] if dep.count(".") else ""
            if dep_area in {area, *HELPERS, *ALLOWED[area]}:
                continue
            wrong.append(f"{module} imports {dep}")
    assert wrong == []


def test_importing_the_package_loads_no_area() -> None:
    # `cms-bridge --version` and small scripts stay quick: the root imports nothing heavy.
    code = ("import sys, cms_bridge; "
            "print(sorted(m for m in sys.modules if m.startswith('cms_bridge')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['cms_bridge', 'cms_bridge.version']"
