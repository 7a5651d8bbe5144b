"""Reading plan files: YAML with line numbers -> a validated Plan, or a PlanError with problems."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from bot.domain.checks import cross_check
from bot.domain.errors import PlanError
from bot.domain.plan import Plan
from bot.i18n import N_
from bot.yamlerrors import document_hint, full_width_in, hint_params, syntax_problem

# ruamel builds documents recursively and overflows Python's stack a few hundred levels down;
# the shipped plans nest 7 levels deep
MAX_DEPTH = 64
# aliases let a few lines stand for billions of values (a "billion laughs" file); the shipped
# plans have about 700
MAX_VALUES = 100_000

# pydantic error type -> our message key (params come from the error's context)
_ERROR_KEYS = {
    "missing": N_("plan.missing"),
    "extra_forbidden": N_("plan.unknown_field"),
    "string_type": N_("plan.expected_text"),
    "int_type": N_("plan.expected_integer"),
    "int_parsing": N_("plan.expected_integer"),
    "int_from_float": N_("plan.expected_integer"),
    "list_type": N_("plan.expected_list"),
    "dict_type": N_("plan.expected_mapping"),
    "model_type": N_("plan.expected_mapping"),
    "model_attributes_type": N_("plan.expected_mapping"),
    "too_short": N_("plan.too_short"),
    "string_too_short": N_("plan.too_short"),
    "string_pattern_mismatch": N_("plan.bad_id"),
    "literal_error": N_("plan.expected_one_of"),
    "greater_than_equal": N_("plan.too_small"),
    "value_error": N_("plan.empty_text"),
    "yq_duration": N_("plan.bad_duration"),
    "yq_rule": N_("plan.bad_rule"),
    "yq_timezone": N_("plan.bad_timezone"),
    "yq_telegram_ref": N_("plan.bad_telegram_ref"),
    "yq_messenger_id": N_("plan.bad_messenger_id"),
    "yq_step_trigger": N_("plan.bad_step"),
    "yq_two_ladders": N_("plan.two_ladders"),
}


@dataclass(frozen=True)
class PlanProblem:
    """A problem in a plan file, located by line and field."""

    file: str
    line: int | None
    field: str
    key: str
    params: dict[str, Any] = dc_field(default_factory=dict)
    hint: str | None = None  # a message key said after the problem (params shared)


def _hinted(problem: PlanProblem) -> PlanProblem:
    """``problem`` with the full-width hint if its field or a value has a full-width sign."""
    texts = [problem.field, *(str(value) for value in problem.params.values())]
    found = next((char for text in texts if (char := full_width_in(text))), None)
    if found is None or problem.hint is not None:
        return problem
    params = problem.params | hint_params(found, problem.line or 1)
    hint = N_("yaml.hint.full_width")
    return PlanProblem(problem.file, problem.line, problem.field, problem.key, params, hint)


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor; a value it cannot build is a YAML error at its line.

    ruamel's constructors trust the node they get: int('abc'), date(2024, 2, 30), ``!!set x``
    (AttributeError), an empty ``!!int`` (IndexError), a list in a ``!!set`` (TypeError) …
    escape as whatever Python raised, so anything but a YAMLError is caught here.
    """

    def construct_non_recursive_object(self, node: Any, tag: str | None = None) -> Any:
        """Build one node."""
        try:
            return super().construct_non_recursive_object(node, tag)
        except YAMLError:
            raise
        except Exception as exc:
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            detail = f"not a valid {tag} value ({type(exc).__name__}: {exc})"
            raise ConstructorError(None, None, detail, node.start_mark) from None

    def construct_document(self, node: Any) -> Any:
        """Build the document; containers are filled in here, after their nodes were built."""
        try:
            return super().construct_document(node)
        except YAMLError:
            raise
        except Exception as exc:
            raise ConstructorError(None, None, f"{type(exc).__name__}: {exc}", None) from None


class _Refused(Exception):
    """A document too deep or too large to read; ``key`` names the message."""

    def __init__(self, key: str, limit: int, line: int | None) -> None:
        super().__init__(key)
        self.key, self.limit, self.line = key, limit, line


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    return yaml


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before ruamel's composer overflows the stack."""
    depth = 0
    for event in _yaml().parse(text):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(N_("plan.too_deep"), MAX_DEPTH, event.start_mark.line + 1)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


class _Measure:
    """Sizes of composed nodes once expanded; an alias is its anchor's node again, so memoize."""

    def __init__(self) -> None:
        self.known: dict[int, tuple[int, int]] = {}  # id(node) -> (values, levels)

    def __call__(self, node: Node, depth: int = 1) -> tuple[int, int]:
        """(values, levels of nesting) of ``node`` expanded; refuse past the limits."""
        if not isinstance(node, MappingNode | SequenceNode):
            return 1, 0
        line = node.start_mark.line + 1
        if id(node) not in self.known:
            if depth > MAX_DEPTH:  # also stops an anchor that contains an alias to itself
                raise _Refused(N_("plan.too_deep"), MAX_DEPTH, line)
            self.known[id(node)] = self._expand(node, depth, line)
        values, levels = self.known[id(node)]
        if depth + levels - 1 > MAX_DEPTH:
            raise _Refused(N_("plan.too_deep"), MAX_DEPTH, line)
        return values, levels

    def _expand(self, node: MappingNode | SequenceNode, depth: int, line: int) -> tuple[int, int]:
        pairs = node.value if isinstance(node, MappingNode) else [(item,) for item in node.value]
        values, levels = 1, 1
        for child in (part for pair in pairs for part in pair):
            child_values, child_levels = self(child, depth + 1)
            values, levels = values + child_values, max(levels, child_levels + 1)
            if values > MAX_VALUES:
                raise _Refused(N_("plan.too_large"), MAX_VALUES, line)
        return values, levels


def _plain(node: Any) -> Any:
    """ruamel's commented containers and scalars as plain Python values."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def _line_of(node: Any, part: Any) -> int | None:
    """1-based line of a key or item; None where ruamel kept none (keys merged in by ``<<``)."""
    lines = getattr(node, "lc", None)
    if lines is None:
        return None
    try:
        where = lines.key(part) if isinstance(node, dict) else lines.item(part)
    except KeyError:
        return None
    return int(where[0]) + 1 if where else None


def _locate(root: Any, loc: Iterable[Any], missing_last: bool) -> tuple[int | None, str]:
    """Line (1-based) and dotted field name for a path into the YAML document."""
    parts = list(loc)
    node, line, names = root, None, []
    for position, part in enumerate(parts):
        key = part
        if isinstance(node, dict) and part not in node:  # a key YAML read as null, 1, true …
            key = next((known for known in node if str(known) == str(part)), part)
        if (isinstance(node, dict) and key in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            line = _line_of(node, key) or line
            node = node[key]
        elif not (missing_last and position == len(parts) - 1):
            continue  # a union member tag from pydantic, not a place in the file
        names.append(f"[{part}]" if isinstance(part, int) else str(part))
    return line, ".".join(names).replace(".[", "[") or "(plan)"


def _from_pydantic(file: str, root: Any, error: ErrorDetails) -> PlanProblem:
    line, name = _locate(root, error["loc"], error["type"] == "missing")
    key = _ERROR_KEYS.get(error["type"], N_("plan.invalid"))
    params = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    params.setdefault("detail", error["msg"])
    params.setdefault("value", str(error.get("input", ""))[:80])
    return PlanProblem(file, line, name, key, params)


def read_yaml(text: str, file: str) -> tuple[Any, Any]:
    """The document as ruamel built it (it knows the lines) and as plain values.

    Safe on hostile text: too deep or too large once aliases expand is a PlanError, as is any
    YAML error; nothing but a PlanError escapes.
    """
    try:
        _check_depth(text)  # before composing: ruamel composes recursively
        yaml = _yaml()
        composed = yaml.compose(text)
        if composed is None:
            return None, None
        _Measure()(composed)  # before building: ruamel hashes (maybe huge) list keys
        root = yaml.constructor.construct_document(composed)
        return root, _plain(root)
    except _Refused as exc:
        problem = PlanProblem(file, exc.line, "(yaml)", exc.key, {"limit": exc.limit})
    except MarkedYAMLError as exc:
        said = syntax_problem(text, exc)
        params = said.params | {"what": said.key}
        problem = PlanProblem(file, said.line, "(yaml)", N_("plan.yaml_syntax"), params, said.hint)
    except YAMLError as exc:
        params = {"detail": str(exc), "what": N_("yaml.other"), "column": 1}
        problem = PlanProblem(file, None, "(yaml)", N_("plan.yaml_syntax"), params)
    raise _error(file, [problem])


def parse_plan_text(text: str, file: str) -> Plan:
    """Validate plan YAML text; raise PlanError with every problem found."""
    root, values = read_yaml(text, file)
    if not isinstance(values, dict):
        hint, params = document_hint(text)
        raise _error(file, [PlanProblem(file, 1, "(plan)", N_("plan.not_mapping"), params, hint)])
    try:
        plan = Plan.model_validate(values)
    except ValidationError as exc:
        seen: dict[tuple[int | None, str], PlanProblem] = {}
        for error in exc.errors():
            problem = _from_pydantic(file, root, error)
            seen.setdefault((problem.line, problem.field), problem)
        raise _error(file, list(seen.values())) from None
    problems = []
    for found in cross_check(plan):
        line, name = _locate(root, found.path, False)
        problems.append(PlanProblem(file, line, name, found.key, dict(found.params)))
    if problems:
        raise _error(file, problems)
    return plan


def _error(file: str, problems: list[PlanProblem]) -> PlanError:
    problems = [_hinted(problem) for problem in problems]
    return PlanError(file=file, count=len(problems), problems=problems)


def load_plan(path: Path) -> Plan:
    """Read and validate one plan file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(N_("error.plan_unreadable"), file=str(path), detail=str(exc)) from None
    return parse_plan_text(text, str(path))


def plan_files(path: Path) -> list[Path]:
    """The plan files at ``path``: the file itself, or every *.yaml/*.yml directly in a folder."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]
