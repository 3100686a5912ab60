"""The layering rule: an app may import only apps listed before it (docs/ARCHITECTURE.md)."""

import ast
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parent.parent
ORDER = ["core", "population", "epuap", "documents", "finance", "taxes", "portal"]
# population and epuap are siblings: neither may import the other.
ALLOWED = {
    "core": set(),
    "population": {"core"},
    "epuap": {"core"},
    "documents": {"core", "population", "epuap"},
    "finance": {"core", "population", "epuap", "documents"},
    "taxes": {"core", "population", "epuap", "documents", "finance"},
    "portal": {"core", "population", "epuap", "documents", "finance", "taxes"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("app", ORDER)
def test_app_imports_only_lower_layers(app):
    violations = []
    for path in sorted((BASE / app).rglob("*.py")):
        bad = (_imports(path) & set(ORDER)) - ALLOWED[app] - {app}
        if bad:
            violations.append(f"{path.relative_to(BASE)} imports {sorted(bad)}")
    assert violations == []


SHARED_EPUAP = {"epuap.xmlsafe", "epuap.pki", "epuap.wssecurity", "epuap.xades", "epuap.crd", "epuap.upo"}
SIMULATIONS = {"epuap.platform", "epuap.edoreczenia"}


def _epuap_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {".".join(n.split(".")[:2]) for n in names if n.startswith("epuap.") or n == "epuap"}
    return found


@pytest.mark.parametrize("system", sorted(SIMULATIONS))
def test_simulated_systems_talk_to_the_office_only_over_http(system):
    """A simulation may use the shared XML/security modules, never the office's adapter (nor the other simulation)."""
    violations = []
    for path in sorted((BASE / system.replace(".", "/")).rglob("*.py")):
        bad = {m for m in _epuap_imports(path) if m not in SHARED_EPUAP and m != system and m != "epuap"}
        if bad:
            violations.append(f"{path.relative_to(BASE)} imports {sorted(bad)}")
    assert violations == []


def test_office_adapter_does_not_import_the_simulations():
    violations = []
    for path in sorted((BASE / "epuap").rglob("*.py")):
        rel = path.relative_to(BASE).as_posix()
        if rel.startswith(("epuap/platform/", "epuap/edoreczenia/")):
            continue
        bad = _epuap_imports(path) & SIMULATIONS
        if bad:
            violations.append(f"{rel} imports {sorted(bad)}")
    assert violations == []
