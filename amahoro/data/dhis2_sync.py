"""Push data values to, and pull them from, a real DHIS2 (`RemoteDhis2`), over its Web API with a personal
access token (`Authorization: ApiToken ...`).

Push sends the values `run_as` may see that changed since a day, named by the remote's uids (mappings, or
the uids places and option combos carry from that DHIS2's metadata); unmapped data elements are skipped and
counted, never sent under a guessed name. Pull reads the mapped data elements for the mapped places and
imports them through the ordinary import (policy, locks, approvals, audit), as `run_as`. Both read
DHIS2's 2.38+ WebMessage answers (and older bare ImportSummaries).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core import crypto
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.data.models import DataValue, RemoteDhis2, RemoteMapping
from amahoro.geo.models import OrgUnit
from amahoro.metadata import idschemes
from amahoro.metadata.models import CategoryOptionCombo
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

BATCH = 5000
TIMEOUT = 60
MAX_REPORTED_CONFLICTS = 50
MAX_RESPONSE_BYTES = 50 * 1024 * 1024


class RemoteError(Exception):
    """The remote DHIS2 could not be reached or did not answer as DHIS2 does."""


@dataclass
class SyncResult:
    remote: str
    direction: str
    sent: int = 0
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # unmapped local codes -> values not sent
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    conflict_count: int = 0

    def add_summary(self, summary: dict[str, Any]) -> None:
        counts = summary.get("importCount") or {}
        for key in ("imported", "updated", "ignored", "deleted"):
            setattr(self, key, getattr(self, key) + int(counts.get(key) or 0))
        conflicts = summary.get("conflicts") or []
        self.conflict_count += len(conflicts)
        room = MAX_REPORTED_CONFLICTS - len(self.conflicts)
        self.conflicts.extend(conflicts[: max(room, 0)])

    def as_dict(self) -> dict[str, Any]:
        return {
            "remote": self.remote,
            "direction": self.direction,
            "sent": self.sent,
            "importCount": {
                "imported": self.imported,
                "updated": self.updated,
                "ignored": self.ignored,
                "deleted": self.deleted,
            },
            "skipped": self.skipped,
            "conflicts": self.conflicts,
            "conflictCount": self.conflict_count,
        }


# ---------------------------------------------------------------------------------------------------------
# Configuration


def remote_save(
    *,
    actor: Actor,
    name: str,
    base_url: str,
    token: str,
    run_as: Any,
    organisation: Organisation | None = None,
    data_set_uid: str = "",
) -> RemoteDhis2:
    """Create or update a remote DHIS2 (system administrators only: it sends data out of Amahoro)."""
    policy.check_actor(actor)
    if not policy.is_system_admin(actor):
        raise PermissionDenied("only system administrators configure remote DHIS2 instances")
    parsed = urllib.parse.urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationFailed("base URL must be http(s)://host[/path]", field="base_url")
    if not token.strip():
        raise ValidationFailed("a personal access token is required", field="token")
    with transaction.atomic():
        remote, created = RemoteDhis2.objects.update_or_create(
            name=name,
            defaults={
                "base_url": base_url.rstrip("/"),
                "token_enc": crypto.encrypt(token.strip()),
                "run_as": run_as,
                "organisation": organisation,
                "data_set_uid": data_set_uid,
            },
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=remote,
            changes={"name": name, "base_url": remote.base_url, "run_as": run_as.username},
            message="remote DHIS2 configured (token not recorded)",
        )
    return remote


def mapping_set(*, actor: Actor, remote: RemoteDhis2, kind: str, local_code: str, remote_uid: str) -> None:
    policy.check_actor(actor)
    if not policy.is_system_admin(actor):
        raise PermissionDenied("only system administrators map to remote DHIS2 instances")
    if kind not in RemoteMapping.Kind.values:
        raise ValidationFailed(f"kind must be one of {', '.join(RemoteMapping.Kind.values)}", field="kind")
    if not idschemes.UID_RE.match(remote_uid):
        raise ValidationFailed(f"'{remote_uid[:20]}' is not a DHIS2 uid", field="remote_uid")
    with transaction.atomic():
        RemoteMapping.objects.update_or_create(
            remote=remote, kind=kind, local_code=local_code, defaults={"remote_uid": remote_uid}
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=remote,
            changes={"mapping": [kind, local_code, remote_uid]},
            message="remote DHIS2 mapping",
        )


# ---------------------------------------------------------------------------------------------------------
# HTTP


def _request(remote: RemoteDhis2, method: str, path: str, query: dict[str, Any], body: Any = None) -> Any:
    url = f"{remote.base_url}/api/{path}?{urllib.parse.urlencode(query, doseq=True)}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (http(s) checked on save)
    req.add_header("Authorization", f"ApiToken {crypto.decrypt(remote.token_enc)}")
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as response:  # noqa: S310
            raw = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raw = exc.read(MAX_RESPONSE_BYTES + 1)
        if exc.code != 409:  # 409 carries an import summary in DHIS2 2.38+
            raise RemoteError(
                f"{remote.name}: {method} {path} answered HTTP {exc.code}: {raw[:300]!r}"
            ) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise RemoteError(f"{remote.name}: cannot reach {remote.base_url}: {exc}") from exc
    if len(raw) > MAX_RESPONSE_BYTES:
        raise RemoteError(f"{remote.name}: the answer to {path} is larger than {MAX_RESPONSE_BYTES} bytes")
    try:
        return json.loads(raw or b"null")
    except ValueError as exc:
        raise RemoteError(f"{remote.name}: {path} did not answer JSON") from exc


def _summary(answer: Any) -> dict[str, Any]:
    """The ImportSummary in a 2.38+ WebMessage, or a bare (older) one."""
    if isinstance(answer, dict) and isinstance(answer.get("response"), dict):
        return answer["response"]
    if isinstance(answer, dict) and "importCount" in answer:
        return answer
    raise RemoteError("the remote answered without an import summary")


def _mappings(remote: RemoteDhis2) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {k: {} for k in RemoteMapping.Kind.values}
    for kind, local, uid in remote.mappings.values_list("kind", "local_code", "remote_uid"):
        out[kind][local] = uid
    return out


# ---------------------------------------------------------------------------------------------------------
# Push


def dhis2_push(*, remote: RemoteDhis2, since: date, dry_run: bool = False) -> SyncResult:
    """Send the values `remote.run_as` may see that changed on or after `since` (deletions included)."""
    actor = remote.run_as
    result = SyncResult(remote.name, "push")
    maps = _mappings(remote)
    start = datetime.combine(since, time.min, tzinfo=timezone.get_current_timezone())
    qs = policy.visible(actor, Perm.DATA_VIEW, DataValue.objects.all()).filter(updated_at__gte=start)
    rows = qs.values(
        "data_element__code",
        "data_element__uid",
        "period__code",
        "org_unit__code",
        "org_unit__uid",
        "category_option_combo__code",
        "category_option_combo__uid",
        "category_option_combo__combo__code",
        "attribute_option_combo__code",
        "attribute_option_combo__uid",
        "value",
        "comment",
        "deleted",
    ).order_by("pk")
    values: list[dict[str, Any]] = []
    pushed_at = timezone.now()

    def coc_uid(code: str, uid: str | None, combo_code: str | None = None) -> str | None:
        if code == "default" and combo_code in (None, "default"):
            return idschemes.DEFAULT_COC_UID
        return maps["categoryOptionCombo"].get(code) or uid

    for r in rows.iterator(chunk_size=BATCH):
        de = maps["dataElement"].get(r["data_element__code"])
        ou = maps["orgUnit"].get(r["org_unit__code"]) or r["org_unit__uid"]
        coc = coc_uid(
            r["category_option_combo__code"],
            r["category_option_combo__uid"],
            r["category_option_combo__combo__code"],
        )
        aoc = coc_uid(r["attribute_option_combo__code"], r["attribute_option_combo__uid"])
        missing = next(
            (
                label
                for label, ident in (
                    (f"dataElement {r['data_element__code']}", de),
                    (f"orgUnit {r['org_unit__code']}", ou),
                    (f"categoryOptionCombo {r['category_option_combo__code']}", coc),
                    (f"attributeOptionCombo {r['attribute_option_combo__code']}", aoc),
                )
                if not ident
            ),
            None,
        )
        if missing:
            result.skipped[missing] = result.skipped.get(missing, 0) + 1
            continue
        value: dict[str, Any] = {
            "dataElement": de,
            "period": r["period__code"],
            "orgUnit": ou,
            "categoryOptionCombo": coc,
            "attributeOptionCombo": aoc,
            "value": r["value"],
        }
        if r["comment"]:
            value["comment"] = r["comment"]
        if r["deleted"]:
            value["deleted"] = True
        values.append(value)
        if len(values) >= BATCH:
            _send(remote, values, result, dry_run)
            values = []
    if values:
        _send(remote, values, result, dry_run)
    if not dry_run:
        RemoteDhis2.objects.filter(pk=remote.pk).update(last_pushed_at=pushed_at)
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            obj=remote,
            changes={
                k: v for k, v in result.as_dict().items() if k in ("sent", "importCount", "conflictCount")
            },
            message=f"DHIS2 push to {remote.name} since {since.isoformat()}",
        )
    return result


def _send(remote: RemoteDhis2, values: list[dict[str, Any]], result: SyncResult, dry_run: bool) -> None:
    payload: dict[str, Any] = {"dataValues": values}
    if remote.data_set_uid:
        payload["dataSet"] = remote.data_set_uid
    query = {"idScheme": "UID", "importStrategy": "CREATE_AND_UPDATE", "dryRun": str(dry_run).lower()}
    result.sent += len(values)
    result.add_summary(_summary(_request(remote, "POST", "dataValueSets", query, payload)))


# ---------------------------------------------------------------------------------------------------------
# Pull


def dhis2_pull(*, remote: RemoteDhis2, since: date, dry_run: bool = False) -> SyncResult:
    """Read the mapped data elements' values changed since `since` at the mapped places (and below) and
    import them as `remote.run_as`; values naming remote objects with no local counterpart are conflicts."""
    from amahoro.data import services

    result = SyncResult(remote.name, "pull")
    maps = _mappings(remote)
    if not maps["dataElement"]:
        raise ValidationFailed(
            f"remote '{remote.name}' maps no data element: nothing to pull", field="mapping"
        )
    places = {uid: code for code, uid in maps["orgUnit"].items()}
    places.update(
        {str(u): c for u, c in OrgUnit.objects.filter(uid__isnull=False).values_list("uid", "code")}
    )
    roots = sorted(set(maps["orgUnit"].values()))
    if not roots:
        raise ValidationFailed(f"remote '{remote.name}' maps no place: nothing to pull", field="mapping")
    query = {
        "dataElement": sorted(maps["dataElement"].values()),
        "orgUnit": roots,
        "children": "true",
        "lastUpdated": since.isoformat(),
        "idScheme": "UID",
    }
    pulled_at = timezone.now()
    answer = _request(remote, "GET", "dataValueSets.json", query)
    rows = answer.get("dataValues") if isinstance(answer, dict) else None
    if not isinstance(rows, list):
        raise RemoteError(f"{remote.name}: dataValueSets answered without dataValues")
    elements = {uid: code for code, uid in maps["dataElement"].items()}
    cocs = {uid: code for code, uid in maps["categoryOptionCombo"].items()}
    cocs.update(
        {
            str(u): c
            for u, c in CategoryOptionCombo.objects.filter(uid__isnull=False).values_list("uid", "code")
        }
    )
    cocs[idschemes.DEFAULT_COC_UID] = "default"
    local = []
    for r in rows:
        if not isinstance(r, dict):
            continue
        local.append(
            {
                "dataElement": elements.get(str(r.get("dataElement")), f"remote:{r.get('dataElement')}"),
                "period": r.get("period"),
                "orgUnit": places.get(str(r.get("orgUnit")), f"remote:{r.get('orgUnit')}"),
                "categoryOptionCombo": cocs.get(
                    str(r.get("categoryOptionCombo")), r.get("categoryOptionCombo")
                ),
                "attributeOptionCombo": cocs.get(
                    str(r.get("attributeOptionCombo")), r.get("attributeOptionCombo")
                ),
                "value": r.get("value"),
                "comment": r.get("comment"),
                "deleted": r.get("deleted"),
            }
        )
    result.sent = len(local)
    summary = services.datavalues_import(
        actor=remote.run_as,
        payload={"dataValues": local},
        dry_run=dry_run,
        source=f"DHIS2 pull from {remote.name}",
    )
    result.add_summary(summary.as_dict())
    if not dry_run:
        RemoteDhis2.objects.filter(pk=remote.pk).update(last_pulled_at=pulled_at)
    return result


# ---------------------------------------------------------------------------------------------------------
# Schedule


def remotes_for(name: str | None = None) -> list[RemoteDhis2]:
    qs = RemoteDhis2.objects.select_related("run_as")
    if name:
        found = list(qs.filter(name=name))
        if not found:
            raise ValidationFailed(f"no remote DHIS2 named '{name}'", field="remote")
        return found
    return list(qs.filter(enabled=True))
