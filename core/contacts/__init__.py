"""The manager's contact log: calls, e-mails and messenger requests of dealers, logged by hand.

`service.log_contact` is the one way in (bot /contact, a forwarded message, the admin's dealer
card); `queries` finds the dealers a manager may log for and lists a dealer's contacts.
"""

from core.contacts.service import (
    MAX_MINUTES,
    MAX_NOTE,
    ContactInput,
    log_contact,
    parse_duration_and_note,
)

__all__ = ["MAX_MINUTES", "MAX_NOTE", "ContactInput", "log_contact", "parse_duration_and_note"]
