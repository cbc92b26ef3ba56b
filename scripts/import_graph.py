"""Draw the house: the imports between Amahoro's apps, as a Mermaid graph for docs/architecture.md.

Usage: .venv/bin/python scripts/import_graph.py [--check]
Reads the source (not the running code), counts every `import amahoro.X` / `from amahoro.X` outside tests and
migrations (also inside functions), and prints one edge per pair of apps, upper layer first, from the layers
declared in .importlinter. `--check` exits 1 when an edge goes up a layer or two apps import each other (the
same rule `lint-imports` enforces, spelled out for humans)."""

from __future__ import annotations

import ast
import collections
import configparser
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "amahoro"


def layers() -> list[list[str]]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    text = config["importlinter:contract:layers"]["layers"]
    out = []
    for line in text.strip().splitlines():
        names = [n.strip().removeprefix("amahoro.") for n in line.replace(":", "|").split("|")]
        out.append([n for n in names if n])
    return out  # top first


def module_app(path: pathlib.Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    if "tests" in parts or "migrations" in parts:
        return None
    return parts[0].removesuffix(".py")


def edges() -> collections.Counter[tuple[str, str]]:
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for path in PACKAGE.rglob("*.py"):
        src = module_app(path)
        if src is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If)
            and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING"
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("amahoro."):
                    dst = name.split(".")[1]
                    if dst != src:
                        counts[(src, dst)] += 1
    return counts


def main() -> int:
    order = layers()
    rank = {app: i for i, layer in enumerate(order) for app in layer}
    counts = edges()
    known = [(s, d, n) for (s, d), n in sorted(counts.items()) if s in rank and d in rank]
    print("```mermaid\nflowchart TD")
    for i, layer in enumerate(order):
        print(f'  subgraph L{i}[" "]\n    direction LR')
        for app in layer:
            print(f"    {app}")
        print("  end")
    for i in range(len(order) - 1):
        print(f"  L{i} --> L{i + 1}")
    print("```")
    print()
    print("| App | Imports from (number of import statements) |")
    print("|---|---|")
    for layer in order:
        for app in layer:
            used = sorted(((d, n) for s, d, n in known if s == app), key=lambda e: rank[e[0]])
            print(f"| `{app}` | " + ", ".join(f"{d} ({n})" for d, n in used) + " |")
    bad = [(s, d) for s, d, _ in known if rank[s] >= rank[d]]
    for s, d in bad:
        print(f"UP OR SIDEWAYS: {s} -> {d} ({counts[(s, d)]} imports)", file=sys.stderr)
    print(f"{len(known)} app-to-app edges, {sum(n for *_, n in known)} imports", file=sys.stderr)
    return 1 if bad and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
