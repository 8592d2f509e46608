// A real OpenID Provider (oidc-provider) on a free loopback port for the tests.
// Configuration as JSON on stdin: {"clients": [...], "accounts": {"login": {claims}}}.
// Prints {"issuer": "..."} on one line once it listens. Log-in is oidc-provider's
// development form (any password); consent is granted for the scopes asked.
import http from "node:http";
import { Provider } from "oidc-provider";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const config = JSON.parse(input);

const server = http.createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: config.clients,
  cookies: { keys: ["sportello-test-cookie-key"] },
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["given_name", "family_name", "preferred_username", "locale"],
    groups: ["groups"],
  },
  scopes: ["openid", "email", "profile", "groups"],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile groups");
    grant.addOIDCClaims(["given_name", "family_name", "preferred_username", "locale", "email", "groups"]);
    await grant.save();
    return grant;
  },
});
server.on("request", provider.callback());
process.stdout.write(JSON.stringify({ issuer }) + "\n");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
