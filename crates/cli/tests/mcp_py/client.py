"""Drives `brokerdesk mcp` with the official MCP Python SDK (`pip install mcp`), as an assistant's
client would: initialize, list tools and resources, call every tool against the local paper
sandbox, and compare what it reads with what `brokerdesk --json` prints for the same account.

Usage: client.py BROKERDESK_BINARY DATA_DIR. Prints a latency table and MCP_PY_OK at the end;
any mismatch raises.
"""

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
import mcp.types as types

BIN, DATA = sys.argv[1], sys.argv[2]
ENV = dict(os.environ, BROKERDESK_DATA_DIR=DATA, BROKERDESK_SANDBOX_ADDR="127.0.0.1:0")
ENV.pop("BROKERDESK_PASSWORD", None)
CLIENT = "brokerdesk-python-test"


def cli(*args):
    """`brokerdesk --json ARGS` (run while no server holds the sandbox's journal)."""
    out = subprocess.run([BIN, "--json", *args], env=ENV, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"brokerdesk {args}: {out.stderr}"
    return json.loads(out.stdout)


def masked(account_id):
    return "\u2022\u2022\u2022\u2022" + account_id[-4:]


def payload(result):
    data = result.structured_content
    assert isinstance(data, dict), result
    text = "".join(c.text for c in result.content if getattr(c, "type", "") == "text")
    assert json.loads(text) == data, "text and structured content differ"
    return data


timings = {}


async def call(session, tool, args=None, expect_error=False):
    start = time.perf_counter()
    result = await session.call_tool(tool, args or {})
    timings.setdefault(tool, []).append((time.perf_counter() - start) * 1000)
    data = payload(result)
    assert data["_brokerdesk_security"]["trust"] == "untrusted_tool_output", data
    assert "as_of" in data
    if expect_error:
        assert result.is_error, (tool, data)
    else:
        assert not result.is_error, (tool, data)
    return data


async def session_run(before):
    params = StdioServerParameters(command=BIN, args=["mcp"], env=ENV)
    async with stdio_client(params) as (r, w):
        async with ClientSession(r, w, client_info=types.Implementation(name=CLIENT, version="1")) as s:
            await s.initialize()
            tools = {t.name: t for t in (await s.list_tools()).tools}
            expected = {"list_accounts", "get_positions", "get_balances", "get_quotes", "get_activity",
                        "get_reconciliation", "search_institutions", "list_orders", "place_paper_order",
                        "cancel_order"}
            assert set(tools) == expected, sorted(tools)
            for t in tools.values():
                assert t.description and t.input_schema["type"] == "object", t
            assert "paper" in tools["place_paper_order"].description.lower()
            qty = tools["place_paper_order"].input_schema
            assert "qty" in qty["properties"], qty

            # What the CLI printed before the session, for the same account.
            cli_acct = next(a for a in before["accounts"] if a["connection"]["id"] == "paper-local")
            accounts = await call(s, "list_accounts")
            paper = next(a for a in accounts["data"]["accounts"] if a["connection"] == "paper-local")
            assert paper["account"] == masked(cli_acct["account_id"]), (paper, cli_acct["account_id"])
            assert cli_acct["account_id"] not in json.dumps(accounts)
            for k in ("cash", "buying_power", "equity", "currency"):
                assert paper["balances"][k] == cli_acct["balances"][k], (k, paper, cli_acct)
            assert paper["mode"] == "paper"
            ref = paper["account_ref"]
            src = accounts["sources"][0]
            assert src["connection"] == "paper-local" and src["account"] == paper["account"] and src["as_of"]

            bal = await call(s, "get_balances", {"account_ref": ref})
            assert bal["data"]["total_equity_by_currency"]["USD"] == cli_acct["balances"]["equity"]

            quotes = await call(s, "get_quotes", {"symbols": ["AAPL", "MSFT"]})
            assert {q["symbol"] for q in quotes["data"]["quotes"]} == {"AAPL", "MSFT"}
            assert "simulated" in quotes["data"]["prices_are"]

            # A paper trade, and a resting order cancelled again.
            placed = await call(s, "place_paper_order",
                                {"account_ref": ref, "symbol": "AAPL", "side": "buy", "qty": "1"})
            order_id = placed["data"]["placed"]["order_id"]
            assert placed["data"]["placed"]["account"] == paper["account"]
            for _ in range(100):
                orders = await call(s, "list_orders")
                mine = next(o for o in orders["data"]["orders"] if o["order_id"] == order_id)
                if mine["status"] == "filled":
                    break
                await asyncio.sleep(0.2)
            assert mine["status"] == "filled", mine
            resting = await call(s, "place_paper_order",
                                 {"symbol": "MSFT", "side": "buy", "qty": "1", "order_type": "limit",
                                  "limit_price": "1", "time_in_force": "gtc"})
            cancelled = await call(s, "cancel_order", {"order_id": resting["data"]["placed"]["order_id"]})
            assert cancelled["data"]["cancel_requested"] is True

            positions = None
            for _ in range(50):
                positions = await call(s, "get_positions", {"account_ref": ref})
                held = positions["data"]["accounts"][0]["positions"]
                if any(p["symbol"] == "AAPL" for p in held):
                    break
                await asyncio.sleep(0.2)
            aapl = next(p for p in positions["data"]["accounts"][0]["positions"] if p["symbol"] == "AAPL")
            assert aapl["qty"] == "1", aapl

            activity = None
            for _ in range(50):
                activity = await call(s, "get_activity", {"account_ref": ref})
                if any(r["kind"] == "fill" for r in activity["data"]["rows"]):
                    break
                await asyncio.sleep(0.2)
            assert any(r["kind"] == "fill" and r["symbol"] == "AAPL" for r in activity["data"]["rows"]), activity
            assert "rows[].counterparty" in activity["_brokerdesk_security"]["untrusted_fields"]

            recon = await call(s, "get_reconciliation")
            assert isinstance(recon["data"]["breaks"], list)
            found = await call(s, "search_institutions", {"query": "paper"})
            assert found["data"]["catalog"], found

            # A live trade cannot be placed here at all: no live account on a fresh data dir,
            # and a malformed order is an error, not a crash.
            await call(s, "place_paper_order", {"symbol": "AAPL", "side": "buy", "qty": "1e400"}, expect_error=True)

            resources = (await s.list_resources()).resources
            assert [str(r.uri) for r in resources] == [f"brokerdesk://account/{ref}"], resources
            body = (await s.read_resource(resources[0].uri)).contents[0].text
            summary = json.loads(body)
            assert summary["data"]["accounts"][0]["account_ref"] == ref

            # Latency: each read tool five more times.
            for _ in range(5):
                await call(s, "list_accounts")
                await call(s, "get_positions")
                await call(s, "get_balances")
                await call(s, "get_quotes", {"symbols": ["AAPL"]})
                await call(s, "get_activity", {"limit": 20})
                await call(s, "get_reconciliation")
                await call(s, "search_institutions", {"query": "bank"})
                await call(s, "list_orders")
            return {"ref": ref, "order_id": order_id, "aapl": aapl, "orders": orders, "paper": paper}


def main():
    before = cli("positions")
    seen = asyncio.run(session_run(before))

    # After the session: the CLI sees the same account, order and position.
    after = cli("positions")
    acct = next(a for a in after["accounts"] if a["connection"]["id"] == "paper-local")
    assert masked(acct["account_id"]) == seen["paper"]["account"]
    pos = next(p for p in acct["positions"] if p["symbol"] == "AAPL")
    for k in ("qty", "avg_entry_price", "cost_basis", "side"):
        assert pos[k] == seen["aapl"][k], (k, pos, seen["aapl"])
    blotter = cli("orders")
    cli_orders = {o["order"]["id"]: o for o in blotter}
    assert seen["order_id"] in cli_orders
    assert cli_orders[seen["order_id"]]["order"]["status"] == "filled"
    for o in seen["orders"]["data"]["orders"]:
        c = cli_orders[o["order_id"]]
        assert o["account"] == masked(c["account"]) and o["symbol"] == c["order"]["symbol"], (o, c)

    print("tool                 median ms   max ms   calls")
    for tool, ms in sorted(timings.items()):
        print(f"{tool:20} {statistics.median(ms):9.1f} {max(ms):8.1f} {len(ms):7}")
    print("MCP_PY_OK")


main()
