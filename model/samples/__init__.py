"""Samples as the network reads them: text, pen, style tiles from the writer."""
