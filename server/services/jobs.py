"""Background jobs with visible progress (imports, exports, statistics)."""
