"""快速注册 and 注册审核 (issue #12, the Xinjiang guide): where the province opens it for its current
cycle (`Cycle.self_registration`), a physician who is not in the registry registers in the
mini-program (ID number checked: format, birth date, check digit; not registered already) with the
institution they practise at, and that institution decides: 通过 → 在册 (they may log in and enrol),
驳回 (with a reason) → the 暂存区 (注册审核未通过): the physician chooses the right institution and
submits again. Both outcomes are told in-app, by subscribe message and SMS; every move is audited.
A pending or rejected registration cannot log in."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from server.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from server.models import (
    AccountStatus,
    Cycle,
    HoldingReason,
    Organisation,
    OrgKind,
    Physician,
    PhysicianLevel,
    PracticeCategory,
    Region,
    RegistryStatus,
    StaffAccount,
)
from server.models.geo import province_id_of_path
from server.schemas.common import Labelled, Page, Ref
from server.schemas.registration import (
    InstitutionOption,
    PendingQuery,
    PendingRegistration,
    RegistrationState,
)
from server.security import (
    birth_date_from_id,
    gender_from_id,
    hash_password,
    id_number_problem,
    mask_id_number,
    normalise_id_number,
    password_problem,
    verify_password,
)
from server.services import audit
from server.services.access import Actor, Role
from server.services.notify import notices
from server.services.registry.province_switches import set_cycle_switch

SUBMITTED = "注册信息已提交，请等待执业机构注册审核，审核结果将以站内消息及短信形式通知"


async def _open_institution(institution_id: int) -> Organisation:
    """An active health institution of a province whose current cycle opened 快速注册."""
    org = await Organisation.get_or_none(id=institution_id, kind=OrgKind.HEALTH_INSTITUTION)
    if org is None or not await StaffAccount.filter(org_id=org.id, status=AccountStatus.ACTIVE).exists():
        raise NotFound("执业机构不存在", code="institution_not_found")
    province_id = province_id_of_path(org.region_path)
    if not await Cycle.filter(province_id=province_id, is_current=True, self_registration=True).exists():
        raise Forbidden("本省未开放快速注册，请联系所在执业机构导入医师信息", code="registration_closed")
    return org


async def search_institutions(*, province_code: str | None, name: str) -> list[InstitutionOption]:
    """搜索执业机构: active health institutions of the province (or of every province) that opened
    快速注册, at most 20."""
    open_ids = set(await Cycle.filter(is_current=True, self_registration=True).values_list("province_id", flat=True))
    provinces = await Region.filter(id__in=list(open_ids))
    if province_code:
        provinces = [p for p in provinces if p.code == province_code]
    if not provinces:
        return []
    scope = Q()
    for p in provinces:
        scope |= Q(region_path__startswith=p.path)
    rows = await Organisation.filter(scope, kind=OrgKind.HEALTH_INSTITUTION, name__contains=name.strip()) \
        .order_by("name").limit(20).values("id", "name", "region__name")
    return [InstitutionOption(id=r["id"], name=r["name"], region=r["region__name"] or "") for r in rows]


async def register(*, name: str, id_number: str, institution_id: int, category: PracticeCategory,
                   level: PhysicianLevel, qualification_cert_no: str, practice_cert_no: str,
                   password: str) -> RegistrationState:
    """快速注册: a new physician waiting for the institution's 注册审核."""
    problem = id_number_problem(id_number)
    if problem:
        raise ValidationFailed(problem, code="invalid_id_number")
    number = normalise_id_number(id_number)
    problem = password_problem(password, initial="666666")
    if problem:
        raise ValidationFailed(problem.replace("新密码", "密码"), code="weak_password")
    org = await _open_institution(institution_id)
    if await Physician.filter(id_number=number).exists():
        raise Conflict("该证件号码已注册，请直接登录；忘记密码可通过短信验证码重置", code="already_registered")
    try:
        async with in_transaction() as conn:
            physician = await Physician.create(
                id_number=number, name=name.strip(), gender=gender_from_id(number), birth_date=birth_date_from_id(number),
                institution_id=org.id, region_path=org.region_path, category=category, level=level,
                qualification_cert_no=qualification_cert_no.strip(), practice_cert_no=practice_cert_no.strip(),
                registry_status=RegistryStatus.PENDING, password_hash=await hash_password(password),
                must_change_password=False, using_db=conn)
            await audit.record(Actor(kind="physician", role=Role.PHYSICIAN, token="", physician_id=physician.id),
                               "physician.self_register", "physician", physician.id,
                               after={"institution_id": org.id}, using_db=conn)
    except IntegrityError:
        raise Conflict("该证件号码已注册，请直接登录", code="already_registered") from None
    return RegistrationState(status=Labelled.of(RegistryStatus.PENDING), institution=Ref(id=org.id, name=org.name),
                             message=SUBMITTED)


async def resubmit(*, id_number: str, password: str, institution_id: int) -> RegistrationState:
    """注册审核未通过 → choose the right institution and submit again (ID number + password)."""
    physician = await Physician.get_or_none(id_number=normalise_id_number(id_number))
    if physician is None or physician.password_hash is None or \
            not await verify_password(physician.password_hash, password or "", initial=""):
        raise Unauthorized("证件号码或密码错误", code="bad_credentials")
    if not (physician.registry_status == RegistryStatus.HOLDING
            and physician.holding_reason == HoldingReason.REGISTRATION_REJECTED) \
            and physician.registry_status != RegistryStatus.PENDING:
        raise Conflict("当前没有待修改的注册信息", code="not_a_registration")
    org = await _open_institution(institution_id)
    async with in_transaction() as conn:
        await Physician.filter(id=physician.id).using_db(conn).update(
            institution_id=org.id, region_path=org.region_path, registry_status=RegistryStatus.PENDING,
            holding_reason=None)
        await audit.record(Actor(kind="physician", role=Role.PHYSICIAN, token="", physician_id=physician.id),
                           "physician.resubmit_registration", "physician", physician.id,
                           before={"institution_id": physician.institution_id}, after={"institution_id": org.id},
                           using_db=conn)
    return RegistrationState(status=Labelled.of(RegistryStatus.PENDING), institution=Ref(id=org.id, name=org.name),
                             message=SUBMITTED)


async def pending(*, actor: Actor, query: PendingQuery) -> Page[PendingRegistration]:
    """注册审核: the registrations waiting for this institution."""
    if actor.role != Role.HEALTH_INSTITUTION:
        raise Forbidden("仅执业机构可以进行注册审核", code="wrong_role")
    qs = Physician.filter(institution_id=actor.org_id, registry_status=RegistryStatus.PENDING)
    count = await qs.count()
    rows = await qs.order_by("id").offset(query.offset).limit(query.size)
    return Page.of([PendingRegistration(physician_id=p.id, name=p.name, id_number=mask_id_number(p.id_number),
                                        category=Labelled.of(p.category), level=Labelled.of(p.level),
                                        registered_at=p.created_at) for p in rows], count, query)


async def decide(*, actor: Actor, physician_id: int, approve: bool, reason: str = "") -> None:
    """通过 → 在册; 驳回 (reason required) → 暂存区 (注册审核未通过); the physician is told."""
    if actor.role != Role.HEALTH_INSTITUTION:
        raise Forbidden("仅执业机构可以进行注册审核", code="wrong_role")
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationFailed("请填写驳回理由", code="reason_required")
    async with in_transaction() as conn:
        p = await Physician.filter(id=physician_id).using_db(conn).select_for_update().first()
        if p is None or p.institution_id != actor.org_id:
            raise NotFound("注册信息不存在", code="registration_not_found")
        if p.registry_status != RegistryStatus.PENDING:
            raise Conflict("该注册信息已审核", code="registration_decided")
        if approve:
            await Physician.filter(id=p.id).using_db(conn).update(registry_status=RegistryStatus.ACTIVE)
            title, body = "注册审核通过", "您的注册信息已通过执业机构审核，请登录定考通完成报名。"
        else:
            await Physician.filter(id=p.id).using_db(conn).update(
                registry_status=RegistryStatus.HOLDING, holding_reason=HoldingReason.REGISTRATION_REJECTED)
            title = "注册审核未通过"
            body = f"您的注册信息未通过执业机构审核，请选择正确的执业机构后重新提交。理由：{reason}"
        await notices.physician_message(conn=conn, physician_id=p.id, template="registration_decision", title=title,
                                        body=body, data={"approved": approve})
        await audit.record(actor, "physician.registration_" + ("approve" if approve else "reject"), "physician", p.id,
                           after={"reason": reason}, using_db=conn)


async def set_open(*, actor: Actor, cycle_id: int, enabled: bool) -> bool:
    """The province opens or closes 快速注册 for its cycle (audited)."""
    return await set_cycle_switch(actor=actor, cycle_id=cycle_id, field="self_registration", enabled=enabled,
                                  audit_action="cycle.self_registration")
