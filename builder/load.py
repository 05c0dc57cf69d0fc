"""Read one entry file into plain data plus the line and column of every value.

Entries are untrusted, so this reads YAML from the parser's event stream with an
explicit stack instead of PyYAML's constructors: no tags beyond plain data, no
anchors or aliases (so no alias bombs), no duplicate keys, bounded depth, and
scalars resolved by the YAML 1.2 core schema (``no`` stays a string, dates stay
strings), which is what a contributor writing JSON-like data expects.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from sys import intern

import yaml

from builder.problems import Problem
from builder.safe_text import show

try:  # libyaml's parser is ~10x faster; the event stream is the same.
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

try:  # the compiled reader of valid files (builder/_yamldata.c), where the install could build it
    from builder._yamldata import UNUSUAL as _UNUSUAL, load as _compiled_load
except ImportError:  # pragma: no cover - not compiled here: parse_data_python reads them
    _UNUSUAL = _compiled_load = None

MAX_BYTES = 1024 * 1024
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # absent on Windows, where there are no FIFOs to block on
MAX_DEPTH = 32

_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?[0-9]{1,18}\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_ALLOWED_TAGS = {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
# C0/C1 controls other than tab and newline, and the bidirectional controls used
# in "Trojan source" attacks: they would make a title lie about what it says.
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Positions:
    """Where each value (and each mapping key) sits in the file, by JSON path.

    The parser's marks are stored as they come and turned into (line, column) only
    when a message asks for one: most files never need any.
    """

    values: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)

    def value(self, path) -> tuple[int, int]:
        """Position of the value at path, or of its nearest enclosing value."""
        path = tuple(path)
        while path not in self.values and path:
            path = path[:-1]
        return _as_pair(self.values.get(path, (1, 1)))

    def key(self, path) -> tuple[int, int]:
        """Position of the key that names path (falls back to the value)."""
        path = tuple(path)
        if path in self.keys:
            return _as_pair(self.keys[path])
        return self.value(path)


def _as_pair(mark) -> tuple[int, int]:
    return mark if isinstance(mark, tuple) else (mark.line + 1, mark.column + 1)


class LazyPositions:
    """Positions read again (from the text when given, else the file) only when a message needs one.

    Most files never need any: workers do not send positions back, and a valid file is read without them.
    """

    def __init__(self, file_path, display: str, text: str | None = None):
        self.file_path = file_path
        self.display = display
        self.text = text
        self._real = None

    def _get(self) -> Positions:
        if self._real is None:
            try:
                self._real = (parse(self.text, self.display) if self.text is not None
                              else load_entry(self.file_path, self.display)).positions
            except (LoadError, OSError):
                self._real = Positions()
            self.text = None
        return self._real

    def value(self, path):
        return self._get().value(path)

    def key(self, path):
        return self._get().key(path)


@dataclass
class Loaded:
    """A parsed file: its data and where each piece of it came from."""

    path: str
    data: object
    positions: Positions
    digest: str = ""  # hash of the file's bytes, when the checker computed one: the data is a function of it
    no_todo: bool = False  # known to hold no "TODO" in any string (see crosscheck.check_placeholders)


class LoadError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def _mark(m) -> tuple[int, int]:
    return (m.line + 1, m.column + 1)


def _position_of_offset(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    col = len(raw[start:offset].decode("utf-8", errors="replace")) + 1
    return line, col


def decode(raw: bytes, path: str) -> str:
    """Strict UTF-8 (a leading BOM is accepted and dropped); NUL bytes are refused."""
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = _position_of_offset(raw, nul)
        raise LoadError(Problem(path, line, col, "error: NUL byte in file; entries are UTF-8 text"))
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position_of_offset(raw, exc.start)
        raise LoadError(Problem(path, line, col,
                                f"error: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")) from None


def _scalar(event, path: str, check_chars: bool = True):
    """Resolve a scalar by the YAML 1.2 core schema, refusing tags."""
    if event.tag not in _ALLOWED_TAGS:
        line, col = _mark(event.start_mark)
        raise LoadError(Problem(path, line, col,
                                f"error: YAML tag {show(event.tag)} is not allowed; entries hold plain data only"))
    value = event.value
    if check_chars:
        bad = _BAD_CHARS.search(value)
        if bad:
            line, col = _mark(event.start_mark)
            raise LoadError(Problem(path, line, col,
                                    f"error: control or bidirectional character U+{ord(bad.group()):04X} in a string"))
    if not event.style and event.tag is None and event.implicit[0]:
        if value in _NULL:
            return None
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        if value[0] in _NUMBER_START:  # the numeric patterns only for what could be a number
            if _INT.match(value):
                return int(value)
            if _FLOAT.match(value) and len(value) < 40:
                return float(value)
    return value


_NUMBER_START = frozenset("+-.0123456789")
_Scalar, _MapStart, _SeqStart = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
_Ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_Skipped = (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)


def parse(text: str, path: str) -> Loaded:
    """Turn YAML text into data and positions, or raise LoadError with a Problem."""
    positions = Positions()
    values, keys = positions.values, positions.keys
    # Scalars are searched for forbidden characters one by one only if the text could produce one:
    # it holds one, or a backslash (a double-quoted "\x07" escape makes one).
    check_chars = "\\" in text or _BAD_CHARS.search(text) is not None
    stack: list = []  # frames: [container, json_path, pending_key, is_mapping]
    root = None
    documents = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            kind = type(event)
            if kind in _Ends:
                done = stack.pop()
                _attach(stack, done[0], done[1], positions)
                continue
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    line, col = _mark(event.start_mark)
                    raise LoadError(Problem(path, line, col, "error: more than one YAML document; an entry is one mapping"))
                continue
            if kind in _Skipped:
                continue
            if kind is yaml.AliasEvent or event.anchor is not None:
                line, col = _mark(event.start_mark)
                raise LoadError(Problem(path, line, col, "error: YAML anchors and aliases are not allowed in entries; write the value out"))
            # A value or a key starts here.
            if stack:
                parent = stack[-1]
                if parent[3] and parent[2] is None:
                    if kind is not _Scalar:
                        line, col = _mark(event.start_mark)
                        raise LoadError(Problem(path, line, col, "error: mapping keys must be plain strings"))
                    key = _scalar(event, path, check_chars)
                    key = intern(key if isinstance(key, str) else event.value)
                    if key in parent[0]:
                        line, col = _mark(event.start_mark)
                        first = positions.key(parent[1] + (key,))[0] if parent[1] + (key,) in keys else 0
                        raise LoadError(Problem(path, line, col, f"error: duplicate key {show(key)} (first defined on line {first})"))
                    parent[2] = key
                    keys[parent[1] + (key,)] = event.start_mark
                    continue
                here = parent[1] + ((parent[2],) if parent[3] else (len(parent[0]),))
            else:
                here = ()
            values[here] = event.start_mark
            if kind is _Scalar:
                value = _scalar(event, path, check_chars)
                if type(value) is str and len(value) <= 40:
                    value = intern(value)  # ids, dates and taxonomy values recur across thousands of entries
                if not stack:
                    root = value
                else:
                    _attach(stack, value, here, positions)
                continue
            if event.tag not in _ALLOWED_TAGS:
                line, col = _mark(event.start_mark)
                raise LoadError(Problem(path, line, col, f"error: YAML tag {show(event.tag)} is not allowed; entries hold plain data only"))
            if len(stack) >= MAX_DEPTH:
                line, col = _mark(event.start_mark)
                raise LoadError(Problem(path, line, col, f"error: nested more than {MAX_DEPTH} levels deep"))
            mapping = kind is _MapStart
            container = {} if mapping else []
            stack.append([container, here, None, mapping])
            if len(stack) == 1:
                root = container
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _mark(mark) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{what} ({exc.context})"
        raise LoadError(Problem(path, line, col, f"error: YAML syntax: {what}")) from None
    except yaml.YAMLError as exc:  # reader errors without marks
        raise LoadError(Problem(path, 1, 1, f"error: YAML: {str(exc).splitlines()[0]}")) from None
    return Loaded(path, root, positions)


class _Unusual(Exception):
    """Something parse_data leaves to parse(), which words and places the problem."""


_MapEnd, _SeqEnd = yaml.MappingEndEvent, yaml.SequenceEndEvent
_DocStart, _DocEnd, _StreamEnd = yaml.DocumentStartEvent, yaml.DocumentEndEvent, yaml.StreamEndEvent


def compiled_reader() -> str:
    """Which reader parse_data uses: 'libyaml X.Y.Z' (builder._yamldata), or 'python' where it is not built."""
    if _compiled_load is None:
        return "python"
    from builder._yamldata import libyaml_version
    return f"libyaml {libyaml_version()}"


def parse_data(text: str, path: str):
    """parse(text, path).data, without recording positions, for the files that need none.

    Read by builder._yamldata (libyaml's events read in C, three times quicker) where it is built,
    else by parse_data_python; the two apply the same rules. Anything unusual (an error, an anchor, a
    second document, a duplicate key...) is handed to parse(), so every problem is worded and placed
    exactly as there; property tests hold all three to the same answers.
    """
    if _compiled_load is None:
        return parse_data_python(text, path)
    data = _compiled_load(text)
    return parse(text, path).data if data is _UNUSUAL else data


def parse_data_python(text: str, path: str):
    """parse(text, path).data without positions, in Python: a third cheaper than parse().

    It reads the same events with the same rules; anything unusual is handed to parse().
    """
    # Scalars are searched for forbidden characters only if the text could produce one (see parse).
    bad = _BAD_CHARS.search if "\\" in text or _BAD_CHARS.search(text) is not None else None
    stack: list = []  # the enclosing (container, is_mapping, key) of the open container
    root = container = key = None
    is_map = False
    scalar, map_start, seq_start, map_end, seq_end = _Scalar, _MapStart, _SeqStart, _MapEnd, _SeqEnd
    allowed, null, true, false, number_start = _ALLOWED_TAGS, _NULL, _TRUE, _FALSE, _NUMBER_START
    try:
        get = _Loader(text).get_event
        get()  # the stream's start
        if type(get()) is not _DocStart:
            return None  # no document at all
        while True:
            event = get()
            kind = type(event)
            if kind is scalar:
                # _scalar's rules, inlined: this runs for every key and value of ten thousand files
                tag, value = event.tag, event.value
                if event.anchor is not None or (tag is not None and tag not in allowed) or (bad and bad(value)):
                    raise _Unusual
                if is_map and key is None:  # a key: its text, whatever it would resolve to as a value
                    key = intern(value)
                    if key in container:
                        raise _Unusual
                    continue
                if not event.style and tag is None and event.implicit[0]:
                    if value in null:
                        value = None
                    elif value in true:
                        value = True
                    elif value in false:
                        value = False
                    elif value[0] in number_start and _INT.match(value):
                        value = int(value)
                    elif value[0] in number_start and len(value) < 40 and _FLOAT.match(value):
                        value = float(value)
                    elif len(value) <= 40:
                        value = intern(value)
                elif len(value) <= 40:
                    value = intern(value)  # ids, dates and taxonomy values recur across thousands of entries
                if container is None:
                    root = value
                elif is_map:
                    container[key] = value
                    key = None
                else:
                    container.append(value)
            elif kind is map_start or kind is seq_start:
                if (event.anchor is not None or event.tag not in allowed or len(stack) >= MAX_DEPTH
                        or (is_map and key is None)):
                    raise _Unusual
                new = {} if kind is map_start else []
                if container is None:
                    root = new
                elif is_map:
                    container[key] = new
                else:
                    container.append(new)
                stack.append((container, is_map, key))
                container, is_map, key = new, kind is map_start, None
            elif kind is map_end or kind is seq_end:
                container, is_map, key = stack.pop()
                key = None
            elif kind is _DocEnd and type(get()) is _StreamEnd:
                return root
            else:
                raise _Unusual  # an alias, or a second document
    except (_Unusual, LoadError, yaml.YAMLError):
        return parse(text, path).data  # raises the problem, worded and placed


def _attach(stack, value, here, positions) -> None:
    """Put a finished value into its parent container."""
    if not stack:
        return
    parent = stack[-1]
    if parent[3]:
        parent[0][parent[2]] = value
        parent[2] = None
    else:
        parent[0].append(value)


def read_bytes(file_path, display: str, limit: int = MAX_BYTES) -> bytes:
    """Read at most limit bytes of a regular file; larger files are refused before parsing.

    Anything else named like an entry (a FIFO, a device) is refused unread: opening a FIFO for
    reading would wait for a writer for ever. The read asks for the size the file has: asking for
    limit + 1 bytes makes Python set aside a megabyte for every 3 KB entry (three times slower).
    """
    fd = os.open(file_path, os.O_RDONLY | _NONBLOCK)  # a FIFO opens at once instead of waiting
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise LoadError(Problem(display, 1, 1, "error: not a regular file; entries are plain text files"))
        raw = os.read(fd, min(st.st_size, limit) + 1)
        while len(raw) <= limit:  # a file that grew since fstat reads on, up to the limit; else this ends it
            more = os.read(fd, limit + 1 - len(raw))
            if not more:
                break
            raw += more
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise LoadError(Problem(display, 1, 1, f"error: file is larger than {limit // 1024} KiB; entries are small text files"))
    return raw


def load_entry(file_path, display: str) -> Loaded:
    """Read, decode and parse one entry file; the top level must be a mapping."""
    return parse_entry(decode(read_bytes(file_path, display), display), display)


def parse_entry(text: str, display: str) -> Loaded:
    """parse(), and the top level must be a mapping."""
    loaded = parse(text, display)
    if loaded.data is None:
        raise LoadError(Problem(display, 1, 1, "error: file is empty; an entry is a YAML mapping (see CONTRIBUTING.md)"))
    if not isinstance(loaded.data, dict):
        line, col = loaded.positions.value(())
        kind = "a list" if isinstance(loaded.data, list) else f"a {type(loaded.data).__name__}"
        raise LoadError(Problem(display, line, col, f"error: the top level must be a mapping of keys, found {kind}"))
    return loaded
