"""Compile the translation catalogs (``locale/<lang>/LC_MESSAGES/django.po``) into the ``.mo`` files Django reads.

Run by ``scripts/bootstrap`` (and ``scripts/translations``), so a node speaks every shipped language with no
Debian ``gettext`` installed: Babel reads and writes the catalogs in pure Python. Fuzzy entries are left out,
as ``msgfmt`` leaves them out. ``python -m confederal.cli.catalogs [--todo]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = ["LOCALE_DIR", "catalogs", "compile_all", "main", "read_catalog", "untranslated"]

#: Where the catalogs live, beside the package's code.
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Every ``django.po`` under ``locale_dir``, in order of language."""
    return sorted(locale_dir.glob("*/LC_MESSAGES/django.po"))


def read_catalog(po: Path) -> Catalog:
    """One catalog, read as Babel reads it (a malformed file raises ``babel.messages.pofile.PoFileError``)."""
    with po.open("rb") as f:
        return read_po(f, locale=po.parent.parent.name, abort_invalid=True)


def untranslated(po: Path) -> list[str]:
    """The messages of one catalog still waiting for a translation (empty or fuzzy), as they read in English."""
    out: list[str] = []
    for message in read_catalog(po):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            out.append(str(message.id[0] if isinstance(message.id, (tuple, list)) else message.id))
    return out


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write each catalog's ``.mo`` beside it when the ``.po`` is newer; return the files written."""
    written = []
    for po in catalogs(locale_dir):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = read_catalog(po)
        # A fuzzy entry (a guess by msgmerge, left for a translator) is not compiled, so not checked either.
        errors = [f"{po}:{m.lineno}: {e}" for m, errs in catalog.check() if not m.fuzzy for e in errs]
        if errors:
            raise SystemExit("\n".join(errors))
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        tmp.replace(mo)
        written.append(mo)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR)
    parser.add_argument("--todo", action="store_true", help="list what is left to translate instead of compiling")
    args = parser.parse_args(argv)
    if args.todo:
        left = 0
        for po in catalogs(args.locale_dir):
            for text in untranslated(po):
                print(f"{po.parent.parent.name}: {text}")
                left += 1
        print(f"{left} left to translate")
        return 1 if left else 0
    for mo in compile_all(args.locale_dir):
        print(f"compiled {mo.relative_to(args.locale_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
