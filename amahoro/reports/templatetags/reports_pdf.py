"""Template filters of the PDF templates: `css_string` (text inside a CSS string, e.g. a running header)."""

from django import template
from django.utils.safestring import SafeString

from amahoro.reports import pdf

register = template.Library()


@register.filter
def css_string(text: object) -> SafeString:
    return pdf.css_string(text)
