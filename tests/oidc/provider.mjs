// A real OpenID provider for the server tests (npm `oidc-provider`), started by
// tests/api/support/oidc.rs:
//
//   node provider.mjs <redirect_uri> <client_id> <client_secret>
//
// It listens on a free port of 127.0.0.1 and prints `listening <port>` once discovery
// answers. No human takes part: the login interaction is finished by the script itself for the
// account named by `login_hint` in the authorization request, and consent is implied for the
// one registered client.
//
// Control endpoints (for the tests only):
//   POST /control/account  {"login": "...", "claims": {...}}   an account and its claims
//   POST /control/mode     {"mode": "..."}                      how the next ID tokens are signed
//   POST /control/browser  {"login": "..."}                     who signs in when the request
//                                                               has no `login_hint` (a real
//                                                               browser, which cannot add one)
// Modes: `normal`; `forged` (signed by a key not in the JWKS, under the real key's `kid`);
// `audience` (another `aud`); `expired` (`exp` in the past); `nonce` (another nonce);
// `rotated` (signed by a new key that the JWKS now publishes beside the old one).
import http from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const [redirectUri, clientId, clientSecret] = process.argv.slice(2);
if (!redirectUri || !clientId || !clientSecret) {
  console.error('usage: node provider.mjs <redirect_uri> <client_id> <client_secret>');
  process.exit(2);
}

async function signingKey(kid) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}
const publicPart = ({ d, p, q, dp, dq, qi, ...pub }) => pub;

const mainKey = await signingKey('main');
const nextKey = await signingKey('next');
const forgedKey = await signingKey('main');
const accounts = new Map();
let mode = 'normal';
let browserLogin = null;

const server = http.createServer();
server.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [mainKey] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    profile: ['name', 'birthdate', 'national_id', 'tckn', 'given_name', 'family_name'],
  },
  // The claims the client asked for by scope go into the ID token itself, as the state
  // services studied in docs/identity.md do.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // The one client is first-party: consent is implied.
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile');
    await grant.save();
    return grant;
  },
  findAccount: async (ctx, sub) => {
    const claims = accounts.get(sub);
    if (!claims) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...claims }) };
  },
  ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 120, Interaction: 600, Session: 600, Grant: 600 },
});
provider.proxy = false;

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

// Re-signs the ID token the provider issued, as the current mode asks.
async function resign(idToken) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  let key = mainKey;
  if (mode === 'forged') key = forgedKey;
  if (mode === 'rotated') key = nextKey;
  if (mode === 'audience') claims.aud = 'someone-else';
  if (mode === 'expired') { claims.iat = now - 3600; claims.exp = now - 1800; }
  if (mode === 'nonce') claims.nonce = 'not-the-nonce-that-was-sent';
  const privateKey = await jose.importJWK(key, 'RS256');
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .sign(privateKey);
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/control/account' && ctx.method === 'POST') {
    const { login, claims } = await readJson(ctx.req);
    accounts.set(login, claims);
    ctx.status = 204;
    return;
  }
  if (ctx.path === '/control/mode' && ctx.method === 'POST') {
    ({ mode } = await readJson(ctx.req));
    ctx.status = 204;
    return;
  }
  if (ctx.path === '/control/browser' && ctx.method === 'POST') {
    ({ login: browserLogin } = await readJson(ctx.req));
    ctx.status = 204;
    return;
  }
  if (ctx.path.startsWith('/interaction/')) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const login = details.params.login_hint ?? browserLogin;
    const result = accounts.has(login)
      ? { login: { accountId: login } }
      : { error: 'access_denied', error_description: 'no such test account' };
    const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.set('Location', to);
    return;
  }
  await next();
  if (ctx.path === '/jwks' && mode === 'rotated') {
    ctx.body = { keys: [publicPart(nextKey), publicPart(mainKey)] };
  }
  if (ctx.path === '/token' && ctx.body && ctx.body.id_token && mode !== 'normal') {
    ctx.body = { ...ctx.body, id_token: await resign(ctx.body.id_token) };
  }
});

server.on('request', provider.callback());
process.stdout.write(`listening ${server.address().port}\n`);
