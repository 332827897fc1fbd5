"""Django forms rendered as NHS.UK components, with an error summary that links to each field.

Use it like this (people, directory and every other form):

    from django import forms
    from joinedup.core.forms import NhsDateField, NhsukForm

    class FindPersonForm(NhsukForm):
        family_name = forms.CharField(label="Last name", error_messages={"required": "Enter …"})
        date_of_birth = NhsDateField(label="Date of birth", past_only=True, autocomplete="bday")

and in the template:

    {% from "core/macros/forms.jinja" import error_summary, field %}
    {{ error_summary(form) }}
    <form method="post" novalidate>
      {{ csrf_input }}
      {{ field(form["family_name"], {"autocomplete": "family-name", "width": 20}) }}
      {{ field(form["date_of_birth"], {"hint": "For example, 15 3 1984"}) }}
    </form>

`field` picks the component from the widget — text-like inputs (input), NhsDateField (date
input), Select (select), RadioSelect (radios), CheckboxSelectMultiple and CheckboxInput
(checkboxes), Textarea (textarea) — and fills in the label, hint (help_text), error message
and the value the user typed. Passwords are never sent back. The second argument is merged
into the NHS.UK macro parameters, so any option of those macros works; two extras:
`"pageHeading": true` makes the label or legend the page's <h1>, and `"itemHints"` maps
choice values to hint text for radios and checkboxes.

Forms must inherit NhsukForm (or NhsukFormMixin) so that `form["name"]` is an
NhsukBoundField; a plain Django form fails loudly in the macro rather than rendering nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils import timezone

ERROR_SUMMARY_HEADING = "There is a problem"
DATE_PARTS = ("day", "month", "year")

# Widget attributes the NHS.UK input macro takes as parameters of their own.
_INPUT_PARAMS = ("autocomplete", "inputmode", "spellcheck", "autocapitalize", "pattern")
# Attributes never passed through: ids and classes are the macros' job, and browser
# validation (required, maxlength) is replaced by the error messages the form gives.
_DROPPED_ATTRS = frozenset({"id", "class", "required", "maxlength", "minlength", "cols", "rows"})


class Component(StrEnum):
    """The NHS.UK macro that renders a field (the names used in core/macros/forms.jinja)."""

    INPUT = "input"
    DATE_INPUT = "dateInput"
    SELECT = "select"
    RADIOS = "radios"
    CHECKBOXES = "checkboxes"
    TEXTAREA = "textarea"


# -- the date field ------------------------------------------------------------------------------


class NhsDateWidget(forms.MultiWidget):
    """Three text boxes, day, month and year, posted as <name>_day, <name>_month, <name>_year."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({part: forms.TextInput() for part in DATE_PARTS}, attrs)

    def decompress(self, value: Any) -> list[str]:
        return _date_to_parts(value)


def _date_to_parts(value: Any) -> list[str]:
    if isinstance(value, date):
        return [str(value.day), str(value.month), str(value.year)]
    return ["", "", ""]


class NhsDateField(forms.Field):
    """A date typed as day, month and year, with the NHS.UK error messages.

    past_only refuses dates after today (a date of birth); future_only refuses dates before
    today. autocomplete="bday" adds bday-day, bday-month and bday-year for a date of birth."""

    widget = NhsDateWidget

    def __init__(
        self,
        *,
        past_only: bool = False,
        future_only: bool = False,
        autocomplete: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.past_only = past_only
        self.future_only = future_only
        self.autocomplete = autocomplete

    def _name(self) -> str:
        return str(self.label or "Date")

    def _message(self, key: str, default: str) -> str:
        return str(self.error_messages.get(key, default))

    def _required_message(self) -> str:
        message = str(self.error_messages["required"])
        if message == str(forms.Field.default_error_messages["required"]):
            return f"Enter the {self._name().lower()}"
        return message

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, date):
            return value
        parts = [str(part or "").strip() for part in (value or ["", "", ""])]
        if not any(parts):
            return None
        missing = [name for name, part in zip(DATE_PARTS, parts, strict=True) if not part]
        if missing:
            default = f"{self._name()} must include a {' and '.join(missing)}"
            raise ValidationError(self._message("incomplete", default), code="incomplete")
        return self._parse(parts)

    def _parse(self, parts: list[str]) -> date:
        day, month, year = parts
        real = f"{self._name()} must be a real date"
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise ValidationError(self._message("invalid", real), code="invalid")
        if len(year) != 4:
            default = "Year must include 4 numbers"
            raise ValidationError(self._message("year", default), code="year")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(self._message("invalid", real), code="invalid") from None

    def validate(self, value: Any) -> None:
        if value is None:
            if self.required:
                raise ValidationError(self._required_message(), code="required")
            return
        today = timezone.localdate()
        if self.past_only and value > today:
            default = f"{self._name()} must be today or in the past"
            raise ValidationError(self._message("past", default), code="past")
        if self.future_only and value < today:
            default = f"{self._name()} must be today or in the future"
            raise ValidationError(self._message("future", default), code="future")


# -- turning a bound field into NHS.UK macro parameters ----------------------------------------


def component_for(bound: BoundField) -> Component:
    """Which NHS.UK component renders this field, decided by its widget."""
    widget = bound.field.widget
    if isinstance(widget, NhsDateWidget):
        return Component.DATE_INPUT
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
        return Component.CHECKBOXES
    if isinstance(widget, forms.RadioSelect):
        return Component.RADIOS
    if isinstance(widget, forms.Select):
        return Component.SELECT
    if isinstance(widget, forms.Textarea):
        return Component.TEXTAREA
    return Component.INPUT


def field_params(bound: BoundField, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The parameters for the NHS.UK macro that renders `bound`, merged with `overrides`."""
    options = dict(overrides or {})
    page_heading = bool(options.pop("pageHeading", False))
    item_hints = options.pop("itemHints", {})
    component = component_for(bound)
    params = _BUILDERS[component](bound)
    if item_hints and "items" in params:
        params["items"] = [_with_hint(item, item_hints) for item in params["items"]]
    if page_heading:
        heading = {"isPageHeading": True, "size": "l"}
        if "fieldset" in params:
            params["fieldset"]["legend"].update(heading)
        elif "label" in params:
            params["label"].update(heading)
    return _merge(params, options)


def error_anchor(bound: BoundField) -> str:
    """The id of the element the error summary links to: the first input with the problem."""
    field_id = _field_id(bound)
    if component_for(bound) is Component.DATE_INPUT:
        return f"{field_id}-{_date_parts_in_error(bound)[0]}"
    return field_id


def error_summary_params(
    form: forms.BaseForm, heading: str = ERROR_SUMMARY_HEADING
) -> dict[str, Any] | None:
    """Parameters for the NHS.UK error summary, or None when the form has no errors.
    Each field's errors link to the field; errors about the whole form are listed first."""
    if not form.is_bound or not form.errors:
        return None
    items: list[dict[str, str]] = [{"text": str(error)} for error in form.non_field_errors()]
    for bound in form:
        link = "" if bound.is_hidden else f"#{error_anchor(bound)}"
        items.extend({"text": str(error), "href": link} for error in bound.errors)
    return {"heading": heading, "errorList": items}


def form_has_errors(form: forms.BaseForm) -> bool:
    return bool(form.is_bound and form.errors)


def _field_id(bound: BoundField) -> str:
    return bound.auto_id or bound.html_name


def _common(bound: BoundField) -> dict[str, Any]:
    params: dict[str, Any] = {"name": bound.html_name}
    if bound.help_text:
        params["hint"] = {"text": str(bound.help_text)}
    if bound.errors:
        params["errorMessage"] = {"text": " ".join(str(error) for error in bound.errors)}
    return params


def _split_attrs(widget: forms.Widget) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(macro parameters, other HTML attributes, extra classes) from a widget's attrs."""
    params: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for key, value in widget.attrs.items():
        if key == "spellcheck":
            params[key] = value in (True, "true")  # the macros want a boolean
        elif key in _INPUT_PARAMS:
            params[key] = value
        elif key not in _DROPPED_ATTRS:
            attributes[key] = value
    return params, attributes, str(widget.attrs.get("class", ""))


def _input(bound: BoundField) -> dict[str, Any]:
    widget = bound.field.widget
    own, attributes, classes = _split_attrs(widget)
    is_password = isinstance(widget, forms.PasswordInput)
    value = None if is_password else widget.format_value(bound.value())
    params = _common(bound) | own
    params.update(
        {
            "id": _field_id(bound),
            "label": {"text": str(bound.label)},
            "type": getattr(widget, "input_type", "text"),
            "value": value if value is not None else "",
        }
    )
    return _with_extras(params, attributes, classes)


def _textarea(bound: BoundField) -> dict[str, Any]:
    widget = bound.field.widget
    own, attributes, classes = _split_attrs(widget)
    params = _common(bound)
    params.update(
        {
            "id": _field_id(bound),
            "label": {"text": str(bound.label)},
            "value": widget.format_value(bound.value()) or "",
            "rows": widget.attrs.get("rows", 5),
        }
    )
    if "autocomplete" in own:
        params["autocomplete"] = own["autocomplete"]
    if "spellcheck" in own:
        # The textarea macro would print a Python boolean as "False"; pass the HTML value.
        attributes["spellcheck"] = "true" if own["spellcheck"] else "false"
    return _with_extras(params, attributes, classes)


def _choices(bound: BoundField) -> Iterator[tuple[str, str]]:
    """(value, text) pairs, with option groups flattened."""
    choices: Iterable[Any] = getattr(bound.field, "choices", ())
    for value, text in choices:
        if isinstance(text, list | tuple):
            for inner_value, inner_text in text:
                yield str(inner_value), str(inner_text)
        else:
            yield str(value), str(text)


def _selected(bound: BoundField) -> set[str]:
    value = bound.value()
    values = value if isinstance(value, list | tuple) else [value]
    return {str(item) for item in values if item is not None}


def _select(bound: BoundField) -> dict[str, Any]:
    _, attributes, classes = _split_attrs(bound.field.widget)
    chosen = _selected(bound)
    params = _common(bound)
    params.update(
        {
            "id": _field_id(bound),
            "label": {"text": str(bound.label)},
            "items": [
                {"value": value, "text": text, "selected": value in chosen}
                for value, text in _choices(bound)
            ],
        }
    )
    return _with_extras(params, attributes, classes)


def _fieldset(bound: BoundField) -> dict[str, Any]:
    return {"legend": {"text": str(bound.label), "size": "s"}}


def _radios(bound: BoundField) -> dict[str, Any]:
    chosen = _selected(bound)
    params = _common(bound)
    params.update(
        {
            "idPrefix": _field_id(bound),
            "fieldset": _fieldset(bound),
            "items": [
                {"value": value, "text": text, "checked": value in chosen}
                for value, text in _choices(bound)
                if value != ""  # a radio for "no choice" is never wanted
            ],
        }
    )
    return params


def _checkboxes(bound: BoundField) -> dict[str, Any]:
    params = _common(bound)
    params["idPrefix"] = _field_id(bound)
    if isinstance(bound.field.widget, forms.CheckboxInput):
        # One yes/no box: the label is the box's own label, so no fieldset is needed.
        checked = bool(bound.value())
        params["items"] = [{"value": "yes", "text": str(bound.label), "checked": checked}]
        return params
    chosen = _selected(bound)
    params["fieldset"] = _fieldset(bound)
    params["items"] = [
        {"value": value, "text": text, "checked": value in chosen}
        for value, text in _choices(bound)
    ]
    return params


def _date_values(bound: BoundField) -> list[str]:
    value = bound.value()
    if isinstance(value, list | tuple):
        return [str(part or "") for part in value]
    return _date_to_parts(value)


def _date_parts_in_error(bound: BoundField) -> list[str]:
    """The missing parts when only some were typed; otherwise every part."""
    values = _date_values(bound)
    missing = [part for part, value in zip(DATE_PARTS, values, strict=True) if not value.strip()]
    return missing if missing and len(missing) < len(DATE_PARTS) else list(DATE_PARTS)


def _date_input(bound: BoundField) -> dict[str, Any]:
    field_id = _field_id(bound)
    in_error = set(_date_parts_in_error(bound)) if bound.errors else set()
    autocomplete = getattr(bound.field, "autocomplete", "")
    items = []
    for part, value in zip(DATE_PARTS, _date_values(bound), strict=True):
        item: dict[str, Any] = {
            "id": f"{field_id}-{part}",
            "name": f"{bound.html_name}_{part}",
            "label": part.capitalize(),
            "value": value,
            "width": 4 if part == "year" else 2,
        }
        if part in in_error:
            item["classes"] = "nhsuk-input--error"
        if autocomplete:
            item["autocomplete"] = f"{autocomplete}-{part}"
        items.append(item)
    params = _common(bound)
    del params["name"]
    params.update({"id": field_id, "fieldset": _fieldset(bound), "items": items})
    return params


def _with_extras(
    params: dict[str, Any], attributes: dict[str, Any], classes: str
) -> dict[str, Any]:
    if attributes:
        params["attributes"] = attributes
    if classes:
        params["classes"] = classes
    return params


def _with_hint(item: dict[str, Any], hints: Mapping[str, str]) -> dict[str, Any]:
    hint = hints.get(item["value"])
    return item | {"hint": {"text": hint}} if hint else item


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


_BUILDERS = {
    Component.INPUT: _input,
    Component.DATE_INPUT: _date_input,
    Component.SELECT: _select,
    Component.RADIOS: _radios,
    Component.CHECKBOXES: _checkboxes,
    Component.TEXTAREA: _textarea,
}


# -- forms whose fields know how to render themselves -------------------------------------------


class NhsukBoundField(BoundField):
    """A bound field that the `field` macro in core/macros/forms.jinja can render."""

    @property
    def nhsuk_component(self) -> str:
        return component_for(self).value

    def nhsuk_params(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return field_params(self, overrides)


# Raised by validators rather than the field, so absent from the field's own messages.
_VALIDATOR_CODES = frozenset({"max_length", "min_length", "max_value", "min_value"})


def _django_defaults(field: forms.Field) -> dict[str, str]:
    defaults: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        defaults.update({k: str(v) for k, v in getattr(cls, "default_error_messages", {}).items()})
    return defaults


def _plain_english_messages(name: str, field: forms.Field) -> None:
    """Replace Django's generic messages ("This field is required.", "Ensure this value has at
    most 200 characters (it has 201).") with ones that name the field, in the NHS.UK style.
    A message a form sets itself is left alone."""
    label = str(field.label or name.replace("_", " ").capitalize())
    lower = label[0].lower() + label[1:] if label[:2] != label[:2].upper() else label
    choosing = isinstance(field, forms.ChoiceField | forms.ModelChoiceField)
    plain = {
        "required": f"Select {lower}" if choosing else f"Enter {lower}",
        "max_length": f"{label} must be %(limit_value)d characters or fewer",
        "min_length": f"{label} must be %(limit_value)d characters or more",
        "invalid_choice": f"Select {lower} from the list",  # noqa: S608 - words, not SQL
        "invalid_list": f"Select {lower} from the list",  # noqa: S608
        "max_value": f"{label} must be %(limit_value)s or less",
        "min_value": f"{label} must be %(limit_value)s or more",
    }
    if isinstance(field, forms.IntegerField):
        plain["invalid"] = f"{label} must be a whole number"
    elif isinstance(field, forms.EmailField):
        plain["invalid"] = "Enter an email address in the correct format, like name@example.com"
    defaults = _django_defaults(field)
    for code, message in plain.items():
        current = field.error_messages.get(code)
        if current is None and code in _VALIDATOR_CODES:
            field.error_messages[code] = message  # raised by validators, not the field
        elif current is not None and str(current) == defaults.get(code):
            field.error_messages[code] = message


class NhsukFormMixin(forms.BaseForm):
    """Mix into a Django Form or ModelForm (before it) to render it with
    core/macros/forms.jinja: `class PersonForm(NhsukFormMixin, forms.ModelForm)`."""

    bound_field_class = NhsukBoundField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            _plain_english_messages(name, field)

    def nhsuk_error_summary(self) -> dict[str, Any] | None:
        return error_summary_params(self)


class NhsukForm(NhsukFormMixin, forms.Form):
    """A Django form rendered as NHS.UK components; see the module docstring."""
