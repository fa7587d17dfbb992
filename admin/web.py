"""The admin's request plumbing: cookie session, DB session, login check, CSRF, errors, render."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp_jinja2
import aiohttp_session
from aiohttp import web
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.keys import SESSIONMAKER, SETTINGS
from admin.messages import error_text, text
from core import display
from core.access.scope import staff_may_see
from core.errors import DomainError, Forbidden, NotFound
from core.models import AuditEntry, Role, StaffAccount, utcnow
from core.net import client_ip

log = logging.getLogger("admin")
COOKIE_NAME = "dealerbot_admin"
SESSION_MAX_AGE = 8 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
PREFIX = "/admin"
DB = web.RequestKey("admin_db", AsyncSession)
STAFF = web.RequestKey("admin_staff", StaffAccount)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)
PUBLIC_PATHS = (f"{PREFIX}/login", f"{PREFIX}/static/")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_ID = 2_147_483_647  # ids are 32-bit integers on PostgreSQL


# --- cookie session --------------------------------------------------------------------


class AdminCookieStorage(EncryptedCookieStorage):
    """Encrypted, signed (Fernet), HttpOnly, SameSite=Lax; Secure when the request came over TLS
    (directly or through a proxy that says so in X-Forwarded-Proto)."""

    async def save_session(
        self,
        request: web.Request,
        response: web.StreamResponse,
        session: aiohttp_session.Session,
    ) -> None:
        await super().save_session(request, response, session)
        if is_tls(request) and self.cookie_name in response.cookies:
            response.cookies[self.cookie_name]["secure"] = True


def is_tls(request: web.Request) -> bool:
    """True when the client talks to us over HTTPS."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.secure or forwarded == "https"


def cookie_storage(secret_key: str) -> AdminCookieStorage:
    """The session storage keyed by SECRET_KEY (any length: it is hashed to a Fernet key)."""
    digest = hashlib.sha256(b"dealerbot-admin-session:" + secret_key.encode("utf-8")).digest()
    return AdminCookieStorage(
        Fernet(base64.urlsafe_b64encode(digest)),
        cookie_name=COOKIE_NAME,
        max_age=SESSION_MAX_AGE,
        path=PREFIX,
        httponly=True,
        samesite="Lax",
    )


# --- decorators ------------------------------------------------------------------------


def admin_only(handler: H) -> H:
    """Mark a handler as reachable by admins only (managers get 403)."""
    handler.admin_only = True  # type: ignore[attr-defined]
    return handler


def public(handler: H) -> H:
    """Mark a handler as reachable without logging in."""
    handler.public = True  # type: ignore[attr-defined]
    return handler


# --- middlewares -----------------------------------------------------------------------


@web.middleware
async def db_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One database session per request; handlers commit what they change."""
    async with request.app[SESSIONMAKER]() as session:
        request[DB] = session
        return await handler(request)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pages need a logged-in, active staff login; admin-only pages need the admin role."""
    if getattr(handler, "public", False) or request.path.startswith(PUBLIC_PATHS):
        return await handler(request)
    cookie = await aiohttp_session.get_session(request)
    staff_id = cookie.get("staff_id")
    staff = await request[DB].get(StaffAccount, staff_id) if isinstance(staff_id, int) else None
    if staff is None or not staff.is_active or cookie.get("pw") != _pw_tag(staff):
        cookie.pop("staff_id", None)
        if request.method in UNSAFE:
            raise web.HTTPForbidden(text="login required")
        raise web.HTTPFound(f"{PREFIX}/login?next={_safe_next(request.path_qs)}")
    request[STAFF] = staff
    if getattr(handler, "admin_only", False) and staff.role != Role.ADMIN:
        return forbidden_page(request, text("auth.admin_only"))
    await check_scope(request, staff)
    return await handler(request)


# Path parameters naming an object of a dealer: every page with one is checked against
# core.access's scope before its handler runs (tests/core/test_access_coverage.py walks them).
SCOPED_PARAMS = {  # parameter: (object kind, the "not found" message key)
    "dealer_id": ("dealer", "dealer.not_found"),
    "order_id": ("order", "order.not_found"),
    "claim_id": ("claim", "claim.not_found"),
    "invitation_id": ("invitation", "invitation.unknown"),
}
# Path parameters of a part of an object named by a scoped parameter on the same path
# (document_id: a finance document, looked up within its dealer by core.finance.queries).
PART_PARAMS = frozenset({"attachment_id", "entity_id", "user_id", "document_id"})


async def check_scope(request: web.Request, staff: StaffAccount) -> None:
    """NotFound when the path names a dealer, order or claim outside the login's scope (a
    manager's view of another manager's dealer looks exactly like a missing one)."""
    for name, (kind, missing) in SCOPED_PARAMS.items():
        raw = request.match_info.get(name)
        if raw is None:
            continue
        object_id = int(raw) if raw.isdigit() and len(raw) < 10 else 0
        if not await staff_may_see(request[DB], staff.role, staff.user_id, kind, object_id):
            raise NotFound(missing)


def _pw_tag(staff: StaffAccount) -> str:
    """A short tag of the password hash: a password change ends the sessions made before it."""
    return hashlib.sha256(staff.password_hash.encode()).hexdigest()[:16]


def _safe_next(path: str) -> str:
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith(PREFIX):
        return f"{PREFIX}/"
    return path


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every unsafe request carries the session's CSRF token (form field or header)."""
    if request.method in UNSAFE:
        cookie = await aiohttp_session.get_session(request)
        expected = cookie.get("csrf")
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            form = await request.post()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
        if not expected or not sent or not hmac.compare_digest(str(expected), sent):
            log.warning("csrf refused path=%s", request.path)
            return forbidden_page(request, text("csrf.invalid"))
    return await handler(request)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Domain errors become a message: on a form, flashed on the page it came from."""
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        # The body of a form with a file over the limit (settings.max_upload_bytes).
        max_mb = request.app[SETTINGS].max_upload_bytes / (1024 * 1024)
        await flash(request, text("upload.too_large", {"max_mb": f"{max_mb:g}"}), "error")
        raise web.HTTPSeeOther(_back(request)) from None
    except NotFound as error:
        return await _error_page(request, error_text(error), 404)
    except Forbidden as error:
        return forbidden_page(request, error_text(error))
    except DomainError as error:
        if request.method in UNSAFE:
            await flash(request, error_text(error), "error")
            raise web.HTTPSeeOther(_back(request)) from None
        return await _error_page(request, error_text(error), 400)


def _back(request: web.Request) -> str:
    referer = request.headers.get("Referer", "")
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.host:
        return f"{PREFIX}/"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if path.startswith(PREFIX) else f"{PREFIX}/"


async def _error_page(request: web.Request, message: str, status: int) -> web.Response:
    return await render(request, "error.html", {"message": message, "status": status}, status)


def forbidden_page(request: web.Request, message: str) -> web.Response:
    """A plain 403 page (rendered without the session, which may be what is refused)."""
    body = aiohttp_jinja2.render_string(
        "error.html",
        request,
        {"message": message, "status": 403, "staff": None, "csrf_token": "", "flashes": []},
    )
    return web.Response(text=body, status=403, content_type="text/html")


# --- rendering -------------------------------------------------------------------------


async def csrf_token(request: web.Request) -> str:
    """The session's CSRF token, made on first use."""
    cookie = await aiohttp_session.get_session(request)
    token = cookie.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        cookie["csrf"] = token
    return str(token)


async def flash(request: web.Request, message: str, kind: str = "ok") -> None:
    """A message shown once on the next page."""
    cookie = await aiohttp_session.get_session(request)
    cookie["flash"] = [*cookie.get("flash", []), [kind, message]][-5:]


async def render(
    request: web.Request, template: str, context: Mapping[str, Any], status: int = 200
) -> web.Response:
    """A page with the common context: staff, CSRF token, flashed messages."""
    cookie = await aiohttp_session.get_session(request)
    flashes = cookie.pop("flash", [])
    common = {
        "staff": request.get(STAFF),
        "csrf_token": await csrf_token(request),
        "flashes": flashes,
        "path": request.path,
        "query": request.query,
    }
    return aiohttp_jinja2.render_template(template, request, {**common, **context}, status=status)


def redirect(location: str) -> web.HTTPSeeOther:
    """A 303 to an admin path (raise it)."""
    return web.HTTPSeeOther(location)


def audit(
    request: web.Request,
    action: str,
    object_type: str = "",
    object_id: object = "",
    **details: Any,
) -> None:
    """Record a change in the audit log, in the same transaction as the change."""
    staff = request.get(STAFF)
    request[DB].add(
        AuditEntry(
            at=utcnow(),
            staff_id=staff.id if staff else None,
            staff_login=staff.login if staff else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            details={k: _jsonable(v) for k, v in details.items()},
            remote_addr=client_address(request),
        )
    )


def client_address(request: web.Request) -> str | None:
    """The client's address: X-Forwarded-For only from TRUSTED_PROXIES (core.net.client_ip)."""
    settings = request.app[SETTINGS]
    return client_ip(
        request.remote, request.headers.get("X-Forwarded-For"), settings.proxy_networks
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal | datetime):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def local_time(value: datetime | None, request: web.Request) -> str:
    """A stored UTC time in the configured zone, for a message."""
    return display.moment(value, request.app[SETTINGS].zone)


# --- form helpers ----------------------------------------------------------------------


async def form(request: web.Request) -> Mapping[str, Any]:
    """The posted form (cached by aiohttp, so the CSRF check and the handler share it)."""
    return await request.post()


def field(data: Mapping[str, Any], name: str, default: str = "") -> str:
    """A text field, trimmed."""
    value = data.get(name, default)
    return value.strip() if isinstance(value, str) else default


def int_field(data: Mapping[str, Any], name: str) -> int | None:
    """An optional integer field; junk raises InvalidInput `input.bad_number`."""
    from core.errors import InvalidInput

    value = field(data, name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput("input.bad_number", value=value) from None


LIST_PAGE = 50


async def paged(
    request: web.Request, statement: Select, size: int = LIST_PAGE
) -> tuple[list[Any], dict[str, int]]:
    """One page of a list's rows (`?page=N`, from 0) and the pager's `page` and `pages`."""
    db = request[DB]
    total = await db.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    pages = max((total or 0) - 1, 0) // size + 1
    page = min(max(query_int(request, "page") or 0, 0), pages - 1)
    rows = list((await db.execute(statement.offset(page * size).limit(size))).all())
    return rows, {"page": page, "pages": pages}


def query_int(request: web.Request, name: str) -> int | None:
    """An optional integer query parameter; junk (and a number past the id range) is ignored."""
    value = request.query.get(name, "").strip()
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is None or abs(number) <= MAX_ID else None


@web.middleware
async def id_range_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A numeric path part past the 32-bit id range names nothing: 404, before any query
    (SQLite and PostgreSQL would fail on it with an overflow)."""
    for value in request.match_info.values():
        if value.isdigit() and int(value) > MAX_ID:
            raise NotFound("page.not_found")
    return await handler(request)
