"""Online-store order support: customers, a product catalogue with stock, orders and returns, with the
rules a shop enforces (only unshipped orders can be cancelled or re-addressed, only delivered items can
be returned, never more than were bought, stock moves with every order, cancellation and return)."""

from __future__ import annotations

from typing import Any, ClassVar

from hadron.tasks.agentic.envs.base import ToolError, tool
from hadron.tasks.agentic.envs.sqlstore import SqlEnvironment

SCHEMA = """
CREATE TABLE customers (email TEXT PRIMARY KEY, name TEXT NOT NULL, address TEXT NOT NULL);
CREATE TABLE products (
  sku TEXT PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL DEFAULT 'general',
  price REAL NOT NULL CHECK (price >= 0), stock INTEGER NOT NULL CHECK (stock >= 0));
CREATE TABLE orders (
  order_id TEXT PRIMARY KEY, email TEXT NOT NULL REFERENCES customers(email),
  status TEXT NOT NULL CHECK (status IN ('placed', 'shipped', 'delivered', 'cancelled')),
  address TEXT NOT NULL, placed_on TEXT NOT NULL DEFAULT '2024-05-01', refunded REAL NOT NULL DEFAULT 0);
CREATE TABLE order_items (
  order_id TEXT NOT NULL REFERENCES orders(order_id), sku TEXT NOT NULL REFERENCES products(sku),
  quantity INTEGER NOT NULL CHECK (quantity > 0), unit_price REAL NOT NULL, PRIMARY KEY (order_id, sku));
CREATE TABLE returns (
  return_id INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL REFERENCES orders(order_id),
  sku TEXT NOT NULL, quantity INTEGER NOT NULL, reason TEXT NOT NULL, refund REAL NOT NULL);
"""

_ORDER = {"type": "string", "pattern": "^O-[0-9]+$", "description": "An order id such as O-1042."}
_SKU = {"type": "string", "minLength": 1, "description": "A product SKU."}
_EMAIL = {"type": "string", "pattern": "^[^@ ]+@[^@ ]+$"}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


class OrdersEnv(SqlEnvironment):
    family: ClassVar[str] = "orders"
    SCHEMA: ClassVar[str] = SCHEMA

    @tool("List a customer's orders, newest first.", _object({"email": _EMAIL}, ["email"]))
    def find_orders(self, email: str) -> list[dict[str, Any]]:
        self.require("customer", "SELECT email FROM customers WHERE lower(email) = lower(?)", email)
        return self.rows(
            "SELECT order_id, status, placed_on FROM orders WHERE lower(email) = lower(?) "
            "ORDER BY placed_on DESC, order_id DESC",
            email,
        )

    @tool(
        "Get an order with its items, shipping address and refunds so far.",
        _object({"order_id": _ORDER}, ["order_id"]),
    )
    def get_order(self, order_id: str) -> dict[str, Any]:
        order = self.require("order", "SELECT * FROM orders WHERE order_id = ?", order_id)
        order["items"] = self.rows(
            "SELECT i.sku, p.name, i.quantity, i.unit_price, "
            "COALESCE((SELECT SUM(r.quantity) FROM returns r "
            "          WHERE r.order_id = i.order_id AND r.sku = i.sku), 0) AS returned "
            "FROM order_items i JOIN products p ON p.sku = i.sku WHERE i.order_id = ? ORDER BY i.sku",
            order_id,
        )
        order["total"] = round(sum(item["quantity"] * item["unit_price"] for item in order["items"]), 2)
        return order

    @tool(
        "Search the catalogue by words in the product name or category.",
        _object({"query": {"type": "string", "minLength": 2}}, ["query"]),
    )
    def search_products(self, query: str) -> list[dict[str, Any]]:
        words = query.lower().split()
        products = self.rows("SELECT * FROM products ORDER BY sku")
        return [p for p in products if all(w in f"{p['name']} {p['category']}".lower() for w in words)]

    @tool(
        "Cancel an order that has not shipped yet; the full amount is refunded and stock restored.",
        _object({"order_id": _ORDER, "reason": {"type": "string", "minLength": 3}}, ["order_id", "reason"]),
    )
    def cancel_order(self, order_id: str, reason: str) -> dict[str, Any]:
        order = self.get_order(order_id)
        if order["status"] != "placed":
            raise ToolError(f"order {order_id} is {order['status']}; only placed orders can be cancelled")
        for item in order["items"]:
            self.write("UPDATE products SET stock = stock + ? WHERE sku = ?", item["quantity"], item["sku"])
        self.write(
            "UPDATE orders SET status = 'cancelled', refunded = ? WHERE order_id = ?",
            order["total"],
            order_id,
        )
        return {"order_id": order_id, "status": "cancelled", "refunded": order["total"]}

    @tool(
        "Change the shipping address of an order that has not shipped yet.",
        _object(
            {"order_id": _ORDER, "address": {"type": "string", "minLength": 10}}, ["order_id", "address"]
        ),
    )
    def update_address(self, order_id: str, address: str) -> dict[str, Any]:
        order = self.require("order", "SELECT * FROM orders WHERE order_id = ?", order_id)
        if order["status"] != "placed":
            raise ToolError(f"order {order_id} is {order['status']}; the address can no longer change")
        self.write("UPDATE orders SET address = ? WHERE order_id = ?", address, order_id)
        return {"order_id": order_id, "address": address}

    @tool(
        "Return delivered items for a refund of their price; stock is restored.",
        _object(
            {
                "order_id": _ORDER,
                "sku": _SKU,
                "quantity": {"type": "integer", "minimum": 1},
                "reason": {
                    "type": "string",
                    "enum": ["damaged", "wrong_item", "not_as_described", "changed_mind"],
                },
            },
            ["order_id", "sku", "quantity", "reason"],
        ),
    )
    def return_item(self, order_id: str, sku: str, quantity: int, reason: str) -> dict[str, Any]:
        order = self.get_order(order_id)
        if order["status"] != "delivered":
            raise ToolError(f"order {order_id} is {order['status']}; only delivered items can be returned")
        item = next((i for i in order["items"] if i["sku"] == sku), None)
        if item is None:
            raise ToolError(f"order {order_id} has no item {sku!r}")
        left = item["quantity"] - item["returned"]
        if quantity > left:
            raise ToolError(f"only {left} of {sku} can still be returned from order {order_id}")
        refund = round(quantity * item["unit_price"], 2)
        self.write(
            "INSERT INTO returns (order_id, sku, quantity, reason, refund) VALUES (?, ?, ?, ?, ?)",
            order_id,
            sku,
            quantity,
            reason,
            refund,
        )
        self.write("UPDATE products SET stock = stock + ? WHERE sku = ?", quantity, sku)
        self.write("UPDATE orders SET refunded = refunded + ? WHERE order_id = ?", refund, order_id)
        return {"order_id": order_id, "sku": sku, "quantity": quantity, "refund": refund}

    @tool(
        "Place a new order for a customer, shipped to their address on file.",
        _object(
            {
                "email": _EMAIL,
                "items": {
                    "type": "array",
                    "minItems": 1,
                    "items": _object(
                        {"sku": _SKU, "quantity": {"type": "integer", "minimum": 1}}, ["sku", "quantity"]
                    ),
                },
            },
            ["email", "items"],
        ),
    )
    def place_order(self, email: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        customer = self.require("customer", "SELECT * FROM customers WHERE lower(email) = lower(?)", email)
        priced = []
        for item in items:
            product = self.require("product", "SELECT * FROM products WHERE sku = ?", item["sku"])
            if product["stock"] < item["quantity"]:
                raise ToolError(f"only {product['stock']} of {product['sku']} in stock")
            priced.append((product, item["quantity"]))
        if len({product["sku"] for product, _ in priced}) != len(priced):
            raise ToolError("list each SKU once")
        number = 1 + max([1000, *(int(o["order_id"][2:]) for o in self.rows("SELECT order_id FROM orders"))])
        order_id = f"O-{number}"
        self.write(
            "INSERT INTO orders (order_id, email, status, address) VALUES (?, ?, 'placed', ?)",
            order_id,
            customer["email"],
            customer["address"],
        )
        for product, quantity in priced:
            self.write(
                "INSERT INTO order_items VALUES (?, ?, ?, ?)",
                order_id,
                product["sku"],
                quantity,
                product["price"],
            )
            self.write("UPDATE products SET stock = stock - ? WHERE sku = ?", quantity, product["sku"])
        total = round(sum(product["price"] * quantity for product, quantity in priced), 2)
        return {"order_id": order_id, "status": "placed", "total": total, "address": customer["address"]}


__all__ = ["OrdersEnv"]
