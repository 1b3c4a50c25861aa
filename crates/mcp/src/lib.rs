//! `brokerdesk mcp`: a Model Context Protocol server so an AI assistant can read the user's
//! accounts and trade paper, safely. A thin front on `brokerdesk-service`, like the CLI and the
//! app: every figure, guard and order is the service's.
//!
//! - `tools`: each tool's typed arguments (their JSON schemas) and what it reads;
//! - `envelope`: the trust boundary around every result (outside text is data);
//! - `masking`: account numbers to `••••1234` and opaque references;
//! - `server`: the rmcp handler, and the path every reply takes out (masking, the secret
//!   check, the audit row; the audit log itself is the service's, so the app can show it).

#[cfg(unix)]
pub mod attach;
pub mod attached;
pub mod envelope;
pub mod masking;
#[cfg(unix)]
pub mod relay;
pub mod server;
pub mod tools;

pub use server::BrokerdeskMcp;

/// Serves MCP on standard input and output until the client hangs up. Standard output is the
/// protocol: nothing else may print to it (logs go to standard error).
pub async fn serve_stdio(service: brokerdesk_service::BrokerageService) -> Result<(), String> {
    use rmcp::ServiceExt;
    let running = BrokerdeskMcp::new(service)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| format!("the MCP session did not start: {e}"))?;
    running
        .waiting()
        .await
        .map_err(|e| format!("the MCP session ended with an error: {e}"))?;
    Ok(())
}
