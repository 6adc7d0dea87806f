"""Lines of digits and capitals, for eval to read back: what letters, envelopes and cards
are made of (phone numbers, dates, times, prices, postcodes, names, words in capitals),
and what IAM-OnDB holds little of. Written for this project, not taken from any data set."""

DIGITS = [
    "Call 020 7946 0958 after 6 pm", "Room 4471, second floor", "1234567890", "Flight BA 2490 at 07:35",
    "Tuesday 14 March 2023", "It costs 12.50 or 7.99 each", "Postcode SW1A 2AA", "Born on 03/11/1987",
    "Order number 55-3081-276", "Meet at 10:45 on Platform 9", "Tel. 0161 496 0734", "Page 38 of 212",
    "Total: 1,845.20 in May", "Zip code 90210", "See you on 21 June at 8:15", "Gate 17, seat 23C",
    "Mon 2 Oct, 3.30 pm", "PIN 4096, code 7731", "The year 1066 and 1815", "Kitchen 3.6 m by 4.2 m",
]
CAPITALS = [
    "NEW YORK, PARIS AND TOKYO", "Dear Mr Quentin Zhao", "Mrs Olivia Jackson", "FRAGILE - HANDLE WITH CARE",
    "Yours, Xavier and Yvonne", "DO NOT BEND", "Kind regards, Harriet Wells", "Queen Street, Edinburgh",
    "URGENT: REPLY BY FRIDAY", "Dr Victor Ngata", "HAPPY BIRTHDAY, GEORGE", "Lake Zurich, Switzerland",
    "THANK YOU SO MUCH", "Uncle Ivan and Aunt Beatrix", "PRIVATE AND CONFIDENTIAL", "Oxford, Kent and Wales",
    "MERRY CHRISTMAS", "Jules Verne Avenue", "TOP SECRET", "With love, Katherine",
]
