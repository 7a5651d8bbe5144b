"""Message-key marking for the catalogs; the domain names messages, adapters render them."""


def N_(key: str) -> str:
    """Mark a message key for extraction without translating it here."""
    return key
