"""Forms of the registry desk (RPW): filters, registering a letter with scans, quarantine decisions."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from core.models import OrgUnit, Party
from documents.models import Channel, EmailIntake
from documents.services import files as file_service

MAX_FILES = 20


class EntryFilterForm(forms.Form):
    year = forms.IntegerField(label=_l("year"), required=False, min_value=1990, max_value=2100)
    channel = forms.ChoiceField(label=_l("channel"), required=False, choices=[("", _l("any")), *Channel.choices])
    date_from = forms.DateField(
        label=_l("received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_l("received to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=_l("Search"), required=False, max_length=100)
    unit = forms.ModelChoiceField(label=_l("unit"), required=False, queryset=OrgUnit.objects.all())


class PrintForm(forms.Form):
    date_from = forms.DateField(label=_l("received from"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_l("received to"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", _("The end date is earlier than the start date."))
            elif (end - start).days > 366:
                self.add_error("date_to", _("Print at most one year at a time."))
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class RegisterMailForm(forms.Form):
    """A paper / in-person letter: the sender is an existing party (chosen by search) or typed in (a new party
    pending review); the scans are screened by content and size."""

    channel = forms.ChoiceField(
        label=_l("channel"),
        choices=[(Channel.PAPER, Channel.PAPER.label), (Channel.IN_PERSON, Channel.IN_PERSON.label)],
        initial=Channel.PAPER,
    )
    received_at = forms.DateTimeField(
        label=_l("received at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    sender = forms.ModelChoiceField(
        label=_l("sender"), required=False, queryset=Party.objects.all(), widget=forms.HiddenInput
    )
    sender_kind = forms.ChoiceField(label=_l("new sender: kind"), required=False, choices=Party.Kind.choices)
    sender_first_names = forms.CharField(label=_l("first names"), required=False, max_length=150)
    sender_surname = forms.CharField(label=_l("surname"), required=False, max_length=150)
    sender_name = forms.CharField(label=_l("name of the organisation"), required=False, max_length=300)
    sender_pesel = forms.CharField(label="PESEL", required=False, max_length=11)
    sender_nip = forms.CharField(label="NIP", required=False, max_length=13)
    title = forms.CharField(label=_l("title"), max_length=500)
    letter_date = forms.DateField(
        label=_l("date on the letter"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    letter_reference = forms.CharField(label=_l("reference on the letter"), required=False, max_length=200)
    form_code = forms.CharField(label=_l("form"), required=False, max_length=100)
    remarks = forms.CharField(label=_l("remarks"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=_l("Scans"), required=False)

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value and value > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError(_("The date of receipt cannot be in the future."))
        return value

    def clean_files(self):
        uploads = self.cleaned_data.get("files") or []
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(_("At most %(n)s files at once.") % {"n": MAX_FILES})
        errors, result = [], []
        for upload in uploads:
            if upload.size > file_service.max_file_bytes():
                errors.append(
                    _("The file %(name)s is too large (%(size)s MB; the limit is %(limit)s MB).")
                    % {
                        "name": upload.name,
                        "size": file_service._mb(upload.size),
                        "limit": file_service._mb(file_service.max_file_bytes()),
                    }
                )
                continue
            data = upload.read()
            screening = file_service.screen_file(upload.name, data)
            errors += [p["message"] for p in screening.problems]
            result.append((upload.name, data))
        if errors:
            raise forms.ValidationError(errors)
        return result

    def clean(self):
        data = super().clean()
        if data.get("sender") is None:
            kind = data.get("sender_kind") or Party.Kind.PERSON
            if kind == Party.Kind.PERSON and not data.get("sender_surname"):
                self.add_error("sender_surname", _("Choose a sender from the register or type the new sender's name."))
            if kind == Party.Kind.ORGANISATION and not data.get("sender_name"):
                self.add_error("sender_name", _("Choose a sender from the register or type the new sender's name."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(EmailIntake.Status.RELEASED, _l("release")), (EmailIntake.Status.REFUSED, _l("refuse"))]
    )
    note = forms.CharField(label=_l("note"), required=False, max_length=1000)
