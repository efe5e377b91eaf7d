"""What every benchmark needs: a throwaway Django database, the machine's description, memory, a table.

Imported before Django is set up: nothing here touches Django at import time.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent


def django_bootstrap(workdir: Path) -> Callable[[], None]:
    """Set Django up on a database nobody else uses, migrated; returns the teardown.

    By default a fresh SQLite file in `workdir` (a copy of the last one migrated the same way: sqlite_migrated).
    When DATABASE_URL is set (PostgreSQL), a test database is
    created beside the one it names (`<name>_benchmark_<pid>`, never the named one, never pytest's) and
    dropped by the teardown. VAR_DIR always points into `workdir`, so the dev keys, the file cache (vendor
    tokens) and the rate-limit buckets start empty and are thrown away too.
    """
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    os.environ["DJANGO_SETTINGS_MODULE"] = "mlconnector.settings"
    os.environ["VAR_DIR"] = str(workdir / "var")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    given = bool(os.environ.get("DATABASE_URL"))
    database = workdir / "benchmark.sqlite3"
    if not given:
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"

    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    if not given:
        sqlite_migrated(database, lambda: call_command("migrate", verbosity=0, interactive=False))
        return lambda: None
    test_name = f"{connection.settings_dict['NAME']}_benchmark_{os.getpid()}"
    connection.settings_dict.setdefault("TEST", {})["NAME"] = test_name
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)  # runs migrate
    return lambda: connection.creation.destroy_test_db(original, verbosity=0)


def sqlite_migrated(database: Path, migrate: Callable[[], None]) -> None:
    """A migrated SQLite file at `database`: a copy of the one migrated last time with the same migrations and
    packages (kept in the repo's var/, which git ignores), else migrated now and kept. Migrating from scratch takes
    10–25 s here, longer than a smoke run of a benchmark itself."""
    template = REPO / "var" / f"benchmark-schema-{schema_fingerprint()}.sqlite3"
    if template.exists():
        shutil.copyfile(template, database)
        return
    migrate()
    from django.db import connection

    connection.close()  # everything written, nothing held open while the file is copied
    template.parent.mkdir(parents=True, exist_ok=True)
    partial = template.with_suffix(f".{os.getpid()}.tmp")
    shutil.copyfile(database, partial)
    os.replace(partial, template)  # atomic: a benchmark starting meanwhile never copies half a file


def schema_fingerprint() -> str:
    """What the migrated schema depends on: this repo's migrations and the installed packages' versions."""
    digest = hashlib.sha256()
    for path in sorted(REPO.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(REPO)).encode() + path.read_bytes())
    for name, version in sorted((d.metadata["Name"] or "", d.version) for d in importlib.metadata.distributions()):
        digest.update(f"{name}={version};".encode())
    return digest.hexdigest()[:16]


def workdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="mlconnector-benchmark-")


def machine() -> dict:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version} (file in a temp dir)"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            database = cursor.fetchone()[0].split(" on ")[0]
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
        "database": database,
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def peak_rss_mb() -> float:
    """The process's peak resident set so far (Linux reports ru_maxrss in KiB). It never goes down."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """The resident set now."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def table(rows: list[tuple], header: tuple | None = None) -> str:
    """Plain fixed-width columns: the first left-aligned, the others right-aligned."""
    rows = [tuple(str(cell) for cell in row) for row in ([header] if header else []) + rows]
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(max(len(r) for r in rows))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if header and n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def figures_emit(text: str, figures: dict, json_path: str | None) -> int:
    """Print the report; with --json, also write the figures. The script's exit status."""
    print(text, flush=True)
    if json_path:
        Path(json_path).write_text(json.dumps(figures, indent=2, default=str))
    return 0
