"""A Doc pushed into a WeCom group: markdown for the AI bot, text with real @s for the group robot.

A push cannot bring buttons into a group (the AI bot's pushed template cards are documented for
single chats only), so ``typed`` replaces a Doc's buttons by the typed commands that do the
same. Markdown is CommonMark (the AI bot's markdown message, doc 101138, ≤20480 bytes), which
has no escape WeCom documents: user text shows its markup characters as their full-width forms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from bot.domain.plan import Person
from bot.domain.text import listed
from bot.i18n import Translator
from bot.render.doc import Doc, Seg, Style
from bot.service.buttons import Done, StaleButton, unpack
from bot.wecom.render import buttons, mentioned
from bot.wecom.text import lines_of, neutral, pack, plain

MARKDOWN_BYTES = 20480
ROBOT_TEXT_BYTES = 2048
SEP = "  \n"  # a hard line break in CommonMark: every line of the Doc stays a line
SLOT = "\x00"  # where a translated sentence puts its command

_MARKS = str.maketrans(
    {
        "\\": "＼",
        "*": "＊",
        "`": "｀",
        "[": "［",
        "]": "］",
        "<": "＜",
        ">": "＞",
        "~": "～",
        "|": "｜",
    }
)
_HEADING = re.compile(r"#(?=[#\s]|$)")  # "# x" is a heading; "#1" (an incident) is not
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")  # not inside a word: report_up stays
_URL_SAFE = ":/?#[]@!$&'*+,;=%-._~"


def escape_markdown(text: str) -> str:
    """Text that markdown shows as it is: no emphasis, link, image, code, quote, HTML or heading."""
    return _UNDERSCORE.sub("＿", _HEADING.sub("＃", text.translate(_MARKS)))


def _url(ref: object) -> str | None:
    """A link's address for ``[text](address)``: http(s) only, parentheses and spaces encoded."""
    if not isinstance(ref, str):
        return None
    try:
        parts = urlsplit(ref.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(ref.strip(), safe=_URL_SAFE)


def _wrap(mark: str, text: str) -> str:
    """Emphasis around the text, its outer spaces kept outside (CommonMark needs that)."""
    core = text.strip()
    if not core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}{mark}{core}{mark}{trail}"


def markdown(seg: Seg) -> str:
    """One segment as markdown; its text escaped."""
    if seg.style is Style.CODE:
        code = neutral(seg.text).replace("`", "｀")
        return f"`{code}`" if code.strip() else code
    if seg.style is Style.LINK:
        url = _url(seg.ref)
        if url is None:
            return escape_markdown(plain(seg))
        return f"[{escape_markdown(neutral(seg.text)) or escape_markdown(url)}]({url})"
    text = escape_markdown(neutral(seg.text))
    mark = {Style.BOLD: "**", Style.ITALIC: "*"}.get(seg.style)
    return _wrap(mark, text) if mark else text


def to_markdown(doc: Doc, limit: int = MARKDOWN_BYTES) -> list[str]:
    """The Doc's lines as markdown messages of at most ``limit`` bytes (its buttons: ``typed``)."""
    return pack(lines_of(doc), markdown, limit, SEP)


@dataclass(frozen=True)
class RobotText:
    """One group robot text message: its content and the userids it @-mentions."""

    content: str
    mentioned_list: tuple[str, ...] = ()

    def payload(self) -> dict[str, Any]:
        """The webhook's JSON body."""
        text: dict[str, Any] = {"content": self.content}
        if self.mentioned_list:
            text["mentioned_list"] = list(self.mentioned_list)
        return {"msgtype": "text", "text": text}


def robot_texts(
    doc: Doc, people: Mapping[str, Person], limit: int = ROBOT_TEXT_BYTES
) -> list[RobotText]:
    """The Doc as robot texts of at most ``limit`` bytes; the first @-mentions its people.

    People are named in the text (no "@": the robot's ``mentioned_list`` is what notifies);
    those with a WeCom userid are in that list, people without one are only named.
    """
    lines = [[Seg(plain(seg)) for seg in line] for line in lines_of(doc, at="")]
    contents = pack(lines, _text, limit, "\n")  # neutral before any cut, so no cut undoes it
    userids = tuple(mentioned(doc, people))
    return [RobotText(text, userids if index == 0 else ()) for index, text in enumerate(contents)]


def _text(seg: Seg) -> str:
    return seg.text


def _command(data: str, number: int) -> tuple[str, bool] | None:
    """The typed command a button stands for, and whether it is the card's (``/status``)."""
    try:
        press = unpack(data)
    except StaleButton:
        return None
    match press:
        case Done(obligation=obligation):
            return f"/done {number} {obligation}", False
    return f"/status {number}", True


def command_for(data: str, number: int) -> str | None:
    """The command typed to do what a button does, for incident #``number``.

    ``/done N task`` for a task's button; ``/status N`` (the incident card, where the buttons
    are; while it is graded, the question it waits on) for the presses without a command.
    """
    found = _command(data, number)
    return None if found is None else found[0]


def typed(doc: Doc, t: Translator, number: int, bot: str | None = None) -> Doc:
    """The Doc for a push: its lines, then in place of its buttons the commands to type.

    ``bot`` is the name people @ in the group (default: the translated "机器人").
    """
    out = Doc(lines=[list(line) for line in doc.lines])
    at = "@" + (bot or t("wecom.bot"))
    on_card: list[str] = []
    for button in buttons(doc):
        found = _command(button.data, number)
        if found is None:
            continue
        command, card = found
        if card:
            on_card.append(button.label)
        else:
            sentence = t("wecom.typed.command", label=button.label, command=SLOT)
            out.lines.append(_sentence(sentence, f"{at} {command}"))
    if on_card:
        sentence = t("wecom.typed.card", labels=listed(on_card, t.lang), command=SLOT)
        out.lines.append(_sentence(sentence, f"{at} /status {number}"))
    return out


def _sentence(text: str, command: str) -> list[Seg]:
    """A translated sentence with the command, as code, where the sentence puts it."""
    before, _, after = text.partition(SLOT)
    return [seg for seg in (Seg(before), Seg(command, Style.CODE), Seg(after)) if seg.text]
