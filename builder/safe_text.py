"""Make untrusted text safe to show in one line of terminal output."""
import re

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def show(value, limit: int = 60) -> str:
    """A short, quoted, escaped rendering of a value for messages."""
    if isinstance(value, str):
        text = _UNSAFE.sub(lambda m: "\\u%04x" % ord(m.group()), value)
        if len(text) > limit:
            text = text[:limit] + "…"
        return "'" + text.replace("'", "\\'") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return str(value)[:limit]


def type_name(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if value is None:
        return "null"
    return type(value).__name__
