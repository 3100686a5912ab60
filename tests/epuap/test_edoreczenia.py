"""The simulated e-Doręczenia: client-assertion login, send → evidences, opening, deemed delivery, BAE."""

import base64
import datetime
import hashlib
import json
import uuid
import zoneinfo

import jwt
import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from core.models import AuditEvent
from epuap.edoreczenia import services
from epuap.edoreczenia.auth import generate_rsa_key_pem, public_pem_of
from epuap.edoreczenia.management.commands.edoreczenia_setup import TEST_MAILBOXES
from epuap.edoreczenia.models import AccessToken, Client, Evidence, Mailbox, Message, validate_ade

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=WARSAW)
TOKEN_URL = "http://testserver/sim/edoreczenia/auth/token"
OFFICE_ADE = "AE:PL-10000-20000-MAGIS-01"
PERSON = TEST_MAILBOXES[0]
COMPANY = TEST_MAILBOXES[2]
PUBLIC_BODY = TEST_MAILBOXES[3]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pki(settings, tmp_path):
    settings.EPUAP_PKI_DIR = str(tmp_path / "pki")
    settings.EDORECZENIA_ADE = OFFICE_ADE
    settings.EDORECZENIA_CLIENT_ID = f"{OFFICE_ADE}.SYSTEM.magistrat"
    settings.EDORECZENIA_CLIENT_KEY = str(tmp_path / "pki" / "office.key.pem")
    settings.EDORECZENIA_SIM_TOKEN_AUDIENCE = ""


@pytest.fixture
def office(settings):
    call_command("edoreczenia_setup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with open(settings.EDORECZENIA_CLIENT_KEY, "rb") as f:
        key = f.read()
    return Client.objects.get(client_id=settings.EDORECZENIA_CLIENT_ID), key


def assertion(client_id: str, key: bytes, *, now: datetime.datetime | None = None, **overrides) -> str:
    now = now or datetime.datetime.now(datetime.UTC)
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": TOKEN_URL,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + 120,
        "jti": str(uuid.uuid4()),
    }
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm="RS256")


def post_token(http, jwt_assertion: str):
    return http.post(
        reverse("edoreczenia:token"),
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": jwt_assertion,
        },
    )


def get_token(http, office_) -> str:
    client, key = office_
    response = post_token(http, assertion(client.client_id, key))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def send(http, token, to, *, attachments=None, subject="Decyzja podatkowa", ade=OFFICE_ADE):
    body = {
        "messageMetadata": {
            "to": [{"eDeliveryAddress": a} for a in ([to] if isinstance(to, str) else to)],
            "subject": subject,
        },
        "textBody": "W załączeniu decyzja.",
        "attachments": [
            {
                "file": {
                    "fileMetadata": {"filename": name, "contentType": "application/pdf"},
                    "file": base64.b64encode(data).decode(),
                }
            }
            for name, data in (attachments or [])
        ],
    }
    return http.post(
        reverse("edoreczenia:messages", kwargs={"ade": ade}),
        json.dumps(body),
        content_type="application/json",
        **auth(token),
    )


# --- ADE format -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["AE:PL-66081-65851-BHGEH-20", "AE:PL-97075-47631-STVJH-19"])
def test_ade_format_valid(value):
    validate_ade(value)


@pytest.mark.parametrize(
    "value",
    [
        "AE:PL-6608-65851-BHGEH-20",
        "ae:pl-66081-65851-bhgeh-20",
        "AE:DE-66081-65851-BHGEH-20",
        "AE:PL-66081-65851-BHGE1-20",
        "AE:PL-66081-65851-BHGEH-2",
        " AE:PL-66081-65851-BHGEH-20",
    ],
)
def test_ade_format_invalid(value):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_ade(value)


# --- setup --------------------------------------------------------------------------------------------------


def test_setup_is_idempotent(office, settings):
    client, key = office
    call_command("edoreczenia_setup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Client.objects.count() == 1
    assert Mailbox.objects.count() == 1 + len(TEST_MAILBOXES)
    assert Client.objects.get().public_key_pem == public_pem_of(key)
    assert client.mailbox.kind == Mailbox.Kind.PUBLIC_BODY


# --- token flow ---------------------------------------------------------------------------------------------


def test_valid_assertion_gives_a_token_stored_hashed(client, office):
    response = post_token(client, assertion(office[0].client_id, office[1]))
    assert response.status_code == 200
    data = response.json()
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] > 0
    assert data["eDeliveryAddress"] == OFFICE_ADE
    row = AccessToken.objects.get()
    assert row.token_hash == hashlib.sha256(data["access_token"].encode()).hexdigest()
    assert data["access_token"] not in row.token_hash


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda cid, key: assertion(cid, key, exp=int(datetime.datetime.now().timestamp()) - 120), "assertion_expired"),
        (
            lambda cid, key: assertion(cid, key, exp=int(datetime.datetime.now().timestamp()) + 3600),
            "assertion_lifetime_too_long",
        ),
        (lambda cid, key: assertion(cid, key, aud="https://elsewhere.example/token"), "wrong_audience"),
        (lambda cid, key: assertion("AE:PL-99999-99999-NOONE-99.SYSTEM.x", key), "unknown_client"),
        (lambda cid, key: assertion(cid, generate_rsa_key_pem()), "bad_signature"),
        (lambda cid, key: assertion(cid, key, sub="someone-else"), "iss_sub_mismatch"),
        (lambda cid, key: assertion(cid, key, jti=None), "missing_claim"),
        (lambda cid, key: "not.a.jwt", "malformed_assertion"),
        (
            lambda cid, key: jwt.encode(
                {"iss": cid, "sub": cid}, "secret-secret-secret-secret-32by", algorithm="HS256"
            ),
            "unsupported_algorithm",
        ),
    ],
)
def test_bad_assertions_are_refused_with_a_reason(client, office, make, reason):
    response = post_token(client, make(office[0].client_id, office[1]))
    assert response.status_code == 401
    assert response.json()["reason"] == reason
    assert response.json()["error"] == "invalid_client"
    assert "Bearer" in response["WWW-Authenticate"]
    assert not AccessToken.objects.exists()


def test_replayed_jti_is_refused(client, office):
    jwt_assertion = assertion(office[0].client_id, office[1])
    assert post_token(client, jwt_assertion).status_code == 200
    response = post_token(client, jwt_assertion)
    assert response.status_code == 401
    assert response.json()["reason"] == "jti_replayed"


def test_wrong_grant_type_and_missing_assertion(client, office):
    response = client.post(reverse("edoreczenia:token"), {"grant_type": "password"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    response = client.post(
        reverse("edoreczenia:token"),
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        },
    )
    assert response.status_code == 400
    assert response.json()["reason"] == "missing_assertion"


def test_api_refuses_without_or_with_bad_or_expired_token(client, office):
    url = reverse("edoreczenia:messages", kwargs={"ade": OFFICE_ADE})
    assert client.get(url).json()["reason"] == "missing_token"
    assert client.get(url).status_code == 401
    assert client.get(url, **auth("nonsense")).json()["reason"] == "unknown_token"
    token = get_token(client, office)
    assert client.get(url, **auth(token)).status_code == 200
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)):
        response = client.get(url, **auth(token))
    assert response.status_code == 401
    assert response.json()["reason"] == "token_expired"
    # Another mailbox than the token's: forbidden.
    other = reverse("edoreczenia:messages", kwargs={"ade": PERSON["address"]})
    assert client.get(other, **auth(token)).status_code == 403
    # A session login is not a bearer token.
    assert client.get(reverse("edoreczenia:bae-addresses"), {"pesel": PERSON["pesel"]}).status_code == 401


# --- send, evidences, opening, deemed delivery --------------------------------------------------------------


def jwks_key(http, kid: str):
    keys = http.get(reverse("edoreczenia:jwks")).json()["keys"]
    jwk = next(k for k in keys if k["kid"] == kid)
    assert jwk["alg"] == "RS256"
    assert "d" not in jwk
    return jwt.PyJWK(jwk).key


def verify_evidence(http, jws: str) -> dict:
    kid = jwt.get_unverified_header(jws)["kid"]
    return json.loads(jwt.api_jws.decode(jws, jwks_key(http, kid), algorithms=["RS256"]))


def test_send_gives_submission_evidence_verifiable_with_the_jwks(client, office):
    token = get_token(client, office)
    pdf = b"%PDF-1.4 decyzja"
    with time_machine.travel(T0, tick=False):
        response = send(client, token, PERSON["address"], attachments=[("decyzja.pdf", pdf)])
    assert response.status_code == 201, response.content
    item = response.json()["messages"][0]
    assert item["AddresseeAde"] == PERSON["address"]
    assert item["Status"] == "Wysłana"
    message = Message.objects.get(pk=item["MessageId"])
    assert [h["status"] for h in message.status_history] == ["W weryfikacji", "Nadana", "Wysłana"]
    assert message.received_at == T0
    assert message.deemed_due_at == T0 + datetime.timedelta(days=14)
    att = message.attachments.get()
    assert att.sha256 == hashlib.sha256(pdf).hexdigest()
    assert att.size == len(pdf)
    assert AuditEvent.objects.filter(action="edoreczenia.message_sent", object_id=str(message.pk)).exists()

    url = reverse("edoreczenia:message-evidences", kwargs={"ade": OFFICE_ADE, "message_id": message.pk})
    evidences = client.get(url, **auth(token)).json()["evidences"]
    assert [e["type"] for e in evidences] == ["A.1"]
    assert evidences[0]["kind"] == "submission"
    content = verify_evidence(client, evidences[0]["jws"])
    assert content == evidences[0]["content"]
    assert content["messageId"] == str(message.pk)
    assert content["attachments"][0]["sha256"] == att.sha256
    assert content["eventDate"] == "2026-03-02T09:00:00.000Z"

    # Download one evidence as JWS; a tampered JWS does not verify.
    ev_url = reverse("edoreczenia:evidence", kwargs={"ade": OFFICE_ADE, "evidence_id": evidences[0]["evidenceId"]})
    jws = client.get(ev_url, {"format": "jws"}, **auth(token)).content.decode()
    assert jws == evidences[0]["jws"]
    assert Evidence.objects.get(pk=evidences[0]["evidenceId"]).downloaded
    header, payload, sig = jws.split(".")
    forged = base64.urlsafe_b64encode(payload.encode()[::-1]).decode().rstrip("=")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.api_jws.decode(
            f"{header}.{forged}.{sig}", jwks_key(client, jwt.get_unverified_header(jws)["kid"]), algorithms=["RS256"]
        )

    # The sender's list and message view.
    listing = client.get(
        reverse("edoreczenia:messages", kwargs={"ade": OFFICE_ADE}),
        {"label": "SENT", "format": "metadata"},
        **auth(token),
    ).json()
    assert listing["total"] == 1
    assert listing["messages"][0]["messageMetadata"]["subject"] == "Decyzja podatkowa"
    # The attachment downloads byte for byte.
    msg_url = reverse("edoreczenia:message", kwargs={"ade": OFFICE_ADE, "message_id": message.pk})
    full = client.get(msg_url, **auth(token)).json()[0]
    att_id = full["attachments"][0]["attachmentId"]
    att_url = reverse(
        "edoreczenia:attachment", kwargs={"ade": OFFICE_ADE, "message_id": message.pk, "attachment_id": att_id}
    )
    assert client.get(att_url, **auth(token)).content == pdf
    # The sender reading its own message does not open it.
    message.refresh_from_db()
    assert message.opened_at is None


def test_recipient_opens_gives_receipt_evidence(client, office):
    token = get_token(client, office)
    with time_machine.travel(T0, tick=False):
        message_id = send(client, token, PERSON["address"]).json()["messages"][0]["MessageId"]
    message = Message.objects.get(pk=message_id)
    opened = T0 + datetime.timedelta(days=3, hours=2)
    evidence = services.message_open(message, opened)
    assert evidence.kind == Evidence.Kind.RECEIPT
    assert evidence.type_code == "E.1"
    message.refresh_from_db()
    assert message.status == "Doręczona"
    assert message.opened_at == opened == message.delivered_at
    assert services.message_open(message, opened + datetime.timedelta(days=1)) is None  # idempotent
    message.refresh_from_db()
    assert message.opened_at == opened
    # Later deemed-delivery runs do nothing.
    assert services.messages_deem_due(T0 + datetime.timedelta(days=30)) == 0
    message.refresh_from_db()
    assert message.status == "Doręczona"
    # The sender sees the receipt.
    url = reverse("edoreczenia:message-evidences", kwargs={"ade": OFFICE_ADE, "message_id": message.pk})
    evidences = client.get(url, **auth(token)).json()["evidences"]
    assert [e["kind"] for e in evidences] == ["submission", "receipt"]
    content = verify_evidence(client, evidences[1]["jws"])
    assert content["eventDate"] == "2026-03-05T11:00:00.000Z"


def recipient_token(http, box_address: str) -> str:
    """Register a client for a test party's mailbox (as its own system would be) and log in."""
    key = generate_rsa_key_pem()
    client = Client.objects.create(
        client_id=f"{box_address}.SYSTEM.test",
        mailbox=Mailbox.objects.get(address=box_address),
        public_key_pem=public_pem_of(key),
    )
    return get_token(http, (client, key))


def test_recipient_fetching_full_message_over_the_api_opens_it(client, office):
    token = get_token(client, office)
    message_id = send(client, token, PERSON["address"]).json()["messages"][0]["MessageId"]
    r_token = recipient_token(client, PERSON["address"])
    inbox = client.get(
        reverse("edoreczenia:messages", kwargs={"ade": PERSON["address"]}), {"label": "INBOX"}, **auth(r_token)
    ).json()
    assert inbox["messages"][0]["messageControlData"]["opened"] is False
    url = reverse("edoreczenia:message", kwargs={"ade": PERSON["address"], "message_id": message_id})
    meta = client.get(url, {"format": "metadata"}, **auth(r_token)).json()[0]
    assert meta["messageControlData"]["opened"] is False
    full = client.get(url, **auth(r_token)).json()[0]
    assert full["messageControlData"]["opened"] is True
    assert full["messageControlData"]["status"] == "Doręczona"
    assert full["textBody"] == "W załączeniu decyzja."
    assert [e["kind"] for e in full["evidences"]] == ["submission", "receipt"]


def test_not_opened_is_deemed_delivered_on_day_14(client, office):
    token = get_token(client, office)
    with time_machine.travel(T0, tick=False):
        message_id = send(client, token, PERSON["address"]).json()["messages"][0]["MessageId"]
    with time_machine.travel(T0 + datetime.timedelta(days=13, hours=23), tick=False):
        assert services.messages_deem_due() == 0
    message = Message.objects.get(pk=message_id)
    assert message.status == "Wysłana"
    day14 = T0 + datetime.timedelta(days=14, minutes=10)
    with time_machine.travel(day14, tick=False):
        from epuap.edoreczenia.tasks import messages_deem_due

        assert messages_deem_due.apply().get() == 1
        assert services.messages_deem_due() == 0  # idempotent
    message.refresh_from_db()
    assert message.status == "Uznana za doręczoną"
    assert message.deemed_at == T0 + datetime.timedelta(days=14) == message.delivered_at
    assert message.status_history[-1] == {"status": "Uznana za doręczoną", "at": "2026-03-16T09:10:00.000Z"}
    evidence = message.evidences.get(kind=Evidence.Kind.DEEMED)
    assert evidence.event_at == T0 + datetime.timedelta(days=14)
    content = verify_evidence(client, evidence.jws)
    assert content["reasonId"] == "deemed"
    assert "art. 41" in content["reasonDetails"]
    # Opening afterwards records the opening but changes nothing else.
    assert services.message_open(message, day14 + datetime.timedelta(days=1)) is None
    message.refresh_from_db()
    assert message.status == "Uznana za doręczoną"
    assert message.opened_at is not None
    assert message.evidences.count() == 2


def test_opening_after_day_14_before_the_task_ran_is_still_deemed(client, office):
    token = get_token(client, office)
    with time_machine.travel(T0, tick=False):
        message_id = send(client, token, PERSON["address"]).json()["messages"][0]["MessageId"]
    message = Message.objects.get(pk=message_id)
    evidence = services.message_open(message, T0 + datetime.timedelta(days=15))
    assert evidence.kind == Evidence.Kind.DEEMED
    message.refresh_from_db()
    assert message.status == "Uznana za doręczoną"
    assert message.deemed_at == T0 + datetime.timedelta(days=14)


def test_message_to_public_body_is_delivered_on_arrival(client, office):
    token = get_token(client, office)
    with time_machine.travel(T0, tick=False):
        response = send(client, token, PUBLIC_BODY["address"])
    item = response.json()["messages"][0]
    assert item["Status"] == "Doręczona"
    message = Message.objects.get(pk=item["MessageId"])
    assert message.deemed_due_at is None
    assert message.delivered_at == T0
    assert sorted(message.evidences.values_list("kind", flat=True)) == ["receipt", "submission"]


def test_send_to_several_recipients_creates_one_message_each(client, office):
    token = get_token(client, office)
    response = send(client, token, [PERSON["address"], COMPANY["address"]])
    assert response.status_code == 201
    assert [m["AddresseeAde"] for m in response.json()["messages"]] == [PERSON["address"], COMPANY["address"]]
    assert Message.objects.count() == 2


# --- refusals -----------------------------------------------------------------------------------------------


def test_oversize_attachment_is_refused(client, office, settings):
    settings.EDORECZENIA_SIM_MAX_MESSAGE_BYTES = 1000
    token = get_token(client, office)
    response = send(client, token, PERSON["address"], attachments=[("big.pdf", b"x" * 1001)])
    assert response.status_code == 413
    assert response.json()["error"] == "message_too_large"
    # Far beyond the limit: refused on the request size before parsing.
    response = send(client, token, PERSON["address"], attachments=[("huge.pdf", b"x" * 400_000)])
    assert response.status_code == 413
    assert not Message.objects.exists()
    assert send(client, token, PERSON["address"], attachments=[("ok.pdf", b"x" * 900)]).status_code == 201


@pytest.mark.parametrize(
    ("to", "code"),
    [
        ("AE:PL-123-456-ABCDE-12", "invalid_ade"),
        ("kowalski@example.com", "invalid_ade"),
        ("AE:PL-99999-99999-NOONE-99", "recipient_not_found"),
    ],
)
def test_invalid_or_unknown_ade_is_refused(client, office, to, code):
    token = get_token(client, office)
    response = send(client, token, to)
    assert response.status_code == 400
    assert response.json()["error"] == code
    assert not Message.objects.exists()


def test_bad_bodies_are_refused(client, office):
    token = get_token(client, office)
    url = reverse("edoreczenia:messages", kwargs={"ade": OFFICE_ADE})
    assert client.post(url, "{not json", content_type="application/json", **auth(token)).json()["error"] == (
        "invalid_json"
    )
    body = {
        "messageMetadata": {"to": [{"eDeliveryAddress": PERSON["address"]}], "subject": "x"},
        "attachments": [{"file": {"fileMetadata": {"filename": "a.pdf"}, "file": "***"}}],
    }
    response = client.post(url, json.dumps(body), content_type="application/json", **auth(token))
    assert response.json()["error"] == "invalid_attachment"
    body = {"messageMetadata": {"to": [{"eDeliveryAddress": PERSON["address"]}]}}
    response = client.post(url, json.dumps(body), content_type="application/json", **auth(token))
    assert response.json()["error"] == "missing_subject"


# --- BAE ----------------------------------------------------------------------------------------------------


def test_bae_search_found_and_not_found(client, office):
    token = get_token(client, office)
    url = reverse("edoreczenia:bae-addresses")
    found = client.get(url, {"pesel": PERSON["pesel"]}, **auth(token)).json()
    assert found["found"] is True
    assert found["baeSearchData"][0]["address"]["ade"] == PERSON["address"]
    assert found["baeSearchData"][0]["surname"] == "Kowalski"
    by_nip = client.get(url, {"nip": COMPANY["nip"]}, **auth(token)).json()
    assert by_nip["baeSearchData"][0]["entityName"] == COMPANY["owner_name"]
    by_name = client.get(url, {"name": "budex SP. Z O.O."}, **auth(token)).json()
    assert by_name["baeSearchData"][0]["address"]["ade"] == COMPANY["address"]
    missing = client.get(url, {"pesel": "90010154321"}, **auth(token)).json()
    assert missing == {"found": False, "baeSearchData": [], "comment": missing["comment"]}
    response = client.get(url, **auth(token))
    assert response.status_code == 400
    assert response.json()["error"] == "missing_criteria"
    # Not searchable → not found.
    Mailbox.objects.filter(address=PERSON["address"]).update(searchable=False)
    assert client.get(url, {"pesel": PERSON["pesel"]}, **auth(token)).json()["found"] is False


def test_bae_search_post_in_the_search_engine_shape(client, office):
    token = get_token(client, office)
    body = {"officialIds": [{"id": PERSON["pesel"], "referenceRegistry": "PESEL"}]}
    response = client.post(
        reverse("edoreczenia:bae-search"), json.dumps(body), content_type="application/json", **auth(token)
    )
    assert response.status_code == 200
    assert response.json()["baeSearchData"][0]["address"]["ade"] == PERSON["address"]
    body = {"name": "Anna", "surname": "Nowak"}
    response = client.post(
        reverse("edoreczenia:bae-search"), json.dumps(body), content_type="application/json", **auth(token)
    )
    assert response.json()["baeSearchData"][0]["address"]["ade"] == TEST_MAILBOXES[1]["address"]
