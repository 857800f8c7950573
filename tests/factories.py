"""Factory helpers: regions, organisations, accounts, physicians, sessions."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import httpx

from server.demo import make_id_number
from server.models import (
    AccountStatus,
    AssessmentAssignment,
    Organisation,
    OrgKind,
    Physician,
    Region,
    RegionLevel,
    StaffAccount,
)
from server.security import hash_password
from server.services.access import Role, default_role
from server.services.accounts import sessions
from server.services.accounts.staff_auth import staff_session_data
from server.services.platform.runtime import rt

_seq = itertools.count(1)
STRONG = "Passw0rd-2026"


async def make_region(code: str, name: str, level: RegionLevel, parent: Region | None = None) -> Region:
    region = await Region.create(code=code, name=name, level=level, parent=parent, path="")
    region.path = f"{parent.path if parent else '/'}{region.id}/"
    await region.save(update_fields=["path"])
    return region


async def make_org(
    name: str,
    kind: OrgKind,
    region: Region,
    *,
    code: str | None = None,
    status: AccountStatus = AccountStatus.ACTIVE,
    password: str | None = None,
    **extra,
) -> Organisation:
    org = await Organisation.create(name=name, kind=kind, region=region, region_path=region.path, **extra)
    await StaffAccount.create(
        code=code or f"acct{next(_seq)}",
        org=org,
        status=status,
        password_hash=await hash_password(password) if password else None,
        must_change_password=password is None,
    )
    return org


async def make_physician(org: Organisation, *, n: int | None = None, **extra) -> Physician:
    i = n if n is not None else next(_seq)
    id_number = extra.pop("id_number", None) or make_id_number("450103", date(1980, 1, 1 + i % 28), i)
    return await Physician.create(
        id_number=id_number,
        name=extra.pop("name", f"医师{i}"),
        institution=org,
        region_path=org.region_path,
        **extra,
    )


async def account_of(org: Organisation) -> StaffAccount:
    return await StaffAccount.get(org_id=org.id)


async def token_for(org: Organisation, role: Role | None = None, *, must_change: bool = False) -> str:
    """A session for the organisation's account, made directly (no captcha round trip)."""
    account = await account_of(org)
    await org.fetch_related("region")
    data = staff_session_data(account, org, role or default_role(org.kind))
    data["must_change_password"] = must_change
    return await sessions.create_session(sessions.staff_subject(account.id), data)


async def physician_token(physician: Physician, *, setup_done: bool = True) -> str:
    """A mini-program session for the physician, made directly (no login round trip).
    setup_done=True: as after 初始化设置 (password changed, phone bound)."""
    from server.services.accounts.physician_auth import physician_session_data

    data = physician_session_data(physician)
    if setup_done:
        data.update(must_change_password=False, needs_phone=False)
    return await sessions.create_session(sessions.physician_subject(physician.id), data)


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def wait_for_job(client: httpx.AsyncClient, token: str, job_id: str, *, within: float = 60.0) -> dict:
    """Poll GET /api/v1/admin/jobs/<id> until the background job has finished (bounded)."""
    import asyncio
    import time

    deadline = time.monotonic() + within
    while True:
        r = await client.get(f"/api/v1/admin/jobs/{job_id}", headers=auth(token))
        assert r.status_code == 200, r.text
        body = r.json()
        if body["finished"]:
            return body
        assert time.monotonic() < deadline, f"job {job_id} did not finish within {within}s: {body}"
        await asyncio.sleep(0.02)


async def captcha(client: httpx.AsyncClient) -> tuple[str, str]:
    """Fetch a captcha the way the console does, and read its answer from Redis."""
    r = await client.get("/api/v1/captcha")
    assert r.status_code == 200
    captcha_id = r.json()["captcha_id"]
    answer = await rt().redis.get(f"captcha:{captcha_id}")
    return captcha_id, answer.decode()


async def login(client: httpx.AsyncClient, code: str, password: str = "666666") -> httpx.Response:
    captcha_id, answer = await captcha(client)
    return await client.post(
        "/api/v1/admin/auth/login",
        json={"code": code, "password": password, "captcha_id": captcha_id, "captcha": answer},
    )


@dataclass
class World:
    """Two provinces, so that every jurisdiction rule has an outside to refuse."""

    china: Region
    gx: Region
    nanning: Region
    liuzhou: Region
    qingxiu: Region
    xingning: Region
    chengzhong: Region
    gz: Region
    guiyang: Region
    national: Organisation
    gx_admin: Organisation
    nn_admin: Organisation
    lz_admin: Organisation
    qx_admin: Organisation
    gz_admin: Organisation
    hospital: Organisation  # 青秀区, also an assessment institution
    hospital2: Organisation  # 青秀区, assessed by `hospital`
    hospital3: Organisation  # 兴宁区, not assigned
    lz_hospital: Organisation  # 柳州 城中区
    gz_hospital: Organisation  # another province
    industry: Organisation


async def make_world() -> World:
    china = await make_region("100000", "国家", RegionLevel.NATIONAL)
    gx = await make_region("450000", "广西壮族自治区", RegionLevel.PROVINCE, china)
    nanning = await make_region("450100", "南宁市", RegionLevel.CITY, gx)
    liuzhou = await make_region("450200", "柳州市", RegionLevel.CITY, gx)
    qingxiu = await make_region("450103", "青秀区", RegionLevel.COUNTY, nanning)
    xingning = await make_region("450102", "兴宁区", RegionLevel.COUNTY, nanning)
    chengzhong = await make_region("450202", "城中区", RegionLevel.COUNTY, liuzhou)
    gz = await make_region("520000", "贵州省", RegionLevel.PROVINCE, china)
    guiyang = await make_region("520100", "贵阳市", RegionLevel.CITY, gz)
    A, H, IND = OrgKind.ADMINISTRATION, OrgKind.HEALTH_INSTITUTION, OrgKind.INDUSTRY_ORG
    w = World(
        china=china, gx=gx, nanning=nanning, liuzhou=liuzhou, qingxiu=qingxiu, xingning=xingning,
        chengzhong=chengzhong, gz=gz, guiyang=guiyang,
        national=await make_org("全国定考办", A, china, code="national"),
        gx_admin=await make_org("广西卫健委", A, gx, code="gx-admin"),
        nn_admin=await make_org("南宁市卫健委", A, nanning, code="nn-admin"),
        lz_admin=await make_org("柳州市卫健委", A, liuzhou, code="lz-admin"),
        qx_admin=await make_org("青秀区卫健局", A, qingxiu, code="qx-admin"),
        gz_admin=await make_org("贵州卫健委", A, gz, code="gz-admin"),
        hospital=await make_org("广西医科大学第一附属医院", H, qingxiu, code="gxmu1",
                                is_assessment_institution=True, may_apply_assessment=True),
        hospital2=await make_org("南宁市第一人民医院", H, qingxiu, code="nn1h"),
        hospital3=await make_org("兴宁区人民医院", H, xingning, code="xnh"),
        lz_hospital=await make_org("柳州市人民医院", H, chengzhong, code="lzph"),
        gz_hospital=await make_org("贵阳市第一人民医院", H, guiyang, code="gyh"),
        industry=await make_org("广西医师协会", IND, gx, code="gx-mda"),
    )
    await AssessmentAssignment.create(assessor=w.hospital, institution=w.hospital)
    await AssessmentAssignment.create(assessor=w.hospital, institution=w.hospital2)
    return w
