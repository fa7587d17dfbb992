"""Domain errors: each carries a message key (translated by the adapters) and its parameters."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the business was broken; nothing was changed."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __str__(self) -> str:
        if not self.params:
            return self.key
        details = ", ".join(f"{name}={value!r}" for name, value in self.params.items())
        return f"{self.key} ({details})"


class NotFound(DomainError):
    """The thing does not exist, or belongs to someone else (the two look the same on purpose)."""


class Forbidden(DomainError):
    """The person may not do this."""


class InvalidInput(DomainError):
    """The input breaks a validation rule."""


class InvalidTransition(DomainError):
    """The status change is not allowed from the current status."""
