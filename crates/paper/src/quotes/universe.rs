//! The listed instruments of the simulated market: real US large caps and ETFs with plausible
//! (late-2025) starting prices.

use rust_decimal::Decimal;

use crate::engine::asset::Asset;

/// (symbol, name, exchange, starting price in cents)
pub const LISTINGS: &[(&str, &str, &str, i64)] = &[
    ("AAPL", "Apple Inc. Common Stock", "NASDAQ", 23_000),
    (
        "MSFT",
        "Microsoft Corporation Common Stock",
        "NASDAQ",
        42_000,
    ),
    ("NVDA", "NVIDIA Corporation Common Stock", "NASDAQ", 18_000),
    ("AMZN", "Amazon.com, Inc. Common Stock", "NASDAQ", 22_000),
    (
        "GOOGL",
        "Alphabet Inc. Class A Common Stock",
        "NASDAQ",
        25_000,
    ),
    (
        "GOOG",
        "Alphabet Inc. Class C Capital Stock",
        "NASDAQ",
        25_100,
    ),
    (
        "META",
        "Meta Platforms, Inc. Class A Common Stock",
        "NASDAQ",
        70_000,
    ),
    ("TSLA", "Tesla, Inc. Common Stock", "NASDAQ", 40_000),
    ("BRK.B", "Berkshire Hathaway Inc. Class B", "NYSE", 48_000),
    ("AVGO", "Broadcom Inc. Common Stock", "NASDAQ", 33_000),
    ("JPM", "JPMorgan Chase & Co. Common Stock", "NYSE", 30_000),
    ("LLY", "Eli Lilly and Company Common Stock", "NYSE", 80_000),
    ("V", "Visa Inc.", "NYSE", 34_000),
    (
        "UNH",
        "UnitedHealth Group Incorporated Common Stock",
        "NYSE",
        33_000,
    ),
    (
        "XOM",
        "Exxon Mobil Corporation Common Stock",
        "NYSE",
        11_500,
    ),
    ("MA", "Mastercard Incorporated Common Stock", "NYSE", 56_000),
    ("JNJ", "Johnson & Johnson Common Stock", "NYSE", 18_000),
    (
        "PG",
        "Procter & Gamble Company (The) Common Stock",
        "NYSE",
        15_500,
    ),
    ("HD", "Home Depot, Inc. (The) Common Stock", "NYSE", 38_000),
    (
        "COST",
        "Costco Wholesale Corporation Common Stock",
        "NASDAQ",
        92_000,
    ),
    ("ORCL", "Oracle Corporation Common Stock", "NYSE", 25_000),
    ("ABBV", "AbbVie Inc. Common Stock", "NYSE", 22_000),
    (
        "BAC",
        "Bank of America Corporation Common Stock",
        "NYSE",
        5_000,
    ),
    ("KO", "Coca-Cola Company (The) Common Stock", "NYSE", 6_900),
    ("PEP", "PepsiCo, Inc. Common Stock", "NASDAQ", 14_500),
    ("CVX", "Chevron Corporation Common Stock", "NYSE", 15_500),
    ("MRK", "Merck & Company, Inc. Common Stock", "NYSE", 8_500),
    ("WMT", "Walmart Inc. Common Stock", "NASDAQ", 10_000),
    ("NFLX", "Netflix, Inc. Common Stock", "NASDAQ", 110_000),
    (
        "AMD",
        "Advanced Micro Devices, Inc. Common Stock",
        "NASDAQ",
        24_000,
    ),
    ("ADBE", "Adobe Inc. Common Stock", "NASDAQ", 34_000),
    ("CRM", "Salesforce, Inc. Common Stock", "NYSE", 24_000),
    ("CSCO", "Cisco Systems, Inc. Common Stock", "NASDAQ", 7_000),
    ("INTC", "Intel Corporation Common Stock", "NASDAQ", 3_700),
    (
        "DIS",
        "Walt Disney Company (The) Common Stock",
        "NYSE",
        11_200,
    ),
    ("MCD", "McDonald's Corporation Common Stock", "NYSE", 30_000),
    ("NKE", "Nike, Inc. Common Stock", "NYSE", 6_500),
    (
        "QCOM",
        "QUALCOMM Incorporated Common Stock",
        "NASDAQ",
        16_500,
    ),
    (
        "TXN",
        "Texas Instruments Incorporated Common Stock",
        "NASDAQ",
        17_000,
    ),
    (
        "IBM",
        "International Business Machines Corporation Common Stock",
        "NYSE",
        30_000,
    ),
    (
        "GS",
        "Goldman Sachs Group, Inc. (The) Common Stock",
        "NYSE",
        79_000,
    ),
    ("CAT", "Caterpillar, Inc. Common Stock", "NYSE", 56_000),
    ("BA", "Boeing Company (The) Common Stock", "NYSE", 20_000),
    ("T", "AT&T Inc.", "NYSE", 2_600),
    (
        "VZ",
        "Verizon Communications Inc. Common Stock",
        "NYSE",
        4_000,
    ),
    ("PFE", "Pfizer, Inc. Common Stock", "NYSE", 2_500),
    (
        "UBER",
        "Uber Technologies, Inc. Common Stock",
        "NYSE",
        9_500,
    ),
    (
        "PLTR",
        "Palantir Technologies Inc. Class A Common Stock",
        "NASDAQ",
        18_000,
    ),
    ("SPY", "SPDR S&P 500 ETF Trust", "ARCA", 67_000),
    ("QQQ", "Invesco QQQ Trust, Series 1", "NASDAQ", 61_000),
    ("IWM", "iShares Russell 2000 ETF", "ARCA", 24_500),
    (
        "DIA",
        "SPDR Dow Jones Industrial Average ETF Trust",
        "ARCA",
        47_000,
    ),
    ("VTI", "Vanguard Total Stock Market ETF", "ARCA", 33_000),
    ("VOO", "Vanguard S&P 500 ETF", "ARCA", 61_500),
    ("GLD", "SPDR Gold Shares", "ARCA", 38_000),
    ("TLT", "iShares 20+ Year Treasury Bond ETF", "NASDAQ", 9_000),
    ("XLF", "Financial Select Sector SPDR Fund", "ARCA", 5_300),
    ("XLE", "Energy Select Sector SPDR Fund", "ARCA", 9_000),
    ("EEM", "iShares MSCI Emerging Markets ETF", "ARCA", 5_300),
];

pub fn assets() -> Vec<Asset> {
    LISTINGS
        .iter()
        .map(|(symbol, name, exchange, _)| Asset::equity(symbol, name, exchange))
        .collect()
}

pub fn starting_price(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn at_least_fifty_distinct_listings_with_prices() {
        assert!(LISTINGS.len() >= 50);
        let symbols: HashSet<_> = LISTINGS.iter().map(|l| l.0).collect();
        assert_eq!(symbols.len(), LISTINGS.len());
        assert!(LISTINGS.iter().all(|l| l.3 > 100));
        let ids: HashSet<_> = assets().iter().map(|a| a.id).collect();
        assert_eq!(ids.len(), LISTINGS.len());
    }
}
