"""Scenario files: shipped families load; every mistake in a file is one error naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hadron.errors import ConfigError, InputError
from hadron.tasks.agentic.registry import FAMILIES
from hadron.tasks.agentic.scenario import load_scenarios

GOOD = """\
id: demo
family: orders
goal: Cancel order O-1.
environment: You are a shop assistant.
opening: Cancel O-1 please.
tools:
  - cancel_order
  - name: track_shipment
    description: Track a parcel.
    parameters: {type: object, properties: {order_id: {type: string}}, required: [order_id]}
parameters:
  reason: [mistake, too slow]
  colour: [red, blue, green]
initial_state:
  customers: [{email: a@example.com, name: A, address: 1 Main Street}]
  products: [{sku: MUG, name: "{{ colour }} mug", price: 10.0, stock: 3}]
  orders: [{order_id: O-1, email: a@example.com, status: placed, address: 1 Main Street}]
success:
  - {sql: "SELECT status FROM orders WHERE order_id = 'O-1'", equals: cancelled}
rubric:
  - {id: action, weight: 2, description: Cancels the order.}
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_family_has_at_least_five_valid_scenarios() -> None:
    scenarios = load_scenarios("all")
    for family in FAMILIES:
        assert len([s for s in scenarios if s.family == family]) >= 5, family
    assert all(s.origin.endswith(":1") for s in scenarios)
    assert any(spec.simulated for s in scenarios for spec in s.tool_specs())  # a custom tool ships too


def test_tools_resolve_and_variants_render(tmp_path: Path) -> None:
    [scenario] = load_scenarios(write(tmp_path, GOOD))
    specs = {spec.name: spec for spec in scenario.tool_specs()}
    assert not specs["cancel_order"].simulated and specs["track_shipment"].simulated
    assert specs["cancel_order"].parameters["required"] == ["order_id", "reason"]
    assert scenario.variant_count() == 6
    names = [scenario.variant(k)[1] for k in range(7)]
    assert names[:3] == [
        {"reason": "mistake", "colour": "red"},
        {"reason": "too slow", "colour": "red"},
        {"reason": "mistake", "colour": "blue"},
    ]
    assert names[6] == names[0]
    variant, _ = scenario.variant(3)
    assert variant.initial_state["products"][0]["name"] == "blue mug"


def test_a_folder_is_searched_recursively_and_ids_must_be_unique(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path / "sub", GOOD.replace("id: demo", "id: other"), "b.yml")
    assert [s.id for s in load_scenarios(tmp_path)] == ["demo", "other"]
    write(tmp_path / "sub", GOOD, "c.yaml")
    with pytest.raises(InputError, match=r"c\.yaml:1: scenario id 'demo' repeats \(first at .*a\.yaml:1\)"):
        load_scenarios(tmp_path)


@pytest.mark.parametrize(
    ("change", "message", "line"),
    [
        (
            ("family: orders", "family: airline"),
            "unknown family 'airline' (known: terminal, telecom, orders)",
            2,
        ),
        (
            ("required: [order_id]}", "required: order_id}"),
            "tools.1.parameters: not a valid JSON Schema at required: 'order_id' is not of type 'array'",
            10,
        ),
        (("{type: object, properties", "{type: array, properties"), "must be an object schema", 10),
        (("  - cancel_order", "  - teleport"), "tools: family 'orders' has no built-in tool 'teleport'", 6),
        (("name: track_shipment", "name: get_order"), "has the name of a built-in tool", 6),
        (("stock: 3}", "stock: -3}"), "initial_state: orders_env", 14),
        (("equals: cancelled}", "equals: cancelled, extra: 1}"), "success.0: ", 19),
        (("SELECT status FROM", "SELECT nothing FROM"), "success.0: success query does not run", 19),
        (("{{ colour }} mug", "{{ color }} mug"), "template error: 'color' is undefined", 1),
        (("goal: Cancel order O-1.\n", ""), "goal: Field required", 1),
        (("rubric:\n", "rubrik:\n"), "rubrik: unknown key", 20),
        (("weight: 2,", "weight: heavy,"), "rubric.0.weight: Input should be a valid number", 21),
        (("  - cancel_order\n", "  - cancel_order\n  [\n"), "invalid YAML", 9),
    ],
)
def test_bad_scenarios_name_file_and_line(
    tmp_path: Path, change: tuple[str, str], message: str, line: int
) -> None:
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(InputError) as caught:
        load_scenarios(path)
    text = str(caught.value)
    assert text.startswith(f"{path}:{line}: "), text
    if message != "initial_state: orders_env":
        assert message in text, text
    else:
        assert "initial_state" in text and "CHECK constraint failed" in text


def test_unknown_source_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a family name") as caught:
        load_scenarios("airline")
    assert "terminal, telecom, orders, all" in str(caught.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no \*\.yaml scenario files"):
        load_scenarios(tmp_path / "empty")
    with pytest.raises(InputError, match="expected a scenario"):
        load_scenarios(write(tmp_path, "just text"))
