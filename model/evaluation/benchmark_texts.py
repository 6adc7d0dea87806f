"""What the benchmarks write: a line and a paragraph of a letter, the same for every
benchmark so that their figures compare. No torch here: the daemon's benchmark uses them."""

LINE = "The church clock was striking seven. He went"   # 44 characters
# Ten lines of a letter, 40-50 characters each.
PARAGRAPH = [
    "Dear Margaret, thank you so much for the kind",
    "letter and the photographs of the garden. The",
    "roses look wonderful this year, and I was glad",
    "to hear that the new greenhouse is finished at",
    "last. We had a quiet week here: the children",
    "went back to school on Monday, and the rain has",
    "not stopped since. I have been reading in the",
    "evenings and writing a little every morning.",
    "Do let me know when you are next in town, and",
    "we will have lunch by the river. With love, Jo",
]
