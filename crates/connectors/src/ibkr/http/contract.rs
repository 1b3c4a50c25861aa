//! Which contract a symbol means: IBKR's contract search (`/iserver/secdef/search`) and its stock
//! list (`/trsrv/stocks`), read down to the US stock on its primary exchange.

use serde_json::Value;

/// US listing exchanges as the search names them in `description`.
const US_PRIMARY: &[&str] = &["NYSE", "NASDAQ", "ARCA", "AMEX", "BATS", "IEX", "NYSE ARCA"];

fn conid(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn is_stock(item: &Value) -> bool {
    item.get("sections")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|x| x.get("secType").and_then(Value::as_str) == Some("STK"))
        })
}

/// The search's US stock for `symbol`: an entry with exactly that symbol, a `STK` section and a
/// US primary exchange as its description. `None` also for a search that found nothing (IBKR
/// answers that with `[]` or `{"error": …}`).
pub fn us_stock_from_search(v: &Value, symbol: &str) -> Option<i64> {
    v.as_array()?.iter().find_map(|item| {
        let same = item
            .get("symbol")
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case(symbol));
        let us = item
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| US_PRIMARY.contains(&d.trim()));
        if same && us && is_stock(item) {
            item.get("conid").and_then(conid)
        } else {
            None
        }
    })
}

/// `/trsrv/stocks`: `{SYMBOL: [{assetClass, contracts: [{conid, exchange, isUS}], name}]}`;
/// the first stock's first US contract.
pub fn us_stock_from_list(v: &Value, symbol: &str) -> Option<i64> {
    let groups = v
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(symbol))?
        .1
        .as_array()?;
    groups
        .iter()
        .filter(|g| g.get("assetClass").and_then(Value::as_str).unwrap_or("STK") == "STK")
        .flat_map(|g| {
            g.get("contracts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .find(|c| c.get("isUS").and_then(Value::as_bool) == Some(true))
        .and_then(|c| c.get("conid").and_then(conid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_search_picks_the_us_stock_of_exactly_that_symbol() {
        let v = json!([
            {"symbol": "IBMX", "conid": "1", "description": "NYSE", "sections": [{"secType": "STK"}]},
            {"symbol": "IBM", "conid": "41645598", "description": "LSE", "sections": [{"secType": "STK"}]},
            {"symbol": "IBM", "conid": "2", "description": "NYSE", "sections": [{"secType": "OPT"}]},
            {"symbol": "IBM", "conid": "8314", "description": "NYSE", "sections": [{"secType": "STK"}]}
        ]);
        assert_eq!(us_stock_from_search(&v, "ibm"), Some(8314));
        assert_eq!(us_stock_from_search(&json!([]), "IBM"), None);
        assert_eq!(
            us_stock_from_search(&json!({"error": "No symbol found"}), "IBM"),
            None
        );
    }

    #[test]
    fn the_stock_list_gives_the_us_contract() {
        let v = json!({"IBM": [{"assetClass": "STK", "contracts": [
            {"conid": 1411277, "exchange": "IBIS", "isUS": false},
            {"conid": 8314, "exchange": "NYSE", "isUS": true}
        ]}]});
        assert_eq!(us_stock_from_list(&v, "IBM"), Some(8314));
        assert_eq!(us_stock_from_list(&json!({"IBM": []}), "IBM"), None);
        assert_eq!(us_stock_from_list(&json!({}), "IBM"), None);
    }
}
