"""Forms of the cases screens: they only collect input; documents.services.cases applies the rules."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import OrgUnit
from documents.models import Case, JrwaClass
from documents.services.deadlines import procedure_choices


class _ServiceErrorsMixin:
    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, field_messages in errors.items():
            target = field if field in self.fields else None
            for message in field_messages:
                self.add_error(target, message)


class _JrwaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.symbol} – {obj.title}"


class _UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.symbol} – {obj.name}"


class _UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


def _leaf_classes():
    return JrwaClass.objects.filter(version__is_current=True, is_leaf=True).order_by("symbol")


def _units():
    return OrgUnit.objects.filter(is_active=True).order_by("symbol")


def _clerks():
    return get_user_model().objects.filter(is_active=True, org_unit__isnull=False).order_by("last_name", "username")


class CaseFilterForm(forms.Form):
    unit = _UnitChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none(), required=False)
    jrwa = forms.RegexField(label=_("JRWA class"), regex=r"^[0-9]{1,4}$", required=False, max_length=4)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=_("Status"), choices=[("", "—"), *Case.Status.choices], required=False)
    owner = _UserChoiceField(label=_("Handled by"), queryset=get_user_model().objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()
        self.fields["owner"].queryset = _clerks()


class CaseOpenForm(_ServiceErrorsMixin, forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput, required=False)
    unit = _UnitChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    jrwa = _JrwaChoiceField(label=_("JRWA class"), queryset=JrwaClass.objects.none())
    title = forms.CharField(label=_("Title of the case"), max_length=500)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    owner = _UserChoiceField(
        label=_("Handled by"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("Empty: you. Only the head of the unit may name another clerk."),
    )
    procedure = forms.ChoiceField(
        label=_("Procedure"),
        required=False,
        help_text=_("Empty: the deadline follows the JRWA class."),
    )
    opened_on = forms.DateField(
        label=_("Opened on"),
        required=False,
        help_text=_("dd.mm.yyyy; empty: today. A case opened from a letter is opened today."),
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, help_text=_("Only the head of the unit sets the date by hand.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()
        self.fields["jrwa"].queryset = _leaf_classes()
        self.fields["owner"].queryset = _clerks()
        self.fields["procedure"].choices = [("", "—"), *procedure_choices()]


class CaseTransitionForm(_ServiceErrorsMixin, forms.Form):
    to = forms.ChoiceField(choices=Case.Status.choices, widget=forms.HiddenInput)
    on = forms.DateField(label=_("Date"), required=False, help_text=_("dd.mm.yyyy; empty: today."))
    manner = forms.ChoiceField(
        label=_("Manner of closing"), choices=[("", "—"), *Case.ClosingManner.choices], required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def on_or_today(self):
        return self.cleaned_data.get("on") or timezone.localdate()


class CaseReclassifyForm(_ServiceErrorsMixin, forms.Form):
    jrwa = _JrwaChoiceField(label=_("New JRWA class"), queryset=JrwaClass.objects.none())
    unit = _UnitChoiceField(
        label=_("Unit"), queryset=OrgUnit.objects.none(), required=False, help_text=_("Empty: the same unit.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jrwa"].queryset = _leaf_classes()
        self.fields["unit"].queryset = _units()


class SpisSprawForm(forms.Form):
    unit = _UnitChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    jrwa = _JrwaChoiceField(label=_("JRWA class"), queryset=JrwaClass.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()
        self.fields["jrwa"].queryset = _leaf_classes()
