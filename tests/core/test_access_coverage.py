"""Every entry point goes through the one access check (core.access).

- Bot: the access gate is the update-level outer middleware right after the DB session, so it
  runs before any router, filter or handler; every button prefix any handler reacts to is
  declared to it (a staff object it checks against the manager's scope, a dealer's own, or the
  public application form). A new handler with an undeclared button fails here.
- Admin: every page naming an object in its path is checked against the scope by the auth
  middleware before its handler (or is for admins only); a new page with an unknown path
  parameter fails here.
- API: every call but the OpenAPI document passes the token middleware.
"""

from __future__ import annotations

import re

from aiogram.filters.callback_data import CallbackQueryFilter
from aiohttp import web

from admin.api import PUBLIC as API_PUBLIC
from admin.api import api_middleware, build_api_app
from admin.app import build_admin_app
from admin.web import PART_PARAMS, SCOPED_PARAMS, auth_middleware
from bot.factory import create_dispatcher
from bot.handlers import get_routers
from bot.middlewares import DbSessionMiddleware
from bot.middlewares.access import STAFF_TARGETS, AccessMiddleware, declared_prefixes
from core.settings import get_settings

# Callback handlers without a button filter: each takes what no other handler took and shows
# nothing of a dealer (the "not bound" alert, the stale-button alert).
CATCH_ALL = {("start", "not_bound_button"), ("fallback", "stale_button")}


def _settings():  # type: ignore[no-untyped-def]
    return get_settings(
        environment="test", database_url="sqlite+aiosqlite://", redis_url=None, _env_file=None
    )


def test_the_gate_is_the_first_thing_after_the_db_session() -> None:
    dispatcher = create_dispatcher(_settings(), None)  # type: ignore[arg-type]
    outer = [type(m) for m in dispatcher.update.outer_middleware]
    ours = [m for m in outer if not m.__module__.startswith("aiogram.")]  # aiogram's own first
    assert ours[:2] == [DbSessionMiddleware, AccessMiddleware], outer
    # no router registers update-level handlers or middlewares of its own to get around it
    for router in dispatcher.chain_tail:
        update = router.observers.get("update")
        if router is not dispatcher and update is not None:
            assert not update.handlers and not update.outer_middleware, router


def _callback_handlers() -> list[tuple[str, str, list[str]]]:
    out = []
    for router in get_routers():
        for handler in router.callback_query.handlers:
            prefixes = [
                f.callback.callback_data.__prefix__
                for f in handler.filters or []
                if isinstance(f.callback, CallbackQueryFilter)
            ]
            out.append((router.name, handler.callback.__name__, prefixes))
    return out


def test_every_button_of_every_handler_is_declared_to_the_gate() -> None:
    handlers = _callback_handlers()
    assert len(handlers) > 30  # the walk sees the real routers
    declared = declared_prefixes()
    for router, name, prefixes in handlers:
        if not prefixes:
            assert (router, name) in CATCH_ALL, f"{router}.{name}: a button the gate cannot see"
        for prefix in prefixes:
            assert prefix in declared, f"{router}.{name}: button prefix {prefix!r} undeclared"


def test_every_managers_button_names_an_object_the_gate_checks() -> None:
    manager = [h for h in _callback_handlers() if h[0] == "manager"]
    assert manager
    for _router, name, prefixes in manager:
        assert prefixes and all(p in STAFF_TARGETS for p in prefixes), name


def _params(resource: web.AbstractResource) -> set[str]:
    info = resource.get_info()
    pattern = info.get("formatter") or info.get("path") or ""
    return set(re.findall(r"{(\w+)", pattern))


def test_every_admin_page_naming_an_object_is_scope_checked() -> None:
    app = build_admin_app(_settings(), None)  # type: ignore[arg-type]
    assert auth_middleware in app.middlewares
    checked = 0
    for route in app.router.routes():
        handler = route.handler
        params = _params(route.resource) if route.resource is not None else set()
        if not params or getattr(handler, "public", False):
            continue
        unknown = params - set(SCOPED_PARAMS) - PART_PARAMS
        if getattr(handler, "admin_only", False):
            continue  # admins see every dealer: the scope is "all"
        assert not unknown, f"{route.method} {route.resource}: parameters {unknown} unchecked"
        assert params & set(SCOPED_PARAMS), f"{route.method} {route.resource}: no scoped object"
        checked += 1
    assert checked >= 8  # dealer card, orders, claims, invitations


def test_every_api_call_passes_the_token_check() -> None:
    app = build_api_app()
    assert app.middlewares[0] is api_middleware
    assert frozenset({"/api/v1/openapi.json"}) == API_PUBLIC
