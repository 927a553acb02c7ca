/**
 * Whose tokens local mode's API accepts, as API Gateway's JWT authorizer is configured in the
 * cloud: its own identity provider by default, or — for a branch whose config names an OIDC
 * issuer (Keycloak, Authing, an 企业微信 bridge …) — that issuer, found by its discovery document
 * and checked against its published keys (iss, aud = the console's client id, exp, nbf).
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { IdentityConfig } from '../../functions/domain/branch-config.js';
import { LOCAL_CLIENT_ID, type LocalIdentityProvider } from './identity-provider.js';

export interface TokenIssuer {
  issuer: string;
  /** The console's public client: ID tokens name it as their audience. */
  clientId: string;
  /** Where 退出登录 goes when the issuer's discovery names none. */
  endSessionEndpoint?: string;
  verify(token: string): Promise<JWTPayload>;
}

export function localIssuer(identity: LocalIdentityProvider): TokenIssuer {
  return { issuer: identity.issuer, clientId: LOCAL_CLIENT_ID, verify: (token) => identity.verify(token) };
}

/**
 * An external issuer. Discovery is read on the first token, not at start-up, so local mode starts
 * even while the issuer is down; a failed read is tried again with the next token.
 */
export function externalIssuer(identity: Extract<IdentityConfig, { kind: 'oidc' }>): TokenIssuer {
  let keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const discover = async () => {
    const res = await fetch(`${identity.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`OIDC discovery at ${identity.issuer} answered ${res.status}`);
    const doc = (await res.json()) as { issuer?: string; jwks_uri?: string };
    if (doc.issuer !== identity.issuer) throw new Error(`OIDC discovery names issuer ${doc.issuer}, the branch config ${identity.issuer}`);
    if (!doc.jwks_uri) throw new Error(`OIDC discovery at ${identity.issuer} names no jwks_uri`);
    return createRemoteJWKSet(new URL(doc.jwks_uri));
  };
  return {
    issuer: identity.issuer,
    clientId: identity.clientId,
    ...(identity.endSessionEndpoint ? { endSessionEndpoint: identity.endSessionEndpoint } : {}),
    async verify(token) {
      keys ??= discover().catch((err: unknown) => {
        keys = undefined;
        throw err;
      });
      const { payload } = await jwtVerify(token, await keys, { issuer: identity.issuer, audience: identity.clientId });
      return payload;
    },
  };
}
