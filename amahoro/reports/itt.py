"""Placeholder: the itt report kind is being written (issue 14)."""
