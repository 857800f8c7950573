"""One physician's assessment (SPEC §4): the state machine as data (flow: pure, no I/O), its one
way to move (transitions), enrolment and its rules, materials and files, applications (modification,
delay, exemption), the reviewers' moves (reviews), progress lists, records, and the physician's
view. Imports: registry and below; reviews.py reaches up to results.judging and proctoring.cases
for their hooks (listed as exceptions in pyproject's import layers).
"""
