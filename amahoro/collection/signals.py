"""Signals by which collection tells the apps above it that something happened, without importing them."""

from __future__ import annotations

from django.dispatch import Signal

# A new submission was stored (not a resend of one already received), sent once the transaction commits;
# keyword argument `submission`. The early-warning module turns its forms' submissions into signals.
submission_received = Signal()
