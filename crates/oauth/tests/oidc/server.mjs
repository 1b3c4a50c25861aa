// A real authorization server (oidc-provider) for the oauth crate's end-to-end test.
// It listens on 127.0.0.1 on a port the OS picks, then prints one JSON line
// {"issuer": "..."} on stdout so the test knows where it is. It stops when stdin closes,
// so a crashed test never leaves it running.
import http from 'node:http';
import Provider from 'oidc-provider';

const CLIENT_ID = process.env.OIDC_CLIENT_ID ?? 'brokerdesk-e2e';
// Short access tokens so the test sees a real expiry, and the refresh, within seconds.
const ACCESS_TOKEN_TTL = Number(process.env.OIDC_ACCESS_TOKEN_TTL ?? '3');

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      application_type: 'native',
      // A public client: no secret, so PKCE is required (oidc-provider enforces it).
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // Native loopback: oidc-provider ignores the port (RFC 8252 §7.3); the path must match.
      redirect_uris: ['http://127.0.0.1/callback', 'http://[::1]/callback'],
    }],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
    },
    // Refresh tokens whenever the client may use the grant (no offline_access dance).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Each refresh hands out a new refresh token and burns the old one (RFC 9700 §4.14.2).
    rotateRefreshToken: true,
    // Server and test share one clock: no 15 s grace, so an expired token is refused at once.
    clockTolerance: 0,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      RefreshToken: 3600,
      Grant: 3600,
      Interaction: 600,
      Session: 3600,
    },
    claims: { openid: ['sub'], profile: ['name'] },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, name: `User ${sub}` }),
    }),
  });
  provider.proxy = false;
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
