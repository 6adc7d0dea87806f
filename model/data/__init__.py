"""IAM-OnDB and pen strokes: parsing, caching, words cut from lines and characters from words, alignment, InkML."""
