"""What the rules need to know about one expression string, worked out once per distinct string.

spdxcheck.py's grammar makes AND and OR non-associative, so a valid kernel expression has at
most one operator per parenthesis level. Here expressions are also read with the SPDX
specification's precedence (WITH binds tighter than AND, AND tighter than OR), which gives a
meaning, and a fully parenthesised spelling, to the ones spdxcheck rejects.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple, Union

if TYPE_CHECKING:
    from tui.core.rules.base import RuleContext

_TOKEN_RE = re.compile(r"[()]|[^\s()]+")
_OPERATORS = ("AND", "OR", "WITH")
#: Past this many alternatives an expression is not expanded (none in the kernel comes close).
MAX_CHOICES = 256

#: A leaf: (license id, exception id or None), as spelled in the file.
Leaf = tuple[str, str | None]
Node = Union["Term", "Op"]


class Term(NamedTuple):
    license: str
    exception: str | None = None


class Op(NamedTuple):
    operator: str  # "AND" or "OR"
    left: Node
    right: Node


class _ParseError(Exception):
    pass


class Analysis(NamedTuple):
    """One expression, read with SPDX precedence.

    ``levels``: the operators written at each parenthesis level (only levels with two or more);
    ``choices``: the alternatives a user may pick, each the set of upper-cased license ids that
    all apply (None when the expression does not parse or has too many alternatives);
    ``leaves``: every (license, exception) term as written.
    """

    tree: Node | None
    levels: tuple[tuple[str, ...], ...]
    lowercase_operators: tuple[str, ...]
    leaves: tuple[Leaf, ...]
    choices: tuple[frozenset[str], ...] | None

    @property
    def mixed(self) -> bool:
        """AND and OR side by side at one level, without parentheses: ambiguous."""
        return any("AND" in ops and "OR" in ops for ops in self.levels)

    @property
    def chained(self) -> tuple[str, ...]:
        """Operators repeated at one level (A OR B OR C), which spdxcheck rejects."""
        return tuple(sorted({ops[0] for ops in self.levels if len(set(ops)) == 1}))

    def rewrite(self) -> str | None:
        """The expression with every operand that is itself an AND/OR or WITH in parentheses."""
        return None if self.tree is None else _render(self.tree, top=True)


#: Expressions longer than this many tokens are not analysed (the longest in 6.12 has 13).
MAX_TOKENS = 200


def tokens(expression: str) -> list[str]:
    return _TOKEN_RE.findall(expression)


def analyse(expression: str) -> Analysis:
    """Read *expression*; never raises (a text that does not parse has ``tree`` None)."""
    toks = tokens(expression)
    stack: list[list[str]] = [[]]
    levels: list[tuple[str, ...]] = []
    lowercase: list[str] = []
    for tok in toks:
        upper = tok.upper()
        if tok == "(":
            stack.append([])
        elif tok == ")":
            if len(stack) > 1:
                ops = stack.pop()
                if len(ops) > 1:
                    levels.append(tuple(ops))
        elif upper in _OPERATORS:
            if tok != upper:
                lowercase.append(tok)
            if upper != "WITH":
                stack[-1].append(upper)
    for ops in stack:
        if len(ops) > 1:
            levels.append(tuple(ops))
    leaves: tuple[Leaf, ...] = ()
    choices: tuple[frozenset[str], ...] | None = None
    tree = None
    if len(toks) <= MAX_TOKENS:  # a junk tag of thousands of words is not worth a structure (nor a deep recursion)
        try:
            tree = _Parser(toks).parse()
            if tree is not None:
                leaves = tuple(_leaves(tree))
                expanded = _choices(tree)
                choices = tuple(dict.fromkeys(expanded)) if expanded is not None else None
        except (_ParseError, RecursionError):
            tree, leaves, choices = None, (), None
    return Analysis(tree, tuple(levels), tuple(dict.fromkeys(lowercase)), leaves, choices)


def analysis_of(ctx: RuleContext, expression: str) -> Analysis:
    """``analyse`` cached on the context, so each distinct string is read once a worker."""
    key = ("analysis", expression)
    found = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = analyse(expression)
    return found


class _Parser:
    """Recursive descent with SPDX precedence: or := and (OR and)*; and := term (AND term)*."""

    def __init__(self, toks: list[str]) -> None:
        self.toks = toks
        self.pos = 0

    def peek(self) -> str | None:
        return self.toks[self.pos].upper() if self.pos < len(self.toks) else None

    def take(self) -> str:
        if self.pos >= len(self.toks):
            raise _ParseError("unexpected end")
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Node:
        if not self.toks:
            raise _ParseError("empty")
        node = self.parse_or()
        if self.pos != len(self.toks):
            raise _ParseError(f"unexpected {self.toks[self.pos]}")
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.peek() == "OR":
            self.take()
            node = Op("OR", node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_term()
        while self.peek() == "AND":
            self.take()
            node = Op("AND", node, self.parse_term())
        return node

    def parse_term(self) -> Node:
        tok = self.take()
        if tok == "(":
            node = self.parse_or()
            if self.take() != ")":
                raise _ParseError("missing )")
            return node
        if tok == ")" or tok.upper() in _OPERATORS:
            raise _ParseError(f"unexpected {tok}")
        if self.peek() == "WITH":
            self.take()
            exception = self.take()
            if exception in ("(", ")") or exception.upper() in _OPERATORS:
                raise _ParseError(f"unexpected {exception}")
            return Term(tok, exception)
        return Term(tok)


def _render(node: Node, top: bool = False) -> str:
    if isinstance(node, Term):
        text = f"{node.license} WITH {node.exception}" if node.exception else node.license
        return text if top or node.exception is None else f"({text})"
    text = f"{_render(node.left)} {node.operator} {_render(node.right)}"
    return text if top else f"({text})"


def _leaves(node: Node) -> list[Leaf]:
    if isinstance(node, Term):
        return [(node.license, node.exception)]
    return _leaves(node.left) + _leaves(node.right)


def _choices(node: Node) -> list[frozenset[str]] | None:
    if isinstance(node, Term):
        return [frozenset((node.license.upper(),))]
    left = _choices(node.left)
    right = _choices(node.right)
    if left is None or right is None:
        return None
    if node.operator == "OR":
        out = left + right
    else:
        out = [a | b for a in left for b in right]
    return out if len(out) <= MAX_CHOICES else None
