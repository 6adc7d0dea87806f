"""The writer: text and a hand in, strokes and SVG path data out; accents; path data."""
