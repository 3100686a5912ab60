"""External command-line tools some tests use to check output independently of the code under test.

Locally a missing tool skips the test (with the package to install in the reason); in CI (``CI=true``) it does not:
``.ci/run`` installs the tools, and a test that cannot find one fails instead of passing silently as skipped.
"""

from __future__ import annotations

import os
import shutil

import pytest


def has_tool(command: str) -> bool:
    """True when ``command`` is on PATH, or in CI (where its absence must fail the test, not skip it)."""
    return shutil.which(command) is not None or os.environ.get("CI") == "true"


def needs_tool(command: str, package: str):
    return pytest.mark.skipif(not has_tool(command), reason=f"{command} is not installed (apt-get install {package})")


needs_pdftotext = needs_tool("pdftotext", "poppler-utils")
