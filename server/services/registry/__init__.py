"""The registry (SPEC §1-§2): regions, organisations, assessment institutions, departments,
physicians, transfers between organisations, the physician import (importer, import_rows) and
upkeep. Imports: accounts and below.
"""
