"""The chat panel: the kernel's conversation as a chat, next to the magics.

It drives the same ``Session`` as ``%%respond`` and ``%%chat``: a panel turn is
context for the next magic, and a magic's turn appears here. Requests run on a worker
thread, so the kernel stays usable while an answer streams and Stop is handled at once;
the session's lock keeps panel and magic turns from interleaving.

What the user typed is never lost: text the panel cannot send goes back into the box,
and a turn that fails ends in its error (worded for the panel: ``wording.py``) with a
Retry button that sends the same text, to the same model and API, again.

The Tools field offers tools as ``--tools`` does (the notebook's functions, ``python``,
the built-ins); a call that must be asked for shows Approve and Deny in its answer
(``approve.py``), since a prompt cannot be answered from the worker thread. The
Background box (shown for an API that takes ``--background``) runs each message as a
background response on the server, as ``--background`` does; Stop cancels it there.
The Answers box asks for that many answers side by side (``-n``), a tab each, and the
user picks the one the conversation continues from (``candidates.py``). How the
thread's turns are drawn is the message list's (``message_list.py``).
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w
from IPython import get_ipython

from ..backends import BACKENDS
from ..cancel import Cancel
from ..errors import Interrupted, JupyterResponsesError
from ..render.assets import style_block
from ..render.markup import escape_html
from ..render.widget import WidgetView, close_tree
from ..session import Session
from .answers_box import answers, answers_box
from .approve import Approvals
from .background_box import background_box, wanted
from .candidates import CandidateTabs
from .message_list import MessageList
from .messages import Watched, assistant, error_html, failure_box, row
from .saved import PanelBox, display_with_stand_in
from .sent import API_LABELS, Sent, request_for
from .wording import for_panel

if TYPE_CHECKING:
    from ..conversation import Conversation, Turn
    from ..turn_request import TurnRequest


@functools.cache
def panel_style() -> str:
    """The panel's ``<style>`` block (``panel.css``, read once)."""
    return style_block(__package__, "panel.css")


class ChatPanel:
    """The panel widget; ``display(panel)`` shows it (with its stand-in for saved
    notebooks: see ``_ipython_display_``); ``panel.widget`` is the bare widget."""

    def __init__(
        self,
        session: Session,
        model: str,
        api: str,
        interval: float = 0.05,
        background: bool = False,
    ) -> None:
        from .model_box import ModelBox
        from .prompt_box import PromptBox

        self.session = session
        self.interval = interval
        self.cancel = Cancel()
        self.worker: threading.Thread | None = None
        #: The last turn's error as shown (worded for the panel); "" after a success.
        self.last_error = ""
        # The input box is made first: its comm is the panel's first anywidget (tests
        # drive it by that).
        self.prompt = PromptBox()
        self.model = ModelBox(value=model, options=[model])
        self.model.add_class("jr-model-host")
        self.model.on_shown(self._list_models)
        self._models = "wanted"  # -> "fetching" -> "listed" (or back to "wanted")
        # Short labels so the switch keeps to one row in a narrow sidebar; the value is
        # still the backend's own label ("Chat Completions").
        self.api = w.ToggleButtons(
            options=[(label.split()[0], label) for label in API_LABELS],
            value=next(label for label, name in API_LABELS.items() if name == api),
            tooltips=[
                f"The {label} API (as %%{backend.magic})"
                for label, backend in zip(API_LABELS, BACKENDS.values(), strict=True)
            ],
        )
        self.api.add_class("jr-api")
        self.background = background_box(background, self.api)
        self.new_chat = w.Button(
            description="New chat", icon="plus", tooltip="Start a fresh conversation"
        )
        self.export_button = w.Button(
            description="Export", icon="download", tooltip="Save the conversation as a notebook"
        )
        self.messages = MessageList(interval)
        self.send_button = w.Button(description="Send", button_style="primary", icon="paper-plane")
        # What of the notebook each message carries (-c/--context specs), kept between
        # messages; read from the kernel's shell when a message is sent.
        self.shell = get_ipython()
        self.context = w.Text(
            placeholder="Context: cells:3, vars, df",
            tooltip="Notebook context each message carries, as with -c: cells, cells:N, "
            "vars, a variable's name, error, fix (comma-separated; empty: none)",
        )
        self.context.add_class("jr-context")
        # The tools each message offers (--tools names), kept between messages; the
        # functions are looked up in the kernel's namespace when a message is sent.
        self.tools = w.Text(
            placeholder="Tools: python, get_weather",
            tooltip="Tools the model may use, as with --tools: python (it runs code here, "
            "after you approve), your functions' names, web_search... (empty: none)",
        )
        self.tools.add_class("jr-tools")
        # How many answers each message asks for (-n), kept between messages.
        self.answers = answers_box()
        #: The newest turn's Approve / Deny questions, which Stop answers no.
        self.approvals: Approvals | None = None
        #: The newest message's candidates while their tabs may still pick the head.
        self.candidates: CandidateTabs | None = None
        self.stop_button = w.Button(description="Stop", icon="stop", disabled=True)
        self.stop_button.add_class("jr-panel-stop")
        self.notice = w.HTML()
        self.notice.add_class("jr-notice")
        self.thread = w.HTML()
        self.thread.add_class("jr-thread")
        #: The newest failure's Retry button (``None`` when the newest turn did not fail).
        self.retry_button: Any = None
        self._fresh = False  # the next redraw follows New chat
        self.widget = PanelBox(
            [
                w.HTML(panel_style()),
                row("jr-bar", self.model, self.api, self.background),
                self.messages.box,
                self.messages.hint,
                self.notice,
                self.prompt,
                row(
                    "jr-bar",
                    row("jr-group", self.send_button, self.stop_button),
                    self.answers,
                    self.context,
                    self.tools,
                    row("jr-group jr-end", self.new_chat, self.export_button, self.thread),
                ),
            ]
        )
        self.widget.add_class("jr-panel")
        self.prompt.on_submit(self.send)
        self.send_button.on_click(lambda _: self.prompt.submit())
        self.stop_button.on_click(lambda _: self.stop())
        self.new_chat.on_click(lambda _: self.start_new_chat())
        self.export_button.on_click(lambda _: self.export())
        self.show_conversation()
        session.listeners.append(self._on_change)

    def _ipython_display_(self) -> None:
        """The widget, after a stand-in for where it cannot be shown (``saved.py``)."""
        display_with_stand_in(self.widget)

    # -- actions -----------------------------------------------------------------------
    def send(self, text: str) -> None:
        """Send ``text`` from the input box as the next turn, to the model and API the
        panel shows, with the notebook context its Context field asks for and the tools
        its Tools field names (on the server in the background when the Background box
        is ticked and shown), as many answers as the Answers box asks for, on the
        worker thread. While a turn runs, or when the request cannot be made, the text
        stays in the box."""
        api = self.api.value
        self._start(
            Sent(
                text,
                api,
                self.model.value,
                self.context.value,
                self.tools.value,
                wanted(self.background, api),
                answers(self.answers),
            )
        )

    def retry(self, sent: Sent) -> None:
        """Send what was sent again as a new turn: what a failed turn's Retry button
        does (its context is gathered again and its tools looked up again: the notebook
        may have changed since)."""
        if self.busy:
            return
        if self.prompt.value.strip("\n") == sent.text:
            self.prompt.value = ""  # it was put back after the failure: it is sent now
        self._start(sent)

    def _start(self, sent: Sent) -> None:
        text = sent.text.strip("\n")
        if not text.strip():
            return
        sent = sent._replace(text=text)
        if self.busy:
            self._keep(text)
            return
        try:
            request = request_for(sent, self.session, self.shell)
        except JupyterResponsesError as error:
            self.notice.value = error_html(for_panel(str(error)))
            self._keep(text)
            return
        if self.prompt.value.strip("\n") == text:
            self.prompt.value = ""
        self.notice.value = ""
        self._drop_retry()
        self._retire_candidates()
        self.cancel.clear()
        self._busy(True)
        self.messages.bubble(text)
        answer = assistant()
        shown: Watched | CandidateTabs
        if request.candidates > 1:
            self.approvals = None
            self.candidates = shown = CandidateTabs(
                request.candidates, self.interval, self.session, self._say
            )
        else:
            self.approvals = approvals = Approvals(answer, lambda: watched.turn)
            shown = watched = Watched(WidgetView(self.interval, in_cell=False, confirm=approvals))
        answer.children = (shown.widget,)
        self.messages.append(answer)
        self.worker = threading.Thread(
            target=self._run,
            args=(request, shown, answer, sent),
            name="jupyter-responses-panel",
            daemon=True,
        )
        self.worker.start()

    def stop(self) -> None:
        """Stop the running turn; the partial answer stays, marked interrupted. A call
        waiting for Approve or Deny is denied (and so not run)."""
        self.cancel.set()
        if self.approvals is not None:
            self.approvals.stop()
        if self.candidates is not None:
            self.candidates.stop()

    def start_new_chat(self) -> None:
        """A fresh conversation in the current thread (the old one stays saved)."""
        if self.busy:
            return
        self.notice.value = ""
        self.last_error = ""
        self._fresh = True
        self.session.new_conversation()

    def export(self, path: str | Path | None = None) -> Path | None:
        """Save the conversation as a notebook (in the kernel's working directory by
        default) and say where; ``None`` when there is nothing to save."""
        from ..export import default_name, export

        conversation = self.session.conversation
        if self.busy or not conversation.turns:
            self.notice.value = "<i>Nothing to export yet.</i>" if not self.busy else ""
            return None
        target = Path(path) if path is not None else Path.cwd() / default_name(conversation)
        try:
            written = export(conversation, target)
        except (OSError, ValueError) as error:
            self.notice.value = error_html(f"Export failed: {error}")
            return None
        self.notice.value = f"Exported to <code>{escape_html(str(written))}</code>"
        return written

    @property
    def busy(self) -> bool:
        return self.worker is not None and self.worker.is_alive()

    def _keep(self, text: str) -> None:
        """Put ``text`` back into the input box, unless the user has typed anew."""
        if not self.prompt.value.strip():
            self.prompt.value = text

    # -- the model list ----------------------------------------------------------------
    def _list_models(self) -> None:
        """Offer the server's models in the model box: fetched once, on a thread, when
        a front end first shows the box (so making the panel never waits for the
        network); tried again on the next focus if it failed."""
        if self._models != "wanted":
            return
        self._models = "fetching"
        threading.Thread(
            target=self._fetch_models, name="jupyter-responses-models", daemon=True
        ).start()

    def _fetch_models(self) -> None:
        try:
            names = self.session.connection.models()
        except Exception:  # no key, no server, no /models: the box still takes any name
            self._models = "wanted"
            return
        self._models = "listed"
        if names:
            self.model.options = names

    # -- worker ------------------------------------------------------------------------
    def _run(
        self, request: TurnRequest, view: Watched | CandidateTabs, answer: Any, sent: Sent
    ) -> None:
        try:
            if isinstance(view, CandidateTabs):
                self.session.run_candidates(request, view.views, cancel=self.cancel)
            else:
                self.session.run(request, view, cancel=self.cancel)
            self.last_error = ""
            problem = self.session.threads.save_error
            self.notice.value = error_html(problem) if problem else ""
        except Interrupted:
            self.last_error = ""  # the turn itself is marked: Stop needs no error
        except JupyterResponsesError as error:
            heading, said = error.block()
            self._failed(answer, view, said, heading, sent)
        except Exception as error:  # a bug of ours must not kill the panel silently
            self._failed(answer, view, f"{type(error).__name__}: {error}", "Error", sent)
        finally:
            self._busy(False)

    def _failed(
        self, answer: Any, view: Watched | CandidateTabs, message: str, heading: str, sent: Sent
    ) -> None:
        """End a failed turn in one message: its error, worded for the panel, under
        whatever part of the answer arrived (nothing, when none did), with Retry; and
        the text back in the box. (Candidates fail only when all of them do: their tabs
        stay when any answer arrived, each saying why it failed.)"""
        self.last_error = for_panel(message)
        kept = view.arrived()
        if not kept:
            close_tree(view.widget)
            if view is self.candidates:
                self.candidates = None
        retry = self._new_retry(sent)
        failure = failure_box(self.last_error, heading, retry)
        answered = tuple(part for part in answer.children if part is not view.widget)
        answer.children = ((view.widget,) if kept else ()) + answered + (failure,)
        self._keep(sent.text)

    def _new_retry(self, sent: Sent) -> Any:
        button = w.Button(
            description="Retry", icon="redo", tooltip=f"Send this message again to {sent.model}"
        )
        button.add_class("jr-retry")
        button.on_click(lambda _: self.retry(sent))
        self.retry_button = button
        return button

    def _say(self, message: str) -> None:
        self.notice.value = error_html(message) if message else ""

    def _retire_candidates(self) -> None:
        """Only the newest message's candidates can be picked: a later turn moves on."""
        if self.candidates is not None:
            self.candidates.retire()
            self.candidates = None

    def _drop_retry(self) -> None:
        """Only the newest failure offers Retry: a later turn has moved on."""
        if self.retry_button is not None:
            self.retry_button.layout.display = "none"
            self.retry_button = None

    def _busy(self, busy: bool) -> None:
        self.prompt.disabled = busy
        self.context.disabled = busy
        self.tools.disabled = busy
        self.answers.disabled = busy
        self.send_button.disabled = busy
        self.stop_button.disabled = not busy
        self.new_chat.disabled = busy
        self.export_button.disabled = busy
        if self.retry_button is not None:
            self.retry_button.disabled = busy
        if self.candidates is not None:
            self.candidates.enable(not busy)

    # -- turns made elsewhere ----------------------------------------------------------
    def show_conversation(self) -> None:
        """Show the current thread's branch afresh (thread switched, head moved)."""
        conversation = self.session.conversation
        self.thread.value = f"thread <b>{escape_html(conversation.name)}</b>"
        self.retry_button = None
        self.candidates = None  # their tabs go: the branch shows the head's answer
        self.messages.show_branch(conversation, fresh=self._fresh)
        self._fresh = False

    def _on_change(self, conversation: Conversation, turn: Turn | None) -> None:
        """Keep the panel on the current thread's branch: a turn that continues what is
        shown is added (the panel's own turn is already there, streamed); anything
        else (a regenerated cell, a switch, a new chat) redraws the branch."""
        if conversation is not self.session.conversation:
            return
        shown = self.messages.shown
        if self.candidates is not None and self.candidates.follow(conversation, turn, shown):
            return
        if turn is not None and self.messages.continues(turn):
            self._retire_candidates()
            if turn.magic == "panel":
                shown.append(turn.id)
            else:
                self.messages.show_finished(turn)
        else:
            self.show_conversation()


def panel_for(session: Session) -> ChatPanel:
    """The session's one panel (created on first use, so listeners never pile up)."""
    if session.panel is None:
        settings = session.settings()
        session.panel = ChatPanel(
            session, settings.model, settings.api, settings.render_interval, settings.background
        )
    return session.panel
