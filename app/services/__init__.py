"""Use cases. Each public function opens and commits its own transaction (or joins the caller's)."""
