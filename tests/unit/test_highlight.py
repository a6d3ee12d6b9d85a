"""Code blocks are highlighted in the theme's colours, survive the sanitizer, and a
model cannot use the allowance to style anything itself."""

from __future__ import annotations

from jupyter_responses.render.markup import to_html


def test_a_known_language_is_highlighted_with_the_themes_variables() -> None:
    out = to_html("```python\ndef f(x):\n    return x  # note\n```")
    framed = '<pre style="background-color:var(--jp-layout-color0, #fff);border:1px solid'
    assert out.startswith(framed)
    keyword = '<span style="color:var(--jp-mirror-editor-keyword-color, #008000);font-weight:bold">'
    assert f"{keyword}def</span>" in out
    assert 'font-style:italic"># note</span>' in out


def test_unknown_or_missing_languages_stay_plain_but_boxed() -> None:
    for fence in ("```\nx = 1\n```", "```nosuchlang\nx = 1\n```"):
        out = to_html(fence)
        assert "<span" not in out and "<code>x = 1\n</code></pre>" in out


def test_models_cannot_style_or_escape_the_code() -> None:
    out = to_html('```python onerror="x"\n</code></pre><script>1</script>\n```')
    assert "<script" not in out and "onerror" not in out
    out = to_html('<span style="color:red;position:fixed">x</span>')
    assert "<span" not in out  # raw HTML stays text
