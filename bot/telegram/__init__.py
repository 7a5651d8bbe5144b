"""The Telegram face: python-telegram-bot handlers that call the service and send its outbox."""
