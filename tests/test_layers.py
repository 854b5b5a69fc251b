"""The package keeps its layers: models under queries under the web layer under views, no import circles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "renda"

# Layer 0: shared by everything, importing nothing of the areas.
FOUNDATION = {"db", "i18n", "clock", "vocabulary", "problems", "refs", "rates", "pinyin", "config", "accesslog"}
# Layer 3: the cross-cutting web layer (render, parameters, cache, limits): between queries and views.
WEB_LAYER = {"web", "locale", "cache", "compression", "assets", "ratelimits", "extensions"}
# Area modules of the web layer: forms and request parameters an area's views and staff pages share.
AREA_WEB_MODULES = {"forms", "params", "access"}
PAGES = {"views", "staff"}
NAMES = {0: "foundation (db, shared enums)", 1: "models", 2: "queries and area helpers", 3: "the web layer",
         4: "views, staff pages, cli", 5: "create_app"}


def module_name(path: Path) -> str:
    parts = ["renda", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def layer(module: str) -> int:
    parts = module.split(".")[1:]
    if not parts:
        return 5
    leaf = parts[-1]
    if leaf in PAGES or parts in (["cli"], ["openapi"]):
        return 4
    if (len(parts) == 1 and leaf in WEB_LAYER) or leaf in AREA_WEB_MODULES:
        return 3
    if len(parts) == 1 and leaf in FOUNDATION:
        return 0
    if leaf == "models":
        return 1
    return 2


def is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def resolve(module: str, level: int, name: str | None) -> str:
    base = module.split(".") if is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(module: str) -> list[tuple[str, int, bool]]:
    """The renda modules `module` imports: (module, line, only when type checking)."""
    tree = ast.parse(MODULES[module].read_text())
    typing_only = type_checking_lines(tree)
    found = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            base = resolve(module, node.level, node.module) if node.level else (node.module or "")
            for alias in node.names:
                targets.append(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        for target in targets:
            if target in MODULES and target != module:
                found.append((target, node.lineno, node.lineno in typing_only))
    return found


def test_every_import_goes_down_the_layers_and_no_module_but_create_app_imports_a_page_module():
    wrong = []
    for module in sorted(MODULES):
        for target, line, _ in imports_of(module):
            if layer(target) > layer(module):
                wrong.append(f"{module}:{line} ({NAMES[layer(module)]}) imports {target} ({NAMES[layer(target)]})")
            elif target.split(".")[-1] in PAGES and module != "renda":
                wrong.append(f"{module}:{line} imports the page module {target}: only create_app may")
    assert wrong == []


def test_no_modules_import_each_other_in_a_circle():
    graph = {m: sorted({t for t, _, typing_only in imports_of(m) if not typing_only}) for m in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert circles == []


def test_only_the_web_layer_and_pages_touch_the_request():
    touching = []
    for module, path in sorted(MODULES.items()):
        if layer(module) >= 3:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                if any(alias.name in ("request", "session", "g") for alias in node.names):
                    touching.append(f"{module}:{node.lineno}")
    assert touching == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if is_package(m) and m != "renda"))
def test_package_faces_hold_a_docstring_only(module):
    tree = ast.parse(MODULES[module].read_text())
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr), f"{module} holds more than its docstring"


def test_the_layers_the_test_sees_are_those_readme_states():
    readme = (PACKAGE.parent / "README.md").read_text()
    assert "db`/`vocabulary` ← `*/models` ← `*/queries` ← the web layer ← `*/views`, `*/staff`" in readme


def test_a_circle_or_an_upward_import_is_caught(monkeypatch, tmp_path):
    """The test itself can fail: a models module importing a views module is reported."""
    fake = tmp_path / "models.py"
    fake.write_text("from ..deputies import views\n")
    monkeypatch.setitem(MODULES, "renda.fake.models", fake)
    assert any(t == "renda.deputies.views" for t, _, _ in imports_of("renda.fake.models"))
    assert layer("renda.deputies.views") > layer("renda.fake.models")
