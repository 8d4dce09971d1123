"""One English in what dealers and their customers read (docs/wording.md): British spelling in templates, emails
and the Python strings the UI, reports and API errors show. Code names (API fields such as `color`, the agent's
`enroll` command, URLs, settings) keep their spelling and are left out of the scan."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "agents", "meters", "reports", "agent_client")

# The American spelling -> the British one the UI uses. `enrolled`/`enrolling` are the same in both.
FORBIDDEN = {
    r"colors?|colored|coloring|colorful|colorants?": "colour, coloured, colourant",
    r"enroll|enrolls|enrollments?": "enrol, enrols, enrolment",
    r"licenses?": "licence (the noun: licence key)",
    r"canceled|canceling": "cancelled, cancelling",
    r"gray": "grey",
}
BAD = re.compile(r"\b(" + "|".join(FORBIDDEN) + r")\b", re.IGNORECASE)

# Code inside prose: `code`, {placeholders}, --flags, paths, dotted and snake_case names, the agent's commands.
CODE = re.compile(r"`[^`]*`|\{[^{}]*\}|meterbridge-agent(\.pyz)? \w+|\S*\w[_/=.:@]\w\S*|--?\w[\w-]*")
SQL = re.compile(r"^\s*(WITH|SELECT|INSERT|UPDATE|DELETE|CREATE)\b")
# API help texts that name the fields' values (mono + color + unsplit): they are the API's words, not prose.
API_FIELD_TEXTS = {
    'A billing meter (total, mono, color, …), "" for not billed, null for the profile default.',
    "All pages printed in the month: mono + color + unsplit.",
}

# What a browser shows of a template: its text and the attributes read aloud or shown on hover.
SHOWN_ATTRIBUTES = re.compile(r'\b(?:title|aria-label|placeholder|alt|data-confirm|value)="([^"]*)"')
TEMPLATE_NOISE = re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}|<style.*?</style>", re.DOTALL)
TEMPLATE_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


def prose_misspellings(text: str) -> list[str]:
    return [m.group(0) for m in BAD.finditer(CODE.sub(" ", text))]


def visible_text(template: str) -> str:
    template = TEMPLATE_NOISE.sub(" ", template)
    shown = SHOWN_ATTRIBUTES.findall(template)
    text = re.sub(r"<[^>]*>", " ", template)
    return TEMPLATE_CODE.sub(" ", " ".join([text, *shown]))


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def python_ui_strings(source: str):
    """(line, text) of each string a person may read: prose (it has a space), not a docstring, not SQL."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in docstrings:
            continue
        text = node.value
        if " " in text.strip() and not SQL.match(text) and text not in API_FIELD_TEXTS:
            yield node.lineno, text


def _sources(pattern: str):
    for app in APPS:
        for path in sorted((ROOT / app).rglob(pattern)):
            if "migrations" not in path.parts:
                yield path


def test_templates_and_emails_use_british_spelling():
    found = []
    for path in [*_sources("templates/**/*.html"), *_sources("templates/**/*.txt")]:
        for word in prose_misspellings(visible_text(path.read_text())):
            found.append(f"{path.relative_to(ROOT)}: {word!r}")
    assert not found, "American spellings in templates (docs/wording.md):\n" + "\n".join(found)


def test_ui_strings_in_python_use_british_spelling():
    found = []
    for path in _sources("*.py"):
        for line, text in python_ui_strings(path.read_text()):
            for word in prose_misspellings(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: {word!r} in {text[:80]!r}")
    assert not found, "American spellings in UI strings (docs/wording.md):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "template",
    [
        "<th>Copy color</th>",
        '<button data-confirm="Enroll it again?">Go</button>',
        "<p>Generate a license key</p>",
        "<p>Pages in colour and color.</p>",
    ],
)
def test_the_scan_catches_an_american_spelling_in_shown_text(template):
    assert prose_misspellings(visible_text(template))


@pytest.mark.parametrize(
    "template",
    [
        '<i class="swatch color"></i>colour',
        "{% if latest.values.color is None %}no split{% endif %}",
        "<code>meterbridge-agent enroll --key KEY</code> enrols it",
        '<span style="color:#555555;">Serial</span>',
    ],
)
def test_the_scan_leaves_code_names_alone(template):
    assert not prose_misspellings(visible_text(template))


def test_the_scan_reads_python_prose_but_not_code_names():
    source = 'LABEL = "Copy color"\nKINDS = ("color", "copy_color")\ndef f():\n    """A color docstring."""\n'
    assert [text for _line, text in python_ui_strings(source)] == ["Copy color"]
