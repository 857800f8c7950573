"""The demo question bank (national bank) for the embedded default: original questions made
from small tables of facts written for this project — paraphrased rules of the 医师法 and
related regulations, ethics principles, communication scenarios, and textbook facts per
practice category (server/demo_question_facts.py). No exam question is copied.

Kinds of table and what each makes:
- ``Attr`` (subject → value): a single choice per subject (the other subjects' values, or
  the given wrong values, as distractors), a true and a false 判断题, optionally a reverse
  single choice (value → subject);
- ``Group`` (a named set, members and non-members): 多选题, 单选题 “不属于”, 判断题;
- ``Choice`` / ``Truth``: hand-written single choices and true/false statements.
Everything is deterministic (seeded per question), so codes are stable and seeding is
idempotent (existing codes are skipped).
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from server.demo_question_facts import SPECS, Attr, Choice, Group, Spec, Truth
from server.models import NATIONAL_BANK, Difficulty, PaperType, Question, QuestionType
from server.services.cycles.question_bank import KEYS, normalise


def _rng(*parts: Any) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))


def _question(kp: str, qtype: QuestionType, stem: str, right: list[str], wrong: list[str], explanation: str,
              difficulty: Difficulty, seed: str) -> dict[str, Any]:
    if qtype == QuestionType.JUDGE:
        texts, answer = ["正确", "错误"], ["A" if right == ["正确"] else "B"]
    else:
        texts = right + wrong
        _rng(seed, "order").shuffle(texts)
        answer = [KEYS[texts.index(t)] for t in right]
    return {"knowledge_point": kp, "qtype": qtype, "stem": stem, "options": texts, "answer": answer,
            "explanation": explanation, "difficulty": difficulty}


def _attr(t: Attr) -> list[dict[str, Any]]:
    out = []
    values = list(dict.fromkeys(p[1] for p in t.pairs))
    for i, pair in enumerate(t.pairs):
        s, v = pair[0], pair[1]
        pool = list(pair[2]) if len(pair) > 2 else [x for x in values if x != v]  # type: ignore[misc]
        pool = [x for x in pool if x != v]
        rng = _rng(t.kp, t.stem, s)
        wrong = rng.sample(pool, min(3, len(pool)))
        fact = t.fact.format(s=s, v=v)
        out.append(_question(t.kp, QuestionType.SINGLE, t.stem.format(s=s), [v], wrong, fact, t.difficulty,
                             f"{t.stem}{s}"))
        out.append(_question(t.kp, QuestionType.JUDGE, fact, ["正确"], [], fact, Difficulty.EASY, fact))
        false_v = wrong[i % len(wrong)]
        out.append(_question(t.kp, QuestionType.JUDGE, t.fact.format(s=s, v=false_v), ["错误"], [],
                             f"错误。{fact}", Difficulty.EASY, f"{fact}{false_v}"))
        if t.reverse:
            others = [p[0] for p in t.pairs if p[1] != v]
            out.append(_question(t.kp, QuestionType.SINGLE, t.reverse.format(v=v), [s],
                                 rng.sample(others, min(3, len(others))), fact, t.difficulty, f"{t.reverse}{v}"))
    return out


def _group(t: Group) -> list[dict[str, Any]]:
    out = []
    explanation = f"{t.name}包括：{'、'.join(t.members)}。"
    for variant in range(3):
        rng = _rng(t.kp, t.name, "multiple", variant)
        k = min(len(t.members), 2 + variant)
        right = rng.sample(t.members, k)
        wrong = rng.sample(t.others, min(len(t.others), max(2, 5 - k)))
        out.append(_question(t.kp, QuestionType.MULTIPLE, f"下列各项中，属于{t.name}的有", right, wrong, explanation,
                             t.difficulty, f"{t.name}{variant}"))
    if len(t.members) >= 3:
        for variant in range(2):
            rng = _rng(t.kp, t.name, "not", variant)
            odd = t.others[variant % len(t.others)]
            out.append(_question(t.kp, QuestionType.SINGLE, f"下列各项中，不属于{t.name}的是", [odd],
                                 rng.sample(t.members, 3), explanation, t.difficulty, f"{t.name}not{odd}"))
    for x in t.members[:2]:
        out.append(_question(t.kp, QuestionType.JUDGE, f"{x}属于{t.name}。", ["正确"], [], explanation,
                             Difficulty.EASY, f"{t.name}{x}"))
    for x in t.others[-2:]:
        out.append(_question(t.kp, QuestionType.JUDGE, f"{x}属于{t.name}。", ["错误"], [], f"错误。{explanation}",
                             Difficulty.EASY, f"{t.name}{x}"))
    return out


def _expand(table: Attr | Group | Choice | Truth) -> list[dict[str, Any]]:
    if isinstance(table, Attr):
        return _attr(table)
    if isinstance(table, Group):
        return _group(table)
    if isinstance(table, Choice):
        return [_question(table.kp, QuestionType.SINGLE, table.stem, [table.answer], table.wrong,
                          table.explanation or f"正确答案：{table.answer}。", table.difficulty, table.stem)]
    return [_question(table.kp, QuestionType.JUDGE, table.text, ["正确" if table.true else "错误"], [],
                      table.explanation or ("正确。" if table.true else "错误。"), table.difficulty, table.text)]


def generate() -> list[dict[str, Any]]:
    """Every demo question, checked by the bank's own rules, with a stable code."""
    out: dict[str, dict[str, Any]] = {}
    for spec in [HUMANITIES, *SPECS]:
        prefix = "HUM" if spec.category is None else spec.category.value.upper()[:3]
        for table in spec.tables:
            for raw in _expand(table):
                clean, problem = normalise({**raw, "paper_type": spec.paper_type, "category": spec.category})
                if problem:
                    raise ValueError(f"demo question refused: {problem}: {raw['stem']}")
                digest = hashlib.sha1(repr((spec.paper_type.value, prefix, clean["stem"], clean["options"]))
                                      .encode()).hexdigest()[:10].upper()
                out.setdefault(f"DEMO-{prefix}-{digest}", clean)
    # about one question in PRACTICE_SHARE goes to the practice pool (练习题: never in a real paper),
    # chosen by its code so the split is stable
    return [{**q, "code": code, "practice": int(code.rsplit("-", 1)[1], 16) % PRACTICE_SHARE == 0}
            for code, q in out.items()]


PRACTICE_SHARE = 6


async def seed_demo_bank() -> int:
    """Put the demo questions into the national bank (existing codes are left alone)."""
    questions = generate()
    have = set(await Question.filter(bank=NATIONAL_BANK, code__startswith="DEMO-").values_list("code", flat=True))
    new = [Question(bank=NATIONAL_BANK, province_id=None, **q) for q in questions if q["code"] not in have]
    await Question.bulk_create(new, batch_size=200)
    return len(new)


# --- 人文医学: 卫生法律法规、医学伦理、医患沟通 ----------------------------------------------------
LAW, ETHICS, TALK = "卫生法律法规", "医学伦理", "医患沟通"

HUMANITIES = Spec(PaperType.HUMANITIES, None, [
    Choice(LAW, "根据《医师法》，医师定期考核的周期为", "三年", ["一年", "两年", "五年"],
           "《医师法》规定对医师的业务水平、工作业绩和职业道德状况进行定期考核，考核周期为三年。"),
    Choice(LAW, "现行《医师法》的施行日期是", "2022年3月1日", ["1999年5月1日", "2020年6月1日", "2021年1月1日"],
           "《医师法》于2021年8月通过，自2022年3月1日起施行。"),
    Choice(LAW, "《医师法》规定的“中国医师节”是每年的", "8月19日", ["5月12日", "4月7日", "9月10日"]),
    Choice(LAW, "医师定期考核不合格的，应责令其暂停执业活动，期限为", "三个月至六个月",
           ["一个月至三个月", "六个月至一年", "一年至两年"], "暂停期满后再次考核，合格的允许继续执业。"),
    Choice(LAW, "按照处方管理的规定，普通处方一般不得超过的用量是", "7日用量", ["3日用量", "5日用量", "15日用量"]),
    Choice(LAW, "按照处方管理的规定，急诊处方一般不得超过的用量是", "3日用量", ["1日用量", "5日用量", "7日用量"]),
    Choice(LAW, "处方为开具当日有效；特殊情况需延长有效期的，最长不得超过", "3天", ["1天", "5天", "7天"]),
    Choice(LAW, "医疗机构保管的住院病历，保存时间自患者最后一次住院出院之日起不少于", "30年", ["10年", "15年", "20年"]),
    Choice(LAW, "医疗机构保管的门（急）诊病历，保存时间自患者最后一次就诊之日起不少于", "15年",
           ["5年", "10年", "30年"]),
    Choice(LAW, "因抢救急危患者未能及时书写病历的，有关医务人员应当在抢救结束后据实补记，时限为", "6小时内",
           ["2小时内", "12小时内", "24小时内"]),
    Choice(LAW, "麻醉药品和第一类精神药品处方的保存期限为", "3年", ["1年", "2年", "5年"]),
    Choice(LAW, "普通处方、急诊处方和儿科处方的保存期限为", "1年", ["2年", "3年", "5年"]),
    Choice(LAW, "根据《精神卫生法》，精神障碍的诊断应当由下列哪类人员作出", "精神科执业医师",
           ["任何执业医师", "心理咨询师", "患者的近亲属"]),
    Choice(LAW, "《基本医疗卫生与健康促进法》的施行日期是", "2020年6月1日",
           ["2019年12月28日", "2022年3月1日", "2018年10月1日"]),
    Choice(LAW, "下列传染病中，属于甲类传染病的是", "霍乱", ["艾滋病", "肺结核", "流行性感冒"],
           "甲类传染病为鼠疫、霍乱。"),
    Attr(LAW, "按照处方管理的规定，{s}的印刷用纸颜色为", "{s}的印刷用纸为{v}。", [
        ("普通处方", "白色"), ("急诊处方", "淡黄色"), ("儿科处方", "淡绿色"),
        ("麻醉药品和第一类精神药品处方", "淡红色")]),
    Group(LAW, "《医疗纠纷预防和处理条例》规定的医疗纠纷解决途径",
          ["双方自愿协商", "申请人民调解", "申请行政调解", "向人民法院提起诉讼"],
          ["聚众占据诊疗场所", "扣留医务人员", "在医疗机构内摆放花圈"]),
    Group(LAW, "《医师法》规定的医师在执业活动中享有的权利",
          ["获取劳动报酬", "参加专业培训、接受继续医学教育", "在注册的执业范围内进行医学诊查和医学处置",
           "获得符合国家规定标准的执业基本条件和职业防护装备"],
          ["出具与执业范围无关的医学证明文件", "拒绝急危患者的急救处置", "向患者推销与诊疗无关的商品"]),
    Truth(LAW, "医师经注册后，可以在医疗卫生机构中按照注册的执业地点、执业类别、执业范围执业。", True),
    Truth(LAW, "医师定期考核包括业务水平、工作业绩和职业道德状况三方面。", True),
    Truth(LAW, "对需要紧急救治的患者，医师应当采取紧急措施进行诊治，不得拒绝急救处置。", True),
    Truth(LAW, "因抢救生命垂危的患者等紧急情况，不能取得患者或其近亲属意见的，经医疗机构负责人或者授权的负责人"
               "批准，可以立即实施相应的医疗措施。", True),
    Truth(LAW, "需要实施手术、特殊检查、特殊治疗的，医务人员只需口头告知，无须取得患者或其近亲属的明确同意。",
          False, "错误。应当具体说明医疗风险、替代医疗方案等情况，并取得明确同意。"),
    Truth(LAW, "医师可以出具与自己执业范围无关或者与执业类别不相符的医学证明文件。", False,
          "错误。医师不得出具虚假医学证明文件以及与自己执业范围无关或者与执业类别不相符的医学证明文件。"),
    Truth(LAW, "医师应当使用经依法批准或者备案的药品、消毒药剂和医疗器械。", True),
    Truth(LAW, "医师发现传染病疫情时，应当按照有关规定及时报告。", True),
    Truth(LAW, "医师可以利用职务之便索要、非法收受患者财物。", False, "错误。这是《医师法》明确禁止的行为。"),
    Truth(LAW, "发生医疗纠纷需要封存、启封病历资料的，应当在医患双方在场的情况下进行。", True),
    Truth(LAW, "医务人员泄露患者隐私和个人信息，或者未经患者同意公开其病历资料的，应当承担侵权责任。", True),
    Truth(LAW, "医师在执业活动中应当尊重、关心、爱护患者，依法保护患者隐私和个人信息。", True),
    Truth(LAW, "处方开具后在任何情况下都长期有效。", False, "错误。处方为开具当日有效，特殊情况最长不超过3天。"),
    Choice(ETHICS, "“大医精诚”一文出自", "孙思邈《备急千金要方》",
           ["张仲景《伤寒杂病论》", "李时珍《本草纲目》", "王清任《医林改错》"]),
    Choice(ETHICS, "《赫尔辛基宣言》（涉及人类受试者的医学研究伦理原则）的制定者是", "世界医学会",
           ["世界卫生组织", "联合国教科文组织", "红十字国际委员会"]),
    Choice(ETHICS, "《纽伦堡法典》确立的人体试验首要原则是", "受试者的自愿同意是绝对必要的",
           ["研究结果必须公开发表", "试验必须由政府资助", "受试者必须是医务人员"]),
    Group(ETHICS, "生命医学伦理的基本原则", ["尊重原则", "不伤害原则", "有利原则", "公正原则"],
          ["利益最大化原则", "家属意见优先原则", "医生权威原则"]),
    Group(ETHICS, "有效知情同意的要素", ["充分告知信息", "患者理解所告知的信息", "患者自愿作出决定",
                                   "患者具备同意能力"],
          ["由医师代替患者作出决定", "隐瞒主要风险以免患者拒绝", "以减免费用诱导患者签字"]),
    Attr(ETHICS, "{s}，主要体现了医学伦理的", "{s}，主要体现了{v}。", [
        ("术前向患者说明风险和替代方案并取得其同意", "尊重原则"),
        ("未经患者同意，不向其工作单位透露病情", "尊重原则"),
        ("在可选方案中选择伤害和风险最小的方案", "不伤害原则"),
        ("以患者的健康利益为重，选择受益最大的治疗", "有利原则"),
        ("按医学标准而非身份地位分配紧缺医疗资源", "公正原则"),
        ("对不同社会地位、经济状况的患者一视同仁", "公正原则"),
    ]),
    Truth(ETHICS, "涉及人的生命科学和医学研究，应当经伦理审查委员会审查。", True),
    Truth(ETHICS, "受试者一旦签署知情同意书，便不得在研究过程中退出。", False, "错误。受试者可以随时无条件退出研究。"),
    Truth(ETHICS, "在涉及人的医学研究中，受试者的健康和权益应当优先于科学和社会的利益。", True),
    Truth(ETHICS, "患者为无民事行为能力人时，应由其监护人代为行使知情同意的权利。", True),
    Truth(ETHICS, "医师可以因患者经济困难而拒绝对急危患者进行抢救。", False, "错误。急危患者的抢救不得拒绝。"),
    Choice(TALK, "为了解患者的主观感受和想法，问诊时宜优先使用", "开放式提问", ["封闭式提问", "诱导式提问",
                                                                  "连续追问"]),
    Choice(TALK, "患者因候诊时间长而情绪激动，医师首先应当", "倾听并表示理解，待情绪平复后再解释原因",
           ["立即请保安处理", "与患者据理力争", "不予理睬继续诊疗"]),
    Choice(TALK, "向文化程度较低的老年患者解释病情时，最恰当的做法是", "使用通俗易懂的语言，并确认对方是否理解",
           ["大量使用专业术语", "只把书面材料交给患者", "只与家属沟通而不理会患者"]),
    Choice(TALK, "医患沟通中的“共情”是指", "设身处地理解患者的感受并恰当地表达出来",
           ["同情患者并替患者作决定", "对患者的情绪不作回应", "把自己的情绪传递给患者"]),
    Choice(TALK, "家属要求对患者隐瞒癌症诊断时，较恰当的做法是",
           "了解家属顾虑，评估患者意愿和承受能力，以适当方式保障患者知情权",
           ["完全按家属要求永远隐瞒", "不顾家属意见立即告知全部细节", "让其他患者转告"]),
    Choice(TALK, "发生医疗纠纷时，医务人员恰当的做法是", "保持冷静，如实说明情况，告知合法的解决途径",
           ["回避患者，拒绝沟通", "修改病历以免担责", "私下威胁患者不得投诉"]),
    Choice(TALK, "与患者交谈时，恰当的非语言沟通是", "保持适当的目光接触，身体略向前倾",
           ["双臂交叉于胸前", "边看手机边听", "背对患者书写病历"]),
    Choice(TALK, "告知坏消息时，首先应当", "安排安静、不受打扰的谈话环境", ["在走廊里尽快说完", "通过短信告知",
                                                          "先告诉其他患者"]),
    Group(TALK, "告知坏消息的SPIKES沟通步骤", ["安排合适的谈话环境", "了解患者对病情的认知",
                                       "提供信息并回应患者的情绪", "共同制订后续计划"],
          ["尽快告知并立即结束谈话", "使用大量专业术语以显示权威", "回避患者的情绪反应"]),
    Truth(TALK, "沟通中适当复述患者的话，有助于确认理解是否准确。", True),
    Truth(TALK, "为节省时间，医师可以频繁打断患者的陈述。", False),
    Truth(TALK, "对于情绪激动的患者，宜先处理情绪，再处理问题。", True),
    Truth(TALK, "与儿童患者沟通时，应使用其能理解的语言，并与家长共同沟通。", True),
    Truth(TALK, "电话随访时，无须核实对方身份即可告知检查结果。", False, "错误。应核实身份，保护患者隐私。"),
    Truth(TALK, "医务人员在沟通中应避免对其他医务人员的诊疗作不恰当的评价。", True),
    Truth(TALK, "书面知情同意可以完全替代与患者的口头沟通。", False, "错误。书面告知不能替代充分的口头沟通。"),
])
