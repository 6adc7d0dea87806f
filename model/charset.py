"""The characters the model can write: printable ASCII, one index each.

Index 0 is padding and index 1 marks the end of the text, so the decoder has
something to attend to once every character has been written.
"""
import string

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
}


class UnknownCharacterError(ValueError):
    """The text holds characters the model cannot write."""

    def __init__(self, characters):
        self.characters = sorted(set(characters))
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in self.characters)
        super().__init__(f"cannot write these characters: {shown}")


def normalise(text: str) -> str:
    """Apply the documented substitutions; raise UnknownCharacterError for the rest."""
    text = "".join(SUBSTITUTES.get(c, c) for c in text)
    unknown = [c for c in text if c not in _INDEX]
    if unknown:
        raise UnknownCharacterError(unknown)
    return text


def encode(text: str) -> list[int]:
    """Character indices of `text` followed by EOS."""
    return [_INDEX[c] for c in normalise(text)] + [EOS]
