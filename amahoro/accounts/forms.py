"""Forms of the sign-in, two-factor and user-management pages. Writes go through accounts.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from amahoro import policy
from amahoro.geo.models import OrgUnit
from amahoro.geo.selectors import CODE_RE, orgunits_visible_to
from amahoro.organisations.models import Organisation
from amahoro.roles import ROLE_LABELS, Perm


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong username or password. Both are case-sensitive."),
        "inactive": _("This account is inactive. Ask your administrator."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "autocorrect": "off"})


class EnrolmentForm(forms.Form):
    enrolment = forms.CharField(
        label=_("Enrolment code from your administrator"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True, "spellcheck": "false"}),
    )

    def clean_enrolment(self) -> str:
        return str(self.cleaned_data["enrolment"]).strip()


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the six digits shown by your authenticator app.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return str(self.cleaned_data["token"]).strip()


class _RoleFields(forms.Form):
    """Organisation + role + place, limited to what the acting user may hand out (the policy decides)."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Organisation"))
    role = forms.ChoiceField(label=_("Role"), choices=())
    org_unit = forms.CharField(
        label=_("Place code"),
        required=False,
        max_length=50,
        help_text=_(
            "NISR code of the place the role covers, with everything below it (e.g. 11 = Nyarugenge). Empty = everywhere."
        ),
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        org_ids = policy.organisations_with(actor, Perm.ROLE_ASSIGN)
        orgs = Organisation.objects.filter(is_active=True)
        if org_ids is not None:
            orgs = orgs.filter(pk__in=org_ids)
        org_field = self.fields["organisation"]
        assert isinstance(org_field, forms.ModelChoiceField)
        org_field.queryset = orgs.order_by("name")
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [(r.value, ROLE_LABELS[r]) for r in policy.assignable_roles(actor)]

    def clean_org_unit(self) -> OrgUnit | None:
        code = (self.cleaned_data.get("org_unit") or "").strip()
        if not code:
            return None
        if not CODE_RE.match(code):
            raise forms.ValidationError(_("“%(code)s” is not a valid place code."), params={"code": code})
        unit = orgunits_visible_to(user=self.actor).filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(
                _("No place with code “%(code)s” that you can see."), params={"code": code}
            )
        return unit


class RoleAssignForm(_RoleFields):
    pass


class UserCreateForm(_RoleFields):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Letters, digits and @ . + - _ only.")},
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    field_order = [
        "username",
        "first_name",
        "last_name",
        "email",
        "password1",
        "password2",
        "organisation",
        "role",
        "org_unit",
    ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class RoleRequestForm(forms.Form):
    """Ask for a role: any active organisation, any role that may be requested, a place by its code."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(is_active=True).order_by("name"), label=_("Organisation")
    )
    role = forms.ChoiceField(label=_("Role"), choices=())
    org_unit = forms.CharField(
        label=_("Place code"),
        required=False,
        max_length=50,
        help_text=_("NISR code of the place where you work (e.g. 12 = Gasabo). Empty = everywhere."),
    )
    reason = forms.CharField(
        label=_("Why you need it"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, roles: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = roles

    def clean_org_unit(self) -> OrgUnit | None:
        code = (self.cleaned_data.get("org_unit") or "").strip()
        if not code:
            return None
        if not CODE_RE.match(code):
            raise forms.ValidationError(_("“%(code)s” is not a valid place code."), params={"code": code})
        # Place names and codes are public (NISR): anyone may name the place they work in.
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(_("No place with code “%(code)s”."), params={"code": code})
        return unit


class RoleRequestDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=1000)
