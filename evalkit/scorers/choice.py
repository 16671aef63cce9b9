"""Multiple choice: find which option a free-text answer chose.

Labels a–h, A–H, ア–ク, 1–8 and ①–⑧ (full or half width) and the option texts themselves are
recognised. Extraction (:meth:`Choice.mentions`, :meth:`Choice.choose`, :func:`decide`):

1. find every mention of an option: a label (「答え：c」「正解は（ｃ）です」「c」) or an option
   text (longest text wins: 「随意契約」 is not also 「契約」; 「5年」 is not read inside 「15年」);
   numbers followed by a counter (3年, 2点, 1つ) and line-start list numbers (「1. …」, when
   the options are not numbered) are not labels; a range of labels (「a〜d」「aからd」) is one
   mention that names no option; other names of an option (``meta.aliases``) are mentions too, but
   count only in a positive statement (「20代の方です」);
2. drop negated mentions: followed by ではなく/ではありません/は誤り/は不正解/と思われがちですが/
   is wrong…, lists that share such an ending (「aとbは誤り」「a、b、cのいずれでもなく」
   「東京でも大阪でもなく」), options only quoted from an instruction (「a 賛成」に分類してください),
   mentions in a clause the answer rejects (「70代の男性が操作に不慣れだったと決めつけることはできません」
   「…とは言えません」「…とは限りません」「aと答えるのは思い込みです」) and one possibility among others
   (「…だった可能性もあります」);
3. a mention is *strong* when an answer marker precedes it (正解は, 答え：, 正しくは, 【回答】,
   選択肢：, I think …; not 答えた/答えて/答える) or a positive ending follows it, possibly after a head
   noun (が正解, が最も適切, です, でした, だと思います, に分類します, 「…の方です」), when it opens the answer
   (「c」「c) 名古屋」「**a（30代の職員）**」, but not a list 「a、b、cのいずれか」), or when its row of a
   ○/× table or list is marked ○ (several rows marked ○ name no single answer);
4. an answer that opens with a marked choice keeps it while later text discusses other options,
   unless a self-correction (訂正します, 正しくは, いや、, Actually …) introduces a later answer;
   otherwise the last strong mention wins; without one, the weak mentions must all name the same
   option;
5. a verdict that no option is right (「いずれも正しくありません」「該当なし」「正しいものはない」
   "none of the options") is no choice, unless a self-corrected answer follows it.

Otherwise there is no choice, which is scored apart from a wrong choice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from pydantic import Field

from ..config.suite import Item
from .base import Params, Scorer, ScoreResult, register
from .patterns import cached, lazy

LABEL_SETS = ("abcdefgh", "アイウエオカキク", "12345678")
_CIRCLED = {chr(0x2460 + i): str(i + 1) for i in range(8)}  # ①..⑧ -> 1..8
_OPEN = r"[\(\[（「【『〔<＜\s*]*"
_CLOSE = r"[)\]）」】』〕>＞*]"
_KATAKANA = "ァ-ヶー"
_KANJI = "一-龯々〆"
_LABEL_CHAR = lazy(r"[a-hア-ク1-8]")
# A number followed by one of these is a quantity, not a label: 3年, 2点, 1つ, 5割.
# (番 is not a counter here: 「3番」「3番目」 name option 3 of numbered options)
_COUNTER = lazy(r"\s*(?:[年月日点人名件円歳回時分秒割%条項号章節つ個本枚倍位度台週期]|か[月所国年]|ヶ|ケ|カ)")
_PERSON = lazy(r"(?:さん|くん|ちゃん|様|さま|氏)")

# Words after which the next option is the answer (答え not as a verb: 答えた, 答えて, 質問に答え、). 選択肢 alone is
# a marker only with a separator on the same line (「選択肢：c」); 「選択肢：」 before a line break heads a list of
# the options.
# "Option"/"choice" are markers only with a separator too ("Option: c"); "Option a (…) is …" discusses a.
_MARKER_WORD = (
    r"(?:正解|正答|(?<![にへ])答え(?!た|て|る|ら|れ|ず|な|よ|させ|ませ|ました|にく|やす|方)"
    r"|回答(?!する|すると|した|して|でき|され|しな|せず|を)|解答|結論|分類結果|選択結果|分類|正しくは"
    r"|(?:正しい|適切な|妥当な|適当な)(?:もの|の|選択肢|答え)"
    r"|answer|(?:correct|right|best)\s+(?:option|choice)|i\s+think|i\s+(?:would\s+)?(?:choose|pick|select))"
    r"(?:し(?:ます|ました)|いたします|致します|として)?"
)
_PREFIX = lazy(
    r"(?:"
    + _MARKER_WORD
    + _CLOSE
    + r"*\s*(?:は|:|=|\bis\b)?[\s、,]*"
    + _OPEN
    + r"(?:選択肢|option|choice)?\s*"
    + _OPEN
    + r"|(?:選択肢|option|choice)[ \t]*[は:=][ \t、,]*[(\[（「【『〔<＜*]*)\Z"
)
# Endings after a mention (past closing brackets and one parenthetical) that make it a positive answer.
_POSITIVE = lazy(
    r"(?:が|こそ|は|:|=)?\s*(?:最も|もっとも|一番)?(?:正解|正答|正し[いく]|適切|妥当|適当"
    # 答え as the predicate (「bが答えです」), not a verb or an object:
    # 「男性の主査は答えられなかった」「…は答えを用意」
    r"|答え(?=\s*(?:です|でした|だ|である|でしょう|になり|と|[。、,)）]|\s|\Z)))"
    r"|(?:だ|である)?と(?:思|考|判断|結論)"
    r"|(?:です|でした|だ(?!った(?:という|との)?(?:可能性|かも))|である|になります|となります)(?!か)|でしょう(?!か)"
    r"|(?:で|じゃ)(?:は)?(?:ない|なかろう)か(?:と(?:思|考))"
    r"|(?:に|へ)(?:分類|振り分け)(?:します|しました|されます|できます|するのが|すべき|となります)"
    r"|を(?:選(?:びます|びました|ぶ(?!の|と|べきでは)|択します|択しました)|回答とします|正解とします)"
    r"|(?:に|が)(?:該当|当てはま|あてはま)(?:します|しました|する(?!と)|ります|る(?!と))"
    r"|(?:が|は|:|=)\s*該当(?!し(?:ない|ません)|せず|なし|無し|する(?:もの|選択肢))"
    r"|is\s+(?:the\s+)?(?:correct|right|answer|best)"
)
# Endings that negate a mention. 「cではないでしょうか」 is a question, not a negation.
_NEGATION = lazy(
    r"(?:の|は|が|も)?(?P<all>(?:いずれ|どれ|どちら|すべて|全て|全部|何れ)(?:に|と)?)?"
    r"(?:(?:で|じゃ)(?:は|も)?(?:なく|ない(?!か|でしょうか)|ありません|ございません)"
    r"|(?:は|も|が|:|=)?\s*(?:誤|間違|不正解|不適|正しくな|正しくありません|適切でな|適切ではな|適切ではありません"
    r"|正解ではな|正解ではありません|答えではな|違い|違う|×)"
    r"|(?:だ)?と(?:思|考|誤解|勘違い|決めつけ)[^。\n]{0,10}?(?:がち|やすい)"
    r"|(?:だ|だろう|である)?と(?:思|考)(?:われる|える|う)(?:人|方)?(?:も(?:いる|います|いらっしゃる))?かもしれ(?:ません|ない)(?:が|けど|けれど)"
    r"|(?:か|だ)?と(?:思いきや|思いましたが|思ったが|思われましたが|考えましたが|見えますが|見えるが)"
    r"|(?:だ)?と(?:言い|いい|答え|思い|選び)たい(?:ところ|気持ち)|と(?:言い|答え|し)たくなりますが"
    r"|(?:だ)?と(?:は)?(?:限(?:らない|りません)"
    r"|(?:言え|いえ|言い切れ|判断でき|断定でき|決められ|決めつけられ|決めつけることはでき|決めつけることができ)(?:ない|ません))"
    r"|(?:の)?可能性も(?:あります|ある)が"
    r"|(?:に|は|も|が|:|=)?\s*(?:当てはま|あてはま)(?:らない|らず|りません)|(?:に|は|も|が|:|=)?\s*該当(?:しない|しません|せず|なし|無し)"
    r"|(?:is|are)\s+(?:also\s+)?(?:not|wrong|incorrect|false|inaccurate|invalid)|isn['’]t|aren['’]t"
    r"|(?:would|could)\s+(?:not|be\s+(?:wrong|incorrect))|does\s+not|doesn['’]t|cannot|can['’]t)"
)
# A clause the answer itself rejects, ending a little after the mention: 「70代の男性が操作に不慣れだったと
# 決めつけることはできません」「沖縄県出身の受験者が遅れたとは言えません」「aと答えるのは思い込みです」.
# The gap is one clause of the same sentence (no other option named in it, see Choice._mentions).
_REJECTED_CLAIM = (
    r"(?:だ|である|であった|だった)?と(?:は|も)?\s*(?:"
    r"決め(?:つけ|付け)(?:る(?:こと|の)(?:は|が|も)?(?:でき|出来)(?:ない|ません)|られ(?:ない|ません)|てはいけ|るべきでは)"
    r"|(?:言え|いえ|言い切れ|言い切る(?:こと|の)は(?:でき|出来)|断言でき|断言(?:する(?:こと|の)は)?(?:でき|出来))(?:ない|ません)"
    r"|限(?:らない|りません)"
    r"|(?:判断|断定|特定|結論づけ|結論付け)(?:する(?:こと|の)(?:は|が|も)?|は|が)?(?:でき|出来)(?:ない|ません))"
    r"|かどうか(?:は|まで)?[^。\n]{0,12}?(?:(?:判断|断定|特定|確定|判別)(?:は|が|する(?:こと|の)(?:は|が)?)?(?:でき|出来)(?:ない|ません)"
    r"|(?:わか|分か)(?:らない|りません)|(?:書かれ|記載され|示され|述べられ)て(?:い)?(?:ない|ません))"
    r"|(?:だ|である)?(?:と|を)\s*(?:答え|選|回答|判断|考え|思|決め(?:つけ|付け)|見な|みな|推測|推定|思い込|想定|結びつけ|結び付け)"
    r"[^。\n]{0,8}?(?:の|こと)(?:は|も)[^。\n]{0,30}?"
    r"(?:思い込み|偏見|誤り|誤答|間違い|ステレオタイプ|早計|不適切|不正解|先入観|根拠(?:が|の)な|差別)"
    r"(?!で(?:は|も)?(?:な|あり|ござい)|じゃな)"
)
# The gap stays in one clause: a comma only right after the mention's particle (「70代の男性が、…」);
# 「20代の男性がつまずいたと本文にあり、高齢者だと決めつけることは…」 rejects another claim.
_FAR_NEGATION = lazy(r"(?P<gap>(?:[^。\n!?！？、,]{0,2}[、,])?[^。\n!?！？、,]{0,40}?)(?:" + _REJECTED_CLAIM + ")")
# A negative verdict on the option right before the ending is a double negation, not a rejected claim:
# 「cの記述が誤りだとは言えません」 does not reject c (「cが正解だとは言えません」 does).
_GAP_VERDICT = lazy(r"(?:誤り|間違い|不正解|正しくない|正しくな|不適切|不適当|誤答)(?:だ|である|です)?\s*\Z")
# After a mention: one possibility among others (「東京都出身の受験者だった可能性もあります」), no choice.
_POSSIBLE = lazy(
    r"(?:だった|であった|である|だ|の|という|との)?可能性(?:も|は)\s*(?:ある|あり|考えられ|否定でき|残|十分)"
)
# A head noun between an option text and its ending: 「20代の男性の方です」「男性の職員のほうです」.
_HEAD_TAIL = lazy(r"(?:の)?(?:方|ほう|かた|人|ひと|側)")
# What may follow an alias word within the same noun phrase: 「20代の方」 after 「20」, 「国籍の方」 after 「日本」.
_ALIAS_TAIL_CHAR = lazy(r"[^\s。、,.!?！？\n「」『』()（）\[\]【】〔〕<>＜＞*|:=はがをにでとやもか]")
# Between two mentions: joined into one list (they share the negation that ends the list).
_JOIN = lazy(r"(?:\s|" + _CLOSE + r"|[(\[（「【『〔<＜]|と|や|も|でも|及び|および|and)*")
# Between a label and its own option text: 「1. 東京は誤り」 is one mention of option 1.
_SAME_JOIN = lazy(r"(?:[ \t]|" + _CLOSE + r"|[(\[（「【『〔<＜.:、,・=\-])*")
_COMMA_JOIN = lazy(r"(?:\s|" + _CLOSE + r"|[(\[（「【『〔<＜、,・/])*")
# Between an opening label and the next label: a list of options (「a、b、cのいずれか」「a（不明）、b（…）」),
# so the first label does not open an answer.
_LABEL_LIST = lazy(
    r"[ \t]*(?:" + _CLOSE + r"|[(\[（【「][^()（）\n]{0,40}[)\]）】」])*[ \t]*(?:[、,・/]|と|や|か|または|or|and)"
    r"(?:[ \t]|[(\[（「【『〔<＜*])*"
)
# Between two mentions: a hedge (「aかc」), which names no single answer.
_HEDGE = lazy(r"(?:\s|" + _CLOSE + r")*(?:か|または|もしくは|あるいは|or|/)(?:\s|[(\[（「【『〔<＜])*")
_PARENTHETICAL = lazy(r"(?:\s|" + _CLOSE + r")*(?:[(（][^()（）\n]{0,40}[)）])?(?:\s|" + _CLOSE + r")*")
# Between the two ends of a range of labels: 「a〜d」「a～d」「a-d」「aからd(まで)」「a to d」.
_RANGE = lazy(r"\s*(?:~|〜|-|−|–|—|から|ないし|to|through)\s*")
_RANGE_TAIL = lazy(
    r"(?:\s|"
    + _CLOSE
    + r")*(?:まで|の(?:うち|中|なか)|の選択肢|(?:の)?(?:4|四|全|すべての|全ての)?(?:つ|個)?の選択肢)?"
)


def _skip(pattern: re.Pattern[str], text: str) -> int:
    """Where ``pattern`` (one that may match empty, such as _PARENTHETICAL) ends at the start of ``text``."""
    match = pattern.match(text)
    if match is None:
        raise ValueError(f"pattern must match the empty string: {pattern.pattern!r}")
    return match.end()


# After a mention: the option is only quoted from an instruction or a document, not chosen
# (「a 賛成」に分類してください, 「a」と答えよ, 「a 賛成」という指示).
_REPORTED = lazy(
    r"(?:に|と|を|で|へ)\s*(?:(?:分類|回答|出力|選択|記載|記入|判定|変更|返答)(?:して(?:ください|下さい)|せよ|しろ|すること|するよう|しなさい)"
    r"|(?:答え|選び)(?:て(?:ください|下さい)|よ|ろ|なさい)|選んで(?:ください|下さい)|答えること|選ぶこと)"
    r"|(?:という|との|とする)(?:指示|記載|文言|依頼|要求|命令|一文|記述|注記|書き込み|指定)"
    r"|と(?:の)?(?:指示|指定|記載|書かれ|記され|命じ)"
)
# A verdict that no option is right: 「いずれも正しくありません」「該当なし」「正しいものはない」.
_NONE = lazy(
    r"(?:正し|適切|妥当|適当|該当す|当てはま|あてはま)(?:い|な|る)?(?:もの|選択肢|答え|回答|記号|記述|肢)(?:は|が)?\s*"
    r"(?:一つも|ひとつも|1つも|どれも|何も|いずれも)?(?:ない|無い|ありません|ございません|存在しな|存在しません|見当たら|見当たりません|なし|無し)"
    r"|該当(?:なし|無し)|正(?:解|答)(?:は|が)?\s*(?:ない|無い|ありません|ございません|なし|無し|存在しな|存在しません)"
    r"|(?:いずれ|どれ|すべて|全て|全部|どの選択肢|(?:4|四|全|すべての)つ)(?:の(?:選択肢|記述|肢|文|説明|内容))?(?:に|と)?"
    r"(?:も|が|とも)\s*(?:正しく(?:ない|ありません|なく)|誤|間違|違い|違う|違います|不正解|不適|適切で(?:は)?(?:ない|なく|ありません)|妥当で(?:は)?(?:ない|なく|ありません)"
    r"|当てはまら|当てはまりません|あてはまら|あてはまりません|該当し(?:ない|ません)|該当せず|正解で(?:は)?(?:ない|なく|ありません))"
    r"|none\s+of\s+(?:the\s+)?(?:options|choices|answers|above|them|these)"
    r"|(?:all|each)\s+(?:of\s+)?(?:the\s+)?(?:four\s+|4\s+)?(?:options|choices|answers|four)\s+(?:are|is)\s+(?:wrong|incorrect|false)"
    r"|no\s+(?:correct|right|valid)\s+(?:answer|option|choice)|there\s+is\s+no\s+(?:correct|right)"
)
# ... unless it is undone right after (「誤りではない」「正しいものはないように見えますが」「…という選択肢」).
_NONE_UNDONE = lazy(
    r"(?:り|い)?"
    + _CLOSE
    + r"*\s*[、,]?\s*(?:(?:で|じゃ)(?:は)?(?:ない|なく|ありません)|わけ(?:では|じゃ)|とは(?:限|言え|いえ)"
    r"|ように|かのよう"
    r"|と(?:思|考|見|誤解)|(?:だ|です)?(?:という|との|とする|と答え|と回答|と判断する(?:の|こと))|(?:だろう|でしょう)か|か(?:も|と)|のでは|場合)"
)
# Before it in the same sentence: it is about the other options (「他に正しいものはない」), not all of them.
_NONE_SCOPE = lazy(r"他|ほか|以外|残り|その他|others?|rest|remaining")
_SENTENCE_END = lazy(r"[。.!?！？\n]")
# Between an option and a verdict that speaks of it: 「a、b、dはいずれも誤り」「aからcの中に正しいものはない」.
_ATTACHED = lazy(
    r"(?:[\s:=、,・/|*()\[\]（）「」『』【】〔〕<>＜＞]|は|が|も|の|と|や|に|で|うち|中|なか|から"
    r"|について|に関して|選択肢|options?|choices?)*"
)
# Before a later answer: the answer corrects an earlier one.
_CORRECTION = lazy(
    r"訂正|失礼(?:しました|いたしました)|(?:間違|誤)(?:えました|っていました|りでした)|撤回|修正(?:します|いたします)"
    r"|いや[、,\s]|いえ[、,]|正しくは|正確には|改めて|見直し|よく(?:見|読|考え|確認す)(?:ると|れば|直すと)|最終(?:的な|的に)?(?:回答|答え|解答|結論)?|結論"
    r"|actually|correction|i\s+(?:made\s+a|was)\s+(?:mistake|wrong)|my\s+mistake|on\s+second\s+thought|final\s+answer|sorry"
)
# ○/× marks of a table or list row: 「c ○」「| a | 東京 | × |」「○ c」.
_MARK_YES = "○◯〇⭕✓✔✅◎"
_MARK_NO = "×✕✖❌✗✘"
# Not a mark: 〇 in 二〇二五, × in 3×4, the placeholder ○○市.
_MARK = lazy(f"(?<![{_KANJI}0-9{_MARK_YES}{_MARK_NO}])[{_MARK_YES}{_MARK_NO}](?![{_KANJI}0-9{_MARK_YES}{_MARK_NO}])")
_INLINE_MARK = lazy(f"(?:は|が|:|=)?\\s*([{_MARK_YES}{_MARK_NO}])(?![{_KANJI}0-9{_MARK_YES}{_MARK_NO}])")
_CHECKBOX = lazy(r"\[[x ]\]|☑|☐")  # markdown / Unicode check boxes before a label (lower-cased)
_ROW_START = lazy(r"[ \t|*\-・•>#]*(?:選択肢|option|choice)?[ \t]*" + _OPEN)
_ROW_GAP = lazy(r"[^。\n]{0,60}")
_MARK_LEAD = lazy(r"[ \t|*\-・•>#]*")
_MARK_TO_LABEL = lazy(r"[ \t|:：、,(\[（「【『〔<＜*]*")
_LIST_NUMBER = lazy(r"^[ \t]*\(?([1-8])[.)、:][ \t]*\S", re.MULTILINE)
_LEADING = lazy(r"\A" + _OPEN + r"\Z")
# After an opening label: the end of the label, possibly with its option text in brackets:
# 「c」「c. 」「**a（30代の職員）**」「c（不明）。」 — not 「a（70代の男性）だと決めつけることは…」.
_LEADING_END = lazy(_CLOSE + r"*(?:[(（][^()（）\n]{0,40}[)）]" + _CLOSE + r"*)?(?:[.:、,。]|\s|\Z)")


# "a" before a word on the same line is the article ("answer a question"), not option a — unless the
# word says something of the option ("a is wrong", "a and b", "a to d", "a because …").
_ARTICLE = lazy(
    r"[ \t]+(?!(?:is|was|were|are|and|or|to|through|would|could|should|seems?|appears?|also|only"
    r"|because|since|as|but|isn|wasn|being|remains|looks|fits|matches|best|describes|states?)\b)[a-z]"
)


def fold(text: str) -> str:
    text = "".join(_CIRCLED.get(ch, ch) for ch in text)
    return unicodedata.normalize("NFKC", text)


def label_index(label: str) -> int | None:
    label = fold(label).strip().lower()
    for labels in LABEL_SETS:
        if len(label) == 1 and label in labels:
            return labels.index(label)
    return None


def _label_set(label: str) -> str | None:
    label = fold(label).strip().lower()
    return next((labels for labels in LABEL_SETS if len(label) == 1 and label in labels), None)


_OPTION_LINE = lazy(r"^\s*" + _OPEN + r"([a-hア-ク1-8①-⑧])\s*[\)\]）.．:：、\s]\s*(.+)$", re.IGNORECASE)


def parse_options(text: str) -> dict[int, str]:
    """Options written one per line as 'a 本文' / 'ア．本文' / '1) 本文'."""
    out: dict[int, str] = {}
    for line in text.splitlines():
        match = _OPTION_LINE.match(line)
        if match:
            index = label_index(match.group(1))
            if index is not None:
                out[index] = match.group(2).strip()
    return out


def item_options(item: Item, options_var: str | None) -> dict[int, str] | None:
    """The options an item offers in ``vars[options_var]`` (a list, or lines such as 「a …」), by index;
    None when the item has no such variable."""
    raw = item.vars.get(options_var) if options_var else None
    if isinstance(raw, list):
        return {i: str(v) for i, v in enumerate(raw)}
    if isinstance(raw, str):
        return parse_options(raw)
    return None


@dataclass
class Mention:
    """One place where the answer names option ``index`` (a label or the option text)."""

    start: int
    end: int
    index: int
    strong: bool = False
    marked: bool = False  # an answer marker precedes it: 正解は, 答え：
    negated: bool = False
    hedged: bool = False  # named in a hedge with another option: 「aかc」「aとcが正解」, or a range
    collective: bool = False  # negated by a list ending: 「…のいずれでもなく」
    label: bool = False  # a label (c, ウ, 3), not the option text
    leading: bool = False  # opens the answer: 「c」「c) 名古屋」
    last: int | None = None  # a range of labels 「a〜d」: index is its first option, last its last one
    mark: str | None = None  # its row of a table or list is marked: "yes" (○) or "no" (×)
    opening: bool = False  # the answer's first strong mention, marked or leading: the answer opens with it
    corrected: bool = False  # a self-correction precedes it: 訂正します、正しくは / Actually, the answer is
    alias: bool = False  # found by another name of the option (meta.aliases, a distinctive attribute word)

    @property
    def ranged(self) -> bool:
        return self.last is not None

    def covers(self, n_options: int) -> bool:
        """A range of every option: 「a〜d」 of four."""
        return self.ranged and self.index == 0 and self.last == n_options - 1


# A run this long copied from the item's own text (passage, question, option list) is the prompt restated,
# not the answer's words: the answer that repeats the prompt back (the echo baseline, or a model that
# restates before answering) names every option and the passage's people, and chose none of them.
_RESTATED_N = 10
_SEPARATOR = re.compile(r"[\s、，,。．・；;：:]").fullmatch
_RESTATED_EXTRA = 6  # a copied run this much longer than its one option's mentions quotes more than the option


def _item_texts(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _item_texts(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _item_texts(v)


def restated_runs(text: str, sources: Iterable[str]) -> list[tuple[int, int]]:
    """Maximal spans of ``text`` covered by runs of _RESTATED_N characters that occur in ``sources``, white
    space and list punctuation aside (an option list restated on one line, 「a 50代の職員、b …」, is the list
    the prompt showed on several)."""
    n = _RESTATED_N
    squeezed = ["".join(ch for ch in s if not _SEPARATOR(ch)) for s in sources]
    grams = {s[i : i + n] for s in squeezed for i in range(len(s) - n + 1)}
    where = [i for i, ch in enumerate(text) if not _SEPARATOR(ch)]  # position in text of each compared character
    visible = "".join(text[i] for i in where)
    if not grams or len(visible) < n:
        return []
    covered = [False] * len(visible)
    for i in range(len(visible) - n + 1):
        if visible[i : i + n] in grams:
            covered[i : i + n] = [True] * n
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, c in enumerate([*covered, False]):
        if c and start is None:
            start = i
        elif not c and start is not None:
            runs.append((where[start], where[i - 1] + 1))
            start = None
    return runs


def restated_spans(text: str, found: list[Mention], item: Item) -> list[tuple[int, int]]:
    """The copied runs of ``text`` that restate the item's text: a run that names two options or more (the
    option list, a passage about both people), or that copies more than its one option (「その時間帯の担当は
    20代の新人職員だった」 from the passage). The mentions inside are the prompt's, not the answer's. An option
    written out with its label (「b 20代の新人職員」, a long legal option copied whole) is the answer's choice."""
    if not found:
        return []
    out = []
    for start, end in restated_runs(text, [fold(s).lower() for s in _item_texts(item.shown_vars())]):
        inside = [m for m in found if start <= m.start and m.end <= end]
        if not inside:
            continue
        named = sum(m.end - m.start for m in inside)
        if len({m.index for m in inside}) >= 2 or (end - start) - named >= _RESTATED_EXTRA:
            out.append((start, end))
    return out


def decide(mentions: Iterable[Mention]) -> int | None:
    """The chosen option among positive mentions (ranges name none).

    An answer that opens with a marked choice keeps it unless a self-corrected strong mention of
    another option follows; otherwise the last strong mention wins, else the only option named
    (by its label or text: an alias word alone, 「20代の方が…」, names it only in a positive statement)."""
    positive = [m for m in mentions if not m.negated and not m.ranged]
    strong = [m for m in positive if m.strong]
    if strong:
        if strong[0].opening:
            corrections = [m for m in strong if m.corrected and m.index != strong[0].index]
            return corrections[-1].index if corrections else strong[0].index
        return strong[-1].index
    named = {m.index for m in positive if not m.alias}  # another name counts only in a positive statement
    return named.pop() if len(named) == 1 else None


class ChoiceParams(Params):
    n_options: int = Field(default=4, ge=2, le=8, description="Number of options.")
    options_var: str | None = Field(
        default="choices", description="Item variable listing the options, to recognise the option text."
    )


@register
class Choice(Scorer):
    kind = "choice"
    Params = ChoiceParams
    params: ChoiceParams
    description = "Extracts the chosen option from free text and compares it with the reference label."

    def check_item(self, item: Item) -> str | None:
        refs = item.references()
        if not refs:
            return "needs a reference (the correct option label)"
        index = label_index(refs[0])
        if index is None or index >= self.params.n_options:
            return f"reference {refs[0]!r} is not an option label within {self.params.n_options} options"
        aliases = item.meta.get("aliases") if isinstance(item.meta, dict) else None
        if aliases is not None:
            if not isinstance(aliases, dict):
                return "meta.aliases must map option labels to lists of words, e.g. {a: [高齢の方]}"
            for label, words in aliases.items():
                alias_index = label_index(str(label))
                if alias_index is None or alias_index >= self.params.n_options:
                    return f"meta.aliases: {label!r} is not an option label within {self.params.n_options} options"
                if not (
                    isinstance(words, str)
                    or (isinstance(words, list) and all(isinstance(w, str) and w.strip() for w in words))
                ):
                    return f"meta.aliases.{label}: a word or a list of words"
        return None

    def extract(self, output: str, item: Item) -> int | None:
        return self.choose(output, item)[1]

    def choose(self, output: str, item: Item) -> tuple[list[Mention], int | None]:
        """The answer's mentions and its choice: :func:`decide`, unless the answer says that no
        option is right (「いずれも正しくありません」「該当なし」), which is no choice — except for an
        answer that corrects itself after it (「…該当なし。訂正します。正解はcです」), and for an answer
        that opens with its choice, which a later verdict overturns only as a self-correction."""
        text = fold(output).lower()
        found = self._mentions(text, item)
        got = decide(found)
        verdicts = self.none_verdicts(text, found)
        opening = next((m for m in found if m.opening), None)
        if verdicts and opening and opening.start < verdicts[0]:
            # 「正解はcです。…dについては該当なし」: the opening answer stands unless the verdict corrects it
            verdicts = [v for v in verdicts if _CORRECTION.search(text, max(opening.end, v - 60), v)]
        if verdicts:
            after = [
                m for m in found if m.start >= verdicts[-1] and m.strong and m.corrected and not (m.negated or m.ranged)
            ]
            got = after[-1].index if after else None
        return found, got

    def none_verdicts(self, text: str, found: list[Mention]) -> list[int]:
        """Offsets of verdicts that no option is right: not about some options only (「a、bはいずれも
        誤り」「他に正しいものはない」), not undone (「誤りではない」), not inside an option text."""
        out = []
        for match in _NONE.finditer(text):
            start, end = match.span()
            if _NONE_UNDONE.match(text, end) or any(not m.label and m.start <= start and end <= m.end for m in found):
                continue
            sentence = max((b.end() for b in _SENTENCE_END.finditer(text, 0, start)), default=0)
            if _NONE_SCOPE.search(text, sentence, start):
                continue
            before = [m for m in found if m.end <= start]
            if (
                before
                and not before[-1].covers(self.params.n_options)
                and _ATTACHED.fullmatch(text, before[-1].end, start)
            ):
                continue  # 「a、b、dはいずれも誤り」 speaks of a, b and d
            out.append(start)
        return out

    def mentions(self, output: str, item: Item) -> list[Mention]:
        """Every mention of an option in the answer, in order, marked strong / negated."""
        return self._mentions(fold(output).lower(), item)

    def _raw_mentions(self, text: str, item: Item) -> list[Mention]:
        """Every place the answer names an option (a label, the option text, another name), in order, before
        any reading of what it says of them."""
        found = self._label_mentions(text, item) + self._text_mentions(text, item)
        # another name of an option counts where the label and the option text are not
        found += [
            a for a in self._alias_mentions(text, item) if not any(a.start < o.end and o.start < a.end for o in found)
        ]
        # a mention inside a longer one is part of it: 「契約」 in 「随意契約」, 「B」 in 「B案」
        found = [
            m
            for m in found
            if not any(o.start <= m.start and m.end <= o.end and o.end - o.start > m.end - m.start for o in found)
        ]
        found = list({(m.start, m.end, m.index): m for m in found}.values())
        found.sort(key=lambda m: (m.start, m.end))
        return found

    def restated(self, text: str, item: Item) -> list[tuple[int, int]]:
        """The spans of ``text`` (folded, lower case) that restate the item's own text (``restated_spans``)."""
        return restated_spans(text, self._raw_mentions(text, item), item)

    def _mentions(self, text: str, item: Item) -> list[Mention]:
        found = self._raw_mentions(text, item)
        spans = restated_spans(text, found, item)
        found = [m for m in found if not any(s <= m.start and m.end <= e for s, e in spans)]
        found = self._ranges(text, found)
        for m in found:
            after = text[m.end : m.end + 60]
            if m.ranged:
                after = after[_skip(_RANGE_TAIL, after) :]
            after = after[_skip(_PARENTHETICAL, after) :]
            head = _HEAD_TAIL.match(after)
            # 「20代の男性の方です」: the ending may follow a head noun
            endings = [after, after[head.end() :]] if head and not m.label else [after]
            m.marked = m.marked or bool(_PREFIX.search(text[max(0, m.start - 40) : m.start]))
            m.strong = m.strong or m.marked or any(_POSITIVE.match(e) for e in endings)
            negation = next((n for n in map(_NEGATION.match, endings) if n), None)
            m.negated = (
                bool(negation)
                or text[max(0, m.start - 4) : m.start] == "not "
                or bool(_REPORTED.match(after))
                or any(re.match(_REJECTED_CLAIM, e) for e in endings)
            )
            m.collective = bool(negation and negation.group("all"))
            if not m.marked and any(_POSSIBLE.match(e) for e in endings):
                m.strong, m.hedged = False, True  # 「…だった可能性もあります」 names one possibility
            if m.ranged:
                m.strong, m.hedged = False, True  # 「a〜d」 names no single option
        for m in found:
            if m.leading and not m.marked:
                following = next((o for o in found if o.label and o.start >= m.end), None)
                if following and following.index != m.index and _LABEL_LIST.fullmatch(text, m.end, following.start):
                    m.leading = m.strong = False  # 「a、b、cのいずれかです」 lists the options
                    m.hedged = True
        self._marks(text, found)
        for m in found:
            if m.negated or m.ranged or m.marked or m.leading or m.mark == "yes":
                continue
            # 「70代の男性が操作に不慣れだったと決めつけることはできません」「cが該当するとは限りません」: the clause
            # that names it is rejected
            far = _FAR_NEGATION.match(text, m.end)
            if (
                far
                and not _GAP_VERDICT.search(far.group("gap"))
                and not any(o is not m and m.end <= o.start < far.end("gap") for o in found)
            ):
                m.negated, m.strong = True, False
        for m, following in reversed(list(pairwise(found))):
            gap = text[m.end : following.start]
            # a list stays on one line, and a marked answer is not in a list without a conjunction:
            # 「答え：c⏎⏎bは誤り」「正解はc bは誤り」 do not negate c
            joined = (
                bool(_JOIN.fullmatch(gap))
                and "\n" not in gap
                and not (m.marked and not re.search(r"と|や|も|及び|および|and", gap))
            )
            listed = (
                joined
                or (
                    "\n" not in gap
                    and _COMMA_JOIN.fullmatch(gap)
                    and (following.collective or m.index == following.index or not m.marked)
                )
                or (  # not 「正解はc、aは誤り」
                    m.index == following.index and _SAME_JOIN.fullmatch(gap)
                )
            )
            if not m.negated and following.negated and listed and m.mark != "yes":
                m.negated, m.collective = True, following.collective
            elif (
                m.index != following.index
                and not (m.negated or following.negated or m.ranged or following.ranged)
                and (_HEDGE.fullmatch(gap) or (joined and re.search(r"と|や|及び|および|and", gap)))
            ):
                m.strong = following.strong = False  # 「aかc」「aとcが正解」 name no single answer
                m.hedged = following.hedged = True
            elif (
                m.label
                and not following.label
                and m.index == following.index
                and following.hedged
                and not (m.marked or m.negated)
                and _SAME_JOIN.fullmatch(gap)
            ):
                m.strong, m.hedged = False, True  # 「b（女性職員）かc（男性職員）」: the label shares its text's hedge
        for m, following in pairwise(found):
            if (
                m.label
                and m.hedged
                and not following.label
                and m.index == following.index
                and not (following.marked or following.negated)
                and _SAME_JOIN.fullmatch(text, m.end, following.start)
            ):
                following.strong, following.hedged = False, True  # … and its text the label's hedge
        strong = [m for m in found if m.strong and not (m.negated or m.ranged or m.hedged)]
        if strong and (strong[0].marked or strong[0].leading):
            strong[0].opening = True
        previous = 0
        for m in found:
            m.corrected = bool(_CORRECTION.search(text, max(previous, m.start - 60), m.start))
            previous = m.end
        return found

    def _ranges(self, text: str, found: list[Mention]) -> list[Mention]:
        """Two labels joined by 〜/から/- are one mention of the range (「a〜d」 never names a)."""
        out: list[Mention] = []
        for m in found:
            prev = out[-1] if out else None
            if (
                prev
                and prev.label
                and m.label
                and not prev.ranged
                and prev.index < m.index
                and _label_set(text[prev.start]) == _label_set(text[m.start])
                and _RANGE.fullmatch(text, prev.end, m.start)
            ):
                prev.end, prev.last = m.end, m.index
                prev.strong = prev.leading = False
                continue
            out.append(m)
        return out

    def _marks(self, text: str, found: list[Mention]) -> None:
        """Rows of a ○/× table or list: 「c ○」「| a | 東京 | × |」「○ c」 mark the row's option.
        One option marked ○ is the answer (strong); several name no single answer; × negates."""
        rows: dict[int, str] = {}
        for m in found:  # 「aは×、bは×、cは○」 on one line
            after = text[m.end : m.end + 8]
            inline = None if m.ranged else _INLINE_MARK.match(after[_skip(_PARENTHETICAL, after) :])
            if inline:
                m.mark = "yes" if inline.group(1) in _MARK_YES else "no"
                m.negated, m.strong = m.mark == "no", m.mark == "yes"
                if m.mark == "yes":
                    rows[m.index] = m.mark
        for line in re.finditer(r"[^\n]+", text):
            on_line = [m for m in found if line.start() <= m.start < line.end() and not m.ranged]
            if not on_line:
                continue
            first = on_line[0]
            mark = None
            lead = _MARK.search(text, line.start(), first.start) or _CHECKBOX.search(text, line.start(), first.start)
            if (
                lead
                and _MARK_LEAD.fullmatch(text, line.start(), lead.start())
                and _MARK_TO_LABEL.fullmatch(text, lead.end(), first.start)
            ):
                mark = lead.group()
            elif _ROW_START.fullmatch(text, line.start(), first.start):
                trailing = _MARK.search(text, first.end, line.end())
                if trailing and _ROW_GAP.fullmatch(text, first.end, trailing.start()):
                    mark = trailing.group()
            if mark is None:
                continue
            value = "yes" if mark in _MARK_YES or mark in ("[x]", "☑") else "no"
            for m in on_line:
                if m.index == first.index:
                    m.mark = value
                    if value == "no":
                        m.negated, m.strong = True, False
                    else:
                        m.negated, m.strong = False, True
            if value == "yes":
                rows[first.index] = value
        if len(rows) > 1:
            for m in found:
                if m.mark == "yes":
                    m.strong, m.hedged = False, True

    def _label_mentions(self, text: str, item: Item) -> list[Mention]:
        numbered = self._label_set(item) == LABEL_SETS[2]
        list_numbers = set() if numbered else {match.start(1) for match in _LIST_NUMBER.finditer(text)}
        out = []
        for match in _LABEL_CHAR.finditer(text):
            pos, char = match.start(), match.group()
            index = label_index(char)
            if (
                index is None
                or index >= self.params.n_options
                or pos in list_numbers
                or not self._is_label(text, pos, char)
            ):
                continue
            marked = bool(_PREFIX.search(text[max(0, pos - 40) : pos]))
            leading = bool(_LEADING.match(text[:pos]) and _LEADING_END.match(text, pos + 1))
            after = text[pos + 1 : pos + 3]
            # without a marker, a letter or number directly before a kanji or katakana is part of a word: A社, B案
            if not (marked or leading) and (re.match(f"[{_KANJI}{_KATAKANA}]", after) or _PERSON.match(after)):
                continue
            out.append(
                Mention(pos, pos + 1, index, strong=marked or leading, marked=marked, label=True, leading=leading)
            )
        return out

    @staticmethod
    def _is_label(text: str, pos: int, char: str) -> bool:
        before, after = text[max(0, pos - 2) : pos], text[pos + 1 : pos + 3]
        if char.isdigit():
            return not (
                re.search(r"[0-9.,第]\Z", before)
                or re.match(r"[0-9]|[.,][0-9]", after)
                or _COUNTER.match(text, pos + 1)
            )
        if char in LABEL_SETS[1]:
            return not (re.search(f"[{_KATAKANA}]\\Z", before) or re.match(f"[{_KATAKANA}]", after))
        # latin: not inside a word or an abbreviation (e.g.), not the article in "answer a question"
        return not (
            re.search(r"[a-z0-9'’]\Z|[a-z]\.\Z", before)
            or re.match(r"[a-z0-9]|\.[a-z0-9]", after)
            or (char == "a" and _ARTICLE.match(text, pos + 1))
        )

    def _text_mentions(self, text: str, item: Item) -> list[Mention]:
        out = []
        for index, body in self._options(item).items():
            body = re.sub(r"\s+", "", fold(body).lower()).rstrip("。.")
            if not body or index >= self.params.n_options:
                continue
            pattern = r"\s*".join(map(re.escape, body))
            if body[0].isdigit():
                pattern = r"(?<![0-9.,])" + pattern  # 「5年」 is not in 「15年」
            if body[-1].isdigit():
                pattern += r"(?![0-9])"
            out += [Mention(m.start(), m.end(), index) for m in cached(pattern).finditer(text)]
        return out

    def aliases(self, item: Item) -> dict[int, list[str]]:
        """Other names of the options: ``meta.aliases`` ({label: [words]})."""
        raw = item.meta.get("aliases") if isinstance(item.meta, dict) else None
        out: dict[int, list[str]] = {}
        if isinstance(raw, dict):
            for label, words in raw.items():
                index = label_index(str(label))
                words = [words] if isinstance(words, str) else words
                if index is not None and index < self.params.n_options and isinstance(words, list):
                    out.setdefault(index, []).extend(str(w) for w in words if str(w).strip())
        return out

    def _alias_mentions(self, text: str, item: Item) -> list[Mention]:
        """Mentions by another name: the word, then the rest of its noun phrase up to an ending that
        says something of it (「20代」+「の方」+「です」, 「男性」+「の職員のほう」+「です」)."""
        out = []
        for index, words in self.aliases(item).items():
            for word in words:
                word = re.sub(r"\s+", "", fold(word).lower())
                if not word:
                    continue
                pattern = r"\s*".join(map(re.escape, word))
                if word[0].isdigit():
                    pattern = r"(?<![0-9.,])" + pattern
                if word[-1].isdigit():
                    pattern += r"(?![0-9])"
                if re.match(r"[a-z]", word):
                    pattern = r"(?<![a-z])" + pattern
                if re.search(r"[a-z]\Z", word):
                    pattern += r"(?![a-z])"
                for match in cached(pattern).finditer(text):
                    out.append(Mention(match.start(), self._alias_end(text, match.end()), index, alias=True))
        return out

    @staticmethod
    def _alias_end(text: str, end: int) -> int:
        """The end of the noun phrase an alias word begins: the first point, within 10 characters of
        the same phrase, after which an ending says something of it; else the phrase's end."""
        last = end
        for k in range(0, 11):
            if k and not _ALIAS_TAIL_CHAR.match(text, end + k - 1):
                break
            last = end + k
            after = text[last : last + 60]
            after = after[_skip(_PARENTHETICAL, after) :]
            if (
                _POSITIVE.match(after)
                or _NEGATION.match(after)
                or _POSSIBLE.match(after)
                or re.match(_REJECTED_CLAIM, after)
            ):
                return last
        return last

    def _options(self, item: Item) -> dict[int, str]:
        raw = item.vars.get(self.params.options_var) if self.params.options_var else None
        if isinstance(raw, list):
            return {i: str(v) for i, v in enumerate(raw)}
        if isinstance(raw, str):
            return parse_options(raw)
        return {}

    def _label_set(self, item: Item) -> str | None:
        """The labels the item uses: from its options text, else from its reference."""
        raw = item.vars.get(self.params.options_var) if self.params.options_var else None
        if isinstance(raw, str):
            for line in raw.splitlines():
                match = _OPTION_LINE.match(line)
                if match:
                    return _label_set(match.group(1))
        refs = item.references()
        return _label_set(refs[0]) if refs else None

    def score(self, output: str, item: Item) -> ScoreResult:
        want = label_index(item.references()[0])
        if want is None:  # check_item rejects such an item before anything is scored
            raise ValueError(f"reference {item.references()[0]!r} is not an option label")
        got = self.extract(output, item)
        want_label = LABEL_SETS[0][want]
        if got is None:
            return ScoreResult(0.0, False, "選択肢を特定できない（無回答扱い）", {"choice": None, "no_choice": True})
        got_label = LABEL_SETS[0][got]
        if got == want:
            return ScoreResult(1.0, True, f"正解（{got_label}）", {"choice": got_label})
        return ScoreResult(0.0, False, f"誤答: {got_label}（正解は{want_label}）", {"choice": got_label})

    def ideal_answer(self, item: Item) -> str | None:
        refs = item.references()
        return f"正解は{refs[0]}です。" if refs else None
