"""Views of the simulated login.gov.pl (TEST ENVIRONMENT ONLY), paths as on the real node under /sim/wk/.

SingleSignOnService and the SOAP services are called cross-site (the browser from the portal, the portal's server),
so they are CSRF-exempt and authenticated by the service provider's signature instead; the identity page is an
ordinary CSRF-protected form of the simulator itself.
"""

from __future__ import annotations

import logging

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from lxml import etree

from core import roles
from core.domain.identifiers import IdentifierError, validate_pesel
from core.models import Party, User
from epuap.saml import (
    BINDING_ARTIFACT,
    BINDING_POST,
    BINDING_SOAP,
    DS,
    MD,
    SAMLP,
    SamlError,
    cert_b64,
    q,
    soap_envelope,
    soap_fault,
    soap_payload,
)
from epuap.wk import idp

log = logging.getLogger("epuap.wk")
MAX_TEST_PERSONS = 25


class TypedIdentityForm(forms.Form):
    pesel = forms.CharField(label=gettext_lazy("PESEL"), max_length=11)
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100)
    family_name = forms.CharField(label=gettext_lazy("Surname"), max_length=100)

    def clean_pesel(self):
        try:
            return validate_pesel(self.cleaned_data["pesel"]).number
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from exc


def test_persons() -> list[idp.Identity]:
    """Persons with a PESEL from the party register (the demo residents), for one click: those with a portal account
    (an active resident's user linked to the party, e.g. the demo's resident) first, then by name."""
    portal_user = User.objects.filter(
        party_id=OuterRef("pk"), is_active=True, is_staff=False, groups__name=roles.RESIDENT
    )
    has_account = Exists(portal_user)
    people = (
        Party.objects.filter(kind=Party.Kind.PERSON, pesel__isnull=False)
        .annotate(has_account=has_account)
        .order_by("-has_account", "surname", "first_names")
    )
    result = []
    for party in people[:MAX_TEST_PERSONS]:
        try:
            born = party.birth_date or validate_pesel(party.pesel).birth_date
        except IdentifierError:
            continue
        first = (party.first_names or "").split(" ")[0]
        result.append(idp.Identity(party.pesel, first, party.surname, born.isoformat()))
    return result


def _absolute(request: HttpRequest, name: str) -> str:
    return request.build_absolute_uri(reverse(name))


def _error(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "epuap/wk/error.html", {"message": message}, status=status)


@csrf_exempt
@require_POST
def single_sign_on(request: HttpRequest) -> HttpResponse:
    """HTTP-POST binding: verify the signed AuthnRequest and show the identity page."""
    try:
        pending = idp.accept_authn_request(
            request.POST.get("SAMLRequest", ""),
            request.POST.get("RelayState", ""),
            destination=_absolute(request, "wk_sim:sso"),
        )
    except SamlError as exc:
        log.warning("login.gov.pl simulator: AuthnRequest refused: %s", exc)
        return _error(request, _("The login request of the service is invalid and was refused."))
    token = idp.store_pending(pending)
    return _choose_page(request, token, TypedIdentityForm())


def _choose_page(request, token: str, form, status: int = 200) -> HttpResponse:
    return render(
        request,
        "epuap/wk/choose.html",
        {"token": token, "persons": test_persons(), "form": form, "sp": idp.sp_entity_id()},
        status=status,
    )


@require_POST
def choose_identity(request: HttpRequest) -> HttpResponse:
    """The test person authenticates (chosen from the list or typed); answer the SP by the HTTP-Artifact binding."""
    token = request.POST.get("token", "")
    if idp.peek_pending(token) is None:
        return _error(request, _("The login session in the simulator has expired. Start again from the service."))
    identity = None
    form = TypedIdentityForm()
    if request.POST.get("action") == "cancel":
        pending = idp.take_pending(token)
        return _post_back(request, pending, None)
    if request.POST.get("pesel_choice"):
        chosen = request.POST["pesel_choice"]
        identity = next((p for p in test_persons() if p.pesel == chosen), None)
    else:
        form = TypedIdentityForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            born = validate_pesel(data["pesel"]).birth_date
            identity = idp.Identity(
                data["pesel"], data["first_name"].strip(), data["family_name"].strip(), born.isoformat()
            )
    if identity is None:
        return _choose_page(request, token, form, status=400)
    pending = idp.take_pending(token)
    if pending is None:
        return _error(request, _("The login session in the simulator has expired. Start again from the service."))
    return _post_back(request, pending, idp.issue_artifact(pending, identity))


def _post_back(request, pending: idp.PendingRequest, artifact: str | None) -> HttpResponse:
    return render(
        request,
        "epuap/wk/post_artifact.html",
        {"acs_url": pending.acs_url, "artifact": artifact, "relay_state": pending.relay_state},
    )


def _soap(data: bytes, status: int = 200) -> HttpResponse:
    return HttpResponse(data, status=status, content_type="text/xml; charset=utf-8")


@csrf_exempt
@require_POST
def artifact_resolution(request: HttpRequest) -> HttpResponse:
    """SOAP ArtifactResolve → ArtifactResponse (signed; encrypted, signed assertion inside)."""
    try:
        payload = soap_payload(request.body, expected=q(SAMLP, "ArtifactResolve"))
        response = idp.resolve_artifact(payload)
    except SamlError as exc:
        log.warning("login.gov.pl simulator: ArtifactResolve refused: %s", exc)
        return _soap(soap_fault(str(exc)), status=500)
    return _soap(soap_envelope(response))


@csrf_exempt
@require_POST
def single_logout(request: HttpRequest) -> HttpResponse:
    """SOAP LogoutRequest → LogoutResponse (signed)."""
    try:
        payload = soap_payload(request.body, expected=q(SAMLP, "LogoutRequest"))
        response = idp.logout(payload, destination=_absolute(request, "wk_sim:slo"))
    except SamlError as exc:
        log.warning("login.gov.pl simulator: LogoutRequest refused: %s", exc)
        return _soap(soap_fault(str(exc)), status=500)
    return _soap(soap_envelope(response))


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    """The node's SAML metadata: signing certificate, SSO (POST), artifact resolution and SLO (SOAP)."""
    root = etree.Element(q(MD, "EntityDescriptor"), entityID=idp.entity_id(), nsmap={"md": MD, "ds": DS})
    descriptor = etree.SubElement(
        root,
        q(MD, "IDPSSODescriptor"),
        WantAuthnRequestsSigned="true",
        protocolSupportEnumeration=SAMLP,
    )
    key = etree.SubElement(descriptor, q(MD, "KeyDescriptor"), use="signing")
    info = etree.SubElement(key, q(DS, "KeyInfo"))
    data = etree.SubElement(info, q(DS, "X509Data"))
    etree.SubElement(data, q(DS, "X509Certificate")).text = cert_b64(idp.idp_credential().certificate)
    etree.SubElement(
        descriptor,
        q(MD, "ArtifactResolutionService"),
        Binding=BINDING_SOAP,
        Location=_absolute(request, "wk_sim:artifact-resolution"),
        index="0",
        isDefault="true",
    )
    etree.SubElement(
        descriptor, q(MD, "SingleLogoutService"), Binding=BINDING_SOAP, Location=_absolute(request, "wk_sim:slo")
    )
    etree.SubElement(
        descriptor, q(MD, "SingleSignOnService"), Binding=BINDING_POST, Location=_absolute(request, "wk_sim:sso")
    )
    etree.SubElement(
        descriptor, q(MD, "SingleSignOnService"), Binding=BINDING_ARTIFACT, Location=_absolute(request, "wk_sim:sso")
    )
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return HttpResponse(body, content_type="application/samlmetadata+xml")


@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "epuap/wk/index.html", {"entity_id": idp.entity_id()})
