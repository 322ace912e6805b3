"""README, "How it is built": handlers/ and storage/ never import a platform SDK or an HTTP
client; only bot/adapters/ talks to a platform. A handler that imported slack_sdk would work
on Slack and break the console and Telegram, and the layering the README draws would be
untrue."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDKS = ("slack_sdk", "slack_bolt", "telegram", "aiohttp", "httpx")


def _imports(path: Path) -> set[str]:
    """The top-level package of every module `path` imports, anywhere in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_handlers_and_storage_import_no_platform_sdk():
    offenders = {str(p.relative_to(ROOT)): sorted(_imports(p) & set(SDKS))
                 for folder in ("handlers", "storage")
                 for p in sorted((ROOT / folder).rglob("*.py"))}
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) > 20  # (the folders were found and read)


def test_the_check_sees_an_sdk_import(tmp_path):
    """The guard above would notice one (a guard that cannot fail guards nothing)."""
    sample = tmp_path / "h.py"
    sample.write_text("def f():\n    from slack_sdk.web import WebClient\n", encoding="utf-8")
    assert _imports(sample) & set(SDKS) == {"slack_sdk"}


def test_every_storage_module_imports_first_in_a_fresh_process():
    """The migrations import storage.away first; a script may import storage.goals first.
    The feature modules and storage.models import one another: entered from the wrong one,
    the cycle met a half-initialised module (`teampulse restore` of an older backup failed
    "could not be brought up to date (ImportError …)"). Each module is imported first in
    a child process of its own (a module's tables can be declared once a process)."""
    import subprocess
    import sys

    modules = [f"storage.{p.stem}" for p in sorted((ROOT / "storage").glob("*.py"))
               if p.stem != "__init__"]
    children = {m: subprocess.Popen([sys.executable, "-c", f"import {m}"], cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                for m in modules}
    failed = {m: child.communicate()[1].decode()[-300:] for m, child in children.items()}
    assert {m: e for m, e in failed.items() if children[m].returncode} == {}
    assert len(modules) > 20
