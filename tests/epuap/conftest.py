"""Shared fixtures of the ePUAP / e-Doręczenia tests.

``pki`` — the test PKI (CA, office-system, platform, edoreczenia, resident-1..3) generated ONCE per test session
into a temporary directory, with ``settings.EPUAP_PKI_DIR`` pointed at it for the test. It is a dict
name → :class:`epuap.pki.Credential` with extra attributes ``directory`` (Path) and ``ca`` (x509 certificate).
"""

from pathlib import Path

import pytest

from epuap.pki import ensure_test_pki


class TestPki(dict):
    __test__ = False  # not a test class for pytest

    directory: Path

    @property
    def ca(self):
        return self["ca"].certificate


@pytest.fixture(scope="session")
def pki_session(tmp_path_factory) -> TestPki:
    directory = tmp_path_factory.mktemp("pki")
    result = TestPki(ensure_test_pki(directory, residents=3))
    result.directory = directory
    return result


@pytest.fixture
def pki(pki_session, settings) -> TestPki:
    settings.EPUAP_PKI_DIR = pki_session.directory
    return pki_session
