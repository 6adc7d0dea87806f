"""The characters the model can write: printable ASCII, one index each, and letters
with accents, written as their plain letter with the mark added (model/write/accents.py).

Index 0 is padding and index 1 marks the end of the text, so the decoder has
something to attend to once every character has been written.
"""
import string
import unicodedata

PAD, EOS = 0, 1
CHARS = string.printable[:95]  # digits, letters, punctuation, space; no tabs or newlines
_INDEX = {c: i + 2 for i, c in enumerate(CHARS)}
VOCAB_SIZE = len(CHARS) + 2

# Typographic characters that word processors put in text; writing them as their
# plain-ASCII look-alike is what a person copying the text by hand would do.
SUBSTITUTES = {
    "\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201c": '"', "\u201d": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...", "\u00a0": " ",
    "\t": " ",
    # Ligatures a hand writes as their two letters, joined.
    "\u0153": "oe", "\u0152": "OE", "\u00e6": "ae", "\u00c6": "AE", "\u0133": "ij", "\u0132": "IJ",
    # Typed as one character, written as two: Catalan's l·l, Afrikaans' 'n.
    "\u0140": "l\u00b7", "\u013f": "L\u00b7", "\u0149": "'n",
    "\u00ad": "",   # a soft hyphen only says where a word may break
}


# The marks a hand adds to a letter, by Unicode combining character: é is e with an acute.
MARKS = {"\u0301": "acute", "\u0300": "grave", "\u0302": "circumflex", "\u030c": "caron", "\u0308": "diaeresis",
         "\u0307": "dot", "\u0303": "tilde", "\u030a": "ring", "\u0304": "macron", "\u0306": "breve",
         "\u030b": "double acute", "\u0327": "cedilla", "\u0328": "ogonek"}


# Letters and symbols the data lacks, made from a letter it has: with a stroke or two across
# it, as a hand makes them, or its own ink reshaped (model/write/accents.py).
FROM_LETTERS = {
    "€": ("C", ["euro bars"]), "£": ("L", ["pound bar"]), "¥": ("Y", ["yen bars"]),
    "ø": ("o", ["slash"]), "Ø": ("O", ["long slash"]), "ł": ("l", ["stem bar"]),
    "Ł": ("L", ["left stem bar"]), "đ": ("d", ["ascender bar"]), "Đ": ("D", ["left bar"]),
    "ð": ("d", ["eth bar"]), "Ð": ("D", ["left bar"]), "þ": ("p", ["thorn stem"]),
    "Þ": ("P", ["lowered", "capital thorn stem"]), "ı": ("i", ["undotted"]),
    "ħ": ("h", ["left ascender bar"]), "Ħ": ("H", ["top bar"]), "ŧ": ("t", ["stem cross"]),
    "Ŧ": ("T", ["stem cross"]), "¢": ("c", ["cent bar"]), "±": ("+", ["minus below"]), "µ": ("u", ["mu tail"]),
    "®": ("R", ["small capital", "circle"]),
    "¹": ("1", ["superscript"]), "²": ("2", ["superscript"]), "³": ("3", ["superscript"]),
    "ª": ("a", ["superscript", "underline"]), "º": ("o", ["superscript", "underline"]),
    "ß": ("B", ["eszett stem"]), "¿": ("?", ["turned"]), "¡": ("!", ["turned"]),
    "°": ("o", ["degree"]), "·": (".", ["raised"]), "×": ("x", ["hidden", "times"]), "÷": ("-", ["hidden", "divide"]),
    "©": ("C", ["small capital", "circle"]), "§": ("S", ["section"]),
    "«": ("-", ["hidden", "left chevrons"]), "»": ("-", ["hidden", "right chevrons"]),
}


def _marked(c: str) -> tuple[str, list[str]] | None:
    """(plain letter, its marks) for a letter the model writes plain and marks by hand."""
    if c in FROM_LETTERS:
        return FROM_LETTERS[c]
    parts = unicodedata.normalize("NFD", c)
    if len(parts) > 1 and parts[0] in _INDEX and parts[0].isalpha() and all(m in MARKS for m in parts[1:]):
        return parts[0], [MARKS[m] for m in parts[1:]]
    return None


def split_marks(text: str) -> tuple[str, list[tuple[int, str]]]:
    """Text as the model writes it, and the marks to add: (index of the letter, mark)."""
    plain, marks = [], []
    for c in text:
        base, names = _marked(c) or (c, [])
        marks += [(len(plain), name) for name in names]
        plain.append(base)
    return "".join(plain), marks


class UnknownCharacterError(ValueError):
    """The text holds characters the model cannot write."""

    def __init__(self, characters):
        self.characters = sorted(set(characters))
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in self.characters)
        super().__init__(f"cannot write these characters: {shown}")


UNKNOWN = ("stop", "plain", "gap")   # what to do with a character the model cannot write


def _plain(c: str) -> str:
    base = "".join(d for d in unicodedata.normalize("NFKD", c) if not unicodedata.combining(d))
    return base if base and all(b in _INDEX for b in base) else " "


def substituted(text: str) -> str:
    """The text with the documented substitutions made: what is written, and what it costs
    (one "…" is three dots to write)."""
    return "".join(SUBSTITUTES.get(c, c) for c in unicodedata.normalize("NFC", text))


def gaps(text: str, unknown: str) -> list[str]:
    """The characters of `text` that `normalise` leaves as a gap: every one it cannot write
    ('gap'), or those without plain letters ('plain': ₹, 中), which change what a text says."""
    if unknown == "stop":
        return []
    text = substituted(text)
    return sorted({c for c in text if c not in _INDEX and not _marked(c) and (unknown == "gap" or _plain(c) == " ")
                   and not c.isspace()})


def normalise(text: str, unknown: str = "stop") -> str:
    """Apply the documented substitutions; then for the characters left that the model
    cannot write: raise UnknownCharacterError ('stop'), write the nearest plain letters
    ('plain': é as e, ß as ss; a space where there are none) or leave a space ('gap')."""
    text = substituted(text)
    missing = [c for c in text if c not in _INDEX and not _marked(c)]
    if not missing:
        return text
    if unknown == "stop":
        raise UnknownCharacterError(missing)
    return "".join(c if c in _INDEX or _marked(c) else _plain(c) if unknown == "plain" else " " for c in text)


def encode(text: str) -> list[int]:
    """Character indices of `text` (accented letters as their plain letter) followed by EOS."""
    return [_INDEX[c] for c in split_marks(normalise(text))[0]] + [EOS]
