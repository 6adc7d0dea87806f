"""IAM-OnDB and pen strokes: parsing, caching, batches, words cut from lines, InkML."""
