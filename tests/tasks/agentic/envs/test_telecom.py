"""The telecom account database: tools change rows under the care system's rules; SQL checks read them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hadron.tasks.agentic.envs.telecom import TelecomEnv
from hadron.tasks.agentic.scenario import load_scenarios

STATE = {
    "customers": [
        {"customer_id": "C-1", "name": "Ana Silva", "email": "ana@example.com", "phone": "+1 555 0001"}
    ],
    "lines": [
        {"number": "+1 555 0001", "customer_id": "C-1", "plan_id": "plus-20"},
        {
            "number": "+1 555 0002",
            "customer_id": "C-1",
            "plan_id": "basic-5",
            "status": "suspended",
            "suspension_reason": "non_payment",
        },
    ],
    "bills": [
        {
            "bill_id": "B-1",
            "customer_id": "C-1",
            "period": "2024-04",
            "amount": 30.0,
            "due_date": "2024-05-01",
            "status": "overdue",
        }
    ],
}


@pytest.fixture
def env() -> TelecomEnv:
    made = TelecomEnv.from_state(json.loads(json.dumps(STATE)))
    assert isinstance(made, TelecomEnv)
    return made


def ok(env: TelecomEnv, tool: str, /, **arguments: Any) -> Any:
    result = env.call(tool, arguments)
    assert not result.is_error, result.content
    return json.loads(result.content)


def error(env: TelecomEnv, tool: str, /, **arguments: Any) -> str:
    result = env.call(tool, arguments)
    assert result.is_error, result.content
    return str(json.loads(result.content)["error"])


def test_lookups(env: TelecomEnv) -> None:
    assert ok(env, "find_customer", phone="+15550002")[0]["customer_id"] == "C-1"  # by line, spaces ignored
    assert ok(env, "find_customer", name="silva")[0]["email"] == "ana@example.com"
    customer = ok(env, "get_customer", customer_id="C-1")
    assert [line["number"] for line in customer["lines"]] == ["+1 555 0001", "+1 555 0002"]
    assert customer["unpaid_bills"][0]["bill_id"] == "B-1"
    assert ok(env, "get_line", number="+1 555 0001")["plan"]["data_gb"] == 20
    assert ok(env, "list_plans")[0]["plan_id"] == "basic-5"  # cheapest first


def test_changes_persist_and_checks_see_them(env: TelecomEnv) -> None:
    assert ok(env, "set_roaming", number="+1 555 0001", enabled=True)["daily_fee"] == 10.0
    assert ok(env, "change_plan", number="+1 555 0001", plan_id="travel-15")["old_plan"] == "plus-20"
    assert ok(env, "get_line", number="+1 555 0001")["roaming"] == 1
    checks = env.check_all(
        [
            {"sql": "SELECT roaming FROM lines WHERE number = '+1 555 0001'", "equals": True},
            {
                "sql": "SELECT plan_id, roaming FROM lines ORDER BY number",
                "equals": [["travel-15", 1], ["basic-5", 0]],
            },
            {"sql": "SELECT plan_id FROM lines WHERE number = '+1 555 0001'", "equals": "plus-20"},
        ]
    )
    assert [check.ok for check in checks] == [True, True, False]
    assert "got 'travel-15'" in checks[2].detail


def test_business_rules(env: TelecomEnv) -> None:
    assert "only active lines" in error(env, "change_plan", number="+1 555 0002", plan_id="plus-20")
    assert "already on" in error(env, "change_plan", number="+1 555 0001", plan_id="plus-20")
    assert "roaming needs an active line" in error(env, "set_roaming", number="+1 555 0002", enabled=True)
    assert "overdue bills: B-1" in error(env, "resume_line", number="+1 555 0002")
    assert "does not match" in error(env, "pay_bill", bill_id="B-1", amount=10, method="card_on_file")
    assert ok(env, "pay_bill", bill_id="B-1", amount=30, method="card_on_file")["status"] == "paid"
    assert "already paid" in error(env, "pay_bill", bill_id="B-1", amount=30, method="card_on_file")
    assert ok(env, "resume_line", number="+1 555 0002")["status"] == "active"


def test_bad_arguments_are_error_results(env: TelecomEnv) -> None:
    assert "no line" in error(env, "get_line", number="+1 999 9999")
    assert "no customer matches" in error(env, "find_customer", email="x@y.z")
    assert "invalid arguments" in error(env, "find_customer")  # none of phone/email/name
    assert "invalid arguments" in error(env, "set_roaming", number="+1 555 0001", enabled="yes")
    assert "invalid arguments" in error(env, "pay_bill", bill_id="B-1", amount=30, method="cash")
    assert "unknown tool" in error(env, "delete_account", customer_id="C-1")


def test_bad_state_and_bad_checks_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown table"):
        TelecomEnv.validate_state({"accounts": [{"id": 1}]})
    with pytest.raises(ValueError, match="FOREIGN KEY"):
        TelecomEnv.validate_state({"lines": [{"number": "1", "customer_id": "nobody", "plan_id": "basic-5"}]})
    with pytest.raises(ValueError, match="SELECT"):
        TelecomEnv.validate_assertion({"sql": "DELETE FROM lines", "equals": 0})
    with pytest.raises(ValueError, match="does not run"):
        TelecomEnv.validate_assertion({"sql": "SELECT nope FROM lines", "equals": 0})


ORACLES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "telecom-enable-roaming": [("set_roaming", {"number": "+1 555 0101", "enabled": True})],
    "telecom-overdue-resume": [
        ("pay_bill", {"bill_id": "B-3002", "amount": 45, "method": "card_on_file"}),
        ("resume_line", {"number": "+1 555 0303"}),
    ],
    "telecom-downgrade-plan": [("change_plan", {"number": "+1 555 0404", "plan_id": "basic-5"})],
    "telecom-family-two-lines": [
        ("change_plan", {"number": "+1 555 0502", "plan_id": "basic-5"}),
        ("set_roaming", {"number": "+1 555 0502", "enabled": False}),
    ],
    "telecom-lost-phone": [("suspend_line", {"number": "+1 555 0606", "reason": "lost_or_stolen"})],
}


@pytest.mark.parametrize("scenario", load_scenarios("telecom"), ids=lambda s: s.id)
def test_every_shipped_scenario_is_solvable_and_starts_unsolved(scenario) -> None:  # type: ignore[no-untyped-def]
    variant, _ = scenario.variant(0)
    assert not all(
        check.ok for check in TelecomEnv.from_state(variant.initial_state).check_all(variant.success)
    )
    env = TelecomEnv.from_state(variant.initial_state)
    for name, arguments in ORACLES[scenario.id]:
        assert not env.call(name, arguments).is_error
    checks = env.check_all(variant.success)
    assert all(check.ok for check in checks), checks
