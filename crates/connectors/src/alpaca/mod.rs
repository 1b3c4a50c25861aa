//! Alpaca
