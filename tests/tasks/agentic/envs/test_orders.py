"""The store: orders, stock and returns move together under the shop's rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hadron.tasks.agentic.envs.orders import OrdersEnv
from hadron.tasks.agentic.scenario import load_scenarios

STATE = {
    "customers": [{"email": "a@example.com", "name": "A", "address": "1 Main Street, Town"}],
    "products": [
        {"sku": "MUG", "name": "Blue Mug", "category": "kitchen", "price": 10.0, "stock": 3},
        {"sku": "TEA", "name": "Green Tea", "category": "pantry", "price": 5.0, "stock": 0},
    ],
    "orders": [
        {"order_id": "O-1", "email": "a@example.com", "status": "placed", "address": "1 Main Street, Town"},
        {
            "order_id": "O-2",
            "email": "a@example.com",
            "status": "delivered",
            "address": "1 Main Street, Town",
        },
    ],
    "order_items": [
        {"order_id": "O-1", "sku": "MUG", "quantity": 2, "unit_price": 10.0},
        {"order_id": "O-2", "sku": "MUG", "quantity": 2, "unit_price": 9.0},
    ],
}


@pytest.fixture
def env() -> OrdersEnv:
    made = OrdersEnv.from_state(json.loads(json.dumps(STATE)))
    assert isinstance(made, OrdersEnv)
    return made


def call(env: OrdersEnv, tool: str, /, **arguments: Any) -> tuple[bool, Any]:
    result = env.call(tool, arguments)
    return result.is_error, json.loads(result.content)


def test_cancel_restocks_and_refunds(env: OrdersEnv) -> None:
    assert call(env, "cancel_order", order_id="O-1", reason="mistake") == (
        False,
        {"order_id": "O-1", "status": "cancelled", "refunded": 20.0},
    )
    assert call(env, "search_products", query="mug")[1][0]["stock"] == 5
    failed, answer = call(env, "cancel_order", order_id="O-1", reason="again")
    assert failed and "only placed orders" in answer["error"]


def test_returns_are_bounded_by_what_was_bought(env: OrdersEnv) -> None:
    failed, answer = call(env, "return_item", order_id="O-1", sku="MUG", quantity=1, reason="damaged")
    assert failed and "only delivered items" in answer["error"]
    assert (
        call(env, "return_item", order_id="O-2", sku="MUG", quantity=1, reason="damaged")[1]["refund"] == 9.0
    )
    failed, answer = call(env, "return_item", order_id="O-2", sku="MUG", quantity=2, reason="damaged")
    assert failed and "only 1 of MUG" in answer["error"]
    assert call(env, "get_order", order_id="O-2")[1]["items"][0]["returned"] == 1
    assert env.check_all([{"sql": "SELECT refunded FROM orders WHERE order_id = 'O-2'", "equals": 9}])[0].ok


def test_place_order_checks_stock_and_moves_it(env: OrdersEnv) -> None:
    failed, answer = call(env, "place_order", email="a@example.com", items=[{"sku": "TEA", "quantity": 1}])
    assert failed and "only 0 of TEA" in answer["error"]
    failed, placed = call(env, "place_order", email="a@example.com", items=[{"sku": "MUG", "quantity": 3}])
    assert not failed and placed["order_id"] == "O-1001" and placed["total"] == 30.0
    assert call(env, "search_products", query="blue mug")[1][0]["stock"] == 0


def test_address_changes_only_before_shipping(env: OrdersEnv) -> None:
    assert not call(env, "update_address", order_id="O-1", address="9 New Road, City")[0]
    failed, answer = call(env, "update_address", order_id="O-2", address="9 New Road, City")
    assert failed and "can no longer change" in answer["error"]


def test_bad_arguments_are_error_results(env: OrdersEnv) -> None:
    for name, arguments in (
        ("get_order", {"order_id": "1042"}),
        ("return_item", {"order_id": "O-2"}),
        ("place_order", {"email": "a@example.com", "items": []}),
        ("find_orders", {"email": "nobody@example.com"}),
        ("refund_everything", {}),
    ):
        failed, answer = call(env, name, **arguments)
        assert failed and answer["error"]


ORACLES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "orders-cancel-unshipped": [("cancel_order", {"order_id": "O-1042", "reason": "ordered by mistake"})],
    "orders-return-damaged": [
        ("return_item", {"order_id": "O-1038", "sku": "MUG-220", "quantity": 1, "reason": "damaged"})
    ],
    "orders-change-address": [
        ("update_address", {"order_id": "O-1050", "address": "42 Elm Street, Oxford OX1 2JD"})
    ],
    "orders-reorder-substitute": [
        ("place_order", {"email": "alex.r@example.com", "items": [{"sku": "DUV-510-SND", "quantity": 1}]})
    ],
    "orders-shipped-tracking": [("get_order", {"order_id": "O-1061"})],
}


@pytest.mark.parametrize("scenario", load_scenarios("orders"), ids=lambda s: s.id)
def test_every_shipped_scenario_is_solvable(scenario) -> None:  # type: ignore[no-untyped-def]
    variant, _ = scenario.variant(0)
    env = OrdersEnv.from_state(variant.initial_state)
    for name, arguments in ORACLES[scenario.id]:
        assert not env.call(name, arguments).is_error
    checks = env.check_all(variant.success)
    assert all(check.ok for check in checks), checks


def test_a_success_check_cannot_write(env: OrdersEnv) -> None:
    """``WITH ... DELETE`` starts like a read; SQLite's authorizer refuses it at load and at check time."""
    from hadron.tasks.agentic.envs.sqlstore import SqlAssertion

    writing = {"sql": "WITH gone AS (SELECT 1) DELETE FROM orders", "equals": None}
    with pytest.raises(ValueError, match="not authorized"):
        OrdersEnv.validate_assertion(writing)
    check = env.check(SqlAssertion.model_validate(writing))
    assert not check.ok and "not authorized" in check.detail
    assert env.one("SELECT count(*) AS n FROM orders") == {"n": 2}
    reading = SqlAssertion.model_validate(
        {
            "sql": "WITH placed AS (SELECT * FROM orders WHERE status = 'placed') "
            "SELECT count(*) FROM placed",
            "equals": 1,
        }
    )
    assert env.check(reading).ok
    assert call(env, "cancel_order", order_id="O-1", reason="changed mind")[0] is False  # tools still write
