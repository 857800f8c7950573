"""Each physician's own paper (SPEC §5 "a paper is drawn per physician from a blueprint, in
a random order with shuffled options. The correct answers never reach the client"; §4.4).

- ``draw_paper``: the paper of one assessment, paper type, purpose and attempt, drawn from
  the province's pool (national + provincial bank) by the cycle's blueprint, and stored.
  Drawing is idempotent: re-entry returns the same paper. 业务水平 uses the physician's
  practice category (and their specialty's own questions besides the common ones).
- ``draw_papers_for_cycle``: the same for every active assessment of a cycle, before the
  window opens (a background job started by the province administration).
- Randomness comes from the operating system (``random.SystemRandom``), never from ids.
- ``client_view``: the questions with display letters A, B, C… only — no answer, no
  explanation, no original option keys, no question ids.
- ``score``: answers in display letters, mapped back through the stored option order,
  scored on a 100-point scale; a multiple-choice question counts only when exactly right.
Attempts, the clock and answer saving are built on top of these (not here).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.errors import Conflict, NotFound, ValidationFailed
from server.models import (
    Assessment,
    Cycle,
    ExemptionStatus,
    Job,
    Paper,
    PaperPurpose,
    PaperType,
    Physician,
    PracticeCategory,
    Procedure,
    Question,
    QuestionType,
)
from server.schemas.common import Labelled
from server.schemas.exams_mp import ClientPaper, OptionView, PaperQuestion, ReviewedQuestion
from server.security import mask_id_number
from server.services import audit
from server.services.access import Actor, Role
from server.services.assessment.transitions import exemption_paper
from server.services.cycles.paper_plans import (
    PlanItem,
    Pool,
    PoolQuestion,
    cycle_for_bank,
    exam_settings,
    items_for,
    shortages,
)
from server.services.platform import jobs
from server.services.platform.excel import write_rows

rng = random.SystemRandom()  # the operating system's randomness
BATCH = 500
LETTERS = "ABCDEFGH"


class Drawn(Protocol):
    """A real paper or a mock test: the questions and each one's option order."""

    question_ids: list[int]
    option_orders: list[list[str]]


# --- composing ---------------------------------------------------------------------------------
def compose(pool: Pool, items: list[PlanItem], specialty: str = "") -> tuple[list[int], list[list[str]]]:
    """Questions by the blueprint in a random order, each with its options shuffled
    (判断题 keep 正确 / 错误). Raises 409 bank_shortage if the pool cannot fill an item."""
    missing = [i for i in shortages(pool, items)
               if len(pool.candidates(i["knowledge_point"], i["qtype"], specialty)) < i["needed"]]
    if missing:
        raise Conflict("题库中可用试题不足，暂时无法组卷，请联系省级卫生行政机构", code="bank_shortage",
                       details={"shortages": missing})
    chosen: list[PoolQuestion] = []
    for item in items:
        chosen += rng.sample(pool.candidates(item["knowledge_point"], item.get("qtype"), specialty), item["count"])
    rng.shuffle(chosen)
    orders = [list(q.keys) if q.qtype == QuestionType.JUDGE.value else rng.sample(q.keys, len(q.keys))
              for q in chosen]
    return [q.id for q in chosen], orders


async def plan(*, cycle: Cycle | None, province_id: int, paper_type: PaperType,
               category: PracticeCategory | None, practice: bool = False) -> tuple[Pool, list[PlanItem]]:
    """The pool and the blueprint items of one kind of paper (``practice``: from the practice pool,
    for 模拟考试)."""
    pool = await Pool.load(province_id=province_id, paper_type=paper_type,
                           category=category if paper_type == PaperType.PROFESSIONAL else None, practice=practice)
    items, _ = await items_for(cycle, paper_type, category, pool)
    return pool, items


async def mark_in_use(question_ids: set[int], conn: Any) -> None:
    """Questions in a real paper keep their options and answer from now on."""
    if question_ids:
        await Question.filter(id__in=list(question_ids), in_use=False).using_db(conn).update(in_use=True)


async def draw_paper(*, assessment: Assessment, paper_type: PaperType, attempt_no: int = 1,
                     purpose: PaperPurpose = PaperPurpose.FIRST, actor: Actor | None = None) -> Paper:
    """The physician's paper for this assessment, paper type, purpose and attempt: the stored
    one if drawn before, else drawn now and stored."""
    existing = await Paper.get_or_none(assessment_id=assessment.id, paper_type=paper_type, purpose=purpose,
                                       attempt_no=attempt_no)
    if existing is not None:
        return existing
    if not assessment.active:
        raise Conflict("该医师不在本周期考核中，不能抽取试卷", code="assessment_not_active")
    cycle = await Cycle.get(id=assessment.cycle_id)
    if not 1 <= attempt_no <= max(1, exam_settings(cycle, paper_type)["max_attempts"]):
        raise ValidationFailed("考试次数超出本周期的设置", code="attempt_out_of_range")
    physician = await Physician.get(id=assessment.physician_id)
    category = physician.category if paper_type == PaperType.PROFESSIONAL else None
    pool, items = await plan(cycle=cycle, province_id=cycle.province_id, paper_type=paper_type, category=category)
    ids, orders = compose(pool, items, physician.practice_scope or "")
    try:
        async with in_transaction() as conn:
            paper = await Paper.create(
                assessment_id=assessment.id, physician_id=physician.id, cycle_id=cycle.id, paper_type=paper_type,
                category=category.value if category else "", purpose=purpose, attempt_no=attempt_no,
                question_ids=ids, option_orders=orders, using_db=conn)
            await mark_in_use(set(ids), conn)
            await audit.record(actor, "paper.draw", "paper", paper.id, using_db=conn, after={
                "assessment_id": assessment.id, "paper_type": paper_type.value, "purpose": purpose.value,
                "attempt_no": attempt_no, "questions": len(ids)})
    except IntegrityError:  # drawn meanwhile by a parallel first entry or the cycle job
        return await Paper.get(assessment_id=assessment.id, paper_type=paper_type, purpose=purpose,
                               attempt_no=attempt_no)
    return paper


# --- what the physician sees, and scoring ------------------------------------------------------
async def _questions(drawn: Drawn) -> dict[int, Question]:
    return {q.id: q for q in await Question.filter(id__in=list(drawn.question_ids))}


def points_each(n: int) -> float:
    return round(100 / n, 4) if n else 0.0


# The paper on the physician's screen is built on the exam-start path (every resume of a running
# attempt sends it): the models are made with model_construct, without validation — the values
# come straight from the stored paper and questions.
_QTYPE = Labelled[QuestionType]


async def questions_view(drawn: Drawn) -> list[PaperQuestion]:
    """The questions as shown: position, type, stem, options as display letter + text."""
    questions = await _questions(drawn)
    out = []
    for no, (qid, order) in enumerate(zip(drawn.question_ids, drawn.option_orders, strict=True), start=1):
        q = questions.get(qid)
        if q is None:
            raise NotFound("试卷中的试题不存在", code="question_not_found")
        texts = {o["key"]: o["text"] for o in q.options}
        out.append(PaperQuestion.model_construct(
            no=no, qtype=_QTYPE.model_construct(value=q.qtype, label=q.qtype.label), stem=q.stem,
            options=[OptionView.model_construct(label=LETTERS[i], text=texts[key]) for i, key in enumerate(order)]))
    return out


async def client_view(paper: Paper) -> ClientPaper:
    """The paper for the physician's screen: never an answer, explanation or original key
    (model_construct: see above)."""
    n = len(paper.question_ids)
    return ClientPaper.model_construct(
        paper_id=paper.id,
        paper_type=Labelled[PaperType].model_construct(value=paper.paper_type, label=paper.paper_type.label),
        category=(Labelled[PracticeCategory].model_construct(value=PracticeCategory(paper.category),
                                                             label=PracticeCategory(paper.category).label)
                  if paper.category else None),
        purpose=Labelled[PaperPurpose].model_construct(value=paper.purpose, label=paper.purpose.label),
        attempt_no=paper.attempt_no,
        question_count=n,
        total_score=100,
        points_each=points_each(n),
        questions=await questions_view(paper),
    )


def letters_of(value: Any) -> set[str]:
    """An answer as a set of display letters: "AC", "A,C", ["A", "C"]."""
    if value is None:
        return set()
    if isinstance(value, str):
        return {c for c in value.upper() if c in LETTERS}
    if isinstance(value, list | tuple | set):
        return {str(v).strip().upper() for v in value if str(v).strip()}
    return set()


def to_keys(order: list[str], letters: set[str]) -> set[str] | None:
    """Display letters → original option keys; None if a letter is not on the screen."""
    keys = set()
    for letter in letters:
        i = LETTERS.find(letter)
        if i < 0 or i >= len(order):
            return None
        keys.add(order[i])
    return keys


def to_letters(order: list[str], keys: list[str]) -> list[str]:
    """Original keys → the display letters of this paper."""
    return sorted(LETTERS[order.index(k)] for k in keys if k in order)


def _answer_for(answers: Mapping[Any, Any], no: int) -> Any:
    return answers.get(str(no), answers.get(no))


async def score(paper: Drawn, answers: Mapping[Any, Any]) -> tuple[float, list[bool]]:
    """Score on 100 points. ``answers`` maps the position ("1"…, or int) to the display
    letters chosen; a missing or unknown letter is wrong, a multiple choice counts only if
    exactly right. Returns (score, correctness per position)."""
    questions = await _questions(paper)
    correct: list[bool] = []
    for no, (qid, order) in enumerate(zip(paper.question_ids, paper.option_orders, strict=True), start=1):
        q = questions.get(qid)
        chosen = to_keys(order, letters_of(_answer_for(answers, no)))
        correct.append(bool(q is not None and chosen and chosen == set(q.answer)))
    n = len(correct)
    return (round(sum(correct) * 100 / n, 2) if n else 0.0), correct


async def review(drawn: Drawn, answers: Mapping[Any, Any]) -> list[ReviewedQuestion]:
    """After submission (模拟考试): each question with the letters chosen, the right letters and
    the explanation, in this paper's display letters."""
    questions = await _questions(drawn)
    shown = await questions_view(drawn)
    out = []
    for item, qid, order in zip(shown, drawn.question_ids, drawn.option_orders, strict=True):
        q = questions[qid]
        chosen = sorted(letters_of(_answer_for(answers, item.no)))
        right = to_letters(order, q.answer)
        out.append(ReviewedQuestion(no=item.no, qtype=item.qtype, stem=item.stem, options=item.options,
                                    chosen=chosen, answer=right, correct=chosen == right,
                                    explanation=q.explanation, question_id=qid))
    return out


# --- the whole cycle, before the window opens --------------------------------------------------
def needed_papers(procedure: Procedure | None, exemption: ExemptionStatus) -> list[PaperType]:
    """人文医学 for everyone not exempted from it; 业务水平 for the general procedure (or not
    chosen yet) unless exempted (SPEC §4.3-4.4)."""
    exempt = exemption_paper(procedure) if exemption == ExemptionStatus.APPROVED else None
    out = [] if exempt == PaperType.HUMANITIES else [PaperType.HUMANITIES]
    if procedure != Procedure.SIMPLE and exempt != PaperType.PROFESSIONAL:
        out.append(PaperType.PROFESSIONAL)
    return out


async def start_cycle_draw(*, actor: Actor, cycle_id: int) -> Job:
    """抽取试卷: queue the drawing of every active assessment's papers of the province's cycle."""
    cycle = await cycle_for_bank(actor, cycle_id, write=True)
    async with in_transaction() as conn:
        job = await jobs.create_job(actor=actor, kind="paper_draw", using_db=conn,
                                    params={"cycle_id": cycle.id, "ip": actor.ip})
        await audit.record(actor, "paper.draw_cycle.start", "cycle", cycle.id, after={"job": str(job.id)},
                           using_db=conn)
    await jobs.enqueue(job)
    return job


@jobs.job_handler("paper_draw")
async def run_cycle_draw(job: Job) -> None:
    await draw_papers_for_cycle(job.params["cycle_id"], job=job)


async def draw_papers_for_cycle(cycle_id: int, *, job: Job | None = None) -> dict[str, int]:
    """Draw and store the first-round papers of every active assessment of the cycle that has
    none yet (idempotent). A pool that cannot fill a paper fails those assessments only."""
    cycle = await Cycle.get_or_none(id=cycle_id)
    if cycle is None:
        raise NotFound("考核周期不存在", code="cycle_not_found")
    base = Assessment.filter(cycle_id=cycle.id, active=True)
    total = await base.count()
    if job is not None:
        await jobs.report_progress(job, total=total, processed=0, message="正在抽取试卷")
    plans: dict[tuple[PaperType, PracticeCategory | None], tuple[Pool, list[PlanItem]] | str] = {}
    counts = {"drawn": 0, "existing": 0, "failed": 0}
    errors: list[list[Any]] = []
    processed, last_id = 0, 0
    while True:
        batch = await base.filter(id__gt=last_id).order_by("id").limit(BATCH).values(
            "id", "physician_id", "procedure", "exemption")
        if not batch:
            break
        last_id = batch[-1]["id"]
        people = {p["id"]: p for p in await Physician.filter(id__in=[a["physician_id"] for a in batch]).values(
            "id", "name", "id_number", "category", "practice_scope")}
        have = {(p["assessment_id"], str(p["paper_type"])) for p in await Paper.filter(
            assessment_id__in=[a["id"] for a in batch], purpose=PaperPurpose.FIRST, attempt_no=1).values(
            "assessment_id", "paper_type")}
        new: list[Paper] = []
        for a in batch:
            person = people[a["physician_id"]]
            for paper_type in needed_papers(a["procedure"], ExemptionStatus(a["exemption"])):
                if (a["id"], paper_type.value) in have:
                    counts["existing"] += 1
                    continue
                category = PracticeCategory(person["category"]) if paper_type == PaperType.PROFESSIONAL else None
                key = (paper_type, category)
                if key not in plans:
                    try:
                        plans[key] = await plan(cycle=cycle, province_id=cycle.province_id, paper_type=paper_type,
                                                category=category)
                    except Conflict as exc:
                        plans[key] = exc.message
                entry = plans[key]
                try:
                    if isinstance(entry, str):
                        raise Conflict(entry)
                    ids, orders = compose(*entry, person["practice_scope"] or "")
                except Conflict as exc:
                    counts["failed"] += 1
                    errors.append([a["id"], person["name"], mask_id_number(person["id_number"]), paper_type.label,
                                   category.label if category else "", exc.message])
                    continue
                new.append(Paper(assessment_id=a["id"], physician_id=person["id"], cycle_id=cycle.id,
                                 paper_type=paper_type, category=category.value if category else "",
                                 purpose=PaperPurpose.FIRST, attempt_no=1, question_ids=ids, option_orders=orders))
        if new:
            async with in_transaction() as conn:
                await Paper.bulk_create(new, batch_size=200, ignore_conflicts=True, using_db=conn)
                await mark_in_use({qid for p in new for qid in p.question_ids}, conn)
            counts["drawn"] += len(new)
        processed += len(batch)
        if job is not None:
            await jobs.report_progress(job, total=max(total, processed), processed=processed,
                                       succeeded=counts["drawn"] + counts["existing"], failed=counts["failed"])
    actor = None
    if job is not None:
        actor = Actor(kind="staff", role=Role.ADMINISTRATION, token="", account_id=job.owner_account_id,
                      org_id=job.org_id, ip=job.params.get("ip"))
        if errors:
            report = write_rows(["考核记录ID", "姓名", "证件号码", "试卷", "执业类别", "错误原因"], errors,
                                title="抽卷失败")
            await jobs.attach_file(job, report, filename="抽卷错误报告.xlsx", errors=True)
        await jobs.report_progress(job, total=processed, processed=processed, message=(
            f"抽卷完成：新抽取{counts['drawn']}份，已有{counts['existing']}份，失败{counts['failed']}份"))
        await jobs.set_outcome(job, counts)
    await audit.record(actor, "paper.draw_cycle", "cycle", cycle.id, after=counts)
    return counts
