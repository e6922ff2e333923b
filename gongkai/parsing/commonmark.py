"""Turns Markdown text into a CommonMark syntax tree that can be inspected and edited, then into HTML (via cmark-gfm).

Why cmark-gfm (the C library GitHub uses, shipped by the `cmarkgfm` package) and not Python-Markdown: its
parser is linear in the input by design, so no body can make a build hang (Python-Markdown took > 120 s on
30,000 `[` and raised RecursionError on a 400-deep list); it is also about ten times faster, and it follows a
specification (CommonMark + GFM tables) rather than one implementation's habits.

`cmarkgfm` only exposes whole-document conversion, but its compiled module exports the whole cmark API; we
load the same shared object a second time (the dynamic loader hands back the already-loaded library) with
declarations for the few tree functions we need. That lets us see every link and image as cmark will write
it, show raw HTML as text instead of dropping it, and free every tree (cmarkgfm's own wrapper never frees the
document it parses).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from types import MappingProxyType, TracebackType

import cffi
from cmarkgfm import _cmark

_FFI = cffi.FFI()
_FFI.cdef(
    """
    typedef struct cmark_node cmark_node;
    typedef struct cmark_parser cmark_parser;
    typedef struct cmark_iter cmark_iter;
    typedef struct cmark_syntax_extension cmark_syntax_extension;
    typedef struct cmark_llist cmark_llist;
    typedef struct cmark_mem {
      void *(*calloc)(size_t, size_t);
      void *(*realloc)(void *, size_t);
      void (*free)(void *);
    } cmark_mem;
    cmark_mem *cmark_get_default_mem_allocator(void);
    void cmark_gfm_core_extensions_ensure_registered(void);
    cmark_syntax_extension *cmark_find_syntax_extension(const char *name);
    cmark_parser *cmark_parser_new(int options);
    int cmark_parser_attach_syntax_extension(cmark_parser *parser, cmark_syntax_extension *extension);
    void cmark_parser_feed(cmark_parser *parser, const char *buffer, size_t len);
    cmark_node *cmark_parser_finish(cmark_parser *parser);
    cmark_llist *cmark_parser_get_syntax_extensions(cmark_parser *parser);
    void cmark_parser_free(cmark_parser *parser);
    char *cmark_render_html(cmark_node *root, int options, cmark_llist *extensions);
    cmark_iter *cmark_iter_new(cmark_node *root);
    int cmark_iter_next(cmark_iter *iter);
    cmark_node *cmark_iter_get_node(cmark_iter *iter);
    void cmark_iter_free(cmark_iter *iter);
    int cmark_node_get_type(cmark_node *node);
    const char *cmark_node_get_type_string(cmark_node *node);
    const char *cmark_node_get_url(cmark_node *node);
    int cmark_node_set_url(cmark_node *node, const char *url);
    const char *cmark_node_get_literal(cmark_node *node);
    int cmark_node_set_literal(cmark_node *node, const char *content);
    int cmark_node_get_start_line(cmark_node *node);
    cmark_node *cmark_node_parent(cmark_node *node);
    cmark_node *cmark_node_new(int type);
    int cmark_node_append_child(cmark_node *node, cmark_node *child);
    int cmark_node_replace(cmark_node *oldnode, cmark_node *newnode);
    void cmark_node_free(cmark_node *node);
    """
)
_LIB = _FFI.dlopen(_cmark.__file__)
_EVENT_ENTER, _EVENT_EXIT = 2, 3  # cmark_event_type: NONE, DONE, ENTER, EXIT
_OPTIONS = 0  # safe mode: cmark itself would also blank javascript: links; we report them before it does
EXTENSIONS = ("table",)  # GFM tables only: no autolinking of bare URLs, no strikethrough (Python-Markdown had neither)


# One of every kind of node our parser makes (tables included), to learn the numbers cmark gives them: the
# numbers of the extensions' kinds are assigned at run time, and a number is much cheaper to read than a name.
_PROBE = """> q

- a

1. b

```
c
```

<div>

# h

***

*e* **s** `c` <b> [l](u) ![i](u)\x20\x20
x
y

| a |
|---|
| b |
"""


def _probe_kinds() -> MappingProxyType[int, str]:
    parser = _LIB.cmark_parser_new(0)
    _LIB.cmark_gfm_core_extensions_ensure_registered()
    for name in EXTENSIONS:
        _LIB.cmark_parser_attach_syntax_extension(parser, _LIB.cmark_find_syntax_extension(name.encode()))
    data = _PROBE.encode()
    _LIB.cmark_parser_feed(parser, data, len(data))
    root = _LIB.cmark_parser_finish(parser)
    iterator = _LIB.cmark_iter_new(root)
    kinds = {}
    while _LIB.cmark_iter_next(iterator) in (_EVENT_ENTER, _EVENT_EXIT):
        node = _LIB.cmark_iter_get_node(iterator)
        kinds[int(_LIB.cmark_node_get_type(node))] = _string(_LIB.cmark_node_get_type_string(node))
    _LIB.cmark_iter_free(iterator)
    _LIB.cmark_node_free(root)
    _LIB.cmark_parser_free(parser)
    # A header row and a body row share one number; only the names below matter, and they are unambiguous.
    return MappingProxyType(kinds)


@dataclass(frozen=True)
class Node:
    """One node of a parsed document, valid while its Document is open."""

    handle: object
    kind: str  # cmark's name: "paragraph", "link", "image", "html_block", "list", "table_cell", ...
    depth: int  # 0 for the document itself

    @property
    def url(self) -> str:
        """The destination as cmark will write it: entities and backslash escapes already decoded."""
        return _string(_LIB.cmark_node_get_url(self.handle))

    @property
    def literal(self) -> str:
        return _string(_LIB.cmark_node_get_literal(self.handle))

    @property
    def line(self) -> int:
        """1-based line inside the text, of the node or (should cmark not place it) its nearest block."""
        node = self.handle
        while node != _FFI.NULL:
            line = _LIB.cmark_node_get_start_line(node)
            if line > 0:
                return int(line)
            node = _LIB.cmark_node_parent(node)
        return 1


class Document:
    """A parsed Markdown text; use as a context manager so the C tree is freed."""

    def __init__(self, text: str) -> None:
        _LIB.cmark_gfm_core_extensions_ensure_registered()
        self._parser = _LIB.cmark_parser_new(_OPTIONS)
        for name in EXTENSIONS:
            _LIB.cmark_parser_attach_syntax_extension(self._parser, _LIB.cmark_find_syntax_extension(name.encode()))
        # A lone surrogate cannot come from a decoded file, but must not become a traceback if it ever does.
        data = text.encode("utf-8", "replace")
        _LIB.cmark_parser_feed(self._parser, data, len(data))
        self._root = _LIB.cmark_parser_finish(self._parser)
        self._replacements: list[tuple[object, str, bool]] = []

    def __enter__(self) -> Document:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        _LIB.cmark_node_free(self._root)
        _LIB.cmark_parser_free(self._parser)

    def walk(self, kinds: Collection[str], deeper_than: int) -> Iterator[Node]:
        """In document order, the nodes of these kinds and any node nested deeper than `deeper_than` levels.

        A 1 MB body can hold a million nodes: per node this costs three calls and a dictionary look-up."""
        iterator = _FFI.gc(_LIB.cmark_iter_new(self._root), _LIB.cmark_iter_free)
        next_event, current, type_of = _LIB.cmark_iter_next, _LIB.cmark_iter_get_node, _LIB.cmark_node_get_type
        depth = -1
        while (event := next_event(iterator)) in (_EVENT_ENTER, _EVENT_EXIT):
            if event == _EVENT_EXIT:
                depth -= 1
                continue
            node = current(iterator)
            kind = _KINDS.get(type_of(node)) or _kind(node)
            depth += 1
            if kind in kinds or depth > deeper_than:
                yield Node(node, kind, depth)
            if kind in _LEAVES:
                depth -= 1  # cmark sends no EXIT event for leaves

    def set_url(self, node: Node, url: str) -> None:
        _LIB.cmark_node_set_url(node.handle, url.encode("utf-8", "replace"))

    def show_as_text(self, node: Node) -> None:
        """Replaces raw HTML by the same characters as text (done on render: the tree must not change under walk)."""
        self._replacements.append((node.handle, node.literal, node.kind == "html_block"))

    def html(self) -> str:
        for old, literal, is_block in self._replacements:
            text = _LIB.cmark_node_new(_TEXT)
            _LIB.cmark_node_set_literal(text, literal.rstrip("\n").encode("utf-8", "replace"))
            new = text
            if is_block:
                new = _LIB.cmark_node_new(_PARAGRAPH)
                _LIB.cmark_node_append_child(new, text)
            _LIB.cmark_node_replace(old, new)
            _LIB.cmark_node_free(old)
        self._replacements = []
        rendered = _LIB.cmark_render_html(self._root, _OPTIONS, _LIB.cmark_parser_get_syntax_extensions(self._parser))
        try:
            return _FFI.string(rendered).decode("utf-8", "replace")
        finally:
            _LIB.cmark_get_default_mem_allocator().free(rendered)


# The nodes cmark's iterator enters without leaving (its S_is_leaf; cmark-gfm is pinned in requirements.txt).
_LEAVES = frozenset({"html_block", "thematic_break", "code_block", "text", "softbreak", "linebreak", "code", "html_inline"})


def _kind(node: object) -> str:
    return _string(_LIB.cmark_node_get_type_string(node))


def _string(pointer: object) -> str:
    return "" if pointer == _FFI.NULL else _FFI.string(pointer).decode("utf-8", "replace")


_KINDS = _probe_kinds()
_PARAGRAPH, _TEXT = (next(number for number, name in _KINDS.items() if name == kind) for kind in ("paragraph", "text"))
