"""Placeholder: the nap report kind is being written (issue 14)."""
