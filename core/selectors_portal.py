"""Reads of core data for the residents' portal: the resident's own party and who read or changed their data.

Every function takes the resident's party (never an id from a request) and returns plain dicts / lists, ready for
JSON. Used by ``portal.export`` (the "My data" ZIP, RODO art. 15).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db.models import Q

from core.models import Address, AuditEvent, Party, User


def _address(address: Address | None) -> dict | None:
    if address is None:
        return None
    return {
        "text": address.one_line,
        "country": address.country,
        "locality": address.locality.name if address.locality_id else address.locality_name,
        "street": (address.street.full_name if address.street_id else address.street_name) or "",
        "building_number": address.building_number,
        "flat_number": address.flat_number,
        "postal_code": address.postal_code,
        "post_town": address.post_town,
    }


def party_data(party: Party) -> dict:
    """Everything the party register holds about ``party`` (the row and its change history's dates)."""
    party = Party.objects.select_related(
        "registered_address__locality",
        "registered_address__street",
        "correspondence_address__locality",
        "correspondence_address__street",
    ).get(pk=party.pk)
    history = [
        {"changed_at": h.history_date.isoformat(), "change": h.get_history_type_display()}
        for h in party.history.order_by("history_date", "history_id")
    ]
    return {
        "id": party.pk,
        "kind": party.kind,
        "status": party.status,
        "pesel": party.pesel or "",
        "first_names": party.first_names,
        "surname": party.surname,
        "birth_date": party.birth_date.isoformat() if party.birth_date else None,
        "sex": party.sex,
        "name": party.name,
        "legal_form": party.legal_form,
        "nip": party.nip or "",
        "regon": party.regon,
        "krs": party.krs,
        "registered_address": _address(party.registered_address),
        "correspondence_address": _address(party.correspondence_address),
        "epuap_box": party.epuap_box,
        "ade_address": party.ade_address,
        "email": party.email,
        "email_consent": party.email_consent,
        "phone": party.phone,
        "phone_consent": party.phone_consent,
        "created_at": party.created_at.isoformat(),
        "updated_at": party.updated_at.isoformat(),
        "history": history,
    }


def access_log(*, party: Party, related: Mapping[str, Iterable[int]] | None = None, limit: int = 5000) -> list[dict]:
    """Who read or changed the data of ``party`` and when: the audit events on the party itself and on the objects
    of ``related`` ({object type label: [ids]}, e.g. the party's residents-register entry, accounts, decisions,
    cases), newest first, at most ``limit``. ``by_resident`` marks the resident's own portal actions."""
    condition = Q(object_type="core.party", object_id=str(party.pk))
    for object_type, ids in (related or {}).items():
        ids = [str(i) for i in ids]
        if ids:
            condition |= Q(object_type=object_type, object_id__in=ids)
    events = list(
        AuditEvent.objects.filter(condition)
        .order_by("-seq")
        .values("occurred_at", "actor_id", "actor_label", "action", "object_type", "object_id", "details")[:limit]
    )
    actor_ids = {e["actor_id"] for e in events if e["actor_id"]}
    users = {
        u["pk"]: u
        for u in User.objects.filter(pk__in=actor_ids).values(
            "pk", "first_name", "last_name", "username", "party_id", "org_unit__name"
        )
    }
    rows = []
    for e in events:
        user = users.get(e["actor_id"]) or {}
        name = f"{user.get('first_name', '')} {user.get('last_name', '')}".strip()
        details = e["details"] or {}
        rows.append(
            {
                "occurred_at": e["occurred_at"].isoformat(),
                "who": name or e["actor_label"],
                "username": e["actor_label"],
                "unit": user.get("org_unit__name") or "",
                "by_resident": bool(user) and user.get("party_id") == party.pk,
                "action": e["action"],
                "object_type": e["object_type"],
                "object_id": e["object_id"],
                "purpose": details.get("purpose", "") if isinstance(details, dict) else "",
            }
        )
    return rows
