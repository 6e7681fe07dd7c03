"""English dates that read the same in every English-speaking country: the month in words and a
24-hour clock ("1 Dec 2026, 22:10", never "12/01/2026 10:10 p.m.")."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
