//! IBKR
