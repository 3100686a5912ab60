"""Point 9: a resident sees only their own data. Every URL under /portal/ and /api/v1/portal/ is taken from the URL
resolver (so pages and endpoints added later are covered without touching this test) and requested by resident A
with resident B's ids and with guessed ids 1..50 for every integer parameter, by GET and by POST.

- GET with an id that is not one of A's own objects → 403/404 (405 for POST-only URLs; 302 only to the login).
- No response to A ever contains B's PESEL, surname, amounts or numbers.
- A never reads or changes B's objects: no audit event by A concerns any of B's objects, and B's rows that a POST
  could change are unchanged (payments, account entries, shipments' delivery states).
"""

import re
from decimal import Decimal

import pytest
from django.db.models import Q
from django.urls import URLPattern, URLResolver, get_resolver

from core.models import AuditEvent
from documents.models import DocumentVersion, Shipment
from finance.models import AccountEntry, Installment, Payment
from population.models import Registration, Resident
from taxes.models import DecisionInstallment, Declaration, Liability, WasteDeclaration
from tests.portal.world_pa11y import YEAR, office_clerk, resident_world

pytestmark = pytest.mark.django_db

PREFIXES = ("/portal/", "/api/v1/portal/")
# Not requested with A's session: they end it or belong to the login protocol (tested in test_login*.py).
SKIP_NAMES = {"portal:logout", "portal:acs", "portal:login"}
GUESSED = range(1, 51)
INT_PARAM = re.compile(r"<int:(\w+)>")
ANY_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if (namespace and p.name) else (p.name or "")
            yield "/" + (prefix + str(p.pattern)).lstrip("^"), name


def portal_routes() -> list[tuple[str, str]]:
    routes = sorted({(r, n) for r, n in _walk(get_resolver().url_patterns) if r.startswith(PREFIXES)})
    return [(r, n) for r, n in routes if n not in SKIP_NAMES and "(?P<" not in r]


def _fill(route: str, value: int, year: int = YEAR) -> str:
    def one(match):
        converter, name = match.group(1) or "str", match.group(2)
        if converter == "int":
            return str(year if name == "year" else value)
        return "x"  # str/slug/path/uuid parameters: a value that belongs to nobody

    return ANY_PARAM.sub(one, route)


def _ids_of(world) -> set[int]:
    """Every primary key of the rows that make up one resident's world (any table)."""
    party = world.party
    ids = {party.pk, world.user.pk, world.decision.pk, world.letter.pk, world.case.pk, world.account.pk,
           world.payment.pk, world.waste_property.pk, world.decision.document_id}  # fmt: skip
    ids |= set(Resident.objects.filter(party=party).values_list("pk", flat=True))
    ids |= set(Registration.objects.filter(resident__party=party).values_list("pk", flat=True))
    ids |= set(Liability.objects.filter(party=party).values_list("pk", "object_id").values_list("pk", flat=True))
    ids |= set(Liability.objects.filter(party=party).values_list("object_id", flat=True))
    ids |= set(Declaration.objects.filter(party=party).values_list("pk", flat=True))
    ids |= set(WasteDeclaration.objects.filter(payer=party).values_list("pk", flat=True))
    ids |= set(DecisionInstallment.objects.filter(decision=world.decision).values_list("pk", flat=True))
    ids |= set(AccountEntry.objects.filter(account=world.account).values_list("pk", flat=True))
    ids |= set(Installment.objects.filter(charge__account=world.account).values_list("pk", flat=True))
    ids |= set(Shipment.objects.filter(party=party).values_list("pk", flat=True))
    ids |= set(DocumentVersion.objects.filter(document__recipients=party).values_list("pk", flat=True))
    return ids


def _fingerprint(world) -> tuple:
    """What a POST of A could change in B's data."""
    return (
        list(Payment.objects.filter(party=world.party).order_by("pk").values_list("pk", "status", "amount")),
        list(
            AccountEntry.objects.filter(account__party=world.party).order_by("pk").values_list("pk", "kind", "amount")
        ),
        list(Shipment.objects.filter(party=world.party).order_by("pk").values_list("pk", "status")),
        list(world.case.parties.order_by("pk").values_list("pk", flat=True)),
    )


@pytest.fixture
def worlds(make_user):
    clerk = office_clerk(make_user)
    anna = resident_world(n=1, clerk=clerk, first_names="Anna", surname="Zielińska", total="727.00",
                          make_user=make_user)  # fmt: skip
    bogdan = resident_world(n=2, clerk=clerk, first_names="Bogdan", surname="Wróblewski", total="1987.34",
                            make_user=make_user)  # fmt: skip
    return anna, bogdan


def _secrets(world) -> list[str]:
    half = (world.decision.total / 2).quantize(Decimal("0.01"))
    amounts = [
        str(world.decision.total),
        str(half),
        f"{world.decision.total:,.2f}".replace(",", "\xa0").replace(".", ","),
    ]
    return [*world.secrets, world.party.first_names + " " + world.party.surname, *amounts]


def _leaks(response, secrets) -> list[str]:
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    text = body.decode("utf-8", "replace")
    return [s for s in secrets if s and s in text]


def _refused(response) -> bool:
    if response.status_code in (400, 401, 403, 404, 405, 429):
        return True
    return response.status_code == 302 and response["Location"].startswith("/portal/login/")


def test_the_enumeration_finds_the_portal(worlds):
    routes = portal_routes()
    names = {n for _r, n in routes}
    assert {"portal:home", "portal:mydata", "portal:mydata-zip", "portal:accessibility"} <= names
    assert {"portal:taxes-declaration-pdf", "portal:taxes-waste-declaration-pdf"} <= names
    assert any(r.startswith("/api/v1/portal/") for r, _n in routes)


def test_no_cross_access_on_any_portal_url(client, worlds):
    anna, bogdan = worlds
    secrets = _secrets(bogdan)
    own = _ids_of(anna)
    theirs = _ids_of(bogdan)
    before = _fingerprint(bogdan)
    client.force_login(anna.user)
    client.raise_request_exception = False  # a crash is reported below with the URL, not as a traceback
    problems: list[str] = []
    requests = 0
    for route, name in portal_routes():
        int_params = [p for p in INT_PARAM.findall(route) if p != "year"]
        candidates = sorted(theirs | set(GUESSED)) if int_params else [0]
        for value in candidates:
            url = _fill(route, value)
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                requests += 1
                if response.status_code >= 500:
                    problems.append(f"{method.upper()} {url} ({name}) failed with {response.status_code}")
                leaked = _leaks(response, secrets)
                if leaked:
                    problems.append(f"{method.upper()} {url} ({name}) shows B's data: {leaked}")
                if not int_params or value in own:
                    continue  # no id in the URL, or an id of one of A's own rows (of some table)
                if method == "get" and not _refused(response):
                    problems.append(f"GET {url} ({name}) answered {response.status_code} for an id not A's")
                if method == "post" and response.status_code == 200:
                    problems.append(f"POST {url} ({name}) answered 200 for an id not A's")
            if problems and len(problems) > 20:
                break
    assert requests > 0
    assert not problems, "\n".join(problems[:40])
    # A neither read nor changed anything of B's
    b_objects = Q(object_type="core.party", object_id=str(bogdan.party.pk)) | Q(
        object_type="taxes.decision", object_id=str(bogdan.decision.pk)) | Q(
        object_type="documents.case", object_id=str(bogdan.case.pk)) | Q(
        object_type="documents.outgoingdocument", object_id=str(bogdan.letter.pk)) | Q(
        object_type="finance.obligoraccount", object_id=str(bogdan.account.pk)) | Q(
        object_type="taxes.declaration",
        object_id__in=[str(pk) for pk in Declaration.objects.filter(party=bogdan.party).values_list("pk", flat=True)],
    ) | Q(
        object_type="taxes.wastedeclaration",
        object_id__in=[
            str(pk) for pk in WasteDeclaration.objects.filter(payer=bogdan.party).values_list("pk", flat=True)
        ],
    )  # fmt: skip
    assert not AuditEvent.objects.filter(b_objects, actor=anna.user).exists()
    assert _fingerprint(bogdan) == before


def test_each_resident_sees_their_own_data(client, worlds):
    """The counterpart: the pages without ids show A's own data (so the test above is not vacuous)."""
    anna, bogdan = worlds
    client.force_login(anna.user)
    home = client.get("/portal/")
    assert home.status_code == 200
    assert anna.party.pesel in home.content.decode()
    data = client.get("/api/v1/portal/my-data/")
    assert data.status_code == 200
    assert data.json()["party"]["pesel"] == anna.party.pesel
    client.force_login(bogdan.user)
    data = client.get("/api/v1/portal/my-data/").json()
    assert data["party"]["pesel"] == bogdan.party.pesel
    assert anna.party.pesel not in str(data)


HREF = re.compile(r"""(?:href|action|src)=["'](/(?:portal|api/v1/portal)/[^"'#?]*)""")
API_PATH = re.compile(r'"(/(?:portal|api/v1/portal)/[^"?#]*)"')


def _crawl(client, limit: int = 300) -> set[str]:
    """Every portal URL reachable by GET from the pages without parameters, as this client's resident."""
    start = [_fill(r, 0) for r, _n in portal_routes() if not ANY_PARAM.search(r)]
    seen: set[str] = set()
    queue = list(start)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or not content_type.startswith(("text/html", "application/json")):
            continue
        text = response.content.decode("utf-8", "replace")
        for found in HREF.findall(text) + API_PATH.findall(text):
            if found not in seen and not found.startswith(("/portal/login", "/portal/wyloguj")):
                queue.append(found)
    return seen


def test_urls_of_the_other_resident_are_refused(client, worlds):
    """B's own pages are crawled for links (ids, tokens, UUIDs of any kind, also parameters of URLs added later);
    A requesting each of B's URLs that A's own crawl does not reach is refused and sees nothing of B's."""
    from django.urls import resolve

    anna, bogdan = worlds
    client.force_login(bogdan.user)
    theirs = _crawl(client)
    client.force_login(anna.user)
    mine = _crawl(client)
    secrets = _secrets(bogdan)
    with_params = [u for u in theirs - mine if resolve(u).kwargs]
    assert any(f"/{bogdan.case.pk}/" in u for u in with_params) or not any(
        n == "portal:case" for _r, n in portal_routes()
    ), "B's case page was not found by the crawl"
    problems = []
    for url in sorted(with_params):
        response = client.get(url)
        leaked = _leaks(response, secrets)
        if leaked:
            problems.append(f"GET {url} shows B's data: {leaked}")
        only_year = set(resolve(url).kwargs) <= {"year"}
        if not only_year and not _refused(response):
            problems.append(f"GET {url} (B's) answered {response.status_code} to A")
    assert not problems, "\n".join(problems)
