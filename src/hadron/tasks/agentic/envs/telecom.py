"""Telecom customer care (in the spirit of τ²-bench's telecom domain): an account database of customers,
plans, lines, roaming, bills and payments, with the business rules a real care system enforces
(suspended lines cannot change plan or roam, a bill is paid in full, a line suspended for non-payment
resumes only when no overdue bill is left)."""

from __future__ import annotations

from typing import Any, ClassVar

from hadron.tasks.agentic.envs.base import ToolError, tool
from hadron.tasks.agentic.envs.sqlstore import SqlEnvironment

SCHEMA = """
CREATE TABLE plans (
  plan_id TEXT PRIMARY KEY, name TEXT NOT NULL, monthly_fee REAL NOT NULL, data_gb REAL NOT NULL,
  roaming_included INTEGER NOT NULL DEFAULT 0, roaming_daily_fee REAL NOT NULL DEFAULT 10.0);
CREATE TABLE customers (
  customer_id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT, phone TEXT, date_of_birth TEXT);
CREATE TABLE lines (
  number TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(customer_id),
  plan_id TEXT NOT NULL REFERENCES plans(plan_id),
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'cancelled')),
  suspension_reason TEXT, roaming INTEGER NOT NULL DEFAULT 0, data_used_gb REAL NOT NULL DEFAULT 0);
CREATE TABLE bills (
  bill_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(customer_id),
  period TEXT NOT NULL, amount REAL NOT NULL, due_date TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'unpaid' CHECK (status IN ('unpaid', 'overdue', 'paid')));
CREATE TABLE payments (
  payment_id INTEGER PRIMARY KEY AUTOINCREMENT, bill_id TEXT NOT NULL REFERENCES bills(bill_id),
  amount REAL NOT NULL, method TEXT NOT NULL);
"""

PLANS = [
    {"plan_id": "basic-5", "name": "Basic 5 GB", "monthly_fee": 15.0, "data_gb": 5},
    {"plan_id": "plus-20", "name": "Plus 20 GB", "monthly_fee": 30.0, "data_gb": 20},
    {"plan_id": "unlimited", "name": "Unlimited", "monthly_fee": 55.0, "data_gb": 1000},
    {
        "plan_id": "travel-15",
        "name": "Travel 15 GB",
        "monthly_fee": 40.0,
        "data_gb": 15,
        "roaming_included": 1,
        "roaming_daily_fee": 0.0,
    },
]

_NUMBER = {"type": "string", "pattern": r"^\+?[0-9 -]{6,20}$", "description": "The phone number of the line."}
_CUSTOMER = {"type": "string", "minLength": 1, "description": "A customer id such as C-1001."}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


class TelecomEnv(SqlEnvironment):
    family: ClassVar[str] = "telecom"
    SCHEMA: ClassVar[str] = SCHEMA
    DEFAULT_ROWS: ClassVar[dict[str, list[dict[str, Any]]]] = {"plans": PLANS}

    @tool(
        "Find customers by phone number, email or name (give at least one).",
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "phone": {"type": "string", "minLength": 3},
                "email": {"type": "string", "minLength": 3},
                "name": {"type": "string", "minLength": 2},
            },
            "anyOf": [{"required": ["phone"]}, {"required": ["email"]}, {"required": ["name"]}],
        },
    )
    def find_customer(
        self, phone: str | None = None, email: str | None = None, name: str | None = None
    ) -> list[dict[str, Any]]:
        found = self.rows(
            "SELECT DISTINCT c.customer_id, c.name, c.email, c.phone FROM customers c "
            "LEFT JOIN lines l ON l.customer_id = c.customer_id "
            "WHERE (? IS NULL OR replace(c.phone, ' ', '') = replace(?, ' ', '') "
            "       OR replace(l.number, ' ', '') = replace(?, ' ', '')) "
            "AND (? IS NULL OR lower(c.email) = lower(?)) AND (? IS NULL OR lower(c.name) LIKE lower(?)) "
            "ORDER BY c.customer_id",
            phone,
            phone,
            phone,
            email,
            email,
            name,
            f"%{name}%" if name else None,
        )
        if not found:
            raise ToolError("no customer matches")
        return found

    @tool(
        "Get a customer's profile, lines and unpaid bills.",
        _object({"customer_id": _CUSTOMER}, ["customer_id"]),
    )
    def get_customer(self, customer_id: str) -> dict[str, Any]:
        customer = self.require("customer", "SELECT * FROM customers WHERE customer_id = ?", customer_id)
        customer["lines"] = self.rows(
            "SELECT number, plan_id, status, roaming FROM lines WHERE customer_id = ? ORDER BY number",
            customer_id,
        )
        customer["unpaid_bills"] = self.rows(
            "SELECT bill_id, period, amount, due_date, status FROM bills "
            "WHERE customer_id = ? AND status != 'paid' ORDER BY bill_id",
            customer_id,
        )
        return customer

    @tool(
        "Get one line: its plan, status, roaming and data used this month.",
        _object({"number": _NUMBER}, ["number"]),
    )
    def get_line(self, number: str) -> dict[str, Any]:
        line = self._line(number)
        line["plan"] = self.one("SELECT * FROM plans WHERE plan_id = ?", line["plan_id"])
        return line

    @tool("List every plan on offer with its monthly fee, data allowance and roaming terms.")
    def list_plans(self) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM plans ORDER BY monthly_fee")

    @tool(
        "Move a line to another plan (takes effect immediately).",
        _object({"number": _NUMBER, "plan_id": {"type": "string", "minLength": 1}}, ["number", "plan_id"]),
    )
    def change_plan(self, number: str, plan_id: str) -> dict[str, Any]:
        line = self._line(number)
        plan = self.require("plan", "SELECT * FROM plans WHERE plan_id = ?", plan_id)
        if line["status"] != "active":
            raise ToolError(f"line {line['number']} is {line['status']}; only active lines can change plan")
        if line["plan_id"] == plan_id:
            raise ToolError(f"line {line['number']} is already on {plan_id}")
        self.write("UPDATE lines SET plan_id = ? WHERE number = ?", plan_id, line["number"])
        return {
            "number": line["number"],
            "old_plan": line["plan_id"],
            "new_plan": plan_id,
            "monthly_fee": plan["monthly_fee"],
        }

    @tool(
        "Turn international roaming on or off for a line.",
        _object({"number": _NUMBER, "enabled": {"type": "boolean"}}, ["number", "enabled"]),
    )
    def set_roaming(self, number: str, enabled: bool) -> dict[str, Any]:
        line = self._line(number)
        if enabled and line["status"] != "active":
            raise ToolError(f"line {line['number']} is {line['status']}; roaming needs an active line")
        self.write("UPDATE lines SET roaming = ? WHERE number = ?", int(enabled), line["number"])
        plan = self.require("plan", "SELECT * FROM plans WHERE plan_id = ?", line["plan_id"])
        return {
            "number": line["number"],
            "roaming": enabled,
            "daily_fee": 0.0 if plan["roaming_included"] else plan["roaming_daily_fee"],
        }

    @tool(
        "List a customer's bills, optionally only those with one status.",
        _object(
            {"customer_id": _CUSTOMER, "status": {"type": "string", "enum": ["unpaid", "overdue", "paid"]}},
            ["customer_id"],
        ),
    )
    def list_bills(self, customer_id: str, status: str | None = None) -> list[dict[str, Any]]:
        self.require("customer", "SELECT customer_id FROM customers WHERE customer_id = ?", customer_id)
        return self.rows(
            "SELECT * FROM bills WHERE customer_id = ? AND (? IS NULL OR status = ?) ORDER BY bill_id",
            customer_id,
            status,
            status,
        )

    @tool(
        "Pay a bill in full. The amount must equal the bill's outstanding amount.",
        _object(
            {
                "bill_id": {"type": "string", "minLength": 1},
                "amount": {"type": "number", "exclusiveMinimum": 0},
                "method": {"type": "string", "enum": ["card_on_file", "bank_transfer"]},
            },
            ["bill_id", "amount", "method"],
        ),
    )
    def pay_bill(self, bill_id: str, amount: float, method: str) -> dict[str, Any]:
        bill = self.require("bill", "SELECT * FROM bills WHERE bill_id = ?", bill_id)
        if bill["status"] == "paid":
            raise ToolError(f"bill {bill_id} is already paid")
        if abs(amount - bill["amount"]) > 0.005:
            raise ToolError(f"amount {amount:.2f} does not match the outstanding {bill['amount']:.2f}")
        payment = self.write(
            "INSERT INTO payments (bill_id, amount, method) VALUES (?, ?, ?)", bill_id, amount, method
        )
        self.write("UPDATE bills SET status = 'paid' WHERE bill_id = ?", bill_id)
        return {"payment_id": payment, "bill_id": bill_id, "amount": amount, "status": "paid"}

    @tool(
        "Suspend a line (for example when the phone is lost or stolen).",
        _object(
            {"number": _NUMBER, "reason": {"type": "string", "enum": ["lost_or_stolen", "customer_request"]}},
            ["number", "reason"],
        ),
    )
    def suspend_line(self, number: str, reason: str) -> dict[str, Any]:
        line = self._line(number)
        if line["status"] != "active":
            raise ToolError(f"line {line['number']} is already {line['status']}")
        self.write(
            "UPDATE lines SET status = 'suspended', suspension_reason = ?, roaming = 0 WHERE number = ?",
            reason,
            line["number"],
        )
        return {"number": line["number"], "status": "suspended", "reason": reason}

    @tool(
        "Resume a suspended line. A line suspended for non-payment resumes only when no bill is overdue.",
        _object({"number": _NUMBER}, ["number"]),
    )
    def resume_line(self, number: str) -> dict[str, Any]:
        line = self._line(number)
        if line["status"] != "suspended":
            raise ToolError(f"line {line['number']} is {line['status']}, not suspended")
        overdue = self.rows(
            "SELECT bill_id, amount FROM bills WHERE customer_id = ? AND status = 'overdue'",
            line["customer_id"],
        )
        if overdue and line["suspension_reason"] == "non_payment":
            owed = ", ".join(f"{b['bill_id']} ({b['amount']:.2f})" for b in overdue)
            raise ToolError(f"the account has overdue bills: {owed}; they must be paid first")
        self.write(
            "UPDATE lines SET status = 'active', suspension_reason = NULL WHERE number = ?", line["number"]
        )
        return {"number": line["number"], "status": "active"}

    def _line(self, number: str) -> dict[str, Any]:
        return self.require(
            "line", "SELECT * FROM lines WHERE replace(number, ' ', '') = replace(?, ' ', '')", number
        )


__all__ = ["PLANS", "TelecomEnv"]
