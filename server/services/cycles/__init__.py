"""Assessment cycles (SPEC §3, §5): cycle settings, question banks and their import, paper plans
and drawn papers. Imports: assessment and below.
"""
