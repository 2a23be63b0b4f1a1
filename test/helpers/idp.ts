import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A signing key of a test identity provider: its private half and its public JWK. */
export interface IdpKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export async function newIdpKey(alg: IdpKey['alg'], kid: string = randomUUID()): Promise<IdpKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk };
}

/** Signs a token with `key`, its `kid` in the header; `exp` 5 minutes ahead unless given. */
export function signWith(
  key: Pick<IdpKey, 'kid' | 'alg' | 'privateKey'>,
  claims: Record<string, unknown>,
): Promise<string> {
  return new SignJWT({ exp: Math.floor(Date.now() / 1000) + 300, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .sign(key.privateKey);
}

export interface Idp {
  /** The JWKS URL. */
  url: string;
  /** How many times the JWKS was requested. */
  hits(): number;
  /** The keys served from now on. */
  serve(keys: IdpKey[]): void;
  /** While true, the JWKS URL answers 500. */
  failing(on: boolean): void;
  close(): Promise<void>;
}

/**
 * An identity provider on loopback (port 0) serving a JWKS. `hang: true` makes one that
 * accepts connections and never answers.
 */
export async function startIdp(keys: IdpKey[] = [], options: { hang?: boolean } = {}) {
  let served = keys;
  let hits = 0;
  let failing = false;
  const server = createServer((req, res) => {
    hits++;
    if (options.hang) return;
    if (failing) {
      res.statusCode = 500;
      return res.end('upstream trouble');
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: served.map((k) => k.jwk) }));
  });
  await listen(server);
  const idp: Idp = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    hits: () => hits,
    serve: (next) => (served = next),
    failing: (on) => (failing = on),
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
  return idp;
}

/** A loopback URL on which nothing listens (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/.well-known/jwks.json`;
}

const listen = (server: Server) =>
  new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
