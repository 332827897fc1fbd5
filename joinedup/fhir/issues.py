"""What is wrong with a FHIR resource, one issue at a time: the `Issue` that goes into an
OperationOutcome, and the fhir.resources models' errors (pydantic's) put into plain English
with a FHIRPath-like expression naming the element. fhir/validation.py decides what to check."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic_core import ErrorDetails

from joinedup.fhir.mapping import Json


@dataclass(frozen=True)
class Issue:
    """One problem with what was sent, as an OperationOutcome issue will say it."""

    severity: str  # error | warning | information
    code: str  # from the FHIR issue-type value set: structure, required, value, code-invalid…
    diagnostics: str
    expression: str | None = None

    def as_fhir(self) -> Json:
        issue: Json = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


def error(code: str, diagnostics: str, expression: str | None = None) -> Issue:
    """Every problem validation finds stops the resource: severity error."""
    return Issue("error", code, diagnostics, expression)


def kind_of(value: object) -> str:
    """What the sender gave, in words: "not text", "not a list"."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    return "an object"


def expression_of(resource_type: str, location: tuple[int | str, ...]) -> str:
    """("identifier", 0, "value") → Patient.identifier[0].value."""
    expression = resource_type
    for part in location:
        if isinstance(part, int):
            expression += f"[{part}]"
        elif part == "resource_type":
            expression += ".resourceType"
        elif part != "root":
            expression += f".{part}"
    return expression


_SHAPES = {
    "string_type": "text (a JSON string)",
    "list_type": "a list ([…])",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "decimal_type": "a number",
    "decimal_parsing": "a number",
    "dict_type": "an object ({…})",
    "model_type": "an object ({…})",
    "model_attributes_type": "an object ({…})",
    "json_invalid": "an object ({…})",
    "json_type": "an object ({…})",
}
_FORMATS = {
    "DateTime": "a date and time: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz",
    "Date": "a date: YYYY, YYYY-MM or YYYY-MM-DD",
    "Instant": "an instant: YYYY-MM-DDThh:mm:ss+zz:zz",
    "Time": "a time: hh:mm:ss",
}
_CHOICES = re.compile(r"\[([^\]]*)\]")


def from_model_error(detail: ErrorDetails, resource_type: str) -> Issue:
    kind = detail["type"]
    expression = expression_of(resource_type, tuple(detail["loc"]))
    given = detail.get("input")
    message = str(detail.get("msg", ""))
    if kind in ("missing", "model_field_validation.missing"):
        return error("required", f"{expression} is required: give it.", expression)
    if kind == "extra_forbidden":
        return error(
            "structure",
            f"FHIR R4 has no element {expression}. Check the spelling and the case, and that it "
            "belongs here.",
            expression,
        )
    if kind in _SHAPES:
        shape = _SHAPES[kind]
        return error(
            "structure",
            f"{expression} must be {shape}, not {kind_of(given)}.",
            expression,
        )
    if kind == "model_validation_format":
        model = (detail.get("ctx") or {}).get("model_class", "")
        return error(
            "structure",
            f"{expression} must be {with_article(str(model)) if model else 'an object'} ({{…}}), "
            f"not {kind_of(given)}.",
            expression,
        )
    if kind == "string_pattern_mismatch":
        return error(
            "value",
            f"{quoted(given)} is not in the form FHIR allows for {expression}: no spaces at the "
            "start or end and nothing empty.",
            expression,
        )
    return _value_issue(message, given, expression)


def _value_issue(message: str, given: object, expression: str) -> Issue:
    message = message.removeprefix("Value error, ").strip()
    for name, form in _FORMATS.items():
        if message.startswith(f"{name} value"):
            return error(
                "value",
                f"{quoted(given)} is not valid for {expression}: write {form}.",
                expression,
            )
    choices = _CHOICES.search(message)
    if choices and "but got multiple" in message:
        return error(
            "structure",
            f"{expression} may hold only one of {_listed(choices[1])}; it has more than one.",
            expression,
        )
    if choices and "Expect any of field value" in message:
        return error(
            "required",
            f"{expression} needs a value: one of {_listed(choices[1])}.",
            expression,
        )
    return error("value", f"{expression} is not valid FHIR R4: {message.rstrip('.')}.", expression)


def _listed(choices: str) -> str:
    names = [name.strip(" '\"") for name in choices.split(",") if name.strip(" '\"")]
    if len(names) > 6:
        return ", ".join(names[:6]) + f" (or one of {len(names) - 6} other types)"
    return ", ".join(names)


def quoted(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    if len(text) > 40:
        text = text[:37] + "…"
    return f"'{text}'"


def with_article(word: str) -> str:
    return f"an {word}" if word[:1] in "AEIOU" else f"a {word}"
