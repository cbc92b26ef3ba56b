"""Fill FormVersion.media_expected for versions uploaded before it existed (read from their XML).

The reading is a frozen copy of `collection.xforms.media_references` as it was when this migration was
written: a migration must not import live code, which may change or disappear later."""

import re
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.db import migrations

MAX_XML_DEPTH = 100
MEDIA_REF = re.compile(r"jr://(?:images|audio|video|file|file-csv)/([^\s\"'<>]+)")
ITEMSETS_CSV = "itemsets.csv"


def _parse(xml: str) -> Element | None:
    """The root element, or None for XML that the upload would have refused (malformed, DTDs, entities,
    nested too deep)."""
    try:
        root = SafeET.fromstring(xml, forbid_dtd=True)
    except (DefusedXmlException, SafeET.ParseError):
        return None
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_XML_DEPTH:
            return None
        stack.extend((child, depth + 1) for child in element)
    return root


def media_references(xml: str) -> list[str] | None:
    root = _parse(xml)
    if root is None:
        return None
    names: set[str] = set()
    for el in root.iter():
        for text in [el.text or "", *el.attrib.values()]:
            if "jr://" in text:
                names.update(m.rsplit("/", 1)[-1] for m in MEDIA_REF.findall(text))
        if el.tag.rsplit("}", 1)[-1] == "input" and el.get("query"):
            names.add(ITEMSETS_CSV)
    names.discard("")
    return sorted(names)


def backfill(apps: Any, schema_editor: Any) -> None:
    FormVersion = apps.get_model("collection", "FormVersion")
    for version in FormVersion.objects.filter(media_expected=[]).only("pk", "xml").iterator():
        names = media_references(version.xml)
        if names:
            FormVersion.objects.filter(pk=version.pk).update(media_expected=names)


class Migration(migrations.Migration):
    dependencies = [("collection", "0003_form_version_media_expected")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
