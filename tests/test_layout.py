"""The code's layout: every module imports on its own (no import cycles), old paths still resolve,
and the package root stays small."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "reelcart"


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_first():
    """Each module imported first in a fresh module table: an import cycle fails here."""
    script = (
        "import importlib, sys\n"
        f"names = {_modules()!r}\n"
        "bad = []\n"
        "for name in names:\n"
        "    for loaded in [m for m in sys.modules if m == 'reelcart' or m.startswith('reelcart.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        bad.append(f'{name}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(bad))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr


def test_old_import_paths_resolve_to_the_moved_modules():
    import reelcart
    import reelcart.orders
    from reelcart import ffmpeg
    from reelcart.inputs import orders
    from reelcart.media import ffmpeg as moved_ffmpeg
    from reelcart.stages import probe

    assert reelcart.orders is orders
    assert ffmpeg is moved_ffmpeg
    assert probe.__name__ == "reelcart.media.probe" and probe.__spec__.name == "reelcart.media.probe"
    assert set(reelcart.MOVED) and all(new.startswith("reelcart.") for new in reelcart.MOVED.values())


def test_at_most_eight_modules_at_the_package_root():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top


# Files being split on other branches; remove an entry when its split lands.
SIZE_EXEMPT: set[str] = set()  # every room is within the limits


def test_small_rooms():
    """House style: no module over 400 lines, no function over 80."""
    import ast

    big, long_functions = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in SIZE_EXEMPT:
            continue
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > 400:
            big.append(rel)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 80:
                long_functions.append(f"{rel}:{node.name}")
    assert big == [] and long_functions == [], (big, long_functions)


def test_one_stage_list_drives_the_pipeline():
    from reelcart.pipeline import STAGES, stage_names

    names = [s.name for s in STAGES]
    assert stage_names(clock=True) == tuple(names)
    assert "clock" not in stage_names() and len(stage_names()) == len(names) - 1
    readme = (SRC.parent / "README.md").read_text(encoding="utf-8")
    assert all(f"| {name}" in readme for name in names)  # the README's code map lists every stage


# ---------------------------------------------------------------- the studio page's JavaScript

STUDIO_STATIC = PACKAGE / "studio" / "static"
JS_KEYWORDS = {"if", "for", "while", "switch", "catch", "function", "return", "with"}
JS_STARTS = [
    re.compile(r"\bfunction\b\s*\*?\s*(?P<name>[\w$]*)\s*\("),  # function name( / async function name( / function (
    re.compile(r"(?:(?P<name>[\w$]+)\s*[=:]\s*)?(?:async\s+)?(?:\([^()]*\)|[\w$]+)\s*=>\s*(?=\{)"),  # name = (...) => {
    re.compile(r"^[ \t]*(?:static\s+|async\s+|get\s+|set\s+)*(?P<name>[\w$]+)\s*\([^()]*\)\s*(?=\{)", re.MULTILINE),  # method() {
]


def _js_code_only(text: str) -> str:
    """``text`` with comments and string contents blanked (newlines kept), template text blanked but its
    ``${...}`` kept as braces; so braces count as code. (Regex literals are taken as code: keep braces and
    quotes out of them.)"""
    out, i, n = [], 0, len(text)
    modes = ["code"]  # stack: "code", "template", or "expr" (code inside ${...}, with its own brace depth)
    depth = [0]
    while i < n:
        ch, two = text[i], text[i:i + 2]
        mode = modes[-1]
        if mode == "template":
            if ch == "\\":
                out.append("  " if text[i + 1:i + 2] != "\n" else " \n")
                i += 2
            elif ch == "`":
                modes.pop(); depth.pop(); out.append("`"); i += 1
            elif two == "${":
                modes.append("expr"); depth.append(0); out.append(" {"); i += 2
            else:
                out.append("\n" if ch == "\n" else " "); i += 1
            continue
        if two == "//":
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i)); i = end
        elif two == "/*":
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end])); i = end
        elif ch in "'\"":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(ch + " " * (min(j, n) - i - 1) + ch); i = j + 1
        elif ch == "`":
            modes.append("template"); depth.append(0); out.append("`"); i += 1
        elif ch == "{":
            depth[-1] += 1; out.append(ch); i += 1
        elif ch == "}" and mode == "expr" and depth[-1] == 0:
            modes.pop(); depth.pop(); out.append("}"); i += 1
        else:
            if ch == "}":
                depth[-1] -= 1
            out.append(ch); i += 1
    return "".join(out)


def js_functions(text: str) -> list[tuple[str, int]]:
    """(name, lines) of every function with a braced body: declarations, arrows, methods; nested ones too."""
    code = _js_code_only(text)
    found: dict[int, tuple[str, int]] = {}
    for pattern in JS_STARTS:
        for match in pattern.finditer(code):
            name = match.group("name") or "<anonymous>"
            if name in JS_KEYWORDS:
                continue
            start = match.end() if pattern is not JS_STARTS[0] else _after_parens(code, match.end() - 1)
            open_at = code.find("{", start)
            if open_at < 0 or code[start:open_at].strip() not in ("",):
                continue
            close_at = _matching_brace(code, open_at)
            lines = code.count("\n", match.start(), close_at) + 1
            found.setdefault(open_at, (name, lines))
    return sorted(found.values())


def _after_parens(code: str, open_paren: int) -> int:
    level = 0
    for j in range(open_paren, len(code)):
        level += {"(": 1, ")": -1}.get(code[j], 0)
        if level == 0:
            return j + 1
    return len(code)


def _matching_brace(code: str, open_at: int) -> int:
    level = 0
    for j in range(open_at, len(code)):
        level += {"{": 1, "}": -1}.get(code[j], 0)
        if level == 0:
            return j
    raise AssertionError(f"unbalanced braces from offset {open_at}")


def js_room_problems(rel: str, text: str, *, max_lines: int = 400, max_function_lines: int = 80) -> list[str]:
    problems = [f"{rel}: {len(text.splitlines())} lines"] if len(text.splitlines()) > max_lines else []
    return problems + [f"{rel}:{name} {lines} lines" for name, lines in js_functions(text) if lines > max_function_lines]


def test_small_rooms_in_the_studio_page():
    """The same house rule for the page's modules: none over 400 lines, no function over 80."""
    scripts = sorted(STUDIO_STATIC.rglob("*.js"))
    assert len(scripts) >= 5, scripts  # the page is split into modules
    problems, counted = [], 0
    for path in scripts:
        text = path.read_text(encoding="utf-8")
        code = _js_code_only(text)
        assert code.count("{") == code.count("}"), f"{path.name}: the brace scan lost its way"
        counted += len(js_functions(text))
        problems += js_room_problems(path.relative_to(STUDIO_STATIC).as_posix(), text)
    assert counted >= 60, counted  # the scan sees the functions (about 100 of them)
    assert problems == [], problems


def _fake_long(kind: str, body_lines: int) -> str:
    body = "".join(f"  total += `${{a + {i}}} }}{{ `.length; // }} {i}\n" for i in range(body_lines))
    heads = {"function": ("async function slow(a) {", "}"), "arrow": ("export const slow = async (a) => {", "};"),
             "method": ("class A {\n  slow(a) {", "  }\n}"), "callback": ("items.forEach((a) => {", "});")}
    head, tail = heads[kind]
    return f'const s = "}}";\n{head}\n  let total = 0;\n{body}  return total;\n{tail}\n'


def test_the_js_scan_finds_long_functions():
    for kind in ("function", "arrow", "method", "callback"):
        long_problems = js_room_problems("fake.js", _fake_long(kind, 85))
        assert len(long_problems) == 1 and " 89 lines" in long_problems[0], (kind, long_problems, js_functions(_fake_long(kind, 85)))
        assert js_room_problems("fake.js", _fake_long(kind, 70)) == [], kind
    assert js_room_problems("big.js", "const a = 1;\n" * 401) == ["big.js: 401 lines"]
    nested = "function outer() {\n  const inner = () => {\n    return {a: 1};\n  };\n  return inner;\n}\n"
    assert js_functions(nested) == [("inner", 3), ("outer", 6)]


def js_import_order(imports: dict[str, set[str]]) -> list[str]:
    """The modules, each after everything it imports; AssertionError on a cycle."""
    order: list[str] = []
    while len(order) < len(imports):
        ready = sorted(name for name, deps in imports.items() if name not in order and deps <= set(order))
        assert ready, f"import cycle among {sorted(set(imports) - set(order))}"
        order += ready
    return order


def test_no_import_cycles_in_the_studio_page():
    """The page's modules import each other in one direction (they call up through state.js's hooks)."""
    imports = {}
    for path in sorted(STUDIO_STATIC.rglob("*.js")):
        text = path.read_text(encoding="utf-8")
        imports[path.name] = set(re.findall(r'^import\b[^;]*?from\s+"\./([\w.-]+\.js)";', text, re.MULTILINE))
    assert imports.get("main.js") and all(set(deps) <= set(imports) for deps in imports.values()), imports
    assert js_import_order(imports)[-1] == "main.js"
    with pytest.raises(AssertionError, match="cycle among"):
        js_import_order({"main.js": {"a.js"}, "a.js": {"b.js"}, "b.js": {"a.js"}, "dom.js": set()})
