"""The Simplified Chinese catalogue is complete and its compiled form is up to date."""

import gettext
import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def source_entries() -> int:
    """How many messages the .po file holds, the header excepted."""
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    return len(re.findall(r"^msgid ", text, flags=re.MULTILINE)) - 1


def test_every_message_is_translated_and_compiled():
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    # msgfmt leaves out untranslated and fuzzy messages, so a complete, freshly compiled
    # catalogue holds exactly as many messages as its source (plurals count once here).
    translated = {key if isinstance(key, str) else key[0] for key in catalog if key != ""}
    assert len(translated) == source_entries()
