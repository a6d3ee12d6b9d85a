"""Math spans survive Markdown whole, in every delimiter style models write, and come out
in the delimiters MathJax typesets; what is not math stays text."""

from __future__ import annotations

import pytest

from jupyter_responses.render.markup import to_html


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        (r"Posterior \( P(\theta \mid x) \) here.", r"<p>Posterior \(P(\theta \mid x)\) here.</p>"),
        (r"Set $\{1, 2\}$ and $a*b*c$.", r"<p>Set \(\{1, 2\}\) and \(a*b*c\).</p>"),
        (
            "$$\na &= b \\\\\nc &= d\n$$",
            '<div class="jr-math">\\[a &amp;= b \\\\\nc &amp;= d\\]</div>',
        ),
        (r"\[ \int_0^1 x\,dx \]", r'<div class="jr-math">\[\int_0^1 x\,dx\]</div>'),
        (
            "\\begin{align}\na &= 1 \\\\\nb &= 2\n\\end{align}",
            '<div class="jr-math">\\begin{align}\na &amp;= 1 \\\\\nb &amp;= 2\n\\end{align}</div>',
        ),
        (r"Inline $$x^2$$ too.", r"<p>Inline \(x^2\) too.</p>"),
    ],
)
def test_every_delimiter_style_keeps_its_tex(markdown: str, html: str) -> None:
    assert to_html(markdown).strip() == html


def test_what_is_not_math_stays_text() -> None:
    assert to_html("Costs $5 and $10.").strip() == r"<p>Costs \$5 and \$10.</p>"
    assert "<code>$x$ \\(y\\)</code>" in to_html("`$x$ \\(y\\)`")
    assert "<em>" in to_html("*a* and \\(b\\)") and "\\(b\\)" in to_html("*a* and \\(b\\)")


def test_math_cannot_carry_markup() -> None:
    out = to_html(r"$<script>alert(1)</script>$ and \(<img src=x onerror=alert(1)>\)")
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;" in out
