/**
 * A local stand-in for the Cognito user pool: signs RS256 ID tokens for the seeded users with
 * the claims Cognito puts in them (cognito:username, cognito:groups, name, custom:department,
 * custom:clearance, aud = the app client id), and publishes its JWKS. The signing key lives in
 * the data directory, so tokens stay valid across restarts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, createLocalJWKSet, type JWK, type JWTPayload } from 'jose';
import { LOCAL_PASSWORD, LOCAL_USERS, type LocalUser } from './users.js';

export const LOCAL_CLIENT_ID = 'chancery-local-client';
const TOKEN_SECONDS = 12 * 3600;

export class LocalIdentityProvider {
  private constructor(
    readonly issuer: string,
    private readonly privateKey: Awaited<ReturnType<typeof importJWK>>,
    private readonly publicJwk: JWK,
    private readonly users: LocalUser[],
  ) {}

  static async open(dataDir: string, issuer: string, users: LocalUser[] = LOCAL_USERS): Promise<LocalIdentityProvider> {
    const dir = join(dataDir, 'identity');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'signing-key.json');
    if (!existsSync(file)) {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      const jwk = { ...(await exportJWK(privateKey)), kid: `local-${Date.now()}`, alg: 'RS256', use: 'sig' };
      writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
    }
    const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    const privateKey = await importJWK(jwk, 'RS256');
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
    return new LocalIdentityProvider(issuer, privateKey, publicJwk, users);
  }

  get jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  listUsers(): LocalUser[] {
    return this.users;
  }

  /** Returns an ID token, or undefined when the name or password is wrong. */
  async login(username: string, password: string): Promise<{ idToken: string; expiresIn: number } | undefined> {
    const user = this.users.find((u) => u.username === username);
    if (!user || password !== LOCAL_PASSWORD) return undefined;
    return { idToken: await this.issue(user), expiresIn: TOKEN_SECONDS };
  }

  async issue(user: LocalUser, lifetimeSeconds = TOKEN_SECONDS): Promise<string> {
    return new SignJWT({
      'cognito:username': user.username,
      'cognito:groups': user.groups,
      name: user.name,
      'custom:department': user.department,
      'custom:clearance': user.clearance,
      token_use: 'id',
    })
      .setProtectedHeader({ alg: 'RS256', kid: this.publicJwk.kid })
      .setSubject(`local-${user.username}`)
      .setIssuer(this.issuer)
      .setAudience(LOCAL_CLIENT_ID)
      .setIssuedAt()
      .setExpirationTime(`${lifetimeSeconds}s`)
      .sign(this.privateKey);
  }

  /** Verifies a token as the API's JWT authorizer does (signature, issuer, audience, expiry). */
  async verify(token: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, createLocalJWKSet(this.jwks), { issuer: this.issuer, audience: LOCAL_CLIENT_ID });
    return payload;
  }
}
