"""The sandbox: the real Dispatcher fed in-process, its Bot API calls kept per chat in the DB."""
