"""Proctoring (SPEC §6): the review lists of face checks, marks and violation cases (cases), and
face data retention (retention). Imports: results and below.
"""
