"""Safe YAML loading that remembers line numbers, for file:line errors.

Rule files may come from anyone (a gemeente, a what-if folder), so reading is
bounded and strict: only regular UTF-8 files, no control characters, no explicit
tags, anchors, aliases or merge keys, and limited nesting. Whatever is refused
becomes a :class:`YamlError` naming the line, never a traceback.
"""

from __future__ import annotations

import codecs
import os
import re
import reprlib
import stat
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.constructor import ConstructorError

#: largest file read, in bytes (the biggest bundled rule file is 16 KB; PyYAML reads
#: some 100 KB a second, so this also bounds the time one file can take)
MAX_FILE_BYTES = 1024 * 1024
#: deepest nesting of lists and mappings (bundled files nest 6 deep); PyYAML builds
#: nested nodes recursively, so a deeper file would overflow the stack
MAX_NESTING = 50
#: most nodes (keys, values and list items) in one file (the biggest bundled rule file
#: has 700); dense flow style like ``[{}, {}, ...]`` costs PyYAML some 400 bytes of
#: memory and 50 microseconds a node
MAX_NODES = 50_000
#: longest number converted, in characters: Python refuses integers of more than
#: 4,300 digits, and YAML 1.1 base-60 numbers (``1:2:3``) take quadratic time
MAX_NUMBER_CHARS = 100
#: longest echo of a value from a file in a message, in characters
MAX_ECHO = 80

#: control characters, line breaks other than CR/LF (PyYAML counts them as lines, an
#: editor may not), lone surrogates (from ``\\udc80`` escapes) and non-characters
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]"
)
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_NUMBER_KINDS = {
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
}
_VALUE_KINDS = {**_NUMBER_KINDS, "tag:yaml.org,2002:timestamp": "a date"}
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Echo(reprlib.Repr):
    """``repr`` cut short, that also shortens the mappings of this module."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = self.maxother = MAX_ECHO
        self.maxlevel = 3

    def repr_Located(self, x: dict[str, Any], level: int) -> str:
        return self.repr_dict(x, level)


_ECHO = _Echo()


def echo(value: Any) -> str:
    """A value from a file for a message: quoted and escaped like ``repr`` (so it stays
    on one line and can not pose as another message) and at most ``MAX_ECHO`` long."""
    try:
        text = _ECHO.repr(value)
    except ValueError:  # an integer too long to print
        return "<a very long number>"
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 3] + "..."


def printable(text: str) -> str:
    """``text`` with every unprintable character escaped: one line, however it was built."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def describe(char: str) -> str:
    """A character named for a message: ``character U+00A0 (NO-BREAK SPACE)``."""
    code = f"U+{ord(char):04X}"
    kind = unicodedata.category(char)
    if kind == "Cc":
        return f"control character {code}"
    if kind == "Cs":
        return f"lone surrogate {code}"
    name = unicodedata.name(char, "")
    return f"character {code} ({name})" if name else f"character {code}"


def _line_at(text: str, pos: int) -> tuple[int, int]:
    """(line, column), counting from 1, of offset ``pos``; CR, LF and CRLF end a line."""
    head = text[:pos]
    line = head.count("\n") + head.count("\r") - head.count("\r\n") + 1
    return line, pos - max(head.rfind("\n"), head.rfind("\r"))


class Located(dict[str, Any]):
    """A mapping from YAML that knows the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


def _refuse(message: str, node_or_event: Any) -> ConstructorError:
    return ConstructorError(None, None, message, node_or_event.start_mark)


# libyaml's scanner and parser, when PyYAML was built with it
_Parser: Any = getattr(getattr(yaml, "cyaml", None), "CParser", None)

if TYPE_CHECKING:
    _ChecksBase = yaml.SafeLoader  # the methods the checks call and extend
else:
    _ChecksBase = object  # at run time a mixin: the loader classes bring the parser


class _Checks(_ChecksBase):
    """Mappings that carry line numbers, and refusal of what could make a file mean
    something other than it shows (mixed into both loaders below)."""

    depth = 0
    nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            # an alias shares a node: one edit changes two places, and nested aliases
            # expand exponentially (a few hundred bytes can stand for gigabytes)
            raise _refuse("anchors and aliases (&name, *name) are not allowed", event)
        tag = getattr(event, "tag", None)
        if tag is not None:
            raise _refuse(f"explicit YAML tags are not allowed (found {echo(tag)})", event)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _refuse(f"more than {MAX_NODES:,} keys, values and list items", event)
        nests = isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent)
        if nests and self.depth >= MAX_NESTING:
            raise _refuse(f"lists and mappings nested more than {MAX_NESTING} levels deep", event)
        self.depth += nests
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= nests

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        if node.tag in _NUMBER_KINDS and len(node.value) > MAX_NUMBER_CHARS:
            raise _refuse(f"number too long (more than {MAX_NUMBER_CHARS} characters)", node)
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:  # e.g. a date like 2024-13-45
            kind = _VALUE_KINDS.get(node.tag, "a value")
            raise _refuse(f"cannot read {echo(node.value)} as {kind}: {exc}", node) from None

    def construct_scalar(self, node: Any) -> Any:
        value = super().construct_scalar(node)
        bad = _FORBIDDEN.search(value)
        if bad:  # written as an escape ("\e", "\0", "\udc80"): the reader never saw it
            raise _refuse(f"{describe(bad.group())} is not allowed", node)
        return value


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> Located:
    out = Located()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:  # '<<' would pull in keys from elsewhere
            raise _refuse("merge keys (<<) are not allowed", key_node)
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise _refuse(f"keys must be strings, got {echo(key)}", key_node)
        if key in out:
            raise _refuse(f"duplicate key {echo(key)}", key_node)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


class _PyLineLoader(_Checks, yaml.SafeLoader):
    """The pure-Python SafeLoader with the checks: it words every error (its messages
    are the ones the tests and users know), and it loads when libyaml is missing."""


if _Parser is not None:

    class _LineLoader(
        _Checks,
        yaml.composer.Composer,
        _Parser,
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        """libyaml scans and parses (about five times faster to load the rules);
        composing and constructing stay in Python, so the checks see every event and
        node as in the pure-Python loader."""

        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _LOADERS: tuple[type[yaml.SafeLoader], ...] = (_LineLoader, _PyLineLoader)
else:  # pragma: no cover - PyYAML wheels ship libyaml
    _LOADERS = (_PyLineLoader,)

for _loader in _LOADERS:
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class YamlError(ValueError):
    def __init__(self, file: str, line: int, message: str) -> None:
        self.file, self.line = file, line
        super().__init__(printable(f"{file}:{line}: {message}"))


def _read_regular(path: Path) -> bytes | None:
    """The first ``MAX_FILE_BYTES + 1`` bytes of a regular file, or None for anything else
    (checked before opening, as a pipe would block and a device might never end, and
    again on the open file, in case it was swapped in between)."""
    if not stat.S_ISREG(path.stat().st_mode):
        return None
    with os.fdopen(os.open(path, _OPEN_FLAGS), "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            return None
        return file.read(MAX_FILE_BYTES + 1)


def read_source(path: Path, shown: str) -> bytes:
    """The bytes of a regular file of at most ``MAX_FILE_BYTES`` (line 0 in an error
    means the file as a whole)."""
    try:
        data = _read_regular(path)
    except (OSError, ValueError) as exc:  # ValueError: a path with a NUL byte in it
        reason = getattr(exc, "strerror", None) or exc
        raise YamlError(shown, 0, f"cannot read file: {reason}") from None
    if data is None:
        raise YamlError(shown, 0, "not a regular file (a directory, pipe or device?)")
    if len(data) > MAX_FILE_BYTES:
        raise YamlError(shown, 0, f"file is larger than {MAX_FILE_BYTES:,} bytes")
    return data


def decode(data: bytes, shown: str) -> str:
    """The UTF-8 text of a file (without a byte-order mark), with no forbidden characters."""
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            raise YamlError(shown, 1, f"the file is {name}; save it as UTF-8")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line, column = _line_at(data.decode("latin-1"), exc.start)
        raise YamlError(
            shown,
            line,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column}); "
            "save the file as UTF-8",
        ) from None
    bad = _FORBIDDEN.search(text)
    if bad:
        line, column = _line_at(text, bad.start())
        hint = " (is the file UTF-16? save it as UTF-8)" if bad.group() == "\0" else ""
        raise YamlError(shown, line, f"{describe(bad.group())} is not allowed{hint}")
    return text


def parse_yaml(data: bytes, shown: str) -> Any:
    """Parse the bytes of one file; every problem is a :class:`YamlError` with a line."""
    text = decode(data, shown)
    # libyaml is a little more lenient than PyYAML's own parser (a tab or '?' inside a
    # plain scalar in a flow mapping): it then reads the characters as they stand,
    # and the rule schema judges the key or value (tests/test_yaml_loaders.py)
    if len(_LOADERS) > 1:
        try:
            return yaml.load(text, Loader=_LOADERS[0])
        except yaml.YAMLError:
            pass  # the pure-Python loader decides and words the error
    try:
        return yaml.load(text, Loader=_PyLineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlError(shown, line, f"YAML error: {exc.problem or exc.context}") from None
    except yaml.reader.ReaderError as exc:
        raise YamlError(
            shown, _line_at(text, exc.position)[0], f"YAML error: {exc.reason}"
        ) from None
    except yaml.YAMLError as exc:
        raise YamlError(shown, 0, f"YAML error: {exc}") from None


def load_yaml(path: Path, shown: str) -> Any:
    """Load one YAML file safely; every problem becomes :class:`YamlError` with a line."""
    return parse_yaml(read_source(path, shown), shown)


def unknown_keys(
    obj: Located, allowed: set[str] | frozenset[str], what: str
) -> list[tuple[int, str]]:
    """(line, message) for every key of ``obj`` outside ``allowed``, escaped for echoing."""
    from ..model.convert import suggest

    options = sorted(allowed)
    return [
        (
            obj.line_of(key),
            f"{what}: unknown key {echo(key)}{suggest(key, options)}; "
            f"allowed: {', '.join(options)}",
        )
        for key in obj
        if key not in allowed
    ]
