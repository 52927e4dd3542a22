"""The shape of the house (ARCHITECTURE.md), measured: each rule there has its test here.

- views are short (median ≤ 10 lines, none over 25) and never commit, roll back or run SQL;
- routes live in ``views.py`` or a ``views/`` package of their room;
- no template calls ``strftime`` (every time is shown in Paris time through ``commons.dates``);
- no private name is imported across modules, no import hides inside a function (the factory
  and the command line excepted), and the module import graph has no cycle;
- one error family: no room defines its own ``Forbidden``.
"""

from __future__ import annotations

import ast
import inspect
import re
import statistics
from collections import defaultdict
from pathlib import Path

import pytest

from commons import create_app

ROOT = Path(__file__).resolve().parent.parent / "commons"
MODULES = sorted(p for p in ROOT.rglob("*.py") if "static" not in p.parts)
#: Where importing inside a function is the point: the factory imports every room.
LAZY_IMPORTS_ALLOWED = {"commons", "commons.cli"}
MAX_VIEW_LINES = 25
MEDIAN_VIEW_LINES = 10


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _view_functions() -> list[tuple[str, object]]:
    app = create_app({"DATABASE_URL": "sqlite://", "TESTING": True, "SECRET_KEY": "x"})
    views = []
    for endpoint, function in sorted(app.view_functions.items()):
        function = inspect.unwrap(function)
        if getattr(function, "__module__", "").startswith("commons"):
            views.append((endpoint, function))
    return views


VIEWS = _view_functions()


def body_lines(function: object) -> int:
    """Non-blank lines of a function after its signature, without its docstring."""
    source = inspect.getsource(function)  # type: ignore[arg-type]
    tree = ast.parse(source.lstrip() if source[:1].isspace() else source)
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if not body:
        return 0
    lines = source.lstrip().splitlines()[body[0].lineno - 1 : node.end_lineno]
    return sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))


def view_modules() -> set[str]:
    return {function.__module__ for _e, function in VIEWS}  # type: ignore[attr-defined]


@pytest.mark.parametrize("module", sorted(view_modules()))
def test_views_are_short(module: str) -> None:
    long = {
        endpoint: n
        for endpoint, function in VIEWS
        if function.__module__ == module  # type: ignore[attr-defined]
        and (n := body_lines(function)) > MAX_VIEW_LINES
    }
    assert not long, f"views over {MAX_VIEW_LINES} lines: {long}"


def test_median_view_length() -> None:
    median = statistics.median(body_lines(function) for _e, function in VIEWS)
    assert median <= MEDIAN_VIEW_LINES, median


@pytest.mark.parametrize("module", sorted(view_modules()))
def test_routes_live_in_views_modules(module: str) -> None:
    assert module.endswith(".views") or ".views." in module


SQL_IN_VIEWS = re.compile(r"\b(select|update|delete|insert|func)\(|\.(execute|scalars?)\(")
TRANSACTION = re.compile(r"\.(commit|rollback)\(")


@pytest.mark.parametrize("module", sorted(view_modules()))
def test_views_neither_commit_nor_query(module: str) -> None:
    path = ROOT.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    text = path.read_text(encoding="utf-8")
    assert not TRANSACTION.findall(text), "the request lifecycle commits (commons.lifecycle)"
    assert not SQL_IN_VIEWS.findall(text), "SQL belongs in the room's queries.py"


def test_no_template_formats_a_time_by_hand() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*")
        if p.suffix in {".html", ".txt", ".xml", ".ics"}
        and ("strftime" in (t := p.read_text(encoding="utf-8")) or "(UTC)" in t)
    ]
    assert not offenders, offenders


def _imports(path: Path) -> tuple[ast.Module, list[tuple[ast.AST, str, list[str], bool]]]:
    """(node, absolute module, imported names, inside a function) of each commons import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or (
                isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                # a room's __init__.init_app imports its views: that is the factory's part
                and not (path.name == "__init__.py" and child.name == "init_app")
            )
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target.split(".")[0] == "commons":
                    found.append((child, target, [a.name for a in child.names], in_function))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "commons":
                        found.append((child, alias.name, [], in_function))
            visit(child, inner)

    visit(tree, False)
    return tree, found


def _is_module(name: str) -> bool:
    path = ROOT.parent / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_no_private_name_crosses_modules() -> None:
    offenders = []
    for path in MODULES:
        _tree, found = _imports(path)
        for node, target, names, _lazy in found:
            for imported in names:
                if imported.startswith("_") and not imported.startswith("__"):
                    offenders.append(f"{module_name(path)}:{node.lineno} {target}.{imported}")
    assert not offenders, offenders


def test_no_import_hides_in_a_function() -> None:
    offenders = [
        f"{module_name(path)}:{node.lineno} {target}"
        for path in MODULES
        if module_name(path) not in LAZY_IMPORTS_ALLOWED
        for node, target, _names, lazy in _imports(path)[1]
        if lazy
    ]
    assert not offenders, f"{len(offenders)} lazy imports: {offenders}"


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in MODULES:
        source = module_name(path)
        for _node, target, names, lazy in _imports(path)[1]:
            if lazy:
                continue
            targets = [f"{target}.{n}" for n in names if _is_module(f"{target}.{n}")]
            if len(targets) < len(names) or not names:
                targets.append(target)
            graph[source].update(t for t in targets if t != source)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(graph):
        if v not in index:
            strong(v)
    return found


def test_import_graph_has_no_cycle() -> None:
    # a package's __init__ may gather its own submodules; that is not a cycle between rooms
    graph = {
        source: {t for t in targets if not source.startswith(t + ".") or not _is_package(t)}
        for source, targets in import_graph().items()
    }
    assert not cycles(graph), cycles(graph)


def _is_package(name: str) -> bool:
    return (ROOT.parent / name.replace(".", "/") / "__init__.py").exists()


def test_one_forbidden_class() -> None:
    offenders = [
        module_name(path)
        for path in MODULES
        if path.name != "errors.py"
        and re.search(r"^class (Forbidden|NotFound)\b", path.read_text("utf-8"), re.M)
    ]
    assert not offenders, offenders


@pytest.mark.parametrize("room", sorted({p.parent.name for p in ROOT.glob("*/views*")}))
def test_feature_init_app_in_package(room: str) -> None:
    init = (ROOT / room / "__init__.py").read_text(encoding="utf-8")
    assert "def init_app" in init, f"commons/{room}/__init__.py must define init_app"


#: Rooms that read the others (the public commons, search, the site pages, moderation, the
#: personal data export): no other room imports them (ARCHITECTURE.md, « The import graph »).
READERS = {"search", "export", "site", "moderation", "identity"}
#: Modules that see every room by design: the factory, the command line, the model registry.
SEE_ALL = {"commons", "commons.cli", "commons.models"}


def test_no_room_imports_a_reader() -> None:
    def room(module: str) -> str:
        return module.split(".")[1] if "." in module else module

    offenders = sorted(
        f"{source} → {target}"
        for source, targets in import_graph().items()
        for target in targets
        if room(target) in READERS
        and room(source) not in READERS
        and source not in SEE_ALL
        and not target.endswith(".models")  # a model is data, not behaviour
    )
    assert not offenders, offenders
