"""Any text to LaTeX that compiles with pdflatex (T1 + textcomp) and prints literally.

ASCII specials become text commands (so `\\input`, `$`, `%`, `^` print as typed),
Latin letters with accents become accent commands, common punctuation becomes
its textcomp command, and a character no pdflatex font covers prints as its
code point, e.g. [U+7528], rather than breaking the build.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

_ASCII = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&",
    "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "|": r"\textbar{}", '"': r"\textquotedbl{}", "`": r"\textasciigrave{}", "'": r"\textquotesingle{}",
    "-": "-{}", "[": "{[}", "]": "{]}", "\n": " ", "\t": " ", "\r": " ",
    ",": ",{}",  # T1 turns ",," into a low double quote
}
_NAMED = {
    "\u2013": r"\textendash{}", "\u2014": r"\textemdash{}", "\u2018": r"\textquoteleft{}", "\u2019": r"\textquoteright{}",
    "\u201c": r"\textquotedblleft{}", "\u201d": r"\textquotedblright{}", "\u2026": r"\ldots{}", "\u00d7": r"\texttimes{}",
    "\u00f7": r"\textdiv{}", "\u00b1": r"\textpm{}", "\u00b0": r"\textdegree{}", "\u00b5": r"\textmu{}",
    "\u00b7": r"\textperiodcentered{}", "\u2022": r"\textbullet{}", "\u20ac": r"\texteuro{}", "\u00a9": r"\textcopyright{}",
    "\u00ae": r"\textregistered{}", "\u2122": r"\texttrademark{}", "\u00a7": r"\S{}", "\u00b6": r"\P{}", "\u00a3": r"\pounds{}",
    "\u00a2": r"\textcent{}", "\u00a5": r"\textyen{}", "\u00a0": "~", "\u00ab": r"\guillemotleft{}", "\u00bb": r"\guillemotright{}",
    "\u00a1": r"\textexclamdown{}", "\u00bf": r"\textquestiondown{}", "\u0142": r"\l{}", "\u0141": r"\L{}",
    "\u0111": r"\dj{}", "\u0110": r"\DJ{}", "\u0131": r"\i{}", "\u0153": r"\oe{}", "\u0152": r"\OE{}", "\u014b": r"\ng{}",
    "\u014a": r"\NG{}", "\u00df": r"\ss{}", "\u00e6": r"\ae{}", "\u00c6": r"\AE{}", "\u00f8": r"\o{}", "\u00d8": r"\O{}",
    "\u00e5": r"\aa{}", "\u00c5": r"\AA{}", "\u00fe": r"\th{}", "\u00de": r"\TH{}", "\u00f0": r"\dh{}", "\u00d0": r"\DH{}",
    "\u2212": "-{}", "\u2010": "-{}", "\u2011": "-{}", "\u2032": r"\textquotesingle{}", "\u2020": r"\textdagger{}",
    "\u00ac": r"\textlnot{}", "\u00a4": r"\textcurrency{}", "\u00a6": r"\textbrokenbar{}", "\u00a8": r"\textasciidieresis{}",
    "\u00af": r"\textasciimacron{}", "\u00b4": r"\textasciiacute{}", "\u00b8": r"\c{}", "\u00aa": r"\textordfeminine{}",
    "\u00ba": r"\textordmasculine{}", "\u00b9": r"\textonesuperior{}", "\u00b2": r"\texttwosuperior{}",
    "\u00b3": r"\textthreesuperior{}", "\u00bc": r"\textonequarter{}", "\u00bd": r"\textonehalf{}", "\u00be": r"\textthreequarters{}",
    "\u00ad": "", "\u2192": r"\textrightarrow{}", "\u2190": r"\textleftarrow{}", "\u2191": r"\textuparrow{}",
    "\u2193": r"\textdownarrow{}", "\u2713": r"\ding{51}", "\u2717": r"\ding{55}",
}
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u", "\u0307": ".",
    "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0327": "c", "\u0328": "k", "\u0323": "d",
}
_ABOVE = set("'`^~=.\"uvrH")


def _accented(ch: str) -> str | None:
    parts = unicodedata.normalize("NFD", ch)
    base, marks = parts[0], parts[1:]
    if not ("a" <= base <= "z" or "A" <= base <= "Z") or not marks or any(m not in _ACCENTS for m in marks):
        return None
    # Accents above an i sit on a dotless i.
    out = r"\i{}" if base == "i" and _ACCENTS[marks[0]] in _ABOVE else base
    for mark in marks:
        out = "\\" + _ACCENTS[mark] + "{" + out + "}"
    return out


# After these a line may break, so long identifiers, paths and runs of symbols fit narrow columns.
_BREAK_AFTER = set("\\{}#$%&_^~/|<>")


def escape(text, breaks: bool = True, keep_unicode: bool = False) -> str:
    return _escape(str(text), breaks, keep_unicode)


@lru_cache(maxsize=4096)
def _escape(text: str, breaks: bool, keep_unicode: bool) -> str:
    """Escape arbitrary text for LaTeX body text (never returns markup from the input).

    breaks adds \\allowbreak after symbols (for typesetting); keep_unicode leaves
    printable non-ASCII characters as they are (for BibTeX that people copy into
    Unicode-aware toolchains). Each character is escaped on its own, so ASCII text
    goes through a translation table made by the same rules, one character at a time.
    """
    if text.isascii():
        return text.translate(_ascii_table(breaks, keep_unicode))
    return _escape_chars(text, breaks, keep_unicode)


_ASCII_TABLES: dict = {}


def _ascii_table(breaks: bool, keep_unicode: bool) -> dict:
    table = _ASCII_TABLES.get((breaks, keep_unicode))
    if table is None:
        table = _ASCII_TABLES[(breaks, keep_unicode)] = {
            code: _escape_chars(chr(code), breaks, keep_unicode) for code in range(128)}
    return table


def _escape_chars(text: str, breaks: bool, keep_unicode: bool) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if not breaks and ch in "-[],":
            out.append(ch)  # ligature and optional-argument guards matter only when we typeset
        elif ch in _BREAK_AFTER:
            out.append((_ASCII.get(ch, ch)) + (r"\allowbreak{}" if breaks else ""))
        elif ch in _ASCII:
            out.append(_ASCII[ch])
        elif 32 <= code < 127:
            out.append(ch)
        elif ch in _NAMED:
            out.append(_NAMED[ch])
        elif code < 32 or 0x7F <= code < 0xA0 or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(" " if unicodedata.category(ch) in ("Zl", "Zp", "Cc") else "")
        elif unicodedata.category(ch) == "Zs":
            out.append(" ")
        elif keep_unicode:
            out.append(ch)
        else:
            accented = _accented(ch)
            out.append(accented if accented is not None else r"\texttt{[U+%04X]}\allowbreak{}" % code)
    return "".join(out)
