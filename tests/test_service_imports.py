"""The comment service is a wing of its own: starting it loads the contract, the core and
its own modules, never the build (its renderer, planner, Markdown plugins or Pygments).

Each check runs in a fresh interpreter, so that nothing a test imported earlier counts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.service_support import make_site

# What the build alone needs; the service must start without any of it.
FORBIDDEN = ("generator.build", "generator.dev", "generator.importers", "pygments",
             "mdit_py_plugins")  # fmt: skip
ALLOWED = ("generator.contract", "generator.core", "generator.service")
ENTRY = ("generator.cli", "generator.__main__")  # the command line itself, which imports lazily

LOADED = "print(__import__('json').dumps(sorted(__import__('sys').modules)))"


def loaded_modules(program: str) -> list[str]:
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                         check=False, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr
    names: list[str] = json.loads(run.stdout.strip().splitlines()[-1])
    return names


def offending(names: list[str]) -> list[str]:
    return [
        name
        for name in names
        if name.split(".")[0] in ("pygments", "mdit_py_plugins")
        or (name.startswith("generator.") and not name.startswith(ALLOWED) and name not in ENTRY)
    ]


def test_apart_from_the_reader_pages_the_service_loads_no_build_module() -> None:
    names = loaded_modules(
        "import sys, types\n"
        "stub = types.ModuleType('generator.service.reader_pages')\n"
        "stub.ReaderPages = stub.FormEntry = object\n"
        "sys.modules[stub.__name__] = stub\n"
        "import generator.service.app, generator.service.server, generator.service.cli\n" + LOADED
    )
    assert "generator.service.app" in names and "werkzeug" in names
    assert offending(names) == []


def test_the_service_app_loads_no_build_module() -> None:
    names = loaded_modules(
        "from generator.core.config import load_config\n"
        "import generator.service.app, generator.service.server\n" + LOADED
    )
    assert "generator.service.app" in names and "werkzeug" in names  # the check saw the app
    assert offending(names) == []


def test_salon_comments_serve_loads_no_build_module(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    # The real command line up to the point where the server would listen.
    names = loaded_modules(
        "import json, sys\n"
        "import generator.service.server as server\n"
        "server.serve_forever = lambda config, host, port: print(json.dumps("
        "sorted(sys.modules))) or 0\n"
        "from generator.cli import main\n"
        f"sys.exit(main(['comments', 'serve', '--site', {str(config.root)!r}]))\n"
    )
    assert "generator.service.cli" in names
    assert offending(names) == []


def test_the_check_catches_a_build_import() -> None:
    """The test above can fail: the build's own entry point trips it."""
    # (markdown-it-py and Pygments load when first used: the reference engine, a fence)
    script = (
        "from generator.build.markdown import author_markdown, render\n"
        "author_markdown()\n"
        "render('```python\\nx = 1\\n```\\n')\n"
    )
    names = loaded_modules(script + LOADED)
    assert {"generator.build.markdown", "pygments", "mdit_py_plugins"} <= set(offending(names))
    assert all(name.startswith(FORBIDDEN) for name in offending(names))
