"""Files of the conformance suites, fetched by tests/fetch_conformance.py (`./dev test`).

Absent outside CI, the tests that need them skip and say how to fetch them; under CI
(CI=true) an absent file is a failure, so the proof can never silently go missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fetch_conformance import path_of


def conformance_file(package: str, inner: str) -> Path:
    path = path_of(package, inner)
    if not path.is_file():
        message = f"{path} is missing: run `python tests/fetch_conformance.py` (./dev test does)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return path
