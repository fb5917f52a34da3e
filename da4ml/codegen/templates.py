"""The one Jinja environment of the code generators (strict: an undefined name is an error)."""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path

import jinja2

__all__ = ["environment", "render", "templates_root"]


class _ResourceLoader(jinja2.BaseLoader):
    """Loads templates from the installed package data ``da4ml/rtl_templates`` (works from a wheel)."""

    def get_source(self, environment: jinja2.Environment, template: str):
        node = templates_root()
        for part in template.split("/"):
            node = node / part
        if not node.is_file():
            raise jinja2.TemplateNotFound(template)
        source = node.read_text(encoding="utf-8")
        return source, None, lambda: True


@functools.lru_cache(maxsize=1)
def templates_root():
    """``da4ml/rtl_templates`` of the installed package; in a source checkout (editable install), the
    top-level ``rtl_templates/`` folder that the wheel installs there."""
    root = files("da4ml") / "rtl_templates"
    if root.is_dir():
        return root
    source_tree = Path(__file__).resolve().parents[2] / "rtl_templates"
    if source_tree.is_dir():
        return source_tree
    raise FileNotFoundError(
        f"da4ml's RTL templates are missing: neither {root} nor {source_tree} exists; reinstall da4ml"
    )


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The strict environment: StrictUndefined, trim_blocks, lstrip_blocks, keep_trailing_newline."""
    return jinja2.Environment(
        loader=_ResourceLoader(),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        auto_reload=False,
    )


def render(template: str, **context) -> str:
    """Render ``rtl_templates/<template>`` with ``context``."""
    return environment().get_template(template).render(**context)
