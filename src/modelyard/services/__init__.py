"""Use cases. Each public function is one transaction: load, check rules, write, commit."""
