"""Following a worklist item's link as its reader: the page opens (200) and shows the control to act."""

from __future__ import annotations

from typing import Any

from conftest import assert_page_ok


def action_markers(item: Any) -> list[str]:
    """What the page behind an item must contain for the reader to act on it there."""
    kind = item.kind
    if kind in ("pep", "ec"):  # the countdown, and the form that records the health service given
        return [f'data-kind="{kind}"', 'id="countdowns"']
    if kind in ("referral_waiting", "referral_overdue"):  # the pending referral on the case, to follow up
        return ['data-referral-status="pending"']
    if kind == "closure_returned":
        return ['id="closure-returned"', 'id="closure-form"']
    if kind == "closure_to_approve":
        return ['id="closure-decision"', 'name="decision" value="approve"']
    if kind == "referral_incoming":
        return ['<option value="accept">']
    if kind == "approval":
        return [f'id="approval-{item.object_id}"', 'name="action" value="approve"']
    if kind in ("report_due", "report_late"):
        return ['id="completeness"', 'id="mark-complete"']
    if kind == "role_request":
        return [f'id="request-{item.object_id}"', 'name="decision" value="approve"']
    if kind == "signal_case":
        return ["<form"]
    raise AssertionError(f"no check for worklist items of kind {kind}: add one")


def assert_item_actionable(client: Any, item: Any) -> str:
    """GET the item's link (its fragment dropped, as a browser does); 200, and every action marker there."""
    html = assert_page_ok(client.get(item.link.split("#", 1)[0]))
    for marker in action_markers(item):
        assert marker in html, f"{item.kind} {item.link}: no {marker!r} on the page"
    return html
