"""Add or update message keys in every catalog: python scripts/i18n_add.py messages.yaml.

The YAML file maps each key to its texts: ``cli.ok: {zh_CN: "…", en: "…"}``. Catalogs stay
sorted by key, so diffs stay small. After editing, ``pytest tests/test_i18n.py`` checks coverage.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("zh_CN", "en")


def main(source: str) -> None:
    """Merge the texts of ``source`` into locales/<lang>/LC_MESSAGES/messages.po."""
    entries = YAML(typ="safe").load(Path(source).read_text(encoding="utf-8"))
    for lang in LANGS:
        path = ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po"
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="yuqing-bot", domain="messages")
        for key, texts in entries.items():
            catalog.delete(key)
            catalog.add(key, texts[lang])
        ordered = Catalog(  # the header keeps its date, so adding texts changes only them
            locale=lang,
            project="yuqing-bot",
            domain="messages",
            creation_date=catalog.creation_date,
        )
        for message in sorted((m for m in catalog if m.id), key=lambda m: str(m.id)):
            ordered.add(message.id, message.string)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, ordered, omit_header=False, sort_output=True, width=0)


if __name__ == "__main__":
    main(sys.argv[1])
