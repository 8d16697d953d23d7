"""What to do when a real component a test needs is missing (Virtuoso, Chromium, root).

The default is to **fail**: a test suite that passes while skipping its Virtuoso or browser
tests proves nothing, and CI must never do that. A developer without the component can allow
the skip explicitly for their machine: ``CPKG_TESTS_ALLOW_MISSING=virtuoso,browser``.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

ALLOW = "CPKG_TESTS_ALLOW_MISSING"


def allowed_missing() -> set[str]:
    return {c.strip() for c in os.environ.get(ALLOW, "").split(",") if c.strip()}


def missing(component: str, why: str, *, module: bool = False) -> NoReturn:
    """Fail, naming what is missing and how to install it, unless the skip was allowed."""
    if component in allowed_missing():
        pytest.skip(f"{why} ({ALLOW} allows skipping {component} tests)", allow_module_level=module)
    pytest.fail(
        f"{why}; the tests need it (`.ci/run` installs it). To skip these tests on this machine "
        f"only, set {ALLOW}={component}",
        pytrace=False,
    )
