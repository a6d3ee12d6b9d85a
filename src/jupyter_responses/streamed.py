"""How pieces of text that stream in become the text of a turn: one place, and one
copy per turn (``Streamed``), which the session's recorder fills and live views read.

Servers send several parts in a row: summary parts and several reasoning items, several
assistant messages (a preamble before tool calls, then the answer; or items labelled
``commentary`` and ``final_answer``). Each part is its own paragraph, and the answer is
told apart from what was said on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: What separates two parts.
PARAGRAPH = "\n\n"


class Paragraphs:
    """Text in parts (``part`` tells them apart); joined with a blank line between."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.part: str | None = None

    def add(self, text: str, part: str = "") -> None:
        if part != self.part:
            if self.pieces:
                self.pieces.append(PARAGRAPH)
            self.part = part
        self.pieces.append(text)

    def text(self) -> str:
        return "".join(self.pieces)


@dataclass
class _Message:
    id: str
    phase: str | None
    pieces: list[str] = field(default_factory=list)
    on_the_way: bool = False  # tool calls followed it

    @property
    def commentary(self) -> bool:
        return self.phase == "commentary" or (self.on_the_way and self.phase != "final_answer")


class Answer:
    """The assistant's messages in a turn, in order. A message labelled commentary, or
    followed by a tool call (a preamble: "Let me look that up."), is commentary; the
    others are the answer, which is what ``-o`` and ``--schema`` get."""

    def __init__(self) -> None:
        self.messages: list[_Message] = []

    def add(self, text: str, message: str = "", phase: str | None = None) -> None:
        last = self.messages[-1] if self.messages else None
        if last is None or last.id != message:
            last = _Message(message, phase)
            self.messages.append(last)
        elif phase is not None:
            last.phase = phase
        last.pieces.append(text)

    def tool_called(self) -> None:
        """A tool call began: every message so far was said on the way to it."""
        for message in self.messages:
            message.on_the_way = True

    def text(self) -> str:
        """The answer: the messages that are not commentary, a paragraph each."""
        return PARAGRAPH.join(
            text for m in self.messages if not m.commentary and (text := "".join(m.pieces))
        )

    def commentary(self) -> list[str]:
        return [text for m in self.messages if m.commentary and (text := "".join(m.pieces))]


@dataclass(frozen=True)
class SoFar:
    """What a turn has streamed so far, for a view drawn before the turn ends (the
    turn's own ``text``, ``commentary`` and ``reasoning`` are set when it ends)."""

    text: str = ""
    commentary: tuple[str, ...] = ()
    reasoning: str = ""


class Streamed:
    """What a turn has streamed: the session's recorder adds each piece once, and live
    views read it when they draw (``so_far``), so no view keeps a copy per token."""

    def __init__(self) -> None:
        self.answer = Answer()
        self.reasoning = Paragraphs()
        self.refusal: list[str] = []

    def so_far(self) -> SoFar:
        """Joined now (once per redraw, never per token)."""
        answer = self.answer
        return SoFar(answer.text(), tuple(answer.commentary()), self.reasoning.text())
