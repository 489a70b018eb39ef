"""Comments' Markdown as safe HTML: no raw HTML, links only to http(s) and mail, mentions as links.

markdown-it-py escapes every ``<`` of the source (``html`` off), drops links whose address is not
http, https or mailto (they stay as text), and never loads an image (they show as their text).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

__all__ = ["MENTION", "mentioned", "render"]

#: ``@name``: a sign-in name (Django's letters, digits and @.+-_), not inside a word or an address.
MENTION = re.compile(r"(?<![\w@.])@([\w.+-]{1,150})", re.UNICODE)
_SCHEMES = ("http://", "https://", "mailto:")


def mentioned(body: str) -> set[str]:
    """The sign-in names ``body`` mentions (some may name nobody who reads the thread)."""
    return {name.rstrip(".") for name in MENTION.findall(body)}


def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(_SCHEMES)


_NAME = re.compile(r"@([\w.+-]{1,150})", re.UNICODE)


def _mention(state: StateInline, silent: bool) -> bool:
    """An inline rule: ``@name`` of someone in ``env["people"]`` becomes a link to ``env["people"][name]``."""
    if state.src[state.pos] != "@" or (state.pos > 0 and re.match(r"[\w@.]", state.src[state.pos - 1])):
        return False
    match = _NAME.match(state.src, state.pos)
    if match is None:
        return False
    name = match[1].rstrip(".")
    people: Mapping[str, str] = state.env.get("people", {})
    if name not in people:
        return False
    if not silent:
        link = state.push("link_open", "a", 1)
        link.attrs = {"href": people[name], "class": "mention"}
        state.push("text", "", 0).content = "@" + name
        state.push("link_close", "a", -1)
    state.pos += 1 + len(name)
    return True


def _link_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    if token.attrGet("class") != "mention":
        token.attrSet("rel", "nofollow ugc noopener")
    return self.renderToken(tokens, idx, options, env)


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "html_inline", "html_block"])
    md.validateLink = _safe_link  # type: ignore[method-assign]
    md.inline.ruler.before("emphasis", "mention", _mention)
    md.add_render_rule("link_open", _link_open)
    return md


_MD = _build()


def render(body: str, people: Mapping[str, str] | None = None) -> str:
    """``body`` as HTML to put on a page as it is; ``people`` maps a sign-in name that may be mentioned to its link."""
    env: dict[str, Any] = {"people": dict(people or {})}
    return str(_MD.render(body, env))
