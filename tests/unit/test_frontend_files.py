"""Front-end code lives in .js/.css files shipped in the package, not in Python strings."""

from __future__ import annotations

import gc
import re
import weakref
from importlib import resources
from pathlib import Path

import pytest

import jupyter_responses
from jupyter_responses.render.assets import turn_style

FILES = [
    ("jupyter_responses.render", "turn.css"),
    ("jupyter_responses.render", "turn.js"),
    ("jupyter_responses.chat_panel", "panel.css"),
    ("jupyter_responses.chat_panel", "prompt_box.js"),
]

#: A ``<style>`` tag followed by a rule, or an anywidget's ``render``: front-end code
#: written inline. (``f"<style>\n{css}</style>"`` around a loaded file is fine.)
INLINE = re.compile(r"<style>\s*[.#@a-zA-Z*:\[]|function render\(")


@pytest.mark.parametrize(("package", "name"), FILES)
def test_the_files_ship_in_the_package(package: str, name: str) -> None:
    resource = resources.files(package).joinpath(name)
    assert resource.is_file()
    assert resource.read_text(encoding="utf-8").strip()


def test_the_styles_are_read_from_the_files() -> None:
    from jupyter_responses.chat_panel.panel import panel_style

    for style, selector in ((turn_style(), ".jr-answer"), (panel_style(), ".jr-panel")):
        assert style.startswith("<style>") and style.rstrip().endswith("</style>")
        assert selector in style


def test_the_turn_chrome_is_the_js_and_css_files() -> None:
    from jupyter_responses.render.widget import TurnChrome

    chrome = TurnChrome()
    try:
        files = resources.files("jupyter_responses.render")
        assert chrome._esm == files.joinpath("turn.js").read_text(encoding="utf-8")
        assert chrome._css == files.joinpath("turn.css").read_text(encoding="utf-8")
    finally:
        chrome.close()


def test_no_python_module_holds_front_end_code() -> None:
    root = Path(jupyter_responses.__file__).parent
    modules = [p for p in root.rglob("*.py") if "emulator" not in p.relative_to(root).parts]
    assert len(modules) > 10
    inline = [
        str(p.relative_to(root)) for p in modules if INLINE.search(p.read_text(encoding="utf-8"))
    ]
    assert inline == []


def test_the_guard_would_catch_inline_code() -> None:
    assert INLINE.search('CSS = """<style>\n.jr-x { color: red; }</style>"""')
    assert INLINE.search("ESM = 'function render({ model, el }) {}'")


def test_prompt_box_script_is_the_js_file() -> None:
    from jupyter_responses.chat_panel.prompt_box import PromptBox

    box = PromptBox()
    try:
        js = resources.files("jupyter_responses.chat_panel").joinpath("prompt_box.js")
        assert box._esm == js.read_text(encoding="utf-8")
        assert "function render(" in box._esm
    finally:
        box.close()


def test_a_closed_prompt_box_can_be_collected() -> None:
    """(A path as ``_esm`` would pin every instance to anywidget's file watcher.)"""
    from jupyter_responses.chat_panel.prompt_box import PromptBox

    box = PromptBox()
    box.on_submit(lambda text: None)
    box.close()
    ref = weakref.ref(box)
    del box
    gc.collect()
    assert ref() is None


def test_the_panel_package_does_not_shadow_panel() -> None:
    """``jupyter_responses.panel()`` stays the function once the package is imported."""
    import jupyter_responses
    from jupyter_responses.chat_panel import ChatPanel, panel_for

    assert callable(jupyter_responses.panel) and jupyter_responses.panel.__name__ == "panel"
    assert ChatPanel.__module__ == "jupyter_responses.chat_panel.panel" and callable(panel_for)


def test_the_saved_stylesheet_is_the_file_minified_not_changed() -> None:
    from jupyter_responses.render.assets import asset_text, minified

    css = asset_text("jupyter_responses.render", "turn.css")
    saved = turn_style()
    assert saved == f"<style>{minified(css)}</style>" and len(saved) < len(css)
    assert "/*" not in saved and "\n" not in saved
    # a descendant combinator before a pseudo-class stays one
    assert ".jr-answer.jr-answer :is(" in saved and ".jr-answer.jr-answer :not(pre)>code" in saved
    rules = re.findall(r"([^{}]+)\{", re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL))
    assert len(re.findall(r"([^{}]+)\{", saved)) == len(rules)
    assert minified(".a  :is(b) > c , d { color : red ; }") == ".a :is(b)>c,d{color : red;}"
