"""The lists that used to stop at 200 rows have pages: invitations, applications, broadcasts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Application, Broadcast, Invitation
from tests.admin.conftest import Browser, World


async def test_invitations_applications_and_broadcasts_have_a_second_page(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    async with db() as session:
        session.add_all(
            Invitation(token=f"tok-{n}", dealer_id=world.dealer_a.id) for n in range(60)
        )
        session.add_all(
            Application(telegram_id=9000 + n, company=f"ООО Заявка {n:02d}", inn="7707083893")
            for n in range(60)
        )
        session.add_all(Broadcast(title=f"Рассылка {n:02d}") for n in range(60))
        await session.commit()
    for path, first, last in (
        ("/admin/pilot/invitations", "tok-59", "tok-0<"),
        ("/admin/pilot/applications", "ООО Заявка 59", "ООО Заявка 00"),
        ("/admin/broadcasts", "Рассылка 59", "Рассылка 00"),
    ):
        status, page_one = await admin.get(path)
        assert status == 200 and "страница 1 из 2" in page_one, path
        assert first in page_one and last not in page_one, path
        status, page_two = await admin.get(f"{path}?page=1")
        assert status == 200 and "страница 2 из 2" in page_two, path
        assert last in page_two and first not in page_two, path
        status, beyond = await admin.get(f"{path}?page=99")
        assert status == 200 and "страница 2 из 2" in beyond, path
