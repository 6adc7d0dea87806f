"""Which character of a text each point of its pen trajectory belongs to, roughly."""
import numpy as np

# Relative widths of characters in handwriting, for placing each character along the
# line; only rough, since the alignment loss tolerates a character or two.
_NARROW, _WIDE = set("il.,;:'!|`"), set("mwMW")


def alignment(text: str, offsets: np.ndarray) -> np.ndarray:
    """For each point, the index of the character it (roughly) belongs to.

    Characters are laid along the line's x extent in proportion to their rough widths;
    a point's character follows its x, never moving back (dots and crossings written
    after a word stay with the end of that word).
    """
    widths = np.array([0.5 if c in _NARROW else 1.4 if c in _WIDE else 1.0 for c in text])
    bounds = np.concatenate([[0], np.cumsum(widths)]) / widths.sum()
    x = np.cumsum(offsets[:, 0])
    x = (x - x.min()) / max(x.max() - x.min(), 1e-6)
    position = np.interp(np.maximum.accumulate(x), bounds, np.arange(len(text) + 1))
    return np.clip(position - 0.5, 0, len(text) - 1).astype(np.float32)
