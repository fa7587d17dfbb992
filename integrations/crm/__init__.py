"""CRM adapters behind one port (port.py); Bitrix24 first, fed by the outbox (worker.py)."""
