"""Cross numbers (analogs): upload the CSV, see the per-line report and what is known."""

from __future__ import annotations

from aiohttp import web

from admin.web import DB, admin_only, audit, form, render
from core.catalog.crosses import cross_counts
from core.catalog.crosses_csv import HEADER, import_crosses
from core.errors import InvalidInput

routes = web.RouteTableDef()


@routes.get("/catalog/crosses")
@admin_only
async def crosses_page(request: web.Request) -> web.Response:
    """The upload form, the file format and how many numbers and groups are known."""
    counts = await cross_counts(request[DB])
    return await render(
        request, "catalog/crosses.html", {"report": None, "counts": counts, "header": HEADER}
    )


@routes.post("/catalog/crosses")
@admin_only
async def crosses_upload(request: web.Request) -> web.Response:
    """Import an uploaded CSV: all of it or, with any bad line, nothing; show the report."""
    data = await form(request)
    upload = data.get("file")
    if not isinstance(upload, web.FileField):
        raise InvalidInput("import.no_file")
    content = upload.file.read()
    db = request[DB]
    report = await import_crosses(db, content)
    audit(
        request,
        "crosses.import",
        "file",
        (upload.filename or "")[:64],
        imported=report.imported,
        pairs=len(report.pairs) if report.imported else 0,
        bad_lines=report.problem_count,
    )
    await db.commit()
    counts = await cross_counts(db)
    status = 200 if report.imported else 400
    return await render(
        request,
        "catalog/crosses.html",
        {"report": report, "counts": counts, "header": HEADER},
        status,
    )
