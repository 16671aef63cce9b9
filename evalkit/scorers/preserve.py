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
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import Literal, Optional

from pydantic import Field, model_validator

from ..config.suite import Item
from .base import Params, ScoreResult, Scorer, register
from .canon import FW_COMMA, canonical, occurrences, plain


# ------------------------------------------------------------------------------------ language
def language(text: str) -> str:
    """ja | zh | ko | latin: the script the quantities of ``text`` are written in."""
    kana = len(re.findall(r"[ぁ-ゖァ-ヺ]", text))
    hangul = len(re.findall(r"[\uac00-\ud7a3]", text))
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]", text))
    if hangul >= 2 and hangul > kana:
        return "ko"
    if kana >= 2 or (kana and kana * 10 >= cjk):
        return "ja"
    if cjk >= 8:
        return "zh"
    if latin > cjk:
        return "latin"
    return "ja"


# ------------------------------------------------------------------- other languages -> canonical
_EN_MONTHS = {"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
              "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
              "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
              "dec": 12}
_RO_MONTHS = {"janeiro": 1, "enero": 1, "fevereiro": 2, "febrero": 2, "março": 3, "marzo": 3, "abril": 4,
              "maio": 5, "mayo": 5, "junho": 6, "junio": 6, "julho": 7, "julio": 7, "agosto": 8, "setembro": 9,
              "septiembre": 9, "setiembre": 9, "outubro": 10, "octubre": 10, "novembro": 11, "noviembre": 11,
              "dezembro": 12, "diciembre": 12}
_EN_MONTH = r"(?P<mon>" + "|".join(sorted((m.capitalize() for m in _EN_MONTHS), key=len, reverse=True)) + r")\b\.?"
_RO_MONTH = r"(?P<mon>" + "|".join(sorted(_RO_MONTHS, key=len, reverse=True)) + r")\b"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>\d{4})"
_EN_DAY_RANGE = re.compile(_EN_MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\s*(?:-|–|to|through|until|till)\s*"
                           r"(?:the\s+)?(?P<d2>\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?:days|weeks|months|years|,?\s*\d{4}))")
_EN_DATES = [
    re.compile(_EN_MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR),
    re.compile(r"(?:the\s+)?" + _DAY + r"\s+(?:of\s+)?" + _EN_MONTH + r",?\s+" + _YEAR),
    re.compile(_EN_MONTH + r",?\s+(?:of\s+)?" + _YEAR),
    re.compile(_EN_MONTH + r"\s+(?:the\s+)?" + _DAY + r"(?!\d)"),
    re.compile(r"(?:the\s+)?" + _DAY + r"\s+(?:of\s+)?" + _EN_MONTH),
]
_MON = "|".join(sorted((m.capitalize() for m in _EN_MONTHS), key=len, reverse=True))
_TO = r"\s*(?:-|–|—|~|to|through|until|till|and)\s*"
# A range whose year is written once, at its end: the first date has the same year.
_EN_RANGE_YEAR = [
    # May 1 to June 30, 2025
    re.compile(rf"(?P<mon>{_MON})\b\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?{_TO}(?:the\s+)?(?P<mon2>{_MON})\b\.?\s+"
               rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})"),
    # 1 May to 30 June 2025
    re.compile(rf"(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MON})\b\.?,?{_TO}(?:the\s+)?"
               rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>{_MON})\b\.?,?\s+(?P<y>\d{{4}})"),
    # May 1–15, 2025
    re.compile(rf"(?P<mon>{_MON})\b\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?{_TO}(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
               rf"(?P<y>\d{{4}})"),
]


def _range_year(match: re.Match) -> str:
    groups = match.groupdict()
    month = _EN_MONTHS[groups["mon"].lower().rstrip(".")]
    month2 = _EN_MONTHS[groups["mon2"].lower().rstrip(".")] if groups.get("mon2") else month
    day, day2 = int(groups["d"]), int(groups["d2"])
    if not (1 <= day <= 31 and 1 <= day2 <= 31):
        return match.group(0)
    return f" {_date(groups['y'], month, day)} ~ {_date(groups['y'], month2, day2)} "


# Fractions in words: one half = 2分の1, two thirds = 3分の2, a quarter = 4分の1.
_EN_FRACTIONS = [
    (re.compile(r"\b(?:(?:one|a)[\s-])?half\b(?!\s*(?:an?\s+)?(?:hour|day|year|month|week|time|past|term|price|size))",
                re.I), " 2分の1 "),
    (re.compile(r"\b(?:one|a)[\s-]third\b", re.I), " 3分の1 "),
    (re.compile(r"\btwo[\s-]thirds\b", re.I), " 3分の2 "),
    (re.compile(r"\b(?:one|a)[\s-]quarter\b", re.I), " 4分の1 "),
    (re.compile(r"\bthree[\s-]quarters\b", re.I), " 4分の3 "),
]
_EN_MONTH_ALONE = re.compile(r"\b(?P<mon>" + "|".join(m.capitalize() for m in _EN_MONTHS if m != "may" and len(m) > 3)
                             + r")\b")
_EN_MAY = re.compile(r"\b(in|by|until|till|since|from|during|of|through|early|mid|late)([\s-]+)May\b")
# early / mid / late March, the end of March: 3月上旬 / 中旬 / 下旬 / 末
_PERIODS = {"early": "上旬", "beginning of": "上旬", "mid": "中旬", "middle of": "中旬", "late": "下旬", "end of": "末"}
_EN_PERIOD = re.compile(r"\b(?:the\s+)?(?P<p>early|mid|late|beginning of|middle of|end of)[\s-]+(?:the\s+month\s+of\s+)?(?P<mon>"
                        + "|".join(sorted((m.capitalize() for m in _EN_MONTHS), key=len, reverse=True)) + r")\b\.?")
_WEEKDAYS = {"mon": "月", "tue": "火", "wed": "水", "thu": "木", "fri": "金", "sat": "土", "sun": "日"}
_EN_WEEKDAY = re.compile(r"\b(mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?s?\b\.?", re.I)
_WD = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?"
_NTH = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4}
# the 2nd Saturday of every month = 毎月第2土曜日; every Monday / on Mondays = 毎週; Saturdays and Sundays = 土日
_EN_NTH = re.compile(r"(?:the\s+)?(?P<n>1st|2nd|3rd|4th|first|second|third|fourth)\s+(?P<w>" + _WD
                     + r")\s+(?:of\s+)?(?:every|each|the)\s+month", re.I)
_EN_WEEKEND = re.compile(r"\bsat(?:ur)?(?:day)?s?(?:\s*,\s*|\s+)(?:and\s+|or\s+)?sun(?:day)?s?\b\.?", re.I)
_EN_EVERY = re.compile(r"\bevery(?=\s+" + _WD + r"\b)", re.I)
_RO_DATES = [
    re.compile(_DAY.replace("(?:st|nd|rd|th)?", r"(?:o|a|°)?") + r"\s+de\s+" + _RO_MONTH + r",?\s+(?:de\s+|del\s+)?"
               + _YEAR, re.I),
    re.compile(_DAY.replace("(?:st|nd|rd|th)?", r"(?:o|a|°)?") + r"\s+de\s+" + _RO_MONTH, re.I),
    re.compile(_RO_MONTH + r",?\s+(?:de\s+|del\s+)" + _YEAR, re.I),
]
_RO_MONTH_ALONE = re.compile(r"\b(?P<mon>" + "|".join(_RO_MONTHS) + r")\b", re.I)
_VI_DATE = re.compile(r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})(?:\s*(?:,|năm|/)\s*(?:năm\s+)?(?P<y>\d{4}))?",
                      re.I)
_VI_MONTH = re.compile(r"tháng\s+(?P<m>\d{1,2})(?:\s*(?:,|năm|/)\s*(?:năm\s+)?(?P<y>\d{4}))?", re.I)
_VI_YEAR = re.compile(r"năm\s+(?P<y>\d{4})", re.I)
_VI_TIME = re.compile(r"(?P<h>\d{1,2})\s*giờ(?:\s*(?P<m>\d{1,2})(?:\s*phút)?)?(?:\s*(?P<p>sáng|chiều|tối|trưa))?",
                      re.I)
_H_TIME = re.compile(r"(?<![\w.])(?P<h>\d{1,2})h(?P<m>\d{2})?(?![a-z\d])", re.I)
_HORAS = re.compile(r"(?<=\bàs\s)(?P<h>\d{1,2})\s*horas?|(?<=\blas\s)(?P<h2>\d{1,2})\s*horas?", re.I)
_OCLOCK = re.compile(r"(?P<h>\d{1,2})\s*o'?clock", re.I)
_NOON = re.compile(r"(?:12\s*)?\bnoon\b", re.I)
_DMY = re.compile(r"(?<![\d/.])(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4})(?![\d/])")
_EURO_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?![\d]|\.\d)")
_CURRENCY = r"(?:yen|jpy|ienes|yenes|iene|yên|엔|日元|日圓|日円)"
_DECIMAL_COMMA = re.compile(r"(?<![\d,])(\d+),(\d{1,2})(?=\s*(?:mil|milhões|milhão|millones|millón|million|triệu|tỷ)\b)",
                            re.I)
_MULTIPLIERS = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "mil": 10**3, "milhões": 10**6,
                "milhão": 10**6, "millones": 10**6, "millón": 10**6, "nghìn": 10**3, "ngàn": 10**3,
                "triệu": 10**6, "tỷ": 10**9}
_MULTIPLIED = re.compile(r"(?P<pre>¥|jpy\s*)?(?P<n>\d+(?:\.\d+)?)\s*(?P<mult>" + "|".join(_MULTIPLIERS)
                         + r")\b\s*(?:de\s+)?(?P<cur>" + _CURRENCY + r")?", re.I)
_AMOUNT_WORD = re.compile(r"(?P<n>\d+(?:\.\d+)?(?:\s*[万億千](?:\s*\d+(?:\.\d+)?)?)*)\s*" + _CURRENCY + r"(?![a-z])",
                          re.I)
_PERCENT_WORD = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?:percent|per\s+cent|por\s+cento|por\s+ciento|pour\s+cent|"
                           r"phần\s+trăm|퍼센트|프로)", re.I)
_KO = [(re.compile(r"(\d{4})\s*년"), r"\1年"), (re.compile(r"(\d{1,2})\s*월"), r"\1月"),
       (re.compile(r"(\d{1,2})\s*일"), r"\1日"), (re.compile(r"오후\s*(?=\d)"), "午後"),
       (re.compile(r"오전\s*(?=\d)"), "午前"), (re.compile(r"(\d{1,2})\s*시\s*간"), r"\1時間"),
       (re.compile(r"(\d{1,2})\s*시(?!간)"), r"\1時"), (re.compile(r"(\d{1,2})\s*분"), r"\1分"),
       (re.compile(r"(\d)\s*만"), r"\1万"), (re.compile(r"(\d)\s*억"), r"\1億"), (re.compile(r"(\d)\s*천"), r"\1千")]
_ZH = [(re.compile(r"下午\s*(?=[\d〇一二三四五六七八九十])"), "午後"),
       (re.compile(r"晚上\s*(?=[\d〇一二三四五六七八九十])"), "午後"),
       (re.compile(r"上午\s*(?=[\d〇一二三四五六七八九十])"), "午前"),
       (re.compile(r"中午\s*12\s*点"), "12時"),
       (re.compile(r"(\d{1,2})\s*点\s*半"), r"\1時30分"), (re.compile(r"(\d{1,2})\s*点\s*(\d{1,2})\s*分"), r"\1時\2分"),
       (re.compile(r"(\d{1,2})\s*点(?!\d)"), r"\1時"), (re.compile(r"(\d{1,2})月(\d{1,2})号"), r"\1月\2日"),
       (re.compile(r"百分之\s*([\d.〇一二三四五六七八九十百千两]+)"), r"\1%")]
_EN_NUMBERS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_EN_NUMBERS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
                    "hundred": 100, "once": 1, "twice": 2, "thrice": 3})
_EN_ORDINALS = {w: i + 1 for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split())}
_RO_NUMBERS = {"um": 1, "uma": 1, "dois": 2, "duas": 2, "três": 3, "tres": 3, "quatro": 4, "cuatro": 4, "cinco": 5,
               "seis": 6, "sete": 7, "siete": 7, "oito": 8, "ocho": 8, "nove": 9, "nueve": 9, "dez": 10, "diez": 10}
_WORD_NUMBER = re.compile(r"\b(" + "|".join(sorted({**_EN_NUMBERS, **_EN_ORDINALS, **_RO_NUMBERS}, key=len,
                                                  reverse=True)) + r")\b", re.I)


def _date(y: Optional[str], m: int, d: Optional[int]) -> str:
    return (f"{int(y)}年" if y else "") + f"{m}月" + (f"{d}日" if d else "")


def _month_date(months: dict[str, int]):
    def sub(match: re.Match) -> str:
        month = months[match.group("mon").lower().rstrip(".")]
        groups = match.groupdict()
        day = int(groups["d"]) if groups.get("d") else None
        if day is not None and not 1 <= day <= 31:
            return match.group(0)
        return " " + _date(groups.get("y"), month, day) + " "
    return sub


def _dmy(match: re.Match) -> str:
    a, b, y = int(match.group("a")), int(match.group("b")), match.group("y")
    readings = [_date(y, m, d) for m, d in ((b, a), (a, b)) if 1 <= m <= 12 and 1 <= d <= 31]
    return " " + "・".join(dict.fromkeys(readings)) + " " if readings else match.group(0)


def _clock(h: int, m: int, period: Optional[str]) -> str:
    if period in ("chiều", "tối") and h < 12:
        h += 12
    return f"{h}時" + (f"{m}分" if m else "")


def _multiplied(match: re.Match) -> str:
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
    text = unicodedata.normalize("NFKC", FW_COMMA.sub("、", text))
    text = _EURO_THOUSANDS.sub(lambda m: m.group(0).replace(".", "")
                               if m.group(0).count(".") > 1 or re.match(r"\s*(?:" + _CURRENCY + r")",
                                                                        text[m.end():m.end() + 8], re.I)
                               or text[max(0, m.start() - 4):m.start()].strip().lower() in ("¥", "jpy")
                               else m.group(0), text)
    text = _DECIMAL_COMMA.sub(r"\1.\2", text)
    if lang == "ko" or re.search(r"[\uac00-\ud7a3]", text):
        for pattern, repl in _KO:
            text = pattern.sub(repl, text)
    if lang == "zh":
        text = text.replace("两", "二")
        for pattern, repl in _ZH:
            text = pattern.sub(repl, text)
    text = _DMY.sub(_dmy, text)
    for pattern in _EN_RANGE_YEAR:
        text = pattern.sub(_range_year, text)
    for pattern, repl in _EN_FRACTIONS:
        text = pattern.sub(repl, text)
    text = _EN_DAY_RANGE.sub(lambda m: " {0}月{1}日 ~ {0}月{2}日 ".format(_EN_MONTHS[m.group("mon").lower().rstrip(".")],
                                                                         int(m.group("d")), int(m.group("d2"))), text)
    for pattern in _EN_DATES:
        text = pattern.sub(_month_date(_EN_MONTHS), text)
    text = _EN_MAY.sub(r"\1\2 5月 ", text)
    text = _EN_PERIOD.sub(lambda m: f" {_EN_MONTHS[m.group('mon').lower().rstrip('.')]}月{_PERIODS[m.group('p').lower()]} ",
                          text)
    text = _EN_NTH.sub(lambda m: f" 毎月第{_NTH[m.group('n').lower()]} {_WEEKDAYS[m.group('w').lower()[:3]]}曜日 ", text)
    text = _EN_WEEKEND.sub(" 土日 ", text)
    text = _EN_EVERY.sub(" 毎週 ", text)
    text = _EN_WEEKDAY.sub(lambda m: (" 毎週" if m.group(0).lower().endswith("days") else " ")
                           + f"{_WEEKDAYS[m.group(1).lower()[:3]]}曜日 ", text)
    text = _EN_MONTH_ALONE.sub(lambda m: f" {_EN_MONTHS[m.group('mon').lower()]}月 ", text)
    for pattern in _RO_DATES:
        text = pattern.sub(_month_date(_RO_MONTHS), text)
    if lang == "latin":
        text = _RO_MONTH_ALONE.sub(lambda m: f" {_RO_MONTHS[m.group('mon').lower()]}月 ", text)
    text = _VI_DATE.sub(lambda m: " " + _date(m.group("y"), int(m.group("m")), int(m.group("d"))) + " ", text)
    text = _VI_MONTH.sub(lambda m: " " + _date(m.group("y"), int(m.group("m")), None) + " "
                         if 1 <= int(m.group("m")) <= 12 else m.group(0), text)
    text = _VI_YEAR.sub(lambda m: f" {m.group('y')}年 ", text)
    text = _VI_TIME.sub(lambda m: " " + _clock(int(m.group("h")), int(m.group("m") or 0), (m.group("p") or "").lower())
                        + " ", text)
    text = _H_TIME.sub(lambda m: " " + _clock(int(m.group("h")), int(m.group("m") or 0), None) + " "
                       if int(m.group("h")) <= 24 else m.group(0), text)
    text = _HORAS.sub(lambda m: f" {m.group('h') or m.group('h2')}時 ", text)
    text = _OCLOCK.sub(lambda m: f" {m.group('h')}時 ", text)
    text = _NOON.sub(" 12時 ", text)
    text = _MULTIPLIED.sub(_multiplied, text)
    text = _AMOUNT_WORD.sub(lambda m: " " + re.sub(r"\s+", "", m.group("n")) + "円 ", text)
    text = _PERCENT_WORD.sub(lambda m: f" {m.group('n')}% ", text)
    if words and lang != "ja":
        numbers = {**_EN_NUMBERS, **_EN_ORDINALS, **(_RO_NUMBERS if lang == "latin" else {})}
        text = _WORD_NUMBER.sub(lambda m: f" {numbers[m.group(1).lower()]} " if m.group(1).lower() in numbers
                                else m.group(0), text)
    return text


# ----------------------------------------------------------------------------------- quantities
@dataclass(frozen=True)
class Quantity:
    kind: str  # date ym md year month time amount percent fraction code count
    value: tuple
    unit: Optional[str] = None
    label: str = field(default="", compare=False)
    at: int = field(default=0, compare=False)  # where it starts in the canonical text


_COUNTERS = ("か月間|か月|か所|か国|か年|日間|週間|年間|分間|時間|世帯|種類|ページ|ポイント|人|名|件|日|年|歳|才|回|部|通|分|秒|週|"
             "枚|冊|個|社|校|台|本|点|問|倍|割|階|号|条|項|泊|食|種|戸|課|区|票|席|棟|室|頭|匹|杯|期|次|度|つ|km|kg|mg|ml|mm|cm|"
             "m2|°c")
_UNIT_FOLD = {"名": "人", "日間": "日", "週間": "週", "年間": "年", "か月間": "か月", "分間": "分", "才": "歳"}
_N = NUMBER = r"(?<![\d.])(\d+(?:\.\d+)?)"  # NUMBER, CODE and QUANTITIES are shared with claims.py
_CODE = CODE = re.compile(r"(?<![\d-])(?:\d{2,5}-\d{2,5}-\d{3,5}|\d{3}-\d{4})(?![\d]|-\d)")
_PATTERNS = [
    ("date", re.compile(r"(?<![\d.])(\d{4})年(\d{1,2})月(\d{1,2})日")),
    ("ym", re.compile(r"(?<![\d.])(\d{4})年(\d{1,2})月(?!\d)")),
    ("md", re.compile(r"(?<![\d.])(\d{1,2})月(\d{1,2})日")),
    ("year", re.compile(r"(?<![\d.])(\d{4})年(?:度)?")),
    ("month", re.compile(r"(?<![\d.])(\d{1,2})月(?!\d)")),
    ("time", re.compile(r"(?<![\d.])(\d{1,2})時(?!間)(?:(\d{1,2})分)?")),
    ("amount", re.compile(_N + "円")),
    ("percent", re.compile(_N + "%")),
]
QUANTITIES = _PATTERNS
_COUNT = re.compile(_N + "(" + _COUNTERS + ")")
# Qualifiers that are quantities too: 3月下旬, a weekday, 毎週 / 毎月第2, 土日 / 祝日.
_QUALIFIERS = [
    ("period", re.compile(r"(?<![\d.])(\d{1,2})月(上旬|初旬|中旬|下旬|末)"),
     lambda m: ((int(m.group(1)), "上旬" if m.group(2) == "初旬" else m.group(2)), f"{m.group(1)}月{m.group(2)}")),
    ("offday", None, None),  # (taken before the weekdays: 土曜日、日曜日 = 土日)
    ("weekday", re.compile(r"(?<=[(（])([月火水木金土日])(?=[)）・])|((?<!\d)日|[月火水木金土])曜日?"),
     lambda m: ((m.group(1) or m.group(2),), f"{m.group(1) or m.group(2)}曜日")),
    ("freq", re.compile(r"毎週|毎月第?(\d|[一二三四五](?![十百千]))|毎月|隔週|weekly|everyweek|everymonth|monthly|every(?:other|second)week"),
     lambda m: ((_FREQ.get(m.group(0), m.group(0)) if not m.group(1) else f"毎月第{_nth(m.group(1))}",),
                _FREQ.get(m.group(0), m.group(0)) if not m.group(1) else f"毎月第{_nth(m.group(1))}")),
    ("offday2", re.compile(r"土日|土曜日?(?:・|、|と|及び|および)日曜日?|祝日|休日|weekends?|saturdaysandsundays|"
                          r"(?:public|national)holidays?|holidays"),
     lambda m: ((_OFFDAY.get(m.group(0), m.group(0)),), _OFFDAY.get(m.group(0), m.group(0)))),
]
def _nth(text: str) -> int:
    return int(text) if text.isdigit() else "一二三四五".index(text) + 1


_FREQ = {"weekly": "毎週", "everyweek": "毎週", "everymonth": "毎月", "monthly": "毎月", "everyotherweek": "隔週",
         "everysecondweek": "隔週"}
_OFFDAY = {**{k: "土日" for k in ("weekend", "weekends", "saturdaysandsundays")},
           **{k: "祝日" for k in ("holiday", "holidays", "publicholiday", "publicholidays", "nationalholiday",
                                 "nationalholidays", "休日")}}
_OFFDAY_JA = re.compile(r"土曜日?(?:・|、|と|及び|および)日曜日?")
# A count in English: its unit decides (4か月 is kept by "4 months", not by "4 weeks" or "4 years").
_EN_UNITS = [("working days", "開庁日"), ("working day", "開庁日"), ("business days", "開庁日"), ("business day", "開庁日"),
             ("days", "日"), ("day", "日"), ("weeks", "週"), ("week", "週"), ("months", "か月"), ("month", "か月"),
             ("years old", "歳"), ("year old", "歳"), ("years", "年"), ("year", "年"), ("hours", "時間"), ("hour", "時間"),
             ("minutes", "分"), ("minute", "分"), ("people", "人"), ("persons", "人"), ("person", "人"),
             ("times", "回"), ("kg", "kg"), ("km", "km")]
_EN_UNIT = {u.replace(" ", ""): ja for u, ja in _EN_UNITS}  # canonical text has no spaces
_EN_COUNT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)-?(" + "|".join(sorted(_EN_UNIT, key=len, reverse=True)) + ")", re.I)
# The bound that goes with a date or time: まで / by / until (a deadline, an end) or から / after / from (a start).
_UNTIL_AFTER = re.compile(r"^(?:まで|までに|以内|以前|前まで)")
_FROM_AFTER = re.compile(r"^(?:から|以降|以後|より|〜|~|–|—)")
_UNTIL_BEFORE = re.compile(r"(?:by|until|till|nolaterthan|before|through|to|〜|~|–)$")
_FROM_BEFORE = re.compile(r"(?:from|after|since|startingon|startingat|beginning|as?of|onorafter)$")
# Fractions: 2分の1 (not 2 minutes), 三分の一, 1/2 (numerator below a denominator of at most 10), 半分 / 半額.
_KANJI_SMALL = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_FRACTION = re.compile(r"(?<![\d.])(\d+|[一二三四五六七八九十])分の(\d+|[一二三四五六七八九十])(?![\d])"
                       r"|(?<![\d/.])(\d)/(\d{1,2})(?![\d/])|半分|半額")


def _fraction(match: re.Match) -> Optional["Quantity"]:
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
_NUMBER = re.compile(_N)


def _dec(text: str) -> Decimal:
    return Decimal(text).normalize() if "." in text else Decimal(int(text))


def _fmt(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")


def _typed(kind: str, match: re.Match) -> Optional[Quantity]:
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


def quantities(text: str, *, foreign_numbers: bool, single: bool = True, words: bool = False,
               lang: Optional[str] = None) -> tuple[list[Quantity], str]:
    """The quantities of ``text`` (in order of appearance, without repeats) and its canonical form.

    Dates, times, amounts, percentages and phone/postal codes are typed; then numbers with a
    counter (14日, 3人) — or, with ``foreign_numbers``, every remaining number (a text in another
    language, where the counter is a word). ``single=False`` leaves lone kanji numerals as words;
    ``words`` reads number words (two, twice, second)."""
    found, canon = _quantities(text, foreign_numbers, single, words, lang or language(text))
    return list(found), canon


@lru_cache(maxsize=4096)
def _quantities(text: str, foreign_numbers: bool, single: bool, words: bool,
                lang: str) -> tuple[tuple[Quantity, ...], str]:
    canon = canonical(localize(text, lang, words=words), single=single)
    rest = canon
    found: list[Quantity] = []
    spans: list[tuple[Quantity, int, int]] = []

    def take(pattern: re.Pattern, make) -> None:
        nonlocal rest
        pieces, last = [], 0
        for match in pattern.finditer(rest):
            q = make(match)
            if q is None:
                continue
            found.append(replace(q, at=match.start()))
            spans.append((found[-1], match.start(), match.end()))
            pieces.append(rest[last:match.start()] + "\x00" * (match.end() - match.start()))
            last = match.end()
        pieces.append(rest[last:])
        rest = "".join(pieces)

    def qualifier(m: re.Match, kind: str, make) -> Quantity:
        value, label = make(m)
        # a weekday in parentheses after a date (20日（水）) goes with the date: it may be left out, not changed
        attached = kind == "weekday" and m.group(1) is not None
        return Quantity(kind, value, "date" if attached else None, label=label)

    take(_CODE, lambda m: Quantity("code", (re.sub(r"\D", "", m.group(0)),), label=m.group(0)))
    take(_FRACTION, _fraction)
    take(_QUALIFIERS[0][1], lambda m: qualifier(m, "period", _QUALIFIERS[0][2]))  # 3月下旬 before 3月
    for kind, pattern in _PATTERNS:
        take(pattern, lambda m, kind=kind: _typed(kind, m))
    offday = next(q for q in _QUALIFIERS if q[0] == "offday2")
    for kind, pattern, make in _QUALIFIERS[1:]:
        if kind == "offday2":
            continue
        if kind == "offday":
            rest = _OFFDAY_JA.sub(lambda m: "土日".ljust(len(m.group(0)), "\x01"), rest)
            kind, pattern, make = offday[0][:6], offday[1], offday[2]
        take(pattern, lambda m, kind=kind, make=make: qualifier(m, kind, make))
    if lang != "ja":
        take(_EN_COUNT, lambda m: Quantity("count", (_dec(m.group(1)),), _EN_UNIT[m.group(2).lower()],
                                           _fmt(_dec(m.group(1))) + _EN_UNIT[m.group(2).lower()]))
    if foreign_numbers:
        take(_NUMBER, lambda m: Quantity("count", (_dec(m.group(1)),), None, _fmt(_dec(m.group(1)))))
    else:
        take(_COUNT, lambda m: Quantity("count", (_dec(m.group(1)),), _UNIT_FOLD.get(m.group(2), m.group(2)),
                                        _fmt(_dec(m.group(1))) + m.group(2)))
    _SPANS[(text, foreign_numbers, single, words, lang)] = tuple(spans)
    return tuple(dict.fromkeys(sorted(found, key=lambda q: q.at))), canon


_SPANS: dict[tuple, tuple] = {}


def bounds(text: str, *, foreign_numbers: bool = False, words: bool = False,
           lang: Optional[str] = None) -> dict[Quantity, set[str]]:
    """For each date and time of ``text``: the bounds it is written with ('until' for まで / by, 'from' for
    から / after; empty when it has none)."""
    lang = lang or language(text)
    _, canon = _quantities(text, foreign_numbers, True, words, lang)
    out: dict[Quantity, set[str]] = {}
    for q, start, end in _SPANS.get((text, foreign_numbers, True, words, lang), ()):
        if q.kind not in ("date", "md", "time"):
            continue
        after = re.sub(r"^[(（][月火水木金土日](?:曜日?)?[)）]", "", canon[end:end + 10])[:4]
        before = canon[max(0, start - 14):start]
        found = out.setdefault(q, set())
        if _UNTIL_AFTER.match(after) or _UNTIL_BEFORE.search(before) and not _FROM_AFTER.match(after):
            found.add("until")
        elif _FROM_AFTER.match(after) or _FROM_BEFORE.search(before):
            found.add("from")
    return out


class _Answer:
    def __init__(self, output: str):
        self.lang = language(output)
        found, self.canon = quantities(output, foreign_numbers=False, words=True, lang=self.lang)
        self.found = found
        self.bounds = bounds(output, words=True, lang=self.lang)
        self.plain = plain(output)
        self.by_kind: dict[str, set] = {}
        for q in found:
            self.by_kind.setdefault(q.kind, set()).add(q.value if q.kind != "count" else (q.value[0], q.unit))
        self.numbers = {_dec(n) for n in _NUMBER.findall(self.canon)}
        self.digits = re.sub(r"[-()]", "", self.canon)

    def has(self, kind: str) -> set:
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
            return (v in self.has("month") or any(x[1] == v[0] for x in self.has("ym") | dates)
                    or any(x[0] == v[0] for x in self.has("md")))
        if q.kind == "year":
            return (v in self.has("year") or any(x[0] == v[0] for x in self.has("ym") | dates)
                    or Decimal(v[0]) in self.numbers)
        if q.kind == "fraction":  # 2分の1 = 半分 = one half = 50%
            return v in self.has("fraction") or any(Fraction(p[0]) / 100 == v[0] for p in self.has("percent"))
        if q.kind == "percent" and any(f[0] * 100 == Fraction(v[0]) for f in self.has("fraction")):
            return True
        if q.kind in ("time", "amount", "percent"):
            return v in self.has(q.kind)
        if q.kind == "code":
            return bool(occurrences(v[0], self.digits))
        if q.kind in ("period", "weekday", "freq", "offday"):
            return v in self.has(q.kind)
        counts = self.has("count")
        if unit_aware and q.unit:
            return (v[0], q.unit) in counts
        if q.unit in _EN_UNIT.values() and self.lang != "ja":
            # a translation: the count keeps its unit (4か月 is not "4 weeks"); a bare number ("14-day") keeps it
            if q.unit == "日" and v[0] % 7 == 0 and (v[0] / 7, "週") in counts:
                return True  # 14日 = two weeks
            if q.unit == "週" and (v[0] * 7, "日") in counts:
                return True
            return (v[0], q.unit) in counts or (v[0] in self.numbers
                                                 and not any(n == v[0] for n, _ in counts))
        return v[0] in self.numbers


def answer_matches(a: Quantity, q: Quantity) -> bool:
    """The answer's date/time ``a`` is the source's ``q`` (a full date also matches its month and day)."""
    if a.kind == q.kind:
        return a.value == q.value
    return a.kind == "date" and q.kind == "md" and a.value[1:] == q.value


# --------------------------------------------------------------------------------------- scorer
class PreserveParams(Params):
    source_var: Optional[str] = Field(default=None, description="The item var holding the source text whose "
                                                                "quantities must be kept.")
    values: Optional[list[str]] = Field(default=None, description="The quantities to keep, written in any "
                                                                  "form (instead of source_var): 「2025年4月1日」「1万2千円」.")
    ignore: list[str] = Field(default_factory=list, description="Quantities of the source that need not be kept "
                                                                "(e.g. a heading number): 「第2回」「2026年」.")
    mode: Literal["all", "subset", "both"] = Field(
        default="all", description="all: every quantity of the source is kept (a dropped or changed one fails); "
                                   "subset: every quantity of the answer comes from the source (an invented number, "
                                   "date or time fails; a summary may leave quantities out); both: both directions.")

    @model_validator(mode="after")
    def _one_source(self) -> "PreserveParams":
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
    description = "Every number, date, time, amount and percentage of the source is kept (in any equivalent form)."

    def _source(self, item: Item) -> Optional[str]:
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
            wanted = [(q, lang) for q in found
                      if not (q.kind == "count" and q.value[0] == 1 and q not in as_written)]
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

    def check_item(self, item: Item) -> Optional[str]:
        if self.params.source_var is not None and self._source(item) is None:
            return f"needs vars.{self.params.source_var} (the source text whose numbers must be kept)"
        return None

    def score(self, output: str, item: Item) -> ScoreResult:
        mode = self.params.mode
        wanted = self._wanted(item) if mode != "subset" else []
        answer = _Answer(output)
        kept, missing = [], []
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
                got = set().union(*(b for a, b in answer.bounds.items() if answer_matches(a, q))) \
                    if answer.bounds else set()
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

    def _invented(self, item: Item, answer: "_Answer", output: str) -> list[str]:
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

    def ideal_answer(self, item: Item) -> Optional[str]:
        for ref in item.references():
            if self.score(ref, item).passed:
                return ref
        if self.params.values is not None:
            return "。".join(self.params.values) + "。"
        return self._source(item)
