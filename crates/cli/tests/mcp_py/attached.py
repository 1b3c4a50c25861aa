"""Runs `brokerdesk mcp` with the official MCP Python SDK against a data dir the Brokerdesk app
is running on: the server attaches to the app (it says so on stderr), whose consent prompt the
caller answers. Calls list_accounts once and prints its structured result as one JSON line.

Usage: attached.py BROKERDESK_BINARY DATA_DIR
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
import mcp.types as types

BIN, DATA = sys.argv[1], sys.argv[2]
ENV = dict(os.environ, BROKERDESK_DATA_DIR=DATA)
ENV.pop("BROKERDESK_PASSWORD", None)


async def main():
    params = StdioServerParameters(command=BIN, args=["mcp"], env=ENV)
    async with stdio_client(params) as (read, write):
        info = types.Implementation(name="brokerdesk-e2e-assistant", version="1.0")
        async with ClientSession(read, write, client_info=info) as s:
            await s.initialize()
            tools = {t.name for t in (await s.list_tools()).tools}
            assert "place_live_order" in tools, sorted(tools)
            result = await s.call_tool("list_accounts", {})
            print(json.dumps({"is_error": bool(result.is_error), "data": result.structured_content}))


asyncio.run(main())
