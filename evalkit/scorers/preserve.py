"""Preservation: a rewrite, summary or translation keeps every number, date, time, deadline, amount and
percentage of its source.

The quantities of the source (item var ``source_var``) or of explicit ``values`` are read in canonical
form (canon.py) and each must appear in the answer in an equivalent form: 令和7年4月1日 = 2025年4月1日 =
2025/4/1 = April 1, 2025 = 1 April 2025 = 2025년 4월 1일 = ngày 1 tháng 4 năm 2025 = 1º de abril de 2025;
12,000円 = 1万2千円 = ¥12,000 = 12,000 yen = JPY 12,000 = 12.000 ienes; 17時 = 午後5時 = 5 p.m. = 17:00 =
5:00 PM = 下午5点 = 오후 5시 = 17h. A count (14日, 3人, 2回) keeps its counter in a Japanese rewrite of a
Japanese source (14日 = 14日間, 2人 = 2名) and only its number in a translation (within 14 days).
Relative words (前日, 翌月) are not quantities. In a translation a count with an English unit needs the
matching unit (4か月 = "4 months", not "4 weeks"; 14日 = "two weeks", not "14 working days"). Qualifiers
are quantities too (3月下旬, a weekday, 毎週 / 毎月第2, 土日 / 祝日), and a date or time keeps its bound
(まで / by is not から / after). ``mode``: ``all`` (every source quantity kept), ``subset`` (every
quantity of the answer is in the source: nothing invented), ``both``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache, partial
from typing import Any, Literal

from pydantic import Field, model_validator

from ..config.suite import Item
from .base import Params, Scorer, ScoreResult, register
from .canon import ENUMERATORS, FW_COMMA, canonical, occurrences, plain
from .numeric import parse_numeral
from .patterns import lazy


# ------------------------------------------------------------------------------------ language
def language(text: str) -> str:
    """ja | zh | ko | latin: the script the quantities of ``text`` are written in."""
    kana = len(re.findall(r"[ぁ-ゖァ-ヺ]", text))
    hangul = len(re.findall(r"[\uac00-\ud7a3]", text))
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]", text))
    if hangul >= 2 and hangul > kana:
        return "ko"
    if latin >= 20 and latin > 3 * (kana + cjk):
        return "latin"  # a Vietnamese or Portuguese text that quotes a few Japanese terms (転出届, みなし再入国)
    if kana and (kana * 10 >= cjk or (kana >= 2 and cjk < 20)):
        return "ja"  # (a Chinese text quoting 在留カード stays Chinese)
    if cjk >= 8 or (not kana and cjk >= 2 and _ZH_ONLY.search(text)):
        return "zh"
    if latin > cjk:
        return "latin"
    return "ja"


# ------------------------------------------------------------------- other languages -> canonical
_EN_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_RO_MONTHS = {
    "janeiro": 1,
    "enero": 1,
    "fevereiro": 2,
    "febrero": 2,
    "março": 3,
    "marzo": 3,
    "abril": 4,
    "maio": 5,
    "mayo": 5,
    "junho": 6,
    "junio": 6,
    "julho": 7,
    "julio": 7,
    "agosto": 8,
    "setembro": 9,
    "septiembre": 9,
    "setiembre": 9,
    "outubro": 10,
    "octubre": 10,
    "novembro": 11,
    "noviembre": 11,
    "dezembro": 12,
    "diciembre": 12,
}
_EN_MONTH = r"(?P<mon>" + "|".join(sorted((m.capitalize() for m in _EN_MONTHS), key=len, reverse=True)) + r")\b\.?"
_RO_MONTH = r"(?P<mon>" + "|".join(sorted(_RO_MONTHS, key=len, reverse=True)) + r")\b"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>\d{4})"
_EN_DAY_RANGE = lazy(
    _EN_MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\s*(?:-|–|to|through|until|till)\s*"
    r"(?:the\s+)?(?P<d2>\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?:days|weeks|months|years|,?\s*\d{4}))"
)
_EN_DATES = [
    lazy(_EN_MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR),
    lazy(r"(?:the\s+)?" + _DAY + r"\s+(?:of\s+)?" + _EN_MONTH + r",?\s+" + _YEAR),
    lazy(_EN_MONTH + r",?\s+(?:of\s+)?" + _YEAR),
    lazy(_EN_MONTH + r"\s+(?:the\s+)?" + _DAY + r"(?!\d)"),
    lazy(r"(?:the\s+)?" + _DAY + r"\s+(?:of\s+)?" + _EN_MONTH),
]
_MON = "|".join(sorted((m.capitalize() for m in _EN_MONTHS), key=len, reverse=True))
_TO = r"\s*(?:-|–|—|~|to|through|until|till|and)\s*"
# A range whose year is written once, at its end: the first date has the same year.
_EN_RANGE_YEAR = [
    # May 1 to June 30, 2025
    lazy(
        rf"(?P<mon>{_MON})\b\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?{_TO}(?:the\s+)?(?P<mon2>{_MON})\b\.?\s+"
        rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})"
    ),
    # 1 May to 30 June 2025
    lazy(
        rf"(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MON})\b\.?,?{_TO}(?:the\s+)?"
        rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>{_MON})\b\.?,?\s+(?P<y>\d{{4}})"
    ),
    # May 1–15, 2025
    lazy(
        rf"(?P<mon>{_MON})\b\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?{_TO}(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
        rf"(?P<y>\d{{4}})"
    ),
]


def _range_year(match: re.Match[str]) -> str:
    groups = match.groupdict()
    month = _EN_MONTHS[groups["mon"].lower().rstrip(".")]
    month2 = _EN_MONTHS[groups["mon2"].lower().rstrip(".")] if groups.get("mon2") else month
    day, day2 = int(groups["d"]), int(groups["d2"])
    if not (1 <= day <= 31 and 1 <= day2 <= 31):
        return match.group(0)
    return f" {_date(groups['y'], month, day)} ~ {_date(groups['y'], month2, day2)} "


# Fractions in words: one half = 2分の1, two thirds = 3分の2, a quarter = 4分の1.
_EN_FRACTIONS = [
    (
        lazy(
            r"\b(?:(?:one|a)[\s-])?half\b(?!\s*(?:an?\s+)?(?:hour|day|year|month|week|time|past|term|price|size))", re.I
        ),
        " 2分の1 ",
    ),
    (lazy(r"\b(?:one|a)[\s-]third\b", re.I), " 3分の1 "),
    (lazy(r"\btwo[\s-]thirds\b", re.I), " 3分の2 "),
    (lazy(r"\b(?:one|a)[\s-]quarter\b", re.I), " 4分の1 "),
    (lazy(r"\bthree[\s-]quarters\b", re.I), " 4分の3 "),
]
_EN_MONTH_ALONE = lazy(
    r"\b(?P<mon>" + "|".join(m.capitalize() for m in _EN_MONTHS if m != "may" and len(m) > 3) + r")\b"
)
_EN_MAY = lazy(r"\b(in|by|until|till|since|from|during|of|through|early|mid|late)([\s-]+)May\b")
# early / mid / late March, the end of March: 3月上旬 / 中旬 / 下旬 / 末
_PERIODS = {"early": "上旬", "beginning of": "上旬", "mid": "中旬", "middle of": "中旬", "late": "下旬", "end of": "末"}
_EN_PERIOD = lazy(
    r"\b(?:the\s+)?(?P<p>early|mid|late|beginning of|middle of|end of)[\s-]+(?:the\s+month\s+of\s+)?(?P<mon>"
    + "|".join(sorted((m.capitalize() for m in _EN_MONTHS), key=len, reverse=True))
    + r")\b\.?"
)
_WEEKDAYS = {"mon": "月", "tue": "火", "wed": "水", "thu": "木", "fri": "金", "sat": "土", "sun": "日"}
_EN_WEEKDAY = lazy(r"\b(mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?s?\b\.?", re.I)
_WD = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?"
_NTH = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4}
# the 2nd Saturday of every month = 毎月第2土曜日; every Monday / on Mondays = 毎週; Saturdays and Sundays = 土日
_EN_NTH = lazy(
    r"(?:the\s+)?(?P<n>1st|2nd|3rd|4th|first|second|third|fourth)\s+(?P<w>"
    + _WD
    + r")\s+(?:of\s+)?(?:every|each|the)\s+month",
    re.I,
)
_EN_WEEKEND = lazy(r"\bsat(?:ur)?(?:day)?s?(?:\s*,\s*|\s+)(?:and\s+|or\s+)?sun(?:day)?s?\b\.?", re.I)
_EN_EVERY = lazy(r"\bevery(?=\s+" + _WD + r"\b)", re.I)
_RO_DATES = [
    lazy(
        _DAY.replace("(?:st|nd|rd|th)?", r"(?:o|a|°)?") + r"\s+de\s+" + _RO_MONTH + r",?\s+(?:de\s+|del\s+)?" + _YEAR,
        re.I,
    ),
    lazy(_DAY.replace("(?:st|nd|rd|th)?", r"(?:o|a|°)?") + r"\s+de\s+" + _RO_MONTH, re.I),
    lazy(_RO_MONTH + r",?\s+(?:de\s+|del\s+)" + _YEAR, re.I),
]
_RO_MONTH_ALONE = lazy(r"\b(?P<mon>" + "|".join(_RO_MONTHS) + r")\b", re.I)
_VI_DATE = lazy(r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})(?:\s*(?:,|năm|/)\s*(?:năm\s+)?(?P<y>\d{4}))?", re.I)
_VI_MONTH = lazy(r"(?<!\d\s)(?<!\d)tháng\s+(?P<m>\d{1,2})(?:\s*(?:,|năm|/)\s*(?:năm\s+)?(?P<y>\d{4}))?", re.I)
_VI_YEAR = lazy(r"năm\s+(?P<y>\d{4})", re.I)
_VI_TIME = lazy(r"(?P<h>\d{1,2})\s*giờ(?:\s*(?P<m>\d{1,2})(?:\s*phút)?)?(?:\s*(?P<p>sáng|chiều|tối|trưa))?", re.I)
_H_TIME = lazy(r"(?<![\w.])(?P<h>\d{1,2})h(?P<m>\d{2})?(?![a-z\d])", re.I)
_HORAS = lazy(r"(?<=\bàs\s)(?P<h>\d{1,2})\s*horas?|(?<=\blas\s)(?P<h2>\d{1,2})\s*horas?", re.I)
_OCLOCK = lazy(r"(?P<h>\d{1,2})\s*o'?clock", re.I)
_NOON = lazy(r"(?:12\s*)?\bnoon\b", re.I)
_DMY = lazy(r"(?<![\d/.])(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4})(?![\d/])")
_EURO_THOUSANDS = lazy(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?![\d]|\.\d)")
_CURRENCY = r"(?:yens|yen|jpy|ienes|yenes|iene|yên|엔|日元|日圓|日円)"
_DECIMAL_COMMA = lazy(
    r"(?<![\d,])(\d+),(\d{1,2})(?=\s*(?:mil|milhões|milhão|millones|millón|million|triệu|tỷ)\b)", re.I
)
_MULTIPLIERS = {
    "thousand": 10**3,
    "million": 10**6,
    "billion": 10**9,
    "mil": 10**3,
    "milhões": 10**6,
    "milhão": 10**6,
    "millones": 10**6,
    "millón": 10**6,
    "nghìn": 10**3,
    "ngàn": 10**3,
    "triệu": 10**6,
    "tỷ": 10**9,
}
_MULTIPLIED = lazy(
    r"(?P<pre>¥|jpy\s*)?(?P<n>\d+(?:\.\d+)?)\s*(?P<mult>"
    + "|".join(_MULTIPLIERS)
    + r")\b\s*(?:de\s+)?(?P<cur>"
    + _CURRENCY
    + r")?",
    re.I,
)
_AMOUNT_WORD = lazy(r"(?P<n>\d+(?:\.\d+)?(?:\s*[万億千](?:\s*\d+(?:\.\d+)?)?)*)\s*" + _CURRENCY + r"(?![a-z])", re.I)
_PERCENT_WORD = lazy(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?:percent|per\s+cent|por\s+cento|por\s+ciento|pour\s+cent|"
    r"phần\s+trăm|퍼센트|프로)",
    re.I,
)
_KO: list[tuple[re.Pattern[str], Replacement]] = [
    (lazy(r"(\d{4})\s*년"), r"\1年"),
    (lazy(r"(\d{1,2})\s*월"), r"\1月"),
    (lazy(r"(\d{1,2})\s*일"), r"\1日"),
    (lazy(r"오후\s*(?=\d)"), "午後"),
    (lazy(r"오전\s*(?=\d)"), "午前"),
    (lazy(r"(\d{1,2})\s*시\s*간"), r"\1時間"),
    (lazy(r"(\d{1,2})\s*시(?!간)"), r"\1時"),
    (lazy(r"(\d{1,2})\s*분"), r"\1分"),
    (lazy(r"(\d)\s*만"), r"\1万"),
    (lazy(r"(\d)\s*억"), r"\1億"),
    (lazy(r"(\d)\s*천"), r"\1千"),
]
_EN_NUMBERS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_EN_NUMBERS.update(
    {
        "thirty": 30,
        "forty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
        "hundred": 100,
        "once": 1,
        "twice": 2,
        "thrice": 3,
    }
)
_EN_ORDINALS = {
    w: i + 1
    for i, w in enumerate(
        [
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
        ]
    )
}
_RO_NUMBERS = {
    "um": 1,
    "uma": 1,
    "dois": 2,
    "duas": 2,
    "três": 3,
    "tres": 3,
    "quatro": 4,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "sete": 7,
    "siete": 7,
    "oito": 8,
    "ocho": 8,
    "nove": 9,
    "nueve": 9,
    "dez": 10,
    "diez": 10,
    "onze": 11,
    "doze": 12,
    "treze": 13,
    "catorze": 14,
    "quatorze": 14,
    "quinze": 15,
    "vinte": 20,
    "trinta": 30,
    "quince": 15,
    "catorce": 14,
    "treinta": 30,
}
_RO_ORDINALS = {
    "primeiro": 1,
    "primeira": 1,
    "segundo": 2,
    "segunda": 2,
    "terceiro": 3,
    "terceira": 3,
    "quarto": 4,
    "quarta": 4,
    "quinto": 5,
    "quinta": 5,
    "sexto": 6,
    "sexta": 6,
}
_WORD_NUMBER = lazy(
    r"\b("
    + "|".join(sorted({**_EN_NUMBERS, **_EN_ORDINALS, **_RO_NUMBERS, **_RO_ORDINALS}, key=len, reverse=True))
    + r")\b",
    re.I,
)


# ------------------------------------------------ Chinese, Korean, Vietnamese, Portuguese (issue 12)
# Each language's dates, times, weekdays, bounds, periods, fractions and counts are rewritten in the
# Japanese form the rest of the pipeline reads (4月30日まで, 17時30分, 毎週 月曜日, 4月下旬, 14日, 2分の1).
_JA_WEEKDAY = "月火水木金土日"
_ZH_ONLY = lazy(r"[于们这时请须个间关务费办证书报过还对该应给说从没业险缴纳转续资无开门电话记录现发变项额]")
_VI_LETTERS = lazy(r"[ăđơưĂĐƠƯ\u1ea0-\u1ef9]")  # letters Portuguese does not use


def _is_vi(text: str) -> bool:
    return len(_VI_LETTERS.findall(text)) >= 3


# What replaces a pattern's match: a template, or a function of the match
Replacement = str | Callable[[re.Match[str]], str]


def _sub_all(text: str, rules: Iterable[tuple[re.Pattern[str], Replacement]]) -> str:
    for pattern, repl in rules:
        text = pattern.sub(repl, text)
    return text


def _pm(hour: int, period: str) -> int:
    """The 24-hour clock hour of ``hour`` said with a part of the day (午後 / tarde / noite / chiều …)."""
    if period in ("pm",) and hour < 12:
        return hour + 12
    if period == "night" and 6 <= hour < 12:
        return hour + 12
    return hour


# Chinese
_ZH_NUMERAL = r"[〇零一二两三四五六七八九十百千]+"
_ZH_UNIT_AFTER = r"(?=\s*(?:个)?(?:点|时|小时|天|周|星期|礼拜|岁|分钟|次|层|楼|工作日|号|成(?![立为功本员人年])))"
_ZH_WEEKDAY = {"一": "月", "二": "火", "三": "水", "四": "木", "五": "金", "六": "土", "日": "日", "天": "日"}
_ZH_TIME_WORD = r"(?:上午|下午|晚上|傍晚|早上|中午|凌晨|午前|午後)"


def _zh_numeral(match: re.Match[str]) -> str:
    text = match.group(0)
    start = match.start()
    # 一点 is "a little" (早一点) unless it follows a time word (上午一点)
    follows = match.string[match.end() : match.end() + 2].lstrip()
    if text == "一" and follows.startswith("点") and not re.search(_ZH_TIME_WORD + r"\s*$", match.string[:start]):
        return text
    # 周一 / 星期一 are weekdays, not numbers before a counter
    if re.search(r"(?:周|星期|礼拜)$", match.string[:start]) and len(text) == 1:
        return text
    value = parse_numeral(text.replace("两", "二"))
    return str(int(value)) if value is not None else text


_ZH_RULES: list[tuple[re.Pattern[str], Replacement]] = [
    (lazy(r"日[元圆圓]"), "円"),
    (lazy(r"(?<=\d)\s*个?小时"), "時間"),
    (lazy(r"(?<=\d)\s*分钟"), "分"),
    (lazy(r"(\d{1,2})\s*[时時]\s*半"), r"\1時30分"),
    (lazy(r"(\d{1,2})\s*[时時]\s*(\d{1,2})\s*分"), r"\1時\2分"),
    (lazy(r"(\d{1,2})\s*时(?!间)"), r"\1時"),
    (lazy(r"(?:傍晚|晚上|下午)\s*(?=\d)"), "午後"),
    (lazy(r"(?:早上|上午|凌晨)\s*(?=\d)"), "午前"),
    (lazy(r"中午\s*12\s*点"), "12時"),
    (lazy(r"(\d{1,2})\s*点\s*半"), r"\1時30分"),
    (lazy(r"(\d{1,2})\s*点\s*(\d{1,2})\s*分"), r"\1時\2分"),
    (lazy(r"(\d{1,2})\s*点(?!\d)"), r"\1時"),
    (lazy(r"(\d{1,2})月(\d{1,2})\s*[号號]"), r"\1月\2日"),
    (lazy(r"百分之\s*([\d.〇一二三四五六七八九十百千两]+)"), r"\1%"),
    # fractions: 二分之一 = 2分の1, 一半 = 半分, 半价 = 半額
    (lazy(r"([\d一二三四五六七八九十]+)分之([\d一二三四五六七八九十]+)"), r"\1分の\2"),
    (lazy(r"一半|半数"), "半分"),
    (lazy(r"半价"), "半額"),
    # every week / month, the nth weekday, weekends and holidays, weekdays
    (lazy(r"每(?:个)?(?:周|星期|礼拜)"), " 毎週 周"),
    (lazy(r"每(?:个)?月"), " 毎月 "),
    (lazy(r"隔周"), " 隔週 "),
    (lazy(r"(?:周|星期|礼拜)六\s*(?:、|,|和|及|与|或|/|・)?\s*(?:周|星期|礼拜)?[日天]|周末|双休日"), " 土日 "),
    (lazy(r"(?:法定)?节假日|法定假日|公休日|国民假日|公众假期|节日"), " 祝日 "),
    (lazy(r"(?:周|星期|礼拜)([一二三四五六日天])"), lambda m: f" {_ZH_WEEKDAY[m.group(1)]}曜日 "),
    # late April / the end of April / the beginning of April
    (lazy(r"(\d{1,2})月\s*(?:底|末)"), r"\1月末"),
    (lazy(r"(\d{1,2})月\s*初"), r"\1月上旬"),
    # counts
    (lazy(r"(\d+)\s*个?工作日"), r"\1開庁日"),
    (lazy(r"(\d+)\s*天"), r"\1日"),
    (lazy(r"(\d+)\s*个?(?:星期|礼拜)(?![一二三四五六日天])"), r"\1週"),
    (lazy(r"(\d+)\s*周(?![一二三四五六日天末])"), r"\1週"),
    (lazy(r"(\d+)\s*个月"), r"\1か月"),
    (lazy(r"(\d+)\s*周?岁"), r"\1歳"),
    (lazy(r"(\d+)\s*次"), r"\1回"),
    (lazy(r"(\d+)\s*[层楼]"), r"\1階"),
    (lazy(r"(?<![月\d])(\d{1,2})\s*[号號](?!楼|码)"), r"\1日"),  # 每月15号
    (lazy(r"(?<![\d.])(\d{1,2})\s*成(?![立为功本员人年])"), r"\1割"),
    # bounds: 截至4月30日 / 4月30日前 (まで); 从4月1日 / 4月1日起 (から); 4月1日至4月30日 (a range)
    (lazy(r"(?<=[日時分)])\s*(?:至|到|~|～|—|－|-|–)\s*(?=[\d(]|午|周|星期)"), " ~ "),
    (lazy(r"(?:(?<=[日時分)])|(?<=\d:\d\d))\s*(?:之前|以前|前|为止|止)"), "まで"),
    (lazy(r"(?:(?<=[日時分)])|(?<=\d:\d\d))\s*(?:以后|之后|以後|后|起|开始|以来)"), "から"),
    (
        lazy(r"(?:截至|截止到|截止至|截止|直到|最迟于|最迟在|最迟|最晚于|最晚)\s*(?:于|在|到)?\s*(?=\d|午)"),
        " until ",
    ),
    (lazy(r"(?:从|自)\s*(?=\d|午)"), " from "),
]


def _localize_zh(text: str) -> str:
    text = re.sub(r"日[元圆圓]", "円", text)
    text = re.sub(r"每(?:个)?(?:周|星期|礼拜)\s*[一1]\s*次", " 毎週 1回 ", text)  # once a week, not every Monday
    text = re.sub(_ZH_NUMERAL + _ZH_UNIT_AFTER, _zh_numeral, text)
    return _sub_all(text, _ZH_RULES)


# Korean
_KO_WEEKDAY = {"월": "月", "화": "火", "수": "水", "목": "木", "금": "金", "토": "土", "일": "日"}
_KO_NATIVE = {
    "한": 1,
    "두": 2,
    "세": 3,
    "네": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "여덟": 8,
    "아홉": 9,
    "열": 10,
    "열한": 11,
    "열두": 12,
}
_KO_ORDINAL = {"첫째": 1, "첫": 1, "둘째": 2, "두": 2, "셋째": 3, "세": 3, "넷째": 4, "네": 4, "다섯째": 5}
_KO_PRE: list[tuple[re.Pattern[str], Replacement]] = [
    (lazy(r"(?<![\d.])(\d{4})\.\s*(\d{1,2})\.\s*(\d{1,2})\.?(?!\d)"), r" \1年\2月\3日 "),
    (
        lazy(r"(?<![\d.])(\d{1,2})\.\s*(\d{1,2})\.(?!\d)"),
        lambda m: (
            f" {int(m.group(1))}月{int(m.group(2))}日 "
            if 1 <= int(m.group(1)) <= 12 and 1 <= int(m.group(2)) <= 31
            else m.group(0)
        ),
    ),
    (lazy(r"(?:오후|저녁|밤)\s*(?=\d|열|한|두|세|네|다섯|여섯|일곱|여덟|아홉)"), "오후 "),
    (lazy(r"(?:오전|아침)\s*(?=\d|열|한|두|세|네|다섯|여섯|일곱|여덟|아홉)"), "오전 "),
    (
        lazy(r"(?<=오[전후] )(열한|열두|열|한|두|세|네|다섯|여섯|일곱|여덟|아홉)\s*시(?!간)"),
        lambda m: f"{_KO_NATIVE[m.group(1)]}시",
    ),
    (lazy(r"정오|낮\s*12\s*시"), " 12時 "),
    (lazy(r"(\d{1,2})\s*시\s*반"), r"\1時30分"),
    (lazy(r"(?<![\d.])(\d+)\s*분의\s*(\d+)"), r"\1分の\2"),
    (lazy(r"절반"), "半分"),
    (lazy(r"반액|반값"), "半額"),
    (lazy(r"(\d+)\s*(?:영업일|근무일|개청일|평일)"), r"\1開庁日"),
    (lazy(r"(?<![\d.])(\d+)\s*개월"), r"\1か月"),
    (lazy(r"(?<![\d.])(\d+)\s*주(?:일)?(?:간)?(?=\s|[이내동후전부까에,.)~]|$)"), r"\1週"),
    (lazy(r"(?<![\d.])(\d+)\s*(?:세|살)(?!대)"), r"\1歳"),
    (lazy(r"(?<![\d.])(\d{1,3})\s*년"), r"\1年"),
    (lazy(r"(?<![\d.])(\d+)\s*층"), r"\1階"),
    (lazy(r"(?<![\d.])(\d+)\s*회(?!사|원|장|계|관)"), r"\1回"),
    (lazy(r"(?<![\d.])(\d+)\s*명"), r"\1人"),
    (lazy(r"(?<![\d.])(\d+)\s*인(?=당|\s|$|[,.)])"), r"\1人"),
    (
        lazy(r"(?<![\d.])(\d+)\s*통(?![가-힣])|(?<![\d.])(\d+)\s*통(?=에|당|까지|이)"),
        lambda m: f"{m.group(1) or m.group(2)}通",
    ),
    (lazy(r"(?<![\d.])(\d+)\s*번(?!\s*(?:째|창구|출구|버스|홈|선|지))"), r"\1回"),
    (lazy(r"(?<![\d.])(\d{1,2})\s*할(?![인부수])"), r"\1割"),
    (lazy(r"(?<![\d,.])만\s*(?=\d\s*천|엔)"), "1만 "),
]
_KO_POST: list[tuple[re.Pattern[str], Replacement]] = [
    (
        lazy(
            r"토(?:요일)?\s*(?:・|·|,|、|/|및|과|와|그리고)\s*일(?:요일)?(?:\s*(?:・|·|,|、|/|및)\s*(?:법정\s*)?공휴일)?"
        ),
        lambda m: " 土日 " + (" 祝日 " if "공휴일" in m.group(0) else ""),
    ),
    (lazy(r"주말"), " 土日 "),
    (lazy(r"(?:법정\s*)?공휴일|국경일|휴일"), " 祝日 "),
    (lazy(r"([월화수목금토일])요일"), lambda m: f"{_KO_WEEKDAY[m.group(1)]}曜日"),
    (lazy(r"\(\s*([월화수목금토일])\s*\)"), lambda m: f"({_KO_WEEKDAY[m.group(1)]})"),
    (lazy(r"매주"), " 毎週 "),
    (lazy(r"매월|매달"), " 毎月 "),
    (lazy(r"격주"), " 隔週 "),
    (
        lazy(r"毎月\s*(?:제\s*)?(첫째|첫|둘째|두|셋째|세|넷째|네|다섯째|\d)\s*(?:번째)?\s*(?:주\s*)?"),
        lambda m: f" 毎月第{_KO_ORDINAL.get(m.group(1), m.group(1))} ",
    ),
    (lazy(r"(\d{1,2})月\s*(?:상순|초순)"), r"\1月上旬"),
    (lazy(r"(\d{1,2})月\s*중순"), r"\1月中旬"),
    (lazy(r"(\d{1,2})月\s*하순"), r"\1月下旬"),
    (lazy(r"(\d{1,2})月\s*(?:말일|말)(?=[에경까부\s,.)]|$)"), r"\1月末"),
    (lazy(r"(\d{1,2})月\s*초(?=[에\s,.)]|$)"), r"\1月上旬"),
    (lazy(r"(?<=[日時分)])\s*까지"), "まで"),
    (lazy(r"(?<=[日時分)])\s*(?:이전|전까지|전에|전(?![가-힣]))"), "まで"),
    (lazy(r"(?<=[日時分)])\s*(?:부터|이후|후(?![가-힣])|後)"), "から"),
]


def _localize_ko(text: str) -> str:
    text = _sub_all(text, _KO_PRE)
    text = _sub_all(text, _KO)
    return _sub_all(text, _KO_POST)


# Vietnamese
_VI_WEEKDAY = {
    "hai": "月",
    "ba": "火",
    "tư": "水",
    "năm": "木",
    "sáu": "金",
    "bảy": "土",
    "2": "月",
    "3": "火",
    "4": "水",
    "5": "木",
    "6": "金",
    "7": "土",
}
_VI_ORDINAL = {"nhất": 1, "đầu tiên": 1, "hai": 2, "ba": 3, "tư": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_VI_NUMBER = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}
_VI_WD = r"(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật)"
_VI_PERIOD = {
    "đầu": "上旬",
    "thượng tuần": "上旬",
    "giữa": "中旬",
    "trung tuần": "中旬",
    "cuối": "下旬末",
    "hạ tuần": "下旬",
}


def _vi_weekday(word: str) -> str:
    word = word.lower()
    return "日" if word.startswith("chủ") else _VI_WEEKDAY[re.sub(r"^thứ\s+", "", word)]


def _vi_nth(match: re.Match[str]) -> str:
    return f" 毎月第{_VI_ORDINAL[' '.join(match.group('n').lower().split())]} {_vi_weekday(match.group('w'))}曜日 "


def _vi_single_weekday(match: re.Match[str]) -> str:
    before = match.string[max(0, match.start() - 6) : match.start()].lower()
    if re.search(r"(?:tuần|lần|ngày|tầng|người|bước|điều|khoản|mục|đợt|kỳ)\s*$", before):
        return match.group(0)  # tuần thứ hai: the second week
    return f" {_vi_weekday(match.group(0))}曜日 "


_VI_PRE: list[tuple[re.Pattern[str], Replacement]] = [
    (lazy(r"(\d+)\s*(?:tiếng(?:\s+đồng\s+hồ)?|giờ\s+đồng\s+hồ)", re.I), r"\1時間"),
    (
        lazy(
            r"(?P<w>" + _VI_WD + r")\s+(?:tuần\s+)?(?:thứ\s+)?(?P<n>nhất|đầu\s+tiên|hai|ba|tư|[1-4])\s+(?:của\s+)?"
            r"(?:mỗi|hằng|hàng|các)\s+tháng",
            re.I,
        ),
        _vi_nth,
    ),
    (lazy(r"thứ\s+(?:bảy|7)\s*(?:,|、|và|hoặc|/|-|・)?\s*chủ\s+nhật|cuối\s+tuần", re.I), " 土日 "),
    (lazy(r"(?:các\s+)?ngày\s+(?:nghỉ\s+)?lễ(?:\s+tết)?|ngày\s+tết", re.I), " 祝日 "),
    (lazy(r"(?:mỗi|hằng|hàng)\s+tuần", re.I), " 毎週 "),
    (lazy(r"(?:mỗi|các)\s+(?=" + _VI_WD + ")", re.I), " 毎週 "),
    (lazy(r"cách\s+(?:một\s+)?tuần|(?:2|hai)\s+tuần\s+(?:một|1)\s+lần", re.I), " 隔週 "),
    (lazy(r"(?:mỗi|hằng|hàng)\s+tháng", re.I), " 毎月 "),
    (lazy(r"\(\s*cn\s*\)", re.I), "(日)"),
    (lazy(r"thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])(?![\wà-ỹ])|chủ\s+nhật", re.I), _vi_single_weekday),
    (
        lazy(r"(?P<p>đầu|thượng\s+tuần|giữa|trung\s+tuần|cuối|hạ\s+tuần)\s+tháng\s+(?P<m>\d{1,2})(?!\d)", re.I),
        lambda m: f" {int(m.group('m'))}月{_VI_PERIOD[' '.join(m.group('p').lower().split())]} ",
    ),
    (lazy(r"(?:(?:một|1)\s+)?nửa(?!\s*(?:ngày|tiếng|giờ|tháng|năm|buổi|tuần))", re.I), " 2分の1 "),
    (
        lazy(r"(một|hai|ba)\s+phần\s+(hai|ba|tư)", re.I),
        lambda m: " {}分の{} ".format({"hai": 2, "ba": 3, "tư": 4}[m.group(2).lower()], _VI_NUMBER[m.group(1).lower()]),
    ),
    # D/M dates (30/4 = 4月30日) after ngày or a bound word
    (
        lazy(r"\b(ngày\s+|(?:từ|đến|tới|hết|sau|trước)\s+)(\d{1,2})\s*[/.-]\s*(\d{1,2})(?![\d/]|[.-]\d)", re.I),
        lambda m: f"{m.group(1)} {int(m.group(3))}月{int(m.group(2))}日 " if 1 <= int(m.group(3)) <= 12 else m.group(0),
    ),
    # D tháng M (năm Y) without ngày, after a bound word: đến 30 tháng 4
    (
        lazy(
            r"\b((?:từ|đến|tới|trước|sau|hết|hạn|là|vào)\s+)(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s*(?:,|năm)\s*(?:năm\s+)?(\d{4}))?",
            re.I,
        ),
        lambda m: (
            f"{m.group(1)} {_date(m.group(4), int(m.group(3)), int(m.group(2)))} "
            if 1 <= int(m.group(3)) <= 12
            else m.group(0)
        ),
    ),
    # bounds
    (
        lazy(
            r"(?:đến\s+hết|cho\s+đến|đến|tới|trước|chậm\s+nhất(?:\s+là)?(?:\s+vào)?|hạn\s+chót(?:\s+là)?)"
            r"\s+(?=(?:ngày\s+)?\d)",
            re.I,
        ),
        " until ",
    ),
    (lazy(r"(?:kể\s+từ|bắt\s+đầu\s+từ|từ|sau)\s+(?=(?:ngày\s+)?\d)", re.I), " from "),
    (
        lazy(r"(?P<h>\d{1,2})\s*giờ\s*rưỡi(?:\s*(?P<p>sáng|chiều|tối|trưa))?", re.I),
        lambda m: " " + _clock(int(m.group("h")), 30, (m.group("p") or "").lower()) + " ",
    ),
    (
        lazy(r"(?P<h>\d{1,2})\s*(?::|h)\s*(?P<m>\d{2})?\s*(?P<p>sáng|chiều|tối|trưa)", re.I),
        lambda m: " " + _clock(int(m.group("h")), int(m.group("m") or 0), m.group("p").lower()) + " ",
    ),
]
_VI_POST: list[tuple[re.Pattern[str], Replacement]] = [
    (lazy(r"(\d+)\s*ngày\s+làm\s+việc", re.I), r"\1開庁日"),
    (lazy(r"(\d+)\s*ngày(?!\s*\d)", re.I), r"\1日"),
    (lazy(r"(\d+)\s*tuần(?!\s*\d)", re.I), r"\1週"),
    (lazy(r"(\d+)\s*tháng", re.I), r"\1か月"),
    (lazy(r"(\d+)\s*tuổi", re.I), r"\1歳"),
    (lazy(r"(\d+)\s*năm(?!\s*\d)", re.I), r"\1年"),
    (lazy(r"(\d+)\s*phút", re.I), r"\1分"),
    (lazy(r"(\d+)\s*người", re.I), r"\1人"),
    (lazy(r"(\d+)\s*lần", re.I), r"\1回"),
    (lazy(r"tầng\s*(\d+)", re.I), r"\1階"),
    (lazy(r"ngày\s+(\d{1,2})(?![\d/.]|\s*tháng|月)", re.I), r"\1日"),  # ngày 15 hằng tháng: 15日
]
_VI_WORDS = lazy(
    r"(?<!thứ\s)\b(mười\s+(?:một|hai|ba|bốn|lăm|năm|sáu|bảy|tám|chín)|một|hai|ba|bốn|năm|sáu|bảy|"
    r"tám|chín|mười)\s+(?=(?:tuần|ngày|tháng|tiếng|người|lần|phút)\b)",
    re.I,
)


def _vi_words(match: re.Match[str]) -> str:
    words = match.group(1).lower().split()
    if len(words) == 2:
        return f"{10 + (5 if words[1] == 'lăm' else _VI_NUMBER[words[1]])} "
    return f"{_VI_NUMBER[words[0]]} "


# Portuguese (and Spanish)
_PT_WEEKDAY = {
    "segunda": "月",
    "terça": "火",
    "terca": "火",
    "quarta": "水",
    "quinta": "木",
    "sexta": "金",
    "sábado": "土",
    "sabado": "土",
    "domingo": "日",
    "lunes": "月",
    "martes": "火",
    "miércoles": "水",
    "miercoles": "水",
    "jueves": "木",
    "viernes": "金",
    "seg": "月",
    "ter": "火",
    "qua": "水",
    "qui": "木",
    "sex": "金",
    "sáb": "土",
    "sab": "土",
    "dom": "日",
}
_PT_ORDINAL = {
    "primeiro": 1,
    "primeira": 1,
    "segundo": 2,
    "segunda": 2,
    "terceiro": 3,
    "terceira": 3,
    "quarto": 4,
    "quarta": 4,
    "primer": 1,
    "tercer": 3,
    "1o": 1,
    "2o": 2,
    "3o": 3,
    "4o": 4,
    "1a": 1,
    "2a": 2,
    "3a": 3,
    "4a": 4,
}
# segunda / quarta / quinta / sexta alone are also ordinals (a segunda parcela): a weekday needs feira or the plural
_PT_WD = (
    r"(?:segunda|terça|terca|quarta|quinta|sexta)s?[\s-]+feiras?|(?:segunda|terça|terca|quarta|quinta|sexta)s|"
    r"sábados?|sabados?|domingos?|lunes|martes|miércoles|miercoles|jueves|viernes"
)
_PT_PERIOD = {
    "início": "上旬",
    "inicio": "上旬",
    "começo": "上旬",
    "comeco": "上旬",
    "princípio": "上旬",
    "principios": "上旬",
    "meados": "中旬",
    "mediados": "中旬",
    "final": "下旬末",
    "fim": "下旬末",
    "finais": "下旬末",
    "fins": "下旬末",
    "finales": "下旬末",
    "fines": "下旬末",
}


def _pt_weekday(word: str) -> str:
    word = word.lower()
    return next(_PT_WEEKDAY[key] for key in sorted(_PT_WEEKDAY, key=len, reverse=True) if word.startswith(key))


def _pt_day_part(match: re.Match[str]) -> str:
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    part = match.group("p").lower()
    hour = _pm(hour, "pm" if part == "tarde" else "night" if part == "noite" or part == "noche" else "am")
    return f" {hour}時" + (f"{minute}分 " if minute else " ")


_PT_PRE: list[tuple[re.Pattern[str], Replacement]] = [
    (lazy(r"\bprimeiro\s+de\s+(?=" + _RO_MONTH.replace("(?P<mon>", "(?:") + ")", re.I), "1 de "),
    (lazy(r"(?<=\d)\.(?=[oº°]\s+de\s)", re.I), ""),
    (lazy(r"\bmeio[\s-]dia\b|\bmediod[ií]a\b", re.I), " 12時 "),
    (
        lazy(
            r"(?P<h>\d{1,2})(?:\s*(?:h|:)\s*(?P<m>\d{2})|\s*h(?:oras?)?)?\s+(?:da|de\s+la|de)\s+(?P<p>manhã|tarde|noite|mañana|noche)\b",
            re.I,
        ),
        _pt_day_part,
    ),
    (
        lazy(
            r"\b(?P<pre>às|as|das|até|pelas|las)\s+(?P<h>\d{1,2})\s*horas?(?:\s*e\s*(?P<m>\d{1,2})(?:\s*minutos?)?)?",
            re.I,
        ),
        lambda m: f"{m.group('pre')} {int(m.group('h'))}時" + (f"{int(m.group('m'))}分 " if m.group("m") else " "),
    ),
    (
        lazy(
            r"\b(?:n?o\s+|el\s+)?(?P<n>primeir[oa]|segund[oa]|terceir[oa]|quart[oa]|primer|tercer|[1-4][oa])\s+(?P<w>"
            + _PT_WD
            + r")\s+(?:de\s+)?(?:cada|todo\s+o|todos\s+os|do|del)\s+(?:mês|meses|mes)\b",
            re.I,
        ),
        lambda m: f" 毎月第{_PT_ORDINAL[m.group('n').lower()]} {_pt_weekday(m.group('w'))}曜日 ",
    ),
    (
        lazy(r"\bsábados?\s*(?:,|e|y|ou|/)\s*domingos?\b|\bfins?\s+de\s+semana\b|\bfines?\s+de\s+semana\b", re.I),
        " 土日 ",
    ),
    (lazy(r"\bferiados?(?:\s+nacionais)?\b|\bd[ií]as?\s+festivos?\b", re.I), " 祝日 "),
    (lazy(r"\b(?:tod[ao]s?\s+(?:[ao]s?\s+)?|cada\s+)(?=" + _PT_WD + r")", re.I), " 毎週 "),
    (
        lazy(r"\b(" + _PT_WD + r")\b", re.I),
        lambda m: (
            (
                " 毎週"
                if re.match(r"(?:segunda|terça|terca|quarta|quinta|sexta|sábado|sabado|domingo)s\b", m.group(1), re.I)
                else ""
            )
            + f" {_pt_weekday(m.group(1))}曜日 "
        ),
    ),
    (
        lazy(r"\(\s*(seg|ter|qua|qui|sex|sáb|sab|dom)\.?\s*\)", re.I),
        lambda m: f"({_PT_WEEKDAY[m.group(1).lower()]})",
    ),
    (
        lazy(
            r"\b(?:n?[oa]s?\s+|em\s+|a\s+)?(?P<p>início|inicio|começo|comeco|princípio|principios|meados|mediados|final|"
            r"fim|finais|fins|finales|fines)\s+d[eo]\s+" + _RO_MONTH,
            re.I,
        ),
        lambda m: f" {_RO_MONTHS[m.group('mon').lower()]}月{_PT_PERIOD[m.group('p').lower()]} ",
    ),
    (lazy(r"\b(?:a\s+|la\s+)?(?:metade|mitad)\b", re.I), " 2分の1 "),
    (lazy(r"\bum\s+terço\b|\bun\s+tercio\b", re.I), " 3分の1 "),
    (lazy(r"\bdois\s+terços\b", re.I), " 3分の2 "),
    # bounds
    (
        lazy(
            r"\b(?:até|hasta|antes\s+d[eoa]s?|antes\s+del)\s+(?:o\s+dia\s+|ao\s+dia\s+|el\s+d[ií]a\s+|dia\s+|as\s+|às\s+|"
            r"a\s+|o\s+|las\s+)?(?=\d)",
            re.I,
        ),
        " until ",
    ),
    (
        lazy(
            r"\b(?:a\s+partir\s+d(?:e|a|as|o|os)|a\s+partir\s+del?|desde|depois\s+d(?:e|a|as|o|os)|após(?:\s+[oa]s?)?|"
            r"después\s+de(?:\s+las)?)\s+(?:o\s+dia\s+|dia\s+|el\s+d[ií]a\s+)?(?=\d)",
            re.I,
        ),
        " from ",
    ),
]
_JA_TOKEN = r"(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:\s*\([^)]{1,15}\))?|\d{1,2}時(?:\d{1,2}分)?"
_PT_POST: list[tuple[re.Pattern[str], Replacement]] = [
    (
        lazy(
            r"\b(?:de|do\s+dia|das|dos|entre|del)\s+(" + _JA_TOKEN + r")\s*,?\s+(?:a|à|às|as|ao|até|e|al|y)\s+"
            r"(?:o\s+dia\s+|dia\s+)?(?=" + _JA_TOKEN + ")",
            re.I,
        ),
        r" \1 ~ ",
    ),
    (lazy(r"(\d+)\s*d[ií]as?\s+(?:úteis|uteis|hábiles|habiles)", re.I), r"\1開庁日"),
    (lazy(r"(\d+)\s*d[ií]as?\b", re.I), r"\1日"),
    (lazy(r"(\d+)\s*semanas?\b", re.I), r"\1週"),
    (lazy(r"(\d+)\s*(?:meses|mês|mes)\b", re.I), r"\1か月"),
    (lazy(r"(\d+)\s*(?:anos|años)\s+de\s+edad[e]?\b", re.I), r"\1歳"),
    (lazy(r"(\d+)\s*(?:anos?|años?)\b", re.I), r"\1年"),  # 18 anos: years or years old (keeps 年 and 歳)
    (lazy(r"(\d+)\s*(?:pessoas?|personas?)\b", re.I), r"\1人"),
    (lazy(r"(\d+)\s*(?:parcelas|presta[çc][õo]es|cuotas)\b", re.I), r"\1回"),  # 12回に分けて: em 12 parcelas
    (
        lazy(r"\b(?:todos\s+os\s+meses|todo\s+m[êe]s|mensalmente|cada\s+m[êe]s|todos\s+los\s+meses)\b", re.I),
        " 毎月 ",
    ),
    (lazy(r"\b(?:todas\s+as\s+semanas|toda\s+semana|semanalmente|todas\s+las\s+semanas)\b", re.I), " 毎週 "),
    (lazy(r"(\d+)\s*vezes\b|(\d+)\s*veces\b", re.I), lambda m: f"{m.group(1) or m.group(2)}回"),
    (lazy(r"(\d+)\s*(?:horas?)\b", re.I), r"\1時間"),
    (lazy(r"(\d+)\s*minutos?\b", re.I), r"\1分"),
    (lazy(r"(\d+)\s*[oº]?\s*(?:andar|andares|piso|pisos)\b", re.I), r"\1階"),
    (lazy(r"\bdia\s+(\d{1,2})\b(?![/.]\d)", re.I), r"\1日"),  # no dia 15 (de cada mês): 15日
]
# 3~5세, 3至5岁, 3 a 5 anos, từ 3 đến 5 tuổi: the unit of a range's end goes with its start too
_UNIT_RANGE = lazy(
    r"(?<![\d.:/-])(\d{1,3})(\s*(?:~|〜|～|-|–|至|到)\s*|\s+(?:a|até|e|y|đến|tới)\s+)(\d{1,3})\s*"
    r"(か月|週間|歳|か所|세|살|개월|일|주|명|회|층|岁|个月|天|周|次|层|ngày|tuần|tháng|tuổi|người|lần|dias|semanas|meses|anos|"
    r"pessoas|vezes)(?![A-Za-z\d])",
    re.I,
)
_KANA_DAY_WORDS = {
    "げつようび": "月曜日",
    "かようび": "火曜日",
    "すいようび": "水曜日",
    "もくようび": "木曜日",
    "きんようび": "金曜日",
    "どようび": "土曜日",
    "にちようび": "日曜日",
    "しゅくじつ": "祝日",
    "まいしゅう": "毎週",
    "まいつき": "毎月",
}
_KANA_DAY_WORD = lazy("|".join(_KANA_DAY_WORDS))
_JA_PLAIN_PERIODS = {
    "おわり": "下旬末",
    "終わり": "下旬末",
    "おわりごろ": "下旬末",
    "終わりごろ": "下旬末",
    "終わり頃": "下旬末",
    "はじめ": "上旬",
    "初め": "上旬",
    "はじめごろ": "上旬",
    "初めごろ": "上旬",
    "初め頃": "上旬",
    "なかごろ": "中旬",
    "中ごろ": "中旬",
    "中頃": "中旬",
    "まんなかごろ": "中旬",
    "まんなか": "中旬",
}
_JA_PLAIN_PERIOD = lazy(
    r"(?<![\d.])(\d{1,2})月(?:\s*\([^)]{1,4}\))?の?\s*("
    + "|".join(sorted(_JA_PLAIN_PERIODS, key=len, reverse=True))
    + ")"
)
_PAREN_WEEKDAY = lazy(r"[(（]\s*([月火水木金土日])曜日?\s*[)）]")


def _date(y: str | None, m: int, d: int | None) -> str:
    return (f"{int(y)}年" if y else "") + f"{m}月" + (f"{d}日" if d else "")


def _month_date(months: dict[str, int]) -> Callable[[re.Match[str]], str]:
    def sub(match: re.Match[str]) -> str:
        month = months[match.group("mon").lower().rstrip(".")]
        groups = match.groupdict()
        day = int(groups["d"]) if groups.get("d") else None
        if day is not None and not 1 <= day <= 31:
            return match.group(0)
        return " " + _date(groups.get("y"), month, day) + " "

    return sub


def _dmy(match: re.Match[str]) -> str:
    a, b, y = int(match.group("a")), int(match.group("b")), match.group("y")
    readings = [_date(y, m, d) for m, d in ((b, a), (a, b)) if 1 <= m <= 12 and 1 <= d <= 31]
    return " " + "・".join(dict.fromkeys(readings)) + " " if readings else match.group(0)


def _clock(h: int, m: int, period: str | None) -> str:
    if h == 24 and not m and not period:
        return "24時間"  # 24 giờ / 24h: around the clock
    if period in ("chiều", "tối") and h < 12:
        h += 12
    return f"{h}時" + (f"{m}分" if m else "")


def _multiplied(match: re.Match[str]) -> str:
    try:
        value = Decimal(match.group("n")) * _MULTIPLIERS[match.group("mult").lower()]
    except InvalidOperation:
        return match.group(0)
    text = format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
    if match.group("pre") or match.group("cur"):
        return f" {text}円 "
    return f" {text} "


def localize(text: str, lang: str, *, words: bool = False) -> str:
    """Dates, times, amounts and percentages written in English, Portuguese/Spanish, Vietnamese,
    Korean or Chinese, rewritten in the Japanese form that :func:`canonical` reads. ``words``: also
    read number words (two, twice, second, dois) — for answers, never for sources."""
    text = unicodedata.normalize("NFKC", FW_COMMA.sub("、", ENUMERATORS.sub(" ", text)))  # ③ is a list mark, not 3
    text = _EURO_THOUSANDS.sub(
        lambda m: (
            m.group(0).replace(".", "")
            if m.group(0).count(".") > 1
            or re.match(r"\s*(?:" + _CURRENCY + r")", text[m.end() : m.end() + 8], re.I)
            or text[max(0, m.start() - 4) : m.start()].strip().lower().endswith(("¥", "jpy"))
            else m.group(0)
        ),
        text,
    )
    text = _DECIMAL_COMMA.sub(r"\1.\2", text)
    # やさしい日本語: 6月の おわりごろ / はじめ / なかごろ = 6月下旬（末）/ 上旬 / 中旬 (furigana read off first)
    text = re.sub(r"(?<=[\u4e00-\u9fff々〆ヶ])\([ぁ-ゖー]+\)", "", text)
    text = _KANA_DAY_WORD.sub(lambda m: _KANA_DAY_WORDS[m.group(0)], text)  # すいようび, しゅくじつ
    text = _JA_PLAIN_PERIOD.sub(lambda m: f"{m.group(1)}月{_JA_PLAIN_PERIODS[m.group(2)]}", text)
    if True:  # 2〜3か月, 3~5세, 3至5岁: the unit of the range's end goes with its start
        text = _UNIT_RANGE.sub(lambda m: f"{m.group(1)}{m.group(4)}{m.group(2)}{m.group(3)}{m.group(4)}", text)
    if lang == "ko" or re.search(r"[\uac00-\ud7a3]", text):
        text = _localize_ko(text)
    if lang == "zh":
        text = _localize_zh(text.replace("两", "二"))
    vi = lang == "latin" and _is_vi(text)
    pt = lang == "latin" and not vi
    if vi:
        text = _sub_all(text, _VI_PRE)
    if pt:
        text = _sub_all(text, _PT_PRE)
    text = _DMY.sub(_dmy, text)
    for pattern in _EN_RANGE_YEAR:
        text = pattern.sub(_range_year, text)
    for pattern, repl in _EN_FRACTIONS:
        text = pattern.sub(repl, text)
    text = _EN_DAY_RANGE.sub(
        lambda m: " {0}月{1}日 ~ {0}月{2}日 ".format(
            _EN_MONTHS[m.group("mon").lower().rstrip(".")], int(m.group("d")), int(m.group("d2"))
        ),
        text,
    )
    for pattern in _EN_DATES:
        text = pattern.sub(_month_date(_EN_MONTHS), text)
    text = _EN_MAY.sub(r"\1\2 5月 ", text)
    text = _EN_PERIOD.sub(
        lambda m: f" {_EN_MONTHS[m.group('mon').lower().rstrip('.')]}月{_PERIODS[m.group('p').lower()]} ", text
    )
    text = _EN_NTH.sub(
        lambda m: f" 毎月第{_NTH[m.group('n').lower()]} {_WEEKDAYS[m.group('w').lower()[:3]]}曜日 ", text
    )
    text = _EN_WEEKEND.sub(" 土日 ", text)
    text = _EN_EVERY.sub(" 毎週 ", text)
    if not vi:  # Vietnamese thu (collect), mon … are no weekdays
        text = _EN_WEEKDAY.sub(
            lambda m: (
                (" 毎週" if m.group(0).lower().endswith("days") else " ") + f"{_WEEKDAYS[m.group(1).lower()[:3]]}曜日 "
            ),
            text,
        )
    text = _EN_MONTH_ALONE.sub(lambda m: f" {_EN_MONTHS[m.group('mon').lower()]}月 ", text)
    for pattern in _RO_DATES:
        text = pattern.sub(_month_date(_RO_MONTHS), text)
    if lang == "latin":
        text = _RO_MONTH_ALONE.sub(lambda m: f" {_RO_MONTHS[m.group('mon').lower()]}月 ", text)
    text = _VI_DATE.sub(lambda m: " " + _date(m.group("y"), int(m.group("m")), int(m.group("d"))) + " ", text)
    text = _VI_MONTH.sub(
        lambda m: (
            " " + _date(m.group("y"), int(m.group("m")), None) + " " if 1 <= int(m.group("m")) <= 12 else m.group(0)
        ),
        text,
    )
    text = _VI_YEAR.sub(lambda m: f" {m.group('y')}年 ", text)
    text = _VI_TIME.sub(
        lambda m: " " + _clock(int(m.group("h")), int(m.group("m") or 0), (m.group("p") or "").lower()) + " ", text
    )
    text = _H_TIME.sub(
        lambda m: (
            " " + _clock(int(m.group("h")), int(m.group("m") or 0), None) + " "
            if int(m.group("h")) <= 24
            else m.group(0)
        ),
        text,
    )
    text = _HORAS.sub(lambda m: f" {m.group('h') or m.group('h2')}時 ", text)
    text = _OCLOCK.sub(lambda m: f" {m.group('h')}時 ", text)
    text = _NOON.sub(" 12時 ", text)
    text = _MULTIPLIED.sub(_multiplied, text)
    text = _AMOUNT_WORD.sub(lambda m: " " + re.sub(r"\s+", "", m.group("n")) + "円 ", text)
    text = _PERCENT_WORD.sub(lambda m: f" {m.group('n')}% ", text)
    if words and lang != "ja":
        if vi:
            text = _VI_WORDS.sub(_vi_words, text)
        numbers = {**_EN_NUMBERS, **_EN_ORDINALS, **({**_RO_NUMBERS, **_RO_ORDINALS} if pt else {})}
        text = _WORD_NUMBER.sub(
            lambda m: f" {numbers[m.group(1).lower()]} " if m.group(1).lower() in numbers else m.group(0), text
        )
    if vi:
        text = _sub_all(text, _VI_POST)
    if pt:
        text = _sub_all(text, _PT_POST)
    return _PAREN_WEEKDAY.sub(r"(\1)", text)


# ----------------------------------------------------------------------------------- quantities
@dataclass(frozen=True)
class Quantity:
    kind: str  # date ym md year month time amount percent fraction code count
    value: tuple[Any, ...]  # its shape by kind: (year, month, day), (Decimal,), (digits,), ...
    unit: str | None = None
    label: str = field(default="", compare=False)
    at: int = field(default=0, compare=False)  # where it starts in the canonical text


_COUNTERS = (
    "か月間|か月|か所|か国|か年|日間|週間|年間|分間|時間|世帯|種類|ページ|ポイント|人|名|件|日|年|歳|才|回|部|通|分|秒|週|"
    "枚|冊|個|社|校|台|本|点|問|倍|割|階|号|条|項|泊|食|種|戸|課|区|票|席|棟|室|頭|匹|杯|期|次|度|つ|km|kg|mg|ml|mm|cm|"
    "m2|°c"
)
_UNIT_FOLD = {"名": "人", "日間": "日", "週間": "週", "年間": "年", "か月間": "か月", "分間": "分", "才": "歳"}
_N = NUMBER = r"(?<![\d.])(\d+(?:\.\d+)?)"  # NUMBER, CODE and QUANTITIES are shared with claims.py
_CODE = CODE = lazy(r"(?<![\d-])(?:\d{2,5}-\d{2,5}-\d{3,5}|\d{3}-\d{4})(?![\d]|-\d)")
_PATTERNS = [
    ("date", lazy(r"(?<![\d.])(\d{4})年(\d{1,2})月(\d{1,2})日")),
    ("ym", lazy(r"(?<![\d.])(\d{4})年(\d{1,2})月(?!\d)")),
    ("md", lazy(r"(?<![\d.])(\d{1,2})月(\d{1,2})日")),
    ("year", lazy(r"(?<![\d.])(\d{4})年(?:度)?")),
    ("month", lazy(r"(?<![\d.])(\d{1,2})月(?!\d)")),
    ("time", lazy(r"(?<![\d.])(\d{1,2})時(?!間)(?:(\d{1,2})分)?")),
    ("amount", lazy(_N + "円")),
    ("percent", lazy(_N + "%")),
]
QUANTITIES = _PATTERNS
_COUNT = lazy(_N + "(" + _COUNTERS + ")")
# Qualifiers that are quantities too: 3月下旬, a weekday, 毎週 / 毎月第2, 土日 / 祝日.
# (the value, the label) that a qualifier's match reads as
QualifierReading = Callable[[re.Match[str]], tuple[tuple[Any, ...], str]]
_QUALIFIERS: list[tuple[str, re.Pattern[str] | None, QualifierReading | None]] = [
    # 下旬末: "late or end of" (Vietnamese cuối tháng, Portuguese final de), which keeps either
    (
        "period",
        lazy(r"(?<![\d.])(\d{1,2})月(上旬|初旬|中旬|下旬末|下旬|末)"),
        lambda m: ((int(m.group(1)), "上旬" if m.group(2) == "初旬" else m.group(2)), f"{m.group(1)}月{m.group(2)}"),
    ),
    ("offday", None, None),  # (taken before the weekdays: 土曜日、日曜日 = 土日)
    (
        "weekday",
        lazy(r"(?<=[(（])([月火水木金土日])(?=[)）・])|((?<!\d)日|[月火水木金土])曜日?"),
        lambda m: ((m.group(1) or m.group(2),), f"{m.group(1) or m.group(2)}曜日"),
    ),
    (
        "freq",
        lazy(
            r"毎週|毎月第?((?<=第)(?:\d|[一二三四五](?![十百千]))(?!\d)|\d(?=[月火水木金土日]曜))|毎月|隔週|weekly|everyweek|everymonth|monthly|every(?:other|second)week"
        ),
        lambda m: (
            (_FREQ.get(m.group(0), m.group(0)) if not m.group(1) else f"毎月第{_nth(m.group(1))}",),
            _FREQ.get(m.group(0), m.group(0)) if not m.group(1) else f"毎月第{_nth(m.group(1))}",
        ),
    ),
    (
        "offday2",
        lazy(
            r"土日|土曜日?(?:・|、|と|及び|および)日曜日?|祝日|休日|weekends?|saturdaysandsundays|"
            r"(?:public|national)holidays?|holidays"
        ),
        lambda m: ((_OFFDAY.get(m.group(0), m.group(0)),), _OFFDAY.get(m.group(0), m.group(0))),
    ),
]


def _nth(text: str) -> int:
    return int(text) if text.isdigit() else "一二三四五".index(text) + 1


_FREQ: dict[str, str] = {
    "weekly": "毎週",
    "everyweek": "毎週",
    "everymonth": "毎月",
    "monthly": "毎月",
    "everyotherweek": "隔週",
    "everysecondweek": "隔週",
}
_OFFDAY: dict[str, str] = {
    **{k: "土日" for k in ("weekend", "weekends", "saturdaysandsundays")},
    **{
        k: "祝日"
        for k in (
            "holiday",
            "holidays",
            "publicholiday",
            "publicholidays",
            "nationalholiday",
            "nationalholidays",
            "休日",
        )
    },
}
_OFFDAY_JA = lazy(r"土曜日?(?:・|、|と|及び|および)日曜日?")
# A count in English: its unit decides (4か月 is kept by "4 months", not by "4 weeks" or "4 years").
_EN_UNITS = [
    ("working days", "開庁日"),
    ("working day", "開庁日"),
    ("business days", "開庁日"),
    ("business day", "開庁日"),
    ("days", "日"),
    ("day", "日"),
    ("weeks", "週"),
    ("week", "週"),
    ("months", "か月"),
    ("month", "か月"),
    ("years old", "歳"),
    ("year old", "歳"),
    ("years", "年"),
    ("year", "年"),
    ("hours", "時間"),
    ("hour", "時間"),
    ("minutes", "分"),
    ("minute", "分"),
    ("people", "人"),
    ("persons", "人"),
    ("person", "人"),
    ("times", "回"),
    ("kg", "kg"),
    ("km", "km"),
]
_EN_UNIT = {u.replace(" ", ""): ja for u, ja in _EN_UNITS}  # canonical text has no spaces
_EN_COUNT = lazy(r"(?<![\d.])(\d+(?:\.\d+)?)-?(" + "|".join(sorted(_EN_UNIT, key=len, reverse=True)) + ")", re.I)
# The bound that goes with a date or time: まで / by / until (a deadline, an end) or から / after / from (a start).
_UNTIL_AFTER = lazy(r"^(?:まで|までに|以内|以前|前まで)")
_FROM_AFTER = lazy(r"^(?:から|以降|以後|より|〜|~|–|—)")
_UNTIL_BEFORE = lazy(r"(?:by|until|till|nolaterthan|before|through|to|〜|~|–)$")
_FROM_BEFORE = lazy(r"(?:from|after|since|startingon|startingat|beginning|as?of|onorafter)$")
# Fractions: 2分の1 (not 2 minutes), 三分の一, 1/2 (numerator below a denominator of at most 10), 半分 / 半額.
_KANJI_SMALL = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_FRACTION = lazy(
    r"(?<![\d.])(\d+|[一二三四五六七八九十])分の(\d+|[一二三四五六七八九十])(?![\d])"
    r"|(?<![\d/.])(\d)/(\d{1,2})(?![\d/])|半分|半額"
)


def _fraction(match: re.Match[str]) -> Quantity | None:
    def num(text: str) -> int:
        return _KANJI_SMALL[text] if text in _KANJI_SMALL else int(text)

    if match.group(1):
        value = Fraction(num(match.group(2)), num(match.group(1))) if num(match.group(1)) else None
    elif match.group(3):
        top, bottom = int(match.group(3)), int(match.group(4))
        value = Fraction(top, bottom) if 0 < top < bottom <= 10 else None
    else:
        value = Fraction(1, 2)
    if value is None or value <= 0:
        return None
    return Quantity("fraction", (value,), label=f"{value.denominator}分の{value.numerator}")


_NUMBER = lazy(_N)


def _dec(text: str) -> Decimal:
    return Decimal(text).normalize() if "." in text else Decimal(int(text))


def _fmt(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")


def _typed(kind: str, match: re.Match[str]) -> Quantity | None:
    g = match.groups()
    if kind == "date":
        y, m, d = int(g[0]), int(g[1]), int(g[2])
        return Quantity(kind, (y, m, d), label=f"{y}年{m}月{d}日") if 1 <= m <= 12 and 1 <= d <= 31 else None
    if kind == "ym":
        y, m = int(g[0]), int(g[1])
        return Quantity(kind, (y, m), label=f"{y}年{m}月") if 1 <= m <= 12 else None
    if kind == "md":
        m, d = int(g[0]), int(g[1])
        return Quantity(kind, (m, d), label=f"{m}月{d}日") if 1 <= m <= 12 and 1 <= d <= 31 else None
    if kind == "year":
        y = int(g[0])
        return Quantity(kind, (y,), label=f"{y}年") if 1800 <= y <= 2200 else None
    if kind == "month":
        m = int(g[0])
        return Quantity(kind, (m,), label=f"{m}月") if 1 <= m <= 12 else None
    if kind == "time":
        h, mi = int(g[0]), int(g[1] or 0)
        return Quantity(kind, (h, mi), label=f"{h}時" + (f"{mi}分" if mi else "")) if h <= 30 and mi < 60 else None
    value = _dec(g[0])
    if kind == "amount":
        return Quantity(kind, (value,), label=f"{value:,}円" if value == int(value) else f"{_fmt(value)}円")
    return Quantity(kind, (value,), label=f"{_fmt(value)}%")


def quantities(
    text: str, *, foreign_numbers: bool, single: bool = True, words: bool = False, lang: str | None = None
) -> tuple[list[Quantity], str]:
    """The quantities of ``text`` (in order of appearance, without repeats) and its canonical form.

    Dates, times, amounts, percentages and phone/postal codes are typed; then numbers with a
    counter (14日, 3人) — or, with ``foreign_numbers``, every remaining number (a text in another
    language, where the counter is a word). ``single=False`` leaves lone kanji numerals as words;
    ``words`` reads number words (two, twice, second)."""
    found, canon = _quantities(text, foreign_numbers, single, words, lang or language(text))
    return list(found), canon


@lru_cache(maxsize=4096)
def _quantities(
    text: str, foreign_numbers: bool, single: bool, words: bool, lang: str
) -> tuple[tuple[Quantity, ...], str]:
    canon = canonical(localize(text, lang, words=words), single=single)
    rest = canon
    found: list[Quantity] = []
    spans: list[tuple[Quantity, int, int]] = []

    def take(pattern: re.Pattern[str], make: Callable[[re.Match[str]], Quantity | None]) -> None:
        nonlocal rest
        pieces: list[str] = []
        last = 0
        for match in pattern.finditer(rest):
            q = make(match)
            if q is None:
                continue
            found.append(replace(q, at=match.start()))
            spans.append((found[-1], match.start(), match.end()))
            pieces.append(rest[last : match.start()] + "\x00" * (match.end() - match.start()))
            last = match.end()
        pieces.append(rest[last:])
        rest = "".join(pieces)

    def qualifier(m: re.Match[str], kind: str, make: QualifierReading) -> Quantity:
        value, label = make(m)
        # a weekday in parentheses after a date (20日（水）) goes with the date: it may be left out, not changed
        attached = kind == "weekday" and m.group(1) is not None
        return Quantity(kind, value, "date" if attached else None, label=label)

    def qualify(kind: str, pattern: re.Pattern[str] | None, make: QualifierReading | None) -> None:
        if pattern is None or make is None:  # only the offday placeholder has none, and it borrows offday2's
            raise ValueError(f"qualifier {kind} has no pattern")
        take(pattern, lambda m: qualifier(m, kind, make))

    take(_CODE, lambda m: Quantity("code", (re.sub(r"\D", "", m.group(0)),), label=m.group(0)))
    take(_FRACTION, _fraction)
    qualify("period", _QUALIFIERS[0][1], _QUALIFIERS[0][2])  # 3月下旬 before 3月
    for kind, pattern in _PATTERNS:
        take(pattern, partial(_typed, kind))
    offday = next(q for q in _QUALIFIERS if q[0] == "offday2")
    for kind, qualifier_pattern, make in _QUALIFIERS[1:]:
        if kind == "offday2":
            continue
        if kind == "offday":
            rest = _OFFDAY_JA.sub(lambda m: "土日".ljust(len(m.group(0)), "\x01"), rest)
            kind, qualifier_pattern, make = offday[0][:6], offday[1], offday[2]
        qualify(kind, qualifier_pattern, make)
    if lang != "ja":
        take(
            _EN_COUNT,
            lambda m: Quantity(
                "count",
                (_dec(m.group(1)),),
                _EN_UNIT[m.group(2).lower()],
                _fmt(_dec(m.group(1))) + _EN_UNIT[m.group(2).lower()],
            ),
        )
    if foreign_numbers:
        take(_NUMBER, lambda m: Quantity("count", (_dec(m.group(1)),), None, _fmt(_dec(m.group(1)))))
    else:
        take(
            _COUNT,
            lambda m: Quantity(
                "count",
                (_dec(m.group(1)),),
                _UNIT_FOLD.get(m.group(2), m.group(2)),
                _fmt(_dec(m.group(1))) + m.group(2),
            ),
        )
    _SPANS[(text, foreign_numbers, single, words, lang)] = tuple(spans)
    return tuple(dict.fromkeys(sorted(found, key=lambda q: q.at))), canon


# (text, foreign_numbers, single, words, lang) -> (quantity, start, end) of each quantity in the canonical text
_SPANS: dict[tuple[str, bool, bool, bool, str], tuple[tuple[Quantity, int, int], ...]] = {}


def bounds(
    text: str, *, foreign_numbers: bool = False, words: bool = False, lang: str | None = None
) -> dict[Quantity, set[str]]:
    """For each date and time of ``text``: the bounds it is written with ('until' for まで / by, 'from' for
    から / after; empty when it has none)."""
    lang = lang or language(text)
    _, canon = _quantities(text, foreign_numbers, True, words, lang)
    out: dict[Quantity, set[str]] = {}
    for q, start, end in _SPANS.get((text, foreign_numbers, True, words, lang), ()):
        if q.kind not in ("date", "md", "time"):
            continue
        after = re.sub(r"^[(（][月火水木金土日](?:曜日?)?[)）]", "", canon[end : end + 10])[:4]
        before = canon[max(0, start - 14) : start]
        found = out.setdefault(q, set())
        if _UNTIL_AFTER.match(after) or _UNTIL_BEFORE.search(before) and not _FROM_AFTER.match(after):
            found.add("until")
        elif _FROM_AFTER.match(after) or _FROM_BEFORE.search(before):
            found.add("from")
    return out


# Units the Chinese, Korean, Vietnamese and Portuguese readers always write with their count (14天, 14일, 14 ngày,
# 14 dias): in such a translation a count must keep its unit, a bare number elsewhere does not keep it.
# (Years and ages stay lenient: Portuguese anos and Vietnamese năm are either.)
_PER_UNITS = {"人", "回", "通", "枚", "件", "個", "冊", "部", "本", "台", "戸"}  # 1人あたり: "per person"
_GENERIC_UNITS = {"つ", "か所", "個", "件", "種類", "点", "戸"}
_STRICT_UNITS = {"日", "週", "か月", "時間", "分", "人", "回", "階", "開庁日"}


def _is_pt(text: str) -> bool:
    return len(re.findall(r"[ãõçÃÕÇ]", text)) >= 2 and not _is_vi(text)


class _Answer:
    def __init__(self, output: str):
        self.lang = language(output)
        self.strict_units = self.lang in ("zh", "ko") or (self.lang == "latin" and (_is_vi(output) or _is_pt(output)))
        found, self.canon = quantities(output, foreign_numbers=False, words=True, lang=self.lang)
        self.found = found
        self.bounds = bounds(output, words=True, lang=self.lang)
        self.plain = plain(output)
        self.by_kind: dict[str, set[tuple[Any, ...]]] = {}  # a count by (number, unit)
        for q in found:
            self.by_kind.setdefault(q.kind, set()).add(q.value if q.kind != "count" else (q.value[0], q.unit))
        # やさしい日本語: 「1かい」 is 1階 or 1回 (the kana does not say which)
        for n in re.findall(r"(?<![\d.])(\d+)かい(?!しゃ|ぎ|けい|じょう|いん)", self.canon):
            self.by_kind.setdefault("count", set()).update({(_dec(n), "階"), (_dec(n), "回")})
        self.numbers = {_dec(n) for n in _NUMBER.findall(self.canon)}
        # phone numbers: 03-1234-5678, 03(1234)5678, (03)1234-5678 read as digits; a parenthesis that only
        # follows a number ("0120-000-811 (24時間)") still ends it
        digits = re.sub(r"(?<=\d)\((\d{1,5})\)(?=\d)", r"\1", self.canon.replace("-", ""))
        self.digits = re.sub(r"\((\d{1,5})\)(?=\d)", r"\1", digits)

    def has(self, kind: str) -> set[tuple[Any, ...]]:
        return self.by_kind.get(kind, set())

    def keeps(self, q: Quantity, unit_aware: bool) -> bool:
        v = q.value
        dates = self.has("date")
        if q.kind == "date":
            return v in dates
        if q.kind == "ym":
            return v in self.has("ym") or any(d[:2] == v for d in dates)
        if q.kind == "md":
            return v in self.has("md") or any(d[1:] == v for d in dates)
        if q.kind == "month":
            return (
                v in self.has("month")
                or any(x[1] == v[0] for x in self.has("ym") | dates)
                or any(x[0] == v[0] for x in self.has("md"))
            )
        if q.kind == "year":
            return (
                v in self.has("year")
                or any(x[0] == v[0] for x in self.has("ym") | dates)
                or Decimal(v[0]) in self.numbers
            )
        if q.kind == "fraction":  # 2分の1 = 半分 = one half = 50%
            return v in self.has("fraction") or any(Fraction(p[0]) / 100 == v[0] for p in self.has("percent"))
        if q.kind == "percent" and any(f[0] * 100 == Fraction(v[0]) for f in self.has("fraction")):
            return True
        if q.kind in ("time", "amount", "percent"):
            return v in self.has(q.kind)
        if q.kind == "code":
            return bool(occurrences(v[0], self.digits))
        if q.kind == "period" and v[1] in ("下旬", "末", "下旬末"):
            return any(p[0] == v[0] and (p[1] == v[1] or "下旬末" in (p[1], v[1])) for p in self.has("period"))
        if q.kind in ("period", "weekday", "freq", "offday"):
            return v in self.has(q.kind)
        counts = self.has("count")
        if unit_aware and q.unit:
            if q.unit in _GENERIC_UNITS and any((v[0], u) in counts for u in _GENERIC_UNITS):
                return True  # 3か所 = 3つ (the general counter of やさしい日本語)
            return (v[0], q.unit) in counts
        if q.unit in ("年", "歳") and self.lang == "latin" and (v[0], "年") in self.has("count"):
            return True  # Portuguese anos / Vietnamese năm: years or years old
        if v[0] == 1 and q.unit in _PER_UNITS and self.strict_units and (v[0], q.unit) not in counts:
            # a count of one is often "per" / "each" in a translation (1人あたり: per person, mỗi người, 每人):
            # kept unless the answer counts the same unit with another number (1回 -> "2 vezes")
            return v[0] in self.numbers or not any(u == q.unit for _, u in counts)
        if q.unit == "割" and self.lang != "ja" and v[0] * 10 in {Decimal(p[0]) for p in self.has("percent")}:
            return True  # 3割 = 30% in a translation
        if q.unit in _EN_UNIT.values() and self.lang != "ja":
            # a translation: the count keeps its unit (4か月 is not "4 weeks"); a bare number ("14-day") keeps it
            if q.unit == "日" and v[0] % 7 == 0 and (v[0] / 7, "週") in counts:
                return True  # 14日 = two weeks
            if q.unit == "週" and (v[0] * 7, "日") in counts:
                return True
            if (v[0], q.unit) in counts:
                return True
            if self.strict_units and q.unit in _STRICT_UNITS and v[0] != 1:  # 1人あたり: "per person"
                return False
            return v[0] in self.numbers and not any(n == v[0] for n, _ in counts)
        return v[0] in self.numbers


def answer_matches(a: Quantity, q: Quantity) -> bool:
    """The answer's date/time ``a`` is the source's ``q`` (a full date also matches its month and day)."""
    if a.kind == q.kind:
        return a.value == q.value
    return a.kind == "date" and q.kind == "md" and a.value[1:] == q.value


# --------------------------------------------------------------------------------------- scorer
class PreserveParams(Params):
    source_var: str | None = Field(
        default=None, description="The item var holding the source text whose quantities must be kept."
    )
    values: list[str] | None = Field(
        default=None,
        description="The quantities to keep, written in any "
        "form (instead of source_var): 「2025年4月1日」「1万2千円」.",
    )
    ignore: list[str] = Field(
        default_factory=list,
        description="Quantities of the source that need not be kept (e.g. a heading number): 「第2回」「2026年」.",
    )
    mode: Literal["all", "subset", "both"] = Field(
        default="all",
        description="all: every quantity of the source is kept (a dropped or changed one fails); "
        "subset: every quantity of the answer comes from the source (an invented number, "
        "date or time fails; a summary may leave quantities out); both: both directions.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> PreserveParams:
        if (self.source_var is None) == (self.values is None):
            raise ValueError("give exactly one of source_var and values")
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        if self.values is not None and not all(canonical(v) for v in self.values):
            raise ValueError("a value is empty in canonical form")
        return self


@register
class Preserve(Scorer):
    kind = "preserve"
    Params = PreserveParams
    params: PreserveParams
    description = "Every number, date, time, amount and percentage of the source is kept (in any equivalent form)."

    def _source(self, item: Item) -> str | None:
        if self.params.source_var is None:
            return None
        value = item.vars.get(self.params.source_var)
        return None if value is None else str(value)

    def _ignored(self) -> set[Quantity]:
        out: set[Quantity] = set()
        for entry in self.params.ignore:
            out.update(quantities(entry, foreign_numbers=False, lang="ja")[0])
        return out

    def _wanted(self, item: Item) -> list[tuple[Quantity, str]]:
        """(quantity, language it was written in); a value with no quantity is a text to find as written."""
        wanted: list[tuple[Quantity, str]] = []
        if self.params.values is not None:
            for value in self.params.values:
                lang = language(value)
                found = quantities(value, foreign_numbers=lang != "ja", lang=lang)[0]
                if not found:
                    found = quantities(value, foreign_numbers=True, lang=lang)[0]
                wanted += [(q, lang) for q in found] or [(Quantity("text", (value,), label=value), lang)]
        else:
            source = self._source(item) or ""
            lang = language(source)
            found = quantities(source, foreign_numbers=lang != "ja", lang=lang)[0]
            # A lone 一 before a counter is as often an idiom (一度も, 一人で, 一日中) as a count: a count of
            # one is kept only when it is written in digits.
            as_written = set(quantities(source, foreign_numbers=lang != "ja", single=False, lang=lang)[0])
            wanted = [(q, lang) for q in found if not (q.kind == "count" and q.value[0] == 1 and q not in as_written)]
        ignored = self._ignored()
        ignored_labels = {canonical(e) for e in self.params.ignore}
        seen: set[Quantity] = set()
        out = []
        for q, lang in wanted:
            if q in seen or q in ignored or canonical(q.label) in ignored_labels:
                continue
            if q.kind == "count" and any(i.kind == "count" and i.value == q.value for i in ignored):
                continue
            seen.add(q)
            out.append((q, lang))
        return out

    def check_item(self, item: Item) -> str | None:
        if self.params.source_var is not None and self._source(item) is None:
            return f"needs vars.{self.params.source_var} (the source text whose numbers must be kept)"
        return None

    def score(self, output: str, item: Item) -> ScoreResult:
        mode = self.params.mode
        wanted = self._wanted(item) if mode != "subset" else []
        answer = _Answer(output)
        kept: list[str] = []
        missing: list[str] = []
        source_bounds = self._source_bounds(item)
        for q, lang in wanted:
            if q.kind == "text":
                ok = any(occurrences(f(q.value[0]), t) for f, t in ((canonical, answer.canon), (plain, answer.plain)))
            elif q.kind == "weekday" and q.unit == "date":  # 20日（水）: may be left out, not changed
                ok = answer.keeps(q, False) or not answer.has("weekday")
            else:
                ok = answer.keeps(q, unit_aware=lang == "ja" and answer.lang == "ja")
            label = q.label
            if ok and q.kind in ("date", "md", "time"):
                # まで kept as まで: a deadline turned into a start (or the reverse) is a change
                want = source_bounds.get(q, set())
                got = (
                    set().union(*(b for a, b in answer.bounds.items() if answer_matches(a, q)))
                    if answer.bounds
                    else set()
                )
                flipped = {"until": "from", "from": "until"}
                if len(want) == 1 and got and not (want & got) and flipped[next(iter(want))] in got:
                    ok, label = False, q.label + ("まで" if "until" in want else "から")
            (kept if ok else missing).append(label)
        invented = self._invented(item, answer, output) if mode != "all" else []
        total = len(wanted)
        detail = {"kept": kept, "missing": missing, "total": total, "mode": mode}
        if mode != "all":
            detail["invented"] = invented
        if not missing and not invented:
            if mode == "subset":
                return ScoreResult(1.0, True, "回答の数値・日付・金額はすべて原文にある", detail)
            if not wanted:
                return ScoreResult(1.0, True, "保持すべき数値・日付・金額なし", detail)
            return ScoreResult(1.0, True, f"数値・日付・金額をすべて保持（{total}件）", detail)
        why = []
        if missing:
            why.append(f"欠落・変更: {'、'.join(missing)}（{total}件中{len(kept)}件を保持）")
        if invented:
            why.append(f"原文にない数値・日付: {'、'.join(invented)}")
        score = 0.0 if invented else len(kept) / total
        return ScoreResult(score, False, "／".join(why), detail)

    def _source_bounds(self, item: Item) -> dict[Quantity, set[str]]:
        source = self._source(item) if self.params.source_var else "。".join(self.params.values or [])
        return bounds(source or "", foreign_numbers=False)

    def _invented(self, item: Item, answer: _Answer, output: str) -> list[str]:
        """The answer's quantities that are not in the source (in any equivalent form)."""
        source = self._source(item) if self.params.source_var else "。".join(self.params.values or [])
        src = _Answer(source or "")
        ignored = {canonical(e) for e in self.params.ignore}
        # a lone 一 before a counter is an idiom as often as a count (一度, 一人で): only a 1 in digits counts
        as_written = set(quantities(output, foreign_numbers=False, single=False, words=True, lang=answer.lang)[0])
        out = []
        for q in answer.found:
            if canonical(q.label) in ignored or (q.kind == "count" and q.value[0] == 1 and q not in as_written):
                continue
            if q.kind == "weekday" and q.unit == "date" and not src.has("weekday"):
                continue  # a weekday added to a date is no new fact (checked by the date)
            if not src.keeps(q, unit_aware=answer.lang == "ja" and src.lang == "ja"):
                out.append(q.label)
        return out

    def ideal_answer(self, item: Item) -> str | None:
        for ref in item.references():
            if self.score(ref, item).passed:
                return ref
        if self.params.values is not None:
            return "。".join(self.params.values) + "。"
        return self._source(item)
