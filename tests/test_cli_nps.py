"""`dealerbot nps send`: queues the NPS question for the pilot's people, once per round."""

from __future__ import annotations

import pytest

from dealerbot.cli import main


def test_nps_send(tmp_path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import asyncio

    from core.db import create_engine, create_sessionmaker
    from core.models import PilotWave
    from tests import factories

    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0

    async def pilot_dealer() -> None:
        engine = create_engine(url)
        async with create_sessionmaker(engine)() as s:
            wave = PilotWave(name="Пилот")
            s.add(wave)
            await s.flush()
            dealer = await factories.dealer(s)
            dealer.wave_id = wave.id
            await factories.user(s, dealer=dealer)
            await factories.user(s, dealer=dealer)
            await s.commit()
        await engine.dispose()

    asyncio.run(pilot_dealer())
    capsys.readouterr()
    assert main(["nps", "send", "--survey", "2026-11"]) == 0
    assert "Вопрос NPS 2026-11: в очереди 2." in capsys.readouterr().out
    assert main(["nps", "send", "--survey", "2026-11"]) == 0
    assert "в очереди 0." in capsys.readouterr().out
    assert main(["nps", "send", "--survey", ""]) == 1
    assert "Название опроса «»" in capsys.readouterr().err
