"""Drives the Brokerdesk sandbox with the official alpaca-py SDK, unchanged but for its URL
override: account, clock, assets, orders (submit, get, by client id, replace, cancel, list),
positions, close, market data (latest, snapshot, historical bars with limit and sort, trades,
quotes), the sandbox's price control, and both streams.

Run by crates/paper/tests/alpaca_py.rs; prints ALPACA_PY_OK on success, raises otherwise.
"""

import os
import threading
import time
from datetime import datetime, timedelta, timezone

from alpaca.common.exceptions import APIError
from alpaca.data.historical import StockHistoricalDataClient
from alpaca.data.live import StockDataStream
import requests
from alpaca.common.enums import Sort
from alpaca.data.requests import (
    StockBarsRequest,
    StockLatestQuoteRequest,
    StockLatestTradeRequest,
    StockQuotesRequest,
    StockSnapshotRequest,
    StockTradesRequest,
)
from alpaca.data.timeframe import TimeFrame, TimeFrameUnit
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderClass, OrderSide, OrderStatus, OrderType, QueryOrderStatus, TimeInForce
from alpaca.trading.requests import (
    CreateWatchlistRequest,
    GetOrdersRequest,
    LimitOrderRequest,
    MarketOrderRequest,
    ReplaceOrderRequest,
    StopLossRequest,
    TakeProfitRequest,
    UpdateWatchlistRequest,
)
from alpaca.trading.stream import TradingStream

BASE = os.environ["SANDBOX_URL"]
WS = BASE.replace("http://", "ws://")
KEY = os.environ["SANDBOX_KEY"]
SECRET = os.environ["SANDBOX_SECRET"]


def wait_for(cond, what, seconds=10.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


tc = TradingClient(KEY, SECRET, paper=True, url_override=BASE)

# A wrong key is refused with Alpaca's error.
try:
    TradingClient(KEY, "wrong", paper=True, url_override=BASE).get_account()
    raise AssertionError("a wrong secret was accepted")
except APIError as e:
    assert e.status_code == 401, e.status_code

account = tc.get_account()
assert float(account.cash) == 100000.0, account.cash
assert float(account.buying_power) == 200000.0, account.buying_power
clock = tc.get_clock()
assert clock.is_open
asset = tc.get_asset("AAPL")
assert asset.tradable and asset.symbol == "AAPL"
assert len(tc.get_all_assets()) >= 50

updates = []


async def on_update(data):
    updates.append(data)


trading_stream = TradingStream(KEY, SECRET, paper=True, url_override=WS + "/stream")
trading_stream.subscribe_trade_updates(on_update)
threading.Thread(target=trading_stream.run, daemon=True).start()

quotes = []


async def on_quote(q):
    quotes.append(q)


data_stream = StockDataStream(KEY, SECRET, url_override=WS + "/v2/iex")
data_stream.subscribe_quotes(on_quote, "AAPL")
threading.Thread(target=data_stream.run, daemon=True).start()
time.sleep(1.0)

order = tc.submit_order(
    MarketOrderRequest(symbol="AAPL", qty=2, side=OrderSide.BUY, time_in_force=TimeInForce.DAY, client_order_id="py-1")
)
assert order.client_order_id == "py-1"
wait_for(lambda: tc.get_order_by_id(order.id).status == OrderStatus.FILLED, "the market order to fill")
filled = tc.get_order_by_id(order.id)
assert float(filled.filled_qty) == 2.0
assert tc.get_order_by_client_id("py-1").id == order.id

try:
    tc.submit_order(
        MarketOrderRequest(symbol="AAPL", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.DAY, client_order_id="py-1")
    )
    raise AssertionError("a duplicate client_order_id was accepted")
except APIError as e:
    assert "unique" in str(e), str(e)

positions = tc.get_all_positions()
assert [p.symbol for p in positions] == ["AAPL"], positions
assert float(tc.get_open_position("AAPL").qty) == 2.0

limit = tc.submit_order(
    LimitOrderRequest(symbol="MSFT", qty=1, side=OrderSide.BUY, time_in_force=TimeInForce.GTC, limit_price=10)
)
assert limit.status == OrderStatus.NEW
replaced = tc.replace_order_by_id(limit.id, ReplaceOrderRequest(limit_price=11))
assert replaced.replaces == limit.id
tc.cancel_order_by_id(replaced.id)
assert tc.get_order_by_id(replaced.id).status == OrderStatus.CANCELED
all_orders = tc.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL))
assert len(all_orders) == 3, all_orders

closing = tc.close_position("AAPL")
assert closing.side == OrderSide.SELL
wait_for(lambda: tc.get_all_positions() == [], "the position to close")

dc = StockHistoricalDataClient(KEY, SECRET, url_override=BASE)
latest = dc.get_stock_latest_quote(StockLatestQuoteRequest(symbol_or_symbols=["AAPL", "SPY"]))
assert latest["AAPL"].ask_price > latest["AAPL"].bid_price > 0
snapshot = dc.get_stock_snapshot(StockSnapshotRequest(symbol_or_symbols="AAPL"))
assert snapshot["AAPL"].latest_quote.bid_price > 0
start = datetime.now(timezone.utc) - timedelta(hours=1)
bars = dc.get_stock_bars(StockBarsRequest(symbol_or_symbols="AAPL", timeframe=TimeFrame.Minute, start=start))
assert bars is not None

# History: a fresh sandbox has over a year of bars; `limit` is honoured across pages.
year_ago = datetime.now(timezone.utc) - timedelta(days=400)
daily = dc.get_stock_bars(StockBarsRequest(symbol_or_symbols="AAPL", timeframe=TimeFrame.Day, start=year_ago))
assert len(daily["AAPL"]) >= 252, len(daily["AAPL"])
last50 = dc.get_stock_bars(
    StockBarsRequest(symbol_or_symbols="AAPL", timeframe=TimeFrame.Day, start=year_ago, limit=50, sort=Sort.DESC)
)
assert len(last50["AAPL"]) == 50
assert last50["AAPL"][0].timestamp == daily["AAPL"][-1].timestamp
weekly = dc.get_stock_bars(
    StockBarsRequest(symbol_or_symbols=["SPY", "MSFT"], timeframe=TimeFrame(1, TimeFrameUnit.Week), start=year_ago)
)
assert len(weekly["SPY"]) >= 52 and len(weekly["MSFT"]) >= 52
week_ago = datetime.now(timezone.utc) - timedelta(days=14)
minutes = dc.get_stock_bars(
    StockBarsRequest(symbol_or_symbols="AAPL", timeframe=TimeFrame(15, TimeFrameUnit.Minute), start=week_ago, limit=120)
)
assert len(minutes["AAPL"]) == 120
trades = dc.get_stock_trades(StockTradesRequest(symbol_or_symbols="AAPL", start=week_ago, limit=2500))
assert len(trades["AAPL"]) == 2500
hist_quotes = dc.get_stock_quotes(StockQuotesRequest(symbol_or_symbols="AAPL", start=week_ago, limit=10))
assert len(hist_quotes["AAPL"]) == 10 and hist_quotes["AAPL"][0].ask_price > hist_quotes["AAPL"][0].bid_price

# The sandbox's own controls, on the same credentials: move a price, reset the account.
session = requests.Session()
session.headers.update({"APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET})
r = session.post(f"{BASE}/v2/sandbox/prices/TSLA", json={"price": "123.45"})
assert r.status_code == 200, r.text
wait_for(lambda: abs(float(dc.get_stock_latest_trade(StockLatestTradeRequest(symbol_or_symbols="TSLA"))["TSLA"].price) - 123.45) < 5, "the new TSLA price")

# Account configurations: read, patched, honoured.
conf = tc.get_account_configurations()
assert conf.no_shorting is False and conf.fractional_trading is True, conf
conf.no_shorting = True
conf = tc.set_account_configurations(conf)
assert conf.no_shorting is True
try:
    tc.submit_order(
        LimitOrderRequest(symbol="TSLA", qty=1, side=OrderSide.SELL, time_in_force=TimeInForce.GTC, limit_price=9999)
    )
    raise AssertionError("a short sale was accepted with no_shorting")
except APIError as e:
    assert e.status_code == 403, e.status_code
conf.no_shorting = False
assert tc.set_account_configurations(conf).no_shorting is False

# Watchlists.
wl = tc.create_watchlist(CreateWatchlistRequest(name="py-list", symbols=["AAPL", "SPY"]))
assert [a.symbol for a in wl.assets] == ["AAPL", "SPY"], wl.assets
wl = tc.add_asset_to_watchlist_by_id(wl.id, "MSFT")
assert [a.symbol for a in wl.assets] == ["AAPL", "SPY", "MSFT"]
wl = tc.remove_asset_from_watchlist_by_id(wl.id, "SPY")
assert [a.symbol for a in wl.assets] == ["AAPL", "MSFT"]
wl = tc.update_watchlist_by_id(wl.id, UpdateWatchlistRequest(name="py-renamed", symbols=["TSLA"]))
assert wl.name == "py-renamed" and [a.symbol for a in wl.assets] == ["TSLA"]
assert [w.name for w in tc.get_watchlists()] == ["py-renamed"]
assert tc.get_watchlist_by_id(wl.id).name == "py-renamed"
tc.delete_watchlist_by_id(wl.id)
assert tc.get_watchlists() == []
try:
    tc.get_watchlist_by_id(wl.id)
    raise AssertionError("a deleted watchlist was found")
except APIError as e:
    assert e.status_code == 404, e.status_code

# A bracket order: a market entry with a take-profit and a stop-loss, read back nested; the
# take-profit's fill cancels the stop-loss.
r = session.post(f"{BASE}/v2/sandbox/prices/NVDA", json={"price": "100.00"})
assert r.status_code == 200, r.text
bracket = tc.submit_order(
    MarketOrderRequest(
        symbol="NVDA",
        qty=3,
        side=OrderSide.BUY,
        time_in_force=TimeInForce.GTC,
        order_class=OrderClass.BRACKET,
        take_profit=TakeProfitRequest(limit_price=150),
        stop_loss=StopLossRequest(stop_price=50),
    )
)
assert bracket.order_class == OrderClass.BRACKET, bracket.order_class
assert bracket.legs is not None and len(bracket.legs) == 2, bracket.legs
wait_for(lambda: tc.get_order_by_id(bracket.id).status == OrderStatus.FILLED, "the bracket entry to fill")
nested = tc.get_orders(GetOrdersRequest(status=QueryOrderStatus.OPEN, nested=True))
parent = next(o for o in nested if o.id == bracket.id)
legs = {leg.order_type: leg for leg in parent.legs}
assert set(legs) == {OrderType.LIMIT, OrderType.STOP}, legs
assert float(legs[OrderType.LIMIT].limit_price) == 150.0
assert float(legs[OrderType.STOP].stop_price) == 50.0
assert all(leg.side == OrderSide.SELL and leg.status == OrderStatus.NEW for leg in parent.legs)
r = session.post(f"{BASE}/v2/sandbox/prices/NVDA", json={"price": "151.00"})
assert r.status_code == 200, r.text
wait_for(lambda: tc.get_order_by_id(legs[OrderType.LIMIT].id).status == OrderStatus.FILLED, "the take-profit to fill")
assert tc.get_order_by_id(legs[OrderType.STOP].id).status == OrderStatus.CANCELED
try:
    tc.submit_order(
        MarketOrderRequest(
            symbol="NVDA",
            qty=1,
            side=OrderSide.BUY,
            time_in_force=TimeInForce.DAY,
            order_class=OrderClass.BRACKET,
            take_profit=TakeProfitRequest(limit_price=100),
            stop_loss=StopLossRequest(stop_price=50),
        )
    )
    raise AssertionError("a take-profit below the entry was accepted")
except APIError as e:
    assert e.status_code == 422 and "take_profit.limit_price" in str(e), str(e)

wait_for(lambda: any(str(u.event) in ("fill", "TradeEvent.FILL") for u in updates), "a fill on the trade_updates stream")
wait_for(lambda: len(quotes) > 0, "a quote on the data stream")
assert quotes[0].symbol == "AAPL"

print("ALPACA_PY_OK", len(updates), "trade updates,", len(quotes), "quotes")
os._exit(0)  # the stream threads run forever
