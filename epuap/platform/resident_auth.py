"""Simulated profil zaufany for the resident's side of the simulated ePUAP (TEST ENVIRONMENT ONLY).

There is no password: the identity page lists the test residents registered by ``platform_setup`` (their names
and PESEL read from their test certificates) and choosing one stores the podmiot identifier in the session under
:data:`SESSION_KEY`. This is the platform's own session entry — it never logs anybody into the office's Django
authentication, and the office's login does not give access to the platform either.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from cryptography.x509.oid import NameOID
from django.http import HttpRequest
from django.shortcuts import redirect

from epuap import pki
from epuap.platform.models import Podmiot
from epuap.platform.services import pki_dir

SESSION_KEY = "epuap_sim_resident"


@dataclass(frozen=True)
class TestIdentity:
    """A test resident as the simulated profil zaufany shows it."""

    __test__ = False  # not a pytest test class

    identifier: str
    first_name: str
    surname: str
    pesel: str

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.surname}".strip()


def _cert_attr(cert, oid) -> str:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _identity(podmiot: Podmiot) -> TestIdentity | None:
    """The identity from the resident's test certificate; None when the resident has no credential."""
    try:
        cert = pki.load_credential(podmiot.identifier, directory=pki_dir()).certificate
    except (FileNotFoundError, ValueError):
        return None
    return TestIdentity(
        identifier=podmiot.identifier,
        first_name=_cert_attr(cert, NameOID.GIVEN_NAME) or podmiot.first_name,
        surname=_cert_attr(cert, NameOID.SURNAME) or podmiot.name,
        pesel=pki.pesel_from_certificate(cert) or podmiot.pesel,
    )


def test_identities() -> list[TestIdentity]:
    """The residents one can log in as: persons (typ F) of the platform that have a test credential."""
    result = []
    for podmiot in Podmiot.objects.filter(typ_osoby="F").order_by("identifier"):
        identity = _identity(podmiot)
        if identity is not None:
            result.append(identity)
    return result


test_identities.__test__ = False  # type: ignore[attr-defined]


def identity_for(identifier: str) -> TestIdentity | None:
    podmiot = Podmiot.objects.filter(identifier=identifier, typ_osoby="F").first()
    return _identity(podmiot) if podmiot is not None else None


def resident_login(request: HttpRequest, identity: TestIdentity) -> None:
    """Log the chosen test resident into the platform's own session entry (a new session key against fixation)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = identity.identifier


def resident_logout(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def current_resident(request: HttpRequest) -> Podmiot | None:
    identifier = request.session.get(SESSION_KEY)
    if not identifier:
        return None
    podmiot = Podmiot.objects.filter(identifier=identifier, typ_osoby="F").first()
    if podmiot is None:
        resident_logout(request)
    return podmiot


def resident_required(view):
    """Only for a resident logged in by the simulated profil zaufany; otherwise back to the identity page.

    The view gets the resident as ``request.epuap_resident``.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        resident = current_resident(request)
        if resident is None:
            return redirect("epuap_platform:resident-identity")
        request.epuap_resident = resident
        return view(request, *args, **kwargs)

    return wrapper
