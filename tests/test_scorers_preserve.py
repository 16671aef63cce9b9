"""preserve: a rewrite, summary or translation keeps every number, date, time, deadline and amount."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from evalkit.config.suite import Item
from evalkit.scorers import build
from evalkit.scorers.preserve import language, quantities

SOURCE = (
    "申請は令和7年4月1日から4月30日まで受け付けます。受付時間は午前8時30分から午後5時15分までです。"
    "支給額は1人あたり12,000円（上限3万円）で、対象は市内世帯の約15％です。転入から14日以内に届け出てください。"
    "問合せ：03-1234-5678"
)
ITEM = Item(id="q", vars={"text": SOURCE})
SCORER = build("preserve", {"source_var": "text"})


def test_the_quantities_of_the_source() -> None:
    found, _ = quantities(SOURCE, foreign_numbers=False)
    assert [q.label for q in found] == [
        "2025年4月1日",
        "4月30日",
        "8時30分",
        "17時15分",
        "1人",
        "12,000円",
        "30,000円",
        "15%",
        "14日",
        "03-1234-5678",
    ]


GOOD = [
    # Japanese rewrites
    "申請期間は2025年4月1日から4月30日（水）までです。受付は8:30〜17:15。1人あたり￥12,000（上限3万円）、"
    "対象は市内世帯の約15パーセントです。転入後14日以内に届け出てください。問合せ 03-1234-5678",
    "令和七年四月一日～四月三十日に申請を受け付けます。受付時間：午前8時30分～午後5時15分。支給額：1人当たり1万2千円"
    "（上限30,000円）。対象：市内世帯の約15%。届出：転入から14日間以内。お問い合わせ：03-1234-5678",
    "しんせいは 2025ねん4がつ1にち から 4がつ30にち まで です。うけつけは ごぜん8じ30ぷん から ごご5じ15ふん まで。"
    "1にん 12,000えん（いちばん おおくて 30,000えん）。しない の せたい の やく15%。14にち いないに とどけて ください。"
    "でんわ 03-1234-5678",
    # English
    "Applications are accepted from April 1, 2025 to April 30. Reception hours are 8:30 a.m. to 5:15 p.m. The "
    "benefit is 12,000 yen per person (up to ¥30,000), for about 15 percent of households in the city. Please "
    "notify us within 14 days of moving in. Contact: 03-1234-5678",
    "Applications: 1 April 2025 – 30 April. Hours: 8:30 AM–5:15 PM. Amount: JPY 12,000 per person (maximum "
    "JPY 30,000); about 15% of households. Notify within fourteen days of moving in. Tel. 03-1234-5678",
    # Chinese, Korean, Vietnamese, Portuguese, Spanish
    "申请受理时间为2025年4月1日至4月30日。受理时间为上午8点30分至下午5点15分。每人12,000日元（上限30,000日元），"
    "约占市内家庭的15%。请在迁入后14天内申报。咨询：03-1234-5678",
    "신청은 2025년 4월 1일부터 4월 30일까지 접수합니다. 접수 시간은 오전 8시 30분부터 오후 5시 15분까지입니다. "
    "지급액은 1인당 12,000엔(상한 3만 엔)이며 시내 세대의 약 15%가 대상입니다. 전입 후 14일 이내에 신고하십시오. "
    "문의: 03-1234-5678",
    "Nhận đơn từ ngày 1 tháng 4 năm 2025 đến ngày 30 tháng 4. Giờ tiếp nhận từ 8 giờ 30 sáng đến 17 giờ 15. Mức hỗ "
    "trợ là 12.000 yên mỗi người (tối đa 30.000 yên), khoảng 15 phần trăm hộ gia đình. Vui lòng khai báo trong vòng "
    "14 ngày. Liên hệ: 03-1234-5678",
    "As inscrições são aceitas de 1º de abril de 2025 a 30 de abril. O atendimento é das 8h30 às 17h15. O valor é "
    "de 12.000 ienes por pessoa (até 30 mil ienes), cerca de 15% dos domicílios. Notifique em até 14 dias. "
    "Contato: 03-1234-5678",
    "Las solicitudes se aceptan del 1 de abril de 2025 al 30 de abril. Horario: de 8:30 a 17:15. El monto es de "
    "12.000 yenes por persona (hasta 30.000 yenes), alrededor del 15 por ciento de los hogares. Notifique dentro "
    "de 14 días. Contacto: 03-1234-5678",
]


@pytest.mark.parametrize("answer", GOOD)
def test_every_quantity_kept_in_any_form_or_language(answer: str) -> None:
    result = SCORER.score(answer, ITEM)
    assert result.passed and result.score == 1.0, result.explanation


BAD = [
    (
        "申請期間は2025年4月1日から4月31日までです。受付は8:30〜17:15。1人あたり12,000円（上限3万円）、約15%。"
        "転入後14日以内に届出。問合せ 03-1234-5678",
        ["4月30日"],
    ),
    (
        "申請期間は2025年4月1日から4月30日までです。受付は8:30〜17:00。1人あたり12,000円（上限3万円）、約15%。"
        "転入後14日以内に届出。問合せ 03-1234-5678",
        ["17時15分"],
    ),
    (
        "申請期間は2024年4月1日から4月30日までです。受付は8:30〜17:15。1人あたり12,000円（上限3万円）、約15%。"
        "転入後14日以内に届出。問合せ 03-1234-5678",
        ["2025年4月1日"],
    ),
    (
        "申請期間は2025年4月1日から4月30日までです。受付は8:30〜17:15。1人あたり1万2千円（上限5万円）、約15%。"
        "転入後14日以内に届出。問合せ 03-1234-5678",
        ["30,000円"],
    ),
    (
        "申請期間は2025年4月1日から4月30日までです。受付は8:30〜17:15。1人あたり12,000円（上限3万円）、約15%。"
        "転入後2週間以内に届出。問合せ 03-1234-5678",
        ["14日"],
    ),
    (
        "申請期間は2025年4月1日から4月30日までです。受付は8:30〜17:15。1人あたり12,000円（上限3万円）、約1.5%。"
        "転入後14日以内に届出。問合せ 03-1234-5768",
        ["15%", "03-1234-5678"],
    ),
    (
        "Applications are accepted from April 1, 2025 to April 30. Reception hours are 8:30 a.m. to 5:15 p.m. The "
        "benefit is 1,200 yen per person (up to ¥30,000), for about 15 percent of households. Please notify us within "
        "14 days. Contact: 03-1234-5678",
        ["12,000円"],
    ),
    (
        "Applications are accepted from April 1, 2025 to April 30. Reception hours are 8:30 a.m. to 5:15 a.m. The "
        "benefit is 12,000 yen per person (up to ¥30,000), for about 15 percent of households. Please notify us within "
        "14 days. Contact: 03-1234-5678",
        ["17時15分"],
    ),
    (
        "Applications are accepted from January 4, 2025 to April 30. Reception hours are 8:30 a.m. to 5:15 p.m. The "
        "benefit is 12,000 yen per person (up to ¥30,000), for about 15 percent of households. Please notify us within "
        "15 days. Contact: 03-1234-5678",
        ["2025年4月1日", "14日"],
    ),
    (
        "Applications are accepted in April. The benefit is paid per person. Please notify us promptly.",
        [
            "2025年4月1日",
            "4月30日",
            "8時30分",
            "17時15分",
            "1人",
            "12,000円",
            "30,000円",
            "15%",
            "14日",
            "03-1234-5678",
        ],
    ),
]


@pytest.mark.parametrize("answer, missing", BAD)
def test_a_changed_or_dropped_quantity_fails(answer: str, missing: list[str]) -> None:
    result = SCORER.score(answer, ITEM)
    assert not result.passed and result.detail["missing"] == missing, result.explanation
    assert result.score == pytest.approx((10 - len(missing)) / 10)
    assert result.explanation.startswith("欠落・変更: " + "、".join(missing))


@pytest.mark.parametrize(
    "source, answer, ok",
    [
        # English source, Japanese translation
        (
            "Our delegation of 12 members will arrive on May 12, 2025 at 3:30 p.m.",
            "代表団12名は、2025年5月12日午後3時30分に到着します。",
            True,
        ),
        (
            "Our delegation of 12 members will arrive on May 12, 2025 at 3:30 p.m.",
            "代表団十二名は、令和7年5月12日（月）15:30に到着します。",
            True,
        ),
        (
            "Our delegation of 12 members will arrive on May 12, 2025 at 3:30 p.m.",
            "代表団12名は、2025年5月12日午後3時に到着します。",
            False,
        ),
        (
            "Please reply by the end of March. The fee is ¥1.2 million.",
            "3月末までにご返信ください。費用は120万円です。",
            True,
        ),
        (
            "Please reply by the end of March. The fee is ¥1.2 million.",
            "2月末までにご返信ください。費用は120万円です。",
            False,
        ),
        ("You may apply in May.", "5月に申請できます。", True),
        (
            "The library will be closed from February 10 to February 16.",
            "図書館は2月10日から16日まで休館します。",
            True,
        ),
        ("The library will be closed from February 10 to 16.", "図書館は2月10日から17日まで休館します。", False),
        ("The office is on the 2nd floor and opens at noon.", "事務所は2階にあり、正午に開きます。", True),
        # relative words are not quantities
        (
            "前日までにご連絡ください。翌月から適用します。",
            "The day before, please contact us. It applies from the following month.",
            True,
        ),
        ("翌月10日までに納付してください。", "Please pay by the 10th of the following month.", True),
        ("翌月10日までに納付してください。", "Please pay by the 15th of the following month.", False),
        # counts keep their counter in a Japanese rewrite
        ("対象は2名です。", "対象は2人です。", True),
        ("期間は30日です。", "期間は30日間です。", True),
        ("期間は3か月です。", "期間は3ヶ月です。", True),
        ("期間は3か月です。", "期間は3日です。", False),
        ("一度も受診していない方が対象です。", "受診したことがない方が対象です。", True),
        ("受付は午後2時から4時までです。", "受付は14時から16時まで。", True),
        ("年に1回は受診しましょう。", "Get a checkup once a year.", True),
        ("自宅の2階以上にとどまってください。", "Stay on the second floor or higher of your home.", True),
        ("成年年齢は満十八年です。", "The age of majority is 18.", True),
        ("定員は二十名です。", "定員は20名です。", True),
    ],
)
def test_sources_and_answers_in_different_languages(source: str, answer: str, ok: bool) -> None:
    it = Item(id="q", vars={"text": source})
    result = SCORER.score(answer, it)
    assert result.passed is ok, result.explanation


def test_a_source_without_quantities_passes_anything() -> None:
    it = Item(id="q", vars={"text": "転入届の提出には、本人確認書類が必要です。"})
    result = SCORER.score("You need an identification document.", it)
    assert result.passed and result.explanation == "保持すべき数値・日付・金額なし"


def test_values_instead_of_a_source() -> None:
    scorer = build("preserve", {"values": ["令和8年7月15日", "1万2千円", "午後5時", "第2回"]})
    it = Item(id="q")
    assert scorer.score("第2回会議は2026年7月15日。参加費¥12,000、17:00締切。", it).passed
    miss = scorer.score("第3回会議は2026年7月15日。参加費¥12,000、17:00締切。", it)
    assert not miss.passed and miss.detail["missing"] == ["2回"]
    assert scorer.ideal_answer(it) == "令和8年7月15日。1万2千円。午後5時。第2回。"
    assert scorer.score(scorer.ideal_answer(it), it).passed


def test_a_value_without_a_number_is_found_as_written() -> None:
    scorer = build("preserve", {"values": ["前日", "2026年7月15日"]})
    assert scorer.score("2026年7月15日の前日までに", Item(id="q")).passed
    assert not scorer.score("2026年7月15日までに", Item(id="q")).passed


def test_ignore() -> None:
    it = Item(id="q", vars={"text": "令和8年度第2回会議は7月15日に開きます。"})
    scorer = build("preserve", {"source_var": "text", "ignore": ["第2回", "令和8年度"]})
    assert scorer.score("会議は7月15日。", it).passed
    assert not scorer.score("会議は7月16日。", it).passed
    assert not SCORER.score("会議は7月15日。", it).passed


def test_oracle_and_item_checks() -> None:
    assert SCORER.ideal_answer(ITEM) == SOURCE
    assert SCORER.check_item(Item(id="q")) == "needs vars.text (the source text whose numbers must be kept)"
    it = Item(id="q", vars={"text": "締切は4月1日です。"}, reference="The deadline is April 1.")
    assert SCORER.ideal_answer(it) == "The deadline is April 1."


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"source_var": "text", "values": ["1日"]},
        {"values": []},
        {"values": [" "]},
        {"source_var": "text", "ignores": []},
    ],
)
def test_bad_params(params: dict) -> None:
    with pytest.raises(ValidationError):
        build("preserve", params)


@pytest.mark.parametrize(
    "text, lang",
    [
        ("申請は4月1日までです。", "ja"),
        ("14日", "ja"),
        ("The deadline is April 1.", "latin"),
        ("申请截止日期为2025年4月1日。", "zh"),
        ("신청은 4월 1일까지입니다.", "ko"),
        ("Hạn chót là ngày 1 tháng 4.", "latin"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert language(text) == lang


# ----------------------------------------------------------------------------- H7: fractions, English ranges, PM words
SUBSIDY = "補助額は対象経費の2分の1以内で、上限は10万円です。申請期間は令和7年5月1日から6月30日までです。"
SUBSIDY_ITEM = Item(id="q", vars={"text": SUBSIDY})


@pytest.mark.parametrize(
    "answer",
    [
        "かかった費用の半分まで、最大10万円を補助します。申請は2025年5月1日から6月30日までです。",
        "補助額：対象経費の1/2以内（上限100,000円）\n申請期間：令和7年5月1日〜6月30日",
        "経費の50%まで（上限10万円）を補助します。申請は令和7年5月1日から6月30日まで。",
        "The subsidy covers up to one half of eligible costs, capped at 100,000 yen. Applications are accepted from "
        "May 1 to June 30, 2025.",
        "Half of the eligible costs are covered (up to 100,000 yen). Apply between 1 May and 30 June 2025.",
        "費用の二分の一以内、上限10万円。受付は2025年5月1日～6月30日。",
    ],
)
def test_fractions_and_ranges_are_kept(answer: str) -> None:
    result = SCORER.score(answer, SUBSIDY_ITEM)
    assert result.passed, (answer, result.detail)


@pytest.mark.parametrize(
    "answer, missing",
    [
        ("補助額は対象経費の3分の1以内、上限10万円です。申請は令和7年5月1日〜6月30日です。", "2分の1"),
        ("経費の3割まで（上限10万円）。申請は2025年5月1日から6月30日まで。", "2分の1"),
        ("Up to one third of costs, capped at 100,000 yen, from May 1 to June 30, 2025.", "2分の1"),
        ("Up to half of costs, capped at 100,000 yen, from May 1 to June 30, 2026.", "2025年5月1日"),
        ("費用の半分（上限10万円）。申請は2025年5月1日から7月31日まで。", "6月30日"),
    ],
)
def test_a_changed_fraction_or_date_is_missing(answer: str, missing: str) -> None:
    result = SCORER.score(answer, SUBSIDY_ITEM)
    assert not result.passed and missing in result.detail["missing"], (answer, result.detail)


def test_two_minutes_are_no_fraction() -> None:
    found, _ = quantities("2分の1以内。待ち時間は約2分です。", foreign_numbers=False)
    assert [(q.kind, q.label) for q in found] == [("fraction", "2分の1"), ("count", "2分")]
    found, _ = quantities("Please wait half an hour.", foreign_numbers=True, lang="latin")
    assert all(q.kind != "fraction" for q in found)


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("平日の朝8時半から夕方5時15分まで、受け付けをしています。", True),
        ("平日 8:30〜17:15 に受け付けます。", True),
        ("平日の朝8時半から夜5時15分まで", False),  # 夜 is not read before 6 o'clock
        ("平日の朝8時半から夕方6時15分まで", False),
    ],
)
def test_evening_hours_are_pm(answer: str, expected: bool) -> None:
    it = Item(id="q", vars={"text": "受付時間は平日8時30分から17時15分までです。"})
    assert SCORER.score(answer, it).passed is expected


@pytest.mark.parametrize(
    "answer",
    [
        "Open May 1–15, 2025.",
        "Open from May 1 to May 15, 2025.",
        "Open 1 May to 15 May 2025.",
    ],
)
def test_an_english_range_carries_its_year_back(answer: str) -> None:
    it = Item(id="q", vars={"text": "2025年5月1日から2025年5月15日まで開設します。"})
    assert SCORER.score(answer, it).passed, SCORER.score(answer, it).detail


# ---------------------------------------------------------------- adversarial review R2 (issue 11)
def _score(source: str, answer: str, **params):
    item = Item(id="q", vars={"text": source})
    return build("preserve", {"source_var": "text", **params}).score(answer, item)


# R2-3 (a): in a translation a count keeps its unit
@pytest.mark.parametrize(
    "source, answer, ok",
    [
        ("生後4か月までの乳児が対象です。", "Infants up to 4 months old are eligible.", True),
        ("生後4か月までの乳児が対象です。", "Infants up to 4 weeks old are eligible.", False),
        ("生後4か月までの乳児が対象です。", "Children up to 4 years old are eligible.", False),
        ("転入から14日以内に届け出てください。", "Please notify us within two weeks of moving in.", True),
        ("転入から14日以内に届け出てください。", "Please notify us within 14 working days of moving in.", False),
        ("転入から14日以内に届け出てください。", "Please notify us within a 14-day period after moving in.", True),
        ("研修は3時間です。", "The training lasts 3 days.", False),
        ("研修は3時間です。", "The training lasts three hours.", True),
        ("定員は20人です。", "Up to 20 people can join.", True),
    ],
)
def test_a_translated_count_keeps_its_unit(source: str, answer: str, ok: bool) -> None:
    assert _score(source, answer).passed is ok, _score(source, answer).explanation


# R2-3 (b): a deadline stays a deadline, a start stays a start
@pytest.mark.parametrize(
    "source, answer, ok",
    [
        ("ごみは朝8時30分までに出してください。", "Put your garbage out by 8:30 a.m.", True),
        ("ごみは朝8時30分までに出してください。", "Put your garbage out after 8:30 a.m.", False),
        ("ごみは朝8時30分までに出してください。", "ごみは朝8時30分から出してください。", False),
        ("申請は4月30日まで受け付けます。", "Applications are accepted until April 30.", True),
        ("申請は4月30日まで受け付けます。", "Applications are accepted from April 30.", False),
        ("受付は5月1日から始まります。", "受付開始は5月1日以降です。", True),
        ("受付は5月1日から始まります。", "受付は5月1日までです。", False),
        ("受付は9時から17時までです。", "Open 9:00–17:00.", True),
        ("受付は9時から17時までです。", "受付時間：9時〜17時", True),
    ],
)
def test_a_flipped_bound_is_a_change(source: str, answer: str, ok: bool) -> None:
    assert _score(source, answer).passed is ok, _score(source, answer).explanation


# R2-3 (c): 上旬/中旬/下旬, weekdays, 毎週 / 毎月第N, 土日・祝日 are quantities
@pytest.mark.parametrize(
    "source, answer, ok",
    [
        ("3月下旬から4月上旬に工事を行います。", "3月下旬から4月上旬に工事を行います。", True),
        ("3月下旬から4月上旬に工事を行います。", "Work will take place from late March to early April.", True),
        ("3月下旬から4月上旬に工事を行います。", "3月上旬から4月下旬に工事を行います。", False),
        ("説明会は5月20日（水）です。", "説明会は5月20日（木）です。", False),
        ("説明会は5月20日（水）です。", "説明会は5月20日に開きます。", True),  # the weekday may be left out
        ("燃やすごみは毎週月曜日と木曜日です。", "Burnable waste: every Monday and Thursday.", True),
        ("燃やすごみは毎週月曜日と木曜日です。", "燃やすごみは毎月第2月曜日と木曜日です。", False),
        ("燃やすごみは毎週月曜日と木曜日です。", "燃やすごみは毎週火曜日と木曜日です。", False),
        ("土日・祝日は休館です。", "Closed on weekends and public holidays.", True),
        ("土日・祝日は休館です。", "土日は休館です。", False),
        ("毎月第2土曜日の午前は開庁します。", "Open on the morning of the second Saturday of each month.", True),
        ("毎月第2土曜日の午前は開庁します。", "Open every Saturday morning.", False),
    ],
)
def test_qualifiers_are_quantities(source: str, answer: str, ok: bool) -> None:
    assert _score(source, answer).passed is ok, _score(source, answer).explanation


# R2-4: mode subset (nothing invented) and both
SUMMARY_SOURCE = (
    "検討会は3回開かれ、参加者は延べ120人でした。アンケートでは回答者の38%が「役立った」と答えました。"
    "報告書は11月末に公表します。"
)


@pytest.mark.parametrize(
    "answer, ok",
    [
        ("検討会は3回、延べ120人が参加し、報告書は11月末に公表予定。", True),  # leaves the 38% out: fine
        ("検討会（全3回）の報告書は11月末に公表される。", True),
        ("検討会は3回開かれ、報告書は12月末に公表される。", False),  # 12月末 is invented
        ("延べ120人が参加し、約1週間後に報告書が出る。", False),  # 1週間 is invented
        ("回答者の45%が役立ったと答え、報告書は11月末に公表。", False),  # 45% is invented
        ("検討会は4回開かれた。", False),
    ],
)
def test_subset_mode_fails_an_invented_quantity(answer: str, ok: bool) -> None:
    result = _score(SUMMARY_SOURCE, answer, mode="subset")
    assert result.passed is ok, result.explanation
    if not ok:
        assert result.detail["invented"] and result.score == 0.0


def test_all_mode_is_the_default_and_ignores_additions() -> None:
    answer = "検討会は3回、延べ120人、38%が役立ったと回答、報告書は11月末。なお次回は2月です。"
    assert _score(SUMMARY_SOURCE, answer).passed
    assert not _score(SUMMARY_SOURCE, answer, mode="subset").passed
    assert not _score(SUMMARY_SOURCE, answer, mode="both").passed
    assert not _score(SUMMARY_SOURCE, "検討会は3回、報告書は11月末。", mode="both").passed  # 120人, 38% dropped
    assert _score(SUMMARY_SOURCE, "検討会は3回、延べ120人、38%、11月末公表。", mode="both").passed


def test_bad_mode() -> None:
    with pytest.raises(ValidationError):
        build("preserve", {"source_var": "text", "mode": "some"})
