"""12-factor settings: every variable the code reads from the environment is in .env.example, every setting an
operator would tune is read from the environment, and .env.example lists nothing that nobody reads.

The code is parsed (ast), not imported, so a setting read in prod.py counts as well as one read in base.py."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "amahoro"
SETTINGS = sorted((PACKAGE / "settings").glob("*.py"))
ENV_EXAMPLE = ROOT / ".env.example"

# Functions whose first argument is the name of an environment variable (settings/base.py's helpers too).
ENV_READERS = {"env_bool", "env_list", "env_int", "env_float", "getenv"}
# Prefixes of the project's own settings: every one of them is for operators to tune, so must come from the
# environment (with a default that works in development).
OWN_PREFIXES = ("AMAHORO_", "GBV_STATS_", "CASES_", "FUNDING_", "OPENROSA_", "COLLECTION_")
# Django and add-on settings an installation tunes (the others are the application's wiring, not options).
TUNABLE = {
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASES",
    "CACHES",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_TIME",
    "SESSION_COOKIE_AGE",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "LOGGING",
    "DATA_UPLOAD_MAX_MEMORY_SIZE",
    "FIELD_ENCRYPTION_KEYS",
    "FIELD_INDEX_KEY",
    "CSP_IMG_SRC",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
}
# Read from the environment by other programs than the settings (documented in .env.example all the same).
READ_ELSEWHERE = {
    "GUNICORN_BIND",
    "GUNICORN_WORKERS",
    "GUNICORN_FORWARDED_ALLOW_IPS",
    "DJANGO_SETTINGS_MODULE",
}


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _constants(tree: ast.AST) -> dict[str, str]:
    """Module-level NAME = "string" constants (PASSWORD_ENV = "AMAHORO_DEMO_PASSWORD")."""
    body = tree.body if isinstance(tree, ast.Module) else []
    return {
        target.id: stmt.value.value
        for stmt in body
        if isinstance(stmt, ast.Assign)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
        for target in stmt.targets
        if isinstance(target, ast.Name)
    }


def env_names(tree: ast.AST) -> set[str]:
    """Names read with os.environ.get("X"), os.environ["X"], os.getenv("X") or an env_*("X") helper (X a
    string or a module-level string constant)."""
    constants = _constants(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        arg: ast.AST | None = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value):
                arg = node.args[0]
            elif isinstance(func, ast.Name | ast.Attribute):
                name = func.id if isinstance(func, ast.Name) else func.attr
                arg = node.args[0] if name in ENV_READERS else None
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            arg = node.slice
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            names.add(arg.value)
        elif isinstance(arg, ast.Name) and arg.id in constants:
            names.add(constants[arg.id])
    return names


@cache
def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


@cache
def _code_files() -> tuple[Path, ...]:
    return tuple(
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts and "settings" not in path.parts
    )


def _documented() -> str:
    return ENV_EXAMPLE.read_text()


def _listed(name: str, text: str) -> bool:
    return re.search(rf"^#?\s*{re.escape(name)}=", text, re.MULTILINE) is not None


def env_read_settings(tree: ast.Module) -> set[str]:
    """Settings of one settings module whose value comes from the environment: assigned from an environment
    read, from another such setting, or under an `if` that tests one (CACHES under `if REDIS_URL`)."""
    assignments: list[tuple[str, set[str], bool]] = []

    def visit(body: list[ast.stmt], guard: ast.AST | None) -> None:
        for stmt in body:
            if isinstance(stmt, ast.If):
                visit(stmt.body, stmt.test)
                visit(stmt.orelse, stmt.test)
                continue
            if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                parts = [stmt.value] + ([guard] if guard is not None else [])
                used = {n.id for part in parts for n in ast.walk(part) if isinstance(n, ast.Name)}
                direct = any(env_names(part) for part in parts)
                for target in targets:
                    if isinstance(target, ast.Name):
                        assignments.append((target.id, used, direct))

    visit(tree.body, None)
    found = {name for name, _, direct in assignments if direct}
    # Functions of the module that read the environment count as environment reads (database_config()).
    found |= {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name not in ENV_READERS and env_names(node)
    }
    changed = True
    while changed:
        changed = False
        for name, used, _ in assignments:
            if name not in found and used & found:
                found.add(name)
                changed = True
    return found


def test_every_variable_the_settings_read_is_in_env_example() -> None:
    text = _documented()
    read = set().union(*(env_names(_parse(path)) for path in SETTINGS))
    missing = sorted(name for name in read if not _listed(name, text))
    assert not missing, f"read by amahoro/settings but not listed in .env.example: {missing}"


def test_every_variable_the_code_reads_is_documented_in_env_example() -> None:
    text = _documented()
    missing = sorted(
        f"{name} ({path.relative_to(ROOT)})"
        for path in _code_files()
        for name in env_names(_parse(path))
        if name not in text
    )
    assert not missing, f"read from the environment but not in .env.example: {missing}"


def test_every_tunable_setting_is_read_from_the_environment() -> None:
    from_env = set().union(*(env_read_settings(_parse(path)) for path in SETTINGS))
    base = _parse(PACKAGE / "settings" / "base.py")
    own = {
        target.id
        for stmt in base.body
        if isinstance(stmt, ast.Assign | ast.AnnAssign)
        for target in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
        if isinstance(target, ast.Name) and target.id.startswith(OWN_PREFIXES)
    }
    fixed = sorted((own | TUNABLE) - from_env)
    assert not fixed, f"settings an operator would tune that ignore the environment: {fixed}"


def test_every_project_setting_the_code_reads_is_defined_in_the_settings() -> None:
    """getattr(settings, "AMAHORO_X", default) deep in an app hides an option from operators: it must be
    defined (from the environment) in the settings, where .env.example's readers look for it."""
    defined = set().union(*(env_read_settings(_parse(path)) for path in SETTINGS))
    hidden: set[str] = set()
    for path in _code_files():
        for node in ast.walk(_parse(path)):
            name = None
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "getattr"
                and len(node.args) >= 2
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id == "settings"
                and isinstance(node.args[1], ast.Constant)
            ):
                name = str(node.args[1].value)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "settings"
            ):
                name = node.attr
            if name and name.startswith(OWN_PREFIXES) and name not in defined:
                hidden.add(f"{name} ({path.relative_to(ROOT)})")
    assert not hidden, (
        f"project settings read by the code but not defined from the environment: {sorted(hidden)}"
    )


def test_env_example_lists_only_variables_something_reads() -> None:
    listed = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", _documented(), re.MULTILINE)
    read = set(READ_ELSEWHERE)
    for path in [*SETTINGS, *_code_files()]:
        read |= env_names(_parse(path))
    stale = sorted(set(listed) - read)
    assert not stale, f".env.example lists variables nothing reads: {stale}"
