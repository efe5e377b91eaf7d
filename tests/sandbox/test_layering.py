"""The sandbox is the outside world: it imports nothing of the project's own apps."""
import ast
from pathlib import Path

import sandbox

PROJECT_APPS = {"api", "audit", "connections", "demo", "mlconnector", "notifications", "syncs", "wizard"}


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_it_imports_nothing_from_the_project():
    root = Path(sandbox.__file__).parent
    offending = sorted(f"{path.relative_to(root.parent)}: {module}"
                       for path in root.rglob("*.py") for module in imported_modules(path)
                       if module.split(".")[0] in PROJECT_APPS)
    assert offending == []
