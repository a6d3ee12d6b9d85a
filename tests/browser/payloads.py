"""Answers that would run script if anything rendered model output as trusted HTML.

Each payload adds its own name to the list ``window.__pwned``, so a failure says which one got
through. They cover raw HTML (script, event handlers, frames, SVG, MathML), links
(``javascript:``, entity-encoded, mixed case, autolinks, ``data:``) and Markdown tricks
that smuggle attributes into image and link syntax.
"""

from __future__ import annotations


def _set(name: str, where: str = "window") -> str:
    return f"({where}.__pwned={where}.__pwned||[]).push('{name}')"


PAYLOADS: dict[str, str] = {
    "script": f"<script>{_set('script')}</script>",
    "img-onerror": f'<img src=x onerror="{_set("img-onerror")}">',
    "svg-onload": f'<svg onload="{_set("svg-onload")}"><circle r="4"/></svg>',
    "svg-script": f"<svg><script>{_set('svg-script')}</script></svg>",
    "iframe-js": f'<iframe src="javascript:{_set("iframe-js", "parent")}"></iframe>',
    "iframe-srcdoc": (
        f'<iframe srcdoc="<script>{_set("iframe-srcdoc", "parent")}</script>"></iframe>'
    ),
    "details-ontoggle": (
        f'<details open ontoggle="{_set("details-ontoggle")}"><summary>x</summary></details>'
    ),
    "input-autofocus": f'<input autofocus onfocus="{_set("input-autofocus")}">',
    "object-data": f'<object data="javascript:{_set("object-data", "parent")}"></object>',
    "math-mxss": (
        "<math><mtext><table><mglyph><style><img src=x "
        f'onerror="{_set("math-mxss")}"></style></mglyph></table></mtext></math>'
    ),
    "md-js-link": f"[click me](javascript:{_set('md-js-link')})",
    "md-js-link-case": f"[click me](JaVaScRiPt:{_set('md-js-link-case')})",
    "md-js-entity": f"[click me](javascript&#58;{_set('md-js-entity')})",
    "md-js-autolink": f"<javascript:{_set('md-js-autolink')}>",
    "md-data-link": "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md-image-attr": f'![x](x" onerror="{_set("md-image-attr")})',
    "md-html-link": f'<a href="javascript:{_set("md-html-link")}">click me</a>',
    "md-ref-link": f"[click me][r]\n\n[r]: javascript:{_set('md-ref-link')}",
}

#: Every payload in one answer, each in its own paragraph.
ALL = "\n\n".join(f"{name}: {payload}" for name, payload in PAYLOADS.items())

#: Finds what a sanitizer must never leave in the page: script-capable elements, event
#: handler attributes, and links or frames whose URL is not http(s), mailto or in-page.
#: Plain-text outputs are skipped: JupyterLab's own text renderer turns any URL in
#: printed text into a link (``print()`` does the same), and Chromium refuses to
#: navigate to ``data:`` URLs anyway.
FIND_DANGER = """
(root) => {
  const found = [];
  for (const el of root.querySelectorAll('*')) {
    if (el.closest('.jp-RenderedText')) continue;
    const tag = el.tagName.toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'frame', 'base', 'form'].includes(tag))
      found.push('<' + tag + '>');
    for (const attr of el.attributes) {
      if (attr.name.toLowerCase().startsWith('on')) found.push(tag + '[' + attr.name + ']');
      if (['href', 'src', 'xlink:href', 'action', 'formaction', 'data', 'srcdoc']
          .includes(attr.name.toLowerCase())) {
        const value = attr.value.trim().toLowerCase().replace(/[\\s\\u0000-\\u001f]+/g, '');
        const scripted = /^(javascript|data:text|vbscript)/.test(value);
        if (attr.name.toLowerCase() === 'srcdoc' || scripted) {
          const where = el.closest('.jp-OutputArea-output, .jr-panel');
          found.push(tag + '[' + attr.name + '=' + attr.value.slice(0, 40) + '] in ' +
            (where ? where.className : '?'));
        }
      }
    }
  }
  return found;
}
"""
