// The authorization server of the OAuth interop tests: the npm package oauth2-mock-server
// (pinned in package.json) behind a small node:http front of our own. Test harness only.
//
//   node authorization-server.mjs --port 0     prints the issuer URL as its first stdout line
//
// Served by the library: /.well-known/openid-configuration, /jwks, /authorize, /token,
// /userinfo, /revoke, /endsession. The library has no RFC 8414 document, no dynamic client
// registration and no real introspection; its /authorize accepts any client and its /token
// checks PKCE only when a code_verifier is sent. What a real AS does on top, added here:
//   - /authorize refuses an unregistered client_id or redirect_uri (400, no redirect) and a
//     request without an S256 code_challenge (redirect with error=invalid_request);
//   - /token (authorization_code) requires a code this server issued, once, to the same
//     client and redirect_uri, with a code_verifier (the library then checks it); the access
//     token (library hook beforeTokenSigning) carries aud = the RFC 8707 `resource` sent,
//     scope = the scope authorized, sub "alice" and client_id; refresh keeps them;
//   - /introspect (RFC 7662, moved in front of the library's always-active stub) answers
//     the opaque tokens registered through /_test/opaque, with HTTP Basic client auth;
//   - --rfc8414 also serves the metadata at /.well-known/oauth-authorization-server.
// Test controls, under /_test/ (JSON in and out):
//   POST /_test/clients  {client_id, redirect_uris}  pre-registers a public client
//   POST /_test/rotate   new signing key; the JWKS then holds only it -> {kid}
//   POST /_test/token    {claims, header, variant} -> {token}; variant: valid | alg-none |
//                        tampered | bad-signature | unknown-kid | hs256-public-key
//   POST /_test/opaque   {active, scope, sub, aud, exp, client_id} -> {token}
//   GET  /_test/log      every request received: [{method, path, query, body, auth}]
//   GET  /_test/state    {kid, jwks_kids}
import { createServer } from "node:http";
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { Readable } from "node:stream";
import { OAuth2Issuer, OAuth2Service } from "oauth2-mock-server";

const args = process.argv.slice(2);
const flag = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
};
const port = Number(flag("--port", "0"));
const rfc8414 = args.includes("--rfc8414");
// The resource server's credentials for /introspect (HTTP Basic), "id:secret".
const [introspectId, introspectSecret] = flag("--introspection-client", "mcp-resource-server:rs-secret").split(":");

const clients = new Map(); // client_id -> redirect_uris
const codes = new Map(); // authorization code -> the grant it stands for
const refreshGrants = new Map(); // refresh token -> grant
const opaque = new Map(); // opaque access token -> introspection answer
const log = [];
let issuerUrl;
let current; // {issuer, service, kid}: replaced whole by /_test/rotate

const b64url = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

// A fresh library issuer and service with one RS256 key, our hooks attached.
async function newIssuer() {
    const issuer = new OAuth2Issuer();
    issuer.url = issuerUrl;
    const jwk = await issuer.keys.generate("RS256");
    const service = new OAuth2Service(issuer);
    service.on("beforeAuthorizeRedirect", (redirect, req) => {
        const code = redirect.url.searchParams.get("code");
        if (!code) return;
        const q = new URL(req.url, "http://x").searchParams;
        codes.set(code, {
            client_id: q.get("client_id"),
            redirect_uri: q.get("redirect_uri"),
            scope: q.get("scope") ?? "",
            resource: q.get("resource"),
        });
    });
    service.on("beforeTokenSigning", (token, req) => {
        const grant = req.grant;
        if (!grant) return;
        if ("scope" in token.payload) {
            // The access token (the library's id_token has no scope claim).
            Object.assign(token.payload, { sub: "alice", scope: grant.scope, client_id: grant.client_id });
            if (grant.resource) token.payload.aud = grant.resource;
            delete token.payload.amr;
        } else {
            token.payload.sub = "alice";
        }
    });
    service.on("beforeResponse", (response, req) => {
        if (req.grantError) {
            response.statusCode = 400;
            response.body = { error: "invalid_grant", error_description: req.grantError };
            return;
        }
        if (!req.grant) return;
        response.body.scope = req.grant.scope;
        if (response.body.refresh_token) refreshGrants.set(response.body.refresh_token, req.grant);
    });
    return { issuer, service, kid: jwk.kid };
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
    });
}

function parseBody(req, raw) {
    const type = req.headers["content-type"] ?? "";
    if (type.includes("application/json")) return raw ? JSON.parse(raw) : {};
    if (type.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(raw));
    return {};
}

function sendJson(res, status, body) {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(text);
}

function currentPrivateKey() {
    const jwk = current.issuer.keys.toJSON(true).find((k) => k.kid === current.kid);
    return createPrivateKey({ key: jwk, format: "jwk" });
}

function signRs256(header, payload, key) {
    const input = `${b64url(header)}.${b64url(payload)}`;
    return `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
}

// POST /_test/token: a token of the requested variant, defaults overridden by claims/header.
async function mintToken({ claims = {}, header = {}, variant = "valid" }) {
    const t = now();
    const payload = {
        iss: issuerUrl,
        sub: "alice",
        scope: "mcp:read mcp:write",
        client_id: "mcp-interop-client",
        iat: t,
        nbf: t,
        exp: t + 300,
        ...claims,
    };
    for (const [k, v] of Object.entries(payload)) if (v === null) delete payload[k];
    const head = { typ: "JWT", kid: current.kid, ...header };
    switch (variant) {
        case "valid": {
            // Signed by the library, with its current key (alg from the key, RS256).
            return current.issuer.buildToken({
                scopesOrTransform: (h, p) => {
                    for (const k of Object.keys(p)) delete p[k];
                    Object.assign(p, payload);
                    Object.assign(h, header);
                },
            });
        }
        case "alg-none":
            return `${b64url({ ...head, alg: "none" })}.${b64url(payload)}.`;
        case "tampered": {
            // Signed for one payload, sent with another (a wider scope, another subject).
            const [h, , s] = signRs256({ ...head, alg: "RS256" }, payload, currentPrivateKey()).split(".");
            return `${h}.${b64url({ ...payload, sub: "mallory", scope: "mcp:read mcp:write admin" })}.${s}`;
        }
        case "bad-signature": {
            const token = signRs256({ ...head, alg: "RS256" }, payload, currentPrivateKey());
            const sig = Buffer.from(token.split(".")[2], "base64url");
            sig[0] ^= 0x01;
            return token.replace(/[^.]+$/, sig.toString("base64url"));
        }
        case "unknown-kid": {
            const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
            return signRs256({ ...head, alg: "RS256", kid: `unknown-${randomUUID()}` }, payload, privateKey);
        }
        case "hs256-public-key": {
            // Algorithm confusion: HMAC keyed with the issuer's public key as PEM text.
            const pem = createPublicKey(currentPrivateKey()).export({ type: "spki", format: "pem" });
            const input = `${b64url({ ...head, alg: "HS256" })}.${b64url(payload)}`;
            return `${input}.${createHmac("sha256", pem).update(input).digest("base64url")}`;
        }
        default:
            throw new Error(`unknown variant ${variant}`);
    }
}

async function testControl(req, res, path, body) {
    if (req.method === "GET" && path === "/_test/log") return sendJson(res, 200, log);
    if (req.method === "GET" && path === "/_test/state") {
        return sendJson(res, 200, { kid: current.kid, jwks_kids: current.issuer.keys.toJSON().map((k) => k.kid) });
    }
    if (req.method !== "POST") return sendJson(res, 405, { error: "method not allowed" });
    switch (path) {
        case "/_test/clients":
            clients.set(body.client_id, body.redirect_uris ?? []);
            return sendJson(res, 200, { client_id: body.client_id });
        case "/_test/rotate":
            current = await newIssuer();
            return sendJson(res, 200, { kid: current.kid });
        case "/_test/token":
            return sendJson(res, 200, { token: await mintToken(body) });
        case "/_test/opaque": {
            const token = `opaque-${randomUUID()}`;
            opaque.set(token, { active: true, ...body });
            return sendJson(res, 200, { token });
        }
        default:
            return sendJson(res, 404, { error: `no test control ${path}` });
    }
}

// RFC 7662 introspection, for the resource server (HTTP Basic client authentication).
function introspect(req, res, body) {
    const expected = `Basic ${Buffer.from(`${introspectId}:${introspectSecret}`).toString("base64")}`;
    if (req.headers.authorization !== expected) {
        res.setHeader("www-authenticate", 'Basic realm="introspection"');
        return sendJson(res, 401, { error: "invalid_client" });
    }
    const answer = opaque.get(body.token);
    if (!answer || !answer.active || (answer.exp !== undefined && answer.exp < now())) {
        return sendJson(res, 200, { active: false });
    }
    return sendJson(res, 200, { ...answer, token_type: "Bearer" });
}

// Checks the library does not make, before it sees the request. Returns true when answered.
function guardAuthorize(req, res, query) {
    const redirects = clients.get(query.client_id);
    if (!redirects || !redirects.includes(query.redirect_uri)) {
        sendJson(res, 400, { error: "invalid_request", error_description: "unknown client_id or redirect_uri" });
        return true;
    }
    if (!query.code_challenge || query.code_challenge_method !== "S256") {
        const url = new URL(query.redirect_uri);
        url.searchParams.set("error", "invalid_request");
        url.searchParams.set("error_description", "PKCE with S256 is required");
        if (query.state) url.searchParams.set("state", query.state);
        res.writeHead(302, { location: url.href });
        res.end();
        return true;
    }
    return false;
}

// Attaches to the token request the grant it redeems (read by the hooks), or the reason
// it is refused.
function checkTokenRequest(req, body) {
    if (body.grant_type === "authorization_code") {
        const grant = codes.get(body.code);
        codes.delete(body.code);
        if (!grant) req.grantError = "unknown or already used authorization code";
        else if (grant.client_id !== body.client_id) req.grantError = "code issued to another client";
        else if (grant.redirect_uri !== body.redirect_uri) req.grantError = "redirect_uri differs from the authorization request";
        else if (!body.code_verifier) req.grantError = "code_verifier required (PKCE)";
        else req.grant = { ...grant, resource: body.resource ?? grant.resource };
    } else if (body.grant_type === "refresh_token") {
        const grant = refreshGrants.get(body.refresh_token);
        refreshGrants.delete(body.refresh_token);
        if (!grant || grant.client_id !== body.client_id) req.grantError = "unknown refresh token";
        else req.grant = { ...grant, resource: body.resource ?? grant.resource };
    }
}

const server = createServer(async (req, res) => {
    try {
        const url = new URL(req.url, "http://x");
        const path = url.pathname;
        const raw = req.method === "POST" ? await readBody(req) : "";
        const body = raw ? parseBody(req, raw) : {};
        const query = Object.fromEntries(url.searchParams);
        if (!path.startsWith("/_test/")) {
            log.push({ method: req.method, path, query, body, auth: req.headers.authorization ?? null });
        }
        if (path.startsWith("/_test/")) return await testControl(req, res, path, body);
        if (req.method === "POST" && path === "/introspect") return introspect(req, res, body);
        if (req.method === "GET" && path === "/authorize" && guardAuthorize(req, res, query)) return;
        if (rfc8414 && req.method === "GET" && path === "/.well-known/oauth-authorization-server") {
            req.url = "/.well-known/openid-configuration";
        }
        if (req.method === "POST" && path === "/token") checkTokenRequest(req, body);
        // Hand the request, body already read, to the library.
        if (raw) {
            const replay = Readable.from([Buffer.from(raw)]);
            replay.headers = req.headers;
            replay.method = req.method;
            replay.url = req.url;
            replay.grant = req.grant;
            replay.grantError = req.grantError;
            return current.service.requestHandler(replay, res);
        }
        return current.service.requestHandler(req, res);
    } catch (err) {
        sendJson(res, 500, { error: "server_error", error_description: String(err?.stack ?? err) });
    }
});

server.listen(port, "127.0.0.1", async () => {
    issuerUrl = `http://127.0.0.1:${server.address().port}`;
    current = await newIssuer();
    process.stdout.write(`${issuerUrl}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
