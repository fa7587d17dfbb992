"""The Telegram sender: every message the service sends goes out through it, within limits."""
