"""Japanese dates as the Diet and the ministries print them, to ISO dates.

Written questions, Cabinet answers and press-conference records date
themselves in the imperial era with kanji numerals ("令和四年十一月四日"),
sometimes with full-width or ASCII digits ("令和４年１２月２７日",
"令和5年4月2日"), the first year as "元年", and Western years written digit
by digit in kanji ("二〇二二年十月"). One small converter, so that every
Japanese source reads them the same way. Imports nothing of the project.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# First Gregorian year of each era (its "元年"): year N of an era is start + N - 1.
ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
# The first day of each era: a date before it belongs to the previous era.
ERA_FIRST_DAY = {
    "明治": dt.date(1868, 1, 25), "大正": dt.date(1912, 7, 30), "昭和": dt.date(1926, 12, 25),
    "平成": dt.date(1989, 1, 8), "令和": dt.date(2019, 5, 1),
}

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = "0-9〇零一二三四五六七八九十百千"
_ERA_DATE = re.compile(
    rf"(?P<era>{'|'.join(ERAS)})\s*(?P<year>元|[{_NUMERAL}]+)\s*年\s*(?P<month>[{_NUMERAL}]+)\s*月\s*(?P<day>[{_NUMERAL}]+)\s*日"
)
_WESTERN_DATE = re.compile(rf"(?P<year>[{_NUMERAL}]{{4}})\s*年\s*(?P<month>[{_NUMERAL}]+)\s*月\s*(?P<day>[{_NUMERAL}]+)\s*日")


def kanji_number(text: str) -> int | None:
    """A number written in kanji, ASCII or full-width digits: "二十四" -> 24,
    "百十" -> 110, "二〇二二" -> 2022 (digit by digit), "１２" -> 12, "元" -> 1.

    None for anything else (an empty string, a stray character).
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return None
    if text == "元":
        return 1
    if text.isdigit():
        return int(text)
    if all(ch in DIGITS for ch in text):  # positional: 二〇二二
        return int("".join(str(DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in DIGITS:
            current = current * 10 + DIGITS[ch]
        elif ch in UNITS:
            total += (current or 1) * UNITS[ch]  # "十" alone is ten
            current = 0
        else:
            return None
    return total + current


def era_year(era: str, year: int) -> int | None:
    """The Gregorian year of year ``year`` of ``era`` (令和4 -> 2022)."""
    start = ERAS.get(era)
    if start is None or year < 1:
        return None
    return start + year - 1


def parse_japanese_date(text: str | None) -> dt.date | None:
    """The first date in ``text``: an era date ("令和四年十一月四日",
    "平成三十一年四月三十日", "令和元年五月一日") or a Western one written in
    kanji or digits ("二〇二二年十月二十四日", "2023年4月2日").

    None when there is none, or when it is not a real day (二月三十日, or a
    day before its era began).
    """
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text)
    match = _ERA_DATE.search(text)
    if match:
        year = era_year(match.group("era"), kanji_number(match.group("year")) or 0)
        date = _date(year, match.group("month"), match.group("day"))
        if date is not None and date < ERA_FIRST_DAY[match.group("era")]:
            return None
        return date
    match = _WESTERN_DATE.search(text)
    if match:
        return _date(kanji_number(match.group("year")), match.group("month"), match.group("day"))
    return None


def _date(year: int | None, month: str, day: str) -> dt.date | None:
    month_n, day_n = kanji_number(month), kanji_number(day)
    if not (year and month_n and day_n):
        return None
    try:
        return dt.date(year, month_n, day_n)
    except ValueError:
        return None
