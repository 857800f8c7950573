"""Use cases and business rules. Each public function owns its transaction."""
