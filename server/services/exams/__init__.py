"""参加测评 (SPEC §4 stage 4, §5, §6): attempts (start, resume, submit), answer saves, the deadline
sweeper, the exam rules and windows, the face gate (gate: the rules; face_gate: the checks;
face_verify: the verifiers over ``rt().face``), practice, window notices. Imports: cycles and below.
"""
