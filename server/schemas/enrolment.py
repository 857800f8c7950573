"""Request bodies of the physician's assessment workflow in the mini-program (SPEC §4):
the five enrolment steps (基本信息 / 执业信息 / 相关经历 / 工作成绩、职业道德自评 /
选择考核程序), 申请修改, 免考, 延期考核. Unknown fields are refused.

Drafts may leave fields empty (null); completeness is checked at 提交信息. Fields that
come from the registration data (姓名, 证件号码, 资格证书编号, 执业证书编号, 手机号)
are read-only: sending one is refused with ``read_only_field`` before anything else.
执业类别 and 医师级别 also come from the registration data but the physician may correct
them (pickers, only while the enrolment is editable, never through 申请修改); 从事专业 is
picked from the code list of ``server/schemas/specialties.py``.
The step bodies are chosen by the step in the path, so they are parsed here with
``parse_step`` (Chinese messages, stable codes) rather than by ``@validate``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, model_validator
from pydantic import ValidationError as PydanticError

from server.errors import ValidationFailed
from server.models import PhysicianLevel, PracticeCategory

REPORT_MAX = 2000  # 述职报告: 内容允许最多不超过 2000 字
SELF_TEXT_MAX = 1000
MAX_PROOFS = 20

STEPS: dict[str, str] = {
    "basic": "基本信息",
    "practice": "执业信息",
    "experience": "相关经历",
    "self_assessment": "工作成绩、职业道德自评",
    "procedure": "选择考核程序",
}
MODIFIABLE_STEPS = ("basic", "practice", "experience")  # 申请修改

# From the registration data (电子化注册), never from the physician.
READ_ONLY: dict[str, dict[str, str]] = {
    "basic": {"name": "姓名", "id_number": "证件号码", "phone": "手机号"},
    "practice": {"qualification_cert_no": "资格证书编号", "practice_cert_no": "执业证书编号"},
}
# From the registration data, correctable by the physician in 执业信息 (pickers) while the
# enrolment is editable; saved on the physician (exam rules read physician.level / category).
CORRECTABLE: dict[str, str] = {"category": "执业类别", "level": "医师级别"}
CATEGORIES = tuple(c.value for c in PracticeCategory)
LEVELS = tuple(lv.value for lv in PhysicianLevel)
READ_ONLY_FIELDS: dict[str, str] = {k: v for fields in READ_ONLY.values() for k, v in fields.items()}

ID_TYPES = ("身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证", "其他")
ETHNICITIES = (  # 民族: the 56 names of GB/T 3304, in its order
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
)
EDUCATIONS = ("博士研究生", "硕士研究生", "本科", "大专", "中专", "其他")
TITLES = ("正高级（主任）", "副高级（副主任）", "中级（主治）", "初级（师级）", "初级（士级）", "无")

S16 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
S32 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
S64 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
S128 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=128,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
SelfText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=SELF_TEXT_MAX)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check_dates(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise ValueError("结束时间不能早于开始时间")
    for d in (start, end):
        if d and (d.year < 1900 or d > date.today()):
            raise ValueError("日期超出有效范围")


# --- the five steps ----------------------------------------------------------------------
class BasicStep(Strict):
    """(1) 基本信息 — 照片 is uploaded separately (POST /enrolment/photo)."""

    gender: Literal["男", "女"] | None = Field(default=None, title="性别")
    ethnicity: Literal[ETHNICITIES] | None = Field(default=None, title="民族")  # type: ignore[valid-type]
    birth_date: date | None = Field(default=None, title="出生年月")
    id_type: Literal[ID_TYPES] | None = Field(default=None, title="证件类型")  # type: ignore[valid-type]
    education: Literal[EDUCATIONS] | None = Field(default=None, title="学历")  # type: ignore[valid-type]
    email: Email | None = Field(default=None, title="电子邮件")

    @model_validator(mode="after")
    def _dates(self) -> BasicStep:
        _check_dates(self.birth_date, None)
        return self


class PracticeStep(Strict):
    """(1) 执业信息 — 科室 from the institution's departments."""

    department_id: int | None = Field(default=None, ge=1, title="科室")
    category: Literal[CATEGORIES] | None = Field(default=None, title="执业类别")  # type: ignore[valid-type]
    level: Literal[LEVELS] | None = Field(default=None, title="医师级别")  # type: ignore[valid-type]
    specialties: list[S64] | None = Field(default=None, max_length=5, title="从事专业")
    title: Literal[TITLES] | None = Field(default=None, title="职称")  # type: ignore[valid-type]
    title_date: date | None = Field(default=None, title="取得时间")
    position: S32 | None = Field(default=None, title="职务")
    position_date: date | None = Field(default=None, title="任职时间")
    is_resident: bool | None = Field(default=None, title="规培生")
    practice_scope: S64 | None = Field(default=None, title="执业范围")
    employment: Literal["在职", "返聘"] | None = Field(default=None, title="执业情况")

    @model_validator(mode="after")
    def _dates(self) -> PracticeStep:
        _check_dates(self.title_date, None)
        _check_dates(self.position_date, None)
        return self


class _Period(Strict):
    start_date: date | None = Field(default=None, title="开始时间")
    end_date: date | None = Field(default=None, title="结束时间")

    @model_validator(mode="after")
    def _dates(self) -> _Period:
        _check_dates(self.start_date, self.end_date)
        return self


class MultiSiteFiling(_Period):
    institution: S128 = Field(title="备案机构")
    practice_scope: S64 | None = Field(default=None, title="执业范围")


class EducationRecord(_Period):
    school: S128 = Field(title="学校")
    major: S64 | None = Field(default=None, title="专业")
    education: Literal[EDUCATIONS] = Field(title="学历")  # type: ignore[valid-type]


class PracticeRecord(_Period):
    institution: S128 = Field(title="执业机构")
    department: S64 | None = Field(default=None, title="科室")
    position: S32 | None = Field(default=None, title="职务")


class ExperienceStep(Strict):
    """(2) 相关经历: 多机构备案信息、教育经历（可直接填最高学历）、执业经历."""

    multi_site: list[MultiSiteFiling] | None = Field(default=None, max_length=10, title="多机构备案信息")
    education: list[EducationRecord] | None = Field(default=None, max_length=10, title="教育经历")
    practice_history: list[PracticeRecord] | None = Field(default=None, max_length=20, title="执业经历")


class SelfAssessmentStep(Strict):
    """(3) 执业行为记录、工作成绩、职业道德自评 (业务水平自评: required for 简易程序)."""

    practice_conduct: SelfText | None = Field(default=None, title="执业行为记录")
    work_performance: SelfText | None = Field(default=None, title="工作成绩自评")
    ethics: SelfText | None = Field(default=None, title="职业道德自评")
    professional_level: SelfText | None = Field(default=None, title="业务水平自评")
    # one entry per item of the province's 考核内容 (编辑考核内容), in its order, by group
    item_texts: dict[Literal["work_performance", "ethics", "professional_level"], list[SelfText]] | None = Field(
        default=None, title="逐项自评")


class SimpleProcedure(Strict):
    """(4) 申请简易程序: the conditions met (indexes into the cycle's list), proofs, 述职报告."""

    procedure: Literal["simple"] = Field(title="考核程序")
    conditions: list[Annotated[int, Field(ge=0, le=99)]] = Field(default_factory=list, max_length=30,
                                                                  title="简易程序条件")
    proof_ids: list[UUID] = Field(default_factory=list, max_length=MAX_PROOFS, title="证明材料")
    report: str = Field(default="", max_length=REPORT_MAX, title="述职报告")

    @model_validator(mode="after")
    def _unique(self) -> SimpleProcedure:
        self.conditions = sorted(set(self.conditions))
        self.proof_ids = list(dict.fromkeys(self.proof_ids))
        return self


class GeneralProcedure(Strict):
    """(4) 申请一般程序: nothing but the choice."""

    procedure: Literal["general"] = Field(title="考核程序")


ProcedureStep = Annotated[SimpleProcedure | GeneralProcedure, Field(discriminator="procedure")]

STEP_MODELS: dict[str, Any] = {
    "basic": TypeAdapter(BasicStep),
    "practice": TypeAdapter(PracticeStep),
    "experience": TypeAdapter(ExperienceStep),
    "self_assessment": TypeAdapter(SelfAssessmentStep),
    "procedure": TypeAdapter(ProcedureStep),
}


# --- the other bodies --------------------------------------------------------------------
class ModificationRequest(Strict):
    """申请修改: an optional note on what is to be changed."""

    note: str = Field(default="", max_length=200, description="修改说明")


class ExemptionApply(Strict):
    """申请免考: the province's reasons that apply, the proofs, a note."""

    reason_ids: list[int] = Field(min_length=1, max_length=20, description="免考理由")
    proof_ids: list[UUID] = Field(min_length=1, max_length=MAX_PROOFS, description="证明材料")
    note: str = Field(default="", max_length=500, description="说明")


class DelayApply(Strict):
    """申请延期考核: the reason is required."""

    reason: str = Field(min_length=1, max_length=500, description="延期理由")


# --- parsing with Chinese messages -------------------------------------------------------
_MESSAGES = {
    "missing": "{label}为必填项",
    "string_too_short": "{label}不能为空",
    "string_too_long": "{label}不能超过{max_length}字",
    "too_long": "{label}最多{max_length}项",
    "too_short": "{label}至少{min_length}项",
    "literal_error": "{label}取值无效",
    "union_tag_invalid": "{label}取值无效",
    "union_tag_not_found": "{label}为必填项",
    "extra_forbidden": "包含不支持的填写项（已拒绝保存）",
    "string_pattern_mismatch": "{label}格式有误",
    "greater_than_equal": "{label}取值无效",
    "less_than_equal": "{label}取值无效",
    "int_parsing": "{label}必须是数字",
    "int_type": "{label}必须是数字",
    "bool_parsing": "{label}必须是“是”或“否”",
    "bool_type": "{label}必须是“是”或“否”",
}

_LABELS: dict[str, str] = {"procedure": "考核程序", "self_assessment": "工作成绩、职业道德自评"}
for _model in (BasicStep, PracticeStep, _Period, MultiSiteFiling, EducationRecord, PracticeRecord, ExperienceStep,
               SelfAssessmentStep, SimpleProcedure, ExemptionApply, DelayApply):
    for _name, _info in _model.model_fields.items():
        _LABELS.setdefault(_name, _info.title or _info.description or _name)


def field_label(name: str) -> str:
    return _LABELS.get(name, READ_ONLY_FIELDS.get(name, name))


def _problem(e: dict[str, Any]) -> dict[str, Any]:
    loc = [p for p in e.get("loc", ()) if p not in ("simple", "general")]
    names = [p for p in loc if isinstance(p, str)]
    field = ".".join(str(p) for p in loc)
    label = field_label(names[-1]) if names else "输入内容"
    if len(loc) > 1 and isinstance(loc[1], int):
        label = f"{field_label(str(loc[0]))}第{loc[1] + 1}项：{label}"
    kind = e.get("type", "invalid")
    if kind == "value_error":
        message = str(e.get("msg", "")).removeprefix("Value error, ")
    elif kind in _MESSAGES:
        message = _MESSAGES[kind].format(label=label, field=field, **(e.get("ctx") or {}))
    else:
        message = f"{label}格式有误"
    return {"field": field, "problem": kind, "message": message}


def validate(adapter: TypeAdapter, raw: Any) -> Any:
    """Validate with the adapter; failures become 422 ``invalid_input`` with Chinese details."""
    if not isinstance(raw, dict):
        raise ValidationFailed("请求内容必须是JSON对象", code="invalid_input")
    try:
        return adapter.validate_python(raw)
    except PydanticError as exc:
        details = [_problem(e) for e in exc.errors()]
        raise ValidationFailed(details[0]["message"] if details else "输入内容有误", code="invalid_input",
                               details=details) from None


def refuse_read_only(raw: Any, *, locked_message: str = "") -> None:
    """Registry fields may not be sent at all (422 ``read_only_field``)."""
    if not isinstance(raw, dict):
        return
    sent = [k for k in raw if k in READ_ONLY_FIELDS]
    if sent:
        labels = "、".join(READ_ONLY_FIELDS[k] for k in sent)
        raise ValidationFailed(locked_message or f"{labels}来源于电子化注册系统，不允许修改", code="read_only_field",
                               details=[{"field": k, "problem": "read_only", "message": f"{READ_ONLY_FIELDS[k]}不允许修改"}
                                        for k in sent])


def parse_step(step: str, raw: Any, *, partial: bool = False) -> dict[str, Any]:
    """One step's draft as stored (JSON-safe). ``partial``: only the fields sent (保存 merges them
    into the draft, so fields not sent keep their values); otherwise every field present."""
    if step not in STEP_MODELS:
        raise ValidationFailed("报名步骤不存在", code="unknown_step")
    refuse_read_only(raw)
    model = validate(STEP_MODELS[step], raw)
    return model.model_dump(mode="json", exclude_unset=partial)


def parse_modification(raw: Any) -> dict[str, dict[str, Any]]:
    """申请修改 edits: {basic?, practice?, experience?}, each partial (only the fields sent)."""
    if not isinstance(raw, dict) or not raw:
        raise ValidationFailed("请填写要修改的信息", code="no_changes")
    unknown = [k for k in raw if k not in MODIFIABLE_STEPS]
    if unknown:
        raise ValidationFailed("仅可修改基本信息、执业信息和相关经历", code="invalid_input",
                               details=[{"field": k, "problem": "extra_forbidden", "message": "仅可修改基本信息、执业信息和相关经历"}
                                        for k in unknown])
    out: dict[str, dict[str, Any]] = {}
    for step, body in raw.items():
        if isinstance(body, dict) and any(k in body for k in CORRECTABLE):
            labels = "、".join(v for k, v in CORRECTABLE.items() if k in body)
            raise ValidationFailed(f"{labels}仅可在报名阶段修改", code="read_only_field",
                                   details=[{"field": k, "problem": "read_only", "message": f"{v}仅可在报名阶段修改"}
                                            for k, v in CORRECTABLE.items() if k in body])
        if isinstance(body, dict) and any(k in body for k in ("name", "id_number")):
            refuse_read_only(body, locked_message="姓名和证件号码不允许修改")
        refuse_read_only(body)
        model = validate(STEP_MODELS[step], body)
        out[step] = model.model_dump(mode="json", exclude_unset=True)
    return out


def parse_resubmit(raw: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """重新选择考核程序: the procedure step's fields, plus an optional ``self_assessment``."""
    if not isinstance(raw, dict):
        raise ValidationFailed("请求内容必须是JSON对象", code="invalid_input")
    body = dict(raw)
    self_raw = body.pop("self_assessment", None)
    procedure = parse_step("procedure", body)
    self_assessment = parse_step("self_assessment", self_raw) if self_raw is not None else None
    return procedure, self_assessment
