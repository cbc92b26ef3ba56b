"""Indicator expressions in a subset of DHIS2's syntax, parsed and evaluated without eval().

Items: `#{DE}` (the data element's total over its category option combos; `#{DE.*}` is the same) and
`#{DE.COC}` (one category option combo), identified by code. Numbers, `+ - * / ^`, parentheses, unary
`- + !`, comparisons `== != < <= > >=`, logic `&&`/`and`, `||`/`or`, `not`, and the functions
`if(condition, then, else)`, `isNull(x)`, `isNotNull(x)`, `firstNonNull(x, ...)`, `greatest(x, ...)`,
`least(x, ...)`. Precedence follows DHIS2's grammar, highest first: `^` (right-associative), unary
operators, `* /`, `+ -`, `< <= > >=`, `== !=`, `&&`, `||` (so `-2^2` is -4).

Missing values: a strategy decides whether the expression is evaluated at all (NEVER_SKIP,
SKIP_IF_ANY_VALUE_MISSING, SKIP_IF_ALL_VALUES_MISSING); when it is, a missing item counts as 0 except
directly inside isNull / isNotNull / firstNonNull, which see it as missing. A division by zero makes the
whole expression missing (like DHIS2's indicator with a zero denominator).

Errors name the 1-based character position: `unexpected ')' at position 7`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Union

NEVER_SKIP = "NEVER_SKIP"
SKIP_IF_ANY_VALUE_MISSING = "SKIP_IF_ANY_VALUE_MISSING"
SKIP_IF_ALL_VALUES_MISSING = "SKIP_IF_ALL_VALUES_MISSING"
STRATEGIES = (NEVER_SKIP, SKIP_IF_ANY_VALUE_MISSING, SKIP_IF_ALL_VALUES_MISSING)

MAX_LENGTH = 2000
MAX_DEPTH = 100


class ExpressionError(ValueError):
    def __init__(self, message: str, position: int | None = None) -> None:
        self.message = message
        self.position = position
        super().__init__(f"{message} at position {position}" if position is not None else message)


# ---------------------------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True)
class Token:
    kind: str  # num, item, name, op, (, ), ",", end
    text: str
    pos: int  # 1-based
    value: object = None


_OPERATORS = ("==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "^", "<", ">", "!")
_WORD_OPERATORS = {"and": "&&", "or": "||", "not": "!"}


@dataclass(frozen=True)
class Item:
    """#{de} or #{de.coc}: `coc` None means the data element's total."""

    de: str
    coc: str | None = None

    def __str__(self) -> str:
        return f"#{{{self.de}}}" if self.coc is None else f"#{{{self.de}.{self.coc}}}"


def _item(body: str, pos: int) -> Item:
    parts = [p.strip() for p in body.split(".")]
    if not parts[0]:
        raise ExpressionError("empty data element code in #{}", pos)
    if len(parts) > 2:
        raise ExpressionError(
            f"'#{{{body}}}': attribute option combos are not supported in expressions (use #{{DE}} or #{{DE.COC}})",
            pos,
        )
    for part in parts:
        if not part or any(c.isspace() or c in "{}#" for c in part):
            raise ExpressionError(f"invalid code in '#{{{body}}}'", pos)
    coc = parts[1] if len(parts) == 2 and parts[1] != "*" else None
    return Item(parts[0], coc)


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is longer than {MAX_LENGTH} characters")
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        pos = i + 1
        if c.isspace():
            i += 1
            continue
        if c == "#":
            if i + 1 >= n or text[i + 1] != "{":
                raise ExpressionError("expected '{' after '#'", pos)
            close = text.find("}", i + 2)
            if close < 0:
                raise ExpressionError("unclosed '#{'", pos)
            tokens.append(Token("item", text[i : close + 1], pos, _item(text[i + 2 : close], pos)))
            i = close + 1
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            j = i
            while j < n and (text[j].isdigit() or text[j] == "."):
                j += 1
            if j < n and text[j] in "eE" and j + 1 < n and (text[j + 1].isdigit() or text[j + 1] in "+-"):
                j += 2
                while j < n and text[j].isdigit():
                    j += 1
            literal = text[i:j]
            try:
                number = float(literal)
            except ValueError:
                raise ExpressionError(f"invalid number '{literal}'", pos) from None
            tokens.append(Token("num", literal, pos, number))
            i = j
            continue
        if c.isalpha() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j]
            if j < n and text[j] == "{":
                raise ExpressionError(
                    f"unsupported item '{word}{{...}}' (only #{{...}} data element items)", pos
                )
            if word in _WORD_OPERATORS:
                tokens.append(Token("op", _WORD_OPERATORS[word], pos))
            else:
                tokens.append(Token("name", word, pos))
            i = j
            continue
        if c in "(),":
            tokens.append(Token(c, c, pos))
            i += 1
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                tokens.append(Token("op", op, pos))
                i += len(op)
                break
        else:
            raise ExpressionError(f"unexpected character '{c}'", pos)
    tokens.append(Token("end", "", n + 1))
    return tokens


# ---------------------------------------------------------------------------------------------------------
# Syntax tree


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Bool:
    value: bool


@dataclass(frozen=True)
class ItemRef:
    item: Item
    pos: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]
    pos: int


Node = Union[Num, Bool, ItemRef, Unary, Binary, Call]  # noqa: UP007  (a runtime alias of dataclasses)

# Binding powers (higher binds tighter); `^` is right-associative.
_INFIX = {
    "||": 10,
    "&&": 20,
    "==": 30,
    "!=": 30,
    "<": 40,
    "<=": 40,
    ">": 40,
    ">=": 40,
    "+": 50,
    "-": 50,
    "*": 60,
    "/": 60,
    "^": 80,
}
_PREFIX_POWER = 70
# name -> (min args, max args or None)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "if": (3, 3),
    "isNull": (1, 1),
    "isNotNull": (1, 1),
    "firstNonNull": (1, None),
    "greatest": (1, None),
    "least": (1, None),
}
_CONSTANTS = {"true": True, "false": False}


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, kind: str, what: str) -> Token:
        if self.tok.kind != kind:
            raise ExpressionError(f"expected {what}, found {_describe(self.tok)}", self.tok.pos)
        return self.advance()

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ExpressionError("empty expression", 1)
        node = self.expr(0)
        if self.tok.kind != "end":
            raise ExpressionError(f"unexpected {_describe(self.tok)}", self.tok.pos)
        return node

    def expr(self, min_power: int) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("expression is nested too deeply", self.tok.pos)
        left = self.prefix()
        while self.tok.kind == "op" and self.tok.text in _INFIX:
            op = self.tok.text
            power = _INFIX[op]
            if power < min_power:
                break
            self.advance()
            # right-associative `^` parses its right side at the same power
            right = self.expr(power if op == "^" else power + 1)
            left = Binary(op, left, right)
        self.depth -= 1
        return left

    def prefix(self) -> Node:
        tok = self.advance()
        if tok.kind == "num":
            assert isinstance(tok.value, float)
            return Num(tok.value)
        if tok.kind == "item":
            assert isinstance(tok.value, Item)
            return ItemRef(tok.value, tok.pos)
        if tok.kind == "(":
            inner = self.expr(0)
            self.expect(")", "')'")
            return inner
        if tok.kind == "op" and tok.text in ("-", "+", "!"):
            return Unary(tok.text, self.expr(_PREFIX_POWER))
        if tok.kind == "name":
            if tok.text in _CONSTANTS:
                return Bool(_CONSTANTS[tok.text])
            return self.call(tok)
        raise ExpressionError(
            "unexpected end of expression" if tok.kind == "end" else f"unexpected {_describe(tok)}", tok.pos
        )

    def call(self, name: Token) -> Node:
        if name.text not in FUNCTIONS:
            close = [f for f in FUNCTIONS if f.lower() == name.text.lower()]
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(FUNCTIONS)})"
            raise ExpressionError(f"unknown function '{name.text}'{hint}", name.pos)
        self.expect("(", f"'(' after '{name.text}'")
        args: list[Node] = []
        if self.tok.kind != ")":
            args.append(self.expr(0))
            while self.tok.kind == ",":
                self.advance()
                args.append(self.expr(0))
        self.expect(")", "')' or ','")
        low, high = FUNCTIONS[name.text]
        if len(args) < low or (high is not None and len(args) > high):
            wanted = str(low) if low == high else f"at least {low}"
            raise ExpressionError(f"{name.text}() takes {wanted} argument(s), got {len(args)}", name.pos)
        if name.text in ("isNull", "isNotNull") and not isinstance(args[0], ItemRef):
            raise ExpressionError(f"{name.text}() takes a #{{...}} item", name.pos)
        return Call(name.text, tuple(args), name.pos)


def _describe(tok: Token) -> str:
    return "end of expression" if tok.kind == "end" else f"'{tok.text}'"


# ---------------------------------------------------------------------------------------------------------
# Evaluation


class _Undefined(Exception):
    """A division by zero: the whole expression has no value."""


Value = Union[float, bool, None]  # noqa: UP007


def _num(v: Value) -> float:
    if v is None:
        return 0.0
    return float(v)


def _truth(v: Value) -> bool:
    return bool(v) if v is not None else False


_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "==": lambda a, b: math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12),
    "!=": lambda a, b: not math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12),
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _eval(node: Node, values: Mapping[Item, float | None]) -> Value:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Bool):
        return node.value
    if isinstance(node, ItemRef):
        return values.get(node.item)
    if isinstance(node, Unary):
        v = _eval(node.operand, values)
        if node.op == "!":
            return not _truth(v)
        return -_num(v) if node.op == "-" else _num(v)
    if isinstance(node, Binary):
        if node.op == "&&":
            return _truth(_eval(node.left, values)) and _truth(_eval(node.right, values))
        if node.op == "||":
            return _truth(_eval(node.left, values)) or _truth(_eval(node.right, values))
        a, b = _num(_eval(node.left, values)), _num(_eval(node.right, values))
        if node.op in _COMPARE:
            return _COMPARE[node.op](a, b)
        if node.op == "/":
            if b == 0:
                raise _Undefined
            return a / b
        if node.op == "^":
            try:
                result = a**b
            except (OverflowError, ZeroDivisionError):
                raise _Undefined from None
            if isinstance(result, complex):
                raise _Undefined
            return float(result)
        return _ARITH[node.op](a, b)
    assert isinstance(node, Call)
    if node.name == "if":
        cond = _eval(node.args[0], values)
        return _eval(node.args[1] if _truth(cond) else node.args[2], values)
    if node.name == "isNull":
        return _eval(node.args[0], values) is None
    if node.name == "isNotNull":
        return _eval(node.args[0], values) is not None
    evaluated = [_eval(a, values) for a in node.args]
    if node.name == "firstNonNull":
        return next((v for v in evaluated if v is not None), None)
    present = [_num(v) for v in evaluated if v is not None]
    if not present:
        return None
    return max(present) if node.name == "greatest" else min(present)


def _items(node: Node, out: list[Item]) -> None:
    if isinstance(node, ItemRef):
        if node.item not in out:
            out.append(node.item)
    elif isinstance(node, Unary):
        _items(node.operand, out)
    elif isinstance(node, Binary):
        _items(node.left, out)
        _items(node.right, out)
    elif isinstance(node, Call):
        for a in node.args:
            _items(a, out)


@dataclass(frozen=True)
class Expression:
    text: str
    tree: Node
    items: tuple[Item, ...]

    @property
    def data_element_codes(self) -> list[str]:
        return list(dict.fromkeys(i.de for i in self.items))

    def evaluate(
        self, values: Mapping[Item, float | None], strategy: str = SKIP_IF_ALL_VALUES_MISSING
    ) -> float | None:
        """The value, or None when skipped by the strategy or undefined (division by zero)."""
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown missing value strategy {strategy!r}")
        if self.items:
            present = sum(1 for i in self.items if values.get(i) is not None)
            if strategy == SKIP_IF_ANY_VALUE_MISSING and present < len(self.items):
                return None
            if strategy == SKIP_IF_ALL_VALUES_MISSING and present == 0:
                return None
        try:
            result = _eval(self.tree, values)
        except _Undefined:
            return None
        if result is None:
            return None
        number = float(result)
        return number if math.isfinite(number) else None


def parse(text: str) -> Expression:
    """Parse an expression; ExpressionError names what is wrong and where."""
    tree = _Parser(text or "").parse()
    found: list[Item] = []
    _items(tree, found)
    return Expression(text, tree, tuple(found))


def evaluate(text: str, values: Mapping[Item, float | None], strategy: str = NEVER_SKIP) -> float | None:
    return parse(text).evaluate(values, strategy)
