"""Enforcement titles (tytuły wykonawcze TW-1) for arrears whose reminder was delivered at least 7 days earlier.

- ``title_run_create`` — a run (``CollectionRun`` kind ``titles``) proposes one title per delivered reminder whose
  waiting period is over and whose installments are still unpaid: titles in status ``prepared`` without a number;
  ``title_run_exclude`` withdraws one in review, ``title_run_confirm`` numbers them (``TW/<year>/<000001>``) and
  produces the XML (validated against ``finance/data/etw/``) and the PDF; ``title_run_cancel`` drops the run.
- ``title_create_for_reminder`` — the same for one reminder, by a clerk (numbered at once).
- ``title_transition`` — the one transition service (row lock, ``EnforcementTitle.TRANSITIONS``, audit): signed
  (``finance.sign_titles``; XAdES signature of the XML with the office credential, verified before it is stored),
  sent (sent_on, eTW reference), accepted, returned (reason), paid (only when fully paid), withdrawn (reason),
  prepared again after a return (a fresh unsigned XML).
- ``titles_mark_paid`` — titles sent or accepted whose installments are fully paid become ``paid``.
- ``enforcement_payment_report`` — payments allocated on installments of sent titles after they were sent.

A title is a snapshot: it never changes the accounts. Nothing is written when a rule refuses.
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.pdf import render_pdf
from core.services.audit import audit_log
from documents.services.numbering import next_number
from documents.services.templates import office_name
from finance import selectors
from finance.domain import titles as dt
from finance.models import (
    AccountEntry,
    CollectionRun,
    EnforcementPaymentReport,
    EnforcementTitle,
    EnforcementTitleItem,
    ObligorAccount,
    Reminder,
)

MANAGE = "finance.manage_collection"
SIGN = "finance.sign_titles"
S = EnforcementTitle.Status
ZERO = Decimal("0.00")
XMLNS = "urn:magistrat:etw:tw1:1"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "etw"
# schema version (setting FINANCE_ETW_SCHEMA_VERSION) → XSD file in finance/data/etw/
SCHEMAS = {"magistrat-tw1-1": "tw1-magistrat-1.xsd"}
ACTIVE = (S.PREPARED, S.SIGNED, S.SENT, S.ACCEPTED, S.PAID)
REASON_REQUIRED = (S.RETURNED, S.WITHDRAWN)


# --- settings -----------------------------------------------------------------------------------------------------


def enforcement_organ() -> str:
    return getattr(settings, "FINANCE_ENFORCEMENT_ORGAN", "") or "Naczelnik Urzędu Skarbowego"


def schema_version() -> str:
    return getattr(settings, "FINANCE_ETW_SCHEMA_VERSION", "") or "magistrat-tw1-1"


def creditor_data() -> dict:
    """The creditor as the office is configured (name, address, NIP, REGON)."""
    return {
        "name": office_name(),
        "address": getattr(settings, "MAGISTRAT_OFFICE_ADDRESS", ""),
        "nip": getattr(settings, "FINANCE_CREDITOR_NIP", ""),
        "regon": getattr(settings, "FINANCE_CREDITOR_REGON", ""),
    }


# --- helpers ------------------------------------------------------------------------------------------------------


def _require(actor, perm: str, message: str) -> None:
    if not (actor and getattr(actor, "is_active", False) and actor.has_perm(perm)):
        raise ApplicationError(message, code="forbidden")


def _require_manage(actor) -> None:
    _require(actor, MANAGE, _("You may not prepare enforcement titles."))


def _wait_days(on: datetime.date) -> int:
    return int(selectors.parameter("enforcement_wait_days", on))


def _rate_on(day: datetime.date) -> Decimal:
    rate = ZERO
    for period in selectors.interest_rates():
        if period.valid_from <= day:
            rate = period.rate
    return Decimal(rate).quantize(Decimal("0.01"))


def _debtor_data(*, actor, party) -> dict:
    """TW-1 section A: the debtor's identifiers; the parents' names come from the residents register when the
    debtor is a resident (a personal-data read: logged)."""
    address = party.correspondence_address or party.registered_address
    data = {"kind": party.kind, "address": address.one_line if address else ""}
    if party.kind == party.Kind.PERSON:
        data.update(
            first_names=party.first_names,
            surname=party.surname,
            pesel=party.pesel or "",
            nip=party.nip or "",
            birth_date=party.birth_date.isoformat() if party.birth_date else "",
            father_name="",
            mother_name="",
        )
        from population.models import Resident

        parents = Resident.objects.filter(party=party).values("father_name", "mother_name").first()
        if parents:
            data.update(father_name=parents["father_name"], mother_name=parents["mother_name"])
            audit_log(
                actor=actor,
                action="finance.title.debtor_data_read",
                obj=party,
                details={"purpose": "TW-1", "fields": ["father_name", "mother_name"]},
            )
    else:
        data.update(name=party.name, nip=party.nip or "", regon=party.regon or "", krs=party.krs or "")
    return data


def _check_reminder(reminder: Reminder, issue_date: datetime.date) -> None:
    if reminder.status != Reminder.Status.DELIVERED or reminder.delivered_on is None:
        raise ApplicationError(
            _("An enforcement title needs a delivered reminder; reminder %(number)s has not been delivered.")
            % {"number": reminder.number or f"#{reminder.pk}"},
            code="reminder_not_delivered",
        )
    wait = _wait_days(issue_date)
    if not dt.may_issue(delivered_on=reminder.delivered_on, issue_date=issue_date, wait_days=wait):
        earliest = dt.earliest_issue_date(reminder.delivered_on, wait)
        raise ApplicationError(
            _("The reminder was delivered on %(delivered)s; a title may be issued from %(earliest)s.")
            % {"delivered": f"{reminder.delivered_on:%d.%m.%Y}", "earliest": f"{earliest:%d.%m.%Y}"},
            code="wait_not_over",
        )


def _open_items(reminder: Reminder, issue_date: datetime.date, *, cutoff_date=None, receivable_type=None):
    """The reminder's installments with what is unpaid of them on the issue date."""
    items = list(reminder.items.select_related("account__receivable_type", "installment"))
    if receivable_type is not None:
        items = [i for i in items if i.account.receivable_type_id == receivable_type.pk]
    if cutoff_date is not None:
        items = [i for i in items if i.due_date <= cutoff_date]
    # every account of the reminder replayed at once (a constant number of queries, not one set per account)
    states = selectors.account_states({i.account for i in items}, as_of=issue_date) if items else {}
    out = []
    for item in items:
        state = states[item.account_id]
        view = next((v for v in state.installments if v.id == item.installment_id), None)
        principal = view.state.principal if view is not None else ZERO
        due = view.effective_due_date if view is not None else item.due_date
        out.append(dt.OpenItem(item.account_id, item.installment_id, due, principal, item.period))
    return dt.title_items(out), states, items


def _cost_outstanding(reminder: Reminder, states: dict) -> Decimal:
    if not reminder.cost_entry_id:
        return ZERO
    account = reminder.cost_entry.account
    state = states.get(account.pk) or selectors.account_state(account, as_of=next(iter(states.values())).as_of)
    return sum((c.amount for c in state.cost_items if c.id == reminder.cost_entry_id), ZERO)


def _has_active_title(reminder: Reminder) -> bool:
    return EnforcementTitle.objects.filter(reminder=reminder, status__in=ACTIVE).exists()


def _build(*, actor, reminder: Reminder, issue_date, run=None, cutoff_date=None, receivable_type=None):
    """Create one PREPARED title (no number yet) for the reminder, or return None when nothing is unpaid."""
    items, states, reminder_items = _open_items(
        reminder, issue_date, cutoff_date=cutoff_date, receivable_type=receivable_type
    )
    if not items:
        return None
    types = {i.account_id: i.account.receivable_type for i in reminder_items}
    title = EnforcementTitle.objects.create(
        run=run,
        party=reminder.party,
        reminder=reminder,
        status=S.PREPARED,
        issue_date=issue_date,
        principal=dt.title_principal(items),
        interest_from=dt.title_interest_from(items),
        interest_kind=dt.INTEREST_KIND,
        interest_rate=_rate_on(issue_date),
        costs=_cost_outstanding(reminder, states),
        legal_basis=dt.legal_basis(types[i.account_id].code for i in items),
        debtor=_debtor_data(actor=actor, party=reminder.party),
        creditor=creditor_data(),
        enforcement_organ=enforcement_organ(),
        schema_version=schema_version(),
        created_by=actor,
    )
    EnforcementTitleItem.objects.bulk_create(
        EnforcementTitleItem(
            title=title,
            account_id=i.account_id,
            installment_id=i.installment_id,
            due_date=i.due_date,
            interest_from=i.interest_from,
            principal=i.principal,
            period=i.period or types[i.account_id].name,
        )
        for i in items
    )
    return title


def _issue(title: EnforcementTitle) -> None:
    """Number the title and produce its XML (validated) and PDF."""
    title.number = f"TW/{title.issue_date.year}/{next_number(f'finance:tw:{title.issue_date.year}'):06d}"
    _render_documents(title)
    title.save(update_fields=["number", "xml", "pdf", "sha256"])


def _render_documents(title: EnforcementTitle) -> None:
    xml = tw1_xml(title)
    validate_tw1(xml, title.schema_version)
    title.xml = xml
    title.sha256 = hashlib.sha256(xml).hexdigest()
    title.pdf = tw1_pdf(title)


# --- reads of personal data ---------------------------------------------------------------------------------------


def access_title(*, user, title_id: int, purpose: str, issued_only: bool = False) -> EnforcementTitle:
    """One title for a user holding ``finance.manage_collection`` or ``finance.sign_titles`` (the head of unit
    signs what he reads); the read of the debtor's data (PESEL, birth date, parents' names) is logged with its
    purpose ("detail", "xml", "pdf"). ``issued_only``: only a numbered title (the XML and PDF exist)."""
    if not (user and user.is_authenticated and (user.has_perm(MANAGE) or user.has_perm(SIGN))):
        raise NotFoundOrForbidden(_("Not found."))
    queryset = EnforcementTitle.objects.select_related("party", "reminder", "run")
    if issued_only:
        queryset = queryset.exclude(number="")
    title = queryset.filter(pk=title_id).first()
    if title is None:
        raise NotFoundOrForbidden(_("Not found."))
    audit_log(actor=user, action="finance.title.viewed", obj=title, details={"purpose": purpose})
    return title


# --- XML and PDF --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _schema(version: str) -> etree.XMLSchema:
    name = SCHEMAS.get(version)
    if name is None:
        raise ApplicationError(
            _("Unknown eTW schema version %(version)s.") % {"version": version}, code="schema_unknown"
        )
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name)))


def validate_tw1(xml: bytes, version: str | None = None) -> None:
    """Refuse an XML that does not conform to the XSD of ``version`` (parsed with the project's safe parser)."""
    from epuap.xmlsafe import XmlRejected
    from epuap.xmlsafe import parse_tree as safe_parse_tree

    schema = _schema(version or schema_version())
    try:
        tree = safe_parse_tree(xml)
    except XmlRejected as exc:
        raise ApplicationError(_("The TW-1 XML is not well-formed."), code="xml_invalid") from exc
    if not schema.validate(tree):
        errors = [f"{e.line}: {e.message}" for e in list(schema.error_log)[:5]]
        raise ServiceValidationError(
            _("The TW-1 XML does not conform to its schema."), errors={"xml": errors}
        ) from None


def _money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


def tw1_xml(title: EnforcementTitle) -> bytes:
    """Build the TW-1 XML in our documented layout (docs/integrations/etw-tw1.md)."""

    def el(parent, tag, text=None):
        node = etree.SubElement(parent, f"{{{XMLNS}}}{tag}")
        if text is not None:
            node.text = str(text)
        return node

    def opt(parent, tag, text):
        if text:
            el(parent, tag, text)

    root = etree.Element(f"{{{XMLNS}}}TytulWykonawczy", nsmap={None: XMLNS})
    root.set("wersjaSchematu", title.schema_version)
    head = el(root, "Naglowek")
    el(head, "Formularz", "TW-1")
    el(head, "Numer", title.number or f"#{title.pk}")
    el(head, "DataWystawienia", title.issue_date.isoformat())
    el(head, "OrganEgzekucyjny", title.enforcement_organ)

    debtor = title.debtor
    a = el(root, "A_Zobowiazany")
    if debtor.get("kind") == "person":
        p = el(a, "OsobaFizyczna")
        el(p, "Imiona", debtor.get("first_names") or "-")
        el(p, "Nazwisko", debtor.get("surname") or "-")
        opt(p, "PESEL", debtor.get("pesel"))
        opt(p, "NIP", debtor.get("nip"))
        opt(p, "DataUrodzenia", debtor.get("birth_date"))
        opt(p, "ImieOjca", debtor.get("father_name"))
        opt(p, "ImieMatki", debtor.get("mother_name"))
    else:
        o = el(a, "OsobaPrawna")
        el(o, "Nazwa", debtor.get("name") or "-")
        opt(o, "NIP", debtor.get("nip"))
        opt(o, "REGON", debtor.get("regon"))
        opt(o, "KRS", debtor.get("krs"))
    opt(a, "Adres", debtor.get("address"))

    e = el(root, "E_Naleznosci")
    el(e, "PodstawaPrawna", title.legal_basis)
    el(e, "RodzajOdsetek", title.interest_kind)
    el(e, "StawkaOdsetek", _money(title.interest_rate))
    for item in title.items.select_related("account__receivable_type").order_by("due_date", "id"):
        n = el(e, "Naleznosc")
        el(n, "Rodzaj", item.account.receivable_type.name)
        el(n, "Okres", item.period)
        el(n, "TerminPlatnosci", item.due_date.isoformat())
        el(n, "KwotaNaleznosciGlownej", _money(item.principal))
        el(n, "OdsetkiOd", item.interest_from.isoformat())
    el(e, "KwotaRazem", _money(title.principal))
    el(e, "OdsetkiOd", title.interest_from.isoformat())
    el(e, "KosztyUpomnienia", _money(title.costs))

    r = el(root, "Upomnienie")
    el(r, "Numer", title.reminder.number or f"#{title.reminder_id}")
    el(r, "DataDoreczenia", title.reminder.delivered_on.isoformat())

    creditor = title.creditor
    c = el(root, "Wierzyciel")
    el(c, "Nazwa", creditor.get("name") or "-")
    el(c, "Adres", creditor.get("address") or "-")
    opt(c, "NIP", creditor.get("nip"))
    opt(c, "REGON", creditor.get("regon"))
    el(root, "PodstawaPrawnaEgzekucji", dt.ENFORCEMENT_BASIS)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def tw1_pdf(title: EnforcementTitle) -> bytes:
    items = list(title.items.select_related("account__receivable_type").order_by("due_date", "id"))
    html = render_to_string(
        "finance/titles/tw1_pdf.html", {"title": title, "items": items, "enforcement_basis": dt.ENFORCEMENT_BASIS}
    )
    return render_pdf(html)


# --- runs ---------------------------------------------------------------------------------------------------------


def _candidate_reminders(*, receivable_type, cutoff_date, issue_date):
    latest_delivery = issue_date - datetime.timedelta(days=_wait_days(issue_date) + 1)
    qs = Reminder.objects.filter(
        status=Reminder.Status.DELIVERED, delivered_on__isnull=False, delivered_on__lte=latest_delivery
    ).exclude(titles__status__in=ACTIVE)
    item_filter = Q(items__due_date__lte=cutoff_date)
    if receivable_type is not None:
        item_filter &= Q(items__account__receivable_type=receivable_type)
    return qs.filter(item_filter).distinct().select_related("party", "cost_entry__account").order_by("party_id", "id")


def _lock_candidates(reminders) -> list[Reminder]:
    """Lock the candidate reminders (id order: no deadlock with ``title_create_for_reminder``) and keep those that
    still have no title in force under the lock; returned in the order of the selection (debtor, id)."""
    order = {r.pk: n for n, r in enumerate(reminders)}
    locked = list(
        Reminder.objects.select_for_update(of=("self",))
        .filter(pk__in=list(order))
        .select_related("party", "cost_entry__account")
        .order_by("pk")
    )
    locked = [r for r in locked if not _has_active_title(r)]
    return sorted(locked, key=lambda r: order[r.pk])


def title_run_create(*, actor, receivable_type=None, cutoff_date: datetime.date, issue_date: datetime.date):
    """Propose titles for every delivered reminder (waiting period over) with installments due on or before the
    cut-off date that are still unpaid on the issue date. The run ends ``proposed`` (to review)."""
    _require_manage(actor)
    if issue_date < cutoff_date:
        raise ServiceValidationError(
            _("The issue date cannot be before the cut-off date."),
            errors={"issue_date": [_("The issue date cannot be before the cut-off date.")]},
        )
    with transaction.atomic():
        run = CollectionRun.objects.create(
            kind=CollectionRun.Kind.TITLES,
            receivable_type=receivable_type,
            cutoff_date=cutoff_date,
            issue_date=issue_date,
            created_by=actor,
        )
        reminders = _lock_candidates(
            list(_candidate_reminders(receivable_type=receivable_type, cutoff_date=cutoff_date, issue_date=issue_date))
        )
        run.progress_total = len(reminders)
        titles, total = 0, ZERO
        for reminder in reminders:
            title = _build(
                actor=actor,
                reminder=reminder,
                issue_date=issue_date,
                run=run,
                cutoff_date=cutoff_date,
                receivable_type=receivable_type,
            )
            run.progress_done += 1
            if title is not None:
                titles += 1
                total += title.principal
        _run_to(run, CollectionRun.Status.PROPOSED)
        run.summary = {"reminders": len(reminders), "titles": titles, "principal": str(total)}
        run.save(update_fields=["progress_total", "progress_done", "status", "summary"])
        audit_log(actor=actor, action="finance.title_run.created", obj=run, details=run.summary)
    return run


def _lock_run(run) -> CollectionRun:
    locked = CollectionRun.objects.select_for_update().get(pk=run.pk)
    if locked.kind != CollectionRun.Kind.TITLES:
        raise ApplicationError(_("This is not a run of enforcement titles."), code="wrong_kind")
    return locked


def _run_to(run: CollectionRun, to: str) -> None:
    if to not in CollectionRun.TRANSITIONS[run.status]:
        raise ApplicationError(
            _("The run cannot go from %(from)s to %(to)s.")
            % {"from": run.get_status_display(), "to": CollectionRun.Status(to).label},
            code="transition_refused",
        )
    run.status = to


def title_run_exclude(*, actor, title: EnforcementTitle, reason: str) -> EnforcementTitle:
    """Leave a proposed title out of its run (it is withdrawn before it was ever numbered)."""
    _require_manage(actor)
    with transaction.atomic():
        locked = EnforcementTitle.objects.select_for_update().get(pk=title.pk)
        if locked.run_id is None or locked.number or locked.status != S.PREPARED:
            raise ApplicationError(_("Only a proposed title of a run under review can be excluded."), code="refused")
        run = _lock_run(locked.run)
        if run.status != CollectionRun.Status.PROPOSED:
            raise ApplicationError(_("Only a proposed title of a run under review can be excluded."), code="refused")
        return title_transition(actor=actor, title=locked, to=S.WITHDRAWN, reason=reason or _("excluded in review"))


def title_run_confirm(*, actor, run: CollectionRun) -> CollectionRun:
    """Number the proposed titles of the run and produce their XML and PDF; the run becomes ``issued``."""
    _require_manage(actor)
    with transaction.atomic():
        locked = _lock_run(run)
        _run_to(locked, CollectionRun.Status.CONFIRMED)
        titles = list(locked.titles.select_for_update().filter(status=S.PREPARED, number="").select_related("reminder"))
        for title in titles:
            _issue(title)
        _run_to(locked, CollectionRun.Status.ISSUED)
        locked.confirmed_by, locked.confirmed_at = actor, timezone.now()
        locked.finished_at = timezone.now()
        locked.summary = {**locked.summary, "issued": len(titles), "numbers": [t.number for t in titles][:1000]}
        locked.save(update_fields=["status", "confirmed_by", "confirmed_at", "finished_at", "summary"])
        audit_log(actor=actor, action="finance.title_run.confirmed", obj=locked, details={"issued": len(titles)})
    return locked


def title_run_cancel(*, actor, run: CollectionRun, reason: str = "") -> CollectionRun:
    _require_manage(actor)
    with transaction.atomic():
        locked = _lock_run(run)
        _run_to(locked, CollectionRun.Status.CANCELLED)
        why = (reason or "").strip() or _("run cancelled")
        for title in locked.titles.filter(status=S.PREPARED, number="").order_by("pk"):
            title_transition(actor=actor, title=title, to=S.WITHDRAWN, reason=why)
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "finished_at"])
        audit_log(actor=actor, action="finance.title_run.cancelled", obj=locked, details={"reason": reason})
    return locked


def title_create_for_reminder(*, actor, reminder: Reminder, issue_date: datetime.date) -> EnforcementTitle:
    """A clerk's title for one delivered reminder (numbered, XML and PDF at once). Refused — nothing written —
    without a delivered reminder, before the waiting period is over, with nothing unpaid, or when the reminder
    already has a title in force."""
    _require_manage(actor)
    with transaction.atomic():
        locked = Reminder.objects.select_for_update().get(pk=reminder.pk)
        _check_reminder(locked, issue_date)
        if _has_active_title(locked):
            raise ApplicationError(_("This reminder already has an enforcement title."), code="title_exists")
        title = _build(actor=actor, reminder=locked, issue_date=issue_date)
        if title is None:
            raise ApplicationError(_("Everything this reminder demanded has been paid."), code="nothing_unpaid")
        _issue(title)
        audit_log(
            actor=actor,
            action="finance.title.created",
            obj=title,
            details={"reminder": locked.pk, "principal": str(title.principal), "number": title.number},
        )
    return title


# --- transitions --------------------------------------------------------------------------------------------------


def _item_states(title: EnforcementTitle, on: datetime.date) -> list[tuple[Decimal, Decimal]]:
    items = list(title.items.select_related("account"))
    states, out = {}, []
    for item in items:
        if item.account_id not in states:
            states[item.account_id] = selectors.account_state(item.account, as_of=on)
        view = next((v for v in states[item.account_id].installments if v.id == item.installment_id), None)
        out.append((view.state.principal, view.state.interest) if view else (ZERO, ZERO))
    return out


def _sign(title: EnforcementTitle) -> bytes:
    from epuap import pki, xades

    try:
        credential, ca = pki.load_credential(settings.EPUAP_OFFICE_CREDENTIAL), pki.ca_certificate()
    except FileNotFoundError:
        raise ApplicationError(
            _("The office certificate is not available; the administrator must install it."), code="no_credential"
        ) from None
    xml = bytes(title.xml)
    if xades.is_signed(xml):
        raise ApplicationError(_("The XML of this title is already signed."), code="already_signed")
    signed = xades.sign(xml, credential)
    try:
        xades.verify(signed, ca=ca)
    except xades.SignatureInvalid as exc:
        raise ApplicationError(
            _("The signature does not verify: %(reason)s") % {"reason": exc.reason}, code="signature_invalid"
        ) from exc
    validate_tw1(signed, title.schema_version)
    return signed


def title_transition(*, actor, title: EnforcementTitle, to: str, reason: str = "", reference: str = "", on=None):
    """Move a title to ``to`` (checked against ``EnforcementTitle.TRANSITIONS``); one audit event per move."""
    to = S(to)
    if to == S.SIGNED:
        _require(actor, SIGN, _("You may not sign enforcement titles."))
    else:
        _require_manage(actor)
    on = on or timezone.localdate()
    reason = (reason or "").strip()
    if to in REASON_REQUIRED and not reason:
        raise ServiceValidationError(_("Give the reason."), errors={"reason": [_("Give the reason.")]})
    with transaction.atomic():
        locked = EnforcementTitle.objects.select_for_update().select_related("reminder").get(pk=title.pk)
        previous = locked.status
        if to not in EnforcementTitle.TRANSITIONS[S(previous)]:
            raise ApplicationError(
                _("An enforcement title cannot go from %(from)s to %(to)s.")
                % {"from": S(previous).label, "to": to.label},
                code="transition_refused",
            )
        fields = ["status", "status_changed_on"]
        if to != S.WITHDRAWN and not locked.number:
            raise ApplicationError(_("The title has not been issued yet (confirm its run)."), code="not_issued")
        if to == S.SIGNED:
            locked.xml = _sign(locked)
            locked.sha256 = hashlib.sha256(bytes(locked.xml)).hexdigest()
            locked.signed_by, locked.signed_at = actor, timezone.now()
            fields += ["xml", "sha256", "signed_by", "signed_at"]
        elif to == S.SENT:
            locked.sent_on = on
            locked.external_reference = reference.strip()[:100]
            fields += ["sent_on", "external_reference"]
        elif to == S.ACCEPTED:
            if reference.strip():
                locked.external_reference = reference.strip()[:100]
                fields.append("external_reference")
        elif to == S.PAID:
            if not dt.fully_paid(_item_states(locked, on)):
                raise ApplicationError(_("The title is not fully paid yet."), code="not_paid")
        elif to == S.PREPARED:  # after a return: a fresh unsigned document to correct and sign again
            locked.signed_by, locked.signed_at, locked.sent_on = None, None, None
            _render_documents(locked)
            fields += ["signed_by", "signed_at", "sent_on", "xml", "pdf", "sha256"]
        if to in REASON_REQUIRED:
            locked.status_reason = reason[:500]
            fields.append("status_reason")
        locked.status = to
        locked.status_changed_on = on
        locked.save(update_fields=fields)
        audit_log(
            actor=actor,
            action=f"finance.title.{to.value}",
            obj=locked,
            details={"from": previous, "to": to.value, "reason": reason, "reference": reference, "on": on.isoformat()},
        )
    return locked


def titles_mark_paid(*, actor=None, on: datetime.date | None = None) -> int:
    """Titles sent or accepted whose installments have nothing left (principal and interest) become ``paid``."""
    on = on or timezone.localdate()
    done = 0
    for pk in EnforcementTitle.objects.filter(status__in=(S.SENT, S.ACCEPTED)).values_list("pk", flat=True):
        with transaction.atomic():
            locked = EnforcementTitle.objects.select_for_update().get(pk=pk)
            if locked.status not in (S.SENT, S.ACCEPTED) or not dt.fully_paid(_item_states(locked, on)):
                continue
            previous = locked.status
            locked.status, locked.status_changed_on = S.PAID, on
            locked.save(update_fields=["status", "status_changed_on"])
            audit_log(
                actor=actor,
                action="finance.title.paid",
                obj=locked,
                details={"from": previous, "to": S.PAID.value, "on": on.isoformat(), "automatic": True},
            )
            done += 1
    return done


# --- payments after sending ---------------------------------------------------------------------------------------

PAID_COMPONENTS = {
    AccountEntry.Component.PRINCIPAL: "należność główna",
    AccountEntry.Component.INTEREST: "odsetki",
}


def payment_report_rows(*, period_start: datetime.date, period_end: datetime.date) -> list[dict]:
    """Allocations (and overpayment credits) on installments of titles sent, accepted or paid, with a payment date
    in the period and after the title was sent; reversed allocations are left out."""
    titles = {
        t.pk: t
        for t in EnforcementTitle.objects.filter(
            status__in=(S.SENT, S.ACCEPTED, S.PAID), sent_on__isnull=False, sent_on__lt=period_end
        ).select_related("party")
    }
    by_installment: dict[int, list[EnforcementTitle]] = {}
    items = EnforcementTitleItem.objects.filter(title_id__in=titles, installment__isnull=False)
    for item in items.values("title_id", "installment_id", "due_date"):
        by_installment.setdefault(item["installment_id"], []).append((titles[item["title_id"]], item["due_date"]))
    entries = (
        AccountEntry.objects.filter(
            installment_id__in=by_installment,
            kind__in=(AccountEntry.Kind.ALLOCATION, AccountEntry.Kind.OVERPAYMENT_CREDIT),
            component__in=list(PAID_COMPONENTS),
            value_date__gte=period_start,
            value_date__lte=period_end,
            reversed_by__isnull=True,
        )
        .select_related("payment")
        .order_by("value_date", "id")
    )
    rows = []
    for entry in entries:
        for title, due_date in by_installment[entry.installment_id]:
            if entry.value_date <= title.sent_on:
                continue
            rows.append(
                {
                    "title": title.number,
                    "title_id": title.pk,
                    "debtor": title.party.display_name,
                    "payment_date": entry.value_date.isoformat(),
                    "amount": str(entry.amount),
                    "paid": f"{PAID_COMPONENTS[entry.component]}, rata {due_date:%d.%m.%Y}",
                    "component": entry.component,
                    "due_date": due_date.isoformat(),
                    "payment_id": entry.payment_id,
                    "entry_id": entry.pk,
                }
            )
    rows.sort(key=lambda r: (r["title"], r["payment_date"], r["entry_id"]))
    return rows


def enforcement_payment_report(*, actor, period_start: datetime.date, period_end: datetime.date):
    """Record the list of payments on titles for the enforcement organ for a period."""
    _require_manage(actor)
    if period_end < period_start:
        raise ServiceValidationError(
            _("The end of the period cannot be before its start."),
            errors={"period_end": [_("The end of the period cannot be before its start.")]},
        )
    with transaction.atomic():
        rows = payment_report_rows(period_start=period_start, period_end=period_end)
        report = EnforcementPaymentReport.objects.create(
            period_start=period_start,
            period_end=period_end,
            enforcement_organ=enforcement_organ(),
            rows=rows,
            total=sum((Decimal(r["amount"]) for r in rows), ZERO),
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action="finance.enforcement_payment_report.created",
            obj=report,
            details={"rows": len(rows), "total": str(report.total)},
        )
    return report


def title_accounts(title: EnforcementTitle) -> list[ObligorAccount]:
    return list(ObligorAccount.objects.filter(pk__in=title.items.values("account_id")).order_by("id"))


__all__ = [
    "access_title",
    "enforcement_payment_report",
    "title_create_for_reminder",
    "title_run_cancel",
    "title_run_confirm",
    "title_run_create",
    "title_run_exclude",
    "title_transition",
    "titles_mark_paid",
    "tw1_pdf",
    "tw1_xml",
    "validate_tw1",
]
