"""Forms of the outgoing documents screens. They only collect input; the services apply the rules."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import Party
from documents.services.templates import template_fields


def approvers_queryset():
    """Active users allowed to approve documents (through a role or directly)."""
    perm = Permission.objects.filter(codename="approve_document", content_type__app_label="documents").first()
    users = get_user_model().objects.filter(is_active=True)
    if perm is None:
        return users.filter(is_superuser=True)
    return (
        users.filter(Q(groups__permissions=perm) | Q(user_permissions=perm) | Q(is_superuser=True))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class _ServiceErrorsMixin:
    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, field_messages in errors.items():
            target = field if field in self.fields else None
            for message in field_messages:
                self.add_error(target, message)


class _UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


def _add_template_fields(form: forms.Form, template, initial: dict | None = None) -> None:
    initial = initial or {}
    for f in template_fields(template):
        widget = forms.Textarea(attrs={"rows": 8 if f.name == "body" else 4}) if f.multiline else None
        form.fields[f"ctx_{f.name}"] = forms.CharField(
            label=f.label, required=f.required, widget=widget, initial=initial.get(f.name, "")
        )


def context_from(form: forms.Form) -> dict:
    return {name[4:]: value for name, value in form.cleaned_data.items() if name.startswith("ctx_")}


class DraftForm(_ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    recipients = forms.ModelMultipleChoiceField(
        label=_("Recipients"), queryset=Party.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, case, template, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = case.parties.all()
        _add_template_fields(self, template)


class VersionForm(_ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    comment = forms.CharField(
        label=_("What was changed"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, template, context: dict, **kwargs):
        super().__init__(*args, **kwargs)
        _add_template_fields(self, template, context)


class ApprovalStartForm(_ServiceErrorsMixin, forms.Form):
    SLOTS = 4

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, self.SLOTS + 1):
            self.fields[f"approver_{i}"] = _UserChoiceField(
                label=_("Approver %(n)s") % {"n": i}, queryset=approvers_queryset(), required=i == 1
            )

    def approvers(self) -> list:
        return [
            self.cleaned_data[f"approver_{i}"]
            for i in range(1, self.SLOTS + 1)
            if self.cleaned_data.get(f"approver_{i}")
        ]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("return", _("Return for correction"))]
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SignForm(forms.Form):
    manner = forms.ChoiceField(
        label=_("Signature"),
        choices=[("xades", _("Electronic seal of the office (XAdES)")), ("paper", _("Signed on paper"))],
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)
