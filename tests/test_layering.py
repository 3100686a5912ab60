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
