"""Tokenizer and token cursor shared by the search filter and order_by parsers.

The grammar is the small SQL-like language MLflow accepts in `filter` and `order_by`:
bare words, `backtick-quoted names`, 'single' or "double" quoted strings (the quote is escaped
by doubling it, as in SQL), integers, comparison operators and the punctuation `( ) , .`.
Positions are 0-based offsets into the text, so every error can point at its cause.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from modelyard.errors import InvalidParameter

# Long inputs are cut in messages so an error response never echoes megabytes back.
_MAX_SHOWN = 200


class Kind(enum.Enum):
    WORD = "word"
    NAME = "quoted name"  # `backticks`
    STRING = "string"  # 'single' or "double" quotes
    NUMBER = "number"
    OP = "operator"
    LPAREN = "'('"
    RPAREN = "')'"
    COMMA = "','"
    DOT = "'.'"
    END = "end of input"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    value: str  # unquoted content for NAME and STRING, the source text otherwise
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind is Kind.WORD and self.value.upper() in words


@dataclass(frozen=True, slots=True)
class Source:
    """The text being parsed and what it is ("filter" or "order_by"), for error messages.

    `decimals` lets numbers have a fraction and an exponent (run filters compare metrics such as
    `metrics.rmse < 0.25`); the registry's grammars take whole numbers only.
    """

    what: str
    text: str
    decimals: bool = False

    def error(self, detail: str, at: int | None = None) -> InvalidParameter:
        shown = self.text if len(self.text) <= _MAX_SHOWN else self.text[:_MAX_SHOWN] + "..."
        if at is None:
            where = ""
        elif at >= len(self.text):
            where = " at end of input"
        else:
            where = f" at position {at}"
        return InvalidParameter(f"Invalid {self.what} {shown!r}{where}: {detail}")


_OPERATORS = ("!=", "<=", ">=", "=", "<", ">")  # two-character operators are tried first
_PUNCTUATION = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA, ".": Kind.DOT}
_QUOTES = {"'": Kind.STRING, '"': Kind.STRING, "`": Kind.NAME}
_DIGITS = frozenset("0123456789")
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")


def tokenize(source: Source) -> list[Token]:
    """Split `source.text` into tokens; the list always ends with one END token."""
    text = source.text
    # Neither database driver can send these, so refuse them here rather than fail in SQL.
    for pos, ch in enumerate(text):
        if ch == "\x00":
            raise source.error("NUL characters are not allowed", pos)
        if "\ud800" <= ch <= "\udfff":
            raise source.error("not valid Unicode (a lone surrogate)", pos)
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        token = _scan(source, pos)
        tokens.append(token)
        pos = token.end
    tokens.append(Token(Kind.END, "", len(text), len(text)))
    return tokens


def _scan(source: Source, pos: int) -> Token:
    text = source.text
    ch = text[pos]
    if ch in _QUOTES:
        return _scan_quoted(source, pos)
    if ch.isalpha() or ch == "_":
        end = pos + 1
        while end < len(text) and (text[end].isalnum() or text[end] == "_"):
            end += 1
        return Token(Kind.WORD, text[pos:end], pos, end)
    if ch in _DIGITS or (ch == "-" and text[pos + 1 : pos + 2] in _DIGITS):
        return _scan_number(source, pos)
    if ch in _PUNCTUATION:
        return Token(_PUNCTUATION[ch], ch, pos, pos + 1)
    for op in _OPERATORS:
        if text.startswith(op, pos):
            return Token(Kind.OP, op, pos, pos + len(op))
    raise source.error(f"unexpected character {ch!r}", pos)


def _scan_quoted(source: Source, pos: int) -> Token:
    text = source.text
    quote = text[pos]
    parts: list[str] = []
    start = pos + 1
    while True:
        close = text.find(quote, start)
        if close < 0:
            what = "name" if quote == "`" else "string"
            raise source.error(f"unterminated {what} (missing closing {quote})", pos)
        parts.append(text[start:close])
        # A doubled quote stands for one quote character inside the value.
        if text.startswith(quote, close + 1):
            parts.append(quote)
            start = close + 2
            continue
        return Token(_QUOTES[quote], "".join(parts), pos, close + 1)


def _scan_number(source: Source, pos: int) -> Token:
    text = source.text
    if source.decimals:
        match = _DECIMAL.match(text, pos)
        if match is not None and not _glued(text, match.end()):
            return Token(Kind.NUMBER, match.group(), pos, match.end())
    end = pos + 1
    # Take the whole run of number-like characters so that '1.5' or '12ab' is reported as one
    # bad number rather than as a number followed by confusing leftovers.
    while end < len(text) and (text[end].isalnum() or text[end] in "._"):
        end += 1
    raw = text[pos:end]
    digits = raw[1:] if raw.startswith("-") else raw
    if source.decimals:
        raise source.error(f"invalid number {raw!r}", pos)
    if not digits or not set(digits) <= _DIGITS:
        raise source.error(f"invalid number {raw!r} (only whole numbers are allowed)", pos)
    return Token(Kind.NUMBER, raw, pos, end)


def _glued(text: str, end: int) -> bool:
    """A number directly followed by a letter, digit, '.' or '_' ("1.5x", "1.2.3") is malformed."""
    return end < len(text) and (text[end].isalnum() or text[end] in "._")


class Cursor:
    """Walks a token list; `take` never moves past the END token."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self._tokens = tokenize(source)
        self._index = 0

    def peek(self, ahead: int = 0) -> Token:
        return self._tokens[min(self._index + ahead, len(self._tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        if token.kind is not Kind.END:
            self._index += 1
        return token

    def error(self, detail: str, token: Token) -> InvalidParameter:
        return self.source.error(detail, token.start)

    def unexpected(self, expected: str, token: Token) -> InvalidParameter:
        if token.kind is Kind.END:
            return self.error(f"expected {expected}", token)
        shown = self.source.text[token.start : token.end]
        return self.error(f"expected {expected}, got {shown!r}", token)

    def take_dotted_tail(self, previous: Token) -> Token | None:
        """Take `.part` glued to `previous` (no spaces), returning the part, or None if absent."""
        dot, part = self.peek(), self.peek(1)
        if dot.kind is not Kind.DOT or dot.start != previous.end:
            return None
        if part.start != dot.end or part.kind not in (Kind.WORD, Kind.NAME, Kind.STRING):
            raise self.unexpected("a key directly after '.'", part)
        self.take()
        return self.take()
