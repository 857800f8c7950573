"""Results (SPEC §4 stages 5-7, §7-§8): the verdict rules (verdict: pure), judging (成绩评定 and
its hooks), the missed-round sweep (outcome), re-exams (reexam, reexam_notices), appeals, delay
forms and the result notice (certificates). Imports: exams and below.
"""
