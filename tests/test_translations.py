"""Every word people read is marked for translation, and ships in Spanish and French.

- Templates: no text with letters outside ``{% translate %}``/``{% blocktranslate %}`` (nor in an attribute a
  person reads: ``title``, ``alt``, ``placeholder``, ``aria-label``), except what is there to be copied
  (``<code>``, ``<pre>``) and the few words in ``UNTRANSLATED``.
- Python: every ``Refused`` message, ``messages.*`` message, ``Done`` message, ``Phrase`` text and form label is
  marked (``_``, ``gettext``, ``gettext_lazy``, ``ngettext``, the core's ``N_``), never a bare string or f-string.
- Catalogs: extracting the strings afresh (as ``scripts/translations`` does, into a temporary folder) leaves no
  message without a Spanish and a French translation, and names each that lacks one.
- Persona tests: the pages speak the browser's language to a visitor, the language a person chose to them, and
  the footer's switch works without JavaScript; days, times and money are written the language's way.
"""

from __future__ import annotations

import ast
import re
import shutil
from datetime import UTC, date, datetime
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template.base import Lexer, TokenType
from django.test import Client, override_settings
from django.utils import translation

from confederal.cli.catalogs import LOCALE_DIR, catalogs, read_catalog, untranslated
from confederal.ledger import Amount
from confederal.node import words
from confederal.node.accounts import selectors as account_selectors

from .node.cell import build_cell

SRC = Path(__file__).resolve().parent.parent / "src" / "confederal"
LANGUAGES = ("es", "fr")

#: Words that are the same in every language: the software's name and formats named by their standard.
UNTRANSLATED = {"Confederal", "JSON", "https://assembly.example.org"}

_HOLE = "\ufffc"  # where a template tag or variable stood
_LETTERS = re.compile(r"[^\W\d_]")


def _text_outside_translation(source: str) -> str:
    """The template's literal text, with every tag and variable (and whatever blocktranslate holds) a hole."""
    out: list[str] = []
    hidden = 0
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in ("blocktranslate", "blocktrans", "comment"):
                hidden += 1
            elif name in ("endblocktranslate", "endblocktrans", "endcomment"):
                hidden -= 1
            out.append(_HOLE)
        elif token.token_type == TokenType.VAR:
            out.append(_HOLE)
        elif token.token_type == TokenType.TEXT and not hidden:
            out.append(token.contents)
    return "".join(out)


class _ReadText(HTMLParser):
    """Collects what a person reads: text nodes and the attributes browsers show or speak."""

    SHOWN = frozenset({"title", "alt", "placeholder", "aria-label", "aria-description", "label"})
    VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
    COPIED = frozenset({"code", "pre", "script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.found: list[str] = []

    def _check(self, text: str, shown: str) -> None:
        words_ = text.replace(_HOLE, " ").strip()
        if _LETTERS.search(words_) and words_ not in UNTRANSLATED and not self._only_allowed(words_):
            self.found.append(shown)

    @staticmethod
    def _only_allowed(text: str) -> bool:
        return all(not _LETTERS.search(part) or part in UNTRANSLATED for part in re.split(r"[\s·#|()]+", text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)
        for name, value in attrs:
            if value and name in self.SHOWN:
                self._check(value, f'<{tag} {name}="{value}">')
            if value and name == "value" and tag == "input" and dict(attrs).get("type") in ("submit", "button"):
                self._check(value, f'<input value="{value}">')

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if not self.COPIED.intersection(self.open):
            self._check(data, data.replace(_HOLE, "…").strip())


def untranslated_in_template(source: str) -> list[str]:
    reader = _ReadText()
    reader.feed(_text_outside_translation(source))
    reader.close()
    return reader.found


def test_the_template_scan_catches_text_outside_translate_tags():
    sample = """{% load i18n %}<h1>{% translate "Fine" %}</h1><p>Not marked {{ x }}</p>
    <input placeholder="Type here"><button title="{% translate 'ok' %}">
    {% blocktranslate %}Fine too{% endblocktranslate %}</button>
    <code class="copy">confederal verify</code>{% comment %}a note{% endcomment %}<a>Confederal</a> · <a>JSON</a>"""
    assert untranslated_in_template(sample) == ["Not marked …", '<input placeholder="Type here">']


def test_every_template_marks_its_text_for_translation():
    found = [
        f"{path.relative_to(SRC)}: {text[:100]!r}"
        for path in sorted(SRC.rglob("templates/**/*.html"))
        for text in untranslated_in_template(path.read_text(encoding="utf-8"))
    ]
    assert not found, "Text not marked for translation:\n" + "\n".join(found)


_MARKERS = frozenset({"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "N_", "gettext_noop"})


def _unmarked(node: ast.expr) -> bool:
    """A bare string, f-string, or ``"…" % x`` / ``"…".format(x)`` of one, with words in it."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[^\W\d_]{2,}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and re.search(r"[^\W\d_]{2,}", str(v.value)) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _unmarked(node.left)
    if isinstance(node, ast.IfExp):
        return _unmarked(node.body) or _unmarked(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _unmarked(node.func.value)
    return False


def _said(call: ast.Call) -> list[ast.expr | None]:
    """The arguments of ``call`` a person reads."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
    keywords = {k.arg: k.value for k in call.keywords}
    said: list[ast.expr | None] = []
    if name == "Refused":
        said.append(call.args[1] if len(call.args) > 1 else keywords.get("message"))
    elif name in ("Done", "Phrase"):
        said.append(call.args[0] if call.args else keywords.get("message", keywords.get("text")))
    elif owner == "messages" and name in ("debug", "info", "success", "warning", "error", "add_message"):
        said.append(call.args[-1] if call.args else keywords.get("message"))
    said.extend(keywords[k] for k in ("label", "help_text", "verbose_name", "empty_label") if k in keywords)
    return said


def unmarked_in_python(source: str, filename: str = "<sample>") -> list[str]:
    return [
        f"{filename}:{node.lineno}: {ast.unparse(arg)[:90]}"
        for node in ast.walk(ast.parse(source, filename))
        if isinstance(node, ast.Call)
        for arg in _said(node)
        if arg is not None and _unmarked(arg)
    ]


def test_the_python_scan_catches_unmarked_messages():
    sample = """
raise Refused("code", "Not marked.")
raise Refused("code", _("Marked."))
raise Refused("code", f"{name} is not marked.")
messages.success(request, "Done, unmarked.")
messages.error(request, gettext("Marked %(x)s") % {"x": 1})
Phrase(N_("Marked"), {})
Phrase("Not marked", {})
forms.CharField(label="Unmarked label")
Done(_("Marked") if ok else "Unmarked")
"""
    assert [line.split(": ", 1)[1] for line in unmarked_in_python(sample)] == [
        "'Not marked.'",
        "f'{name} is not marked.'",
        "'Done, unmarked.'",
        "'Not marked'",
        "'Unmarked label'",
        "_('Marked') if ok else 'Unmarked'",
    ]


def test_every_refusal_message_phrase_and_label_in_the_code_is_marked_for_translation():
    found = [
        problem
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
        for problem in unmarked_in_python(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
    ]
    assert not found, "Messages not marked for translation:\n" + "\n".join(found)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="extraction needs Debian's gettext (bootstrap --dev)")
def test_every_message_extracted_from_the_code_has_a_spanish_and_a_french_translation(tmp_path, monkeypatch):
    """What ``scripts/translations`` would extract now, merged into copies of the shipped catalogs.

    makemessages writes to the catalog folder beside the code it reads, so it reads a copy of the code.
    """
    code = tmp_path / "confederal"
    shutil.copytree(SRC, code, ignore=shutil.ignore_patterns("locale", "static", "__pycache__", "*.mo"))
    for po in catalogs():
        target = code / "locale" / po.relative_to(LOCALE_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(po, target)
    monkeypatch.chdir(code)
    with override_settings(LOCALE_PATHS=[code / "locale"]):
        call_command(
            "makemessages",
            locale=list(LANGUAGES),
            no_obsolete=True,
            no_location=True,
            ignore_patterns=["node/static/*", "*/migrations/*"],
            extensions=["html", "txt", "py"],
            verbosity=0,
        )
    missing = [
        f"{lang}: {text!r}"
        for lang in LANGUAGES
        for text in untranslated(code / "locale" / lang / "LC_MESSAGES" / "django.po")
    ]
    assert not missing, (
        f"{len(missing)} messages lack a translation (run scripts/translations --todo, translate, run it again):\n"
        + "\n".join(missing)
    )


def test_the_shipped_catalogs_keep_every_placeholder_and_plural():
    for po in catalogs():
        catalog = read_catalog(po)
        problems = [
            f"{po.parent.parent.name}: {m.id!r}: {e}" for m, errs in catalog.check() if not m.fuzzy for e in errs
        ]
        assert not problems, "\n".join(problems)
        assert catalog.num_plurals == 2


@pytest.mark.parametrize(
    ("language", "day", "moment", "money", "share"),
    [
        ("en", "8 December 2026", "8 December 2026, 18:00 UTC", "1,320.00 EUR", "6.1%"),
        ("es", "8 de diciembre de 2026", "8 de diciembre de 2026, 18:00 UTC", "1.320,00 EUR", "6,1\u00a0%"),
        ("fr", "8 décembre 2026", "8 décembre 2026 à 18:00 UTC", "1\u202f320,00 EUR", "6,1\u202f%"),
    ],
)
def test_days_times_numbers_and_money_are_written_the_way_each_language_writes_them(
    language, day, moment, money, share
):
    with translation.override(language):
        assert words.day(date(2026, 12, 8)) == day
        assert words.moment(datetime(2026, 12, 8, 18, 0, tzinfo=UTC)) == moment
        assert words.amount(Amount(132000, "EUR")) == money
        assert words.amount(Amount(-500, "JPY", 0)) == "−500 JPY"
        assert words.percent(Fraction(61, 1000)) == share
        assert words.number(Fraction(5, 2), 2, trim=True) == ("2.5" if language == "en" else "2,5")
        assert words.number(1234567) == money[1].join(("1", "234", "567"))


@pytest.fixture
def cell(db, now):
    return build_cell(now)


def test_it_speaks_the_language_a_visitors_browser_asks_for(client, cell):
    page = client.get("/assemblies/oak-street/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5").content.decode()
    assert '<html lang="fr">' in page
    assert "Registre public" in page
    assert "fondée le 22 novembre 2026" in page
    assert "Public ledger" not in page

    page = client.get("/assemblies/oak-street/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in page
    assert "fundada el 22 de noviembre de 2026" in page
    assert "Propuestas abiertas" in page


def test_it_lets_a_visitor_switch_language_in_the_footer_without_javascript(db):
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/").content.decode()
    assert 'action="/language"' in page
    answer = visitor.post("/language", {"language": "es", "next": "/ledgers"})
    assert answer.status_code == 302
    assert answer["Location"] == "/ledgers"
    page = visitor.get("/ledgers").content.decode()
    assert '<html lang="es">' in page
    assert "Registros que lleva este nodo" in page
    # A place to go that is not on this node is not followed.
    assert visitor.post("/language", {"language": "fr", "next": "https://evil.example/"})["Location"] == "/"


def test_it_speaks_the_language_a_member_chose_whatever_their_browser_asks(client, cell):
    client.force_login(cell.users["ana"])
    answer = client.post("/accounts/language", {"language": "es"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.status_code == 303
    assert account_selectors.language_of(cell.users["ana"]) == "es"
    page = client.get("/assemblies/oak-street/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="es">' in page
    assert "Participas como Ana." in page
    account = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<option value="es" lang="es" selected>Español</option>' in account

    # Back to the browser's language.
    client.post("/accounts/language", {"language": ""})
    assert account_selectors.language_of(cell.users["ana"]) == ""
    page = client.get("/assemblies/oak-street/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Vous participez en tant que Ana." in page


def test_it_refuses_a_language_it_does_not_speak_and_changes_nothing(client, cell):
    client.force_login(cell.users["ana"])
    client.post("/accounts/language", {"language": "fr"})
    answer = client.post("/accounts/language", {"language": "xx-evil"}, follow=True)
    assert answer.status_code == 200
    assert "Ce nœud ne parle pas encore cette langue." in answer.content.decode()
    assert account_selectors.language_of(cell.users["ana"]) == "fr"
    assert client.get("/accounts/language").status_code == 405


def test_bootstrap_compiles_the_catalogs_in_pure_python_and_refuses_a_broken_placeholder(tmp_path):
    import gettext

    from confederal.cli.catalogs import compile_all

    for po in catalogs():
        target = tmp_path / po.relative_to(LOCALE_DIR)
        target.parent.mkdir(parents=True)
        shutil.copy(po, target)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in compile_all(tmp_path)) == [
        "es/LC_MESSAGES/django.mo",
        "fr/LC_MESSAGES/django.mo",
    ]
    assert compile_all(tmp_path) == []  # nothing newer to compile
    with (tmp_path / "fr/LC_MESSAGES/django.mo").open("rb") as f:
        french = gettext.GNUTranslations(f)
    assert french.gettext("Assemblies") == "Assemblées"
    assert french.ngettext("%(n)s member", "%(n)s members", 3) == "%(n)s membres"

    po = tmp_path / "es/LC_MESSAGES/django.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace(
            'msgstr "Cuenta abierta: %(name)s"', 'msgstr "Cuenta abierta: %(nombre)s"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(SystemExit, match="nombre"):
        compile_all(tmp_path)


def test_it_shows_a_consent_ballots_choices_in_the_readers_language(client, cell):
    client.force_login(cell.users["ana"])
    url = f"/assemblies/oak-street/proposals/{cell.proposal.number}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<li>Je consens</li>" in page
    assert "<li>Consent</li>" not in page
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<li>Doy mi consentimiento</li>" in page
