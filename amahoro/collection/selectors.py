"""Reads of forms and submissions; lists start from what the policy lets the user see."""

from __future__ import annotations

from django.db.models import QuerySet

from amahoro import policy
from amahoro.policy import Actor
from amahoro.roles import Perm

from .models import CollectorToken, MappingRule, Submission, XForm


def forms_visible_to(*, user: Actor, perm: Perm = Perm.FORM_VIEW) -> QuerySet[XForm]:
    return policy.visible(user, perm, XForm.objects.select_related("organisation"))


def submissions_visible_to(*, user: Actor) -> QuerySet[Submission]:
    return policy.visible(user, Perm.SUBMISSION_VIEW, Submission.objects.all())


def submissions_for_form(*, form_id: str, user: Actor | None = None) -> QuerySet[Submission]:
    """The current (not replaced by an edit), non-deleted submissions of the form with this form_id.

    With `user`, narrowed to the submissions the policy lets them see (submission.view); without, all of
    them (for services and commands that already checked access).
    """
    qs = Submission.objects.filter(form__form_id=form_id, is_current=True, deleted=False).select_related(
        "form", "org_unit"
    )
    if user is not None:
        qs = policy.visible(user, Perm.SUBMISSION_VIEW, qs)
    return qs


def submission_history(*, submission: Submission) -> list[Submission]:
    """The versions an edit chain went through, newest first (the submission itself included)."""
    chain = [submission]
    seen = {submission.pk}
    current = submission
    while current.deprecated_id:
        prev = Submission.objects.filter(form_id=current.form_id, instance_id=current.deprecated_id).first()
        if prev is None or prev.pk in seen:
            break
        chain.append(prev)
        seen.add(prev.pk)
        current = prev
    return chain


def tokens_visible_to(*, user: Actor) -> QuerySet[CollectorToken]:
    return policy.visible(user, Perm.FORM_MANAGE, CollectorToken.objects.select_related("organisation"))


def rules_visible_to(*, user: Actor, perm: Perm = Perm.FORM_VIEW) -> QuerySet[MappingRule]:
    return policy.visible(user, perm, MappingRule.objects.select_related("form", "data_element"))
