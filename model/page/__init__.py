"""Torch-free page code the extension and `inkscribe write` use: SVG, layout, plotters, characters."""
