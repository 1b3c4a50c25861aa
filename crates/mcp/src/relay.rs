//! The CLI's side of the attached mode: `brokerdesk mcp` connects to the app's socket and only
//! carries bytes between its standard input/output and the socket. Everything (consent, the
//! service, the audit) is the app's.

use std::path::Path;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::UnixStream;

/// The app's socket, when the app answers there; `None` runs headless.
pub async fn try_attach(socket: &Path) -> Option<UnixStream> {
    UnixStream::connect(socket).await.ok()
}

/// Carries bytes both ways until the client closes its input and the app has answered, or
/// the app hangs up.
pub async fn relay<I, O>(stream: UnixStream, input: I, output: O) -> Result<(), String>
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let (mut from_app, mut to_app) = stream.into_split();
    let (mut input, mut output) = (input, output);
    let upstream = async {
        let r = tokio::io::copy(&mut input, &mut to_app).await;
        // The client is done: the app sees end of input and closes its side.
        let _ = to_app.shutdown().await;
        r.map_err(|e| format!("relay to the app: {e}"))?;
        // Keep relaying the app's last answers: the session ends with the app's side.
        std::future::pending::<Result<(), String>>().await
    };
    let downstream = async {
        let r = tokio::io::copy(&mut from_app, &mut output).await;
        let _ = output.flush().await;
        r.map(|_| ())
            .map_err(|e| format!("relay from the app: {e}"))
    };
    tokio::select! {
        down = downstream => down,
        up = upstream => up,
    }
}

/// [`relay`] over standard input and output.
pub async fn relay_stdio(stream: UnixStream) -> Result<(), String> {
    relay(stream, tokio::io::stdin(), tokio::io::stdout()).await
}
