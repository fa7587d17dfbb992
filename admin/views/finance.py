"""A dealer's finance tab: 1C's figures with their age, documents with download, held orders,
and the credit policy (warn / hold / block) for checkout."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select

from admin.views.dealers import visible_dealer
from admin.web import DB, PREFIX, admin_only, audit, flash, form, paged, redirect, render
from core.display import LABELS
from core.errors import InvalidInput, NotFound
from core.finance import queries
from core.models import CreditPolicy, FinanceDocument, Order, OrderStatus, utcnow

routes = web.RouteTableDef()
PAGE_SIZE = 20
POLICY_LABELS: dict[str, str] = LABELS["credit_policy"]


@routes.get("/dealers/{dealer_id:\\d+}/finance")
async def finance_tab(request: web.Request) -> web.Response:
    """Figures, documents (paged), held orders and the credit policy of one dealer."""
    db = request[DB]
    dealer = await visible_dealer(request, int(request.match_info["dealer_id"]))
    documents, pager = await paged(
        request,
        select(FinanceDocument)
        .where(FinanceDocument.dealer_id == dealer.id)
        .order_by(FinanceDocument.doc_date.desc(), FinanceDocument.id.desc()),
        PAGE_SIZE,
    )
    held = list(
        await db.scalars(
            select(Order)
            .where(Order.dealer_id == dealer.id, Order.status == OrderStatus.AWAITING_APPROVAL)
            .order_by(Order.placed_at.desc())
        )
    )
    now = utcnow()
    context: dict[str, Any] = {
        "dealer": dealer,
        "contracts": await queries.dealer_contracts(db, dealer.id, active_only=False),
        "documents": [row[0] for row in documents],
        "held": held,
        "now": now,
        "stale": queries.is_stale,
        "policies": POLICY_LABELS,
        "query": dict(request.query),
        **pager,
    }
    return await render(request, "dealers/finance.html", context)


@routes.get("/dealers/{dealer_id:\\d+}/finance/documents/{document_id:\\d+}")
async def document_file(request: web.Request) -> web.Response:
    """The PDF 1C pushed for a document of this dealer."""
    dealer = await visible_dealer(request, int(request.match_info["dealer_id"]))
    document = await queries.get_document(
        request[DB], dealer.id, int(request.match_info["document_id"])
    )
    try:
        content = await queries.document_pdf(request[DB], document)
    except NotFound:
        raise NotFound("finance.no_pdf", document_id=document.id) from None
    name = document.file_name or f"{document.number}.pdf"
    return web.Response(
        body=content,
        content_type="application/pdf",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@routes.post("/dealers/{dealer_id:\\d+}/finance/policy")
@admin_only
async def set_policy(request: web.Request) -> web.StreamResponse:
    """Save the dealer's credit policy (audited)."""
    data = await form(request)
    dealer = await visible_dealer(request, int(request.match_info["dealer_id"]))
    policy = str(data.get("credit_policy", "")).strip()
    if policy not in {p.value for p in CreditPolicy}:
        raise InvalidInput("finance.bad_policy", policy=policy[:20])
    before = dealer.credit_policy
    if policy != before:
        dealer.credit_policy = policy
        audit(
            request,
            "dealer.credit_policy",
            "dealer",
            dealer.id,
            changes={"credit_policy": [POLICY_LABELS[before], POLICY_LABELS[policy]]},
        )
        await request[DB].commit()
    await flash(request, "Кредитная политика сохранена.")
    raise redirect(f"{PREFIX}/dealers/{dealer.id}/finance")
