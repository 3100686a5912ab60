"""Forms of the inbox area (dekretacja, supervision, reports). They only collect input; services apply the rules."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.models import OrgUnit
from documents.models import Priority
from documents.services.reports import DEFAULT_HORIZON, MAX_HORIZON


def _user_label(user) -> str:
    unit = f" ({user.org_unit.symbol})" if user.org_unit_id else ""
    return f"{user.display_name}{unit}"


class _ServiceErrorsMixin:
    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class _AssignFields(forms.Form):
    instruction = forms.CharField(
        label=_("Instruction"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline = forms.DateField(label=_("Deadline"), required=False, help_text=_("dd.mm.yyyy"))


class AssignUnitForm(_ServiceErrorsMixin, _AssignFields):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.filter(is_active=True))

    field_order = ["unit", "instruction", "deadline"]


class ClerkChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _user_label(obj)


class AssignClerkForm(_ServiceErrorsMixin, _AssignFields):
    clerk = ClerkChoiceField(label=_("Clerk"), queryset=get_user_model().objects.none())

    field_order = ["clerk", "instruction", "deadline"]

    def __init__(self, *args, clerks=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clerks is not None:
            self.fields["clerk"].queryset = clerks


class ReassignCaseForm(_ServiceErrorsMixin, forms.Form):
    clerk = ClerkChoiceField(label=_("New clerk"), queryset=get_user_model().objects.none())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args, clerks=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clerks is not None:
            self.fields["clerk"].queryset = clerks


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)


class QueueFilterForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), required=False, queryset=OrgUnit.objects.none())
    clerk = ClerkChoiceField(label=_("Clerk"), required=False, queryset=get_user_model().objects.none())

    def __init__(self, *args, units=None, clerks=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
        if clerks is not None:
            self.fields["clerk"].queryset = clerks


class DeadlineReportForm(QueueFilterForm):
    day = forms.DateField(label=_("Day"), required=False, help_text=_("dd.mm.yyyy; default: today"))
    days = forms.IntegerField(
        label=_("Due within (working days)"),
        required=False,
        min_value=0,
        max_value=MAX_HORIZON,
        initial=DEFAULT_HORIZON,
    )
