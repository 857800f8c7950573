"""考核结果统计's columns, derived from the state table: every status of every procedure lands in
exactly one column that exists (SPEC §8; issue #12 "statistics that add up")."""

from __future__ import annotations

import itertools

from server.models import AssessmentStatus, Procedure
from server.services.assessment import flow
from server.services.reports.statistics import result_column, results_columns


def _table_statuses() -> set[AssessmentStatus]:
    statuses: set[AssessmentStatus] = set()
    for t in flow.TRANSITIONS:
        if t.flow == "main":
            statuses |= set(t.source) | {t.target}
    return statuses | set(AssessmentStatus)


def test_every_status_lands_in_exactly_one_existing_column():
    keys = {c["key"] for c in results_columns()}
    for status, procedure, violation, no_promotion in itertools.product(
            _table_statuses(), [None, *Procedure], [False, True], [False, True]):
        key = result_column(status, procedure, violation=violation, no_promotion=no_promotion)
        assert key in keys, (status, procedure, key)
        assert not key.endswith(":total") and key not in ("total", "exempted")


def test_outcomes_are_told_apart():
    S, G = AssessmentStatus, Procedure.GENERAL
    assert result_column(S.QUALIFIED, G) == "general:passed"
    assert result_column(S.QUALIFIED, G, no_promotion=True) == "general:reexam_passed"
    assert result_column(S.FAILED, G) == "general:failed"
    assert result_column(S.FAILED, G, violation=True) == "general:violation"
    assert result_column(S.FINAL_FAILED, G) == "general:final_failed"
    assert result_column(S.REEXAM_LISTED, G) == result_column(S.REEXAM_DONE, G) == "general:reexam"
    assert result_column(S.AWAITING_EXAM, None) == "no_procedure"
    assert result_column(S.LEFT, G) == "left" and result_column(S.NOT_INCLUDED, None) == "not_included"
