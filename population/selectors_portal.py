"""Reads of the residents register for the residents' portal: the resident's own entry and registrations of stay.

Each function takes the resident's party (never an id from a request) and returns plain dicts ready for JSON.
"""

from __future__ import annotations

from core.models import Party
from population.models import Registration, Resident


def resident_id_of(party: Party) -> int | None:
    """The id of the party's entry in the residents register, or None when the party is not a resident."""
    return Resident.objects.filter(party_id=party.pk).values_list("pk", flat=True).first()


def residency_data(party: Party) -> dict | None:
    """The party's entry in the residents register with every registration of stay (newest first), or None."""
    resident = Resident.objects.filter(party_id=party.pk).first()
    if resident is None:
        return None
    registrations = (
        Registration.objects.filter(resident=resident)
        .select_related("address__locality", "address__street")
        .order_by("-start_date", "-pk")
    )
    return {
        "citizenship": resident.citizenship,
        "status": resident.status,
        "status_label": resident.get_status_display(),
        "status_date": resident.status_date.isoformat() if resident.status_date else None,
        "family_name": resident.family_name,
        "father_name": resident.father_name,
        "mother_name": resident.mother_name,
        "birth_place": resident.birth_place,
        "registrations": [
            {
                "kind": r.kind,
                "kind_label": r.get_kind_display(),
                "address": r.address.one_line,
                "start_date": r.start_date.isoformat(),
                "planned_end_date": r.planned_end_date.isoformat() if r.planned_end_date else None,
                "end_date": r.end_date.isoformat() if r.end_date else None,
                "end_reason": r.get_end_reason_display() if r.end_reason else "",
                "form": r.get_form_display(),
                "legal_basis": r.legal_basis,
            }
            for r in registrations
        ],
    }
