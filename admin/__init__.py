"""The web admin: HTML pages for staff under /admin and the JSON API under /api/v1."""
