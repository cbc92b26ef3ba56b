"""DHIS2-style metadata import (`POST /api/v1/metadata`): category options, categories, category combos,
category option combos (to set their codes) and data elements, created or updated by code; organisation
units are matched to places. Higher apps add their own collections (indicators, data sets) with
`register_collection` from their AppConfig.ready, so this app imports none of them.

The whole payload is one transaction (DHIS2's atomicMode=ALL): when any object has an error nothing is
written, the status is ERROR and the API answers 409 Conflict, as DHIS2 does. Objects skipped by
`importStrategy` (CREATE: already there; UPDATE: not there) make the status WARNING; the others are
imported. Stats: `created`, `updated`, `ignored` (unchanged, skipped, or not written because of errors).

New objects belong to the importing user's organisation (`organisation=`), or are shared when a system
administrator imports without one; changing an object needs framework.manage on it (shared metadata:
system administrators only). Option combos are generated from their combo (see
services.option_combos_generate); a `categoryOptionCombos` entry only renames the generated cell whose
options it lists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Model

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record, diff
from amahoro.core.errors import AmahoroError, PermissionDenied, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import services
from .access import manages_organisation
from .idschemes import (
    DEFAULT_CATEGORY_UID,
    DEFAULT_COC_UID,
    DEFAULT_COMBO_UID,
    DEFAULT_OPTION_UID,
    attribute_values,
)
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
    ValueType,
)

# The collections of this app, in import order; registered ones follow, then organisationUnits.
BUILT_IN = ("categoryOptions", "categories", "categoryCombos", "categoryOptionCombos", "dataElements")
IMPORT_STRATEGIES = ("CREATE_AND_UPDATE", "CREATE", "UPDATE")
UID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")
MAX_OBJECTS = 50_000
LOCALES = {"fr": "name_fr", "rw": "name_rw"}


@dataclass(frozen=True)
class Collection:
    """A metadata collection of a higher app (indicators, data sets), imported after the data elements and
    exported after them, in `order`. `run(importer, payload)` imports the payload's entries through the
    importer's helpers; `export(user=...)` lists what the user may see; `references` names the keys of an
    entry that refer to other collections (key -> (collection, single)), resolved from DHIS2 uids to codes;
    `normalise(entry)` turns a DHIS2 entry into ours before that."""

    name: str
    order: int
    model: type[Model]
    run: Callable[[MetadataImporter, dict[str, Any]], None]
    export: Callable[..., list[dict[str, Any]]]
    references: Mapping[str, tuple[str, bool]] = field(default_factory=dict)
    normalise: Callable[[dict[str, Any]], dict[str, Any]] | None = None


_REGISTERED: dict[str, Collection] = {}


def register_collection(collection: Collection) -> None:
    """Called from a higher app's AppConfig.ready."""
    _REGISTERED[collection.name] = collection


def registered_collections() -> list[Collection]:
    return sorted(_REGISTERED.values(), key=lambda c: (c.order, c.name))


def collection_names() -> tuple[str, ...]:
    """Every collection a payload may hold, in the order the import reads them (organisation units last
    here, though they are matched first)."""
    return (*BUILT_IN, *(c.name for c in registered_collections()), "organisationUnits")


@dataclass
class MetadataReport:
    created: int = 0
    updated: int = 0
    ignored: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.errors:
            return "ERROR"
        return "WARNING" if self.warnings else "OK"

    def count(self, collection: str, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        stats = self.by_type.setdefault(collection, {"created": 0, "updated": 0, "ignored": 0})
        stats[outcome] += 1

    def as_dict(self) -> dict[str, Any]:
        total = self.created + self.updated + self.ignored
        if self.errors:  # nothing was written
            stats = {"created": 0, "updated": 0, "ignored": total, "total": total}
        else:
            stats = {
                "created": self.created,
                "updated": self.updated,
                "ignored": self.ignored,
                "total": total,
            }
        return {
            "status": self.status,
            "stats": stats,
            "errors": self.errors + self.warnings,
            "typeReports": [{"type": k, "stats": v} for k, v in self.by_type.items()],
            "dryRun": self.dry_run,
        } | ({"notes": list(self.notes)} if self.notes else {})


class _Rollback(Exception):
    pass


def ref_code(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("code") or "").strip()
    return str(value or "").strip() if isinstance(value, str) else ""


def ref_codes(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise ValidationFailed('must be a list of {"code": ...} references')
    return [ref_code(v) for v in value]


def translations(entry: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for t in entry.get("translations") or []:
        if isinstance(t, dict) and str(t.get("property", "")).upper() == "NAME":
            locale = str(t.get("locale", ""))[:2].lower()
            if locale in LOCALES:
                out[LOCALES[locale]] = str(t.get("value") or "")[:300]
    return out


# ---------------------------------------------------------------------------------------------------------
# DHIS2 exports: references by {"id": uid}, objects without a code


def _models() -> dict[str, type[Model]]:
    return {
        "categoryOptions": CategoryOption,
        "categories": Category,
        "categoryCombos": CategoryCombo,
        "categoryOptionCombos": CategoryOptionCombo,
        "dataElements": DataElement,
    } | {c.name: c.model for c in registered_collections()}


# (collection, key) -> collection referred to; a list of references unless marked single.
_REFERENCES: dict[tuple[str, str], tuple[str, bool]] = {
    ("categories", "categoryOptions"): ("categoryOptions", False),
    ("categoryCombos", "categories"): ("categories", False),
    ("categoryOptionCombos", "categoryCombo"): ("categoryCombos", True),
    ("categoryOptionCombos", "categoryOptions"): ("categoryOptions", False),
    ("dataElements", "categoryCombo"): ("categoryCombos", True),
}
# Marks an entry whose code was taken from its id (DHIS2 exports often have no codes).
CODE_FROM_ID = "_amahoroCodeFromId"
_DEFAULT_UID_OF = {
    "categoryOptions": DEFAULT_OPTION_UID,
    "categories": DEFAULT_CATEGORY_UID,
    "categoryCombos": DEFAULT_COMBO_UID,
    "categoryOptionCombos": DEFAULT_COC_UID,
}


def dhis2_normalise(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with DHIS2's ways of naming things turned into ours: an object with an `id` but no
    `code` gets the code of the object that has that uid here (or the uid itself, for a new object), and a
    reference `{"id": uid}` becomes `{"code": ...}` for an object of the payload or of the database. DHIS2's
    built-in default objects (uid HllvX50cXC0 and friends) become `default`. Unknown uids stay as they are
    and are reported by the importer as unknown references."""
    models = _models()
    uid_code: dict[str, dict[str, str]] = {c: {} for c in models}
    for collection, model in models.items():
        entries = [e for e in payload.get(collection) or [] if isinstance(e, dict)]
        uids = {str(e["id"]) for e in entries if isinstance(e.get("id"), str) and e.get("id")}
        known = dict(model._default_manager.filter(uid__in=uids).values_list("uid", "code")) if uids else {}
        if collection in _DEFAULT_UID_OF:
            known[_DEFAULT_UID_OF[collection]] = DEFAULT_COMBO_CODE
        for e in entries:
            uid = e.get("id")
            if not isinstance(uid, str) or not uid:
                continue
            code = e.get("code")
            if not (isinstance(code, str) and code.strip()):
                code = known.get(uid, uid)
            uid_code[collection][uid] = str(code).strip()
    references = dict(_REFERENCES)
    normalisers = {}
    for c in registered_collections():
        references |= {(c.name, key): target for key, target in c.references.items()}
        if c.normalise is not None:
            normalisers[c.name] = c.normalise
    out = dict(payload)
    for collection in models:
        raw = payload.get(collection)
        if not isinstance(raw, list):
            continue
        entries = []
        for e in raw:
            if isinstance(e, dict):
                e = dict(e)
                uid = e.get("id")
                if (
                    not (isinstance(e.get("code"), str) and e["code"].strip())
                    and isinstance(uid, str)
                    and uid
                ):
                    e["code"] = uid_code[collection].get(uid, uid)
                    e[CODE_FROM_ID] = True
                if collection in normalisers:
                    e = normalisers[collection](e)
                for (owner, key), (target, single) in references.items():
                    if owner != collection or key not in e:
                        continue
                    e[key] = _resolve_refs(e[key], single, target, uid_code, models)
            entries.append(e)
        out[collection] = entries
    return out


def _resolve_refs(
    value: Any, single: bool, target: str, uid_code: dict[str, dict[str, str]], models: dict[str, type[Model]]
) -> Any:
    refs = [value] if single else value
    if not isinstance(refs, list):
        return value
    wanted = {
        r["id"] for r in refs if isinstance(r, dict) and not r.get("code") and isinstance(r.get("id"), str)
    } - set(uid_code[target])
    if wanted:
        found = dict(models[target]._default_manager.filter(uid__in=wanted).values_list("uid", "code"))
        uid_code[target].update(found)
        default_uid = _DEFAULT_UID_OF.get(target)
        if default_uid:
            uid_code[target].setdefault(default_uid, DEFAULT_COMBO_CODE)
    resolved = []
    for r in refs:
        if isinstance(r, dict) and not r.get("code") and isinstance(r.get("id"), str):
            r = {"code": uid_code[target].get(r["id"], r["id"])}
        resolved.append(r)
    return resolved[0] if single else resolved


class MetadataImporter:
    def __init__(self, *, actor: Actor, strategy: str, owner: Organisation | None, dry_run: bool) -> None:
        self.actor = actor
        self.strategy = strategy
        self.owner = owner
        self.report = MetadataReport(dry_run=dry_run)
        self.changed_categories: dict[int, tuple[str, int, str]] = {}
        self._cells: dict[int, dict[frozenset[str], CategoryOptionCombo]] = {}
        self.touched_combos: dict[int, tuple[str, int, str]] = {}

    # -- bookkeeping

    def error(
        self,
        collection: str,
        index: int,
        code: str,
        message: str,
        *,
        prop: str | None = None,
        error_code: str = "E4000",
    ) -> None:
        entry: dict[str, Any] = {
            "object": f"{collection}[{index}]",
            "code": code or None,
            "message": message,
            "errorCode": error_code,
        }
        if prop:
            entry["property"] = prop
        self.report.errors.append(entry)

    def warn(self, collection: str, index: int, code: str, message: str) -> None:
        self.report.warnings.append(
            {"object": f"{collection}[{index}]", "code": code, "message": message, "errorCode": "W_IGNORED"}
        )

    def may_change(self, obj: Model, label: str) -> None:
        if not policy.can(self.actor, Perm.FRAMEWORK_MANAGE, obj):
            raise PermissionDenied(
                f"{label} '{getattr(obj, 'code', obj.pk)}' exists and you may not change it"
            )

    def may_create(self, label: str) -> None:
        if policy.is_system(self.actor):
            return
        if self.owner is None and not policy.is_system_admin(self.actor):
            raise PermissionDenied(
                f"only system administrators create shared metadata ({label}); pass organisation="
            )
        if self.owner is not None and not manages_organisation(self.actor, self.owner):
            raise PermissionDenied(f"you may not create metadata for organisation '{self.owner.code}'")

    def visible(self, model: type[Model], codes: list[str]) -> dict[str, Any]:
        qs = model._default_manager.filter(code__in=codes)
        if self.actor is not None:
            qs = policy.visible(self.actor, Perm.FRAMEWORK_VIEW, qs)
        return {getattr(o, "code", ""): o for o in qs}

    def strategy_skips(self, collection: str, index: int, code: str, exists: bool) -> bool:
        if self.strategy == "CREATE" and exists:
            self.warn(collection, index, code, f"'{code}' already exists (importStrategy=CREATE)")
            return True
        if self.strategy == "UPDATE" and not exists:
            self.warn(collection, index, code, f"'{code}' does not exist (importStrategy=UPDATE)")
            return True
        return False

    def uid(self, model: type[Model], entry: dict[str, Any], obj: Any) -> str | None:
        uid = entry.get("id")
        if uid in (None, ""):
            return obj.uid if obj is not None else None
        uid = str(uid)
        if not UID_RE.match(uid):
            raise ValidationFailed(
                f"id '{uid[:20]}' is not a DHIS2 uid (11 letters or digits, starting with a letter)",
                field="id",
            )
        clash = model._default_manager.filter(uid=uid).exclude(pk=getattr(obj, "pk", None)).first()
        if clash is not None:
            raise ValidationFailed(
                f"id '{uid}' is already used by '{getattr(clash, 'code', '')}'", field="id"
            )
        return uid

    def save(
        self, collection: str, model: type[Model], obj: Any, fields: dict[str, Any], code: str
    ) -> tuple[Any, str]:
        """Create or update `obj` with `fields`; returns (object, outcome)."""
        if obj is None:
            obj = model._default_manager.create(code=code, created_by=services._user(self.actor), **fields)
            audit_record(
                actor=self.actor,
                action=AuditAction.CREATE,
                obj=obj,
                organisation_id=getattr(obj, "organisation_id", None),
                changes={"code": code, **{k: plain(v) for k, v in fields.items()}},
                message="metadata import",
            )
            return obj, "created"
        before = {k: plain(getattr(obj, k)) for k in fields}
        changes = diff(before, {k: plain(v) for k, v in fields.items()})
        if not changes:
            return obj, "ignored"
        for k, v in fields.items():
            setattr(obj, k, v)
        obj.save()
        audit_record(
            actor=self.actor,
            action=AuditAction.UPDATE,
            obj=obj,
            organisation_id=getattr(obj, "organisation_id", None),
            changes=changes,
            message="metadata import",
        )
        return obj, "updated"

    def entries(self, payload: dict[str, Any], collection: str) -> list[tuple[int, dict[str, Any], str]]:
        raw = payload.get(collection)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.error(collection, 0, "", f"{collection} must be a list", prop=collection, error_code="E4001")
            return []
        seen: set[str] = set()
        out = []
        for i, entry in enumerate(raw):
            if not isinstance(entry, dict):
                self.error(collection, i, "", "each entry must be an object", error_code="E4001")
                self.report.count(collection, "ignored")
                continue
            code = str(entry.get("code") or "").strip()
            if code in seen:
                self.error(
                    collection,
                    i,
                    code,
                    f"code '{code}' appears twice in {collection}",
                    prop="code",
                    error_code="E5003",
                )
                self.report.count(collection, "ignored")
                continue
            if code:
                seen.add(code)
            out.append((i, entry, code))
        return out

    def run(self, collection: str, index: int, code: str, fn: Any, *args: Any, counts: bool = True) -> Any:
        """Run one object's import in a savepoint; an error is recorded (and the object counted ignored)."""
        try:
            with transaction.atomic():
                return fn(*args)
        except AmahoroError as exc:
            self.error(
                collection,
                index,
                code,
                exc.message,
                prop=exc.field,
                error_code="E3000" if isinstance(exc, PermissionDenied) else "E4000",
            )
            if counts:
                self.report.count(collection, "ignored")
            return None

    # -- collections

    def options(self, payload: dict[str, Any]) -> None:
        entries = self.entries(payload, "categoryOptions")
        existing = {o.code: o for o in CategoryOption.objects.filter(code__in=[c for _, _, c in entries])}
        for i, entry, code in entries:
            if code == DEFAULT_COMBO_CODE:
                self.report.count("categoryOptions", "ignored")  # built in
                continue
            self.run("categoryOptions", i, code, self._option, i, entry, code, existing.get(code))

    def _option(self, i: int, entry: dict[str, Any], code: str, obj: CategoryOption | None) -> None:
        services.check_code(code, pattern=services.METADATA_CODE_RE)
        if self.strategy_skips("categoryOptions", i, code, obj is not None):
            self.report.count("categoryOptions", "ignored")
            return
        fields: dict[str, Any] = {
            "name": services.check_name(entry.get("name")),
            "short_name": services.check_name(
                entry.get("shortName", getattr(obj, "short_name", "")),
                field="shortName",
                required=False,
                max_length=50,
            ),
        }
        fields.update(translations(entry))
        fields["uid"] = self.uid(CategoryOption, entry, obj)
        if obj is None:
            self.may_create("category option")
            fields["organisation"] = self.owner
        else:
            self.may_change(obj, "category option")
        saved, outcome = self.save("categoryOptions", CategoryOption, obj, fields, code)
        if outcome == "updated" and obj is not None:
            for category_id in CategoryOptionMembership.objects.filter(option=saved).values_list(
                "category_id", flat=True
            ):
                self.changed_categories.setdefault(category_id, ("categoryOptions", i, code))
        self.report.count("categoryOptions", outcome)

    def categories(self, payload: dict[str, Any]) -> None:
        entries = self.entries(payload, "categories")
        existing = {o.code: o for o in Category.objects.filter(code__in=[c for _, _, c in entries])}
        for i, entry, code in entries:
            if code == DEFAULT_COMBO_CODE:
                self.report.count("categories", "ignored")  # built in
                continue
            self.run("categories", i, code, self._category, i, entry, code, existing.get(code))

    def _category(self, i: int, entry: dict[str, Any], code: str, obj: Category | None) -> None:
        services.check_code(code, pattern=services.METADATA_CODE_RE)
        if self.strategy_skips("categories", i, code, obj is not None):
            self.report.count("categories", "ignored")
            return
        try:
            option_codes = ref_codes(entry.get("categoryOptions"))
        except ValidationFailed as exc:
            raise ValidationFailed(f"categoryOptions {exc.message}", field="categoryOptions") from None
        if obj is None and not option_codes:
            raise ValidationFailed("a category needs categoryOptions", field="categoryOptions")
        fields: dict[str, Any] = {
            "name": services.check_name(entry.get("name")),
            **translations(entry),
            "uid": self.uid(Category, entry, obj),
        }
        if obj is None:
            self.may_create("category")
            fields["organisation"] = self.owner
        else:
            self.may_change(obj, "category")
        saved, outcome = self.save("categories", Category, obj, fields, code)
        if option_codes is not None:
            if len(set(option_codes)) != len(option_codes):
                raise ValidationFailed("categoryOptions lists an option twice", field="categoryOptions")
            options = self.visible(CategoryOption, option_codes)
            missing = [c for c in option_codes if c not in options]
            if missing:
                raise ValidationFailed(f"unknown category option '{missing[0]}'", field="categoryOptions")
            current = list(
                CategoryOptionMembership.objects.filter(category=saved)
                .order_by("sort_order", "id")
                .values_list("option__code", flat=True)
            )
            if current != option_codes:
                CategoryOptionMembership.objects.filter(category=saved).delete()
                CategoryOptionMembership.objects.bulk_create(
                    [
                        CategoryOptionMembership(category=saved, option=options[c], sort_order=n)
                        for n, c in enumerate(option_codes)
                    ]
                )
                self.changed_categories[saved.pk] = ("categories", i, code)
                if outcome == "ignored":
                    outcome = "updated"
                    audit_record(
                        actor=self.actor,
                        action=AuditAction.UPDATE,
                        obj=saved,
                        organisation_id=saved.organisation_id,
                        changes={"categoryOptions": [current, option_codes]},
                        message="metadata import",
                    )
        self.report.count("categories", outcome)

    def combos(self, payload: dict[str, Any]) -> None:
        entries = self.entries(payload, "categoryCombos")
        existing = {o.code: o for o in CategoryCombo.objects.filter(code__in=[c for _, _, c in entries])}
        for i, entry, code in entries:
            if code == DEFAULT_COMBO_CODE:
                self.report.count("categoryCombos", "ignored")  # built in
                continue
            self.run("categoryCombos", i, code, self._combo, i, entry, code, existing.get(code))
        # Combos whose categories changed elsewhere in this payload get their cells rebuilt too.
        for m in CategoryComboMembership.objects.filter(
            category_id__in=list(self.changed_categories)
        ).select_related("combo"):
            if m.combo_id not in self.touched_combos and m.combo.code != DEFAULT_COMBO_CODE:
                self.touched_combos[m.combo_id] = self.changed_categories[m.category_id]
        for combo_id, (collection, index, code) in self.touched_combos.items():
            combo = CategoryCombo.objects.filter(pk=combo_id).first()
            if combo is None:  # its own entry failed and was rolled back
                continue
            self.run(
                collection,
                index,
                code,
                lambda c=combo: services.option_combos_generate(actor=self.actor, combo=c),
                counts=False,
            )

    def _combo(self, i: int, entry: dict[str, Any], code: str, obj: CategoryCombo | None) -> None:
        services.check_code(code, pattern=services.METADATA_CODE_RE)
        if self.strategy_skips("categoryCombos", i, code, obj is not None):
            self.report.count("categoryCombos", "ignored")
            return
        try:
            category_codes = ref_codes(entry.get("categories"))
        except ValidationFailed as exc:
            raise ValidationFailed(f"categories {exc.message}", field="categories") from None
        if obj is None and not category_codes:
            raise ValidationFailed("a category combo needs categories", field="categories")
        fields: dict[str, Any] = {
            "name": services.check_name(entry.get("name")),
            **translations(entry),
            "uid": self.uid(CategoryCombo, entry, obj),
        }
        if obj is None:
            self.may_create("category combo")
            fields["organisation"] = self.owner
        else:
            self.may_change(obj, "category combo")
        saved, outcome = self.save("categoryCombos", CategoryCombo, obj, fields, code)
        if obj is None:
            self.touched_combos[saved.pk] = ("categoryCombos", i, code)
        if category_codes is not None:
            if len(set(category_codes)) != len(category_codes):
                raise ValidationFailed("categories lists a category twice", field="categories")
            categories = self.visible(Category, category_codes)
            missing = [c for c in category_codes if c not in categories]
            if missing:
                raise ValidationFailed(f"unknown category '{missing[0]}'", field="categories")
            counts = [
                CategoryOptionMembership.objects.filter(category=categories[c]).count()
                for c in category_codes
            ]
            services.check_combo_size(code, counts)
            current = list(
                CategoryComboMembership.objects.filter(combo=saved)
                .order_by("sort_order", "id")
                .values_list("category__code", flat=True)
            )
            if current != category_codes:
                CategoryComboMembership.objects.filter(combo=saved).delete()
                CategoryComboMembership.objects.bulk_create(
                    [
                        CategoryComboMembership(combo=saved, category=categories[c], sort_order=n)
                        for n, c in enumerate(category_codes)
                    ]
                )
                self.touched_combos[saved.pk] = ("categoryCombos", i, code)
                if outcome == "ignored":
                    outcome = "updated"
                    audit_record(
                        actor=self.actor,
                        action=AuditAction.UPDATE,
                        obj=saved,
                        organisation_id=saved.organisation_id,
                        changes={"categories": [current, category_codes]},
                        message="metadata import",
                    )
        self.report.count("categoryCombos", outcome)

    def option_combos(self, payload: dict[str, Any]) -> None:
        for i, entry, code in self.entries(payload, "categoryOptionCombos"):
            if code == DEFAULT_COMBO_CODE:
                self.report.count("categoryOptionCombos", "ignored")
                continue
            self.run("categoryOptionCombos", i, code, self._option_combo, i, entry, code)

    def _option_combo(self, i: int, entry: dict[str, Any], code: str) -> None:
        services.check_code(code, pattern=services.COC_CODE_RE)
        combo_code = ref_code(entry.get("categoryCombo"))
        combo = self.visible(CategoryCombo, [combo_code]).get(combo_code)
        if combo is None:
            raise ValidationFailed(f"unknown category combo '{combo_code}'", field="categoryCombo")
        try:
            option_codes = ref_codes(entry.get("categoryOptions")) or []
        except ValidationFailed as exc:
            raise ValidationFailed(f"categoryOptions {exc.message}", field="categoryOptions") from None
        # The cell is found by its options, whatever order they are listed in.
        wanted = frozenset(option_codes)
        if combo.pk not in self._cells:
            self._cells[combo.pk] = {
                frozenset(c.option_key.split("|")): c for c in CategoryOptionCombo.objects.filter(combo=combo)
            }
        coc = self._cells[combo.pk].get(wanted)
        if coc is None:
            raise ValidationFailed(
                f"no option combo of '{combo_code}' has the options {', '.join(sorted(wanted)) or '(none)'}",
                field="categoryOptions",
            )
        if entry.get(CODE_FROM_ID):
            code = coc.code  # a DHIS2 export without codes: record the uid, keep the generated code
        if self.strategy == "CREATE":
            self.warn(
                "categoryOptionCombos",
                i,
                code,
                "option combos are generated; importStrategy=CREATE leaves their codes",
            )
            self.report.count("categoryOptionCombos", "ignored")
            return
        self.may_change(coc, "category option combo")
        clash = CategoryOptionCombo.objects.filter(combo=combo, code=code).exclude(pk=coc.pk).first()
        if clash is not None:
            raise ValidationFailed(
                f"code '{code}' is already used by another option combo of '{combo_code}'", field="code"
            )
        fields: dict[str, Any] = {"code": code, "uid": self.uid(CategoryOptionCombo, entry, coc)}
        attrs = attribute_values(entry)
        if attrs is not None:
            fields["attribute_values"] = attrs
        if entry.get("name"):
            fields["name"] = services.check_name(entry.get("name"), max_length=400)
        before = {k: getattr(coc, k) for k in fields}
        changes = diff(before, fields)
        if not changes:
            self.report.count("categoryOptionCombos", "ignored")
            return
        for k, v in fields.items():
            setattr(coc, k, v)
        coc.save()
        audit_record(
            actor=self.actor,
            action=AuditAction.UPDATE,
            obj=coc,
            organisation_id=combo.organisation_id,
            changes=changes,
            message="metadata import",
        )
        self.report.count("categoryOptionCombos", "updated")

    def data_elements(self, payload: dict[str, Any]) -> None:
        entries = self.entries(payload, "dataElements")
        existing = {o.code: o for o in DataElement.objects.filter(code__in=[c for _, _, c in entries])}
        for i, entry, code in entries:
            self.run("dataElements", i, code, self._data_element, i, entry, code, existing.get(code))

    def _data_element(self, i: int, entry: dict[str, Any], code: str, obj: DataElement | None) -> None:
        services.check_code(code, pattern=services.METADATA_CODE_RE)
        if self.strategy_skips("dataElements", i, code, obj is not None):
            self.report.count("dataElements", "ignored")
            return
        fields: dict[str, Any] = {
            "name": services.check_name(entry.get("name")),
            **translations(entry),
            "uid": self.uid(DataElement, entry, obj),
        }
        if "shortName" in entry:
            fields["short_name"] = services.check_name(
                entry.get("shortName"), field="shortName", required=False, max_length=100
            )
        if "description" in entry:
            fields["description"] = str(entry.get("description") or "")
        value_type = entry.get("valueType")
        if value_type is None and obj is None:
            raise ValidationFailed(
                f"valueType is required (one of: {', '.join(ValueType.values)})", field="valueType"
            )
        if value_type is not None:
            if value_type not in ValueType.values:
                raise ValidationFailed(
                    f"unknown valueType '{value_type}' (one of: {', '.join(ValueType.values)})",
                    field="valueType",
                )
            fields["value_type"] = value_type
        agg = entry.get("aggregationType")
        if agg is not None:
            if agg not in AggregationType.values:
                raise ValidationFailed(
                    f"unsupported aggregationType '{agg}' (one of: {', '.join(AggregationType.values)})",
                    field="aggregationType",
                )
            fields["aggregation_type"] = agg
        if "zeroIsSignificant" in entry:
            fields["zero_is_significant"] = bool(entry["zeroIsSignificant"])
        attrs = attribute_values(entry)
        if attrs is not None:
            fields["attribute_values"] = attrs
        combo_code = ref_code(entry.get("categoryCombo")) or (
            None if obj is not None and "categoryCombo" not in entry else DEFAULT_COMBO_CODE
        )
        if combo_code is not None:
            combo = (
                services.default_combo()
                if combo_code == DEFAULT_COMBO_CODE
                else self.visible(CategoryCombo, [combo_code]).get(combo_code)
            )
            if combo is None:
                raise ValidationFailed(f"unknown category combo '{combo_code}'", field="categoryCombo")
            # Data values hold their data element by a PROTECT foreign key (related name `values`), but a
            # new combo deletes nothing: the recorded option combos would just stop matching it.
            if obj is not None and obj.category_combo_id != combo.pk and obj.values.exists():
                raise ValidationFailed(
                    f"cannot change the category combo of '{code}': data values are recorded with '{obj.category_combo.code}'",
                    field="categoryCombo",
                )
            fields["category_combo"] = combo
        if obj is None:
            self.may_create("data element")
            fields["organisation"] = self.owner
        else:
            self.may_change(obj, "data element")
        _, outcome = self.save("dataElements", DataElement, obj, fields, code)
        self.report.count("dataElements", outcome)

    def places(self, refs: Any, prop: str) -> list[OrgUnit]:
        """Places named by {"id": uid} or {"code": ...}: each must be one of ours (by uid, then code)."""
        if not isinstance(refs, list):
            raise ValidationFailed(f'{prop} must be a list of {{"id": ...}} references', field=prop)
        uids = {r.get("id") for r in refs if isinstance(r, dict) and isinstance(r.get("id"), str)}
        codes = {r.get("code") for r in refs if isinstance(r, dict) and isinstance(r.get("code"), str)}
        by_uid = {ou.uid: ou for ou in OrgUnit.objects.filter(uid__in=uids)}
        by_code = {ou.code: ou for ou in OrgUnit.objects.filter(code__in=codes | uids)}
        out = []
        for r in refs:
            ident = r.get("id") if isinstance(r, dict) else None
            code = r.get("code") if isinstance(r, dict) else None
            ou = by_uid.get(str(ident)) or by_code.get(str(code)) or by_code.get(str(ident))
            if ou is None:
                raise ValidationFailed(
                    f"organisation unit '{code or ident}' is not a place here: import its uid with"
                    " organisationUnits (matched by code) first",
                    field=prop,
                )
            out.append(ou)
        return out

    def org_units(self, payload: dict[str, Any]) -> None:
        """DHIS2 organisation units are matched to our places by code (places come from the geo registry,
        never from metadata); a match records the DHIS2 uid on the place so orgUnitIdScheme=UID works.
        An organisation unit that matches no place is an error, never silently dropped."""
        raw = payload.get("organisationUnits")
        if raw is None:
            return
        if not isinstance(raw, list):
            self.error("organisationUnits", 0, "", "organisationUnits must be a list", error_code="E4001")
            return
        for i, entry in enumerate(raw):
            code = str(entry.get("code") or "").strip() if isinstance(entry, dict) else ""
            self.run("organisationUnits", i, code, self._org_unit, i, entry, code)

    def _org_unit(self, i: int, entry: Any, code: str) -> None:
        if not isinstance(entry, dict):
            raise ValidationFailed("each entry must be an object")
        uid = entry.get("id")
        name = str(entry.get("name") or "")[:100]
        place = OrgUnit.objects.filter(code=code).first() if code else None
        if place is None and isinstance(uid, str) and uid:
            place = OrgUnit.objects.filter(uid=uid).first()
        if place is None:
            raise ValidationFailed(
                f"organisation unit '{name or uid or code}' matches no place: places are managed in the place"
                " registry, not by metadata import; give it the code of an existing place"
                + (f" (code '{code}' is unknown)" if code else " (it has no code)"),
                field="code",
            )
        if uid in (None, "") or place.uid == uid:
            self.report.count("organisationUnits", "ignored")
            return
        if not UID_RE.match(str(uid)):
            raise ValidationFailed(f"id '{str(uid)[:20]}' is not a DHIS2 uid", field="id")
        if self.actor is not None and not policy.has_perm(self.actor, Perm.ORGUNIT_MANAGE):
            raise PermissionDenied(
                f"place '{place.code}' has no DHIS2 uid (or another one): recording '{uid}' needs orgunit.manage"
            )
        clash = OrgUnit.objects.filter(uid=uid).exclude(pk=place.pk).first()
        if clash is not None:
            raise ValidationFailed(f"id '{uid}' is already the uid of place '{clash.code}'", field="id")
        before = place.uid
        place.uid = uid
        place.save(update_fields=["uid", "updated_at"])
        audit_record(
            actor=self.actor,
            action=AuditAction.UPDATE,
            obj=place,
            changes={"uid": [before, uid]},
            message="metadata import",
        )
        self.report.count("organisationUnits", "updated")


def plain(value: Any) -> Any:
    if isinstance(value, Model):
        return getattr(value, "code", value.pk)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def metadata_import(
    *,
    actor: Actor,
    payload: Any,
    import_strategy: str = "CREATE_AND_UPDATE",
    organisation: Organisation | None = None,
    dry_run: bool = False,
) -> MetadataReport:
    """Import a metadata payload atomically; the report says what was (or, on error, would have been) done.
    `actor`: the user, or `policy.SYSTEM` (reference data, the demo); None is refused."""
    policy.check_actor(actor)
    if not isinstance(payload, dict):
        raise ValidationFailed("the body must be a JSON object with metadata collections", field="body")
    if import_strategy not in IMPORT_STRATEGIES:
        raise ValidationFailed(
            f"unsupported importStrategy '{import_strategy}' (one of: {', '.join(IMPORT_STRATEGIES)})",
            field="importStrategy",
        )
    names = collection_names()
    if not any(k in payload for k in names):
        raise ValidationFailed(f"the body holds none of: {', '.join(names)}", field="body")
    total = sum(len(v) for k, v in payload.items() if k in names and isinstance(v, list))
    if total > MAX_OBJECTS:
        raise ValidationFailed(f"at most {MAX_OBJECTS} objects per import (got {total})", field="body")
    owner = organisation
    if not policy.is_system(actor):
        if not policy.has_perm(actor, Perm.FRAMEWORK_MANAGE):
            raise PermissionDenied("you do not have the 'framework.manage' permission")
        if owner is None and not policy.is_system_admin(actor):
            orgs = policy.organisations_with(actor, Perm.FRAMEWORK_MANAGE) or set()
            if len(orgs) != 1:
                raise ValidationFailed(
                    "you manage metadata for several organisations: pass organisation=CODE",
                    field="organisation",
                )
            owner = Organisation.objects.get(pk=next(iter(orgs)))
        if owner is not None and not manages_organisation(actor, owner):
            raise PermissionDenied(f"you may not manage metadata of organisation '{owner.code}'")
    importer = MetadataImporter(actor=actor, strategy=import_strategy, owner=owner, dry_run=dry_run)
    services.default_combo()
    payload = dhis2_normalise(payload)
    try:
        with transaction.atomic():
            importer.org_units(payload)
            importer.options(payload)
            importer.categories(payload)
            importer.combos(payload)
            importer.option_combos(payload)
            importer.data_elements(payload)
            for collection in registered_collections():
                collection.run(importer, payload)
            if importer.report.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return importer.report
