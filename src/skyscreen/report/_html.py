"""HTML pieces of the report: the page, tables, figures and notes.

The page is one self-contained HTML5 document: inline CSS, figures as ``data:`` URIs,
no script, and a Content-Security-Policy that lets it load nothing from anywhere
else, so it opens offline and shows the same wherever it is copied.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

__all__ = [
    "Column",
    "figure_html",
    "fmt_number",
    "fmt_pct",
    "fmt_usd",
    "note_html",
    "page_html",
    "table_html",
]

Column = tuple[str, str, Callable[[Any], str]]
"""A table column: (DataFrame column, header, formatter)."""


def esc(text: object) -> str:
    """``text`` escaped for HTML text and attribute values."""
    return html.escape(str(text), quote=True)


def _nan(x: Any) -> bool:
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def fmt_number(x: Any) -> str:
    """A number to three significant figures, thousands separated; ``–`` for NaN."""
    if x is None or _nan(x):
        return "–"
    v = float(x)
    if v == int(v) and abs(v) < 1e15:
        return f"{int(v):,}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def fmt_usd(x: Any) -> str:
    """Dollars, whole, thousands separated."""
    if x is None or _nan(x):
        return "–"
    return f"${float(x):,.0f}"


def fmt_pct(x: Any) -> str:
    """A probability as a percentage with one decimal."""
    if x is None or _nan(x):
        return "–"
    return f"{100.0 * float(x):.1f}%"


def fmt_text(x: Any) -> str:
    """Any value as text."""
    return str(x)


def table_html(
    frame: pd.DataFrame, columns: Sequence[Column], table_id: str = ""
) -> str:
    """An HTML table of ``frame``'s ``columns``; numbers right-aligned."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for _, h, _ in columns)
    body = []
    for _, row in frame.iterrows():
        cells = []
        for i, (col, _, fmt) in enumerate(columns):
            text = esc(fmt(row[col]))
            if i == 0:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    ident = f' id="{esc(table_id)}"' if table_id else ""
    return (
        f'<div class="table-wrap"><table{ident}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def figure_html(fig_id: str, uri: str, alt: str, caption: str) -> str:
    """A figure with its embedded image and caption."""
    return (
        f'<figure id="{esc(fig_id)}"><img src="{uri}" alt="{esc(alt)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def note_html(text: str) -> str:
    """A visible note: what the run lacks and how to get it."""
    return f'<p class="note" role="note"><strong>Note.</strong> {esc(text)}</p>'


_CSS = """
:root { --ink: #1F2933; --muted: #52606D; --rule: #D9E2EC; --accent: #0072B2;
  --paper: #FFFFFF; --band: #F5F7FA; --warn: #FFF4E5; --warn-edge: #E69F00; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans",
  sans-serif; color: var(--ink); background: var(--band); line-height: 1.45; }
body { margin: 0; }
header.top { background: #243B53; color: #F0F4F8; padding: 1.4rem 2rem 1.1rem; }
header.top h1 { margin: 0 0 .3rem; font-size: 1.6rem; font-weight: 650; }
header.top p { margin: .15rem 0; color: #D9E2EC; max-width: 70rem; }
dl.facts { display: flex; flex-wrap: wrap; gap: .4rem 1.6rem; margin: .8rem 0 0; }
dl.facts div { display: flex; gap: .4rem; }
dl.facts dt { color: #9FB3C8; }
dl.facts dd { margin: 0; font-weight: 600; }
.layout { display: flex; align-items: flex-start; gap: 1.5rem; padding: 1.2rem 2rem;
  max-width: 90rem; margin: 0 auto; }
nav.toc { position: sticky; top: 1rem; flex: 0 0 13rem; background: var(--paper);
  border: 1px solid var(--rule); border-radius: 6px; padding: .8rem 1rem; }
nav.toc h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .06em;
  color: var(--muted); margin: 0 0 .4rem; }
nav.toc ol { margin: 0; padding-left: 1.2rem; }
nav.toc li { margin: .25rem 0; font-size: .9rem; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
main { flex: 1 1 auto; min-width: 0; }
section { background: var(--paper); border: 1px solid var(--rule); border-radius: 6px;
  padding: 1rem 1.4rem 1.2rem; margin: 0 0 1.2rem; }
section h2 { font-size: 1.2rem; margin: 0 0 .5rem; }
section p.lead { color: var(--muted); margin: 0 0 .8rem; max-width: 60rem; }
figure { margin: .6rem 0 1rem; }
figure img { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .85rem; margin-top: .3rem;
  max-width: 60rem; }
.table-wrap { overflow-x: auto; margin: .4rem 0 .8rem; }
table { border-collapse: collapse; font-size: .88rem; font-variant-numeric:
  tabular-nums; }
th, td { padding: .28rem .7rem; border-bottom: 1px solid var(--rule); }
thead th { text-align: right; background: var(--band); font-weight: 600;
  border-bottom: 2px solid var(--rule); }
thead th:first-child, tbody th { text-align: left; }
tbody th { font-weight: 500; }
td { text-align: right; }
tbody tr:hover { background: #F0F4F8; }
p.note { background: var(--warn); border-left: 4px solid var(--warn-edge);
  padding: .5rem .8rem; margin: .6rem 0; max-width: 60rem; }
footer { color: var(--muted); font-size: .8rem; text-align: center;
  padding: 0 0 1.5rem; }
@media (max-width: 60rem) { .layout { flex-direction: column; }
  nav.toc { position: static; width: 100%; } }
@media print { nav.toc { display: none; } section { break-inside: avoid; } }
"""

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def page_html(
    title: str,
    heading: str,
    intro: str,
    facts: Sequence[tuple[str, str]],
    sections: Sequence[tuple[str, str, str]],
    footer: str,
) -> str:
    """The whole page: a header, a table of contents, the sections, a footer.

    ``sections``: (id, title, inner HTML) each.
    """
    fact_html = "".join(
        f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in facts
    )
    toc = "".join(
        f'<li><a href="#{esc(sid)}">{esc(stitle)}</a></li>'
        for sid, stitle, _ in sections
    )
    body = "\n".join(
        f'<section id="{esc(sid)}" aria-labelledby="{esc(sid)}-h">'
        f'<h2 id="{esc(sid)}-h">{esc(stitle)}</h2>\n{inner}</section>'
        for sid, stitle, inner in sections
    )
    intro_html = f"<p>{esc(intro)}</p>" if intro else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="skyscreen report">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<header class="top"><h1>{esc(heading)}</h1>{intro_html}'
        f'<dl class="facts">{fact_html}</dl></header>\n'
        '<div class="layout">\n'
        f'<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{toc}</ol>'
        "</nav>\n"
        f"<main>\n{body}\n</main>\n</div>\n"
        f"<footer>{esc(footer)}</footer>\n</body>\n</html>\n"
    )
