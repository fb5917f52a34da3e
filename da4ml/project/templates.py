"""The one Jinja environment of every file da4ml generates (strict: an undefined name is an error).

One loader per template root, chosen by a prefix: ``rtl:`` for the HDL and tool scripts
(``da4ml/rtl_templates``), ``hls:`` for the HLS C++ and its script (``da4ml/hls_templates``), ``verif:`` for the
testbench (``da4ml/verif/templates``), ``report:`` for the HTML report (``da4ml/report/templates``; ``*.html.j2``
templates are autoescaped, nothing else is). The roots ship in the wheel; in a source checkout they are the
top-level ``rtl_templates/``, ``hls_templates/`` and ``verif/templates/``.
"""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path

import jinja2

from .provenance import Header

__all__ = ["ROOTS", "environment", "render", "template_root"]

_SOURCE_TREE = Path(__file__).resolve().parents[2]
ROOTS: dict[str, tuple[str, ...]] = {  # prefix -> folder below the installed package ``da4ml``
    "rtl": ("rtl_templates",),
    "hls": ("hls_templates",),
    "verif": ("verif", "templates"),
    "report": ("report", "templates"),
}


@functools.cache
def template_root(prefix: str):
    """The folder of the templates named ``<prefix>:...`` (installed package data, else the source tree)."""
    parts = ROOTS[prefix]
    installed = files("da4ml").joinpath(*parts)
    if installed.is_dir():
        return installed
    source = _SOURCE_TREE.joinpath(*parts) if prefix != "report" else _SOURCE_TREE.joinpath("da4ml", *parts)
    if source.is_dir():
        return source
    raise FileNotFoundError(
        f"da4ml's {prefix!r} templates are missing: neither {installed} nor {source} exists; reinstall da4ml"
    )


class _RootLoader(jinja2.BaseLoader):
    """Templates of one root, read through importlib.resources (works from a wheel and a source checkout)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def get_source(self, environment: jinja2.Environment, template: str):
        node = template_root(self.prefix)
        for part in template.split("/"):
            node = node / part
        if not node.is_file():
            raise jinja2.TemplateNotFound(f"{self.prefix}:{template}")
        return node.read_text(encoding="utf-8"), None, lambda: True


def _comment(header: Header, prefix: str) -> str:
    """The header as comment lines (``prefix`` is the language's line comment: ``//``, ``#``, ``--``)."""
    return "\n".join(f"{prefix} {line}" for line in header.lines)


@functools.cache
def environment() -> jinja2.Environment:
    """The strict environment: StrictUndefined, trim_blocks, lstrip_blocks, keep_trailing_newline."""
    env = jinja2.Environment(
        loader=jinja2.PrefixLoader({prefix: _RootLoader(prefix) for prefix in ROOTS}, delimiter=":"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
        auto_reload=False,
    )
    env.filters["comment"] = _comment
    return env


def render(template: str, **context) -> str:
    """Render ``<prefix>:<name>`` (e.g. ``rtl:comb_module.v.j2``) with ``context``."""
    return environment().get_template(template).render(**context)
