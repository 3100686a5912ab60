"""Back-office views: the office archive (składnica akt) — eligible cases, hand-over lists (with the printable
spis zdawczo-odbiorczy), disposal lists, the archival package. All need ``documents.manage_archive``."""

import datetime

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, NotFoundOrForbidden
from core.views import BackOfficeView
from documents.models import ArchiveTransfer, DisposalList
from documents.services.archival_package import archival_package
from documents.services.archive import (
    DISPOSAL_TRANSITIONS,
    TRANSFER_TRANSITIONS,
    disposable_cases,
    disposal_create,
    disposal_transition,
    eligible_cases,
    transfer_create,
    transfer_rows,
    transfer_transition,
)

PERM = "documents.manage_archive"
TRANSFER_ACTIONS = {
    "hand-over": ArchiveTransfer.Status.HANDED_OVER,
    "accept": ArchiveTransfer.Status.ACCEPTED,
    "return": ArchiveTransfer.Status.DRAFT,
}
DISPOSAL_ACTIONS = {
    "submit": DisposalList.Status.SUBMITTED,
    "approve": DisposalList.Status.APPROVED,
    "refuse": DisposalList.Status.REFUSED,
    "dispose": DisposalList.Status.DISPOSED,
}


def _on(request) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return timezone.localdate()


def _int(value):
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _error(request, exc: ApplicationError) -> None:
    details = [m for ms in exc.errors.values() for m in ms]
    messages.error(request, " ".join([exc.message, *details]))


class ArchiveHomeView(BackOfficeView):
    permission_required = PERM

    def get(self, request):
        on = _on(request)
        groups: dict[tuple, list] = {}
        for case in eligible_cases(on=on)[:2000]:
            groups.setdefault((case.unit, case.jrwa), []).append(case)
        context = {
            "on": on,
            "groups": [{"unit": u, "jrwa": j, "cases": cs} for (u, j), cs in groups.items()],
            "transfers": ArchiveTransfer.objects.select_related("unit", "jrwa")[:10],
        }
        return render(request, "documents/archive/home.html", context)


class TransferCreateView(BackOfficeView):
    permission_required = PERM

    def post(self, request):
        try:
            transfer = transfer_create(
                user=request.user, unit=_int(request.POST.get("unit")), jrwa=_int(request.POST.get("jrwa"))
            )
        except ApplicationError as exc:
            _error(request, exc)
            return HttpResponseRedirect(reverse("documents:archive"))
        messages.success(request, _("Hand-over list %(number)s created.") % {"number": transfer})
        return HttpResponseRedirect(reverse("documents:archive-transfer", args=[transfer.pk]))


class TransferListView(BackOfficeView):
    permission_required = PERM

    def get(self, request):
        transfers = ArchiveTransfer.objects.select_related("unit", "jrwa")[:200]
        return render(request, "documents/archive/transfer_list.html", {"transfers": transfers})


def _transfer(pk) -> ArchiveTransfer:
    transfer = ArchiveTransfer.objects.select_related("unit", "jrwa", "created_by", "accepted_by").filter(pk=pk).first()
    if transfer is None:
        raise NotFoundOrForbidden("not found")
    return transfer


class TransferDetailView(BackOfficeView):
    permission_required = PERM

    def get(self, request, pk):
        transfer = _transfer(pk)
        context = {
            "transfer": transfer,
            "rows": transfer_rows(transfer),
            "cases": transfer.cases.select_related("jrwa").order_by("year", "number"),
            "actions": [a for a, t in TRANSFER_ACTIONS.items() if t in _next(transfer)],
        }
        return render(request, "documents/archive/transfer_detail.html", context)


def _next(transfer):
    return TRANSFER_TRANSITIONS.get(transfer.status, set())


class TransferTransitionView(BackOfficeView):
    permission_required = PERM

    def post(self, request, pk, action):
        target = TRANSFER_ACTIONS.get(action)
        if target is None:
            raise NotFoundOrForbidden("not found")
        try:
            transfer_transition(user=request.user, transfer_id=pk, to=target, note=request.POST.get("note", "")[:1000])
        except ApplicationError as exc:
            _error(request, exc)
        return HttpResponseRedirect(reverse("documents:archive-transfer", args=[pk]))


class TransferPdfView(BackOfficeView):
    permission_required = PERM

    def get(self, request, pk):
        from core.pdf import render_pdf

        transfer = _transfer(pk)
        with translation.override("pl"):
            html = render_to_string(
                "documents/archive/pdf/transfer.html",
                {
                    "transfer": transfer,
                    "rows": transfer_rows(transfer),
                    "cases": transfer.cases.select_related("jrwa").order_by("year", "number"),
                },
            )
        response = HttpResponse(render_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="spis-zdawczo-odbiorczy-{transfer.number}-{transfer.year}.pdf"'
        )
        return response


class DisposalListView(BackOfficeView):
    permission_required = PERM

    def get(self, request):
        on = _on(request)
        include_be = request.GET.get("be") == "on"
        context = {
            "on": on,
            "include_be": include_be,
            "candidates": disposable_cases(on=on, include_expert_evaluation=include_be)[:2000],
            "disposals": DisposalList.objects.all()[:200],
        }
        return render(request, "documents/archive/disposal_list.html", context)

    def post(self, request):
        try:
            disposal = disposal_create(
                user=request.user, include_expert_evaluation=request.POST.get("include_expert_evaluation") == "on"
            )
        except ApplicationError as exc:
            _error(request, exc)
            return HttpResponseRedirect(reverse("documents:archive-disposals"))
        return HttpResponseRedirect(reverse("documents:archive-disposal", args=[disposal.pk]))


class DisposalDetailView(BackOfficeView):
    permission_required = PERM

    def get(self, request, pk):
        disposal = DisposalList.objects.select_related("created_by", "decided_by").filter(pk=pk).first()
        if disposal is None:
            raise NotFoundOrForbidden("not found")
        allowed = DISPOSAL_TRANSITIONS.get(disposal.status, set())
        context = {
            "disposal": disposal,
            "cases": disposal.cases.select_related("unit", "jrwa").order_by("mark"),
            "actions": [a for a, t in DISPOSAL_ACTIONS.items() if t in allowed],
        }
        return render(request, "documents/archive/disposal_detail.html", context)


class DisposalTransitionView(BackOfficeView):
    permission_required = PERM

    def post(self, request, pk, action):
        target = DISPOSAL_ACTIONS.get(action)
        if target is None:
            raise NotFoundOrForbidden("not found")
        try:
            disposal_transition(
                user=request.user,
                disposal_id=pk,
                to=target,
                approval_reference=request.POST.get("approval_reference", "")[:300],
                reason=request.POST.get("note", "")[:1000],
            )
        except ApplicationError as exc:
            _error(request, exc)
        return HttpResponseRedirect(reverse("documents:archive-disposal", args=[pk]))


class PackageView(BackOfficeView):
    permission_required = PERM

    def get(self, request):
        ids = [v for v in request.GET.getlist("case") if v.isdigit()]
        try:
            data = archival_package(user=request.user, case_ids=ids)
        except ApplicationError as exc:
            _error(request, exc)
            return HttpResponseRedirect(reverse("documents:archive"))
        response = HttpResponse(data, content_type="application/zip")
        stamp = timezone.localdate().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="paczka-archiwalna-{stamp}.zip"'
        return response


urlpatterns = [
    path("archive/", ArchiveHomeView.as_view(), name="archive"),
    path("archive/transfers/", TransferListView.as_view(), name="archive-transfers"),
    path("archive/transfers/new/", TransferCreateView.as_view(), name="archive-transfer-create"),
    path("archive/transfers/<int:pk>/", TransferDetailView.as_view(), name="archive-transfer"),
    path("archive/transfers/<int:pk>/pdf/", TransferPdfView.as_view(), name="archive-transfer-pdf"),
    path("archive/transfers/<int:pk>/<slug:action>/", TransferTransitionView.as_view(), name="archive-transfer-action"),
    path("archive/disposals/", DisposalListView.as_view(), name="archive-disposals"),
    path("archive/disposals/<int:pk>/", DisposalDetailView.as_view(), name="archive-disposal"),
    path("archive/disposals/<int:pk>/<slug:action>/", DisposalTransitionView.as_view(), name="archive-disposal-action"),
    path("archive/package/", PackageView.as_view(), name="archive-package"),
]
