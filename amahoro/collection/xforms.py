"""Reading XForms and submission instances: the form's fields (for tables and exports) and a submission's
answers flattened by field name. Every XML document is parsed with defusedxml (no entities, no DTDs)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeAlias
from xml.etree.ElementTree import Element, SubElement, tostring  # building only; parsing is defusedxml

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

XFORMS_NS = "http://www.w3.org/2002/xforms"
H_NS = "http://www.w3.org/1999/xhtml"
ENCRYPTED_NS = "http://www.opendatakit.org/xforms/encrypted"
META_FIELDS = frozenset({"meta"})


class XMLRefused(ValueError):
    """The document is not well-formed XML, or uses entities/DTDs (refused as XXE or expansion)."""


# Deeper than any XForm (html/head/model/instance/data plus nested groups and repeats); the readers below
# recurse over the tree, so a hostile document nested 100,000 deep must stop here.
MAX_XML_DEPTH = 100


def parse_xml(data: bytes | str) -> Element:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise XMLRefused(
            f"XML refused: {exc.__class__.__name__} (DTDs and entities are not allowed)"
        ) from exc
    except SafeET.ParseError as exc:
        raise XMLRefused(f"malformed XML: {exc}") from exc
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_XML_DEPTH:
            raise XMLRefused(f"XML refused: elements nest deeper than {MAX_XML_DEPTH} levels")
        stack.extend((child, depth + 1) for child in element)
    return root


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def md5_hex(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.md5(raw, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class FormField:
    name: str  # the question's name (unique in an XLSForm)
    path: str  # /data/group/name
    type: str  # bind type: string, int, decimal, select1, select, geopoint, date, ...
    repeat: str = ""  # the name of the innermost repeat holding it, "" at top level
    required: bool = False
    choices: tuple[str, ...] = ()  # the option names of a select (with "other" for or_other)


@dataclass
class FormMeta:
    form_id: str
    version: str
    title: str
    public_key: str
    fields: list[FormField] = field(default_factory=list)
    # settings/submission_url: where clients would send finalised records instead of this server.
    submission_url: str = ""
    repeats: list[str] = field(default_factory=list)
    repeat_paths: dict[str, str] = field(default_factory=dict)
    root: str = "data"

    def top_fields(self) -> list[FormField]:
        return [f for f in self.fields if not f.repeat]

    def repeat_fields(self, repeat: str) -> list[FormField]:
        return [f for f in self.fields if f.repeat == repeat]

    def field_named(self, name: str) -> FormField | None:
        return next((f for f in self.fields if f.name == name), None)


def _choices(root: Element, model: Element) -> dict[str, tuple[str, ...]]:
    """{select ref: option names}, from itemsets over secondary instances or inline items."""
    lists: dict[str, tuple[str, ...]] = {}
    for inst in model.iter(f"{{{XFORMS_NS}}}instance"):
        if inst.get("id"):
            lists[inst.get("id", "")] = tuple(
                (item.findtext(f"{{{XFORMS_NS}}}name") or "").strip()
                for item in inst.iter(f"{{{XFORMS_NS}}}item")
            )
    out: dict[str, tuple[str, ...]] = {}
    for el in root.iter():
        if local(el.tag) not in {"select", "select1"} or not el.get("ref"):
            continue
        itemset = el.find(f"{{{XFORMS_NS}}}itemset")
        if itemset is not None:
            nodeset = itemset.get("nodeset", "")
            list_id = nodeset.split("'")[1] if nodeset.startswith("instance('") else ""
            if list_id in lists and "[" not in nodeset:  # a filtered (cascading) list is not checked
                out[el.get("ref", "")] = lists[list_id]
        else:
            values = [
                (i.findtext(f"{{{XFORMS_NS}}}value") or "").strip() for i in el.iter(f"{{{XFORMS_NS}}}item")
            ]
            if values:
                out[el.get("ref", "")] = tuple(values)
    return out


@lru_cache(maxsize=64)
def form_meta(xml: str) -> FormMeta:
    """The form's fields (cached by XML: forms are read on every submission)."""
    root = parse_xml(xml)
    head = root.find(f"{{{H_NS}}}head")
    if head is None:
        raise XMLRefused("not an XForm: no h:head")
    title_el = head.find(f"{{{H_NS}}}title")
    model = head.find(f"{{{XFORMS_NS}}}model")
    if model is None:
        raise XMLRefused("not an XForm: no model")
    primary = model.find(f"{{{XFORMS_NS}}}instance")
    if primary is None or len(primary) == 0:
        raise XMLRefused("not an XForm: no primary instance")
    data = primary[0]
    submission = model.find(f"{{{XFORMS_NS}}}submission")
    public_key = (submission.get("base64RsaPublicKey") or "") if submission is not None else ""
    submission_url = (submission.get("action") or "").strip() if submission is not None else ""
    binds = {b.get("nodeset", ""): b.get("type", "string") for b in model.iter(f"{{{XFORMS_NS}}}bind")}
    required = {
        b.get("nodeset", "") for b in model.iter(f"{{{XFORMS_NS}}}bind") if b.get("required") == "true()"
    }
    choices = _choices(root, model)
    body_selects: dict[str, str] = {}
    for el in root.iter():
        if local(el.tag) in {"select", "select1", "odk:rank"} and el.get("ref"):
            body_selects[el.get("ref", "")] = local(el.tag)
    repeats = {el.get("nodeset", "") for el in root.iter(f"{{{XFORMS_NS}}}repeat") if el.get("nodeset")}
    meta = FormMeta(
        form_id=data.get("id", ""),
        version=data.get("version", ""),
        title=(title_el.text or "") if title_el is not None else "",
        public_key=public_key,
        submission_url=submission_url,
        root=local(data.tag),
    )
    seen: set[str] = set()

    def walk(el: Element, path: str, repeat: str) -> None:
        for child in el:
            name = local(child.tag)
            child_path = f"{path}/{name}"
            if (name in META_FIELDS and path.count("/") == 1) or child_path in seen:
                continue
            seen.add(child_path)
            if child_path in repeats:
                meta.repeats.append(name)
                meta.repeat_paths[name] = child_path
                walk(child, child_path, name)
            elif len(child):
                walk(child, child_path, repeat)
            else:
                kind = body_selects.get(child_path) or binds.get(child_path, "string")
                meta.fields.append(
                    FormField(
                        name=name,
                        path=child_path,
                        type=kind,
                        repeat=repeat,
                        required=child_path in required,
                        choices=choices.get(child_path, ()),
                    )
                )

    walk(data, f"/{local(data.tag)}", "")
    return meta


# Media a form refers to: itext images/audio/video/big-image, external instances (select_one_from_file,
# pulldata, CSV/XML/GeoJSON lookups), each named by its file name in the manifest.
_MEDIA_REF = re.compile(r"jr://(?:images|audio|video|file|file-csv)/([^\s\"'<>]+)")
# select_one_external: an <input query="instance('list')/root/item[...]"> that Collect answers from
# itemsets.csv in the form's media (pyxform makes that file from the external_choices sheet).
ITEMSETS_CSV = "itemsets.csv"


def media_references(xml: str) -> list[str]:
    """The media file names the XForm needs on the device, sorted (what its manifest must offer)."""
    root = parse_xml(xml)
    names: set[str] = set()
    for el in root.iter():
        texts = [el.text or "", *el.attrib.values()]
        for text in texts:
            if "jr://" in text:
                names.update(m.rsplit("/", 1)[-1] for m in _MEDIA_REF.findall(text))
        if local(el.tag) == "input" and el.get("query"):
            names.add(ITEMSETS_CSV)
    names.discard("")
    return sorted(names)


# A submission's answers: {question name: text, or a list of such dicts for a repeat}, as JSON keeps them.
Answers: TypeAlias = dict[str, Any]


@dataclass
class Instance:
    form_id: str
    version: str
    instance_id: str
    deprecated_id: str
    data: Answers
    encrypted: bool = False
    # For encrypted envelopes: the key, the encrypted XML file name, the media files, the signature.
    encrypted_key: str = ""
    encrypted_xml_file: str = ""
    media: list[str] = field(default_factory=list)
    signature: str = ""


def _meta_value(root: Element, name: str) -> str:
    for el in root.iter():
        if local(el.tag) == "meta":
            for child in el:
                if local(child.tag) == name:
                    return (child.text or "").strip()
    return ""


def flatten(el: Element, repeats: set[str], out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Groups flattened to their questions' names; a repeat becomes a list of dicts."""
    out = {} if out is None else out
    for child in el:
        name = local(child.tag)
        if name in META_FIELDS:
            continue
        if child.get("{http://openrosa.org/javarosa}template") is not None:
            continue
        if name in repeats:
            out.setdefault(name, []).append(flatten(child, repeats))
        elif len(child):
            flatten(child, repeats, out)
        else:
            out[name] = (child.text or "").strip()
    return out


def parse_instance(xml: bytes | str, *, repeats: set[str] | None = None) -> Instance:
    root = parse_xml(xml)
    form_id = root.get("id", "")
    if not form_id:
        raise XMLRefused("the submission's root element has no id attribute naming its form")
    instance_id = _meta_value(root, "instanceID")
    if root.get("encrypted", "").lower() == "yes":

        def text(name: str) -> str:
            found = next((e for e in root if local(e.tag) == name), None)
            return (found.text or "").strip() if found is not None else ""

        media = [
            (f.text or "").strip()
            for m in root
            if local(m.tag) == "media"
            for f in m
            if local(f.tag) == "file"
        ]
        return Instance(
            form_id=form_id,
            version=root.get("version", ""),
            instance_id=instance_id,
            deprecated_id="",
            data={},
            encrypted=True,
            encrypted_key=text("base64EncryptedKey"),
            encrypted_xml_file=text("encryptedXmlFile"),
            media=media,
            signature=text("base64EncryptedElementSignature"),
        )
    return Instance(
        form_id=form_id,
        version=root.get("version", ""),
        instance_id=instance_id,
        deprecated_id=_meta_value(root, "deprecatedID"),
        data=flatten(root, repeats or set()),
    )


def build_instance(meta: FormMeta, data: dict[str, Any], *, instance_id: str) -> bytes:
    """Instance XML for answers given by field name (a bulk-imported record), in the form's structure."""
    root = Element(meta.root, {"id": meta.form_id, **({"version": meta.version} if meta.version else {})})

    def place(parent: Element, base: str, fields: list[FormField], answers: dict[str, Any]) -> None:
        nodes: dict[str, Element] = {base: parent}
        for f in fields:
            value = answers.get(f.name)
            if value in (None, ""):
                continue
            rel = f.path[len(base) + 1 :].split("/")
            node, path = parent, base
            for part in rel[:-1]:
                path = f"{path}/{part}"
                if path not in nodes:
                    nodes[path] = SubElement(node, part)
                node = nodes[path]
            SubElement(node, rel[-1]).text = str(value)

    place(root, f"/{meta.root}", meta.top_fields(), data)
    for name, rpath in meta.repeat_paths.items():
        parent_path, _, tag = rpath.rpartition("/")
        for entry in data.get(name) or []:
            holder = root
            for part in parent_path.split("/")[2:]:
                found = holder.find(part)
                holder = found if found is not None else SubElement(holder, part)
            place(SubElement(holder, tag), rpath, meta.repeat_fields(name), entry)
    meta_el = SubElement(root, "meta")
    SubElement(meta_el, "instanceID").text = instance_id
    return b'<?xml version="1.0" encoding="UTF-8"?>' + tostring(root, encoding="unicode").encode()
