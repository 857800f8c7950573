"""Demo data for the embedded default: a province with cities and counties, its
administrations, a few hospitals (one an assessment institution), departments,
a few hundred physicians and an open cycle. Seeded only into an empty database."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from tortoise.transactions import in_transaction

from server.demo_questions import seed_demo_bank
from server.models import (
    DEFAULT_EVALUATION_ITEMS,
    DEFAULT_EXAM_SETTINGS,
    DEFAULT_SIMPLE_CONDITIONS,
    AccountStatus,
    AssessmentAssignment,
    Cycle,
    Department,
    ExemptionReason,
    Organisation,
    OrgKind,
    PaperType,
    PasswordRule,
    Physician,
    PhysicianLevel,
    PracticeCategory,
    Region,
    RegionLevel,
    StaffAccount,
)
from server.security import id_check_digit

DEMO_LOGINS = """Demo logins (initial password 666666; the first login asks for a new one):
  全国定考办              national
  广西壮族自治区卫健委    gx-admin      (省级: 本周期考核设置)
  南宁市卫健委            nn-admin
  青秀区卫健委            qx-admin
  广西医科大学第一附属医院 gxmu1        (卫生机构 + 考核机构, 身份切换)
  南宁市第一人民医院      nn1h
  柳州市人民医院          lzph
  广西医师协会            gx-mda        (行业组织)
Physicians log in in the mini-program API with their ID number and 666666 (one is
printed below once the demo is seeded; `python -m scripts.seed_demo --list` shows more)."""

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韦覃蒙莫"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂兰华建国志红玲燕波辉"


def make_id_number(area: str, birth: date, seq: int) -> str:
    first17 = f"{area}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_digit(first17)


async def _region(code: str, name: str, level: RegionLevel, parent: Region | None) -> Region:
    region = await Region.create(code=code, name=name, level=level, parent=parent, path="")
    region.path = f"{parent.path if parent else '/'}{region.id}/"
    await region.save(update_fields=["path"])
    return region


async def _org(name: str, kind: OrgKind, region: Region, code: str, **extra) -> Organisation:
    org = await Organisation.create(name=name, kind=kind, region=region, region_path=region.path, **extra)
    await StaffAccount.create(code=code, org=org, status=AccountStatus.ACTIVE)
    return org


async def seed_demo(*, physicians: int = 300, seed: int = 7) -> None:
    rng = random.Random(seed)
    async with in_transaction():
        china = await _region("100000", "国家", RegionLevel.NATIONAL, None)
        gx = await _region("450000", "广西壮族自治区", RegionLevel.PROVINCE, china)
        nanning = await _region("450100", "南宁市", RegionLevel.CITY, gx)
        liuzhou = await _region("450200", "柳州市", RegionLevel.CITY, gx)
        qingxiu = await _region("450103", "青秀区", RegionLevel.COUNTY, nanning)
        xingning = await _region("450102", "兴宁区", RegionLevel.COUNTY, nanning)
        chengzhong = await _region("450202", "城中区", RegionLevel.COUNTY, liuzhou)
        await _region("450203", "鱼峰区", RegionLevel.COUNTY, liuzhou)

        await _org("国家卫生健康委员会（全国定考办）", OrgKind.ADMINISTRATION, china, "national")
        await _org("广西壮族自治区卫生健康委员会", OrgKind.ADMINISTRATION, gx, "gx-admin")
        await _org("南宁市卫生健康委员会", OrgKind.ADMINISTRATION, nanning, "nn-admin")
        await _org("柳州市卫生健康委员会", OrgKind.ADMINISTRATION, liuzhou, "lz-admin")
        await _org("南宁市青秀区卫生健康局", OrgKind.ADMINISTRATION, qingxiu, "qx-admin")
        await _org("广西医师协会", OrgKind.INDUSTRY_ORG, gx, "gx-mda")
        gxmu1 = await _org(
            "广西医科大学第一附属医院", OrgKind.HEALTH_INSTITUTION, qingxiu, "gxmu1",
            is_assessment_institution=True, may_apply_assessment=True, credit_code="12450000498500467Q",
        )
        nn1h = await _org("南宁市第一人民医院", OrgKind.HEALTH_INSTITUTION, qingxiu, "nn1h")
        xnh = await _org("南宁市兴宁区人民医院", OrgKind.HEALTH_INSTITUTION, xingning, "xnh")
        lzph = await _org("柳州市人民医院", OrgKind.HEALTH_INSTITUTION, chengzhong, "lzph",
                          is_assessment_institution=True)
        for inst in (gxmu1, nn1h, xnh):
            await AssessmentAssignment.create(assessor=gxmu1, institution=inst)
        await AssessmentAssignment.create(assessor=lzph, institution=lzph)

        hospitals = [gxmu1, nn1h, xnh, lzph]
        depts: dict[int, list[Department]] = {}
        for h in hospitals:
            depts[h.id] = []
            for top, subs in {"内科": ["心血管内科", "呼吸内科"], "外科": ["普外科", "骨科"], "儿科": [], "中医科": []}.items():
                parent = await Department.create(org=h, name=top, level=1)
                depts[h.id].append(parent)
                for sub in subs:
                    depts[h.id].append(await Department.create(org=h, parent=parent, name=sub, level=2))

        rows = []
        for i in range(physicians):
            h = hospitals[i % len(hospitals)]
            birth = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 38))
            area = "450103" if h.region_path.count("/") > 3 else "450100"
            id_number = make_id_number(area, birth, i)
            category = rng.choice([PracticeCategory.CLINICAL] * 6 + [PracticeCategory.TCM, PracticeCategory.DENTAL,
                                                                       PracticeCategory.PUBLIC_HEALTH])
            rows.append(Physician(
                id_number=id_number,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else ""),
                gender="男" if int(id_number[16]) % 2 else "女",
                birth_date=birth,
                qualification_cert_no=f"2004{rng.randint(10**10, 10**11 - 1)}",
                practice_cert_no=f"1104{rng.randint(10**10, 10**11 - 1)}",
                level=PhysicianLevel.ASSISTANT if rng.random() < 0.15 else PhysicianLevel.PHYSICIAN,
                category=category,
                practice_scope={"clinical": "内科专业", "tcm": "中医专业", "dental": "口腔专业",
                                "public_health": "公共卫生类别专业"}[category.value],
                institution=h,
                department=rng.choice(depts[h.id]),
                region_path=h.region_path,
            ))
        await Physician.bulk_create(rows, batch_size=500)

        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        day = timedelta(days=1)
        cycle = await Cycle.create(
            province=gx, name="2025-2027年度考核周期", start_date=date(2025, 1, 1), end_date=date(2027, 12, 31),
            enrol_start=now - 7 * day, enrol_end=now + 40 * day,
            evaluation_start=now - 7 * day, evaluation_end=now + 50 * day,
            exam_start=now + 55 * day, exam_end=now + 85 * day,
            judging_start=now + 86 * day, judging_end=now + 100 * day,
            delay_deadline=now + 54 * day,
            reexam_start=now + 200 * day, reexam_end=now + 230 * day,
            evaluation_items=DEFAULT_EVALUATION_ITEMS, exam_settings=DEFAULT_EXAM_SETTINGS,
            simple_conditions=DEFAULT_SIMPLE_CONDITIONS,
            # the demo's province hands out 666666 (a province's choice; the default is a code to the
            # registry's phone, issue #15)
            physician_password_rule=PasswordRule.FIXED,
        )
        await ExemptionReason.create(cycle=cycle, paper=PaperType.HUMANITIES, text="考核周期内年满60周岁及以上")
        await ExemptionReason.create(cycle=cycle, paper=PaperType.PROFESSIONAL,
                                     text="考核周期内取得高一级专业技术职务任职资格")
        await seed_demo_bank()  # the national demo question bank (题库)


async def seed_if_empty() -> bool:
    if await Region.exists():
        return False
    await seed_demo()
    return True


async def print_demo_physician() -> None:
    first = await Physician.filter(registry_status="active").order_by("id").first()
    if first is not None:
        print(f"Demo physician: 证件号码 {first.id_number} / 666666 ({first.name})", flush=True)
