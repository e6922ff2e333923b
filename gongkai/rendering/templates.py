"""Turns the template sources of a Snapshot into a Jinja2 environment, and template failures into problems."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from gongkai.problems import Problem, Problems


def environment(templates: Mapping[str, str], root: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.DictLoader(dict(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["templates_root"] = root
    env.filters["css_string"] = css_string
    return env


def href(path: str) -> str:
    """A path in the output as a URL path: every character but letters, digits, `/` and `_.-~` percent-encoded,
    so a file named `a#1.pdf`, `a?.pdf` or `100%.pdf` is linked as itself, not cut at a fragment or query."""
    return quote(path, safe="/")


def linker(page: str) -> Callable[[str], str]:
    """Relative links, so a built tree works wherever it is copied (file://, any URL prefix). Targets are
    paths from the site root; a page at depth n reaches them through n `../`. A target is a path, never a
    path with a fragment: a template wanting one writes it after the call, `{{ url('x.html') }}#part`."""
    prefix = "../" * page.count("/")
    memo: dict[str, str] = {}

    def url(target: str) -> str:
        link = memo.get(target)
        if link is None:
            link = memo[target] = href(prefix + target)
        return link

    return url


def render(env: jinja2.Environment, name: str, **context: Any) -> str:
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as error:
        path = f"{env.globals['templates_root']}/{error.name or name}"
        raise Problems([Problem(path, error.lineno, f"模板语法错误：{error.message}")]) from None
    except jinja2.TemplateNotFound as error:
        path = f"{env.globals['templates_root']}/{name}"
        raise Problems([Problem(path, 1, f"找不到模板“{error.name}”。请恢复 templates/ 中的这个文件。")]) from None
    except jinja2.UndefinedError as error:
        path = f"{env.globals['templates_root']}/{name}"
        raise Problems([Problem(path, 1, f"模板使用了不存在的变量：{error.message}")]) from None


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def css_string(value: str) -> Markup:
    """Text for a CSS string in double quotes inside <style> (poster headers and footers), where HTML escapes
    do not apply: quotes and backslashes are CSS-escaped, and < > so that no `</style>` can end the sheet."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return Markup(escaped.replace("<", "\\3c ").replace(">", "\\3e "))
