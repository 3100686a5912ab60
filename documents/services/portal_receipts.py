"""Delivery by the residents' portal: the resident opens, in the portal, a letter sent to their electronic box.

Opening records the delivery as a UPD would: the epuap dispatch goes to ``delivered`` at that moment (its
DeliveryEvent written in the same transaction) and the documents receipt service
(:func:`documents.services.receipts.electronic_receipt_attach`) attaches the receipt and moves the shipment to
delivered on that day; the ReceiptEvent for the originating app follows from there. Idempotent: a letter already
delivered (by the platform's UPD / evidence, or an earlier opening) is left as it is.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from core.services.audit import audit_log
from documents.models import Shipment
from documents.services.dispatch import ELECTRONIC_CHANNELS, shipment_audit_details

SS = Shipment.Status


def letter_collected_in_portal(*, actor, party, letter_id: int, at: datetime.datetime | None = None) -> bool:
    """Record the delivery of the letter (shipment ``letter_id`` addressed to ``party``) opened in the portal.

    Returns True when this opening delivered it, False when there was nothing to record (already delivered, not
    electronic, not the party's). ``actor`` is the resident's user (written to the audit log)."""
    from documents.services.receipts import electronic_receipt_attach
    from epuap.dispatch import dispatch_transition
    from epuap.models import DeliveryEvent, Dispatch

    at = at or timezone.now()
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update()
            .select_related("document__case")
            .filter(pk=letter_id, party=party)
            .first()
        )
        if shipment is None or shipment.channel not in ELECTRONIC_CHANNELS or shipment.status != SS.SENT:
            return False
        if not shipment.electronic_dispatch_id:
            return False
        dispatch = Dispatch.objects.select_for_update().get(pk=shipment.electronic_dispatch_id)
        if dispatch.status == Dispatch.Status.SENT:
            dispatch_transition(
                dispatch=dispatch,
                to=Dispatch.Status.DELIVERED,
                actor=actor,
                at=at,
                details={"manner": "opened in the residents' portal", "shipment": shipment.pk},
            )
        elif dispatch.status not in (Dispatch.Status.DELIVERED, Dispatch.Status.DEEMED_DELIVERED):
            return False
        event = DeliveryEvent.objects.get(dispatch=dispatch)
        electronic_receipt_attach(event)
        audit_log(
            actor=actor,
            action="documents.shipment.opened_in_portal",
            obj=shipment,
            details=shipment_audit_details(shipment, at=at.isoformat()),
        )
    return True
