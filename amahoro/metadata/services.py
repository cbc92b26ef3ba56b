"""Writes of the metadata app: category option combos generated from their combos, and the checks shared
by every writer of metadata (codes, names, combo sizes, expressions over data elements). The DHIS2
metadata import is in `importer.py`."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import Conflict, PermissionDenied, ValidationFailed
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import expressions
from .models import (
    DEFAULT_COMBO_CODE,
    AggregationType,
    Category,
    CategoryCombo,
    CategoryComboMembership,
    CategoryOption,
    CategoryOptionCombo,
    CategoryOptionMembership,
    DataElement,
)

# Metadata codes appear in expressions (`#{DE.COC}`) and in option combo codes (`F_15_24`): no dots.
METADATA_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$")
# Framework, node and indicator codes may hold dots (`P2.O1`) and appear in URLs.
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")
COC_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$")
MAX_COMBO_CELLS = 10_000


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def check_code(code: Any, *, field: str = "code", pattern: re.Pattern[str] = CODE_RE) -> str:
    text = str(code or "").strip()
    if not pattern.match(text):
        allowed = "letters, digits, '_', '-'" + (", '.'" if "." in pattern.pattern else "")
        limit = 200 if pattern is COC_CODE_RE else 50
        raise ValidationFailed(
            f"invalid code '{text[:60]}': use 1-{limit} {allowed}, starting with a letter or digit",
            field=field,
        )
    return text


def check_name(name: Any, *, field: str = "name", required: bool = True, max_length: int = 300) -> str:
    text = str(name or "").strip()
    if required and not text:
        raise ValidationFailed(f"{field} is required", field=field)
    if len(text) > max_length:
        raise ValidationFailed(f"{field} is longer than {max_length} characters", field=field)
    return text


# ---------------------------------------------------------------------------------------------------------
# Category option combos


def default_combo() -> CategoryCombo:
    """The default category combo with its one option combo `default` (a data migration creates them;
    this puts them back, e.g. after a test flushed the tables)."""
    combo, _ = CategoryCombo.objects.get_or_create(code=DEFAULT_COMBO_CODE, defaults={"name": "default"})
    CategoryOptionCombo.objects.get_or_create(
        combo=combo, code=DEFAULT_COMBO_CODE, defaults={"name": "default", "option_key": DEFAULT_COMBO_CODE}
    )
    return combo


@dataclass
class ComboResult:
    created: int = 0
    updated: int = 0
    removed: int = 0


def combo_cells(option_counts: list[int]) -> int:
    return math.prod(option_counts) if option_counts else 0


def check_combo_size(code: str, option_counts: list[int]) -> None:
    cells = combo_cells(option_counts)
    if cells > MAX_COMBO_CELLS:
        shape = " x ".join(str(n) for n in option_counts)
        raise ValidationFailed(
            f"category combo '{code}' would have {cells:,} option combos ({shape}); the limit is "
            f"{MAX_COMBO_CELLS:,}: split it into smaller combos or use fewer options",
            field="categories",
        )


@transaction.atomic
def option_combos_generate(*, actor: Actor, combo: CategoryCombo) -> ComboResult:
    """(Re)build a combo's option combos: the cartesian product of its categories' options, in category
    order. Existing cells keep their code and uid; cells no longer possible are removed unless data refers
    to them (then Conflict). Only this combo is touched, so combos never explode into each other."""
    policy.check_actor(actor)
    result = ComboResult()
    if combo.code == DEFAULT_COMBO_CODE:
        default_combo()
        return result
    memberships = list(
        CategoryComboMembership.objects.filter(combo=combo)
        .select_related("category")
        .order_by("sort_order", "id")
    )
    if not memberships:
        raise ValidationFailed(f"category combo '{combo.code}' has no categories", field="categories")
    option_lists = []
    for m in memberships:
        opts = [
            om.option
            for om in CategoryOptionMembership.objects.filter(category=m.category)
            .select_related("option")
            .order_by("sort_order", "id")
        ]
        if not opts:
            raise ValidationFailed(f"category '{m.category.code}' has no options", field="categoryOptions")
        option_lists.append(opts)
    check_combo_size(combo.code, [len(o) for o in option_lists])

    existing = {coc.option_key: coc for coc in CategoryOptionCombo.objects.filter(combo=combo)}
    wanted: dict[str, tuple[str, str, list[Any]]] = {}
    for cell in itertools.product(*option_lists):
        key = "|".join(o.code for o in cell)
        wanted[key] = ("_".join(o.code for o in cell), ", ".join(o.name for o in cell), list(cell))

    stale = [coc for key, coc in existing.items() if key not in wanted]
    if stale:
        _remove_option_combos(combo, stale)
        result.removed = len(stale)
    taken = {coc.code for key, coc in existing.items() if key in wanted}
    to_create: list[CategoryOptionCombo] = []
    for key, (code, name, _options) in wanted.items():
        coc = existing.get(key)
        if coc is None:
            if code in taken:
                raise ValidationFailed(
                    f"category combo '{combo.code}': two option combos would both be coded '{code}'; "
                    "rename an option so option codes joined with '_' stay unique",
                    field="categoryOptions",
                )
            taken.add(code)
            to_create.append(
                CategoryOptionCombo(
                    combo=combo, code=code, name=name[:400], option_key=key, created_by=_user(actor)
                )
            )
        elif coc.name != name[:400]:
            coc.name = name[:400]
            coc.save(update_fields=["name", "updated_at"])
            result.updated += 1
    if to_create:
        created = CategoryOptionCombo.objects.bulk_create(to_create, batch_size=1000)
        if not all(c.pk for c in created):  # backends without RETURNING: read them back
            by_key = {
                c.option_key: c
                for c in CategoryOptionCombo.objects.filter(
                    combo=combo, option_key__in=[c.option_key for c in to_create]
                )
            }
            created = [by_key[c.option_key] for c in to_create]
        through = CategoryOptionCombo.options.through
        links = [
            through(categoryoptioncombo_id=c.pk, categoryoption_id=o.pk)
            for c in created
            for o in wanted[c.option_key][2]
        ]
        through.objects.bulk_create(links, batch_size=2000)
        result.created = len(created)
    if result.created or result.removed:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=combo,
            organisation_id=combo.organisation_id,
            changes={"option_combos": {"created": result.created, "removed": result.removed}},
            message="option combos generated",
        )
    return result


def _remove_option_combos(combo: CategoryCombo, stale: list[CategoryOptionCombo]) -> None:
    """Delete cells no longer possible. Data recorded against one (data values, approvals...) holds it by a
    PROTECT foreign key: the delete is refused and nothing is removed."""
    codes = {c.pk: c.code for c in stale}
    try:
        CategoryOptionCombo.objects.filter(pk__in=list(codes)).delete()
    except ProtectedError as exc:
        for obj in sorted(exc.protected_objects, key=lambda o: (o._meta.label, o.pk)):
            used = _referenced_option_combo(obj, codes)
            if used is not None:
                raise Conflict(
                    f"category combo '{combo.code}': option combo '{used}' would be removed but "
                    f"{obj._meta.verbose_name_plural} are recorded against it",
                    field="categories",
                ) from exc
        raise Conflict(
            f"category combo '{combo.code}': an option combo that would be removed is still in use",
            field="categories",
        ) from exc


def _referenced_option_combo(obj: Any, codes: dict[int, str]) -> str | None:
    """The code of the option combo (among `codes`) that `obj` refers to by a foreign key, if any."""
    for f in obj._meta.concrete_fields:
        if f.is_relation and f.related_model is CategoryOptionCombo:
            pk = getattr(obj, f.attname)
            if pk in codes:
                return codes[pk]
    return None


# ---------------------------------------------------------------------------------------------------------
# Expressions over data elements


def check_expression(text: Any, *, field: str, known_elements: dict[str, set[str]] | None = None) -> str:
    """Parse an expression and check its items: data elements by code, option combos of their combo.

    `known_elements` maps data element codes to their option combo codes (defaults to the database)."""
    text = str(text or "").strip()
    try:
        expr = expressions.parse(text)
    except expressions.ExpressionError as exc:
        raise ValidationFailed(f"{field}: {exc}", field=field) from None
    if known_elements is None:
        known_elements = data_element_option_combos(expr.data_element_codes)
    for item in expr.items:
        if item.de not in known_elements:
            raise ValidationFailed(f"{field}: unknown data element '{item.de}' in {item}", field=field)
        if item.coc is not None and item.coc not in known_elements[item.de]:
            raise ValidationFailed(
                f"{field}: '{item.coc}' is not an option combo of data element '{item.de}' in {item}",
                field=field,
            )
    return text


def data_element_option_combos(codes: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    rows = DataElement.objects.filter(code__in=codes).values_list(
        "code", "category_combo__option_combos__code"
    )
    for de_code, coc_code in rows:
        out.setdefault(de_code, set())
        if coc_code:
            out[de_code].add(coc_code)
    return out


# ---------------------------------------------------------------------------------------------------------
# One object at a time (the set-up pages): through the metadata import, so that a page and
# `POST /api/v1/metadata` share every check, the permission rules, option combo generation and the audit.

# Import report properties -> the names of the pages' form fields.
_FIELD_OF = {
    "shortName": "short_name",
    "valueType": "value_type",
    "aggregationType": "aggregation_type",
    "categoryCombo": "category_combo",
    "categoryOptions": "options",
    "zeroIsSignificant": "zero_is_significant",
}


def _import_one(*, actor: Actor, payload: dict[str, Any], organisation: Organisation | None) -> None:
    """Import a small payload; the first error is raised as the matching AmahoroError (nothing written)."""
    from .importer import metadata_import  # the importer builds on this module

    report = metadata_import(actor=actor, payload=payload, organisation=organisation)
    if report.errors:
        first = report.errors[0]
        prop = first.get("property")
        field = _FIELD_OF.get(prop, prop) if isinstance(prop, str) else None
        if first.get("errorCode") == "E3000":
            raise PermissionDenied(first["message"])
        raise ValidationFailed(first["message"], field=field)


def _require_owner(actor: Actor, organisation: Organisation | None, what: str) -> None:
    """None is shared metadata, which only system administrators create (the import would otherwise give
    it the actor's organisation)."""
    if (
        organisation is None
        and not policy.is_system(actor)
        and policy.organisations_with(actor, Perm.FRAMEWORK_MANAGE) is not None
    ):
        raise PermissionDenied(f"only system administrators create shared {what}s")


def _require_new(model: type[Any], code: str, what: str) -> str:
    code = check_code(code, pattern=METADATA_CODE_RE)
    if model.objects.filter(code=code).exists():
        raise ValidationFailed(f"a {what} with code '{code}' already exists", field="code")
    return code


def _data_element_entry(
    *,
    code: str,
    name: str,
    value_type: str,
    aggregation_type: str,
    category_combo: str,
    short_name: str,
    description: str,
    zero_is_significant: bool,
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "shortName": short_name,
        "description": description,
        "valueType": value_type,
        "aggregationType": aggregation_type,
        "categoryCombo": {"code": category_combo or DEFAULT_COMBO_CODE},
        "zeroIsSignificant": zero_is_significant,
    }


def data_element_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    value_type: str,
    aggregation_type: str = AggregationType.SUM,
    category_combo: str = DEFAULT_COMBO_CODE,
    short_name: str = "",
    description: str = "",
    zero_is_significant: bool = False,
    organisation: Organisation | None = None,
) -> DataElement:
    """A new data element, owned by `organisation` (None: shared, system administrators only)."""
    policy.check_actor(actor)
    _require_owner(actor, organisation, "data element")
    code = _require_new(DataElement, code, "data element")
    entry = _data_element_entry(
        code=code,
        name=name,
        value_type=value_type,
        aggregation_type=aggregation_type,
        category_combo=category_combo,
        short_name=short_name,
        description=description,
        zero_is_significant=zero_is_significant,
    )
    _import_one(actor=actor, payload={"dataElements": [entry]}, organisation=organisation)
    return DataElement.objects.get(code=code)


def data_element_update(
    *,
    actor: Actor,
    data_element: DataElement,
    name: str,
    value_type: str,
    aggregation_type: str,
    category_combo: str,
    short_name: str = "",
    description: str = "",
    zero_is_significant: bool = False,
) -> DataElement:
    """Change a data element (its code stays). Its category combo cannot change once values use it."""
    policy.check_actor(actor)
    entry = _data_element_entry(
        code=data_element.code,
        name=name,
        value_type=value_type,
        aggregation_type=aggregation_type,
        category_combo=category_combo,
        short_name=short_name,
        description=description,
        zero_is_significant=zero_is_significant,
    )
    _import_one(actor=actor, payload={"dataElements": [entry]}, organisation=data_element.organisation)
    return DataElement.objects.get(pk=data_element.pk)


def _options_payload(options: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The options to write: new ones and renamed ones. An option that exists unchanged (e.g. the shared
    `F`) is only referred to, so that using someone else's option needs no right to change it."""
    if not options:
        raise ValidationFailed("a category needs at least one option", field="options")
    codes = [check_code(c, field="options", pattern=METADATA_CODE_RE) for c, _ in options]
    if len(set(codes)) != len(codes):
        dup = next(c for c in codes if codes.count(c) > 1)
        raise ValidationFailed(f"option '{dup}' is listed twice", field="options")
    existing = dict(CategoryOption.objects.filter(code__in=codes).values_list("code", "name"))
    out = []
    for code, name in options:
        text = check_name(name, field="options") if name.strip() else existing.get(code, "")
        if not text:
            raise ValidationFailed(f"option '{code}' needs a name", field="options")
        if existing.get(code) != text:
            out.append({"code": code, "name": text})
    return out


def category_create(
    *, actor: Actor, code: str, name: str, options: list[tuple[str, str]], organisation: Organisation | None
) -> Category:
    """A new category (a disaggregation such as Sex) with its options, given as (code, name) in order."""
    policy.check_actor(actor)
    _require_owner(actor, organisation, "category")
    code = _require_new(Category, code, "category")
    payload = {
        "categoryOptions": _options_payload(options),
        "categories": [{"code": code, "name": name, "categoryOptions": [{"code": c} for c, _ in options]}],
    }
    _import_one(actor=actor, payload=payload, organisation=organisation)
    return Category.objects.get(code=code)


def category_update(
    *, actor: Actor, category: Category, name: str, options: list[tuple[str, str]]
) -> Category:
    """Rename a category or change its options; the option combos of every combo using it are generated
    again (refused when data is recorded against a cell that would go)."""
    policy.check_actor(actor)
    payload = {
        "categoryOptions": _options_payload(options),
        "categories": [
            {"code": category.code, "name": name, "categoryOptions": [{"code": c} for c, _ in options]}
        ],
    }
    _import_one(actor=actor, payload=payload, organisation=category.organisation)
    return Category.objects.get(pk=category.pk)


def category_combo_create(
    *, actor: Actor, code: str, name: str, categories: list[str], organisation: Organisation | None
) -> CategoryCombo:
    """A new category combo (Sex x Age group) from categories in order; its option combos are generated."""
    policy.check_actor(actor)
    _require_owner(actor, organisation, "category combo")
    code = _require_new(CategoryCombo, code, "category combo")
    if not categories:
        raise ValidationFailed("choose at least one category", field="categories")
    payload = {
        "categoryCombos": [{"code": code, "name": name, "categories": [{"code": c} for c in categories]}]
    }
    _import_one(actor=actor, payload=payload, organisation=organisation)
    return CategoryCombo.objects.get(code=code)


def category_combo_update(
    *, actor: Actor, combo: CategoryCombo, name: str, categories: list[str]
) -> CategoryCombo:
    policy.check_actor(actor)
    if combo.code == DEFAULT_COMBO_CODE:
        raise ValidationFailed("the default category combo is built in", field="categories")
    if not categories:
        raise ValidationFailed("choose at least one category", field="categories")
    payload = {
        "categoryCombos": [
            {"code": combo.code, "name": name, "categories": [{"code": c} for c in categories]}
        ]
    }
    _import_one(actor=actor, payload=payload, organisation=combo.organisation)
    return CategoryCombo.objects.get(pk=combo.pk)
