#!/usr/bin/env python3
"""Vendor pinned front-end libraries from the npm registry into amahoro/static/vendor/.

    python scripts/vendor_static.py            # fetch the pinned versions, copy the built files, write the lock
    python scripts/vendor_static.py --check    # no network: files on disk match scripts/vendor.lock.json

How it works: `npm pack NAME@VERSION` downloads the registry tarball into a temporary directory (npm checks
it against the registry's integrity hash); this script checks the tarball's own sha512 against the lock
(when the lock already pins that version), extracts only the files listed in PACKAGES below with tarfile,
and copies them, plus each package's licence files, to amahoro/static/vendor/<dest>/. Anything else in
a package's vendor directory is removed: the script owns those directories.

The lock (scripts/vendor.lock.json) records, per package: version, licence, tarball integrity and, for
every file written, its path, where it came from in the tarball and its sha256. Other scripts (e.g.
scripts/vendor_geo.py) add their own entries to the same lock through the helpers here; `--check` verifies
every entry in the lock, whichever script wrote it.

To upgrade a library: change its version in PACKAGES, run the script, review the diff, commit.
Python 3.11 standard library only; needs `npm` on PATH (not for --check).
"""

from __future__ import annotations

import argparse
import base64
import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCK_PATH = ROOT / "scripts" / "vendor.lock.json"
VENDOR_DIR = ROOT / "amahoro" / "static" / "vendor"
LOCK_VERSION = 1


@dataclass(frozen=True)
class Package:
    """One npm package to vendor.

    files: (pattern inside the tarball's package/ directory, destination relative to the vendor dir).
    A pattern with '*' copies every matching file into the destination directory (which ends with '/').
    licenses: files from the package root copied next to the vendored files (same relative path).
    """

    name: str
    version: str
    dest: str
    files: tuple[tuple[str, str], ...]
    licenses: tuple[str, ...] = ("LICENSE",)
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


PACKAGES: tuple[Package, ...] = (
    Package(
        name="leaflet",
        version="1.9.4",
        dest="leaflet",
        files=(
            ("dist/leaflet.js", "leaflet.js"),
            ("dist/leaflet.css", "leaflet.css"),
            ("dist/images/*", "images/"),  # leaflet.css refers to images/ relative to itself
        ),
    ),
    Package(
        name="htmx.org",
        version="2.0.11",  # newest 2.0.x on the registry when pinned
        dest="htmx",
        files=(("dist/htmx.min.js", "htmx.min.js"),),
    ),
    Package(
        name="echarts",
        version="6.1.0",  # newest 6.x on the registry when pinned
        dest="echarts",
        files=(("dist/echarts.min.js", "echarts.min.js"),),
        # Apache-2.0: the NOTICE file travels with the code; echarts bundles d3 code under its own licence.
        licenses=("LICENSE", "NOTICE", "licenses/LICENSE-d3"),
    ),
    Package(
        name="axe-core",
        version="4.14.1",  # newest on the registry when pinned; used by the browser tests only, never served
        dest="axe-core",
        files=(("axe.min.js", "axe.min.js"),),
        # MPL-2.0: the licence and the third-party notices travel with the file.
        licenses=("LICENSE", "LICENSE-3RD-PARTY.txt"),
    ),
)


class VendorError(Exception):
    pass


# ---------------------------------------------------------------------------------------------------------
# helpers shared with scripts/vendor_geo.py


def rel(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha512_integrity(path: Path) -> str:
    digest = hashlib.sha512()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return "sha512-" + base64.b64encode(digest.digest()).decode("ascii")


def npm_pack(name: str, version: str, workdir: Path, expected_integrity: str | None = None) -> Path:
    """Download NAME@VERSION's registry tarball into workdir with `npm pack`; return its path."""
    npm = shutil.which("npm")
    if npm is None:
        raise VendorError("npm is not on PATH (needed to download packages; --check works without it)")
    spec = f"{name}@{version}"
    proc = subprocess.run(
        [npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(workdir)],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise VendorError(f"npm pack {spec} failed:\n{tail}")
    try:
        info = json.loads(proc.stdout)[0]
    except (ValueError, IndexError, KeyError) as exc:
        raise VendorError(f"npm pack {spec}: unexpected output {proc.stdout[:200]!r}") from exc
    if info.get("version") != version:
        raise VendorError(f"npm pack {spec} returned version {info.get('version')!r}")
    tarball = workdir / info["filename"]
    integrity = sha512_integrity(tarball)
    if info.get("integrity") and info["integrity"] != integrity:
        raise VendorError(f"{spec}: tarball sha512 {integrity} differs from npm's {info['integrity']}")
    if expected_integrity and expected_integrity != integrity:
        raise VendorError(
            f"{spec}: tarball integrity {integrity} does not match the lock ({expected_integrity}); "
            "the registry served different bytes for a pinned version - not vendoring"
        )
    return tarball


def tar_members(tarball: Path) -> dict[str, tarfile.TarInfo]:
    """Regular files in an npm tarball, keyed by their path inside the package (without 'package/')."""
    members: dict[str, tarfile.TarInfo] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            parts = PurePosixPath(member.name).parts
            if len(parts) < 2 or ".." in parts or parts[0].startswith("/"):
                continue
            members[PurePosixPath(*parts[1:]).as_posix()] = member  # first dir is 'package' (or the name)
    return members


def tar_read(tarball: Path, member: tarfile.TarInfo) -> bytes:
    with tarfile.open(tarball, "r:gz") as tar:
        fh = tar.extractfile(member)
        if fh is None:
            raise VendorError(f"{tarball.name}: cannot read {member.name}")
        return fh.read()


def package_json(tarball: Path, members: dict[str, tarfile.TarInfo]) -> dict[str, Any]:
    if "package.json" not in members:
        raise VendorError(f"{tarball.name}: no package.json")
    return json.loads(tar_read(tarball, members["package.json"]))


def load_lock() -> dict[str, Any]:
    if not LOCK_PATH.exists():
        return {"lock_version": LOCK_VERSION, "packages": []}
    data = json.loads(LOCK_PATH.read_text(encoding="utf-8"))
    if data.get("lock_version") != LOCK_VERSION:
        raise VendorError(f"{rel(LOCK_PATH)}: unsupported lock_version {data.get('lock_version')!r}")
    return data


def lock_entry(lock: dict[str, Any], name: str) -> dict[str, Any] | None:
    for entry in lock.get("packages", []):
        if entry.get("package") == name:
            return entry
    return None


def save_lock_entries(entries: list[dict[str, Any]], remove: tuple[str, ...] = ()) -> None:
    """Replace (or add) the given packages' entries in the lock, keeping everyone else's but `remove`'s."""
    lock = load_lock()
    names = {e["package"] for e in entries} | set(remove)
    kept = [e for e in lock.get("packages", []) if e.get("package") not in names]
    lock["packages"] = sorted(kept + entries, key=lambda e: (e.get("purpose", ""), e["package"]))
    lock["lock_version"] = LOCK_VERSION
    lock["about"] = (
        "Pinned third-party files copied into the repository. Written by scripts/vendor_static.py and "
        "scripts/vendor_geo.py; verify with `python scripts/vendor_static.py --check`."
    )
    ordered = {"about": lock["about"], "lock_version": LOCK_VERSION, "packages": lock["packages"]}
    LOCK_PATH.write_text(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def file_record(path: Path, source: str) -> dict[str, Any]:
    return {"path": rel(path), "from": source, "sha256": sha256_file(path), "bytes": path.stat().st_size}


def check_entries(entries: list[dict[str, Any]]) -> list[str]:
    """Problems (empty when fine) between the lock's entries and the files on disk. No network."""
    problems: list[str] = []
    for entry in entries:
        label = f"{entry.get('package')}@{entry.get('version')}"
        listed: set[Path] = set()
        for record in entry.get("files", []):
            path = ROOT / record["path"]
            listed.add(path.resolve())
            if not path.is_file():
                problems.append(f"{label}: missing {record['path']}")
            elif sha256_file(path) != record["sha256"]:
                problems.append(f"{label}: {record['path']} differs from the lock (sha256)")
        owned = entry.get("owns_dir")
        if owned:
            directory = ROOT / owned
            if directory.is_dir():
                for path in sorted(p for p in directory.rglob("*") if p.is_file()):
                    if path.resolve() not in listed:
                        problems.append(f"{label}: {rel(path)} is not in the lock (stray file)")
    return problems


# ---------------------------------------------------------------------------------------------------------
# this script's job: the static libraries


def _select(members: dict[str, tarfile.TarInfo], pattern: str) -> list[str]:
    if "*" in pattern or "?" in pattern:  # a glob on file names, in one directory (not recursive)
        want = PurePosixPath(pattern)
        found = sorted(
            m
            for m in members
            if PurePosixPath(m).parent == want.parent
            and fnmatch.fnmatchcase(PurePosixPath(m).name, want.name)
        )
    else:
        found = [pattern] if pattern in members else []
    if not found:
        raise VendorError(f"no file matches {pattern!r}")
    return found


def vendor_package(pkg: Package, workdir: Path, locked: dict[str, Any] | None) -> dict[str, Any]:
    expected = locked.get("integrity") if locked and locked.get("version") == pkg.version else None
    tarball = npm_pack(pkg.name, pkg.version, workdir, expected)
    members = tar_members(tarball)
    meta = package_json(tarball, members)
    if meta.get("name") != pkg.name or meta.get("version") != pkg.version:
        raise VendorError(f"{tarball.name}: package.json says {meta.get('name')}@{meta.get('version')}")

    plan: list[tuple[str, str]] = []  # (member, destination relative to the package's vendor dir)
    for pattern, dest in pkg.files:
        for member in _select(members, pattern):
            target = dest + PurePosixPath(member).name if dest.endswith("/") else dest
            plan.append((member, target))
    for lic in pkg.licenses:
        if lic not in members:
            raise VendorError(f"{pkg.name}@{pkg.version}: licence file {lic!r} not in the tarball")
        plan.append((lic, lic))

    out_dir = VENDOR_DIR / pkg.dest
    staging = Path(tempfile.mkdtemp(prefix=f"vendor-{pkg.dest}-", dir=workdir))
    for member, target in plan:
        path = staging / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(tar_read(tarball, members[member]))
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(staging, out_dir)

    return {
        "package": pkg.name,
        "version": pkg.version,
        "registry": "npm",
        "purpose": "static",
        "license": meta.get("license", "UNKNOWN"),
        "integrity": sha512_integrity(tarball),
        "owns_dir": rel(out_dir),
        "files": [file_record(out_dir / target, member) for member, target in plan],
    }


def check_pins(lock: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for pkg in PACKAGES:
        entry = lock_entry(lock, pkg.name)
        if entry is None:
            problems.append(
                f"{pkg.name}: pinned to {pkg.version} in the script but not in the lock (run the script)"
            )
        elif entry.get("version") != pkg.version:
            problems.append(
                f"{pkg.name}: the script pins {pkg.version}, the lock has {entry.get('version')} (run the script)"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify files against the lock; no network")
    parser.add_argument(
        "--only", metavar="NAME", action="append", help="vendor only this package (repeatable)"
    )
    args = parser.parse_args(argv)

    try:
        lock = load_lock()
        if args.check:
            problems = check_pins(lock) + check_entries(lock.get("packages", []))
            for problem in problems:
                print(f"vendor check: {problem}", file=sys.stderr)
            if problems:
                print(
                    f"vendor check: {len(problems)} problem(s); run `python scripts/vendor_static.py`",
                    file=sys.stderr,
                )
                return 1
            count = sum(len(e.get("files", [])) for e in lock.get("packages", []))
            print(
                f"vendor check: {len(lock.get('packages', []))} packages, {count} files match {rel(LOCK_PATH)}"
            )
            return 0

        wanted = [p for p in PACKAGES if not args.only or p.name in args.only]
        unknown = set(args.only or []) - {p.name for p in PACKAGES}
        if unknown:
            raise VendorError(f"unknown package(s): {', '.join(sorted(unknown))}")
        entries = []
        with tempfile.TemporaryDirectory(prefix="amahoro-vendor-") as tmp:
            for pkg in wanted:
                entry = vendor_package(pkg, Path(tmp), lock_entry(lock, pkg.name))
                entries.append(entry)
                size = sum(f["bytes"] for f in entry["files"])
                print(
                    f"vendored {pkg.name}@{pkg.version} ({entry['license']}): {len(entry['files'])} files, "
                    f"{size / 1024:.0f} KiB -> {entry['owns_dir']}"
                )
        save_lock_entries(entries)
        print(f"wrote {rel(LOCK_PATH)}")
        return 0
    except VendorError as exc:
        print(f"vendor: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
