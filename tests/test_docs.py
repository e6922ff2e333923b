"""The documentation says what the code does: every command, key, example, message and link in it is checked
against the code, so a renamed option, a new setting or a reworded message fails here until the docs follow."""

from __future__ import annotations

import argparse
import collections
import contextlib
import importlib.util
import io
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from gongkai.arguments import COMMANDS, parser
from gongkai.cli import main
from gongkai.model import EVERY_LABELS
from gongkai.parsing.config import parse_config
from gongkai.parsing.items import FEEDBACK_KEYS, ITEM_KEYS, SCOPES, STATUSES, is_item_file
from gongkai.parsing.requests import DECISIONS, REQUEST_KEYS
from gongkai.problems import Problems
from gongkai.rendering.server import render_server
from gongkai.schema.config import CONFIG_SCHEMA, TOP_KEYS
from tests.scratch import REPO, SAMPLE_DATE

README = REPO / "README.md"
GUIDE = REPO / "docs" / "编辑指南.md"
OPERATIONS = REPO / "docs" / "operations.md"
ARCHITECTURE = REPO / "docs" / "architecture.md"
BENCH = REPO / "bench" / "README.md"
DOCS = (README, GUIDE, OPERATIONS, ARCHITECTURE, BENCH)
SAMPLE_CONFIG = REPO / "site_config.yaml"


@dataclass(frozen=True)
class Block:
    """A fenced code block and the line just before it, which names what the block is."""

    doc: Path
    line: int
    info: str
    text: str
    label: str


def blocks(doc: Path) -> list[Block]:
    found, lines = [], doc.read_text("utf-8").split("\n")
    index = 0
    while index < len(lines):
        opening = re.match(r"^(`{3,})(.*)$", lines[index])
        if not opening:
            index += 1
            continue
        fence, start = opening.group(1), index
        index += 1
        while not lines[index].startswith(fence):
            index += 1
        label = next((line for line in reversed(lines[:start]) if line.strip()), "")
        found.append(Block(doc, start + 1, opening.group(2).strip(), "\n".join(lines[start + 1 : index]) + "\n", label))
        index += 1
    return found


def prose(doc: Path) -> str:
    """The document without its fenced code blocks."""
    return re.sub(r"^(`{3,}).*?^\1\s*$", "", doc.read_text("utf-8"), flags=re.MULTILINE | re.DOTALL)


def spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


def tables(doc: Path) -> list[tuple[str, list[list[str]]]]:
    """(the heading above it, rows of cells) for every table, header row included, separator row left out."""
    result: list[tuple[str, list[list[str]]]] = []
    heading, rows = "", []
    for line in [*prose(doc).split("\n"), ""]:
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        if line.startswith("|"):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
                rows.append(cells)
        elif rows:
            result.append((heading, rows))
            rows = []
    return result


def key_column(rows: list[list[str]]) -> list[str]:
    return [spans(row[0])[0] for row in rows[1:]]


# --- commands -------------------------------------------------------------------------------------------

SHELLS = ("sh", "ini", "yaml", "")  # where a command line can be
_COMMAND = re.compile(r"python3?\s+build\.py((?:[^\S\n]+[^\s&|;#`)]+)*)")


def command_lines() -> list[tuple[Path, list[str]]]:
    """Every `python build.py …` in a code block or an inline code span of any doc, as argument lists
    (not in `text` blocks, which are what Gongkai prints, nor in generated files such as nginx's)."""
    found = []
    for doc in DOCS:
        texts = [b.text for b in blocks(doc) if b.info in SHELLS] + spans(prose(doc))
        for text in texts:
            for match in _COMMAND.finditer(text):
                found.append((doc, shlex.split(match.group(1))))
    return found


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_documented_command_parses():
    lines = command_lines()
    assert len(lines) > 30, "the docs should show the commands; did the extraction break?"
    wrong = []
    for doc, args in lines:
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                parser().parse_args(args)
        except SystemExit:
            wrong.append(f"{doc.relative_to(REPO)}: python build.py {shlex.join(args)}")
    assert not wrong, "commands in the docs that the command line refuses:\n" + "\n".join(wrong)


def test_every_command_and_option_is_documented():
    used: dict[str, set[str]] = {}
    for _, args in command_lines():
        if args and args[0] in COMMANDS:
            used.setdefault(args[0], set()).update(a.split("=")[0] for a in args[1:] if a.startswith("-"))
    assert set(used) == set(COMMANDS), f"sub-commands never shown in the docs: {set(COMMANDS) - set(used)}"
    subcommands = _subcommands()
    actions = {name: [a for a in sub._actions if a.option_strings and a.dest != "help"] for name, sub in subcommands.items()}
    # An option most commands share (the folders, --date) is documented once for all of them.
    counts = collections.Counter(tuple(a.option_strings) for acts in actions.values() for a in acts)
    shared = {option for option, count in counts.items() if count > len(actions) / 2}
    everywhere = set().union(*used.values())
    missing = []
    for name, acts in actions.items():
        for action in acts:
            options = set(action.option_strings)
            seen_in = everywhere if tuple(action.option_strings) in shared else used[name]
            if not options & seen_in:
                missing.append(f"{name} {'/'.join(action.option_strings)}")
    assert not missing, "options no doc shows in a command line:\n" + "\n".join(missing)


def test_make_targets_exist():
    targets = set(re.findall(r"^([\w.-]+):", (REPO / "Makefile").read_text("utf-8"), flags=re.MULTILINE))
    readme = [b.text for b in blocks(README)]
    assert any("make site" in text for text in readme) and any("make test" in text for text in readme)
    named = set()
    for doc in DOCS:
        for text in [b.text for b in blocks(doc)] + spans(prose(doc)):
            named |= set(re.findall(r"(?:^|&&|;|\|\||entry:|-\s)\s*make\s+([a-z][\w-]*)", text, flags=re.MULTILINE))
    assert {"site", "test", "check", "bench"} <= named
    assert named <= targets, f"make targets the docs name but the Makefile lacks: {named - targets}"


def test_python_modules_exist():
    modules = set()
    for doc in DOCS:
        for text in [b.text for b in blocks(doc)] + spans(prose(doc)):
            modules |= set(re.findall(r"python3?\s+-m\s+([\w.]+)", text))
    modules -= {"pip", "venv", "pytest", "ruff"}
    assert {"bench.speed", "bench.posters"} <= modules
    for module in sorted(modules):
        assert importlib.util.find_spec(module) is not None, f"python -m {module}: no such module"


def test_links_between_docs_resolve():
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)\s]+)\)", re.sub(r"`[^`\n]+`", "", prose(doc))):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = (doc.parent / target.split("#")[0]).resolve()
            assert path.exists(), f"{doc.relative_to(REPO)}: link to {target}, which does not exist"
    linked = {(README.parent / t).resolve() for t in re.findall(r"\]\(([^)\s#]+)\)", README.read_text("utf-8"))}
    assert set(DOCS) - {README} <= linked, "the README should lead to every doc"


# --- the editors' guide: keys, examples, messages -----------------------------------------------------


def _table_under(doc: Path, heading: str) -> list[list[str]]:
    found = [rows for title, rows in tables(doc) if title == heading]
    assert len(found) == 1, f"{doc.name}: expected one table under “{heading}”, found {len(found)}"
    return found[0]


def _values(rows: list[list[str]], key: str) -> set[str]:
    row = next(row for row in rows[1:] if spans(row[0])[0] == key)
    return set(spans(row[-1]))


def test_item_key_tables_match_the_parser():
    items = _table_under(GUIDE, "四、全部设置项")
    assert key_column(items) == list(ITEM_KEYS)
    assert _values(items, "scope") == set(SCOPES)
    assert _values(items, "status") == set(STATUSES)
    assert key_column(_table_under(GUIDE, "feedback 的每一项")) == list(FEEDBACK_KEYS)
    requests = _table_under(GUIDE, "五、依申请公开")
    assert key_column(requests) == list(REQUEST_KEYS)
    assert _values(requests, "decision") == set(DECISIONS)


def test_category_table_is_the_sample_catalogue():
    config = parse_config(SAMPLE_CONFIG.read_bytes(), "site_config.yaml")
    expected = [
        [e.key, e.name, e.kind.label, EVERY_LABELS.get(e.every or "", "—"), str(e.default_days or "—"), e.department or "—"]
        for e in config.catalog
    ]
    rows = _table_under(GUIDE, "示例配置中的类别")
    assert [[spans(row[0])[0], *row[1:]] for row in rows[1:]] == expected


def _labelled(kind: str) -> list[tuple[str, Block]]:
    """Blocks whose label reads `{kind} `content/…``: (path inside content/, block)."""
    result = []
    for block in blocks(GUIDE):
        match = re.match(rf"^{kind} `content/([^`]+)`", block.label)
        if match:
            result.append((match.group(1), block))
    return result


def _scratch(root: Path, files: dict[str, bytes]) -> None:
    for relpath, data in files.items():
        target = root / "content" / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    shutil.copy(SAMPLE_CONFIG, root / "site_config.yaml")


def _run(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        day = [] if args[0] == "register" else ["--date", SAMPLE_DATE]  # numbering needs no day
        code = main([*args, "--templates", str(REPO / "templates"), *day])
    return code, err.getvalue()


def test_examples_pass_check(tmp_path, monkeypatch):
    """The guide's examples together are a valid site: registered, they pass `python build.py check`."""
    examples = _labelled("示例文件")
    assert len(examples) >= 10
    paths = [path for path, _ in examples]
    assert len(set(paths)) == len(paths), "two examples share a file name"
    for path, _ in examples:
        assert is_item_file(path) or path.startswith("requests/"), f"content/{path} would be skipped"
    files = {path: block.text.encode("utf-8") for path, block in examples}
    for folder in ("attachments", "images"):  # the files the examples attach, from the sample
        for source in (REPO / "content" / folder).iterdir():
            files[f"{folder}/{source.name}"] = source.read_bytes()
    _scratch(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    assert _run("register")[0] == 0
    code, errors = _run("check", "--no-posters")
    assert code == 0, errors


def _mistakes() -> list[tuple[str, Block, Block]]:
    """(path, the broken file, what check prints) for every mistake in the guide."""
    all_blocks = blocks(GUIDE)
    cases = []
    for path, block in _labelled("错误示例"):
        following = all_blocks[all_blocks.index(block) + 1]
        assert following.info == "text" and "python build.py check" in following.label, f"{path}: no message after it"
        cases.append((path, block, following))
    return cases


MISTAKES = _mistakes()


@pytest.mark.parametrize(("path", "broken", "shown"), MISTAKES, ids=[f"line{case[1].line}" for case in MISTAKES])
def test_each_mistake_gives_the_documented_message(tmp_path, monkeypatch, path, broken, shown):
    data = broken.text.encode("gbk" if "GBK" in broken.label else "utf-8")
    _scratch(tmp_path, {path: data})
    monkeypatch.chdir(tmp_path)
    code, errors = _run("check", "--no-posters")
    assert code == 1
    printed = [line for line in errors.split("\n") if line.startswith("content/")]
    assert printed == shown.text.strip().split("\n"), f"{GUIDE.name}:{broken.line}: the guide shows another message"


def test_the_guide_has_many_mistakes():
    assert len(MISTAKES) >= 20


# --- operations: every configuration key, the examples, the nginx configuration ---------------------------


def _config_tables() -> list[list[list[str]]]:
    return [table[1:] for _, table in tables(OPERATIONS) if table[0][0] == "key"]


def _config_rows() -> dict[str, list[str]]:
    return {spans(row[0])[0]: row for table in _config_tables() for row in table}


def test_config_key_tables_match_the_schema():
    """One table per section of the schema, its keys in the schema's order."""
    documented = [[spans(row[0])[0] for row in table] for table in _config_tables()]
    declared = [[f"{section.path}.{key}" for key in section.names] for section in CONFIG_SCHEMA]
    # site.feedback's keys are listed in the site table, right after the key that holds them.
    site, feedback, *others = declared
    assert documented == [site + feedback, *others]
    assert {key.split(".")[0].removesuffix("[]") for key in _config_rows()} == set(TOP_KEYS)


def test_config_defaults_match_the_schema():
    rows = _config_rows()
    for section in CONFIG_SCHEMA:
        for key in section.keys:
            shown = rows[f"{section.path}.{key.key}"][1].strip("`")
            if key.required:
                assert shown == "required", key
            elif isinstance(key.default, bool):
                assert shown == str(key.default).lower(), key
            elif key.default is not None:
                assert shown == str(key.default), key
            else:
                assert shown != "required", key


def test_config_choices_match_the_schema():
    """Every way to write a choice (aliases included) is shown in its row, and nothing else."""
    rows = _config_rows()
    checked = 0
    for section in CONFIG_SCHEMA:
        for key in section.keys:
            if key.choices:
                values = {value.casefold() for cell in rows[f"{section.path}.{key.key}"][1:] for value in spans(cell)}
                assert values == {value.casefold() for value in key.accepted}, key
                checked += 1
    assert checked >= 10


def _sample_config() -> dict:
    return yaml.safe_load(SAMPLE_CONFIG.read_text("utf-8"))


def test_config_examples_validate():
    """A block with the whole config parses alone; a block with some sections replaces those of the sample."""
    checked = 0
    for doc in DOCS:
        for block in blocks(doc):
            if block.info != "yaml" or "错误示例" in block.label:
                continue
            document = yaml.safe_load(block.text)
            if not isinstance(document, dict) or not set(document) <= set(TOP_KEYS):
                continue
            whole = document if {"site", "catalog"} <= set(document) else _sample_config() | document
            text = yaml.safe_dump(whole, allow_unicode=True, sort_keys=False).encode("utf-8")
            try:
                parse_config(text, "site_config.yaml")
            except Problems as failure:
                pytest.fail(f"{doc.relative_to(REPO)}:{block.line}: {failure.problems}")
            checked += 1
    assert checked >= 8


def test_every_yaml_block_parses():
    for doc in DOCS:
        for block in blocks(doc):
            if block.info == "yaml" and "错误示例" not in block.label:
                yaml.safe_load(block.text)


def test_nginx_example_is_what_the_sample_generates():
    templates = {
        p.relative_to(REPO / "templates").as_posix(): p.read_text("utf-8") for p in (REPO / "templates").rglob("*") if p.is_file()
    }
    config = parse_config(SAMPLE_CONFIG.read_bytes(), "site_config.yaml")
    [(_, generated)] = render_server(config, templates, "templates")
    [shown] = [b for b in blocks(OPERATIONS) if b.info == "nginx"]
    assert shown.text == generated.decode("utf-8"), "docs/operations.md's nginx example is stale: paste the new one"


# --- architecture: every module has its place --------------------------------------------------------------


def test_every_module_is_placed_in_the_architecture():
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "gongkai").rglob("*.py") if p.name != "__init__.py"}
    named = set(re.findall(r"gongkai/[\w/]+\.py", ARCHITECTURE.read_text("utf-8")))
    assert named == modules, f"not described: {modules - named}; no longer there: {named - modules}"
