"""The import layers, read from the source with `ast`: no module imports a layer it may not, the engine and
the Streamlit-free packages import only their own few third-party packages, and no modules import each
other round a loop.

The table names layers by package path, and a module belongs to the longest path that contains it: in a
flat engine every engine module is in "scratchnet" (which may import all of scratchnet); once the engine is
in folders, scratchnet/net/ may import only config.py, and so on up.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("scratchnet", "live", "classroom", "ui", "app_pages", "app.py", "navigation.py")
ENGINE = ("scratchnet.config", "scratchnet.net", "scratchnet.data", "scratchnet.train")

# What each layer may import besides itself, bottom to top (a package path or a module's dotted path).
MAY_IMPORT: dict[str, tuple[str, ...]] = {
    # config.py sits at the bottom with net/: it reads the records (activations, optimizers, ...) for its
    # choices and labels, and the model reads its defaults.
    "scratchnet.net": ("scratchnet.config",),
    "scratchnet.data": ENGINE[:2],
    "scratchnet.train": ENGINE[:3],
    "scratchnet.draw": ENGINE,
    "scratchnet.teach": ENGINE,
    "scratchnet.export": (*ENGINE, "scratchnet.draw", "scratchnet.teach"),
    "scratchnet": ("scratchnet",),                      # config.py, the CLI and the package's API
    "live": ("scratchnet",),                            # the live runtime: training thread, runs, frames, socket
    "classroom": ("scratchnet", "live"),                # the classroom's backend: store, Redis, hub, board frames
    "ui": ("scratchnet", "live", "classroom"),          # what imports Streamlit
    "app_pages": ("scratchnet", "live", "classroom", "ui"),
    "navigation": ("scratchnet", "live", "classroom", "ui"),
    "app": ("scratchnet", "live", "classroom", "ui"),
}

# Third-party packages a layer may import (besides the standard library); a layer not named here may import
# any. The engine keeps to its own dependencies (pyproject.toml): no Streamlit, no server.
THIRD_PARTY: dict[str, set[str]] = {
    "scratchnet": {"torch", "numpy", "plotly"},
    "live": {"torch", "numpy", "starlette"},
    "classroom": {"numpy", "redis", "segno"},
}
# What live/ and classroom/ may ask Streamlit's server, inside a function: is a session still there, the
# server's settings. Never `streamlit` itself (that is the UI).
STREAMLIT_RUNTIME = ("streamlit.runtime", "streamlit.config")


@dataclass(frozen=True)
class Import:
    target: str          # the module imported (a submodule when `from package import submodule`)
    line: int
    lazy: bool           # inside a function
    typing_only: bool    # under `if TYPE_CHECKING:` (never runs)


def module_files() -> dict[str, Path]:
    files: dict[str, Path] = {}
    for source in SOURCES:
        path = ROOT / source
        for file in ([path] if path.suffix == ".py" else sorted(path.rglob("*.py"))):
            if not file.is_file() or "vendor" in file.parts or "__pycache__" in file.parts:
                continue
            parts = list(file.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            files[".".join(parts)] = file
    return files


MODULES = module_files()


def imports(name: str, file: Path) -> list[Import]:
    """Every import in a module, resolved to absolute module names."""
    tree = ast.parse(file.read_text(encoding="utf-8"))
    package = name.split(".") if file.name == "__init__.py" else name.split(".")[:-1]
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(a.name, child.lineno, lazy, typing_only) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package[: len(package) - child.level + 1] + ([base] if base else []))
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    found.append(Import(sub if sub in MODULES or _third_party_sub(sub) else base, child.lineno,
                                        lazy, typing_only))
            is_function = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            is_typing = isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            visit(child, lazy or is_function, typing_only or is_typing)

    visit(tree, False, False)
    return found


def _third_party_sub(name: str) -> bool:
    return name.startswith(STREAMLIT_RUNTIME)


def layer_of(name: str) -> str | None:
    """The longest path of the table that contains the module. A package's path names the package and what
    is in it; a plain module of the same name (a flat engine's scratchnet/data.py) is its parent's."""
    def names(layer: str) -> bool:
        if name == layer:
            return MODULES[name].name == "__init__.py" or layer.rpartition(".")[0] not in MAY_IMPORT
        return name.startswith(layer + ".")

    matches = [layer for layer in MAY_IMPORT if names(layer)]
    return max(matches, key=len) if matches else None


def within(name: str, paths: tuple[str, ...]) -> bool:
    return any(name == path or name.startswith(path + ".") for path in paths)


IMPORTS = {name: imports(name, file) for name, file in MODULES.items()}


def test_every_module_is_in_a_layer():
    assert len(MODULES) > 60, "the scan found the sources"
    assert [name for name in MODULES if layer_of(name) is None] == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_a_layer_it_may_not(name):
    layer = layer_of(name)
    allowed = (layer, *MAY_IMPORT[layer])
    wrong = [f"line {i.line}: {i.target} (layer {layer_of(i.target)})" for i in IMPORTS[name]
             if i.target in MODULES and not within(i.target, allowed)]
    assert wrong == [], f"{name} (layer {layer}) may import only {allowed}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if within(n, tuple(THIRD_PARTY))))
def test_streamlit_free_layers_import_only_their_third_party_packages(name):
    own = THIRD_PARTY[next(top for top in THIRD_PARTY if within(name, (top,)))]
    wrong = []
    for i in IMPORTS[name]:
        top = i.target.split(".")[0]
        if not top or top in sys.stdlib_module_names or top == "__future__" or i.target in MODULES \
                or within(i.target, tuple(MAY_IMPORT)) or top in own:
            continue
        runtime = top == "streamlit" and i.target.startswith(STREAMLIT_RUNTIME)
        if runtime and i.lazy and not name.startswith("scratchnet"):
            continue
        wrong.append(f"line {i.line}: {i.target}{' (at the top)' if not i.lazy else ''}")
    assert wrong == [], f"{name} may import {sorted(own)} ({STREAMLIT_RUNTIME} inside a function, outside the engine)"


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_import_cycles_are_found():
    """The detector itself: a loop through three modules, and one through a function's import."""
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    """Imports that run (at the top or inside a function) form no loop; an import under TYPE_CHECKING never
    runs and is left out (it is still held to the layers above)."""
    graph = {name: {i.target for i in found if i.target in MODULES and i.target != name and not i.typing_only}
             for name, found in IMPORTS.items()}
    assert import_cycles(graph) == []


def test_each_package_says_what_it_may_import():
    for layer in MAY_IMPORT:
        init = ROOT.joinpath(*layer.split("."), "__init__.py")
        if init.is_file():
            docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
            assert docstring and len(docstring) > 40, init


def test_the_engine_exports_no_name_of_its_own_modules():
    """`scratchnet.backward` is the module: a function exported under a module's name would hide it."""
    import scratchnet

    modules = {name.rpartition(".")[2] for name in MODULES if name.startswith("scratchnet.")}
    assert set(scratchnet.__all__) & modules == set()
    assert set(vars(scratchnet)) >= set(scratchnet.__all__)
