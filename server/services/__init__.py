"""Use cases and business rules, one package per domain; each public function owns its transaction.

Layers, low to high (pyproject's import-linter contract; a lower package never imports a higher one,
not even inside a function): access < platform < face < audit < notify < accounts < registry <
assessment < cycles < exams < results < proctoring < reports. access.py (actors, roles,
jurisdiction) and audit.py (the audit log) are modules.
"""
