"""Pictures of handwriting read as style tiles, and lines drawn as pictures."""
