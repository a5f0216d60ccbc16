"""Japanese sentences use full-width 「!?():」: the customer's and the staff's pages (texts.js) and
every Japanese message the server writes. Half-width ones stay where they belong: URLs, `{name}`
placeholders, code between Latin words."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXTS_JS = ROOT / "liff_static" / "js" / "texts.js"
SERVER_SOURCES = [ROOT / "layers" / "shared" / "daifuku", ROOT / "functions"]

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")
HALF_WIDTH = re.compile(r"[!?():]")
JS_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`')
# A template literal's ${…} is code, and it stands for a value (a number, a name): a placeholder.
JS_EXPRESSION = re.compile(r"\$\{(?:[^{}]|\{[^{}]*\})*\}")


def half_width_in_japanese(text: str) -> list[str]:
    """Each half-width 「!?():」 whose neighbour (past spaces) is Japanese, with its surroundings."""
    found = []
    for match in HALF_WIDTH.finditer(text):
        before = text[: match.start()].rstrip()[-1:]
        after = text[match.end() :].lstrip()[:1]
        if JAPANESE.match(before or " ") or JAPANESE.match(after or " "):
            found.append(text[max(0, match.start() - 8) : match.end() + 8])
    return found


def js_literals(source: str) -> list[str]:
    without_comments = re.sub(r"^\s*//.*$", "", source, flags=re.MULTILINE)
    return [JS_EXPRESSION.sub("0", literal[1:-1]) for literal in JS_STRING.findall(without_comments)]


def python_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_the_scan_finds_what_it_is_for():
    assert half_width_in_japanese("例:山田 花子") and half_width_in_japanese("交換する(1分)")
    assert half_width_in_japanese("本当に削除しますか?") and half_width_in_japanese("(+0 pt)を付与しました")
    assert not half_width_in_japanese("画像のURL\uff08https://…\uff09は任意です")
    assert not half_width_in_japanese("https://example.com/a?b=1")


def test_texts_js_has_full_width_punctuation_in_japanese_sentences():
    problems = [
        hit
        for literal in js_literals(TEXTS_JS.read_text(encoding="utf-8"))
        for hit in half_width_in_japanese(literal)
    ]
    assert problems == []


def test_the_servers_japanese_messages_have_full_width_punctuation():
    problems = [
        f"{path.relative_to(ROOT)}: {hit}"
        for root in SERVER_SOURCES
        for path in sorted(root.rglob("*.py"))
        for literal in python_literals(path)
        if JAPANESE.search(literal)
        for hit in half_width_in_japanese(literal)
    ]
    assert problems == []
