"""What an importer extracts from one paper, before it becomes a stub file."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

ARXIV = re.compile(r"(?:arxiv\.org/(?:abs|pdf|html)/|arxiv:\s*)(\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?", re.IGNORECASE)
BARE_ARXIV = re.compile(r"^(\d{4}\.\d{4,5})(?:v\d+)?$")


@dataclass(frozen=True)
class KindRules:
    """How an importer guesses a paper's kind: words (in order) and the kind when none matches.

    They come from survey.yaml's `import:` section, so each survey has its own.
    """

    words: tuple = ()          # ((word, kind), ...)
    default: str = ""

    @classmethod
    def from_config(cls, raw: dict) -> "KindRules":
        section = raw.get("import") or {}
        words = tuple((str(w).lower(), str(k)) for w, k in (section.get("kind_words") or {}).items())
        return cls(words, str(section.get("default_kind", "")))


@dataclass
class Record:
    """One paper as an importer read it; `origin` says where (file:line), `skipped` what it left out."""

    id: str
    kind: str
    kind_reason: str
    origin: str
    fields: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return re.sub(r"-{2,}", "-", slug)[:64].strip("-")


def arxiv_id(text: str) -> str | None:
    """The arXiv id in a URL or 'arXiv:' reference, without version or .pdf."""
    if not text:
        return None
    m = ARXIV.search(text) or BARE_ARXIV.match(text.strip())
    return m.group(1) if m else None


def looks_like_a_name(token: str) -> bool:
    """'ResNet', 'GPT-2', 'BERT', 'T5' look like names; 'Deep Nets' does not."""
    token = token.strip()
    if not token or not token.isascii() or len(token.split()) > 2:
        return False
    return bool(re.search(r"[A-Z].*[A-Z]|\d|-", token)) or (token[:1].isupper() and len(token.split()) == 1)


def choose_id(title: str, tags: list) -> str:
    """The model or paper name: the title's head before a colon, a name-like tag, or the title's first words."""
    head = title.split(":", 1)[0].strip() if ":" in title else ""
    if head and len(head.split()) <= 3:
        return slugify(head)
    for tag in tags:
        if looks_like_a_name(tag) and " " not in tag.strip():
            return slugify(tag)
    return slugify(" ".join(title.split()[:5]))


def guess_kind(title: str, tags: list, rules: KindRules) -> tuple[str, str]:
    haystack = " ".join([title] + list(tags)).lower()
    for word, kind in rules.words:
        if word in haystack:
            return kind, f"guessed from the word {word!r}"
    if rules.default:
        return rules.default, f"the default kind (no word pointed elsewhere); change kind if it is not a {rules.default}"
    return "TODO", "not guessed: survey.yaml gives no import rules"


def normalise_tag(tag: str) -> str | None:
    """A tag in the schema's form, or None when it cannot be one without losing words (non-ASCII)."""
    if not tag.strip().isascii():
        return None
    slug = re.sub(r"[^a-z0-9.+-]+", "-", tag.strip().lower()).strip("-")
    return slug if slug and slug[0].isalnum() and slug.isascii() and len(slug) <= 40 else None
