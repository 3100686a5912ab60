"""Services of the sync with the central PESEL register: upload (report), apply, discard.

Upload reads and checks the file and compares it with the local mirror; it writes only the import, its
quarantined rows and the reconciliation items (nothing in the register changes). Applying the report is
a separate, audited step that goes through the population services (so every rule and audit event of a
manual registration applies) in one transaction: all or nothing. Status machine: see ALLOWED_TRANSITIONS.
"""

import datetime
import hashlib
import os
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import Party
from core.services.audit import audit_log
from core.services.parties import PARTY_FIELDS, AddressInput, PartyInput, party_create, party_update
from population.models import CentralImport, CentralImportRow, ReconciliationItem, Registration, Resident
from population.services import (
    ResidentInput,
    registration_deregister,
    registration_extend,
    registration_register,
    resident_create,
    resident_record_death,
    resident_record_emigration,
)
from population.sync.layout import CentralPerson, CentralRegistration, fmt_date, parse_export
from population.sync.reconcile import (
    LocalState,
    diff_person,
    end_date_for,
    load_local,
    local_registrations,
    reconcile,
    registration_key,
)

Status = CentralImport.Status
Kind = ReconciliationItem.Kind
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

# The only moves of an import's status; REJECTED, APPLIED and DISCARDED are final.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PARSED: frozenset({Status.APPLIED, Status.DISCARDED}),
    Status.APPLIED: frozenset(),
    Status.DISCARDED: frozenset(),
    Status.REJECTED: frozenset(),
}


class TransitionRefused(ApplicationError):
    code = "invalid_transition"


def max_upload_bytes() -> int:
    return int(getattr(settings, "POPULATION_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large_message(size: int) -> str:
    return _("The file is too large (%(size)s); the limit is %(limit)s. Split the export or ask the administrator.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(max_upload_bytes()),
    }


def _require(actor, perm: str) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.is_active and actor.has_perm(perm)):
        raise PermissionDenied(perm)


def _summary(items) -> dict:
    counts = Counter(item.kind for item in items)
    return {
        "new": counts[Kind.NEW],
        "changed": counts[Kind.CHANGED],
        "missing_locally": counts[Kind.MISSING_LOCALLY],
        "missing_centrally": counts[Kind.MISSING_CENTRALLY],
        "manual": sum(1 for item in items if item.manual),
    }


def central_import_upload(
    *, actor, file_name: str, content: bytes, today: datetime.date | None = None
) -> CentralImport:
    """Read an export of the central register and prepare the reconciliation report (status PARSED).

    A file that cannot be read as a whole (size, encoding, header, export date) is stored as REJECTED with
    its errors; a file over the size limit is refused without being stored. The same bytes uploaded again
    while their report is still PARSED give that report back.
    """
    _require(actor, "population.import_central")
    if len(content) > max_upload_bytes():
        raise ServiceValidationError(_("The data contain errors."), errors={"file": [too_large_message(len(content))]})
    file_name = os.path.basename((file_name or "").replace("\\", "/"))[:255] or "export.csv"
    sha256 = hashlib.sha256(content).hexdigest()
    existing = CentralImport.objects.filter(file_sha256=sha256, status=Status.PARSED).order_by("-pk").first()
    if existing is not None:
        return existing
    parsed = parse_export(content, today=today or timezone.localdate())
    if parsed.errors:
        with transaction.atomic():
            rejected = CentralImport.objects.create(
                file_name=file_name,
                file_sha256=sha256,
                status=Status.REJECTED,
                errors=parsed.errors,
                uploaded_by=actor,
            )
            audit_log(
                actor=actor,
                action="central_import.rejected",
                obj=rejected,
                details={"file_name": file_name, "sha256": sha256, "errors": parsed.errors},
            )
        return rejected
    specs = reconcile(parsed.persons, parsed.quarantined_pesels, parsed.export_date)
    summary = {**_summary(specs), "persons": len(parsed.persons)}
    with transaction.atomic():
        central_import = CentralImport.objects.create(
            file_name=file_name,
            file_sha256=sha256,
            export_date=parsed.export_date,
            status=Status.PARSED,
            rows_total=parsed.rows_total,
            rows_quarantined=len(parsed.quarantined),
            summary=summary,
            uploaded_by=actor,
        )
        CentralImportRow.objects.bulk_create(
            [
                CentralImportRow(central_import=central_import, line_no=row.line, reason=row.reason, raw=row.raw)
                for row in parsed.quarantined
            ],
            batch_size=1000,
        )
        ReconciliationItem.objects.bulk_create(
            [
                ReconciliationItem(
                    central_import=central_import,
                    kind=spec.kind,
                    pesel=spec.pesel,
                    line_no=spec.line_no,
                    resident_id=spec.resident_id,
                    central_data=spec.central_data,
                    changes=spec.changes,
                )
                for spec in specs
            ],
            batch_size=1000,
        )
        audit_log(
            actor=actor,
            action="central_import.uploaded",
            obj=central_import,
            details={
                "file_name": file_name,
                "sha256": sha256,
                "export_date": parsed.export_date,
                "rows": parsed.rows_total,
                "quarantined": len(parsed.quarantined),
                **summary,
            },
        )
    return central_import


def _refusal(central_import: CentralImport) -> str:
    if central_import.status == Status.APPLIED:
        return _(
            "This report was already applied on %(date)s by %(user)s; it cannot be applied or discarded again."
        ) % {
            "date": fmt_date(timezone.localdate(central_import.decided_at)) if central_import.decided_at else "—",
            "user": central_import.decided_by.get_username() if central_import.decided_by else "—",
        }
    if central_import.status == Status.DISCARDED:
        return _("This report was discarded; upload the file again to get a new report.")
    return _("The file was rejected; there is nothing to apply or discard.")


def _transition(
    central_import: CentralImport,
    *,
    to: str,
    actor,
    action: str,
    work: Callable[[CentralImport], dict] | None = None,
) -> CentralImport:
    """The one way to change an import's status: lock the row, check ALLOWED_TRANSITIONS, do ``work``, save.

    ``work`` runs with the locked row, inside the same transaction; it returns details for the audit event.
    """
    with transaction.atomic():
        locked = CentralImport.objects.select_for_update().get(pk=central_import.pk)
        if to not in ALLOWED_TRANSITIONS[locked.status]:
            raise TransitionRefused(_refusal(locked))
        details = work(locked) if work else {}
        locked.status = to
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at", "summary"])
        audit_log(actor=actor, action=action, obj=locked, details={"to": to, **details})
    return locked


def central_import_discard(*, actor, central_import: CentralImport) -> CentralImport:
    """Drop a report without applying it (PARSED → DISCARDED)."""
    _require(actor, "population.apply_reconciliation")
    return _transition(central_import, to=Status.DISCARDED, actor=actor, action="central_import.discarded")


def central_import_apply(*, actor, central_import: CentralImport) -> CentralImport:
    """Apply a report (PARSED → APPLIED) through the population services, in one transaction.

    NEW, MISSING_LOCALLY and CHANGED items are applied; MISSING_CENTRALLY items and items that need
    manual handling are only reported. If any item fails, nothing is applied, the import stays PARSED,
    the failure is recorded (audit event, summary["apply_error"]) and ApplicationError says which item.
    """
    _require(actor, "population.apply_reconciliation")

    def work(locked: CentralImport) -> dict:
        counts = Counter()
        items = locked.items.exclude(kind=Kind.MISSING_CENTRALLY).order_by("pk")
        for item in items:
            if item.central_data.get("manual"):
                counts["manual"] += 1
                continue
            _apply_item(item, actor=actor, central_import=locked)
            item.applied = True
            item.save(update_fields=["applied"])
            counts[item.kind] += 1
        applied = {kind: counts[kind] for kind in (Kind.NEW, Kind.MISSING_LOCALLY, Kind.CHANGED)}
        locked.summary = {k: v for k, v in locked.summary.items() if k != "apply_error"}
        locked.summary["applied"] = applied
        return {"applied": applied, "skipped_manual": counts["manual"]}

    try:
        return _transition(central_import, to=Status.APPLIED, actor=actor, action="central_import.applied", work=work)
    except TransitionRefused:
        raise
    except ApplicationError as exc:
        message = _("Nothing was applied: %(error)s") % {"error": exc.message}
        with transaction.atomic():
            locked = CentralImport.objects.select_for_update().get(pk=central_import.pk)
            if locked.status == Status.PARSED:
                locked.summary = {**locked.summary, "apply_error": message}
                locked.save(update_fields=["summary"])
            audit_log(
                actor=actor,
                action="central_import.apply_failed",
                obj=locked,
                details={"error": exc.message, "errors": exc.errors},
            )
        raise ApplicationError(message, code="apply_failed", errors=exc.errors) from exc


# --- applying one item -------------------------------------------------------------------------------------


def _stale(pesel: str) -> ApplicationError:
    return ApplicationError(
        _(
            "PESEL %(pesel)s: the local register changed after the report was prepared. "
            "Upload the file again to get a new report."
        )
        % {"pesel": pesel}
    )


def _apply_item(item: ReconciliationItem, *, actor, central_import: CentralImport) -> None:
    person = CentralPerson.from_json(item.central_data)
    state = load_local([person.pesel]).get(person.pesel) or LocalState()
    spec = diff_person(person, state, central_import.export_date)
    if spec is None or spec.kind != item.kind or spec.changes != item.changes or spec.manual:
        raise _stale(person.pesel)
    try:
        _apply_person(person, state, actor=actor, central_import=central_import)
    except ServiceValidationError as exc:
        details = "; ".join(message for messages in exc.errors.values() for message in messages) or exc.message
        raise ApplicationError(
            _("PESEL %(pesel)s (line %(line)s): %(details)s")
            % {"pesel": person.pesel, "line": item.line_no or "—", "details": details},
            errors={f"items.{item.pk}": [details]},
        ) from exc


def _address(reg: CentralRegistration) -> AddressInput:
    return AddressInput(
        locality_id=reg.locality_id,
        street_id=reg.street_id,
        building_number=reg.building_number,
        flat_number=reg.flat_number,
        postal_code=reg.postal_code,
    )


def _legal_basis(central_import: CentralImport) -> str:
    return _("Export of the central PESEL register of %(date)s (%(file)s)") % {
        "date": fmt_date(central_import.export_date),
        "file": central_import.file_name,
    }


def _register(resident: Resident, reg: CentralRegistration, *, actor, central_import: CentralImport) -> None:
    registration_register(
        actor=actor,
        resident=resident,
        kind=reg.kind,
        address=_address(reg),
        start_date=reg.start_date,
        planned_end_date=reg.planned_end_date,
        form=Registration.Form.CENTRAL,
        legal_basis=_legal_basis(central_import)[:300],
    )


def _update_names(party: Party, person: CentralPerson, *, actor) -> None:
    if (party.surname, party.first_names) == (person.surname, person.first_names):
        return
    values = {name: getattr(party, name) for name in PARTY_FIELDS}
    values.update(surname=person.surname, first_names=person.first_names, pesel=party.pesel or "")
    values["nip"] = values["nip"] or ""
    party_update(actor=actor, party=party, data=PartyInput(**values))


def _update_resident(resident: Resident, person: CentralPerson, *, actor) -> None:
    """Citizenship and family name as in the central register (history and audit event kept)."""
    with transaction.atomic():
        locked = Resident.objects.select_for_update().get(pk=resident.pk)
        changed = {}
        if locked.citizenship != person.citizenship:
            changed["citizenship"] = [locked.citizenship, person.citizenship]
            locked.citizenship = person.citizenship
        if person.family_name and locked.family_name != person.family_name:
            changed["family_name"] = [locked.family_name, person.family_name]
            locked.family_name = person.family_name
        if not changed:
            return
        locked._history_user = actor if getattr(actor, "is_authenticated", False) else None
        locked.save(update_fields=["citizenship", "family_name"])
        audit_log(
            actor=actor,
            action="resident.updated",
            obj=locked,
            details={"fields": sorted(changed), "source": "central_register"},
        )


def _apply_registration(
    resident: Resident,
    local: Registration | None,
    central: CentralRegistration | None,
    person: CentralPerson,
    *,
    actor,
    central_import: CentralImport,
) -> None:
    export_date = central_import.export_date
    if local is None and central is None:
        return
    if local is None:
        _register(resident, central, actor=actor, central_import=central_import)
        return
    if central is None:
        registration_deregister(actor=actor, registration=local, end_date=end_date_for(person, local, export_date))
        return
    same_place = registration_key(local) == central.address_key and local.start_date == central.start_date
    if same_place and local.planned_end_date == central.planned_end_date:
        return
    if same_place and central.kind == Registration.Kind.TEMPORARY and central.planned_end_date > local.planned_end_date:
        registration_extend(actor=actor, registration=local, planned_end_date=central.planned_end_date)
        return
    if central.start_date < local.start_date:
        # The local registration began later than the central one: it is ended where it began (it never
        # was in force) and the central one is registered in its place.
        registration_deregister(actor=actor, registration=local, end_date=local.start_date)
    _register(resident, central, actor=actor, central_import=central_import)


def _apply_person(person: CentralPerson, state: LocalState, *, actor, central_import: CentralImport) -> None:
    party, resident = state.party, state.resident
    resident_input = ResidentInput(citizenship=person.citizenship, family_name=person.family_name)
    if party is None:
        main = person.registrations.get(Registration.Kind.PERMANENT) or person.registrations.get(
            Registration.Kind.TEMPORARY
        )
        party = party_create(
            actor=actor,
            data=PartyInput(
                kind=Party.Kind.PERSON,
                pesel=person.pesel,
                first_names=person.first_names,
                surname=person.surname,
                birth_date=person.birth_date,
                sex=person.sex,
                address=_address(main),
            ),
        )
    else:
        _update_names(party, person, actor=actor)
    if resident is None:
        resident = resident_create(actor=actor, party=party, data=resident_input)
        for kind in (Registration.Kind.PERMANENT, Registration.Kind.TEMPORARY):
            if kind in person.registrations:
                _register(resident, person.registrations[kind], actor=actor, central_import=central_import)
        return
    _update_resident(resident, person, actor=actor)
    export_date = central_import.export_date
    if resident.status_date is None or resident.status_date <= export_date:
        if person.status == Resident.Status.DECEASED and resident.status != Resident.Status.DECEASED:
            resident_record_death(actor=actor, resident=resident, death_date=person.status_date)
            return
        if person.status == Resident.Status.EMIGRATED and resident.status == Resident.Status.ACTIVE:
            resident_record_emigration(actor=actor, resident=resident, departure_date=person.status_date)
            return
    current, newer = local_registrations(state.registrations, export_date)
    for kind in (Registration.Kind.PERMANENT, Registration.Kind.TEMPORARY):
        if kind not in newer:
            _apply_registration(
                resident,
                current.get(kind),
                person.registrations.get(kind),
                person,
                actor=actor,
                central_import=central_import,
            )
