"""Placeholder: the gbv report kind is being written (issue 14)."""
