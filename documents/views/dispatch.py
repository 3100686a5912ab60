"""Back-office views: the dispatch desk (documents to send, the day's książka nadawcza, courier / messenger lists,
the outgoing register) and the receipts desk (ZPO entry, quarantined receipts). Thin: forms, one service call."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.exceptions import ApplicationError, ServiceValidationError
from core.views import BackOfficeView
from documents.domain.delivery import deemed_delivery_date, second_notice_date
from documents.forms_dispatch import BookAddForm, RegisterFilterForm, ResolveForm, ZpoForm, channel_choices
from documents.models import OutgoingDocument, PostalBook, Receipt, Shipment
from documents.services.dispatch import BOOK_KIND_OF_CHANNEL, document_dispatch, shipment_to_paper
from documents.services.postal_book import book_add, book_close, book_csv, book_pdf
from documents.services.receipts import receipt_resolve, zpo_register

DISPATCH = "documents.dispatch_mail"
RECEIPTS = "documents.register_receipt"


def _error(request, exc: ApplicationError, form=None) -> None:
    messages.error(request, exc.message)
    if form is not None:
        for field, errors in exc.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)


def _read_upload(upload) -> bytes | None:
    """The uploaded bytes, bounded (one byte over the limit is enough for the service to refuse)."""
    if not upload:
        return None
    limit = getattr(settings, "DOCUMENTS_MAX_SCAN_BYTES", 10 * 1024 * 1024)
    return upload.read(limit + 1)


class DispatchDeskView(BackOfficeView):
    permission_required = DISPATCH

    def get(self, request):
        signed = (
            OutgoingDocument.objects.filter(status=OutgoingDocument.Status.SIGNED)
            .select_related("case")
            .prefetch_related("recipients", "shipments")
            .order_by("signed_at", "pk")
        )
        waiting = (
            Shipment.objects.filter(status=Shipment.Status.PENDING, channel__in=list(BOOK_KIND_OF_CHANNEL))
            .select_related("document__case", "party")
            .order_by("year", "number")
        )
        failed = Shipment.objects.filter(status=Shipment.Status.FAILED).select_related("document", "party")
        today = timezone.localdate()
        books = PostalBook.objects.filter(day=today).order_by("kind")
        return render(
            request,
            "documents/dispatch/desk.html",
            {
                "signed": signed,
                "waiting": waiting,
                "failed": failed,
                "books": books,
                "today": today,
                "channel_choices": channel_choices(),
                "book_form": BookAddForm(),
            },
        )


class DocumentDispatchView(BackOfficeView):
    permission_required = DISPATCH

    def post(self, request, pk: int):
        document = get_object_or_404(OutgoingDocument, pk=pk)
        channels = {
            key.removeprefix("channel_"): value
            for key, value in request.POST.items()
            if key.startswith("channel_") and value
        }
        try:
            shipments = document_dispatch(actor=request.user, document=document, channels=channels)
        except ApplicationError as exc:
            _error(request, exc)
        else:
            n = len(shipments)
            messages.success(
                request, ngettext("Dispatched: %(n)s shipment.", "Dispatched: %(n)s shipments.", n) % {"n": n}
            )
        return redirect("documents:dispatch-desk")


class ShipmentBookView(BackOfficeView):
    permission_required = DISPATCH

    def post(self, request, pk: int):
        shipment = get_object_or_404(Shipment, pk=pk)
        form = BookAddForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The data contain errors."))
            return redirect("documents:dispatch-desk")
        try:
            book_add(
                actor=request.user,
                shipment=shipment,
                kind=form.cleaned_data["kind"],
                registered=form.cleaned_data["registered"],
                registered_number=form.cleaned_data["registered_number"],
            )
        except ApplicationError as exc:
            _error(request, exc)
            for errors in exc.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            messages.success(request, _("Entered in the dispatch book."))
        return redirect("documents:dispatch-desk")


class ShipmentToPaperView(BackOfficeView):
    permission_required = DISPATCH

    def post(self, request, pk: int):
        shipment = get_object_or_404(Shipment, pk=pk)
        try:
            shipment_to_paper(actor=request.user, shipment=shipment)
        except ApplicationError as exc:
            _error(request, exc)
        return redirect("documents:dispatch-desk")


class BookListView(BackOfficeView):
    permission_required = DISPATCH

    def get(self, request):
        page = Paginator(PostalBook.objects.order_by("-day", "kind"), 50).get_page(request.GET.get("page"))
        return render(request, "documents/dispatch/book_list.html", {"page": page})


class BookDetailView(BackOfficeView):
    permission_required = DISPATCH

    def get(self, request, pk: int):
        book = get_object_or_404(PostalBook, pk=pk)
        from documents.services.postal_book import _money, book_rows, book_total

        rows = book_rows(book)
        return render(
            request,
            "documents/dispatch/book_detail.html",
            {"book": book, "rows": rows, "total": _money(book_total(rows))},
        )


class BookCloseView(BackOfficeView):
    permission_required = DISPATCH

    def post(self, request, pk: int):
        book = get_object_or_404(PostalBook, pk=pk)
        try:
            book_close(actor=request.user, book=book)
        except ApplicationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The dispatch book is closed."))
        return redirect("documents:book-detail", pk=book.pk)


class BookFileView(BackOfficeView):
    permission_required = DISPATCH

    def get(self, request, pk: int, fmt: str):
        book = get_object_or_404(PostalBook, pk=pk)
        name = f"{book.kind}-{book.day:%Y-%m-%d}"
        if fmt == "pdf":
            response = HttpResponse(book_pdf(book), content_type="application/pdf")
        elif fmt == "csv":
            response = HttpResponse(book_csv(book), content_type="text/csv; charset=utf-8")
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response


class RegisterListView(BackOfficeView):
    permission_required = DISPATCH

    def get(self, request):
        form = RegisterFilterForm(request.GET or None)
        qs = Shipment.objects.select_related("document__case", "party").order_by("-year", "-number")
        if form.is_valid():
            data = form.cleaned_data
            if data["year"]:
                qs = qs.filter(year=data["year"])
            if data["channel"]:
                qs = qs.filter(channel=data["channel"])
            if data["status"]:
                qs = qs.filter(status=data["status"])
            if data["q"]:
                q = data["q"].strip()
                qs = qs.filter(Q(address_text__icontains=q) | Q(registered_number__iexact=q.replace(" ", "")))
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        return render(request, "documents/dispatch/register.html", {"form": form, "page": page})


class ReceiptListView(BackOfficeView):
    permission_required = RECEIPTS

    def get(self, request):
        status = request.GET.get("status", Receipt.Status.QUARANTINED)
        qs = Receipt.objects.select_related("shipment__document").order_by("-created_at")
        if status in Receipt.Status.values:
            qs = qs.filter(status=status)
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        return render(
            request,
            "documents/dispatch/receipt_list.html",
            {"page": page, "status": status, "statuses": Receipt.Status.choices},
        )


class ZpoCreateView(BackOfficeView):
    permission_required = RECEIPTS

    def get(self, request):
        return render(request, "documents/dispatch/zpo_form.html", {"form": ZpoForm()})

    def post(self, request):
        form = ZpoForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            shipment = Shipment.objects.filter(pk=data["shipment"]).first() if data["shipment"] else None
            try:
                receipt = zpo_register(
                    actor=request.user,
                    shipment=shipment,
                    registered_number=data["registered_number"],
                    manner=data["manner"],
                    delivered_on=data["delivered_on"],
                    first_notice_on=data["first_notice_on"],
                    second_notice_on=data["second_notice_on"],
                    scan=_read_upload(data["scan"]),
                )
            except ApplicationError as exc:
                _error(request, exc, form)
            else:
                if receipt.status == Receipt.Status.QUARANTINED:
                    messages.warning(request, _("Unknown registered number: the receipt is in quarantine."))
                else:
                    messages.success(request, _("The receipt is registered."))
                return redirect("documents:receipt-zpo")
        return render(request, "documents/dispatch/zpo_form.html", {"form": form}, status=400)


class ZpoDeemedView(BackOfficeView):
    """HTMX: the deemed delivery date computed from the first notice, shown while the clerk types."""

    permission_required = RECEIPTS

    def get(self, request):
        form = ZpoForm(request.GET)
        form.is_valid()
        first = form.cleaned_data.get("first_notice_on") if hasattr(form, "cleaned_data") else None
        context = {}
        if first:
            second = form.cleaned_data.get("second_notice_on") or second_notice_date(first)
            context = {"first": first, "second": second, "deemed": deemed_delivery_date(first)}
        return render(request, "documents/dispatch/_deemed.html", context)


class ReceiptResolveView(BackOfficeView):
    permission_required = RECEIPTS

    def _receipt(self, pk):
        return get_object_or_404(Receipt, pk=pk, status=Receipt.Status.QUARANTINED)

    def get(self, request, pk: int):
        return render(
            request, "documents/dispatch/receipt_resolve.html", {"receipt": self._receipt(pk), "form": ResolveForm()}
        )

    def post(self, request, pk: int):
        receipt = self._receipt(pk)
        form = ResolveForm(request.POST)
        if form.is_valid():
            shipment = None
            number = form.cleaned_data["shipment_number"].strip()
            try:
                if number:
                    shipment = _shipment_by_number(number)
                receipt_resolve(
                    actor=request.user,
                    receipt=receipt,
                    shipment=shipment,
                    discard_reason=form.cleaned_data["discard_reason"],
                )
            except ApplicationError as exc:
                _error(request, exc, form)
            else:
                messages.success(request, _("The receipt is resolved."))
                return redirect("documents:receipt-list")
        return render(
            request, "documents/dispatch/receipt_resolve.html", {"receipt": receipt, "form": form}, status=400
        )


def _shipment_by_number(text: str) -> Shipment:
    try:
        number, year = (int(part) for part in text.split("/", 1))
    except ValueError:
        number, year = 0, 0
    shipment = Shipment.objects.filter(number=number, year=year).first()
    if shipment is None:
        raise ServiceValidationError(
            _("The data contain errors."),
            errors={"shipment_number": [_("No shipment %(number)s in the outgoing register.") % {"number": text}]},
        )
    return shipment


urlpatterns = [
    path("dispatch/", DispatchDeskView.as_view(), name="dispatch-desk"),
    path("dispatch/documents/<int:pk>/send/", DocumentDispatchView.as_view(), name="document-dispatch"),
    path("dispatch/shipments/<int:pk>/book/", ShipmentBookView.as_view(), name="shipment-book"),
    path("dispatch/shipments/<int:pk>/to-paper/", ShipmentToPaperView.as_view(), name="shipment-to-paper"),
    path("dispatch/register/", RegisterListView.as_view(), name="outgoing-register"),
    path("dispatch/books/", BookListView.as_view(), name="book-list"),
    path("dispatch/books/<int:pk>/", BookDetailView.as_view(), name="book-detail"),
    path("dispatch/books/<int:pk>/close/", BookCloseView.as_view(), name="book-close"),
    path("dispatch/books/<int:pk>/<str:fmt>/", BookFileView.as_view(), name="book-file"),
    path("receipts/", ReceiptListView.as_view(), name="receipt-list"),
    path("receipts/zpo/", ZpoCreateView.as_view(), name="receipt-zpo"),
    path("receipts/zpo/deemed/", ZpoDeemedView.as_view(), name="receipt-zpo-deemed"),
    path("receipts/<int:pk>/resolve/", ReceiptResolveView.as_view(), name="receipt-resolve"),
]
