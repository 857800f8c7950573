"""考核进度统计 / 考核结果统计: background snapshots with their 统计时间, per scope."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from openpyxl import load_workbook

from server.models import (
    Assessment,
    Cycle,
    DelayStatus,
    ExemptionStatus,
    Job,
    JobStatus,
    Physician,
    Procedure,
    RegistryStatus,
    StaffAccount,
    StatsSnapshot,
)
from server.models import AssessmentStatus as S
from server.services.access import Role
from server.services.reports import statistics
from tests.factories import World, auth, make_physician, make_world, token_for, wait_for_job

API = "/api/v1/admin"
G, SIMPLE = Procedure.GENERAL, Procedure.SIMPLE


@dataclass
class Fixture:
    """A known set of assessments in 广西 (and one in 贵州, outside)."""

    w: World
    cycle: Cycle
    physicians: dict[str, Physician] = field(default_factory=dict)
    assessments: dict[str, Assessment] = field(default_factory=dict)


async def make_cycle(province, current: bool = True) -> Cycle:
    return await Cycle.create(province=province, name="2024-2026周期", start_date=date(2024, 1, 1),
                              end_date=date(2026, 12, 31), is_current=current)


async def _add(fx: Fixture, key: str, org, n: int, status: S | None, procedure: Procedure | None = None,
               cycle: Cycle | None = None, **extra) -> None:
    p = await make_physician(org, n=n, name=f"医师{key}", phone=f"1380000{n:04d}")
    fx.physicians[key] = p
    if status is not None:
        fx.assessments[key] = await Assessment.create(
            physician=p, cycle=cycle or fx.cycle, institution_id=org.id, region_path=org.region_path,
            status=status, procedure=procedure, active=status not in (S.NOT_INCLUDED, S.LEFT), **extra)


async def seed_fixture() -> Fixture:
    """hospital2: 7 physicians (one without an assessment, one 未开通报名 row); hospital: 2;
    hospital3: 1 (+1 in the holding area); lz_hospital: 2; gz_hospital: 1 in 贵州's cycle."""
    w = await make_world()
    fx = Fixture(w, await make_cycle(w.gx))
    gz_cycle = await make_cycle(w.gz)
    await make_cycle(w.gx, current=False)  # an old cycle: never counted
    h2 = w.hospital2
    await _add(fx, "a", h2, 1, S.ENROL_REPORTED, G)
    await _add(fx, "b", h2, 2, S.ENROL_REPORTED, G)
    await _add(fx, "c", h2, 3, S.ENROLLED, SIMPLE)
    await _add(fx, "d", h2, 4, S.FAILED, G)
    await _add(fx, "e", h2, 5, S.AWAITING_EXAM, G, exemption=ExemptionStatus.APPROVED)
    await _add(fx, "f", h2, 6, None)
    await _add(fx, "g", h2, 7, S.NOT_INCLUDED)
    await _add(fx, "h", w.hospital, 8, S.EVALUATED, SIMPLE, delay=DelayStatus.HI_PENDING)
    await _add(fx, "i", w.hospital, 9, S.LEFT, G)
    await _add(fx, "j", w.hospital3, 10, S.INCLUDED)
    await _add(fx, "k", w.hospital3, 11, None)
    await Physician.filter(id=fx.physicians["k"].id).update(registry_status=RegistryStatus.HOLDING)
    await _add(fx, "l", w.lz_hospital, 12, S.AWAITING_EXAM, SIMPLE)
    await _add(fx, "m", w.lz_hospital, 13, S.FAILED, SIMPLE)
    await _add(fx, "z", w.gz_hospital, 14, S.FAILED, G, cycle=gz_cycle)
    return fx


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


async def refresh(client, token: str, kind: str) -> dict:
    r = await client.post(f"{API}/statistics/{kind}/refresh", headers=auth(token))
    assert r.status_code == 202, r.text
    job = await wait_for_job(client, token, r.json()["id"])
    assert job["status"]["value"] == "succeeded", job
    assert job["percent"] == 100
    r = await client.get(f"{API}/statistics/{kind}", headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()


H2_PROGRESS = {"physicians": 7, "taking_part": 5, "not_included": 2, "enrol_reported": 2, "enrolled": 1,
               "failed": 1, "awaiting_exam": 1, "exemption:approved": 1}


async def test_refresh_progress_counts_match_fixture_for_province(client):
    fx = await seed_fixture()
    w = fx.w
    before = datetime.now(UTC)
    body = await refresh(client, await token_for(w.gx_admin), "progress")
    computed_at = datetime.fromisoformat(body["computed_at"])
    assert before - timedelta(seconds=1) <= computed_at <= datetime.now(UTC)
    assert body["realtime"] is False and "不是实时统计" in body["notice"] and body["computed_at_text"]
    assert [c["id"] for c in body["cycles"]] == [fx.cycle.id]
    labels = {c["key"]: c["label"] for c in body["columns"]}
    assert labels["not_included"] == "未开通报名" and labels["left"] == "已退出当前周期"
    assert labels["exemption:approved"] == "免考-免考通过" and labels["delay:hi_pending"] == "延期-待卫生机构审批"
    by_inst = {r["id"]: nonzero(r["counts"]) for r in body["institutions"]}
    assert by_inst == {
        w.hospital2.id: H2_PROGRESS,
        w.hospital.id: {"physicians": 2, "taking_part": 2, "evaluated": 1, "left": 1, "delay:hi_pending": 1},
        w.hospital3.id: {"physicians": 1, "taking_part": 1, "included": 1},
        w.lz_hospital.id: {"physicians": 2, "taking_part": 2, "awaiting_exam": 1, "failed": 1},
    }
    regions = {r["name"]: nonzero(r["counts"]) for r in body["regions"]}
    assert set(regions) == {"南宁市", "柳州市"}
    assert regions["南宁市"] == {"physicians": 10, "taking_part": 8, "not_included": 2, "enrol_reported": 2,
                               "enrolled": 1, "failed": 1, "awaiting_exam": 1, "evaluated": 1, "left": 1,
                               "included": 1, "exemption:approved": 1, "delay:hi_pending": 1}
    assert regions["柳州市"] == by_inst[w.lz_hospital.id]
    assert body["total"]["physicians"] == 12 and body["total"]["taking_part"] == 10
    assert body["total"]["failed"] == 2 and body["total"]["not_included"] == 2


async def test_refresh_results_counts_procedure_by_result(client):
    fx = await seed_fixture()
    w = fx.w
    body = await refresh(client, await token_for(w.gx_admin), "results")
    labels = {c["key"]: c["label"] for c in body["columns"]}
    assert labels["simple:failed"] == "简易程序-不合格" and labels["general:violation"] == "一般程序-违纪不合格"
    by_inst = {r["id"]: nonzero(r["counts"]) for r in body["institutions"]}
    assert by_inst[w.hospital2.id] == {"general:in_progress": 3, "general:failed": 1, "general:total": 4,
                                       "simple:in_progress": 1, "simple:total": 1, "not_included": 1,
                                       "exempted": 1, "total": 6}
    assert by_inst[w.hospital.id] == {"simple:in_progress": 1, "simple:total": 1, "left": 1, "total": 2}
    assert by_inst[w.hospital3.id] == {"no_procedure": 1, "total": 1}
    assert by_inst[w.lz_hospital.id] == {"simple:in_progress": 1, "simple:failed": 1, "simple:total": 2, "total": 2}
    assert nonzero(body["total"]) == {"simple:in_progress": 3, "simple:failed": 1, "simple:total": 4,
                                      "general:in_progress": 3, "general:failed": 1, "general:total": 4,
                                      "not_included": 1, "left": 1, "no_procedure": 1, "exempted": 1, "total": 11}


async def test_results_count_every_outcome_once_and_add_up(client):
    """Every status of the state table lands in exactly one column, per institution and per region,
    and the totals are the number of assessments (合格, 再次考核合格, 不合格, 违纪不合格, 再次考核不合格 …)."""
    w = await make_world()
    fx = Fixture(w, await make_cycle(w.gx))
    n = 100
    orgs = (w.hospital, w.hospital2, w.lz_hospital)
    for i, status in enumerate(S):
        for procedure in (None, SIMPLE, G):
            org = orgs[(i + n) % len(orgs)]
            n += 1
            await _add(fx, f"s{n}", org, n, status, procedure)
    await _add(fx, "viol", w.hospital, 900, S.FAILED, G, violation=True, fail_reason="violation")
    await _add(fx, "again", w.hospital, 901, S.QUALIFIED, SIMPLE, no_promotion=True)
    await _add(fx, "exempt", w.hospital, 902, S.QUALIFIED, G, exemption=ExemptionStatus.APPROVED)
    body = await refresh(client, await token_for(w.gx_admin), "results")
    partition = [c["key"] for c in body["columns"] if c["key"] not in ("exempted", "total")
                 and not c["key"].endswith(":total")]
    per_org = {org.id: await Assessment.filter(cycle=fx.cycle, institution_id=org.id).count() for org in orgs}
    for row in body["institutions"] + body["regions"] + [{"name": "合计", "counts": body["total"]}]:
        counts = row["counts"]
        assert sum(counts[k] for k in partition) == counts["total"], row
        for p in Procedure:
            assert sum(counts[k] for k in partition if k.startswith(f"{p.value}:")) == counts[f"{p.value}:total"]
    for row in body["institutions"]:
        assert row["counts"]["total"] == per_org.get(row["id"], 0), row
    assert body["total"]["total"] == await Assessment.filter(cycle=fx.cycle).count()
    assert sum(r["counts"]["total"] for r in body["regions"]) == body["total"]["total"]
    t = body["total"]
    assert t["general:violation"] == 1 and t["simple:reexam_passed"] == 1 and t["exempted"] == 1
    assert t["simple:passed"] == 1 and t["general:passed"] == 2  # one per status and procedure, plus 'exempt'
    assert t["simple:final_failed"] == 1 and t["general:reexam"] == 2  # 待再次考核 + 再次考核待评定


async def test_assessment_institution_counts_its_assigned_institutions(client):
    fx = await seed_fixture()
    w = fx.w
    body = await refresh(client, await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION), "progress")
    assert {r["id"] for r in body["institutions"]} == {w.hospital.id, w.hospital2.id}
    assert body["regions"] == []
    assert body["total"]["physicians"] == 9 and body["total"]["failed"] == 1


async def test_health_institution_counts_itself(client):
    fx = await seed_fixture()
    body = await refresh(client, await token_for(fx.w.hospital2), "progress")
    assert [(r["id"], nonzero(r["counts"])) for r in body["institutions"]] == [(fx.w.hospital2.id, H2_PROGRESS)]
    assert nonzero(body["total"]) == H2_PROGRESS


async def test_snapshot_before_any_refresh_is_404_asking_to_refresh(client):
    w = await make_world()
    r = await client.get(f"{API}/statistics/progress", headers=auth(await token_for(w.gx_admin)))
    assert r.status_code == 404 and r.json()["code"] == "statistics_not_found"
    assert "刷新统计" in r.json()["message"]


async def test_other_scopes_cannot_read_the_snapshot(client):
    fx = await seed_fixture()
    w = fx.w
    await refresh(client, await token_for(w.gx_admin), "progress")
    await refresh(client, await token_for(w.hospital, Role.ASSESSMENT_INSTITUTION), "progress")
    for token in (await token_for(w.nn_admin), await token_for(w.gz_admin), await token_for(w.hospital2),
                  await token_for(w.hospital)):  # the same organisation in its other role, too
        for path in ("progress", "progress/excel"):
            r = await client.get(f"{API}/statistics/{path}", headers=auth(token))
            assert r.status_code == 404, (path, r.text)
            assert r.json()["code"] == "statistics_not_found"


async def test_industry_org_may_not_refresh(client):
    w = await make_world()
    r = await client.post(f"{API}/statistics/progress/refresh", headers=auth(await token_for(w.industry)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"


async def test_unknown_kind_is_404(client):
    w = await make_world()
    r = await client.post(f"{API}/statistics/nope/refresh", headers=auth(await token_for(w.gx_admin)))
    assert r.status_code == 404


async def test_refresh_while_one_runs_for_the_scope_is_409(client):
    w = await make_world()
    token = await token_for(w.gx_admin)
    account = await StaffAccount.get(org_id=w.gx_admin.id)
    running = await Job.create(kind="stats_progress", status=JobStatus.RUNNING, org_id=w.gx_admin.id,
                               owner_account_id=account.id, params={"role": "administration"})
    r = await client.post(f"{API}/statistics/progress/refresh", headers=auth(token))
    assert r.status_code == 409 and r.json()["code"] == "statistics_running"
    assert r.json()["details"]["job_id"] == str(running.id)
    # the other kind, and another scope, are not blocked
    r = await client.post(f"{API}/statistics/results/refresh", headers=auth(token))
    assert r.status_code == 202
    await wait_for_job(client, token, r.json()["id"])
    r = await client.post(f"{API}/statistics/progress/refresh", headers=auth(await token_for(w.nn_admin)))
    assert r.status_code == 202
    # a refresh stuck for longer than STALE_AFTER no longer blocks
    await Job.filter(id=running.id).update(created_at=datetime.now(UTC) - statistics.STALE_AFTER - timedelta(minutes=1))
    r = await client.post(f"{API}/statistics/progress/refresh", headers=auth(token))
    assert r.status_code == 202, r.text
    await wait_for_job(client, token, r.json()["id"])


async def test_latest_snapshot_wins_and_old_ones_are_pruned(client):
    fx = await seed_fixture()
    token = await token_for(fx.w.hospital2)
    first = await refresh(client, token, "progress")
    await Assessment.filter(id=fx.assessments["a"].id).update(status=S.ENROLLED)
    # the snapshot is not real time: nothing changes until the next refresh
    r = await client.get(f"{API}/statistics/progress", headers=auth(token))
    assert r.json()["total"]["enrol_reported"] == 2 and r.json()["computed_at"] == first["computed_at"]
    for _ in range(statistics.KEEP_SNAPSHOTS + 1):
        latest = await refresh(client, token, "progress")
    assert latest["total"]["enrol_reported"] == 1 and latest["total"]["enrolled"] == 2
    assert latest["computed_at"] > first["computed_at"]
    assert await StatsSnapshot.filter(org_id=fx.w.hospital2.id).count() == statistics.KEEP_SNAPSHOTS


async def test_statistics_excel_shows_the_time_and_chinese_headers(client):
    fx = await seed_fixture()
    token = await token_for(fx.w.gx_admin)
    body = await refresh(client, token, "progress")
    r = await client.get(f"{API}/statistics/progress/excel", headers=auth(token))
    assert r.status_code == 200, r.text
    assert "attachment" in r.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert body["computed_at_text"] in rows[0][0] and "不是实时统计" in rows[0][0]
    headers = rows[1]
    assert headers[:4] == ("类别", "名称", "所在地区", "在册医师") and "未开通报名" in headers
    assert [r[1] for r in rows if r[0] == "地区"] == ["南宁市", "柳州市"]
    assert len([r for r in rows if r[0] == "机构"]) == 4
    total = rows[-1]
    assert total[0] == "合计" and total[headers.index("在册医师")] == 12
    assert total[headers.index("不合格")] == 2
