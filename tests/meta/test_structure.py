"""The code's structure, checked from its imports (module level and inside functions alike):
no import cycles between the portal's modules, and imports point down —
web → services → domain / db / adapters, with settings, clock, i18n and labels at the bottom.

web/ never touches the database: no import of portal.db, sqlmodel or sqlalchemy. It opens a unit
of work through portal.services.unit and passes it on to services, which decide what is in the
caller's scope."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"

DATABASE_LIBRARIES = ("sqlmodel", "sqlalchemy")

# what each layer may import from the portal (besides itself)
BOTTOM = {"portal.settings", "portal.clock", "portal.i18n", "portal.labels"}
MAY_IMPORT = {
    "portal.domain": {"portal.domain"},
    "portal.db": {"portal.db", "portal.settings"},
    "portal.adapters": {"portal.adapters", "portal.settings", "portal.clock", "portal.i18n"},
    "portal.services": {"portal.services", "portal.domain", "portal.db", "portal.adapters"}
    | BOTTOM,
    "portal.web": {"portal.web", "portal.services", "portal.domain", "portal.db", "portal.adapters"}
    | BOTTOM,
    # development tools stand beside the portal: they speak its protocols, never use its code
    "portal.devtools": {"portal.devtools", "portal.settings"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PORTAL.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for target in targets:
                if target in modules and target not in {name, "portal"}:
                    graph[name].add(target)
    return graph


def layer(name: str) -> str:
    for prefix in MAY_IMPORT:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return name


def test_no_import_cycles():
    graph = imports()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not cycles, f"import cycles: {cycles}"


def test_imports_point_down():
    wrong = []
    for name, targets in imports().items():
        own = layer(name)
        allowed = MAY_IMPORT.get(own)
        if allowed is None:
            continue
        for target in targets:
            if layer(target) not in allowed and target not in allowed:
                wrong.append(f"{name} -> {target}")
    assert not wrong, "imports that point up or sideways:\n" + "\n".join(sorted(wrong))


def test_web_never_touches_the_database():
    touching = {
        name
        for name, targets in imports().items()
        if layer(name) == "portal.web" and any(layer(t) == "portal.db" for t in targets)
    }
    for path in (PORTAL / "web").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in DATABASE_LIBRARIES for n in names):
                touching.add(module_name(path))
    assert not touching, f"web modules must call services, not the database: {sorted(touching)}"


def test_production_never_imports_the_development_tools():
    """The app as production loads it imports neither the local provider and sandbox nor their
    libraries (which the runtime lock does not even install)."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": "k" * 40,
        "PORTAL_BASE_URL": "https://inburgering.example.be",
        "PORTAL_OIDC_ISSUER": "https://idp.example.be",
        "PORTAL_OIDC_CLIENT_ID": "inburgering-portal",
        "PORTAL_OIDC_CLIENT_SECRET": "s" * 24,
        "PORTAL_DATABASE_URL": "postgresql+psycopg://portal@db.invalid/portal",
        "PORTAL_SMTP_URL": "smtp://mail.example.be:587",
        "PORTAL_MAIL_FROM": "inburgering@vlaanderen.be",
        "PORTAL_MOLLIE_API_KEY": "live_" + "k" * 30,
    }
    code = (
        "import sys, portal.asgi, portal.cli\n"
        "bad = ('portal.devtools', 'werkzeug', 'oidc_provider_mock', 'flask')\n"
        "print(sorted({m.split('.')[0] if not m.startswith('portal') else m "
        "for m in sys.modules if m.startswith(bad)}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]", result.stdout


def test_the_runtime_lock_holds_no_development_tool():
    runtime = (ROOT / "requirements.lock").read_text()
    for name in ("oidc-provider-mock", "werkzeug", "pytest", "playwright", "moto", "pyop"):
        assert f"\n{name}==" not in runtime, name
    assert "--hash=sha256:" in runtime
    assert "--hash=sha256:" in (ROOT / "requirements-dev.lock").read_text()
