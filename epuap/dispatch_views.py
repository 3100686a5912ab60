"""Back office of outgoing dispatches: list (filters status, channel), detail with the timeline, evidence downloads."""

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy

from core.views import BackOfficeView
from epuap.models import Dispatch


class DispatchFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("all")), *Dispatch.Status.choices]
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), required=False, choices=[("", gettext_lazy("all")), *Dispatch.Channel.choices]
    )


def dispatches(*, status: str = "", channel: str = ""):
    qs = Dispatch.objects.defer("content", "submission_evidence", "delivery_evidence").select_related("party")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("-created_at", "-id")


class DispatchListView(BackOfficeView):
    permission_required = "epuap.view_dispatch"

    def get(self, request):
        form = DispatchFilterForm(request.GET or None)
        status = channel = ""
        if form.is_valid():
            status, channel = form.cleaned_data["status"], form.cleaned_data["channel"]
        page = Paginator(dispatches(status=status, channel=channel), 25).get_page(request.GET.get("page"))
        return render(request, "epuap/dispatch_list.html", {"form": form, "page": page})


class DispatchDetailView(BackOfficeView):
    permission_required = "epuap.view_dispatch"

    def get(self, request, pk: int):
        dispatch = get_object_or_404(Dispatch.objects.select_related("party", "upd", "created_by"), pk=pk)
        context = {
            "dispatch": dispatch,
            "transitions": dispatch.transitions.all(),
        }
        return render(request, "epuap/dispatch_detail.html", context)


FILES = ("document", "submission", "delivery", "upd")


class DispatchFileView(BackOfficeView):
    """The sent document, the e-Doręczenia evidences (compact JWS) or the UPD — always as attachments."""

    permission_required = "epuap.view_dispatch"

    def get(self, request, pk: int, what: str):
        dispatch = get_object_or_404(Dispatch.objects.select_related("upd"), pk=pk)
        if what == "document":
            data, name = bytes(dispatch.content), dispatch.file_name or f"dispatch-{pk}"
        elif what == "submission" and dispatch.submission_evidence:
            data, name = dispatch.submission_evidence.encode("ascii"), f"dispatch-{pk}-submission.jws"
        elif what == "delivery" and dispatch.delivery_evidence:
            data, name = dispatch.delivery_evidence.encode("ascii"), f"dispatch-{pk}-delivery.jws"
        elif what == "upd" and dispatch.upd_id:
            data, name = bytes(dispatch.upd.content), f"UPD-dispatch-{pk}.xml"
        else:
            raise Http404
        response = HttpResponse(data, content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="{get_valid_filename(name) or f"dispatch-{pk}"}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
