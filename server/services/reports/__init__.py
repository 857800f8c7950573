"""Reports (SPEC §4, §8): statistics and the background exports. The highest domain package:
imports any service below it, and only routes and the entry points import it.
"""
