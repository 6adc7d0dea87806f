"""Lines of digits and capitals, for eval to read back: what letters, envelopes and cards
are made of (phone numbers, dates, times, prices, postcodes, names, words in capitals),
and what IAM-OnDB holds little of. Written for this project, not taken from any data set."""

DIGITS = [
    "Call 020 7946 0958 after 6 pm", "Room 4471, second floor", "1234567890", "Flight BA 2490 at 07:35",
    "Tuesday 14 March 2023", "It costs 12.50 or 7.99 each", "Postcode SW1A 2AA", "Born on 03/11/1987",
    "Order number 55-3081-276", "Meet at 10:45 on Platform 9", "Tel. 0161 496 0734", "Page 38 of 212",
    "Total: 1,845.20 in May", "Zip code 90210", "See you on 21 June at 8:15", "Gate 17, seat 23C",
    "Mon 2 Oct, 3.30 pm", "PIN 4096, code 7731", "The year 1066 and 1815", "Kitchen 3.6 m by 4.2 m",
    "Ring 07700 900461 tonight", "Invoice 2024-0417 due 30/06", "Flat 6, 48 Mill Lane", "It was 4.75 plus 1.20 post",
    "Train at 16:52 from Platform 4", "Postcode EH1 3QR", "Ref. 83912, box 7", "Sat 9 Nov 2024",
    "Call 0131 496 0281 or 0208", "Pay 345.60 by 12 April", "Room 219, floor 2", "Born 24.08.1949",
    "Seats 14A and 14B", "Bus 73 at 9.40 am", "Account 40-47-84 11290", "Size 38, 2 pairs",
    "Open 8:30 to 17:45", "Lot 5 sold for 1,290", "PO Box 4482, LS6 2QD", "Week 47, day 3",
]
CAPITALS = [
    "NEW YORK, PARIS AND TOKYO", "Dear Mr Quentin Zhao", "Mrs Olivia Jackson", "FRAGILE - HANDLE WITH CARE",
    "Yours, Xavier and Yvonne", "DO NOT BEND", "Kind regards, Harriet Wells", "Queen Street, Edinburgh",
    "URGENT: REPLY BY FRIDAY", "Dr Victor Ngata", "HAPPY BIRTHDAY, GEORGE", "Lake Zurich, Switzerland",
    "THANK YOU SO MUCH", "Uncle Ivan and Aunt Beatrix", "PRIVATE AND CONFIDENTIAL", "Oxford, Kent and Wales",
    "MERRY CHRISTMAS", "Jules Verne Avenue", "TOP SECRET", "With love, Katherine",
    "PLEASE DO NOT DISTURB", "Dear Professor Quigley", "LONDON AND BRISTOL", "Best wishes, Zoe and Max",
    "SALE ENDS SUNDAY", "Mr and Mrs Fitzgerald", "KEEP OUT OF REACH", "Yours truly, Wendy Park",
    "BY HAND, URGENT", "Dear Dr Ortega", "Vienna, Austria", "GRAND OPENING TODAY",
    "Hello Joaquin and Bettina", "EXIT ONLY", "Love from Granny Ruth", "QUIET PLEASE",
    "Mayor Helen Kowalski", "WELCOME HOME, JACK", "Cambridge CB2 1TN", "HANDLE WITH EXTRA CARE",
]
