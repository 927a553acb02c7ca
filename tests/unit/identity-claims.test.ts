/**
 * The caller from any issuer's ID token: Cognito's claim names, or those a branch configures for
 * its OIDC issuer (Keycloak, Authing, 企业微信 through a bridge); and the branch config that says which.
 */
import { describe, expect, it } from 'vitest';
import { claimNamesOf, isChinaRegion, parseBranchConfig } from '../../functions/domain/branch-config.js';
import { actorFromClaims, checkClaims, ClaimsError, COGNITO_CLAIMS } from '../../functions/domain/identity.js';
import { loadBranchConfig } from '../../infra/branch-config.js';

const now = 1_780_000_000;
const keycloak = { username: 'preferred_username', name: 'name', roles: 'chancery_roles', department: 'department', clearance: 'clearance' };

describe('actorFromClaims', () => {
  it("reads Cognito's claims by default", () => {
    const actor = actorFromClaims({ 'cognito:username': 'wangfang', name: '王芳', 'cognito:groups': '[clerk admin]', 'custom:department': 'BGS', 'custom:clearance': '机密' });
    expect(actor).toEqual({ username: 'wangfang', name: '王芳', roles: ['clerk', 'admin'], department: 'BGS', clearance: '机密' });
  });

  it("reads an OIDC issuer's configured claims (a JSON array of roles, unknown roles dropped)", () => {
    const claims = { preferred_username: 'zhaomin', name: '赵敏', chancery_roles: ['main-leader', 'offline_access'], department: 'BGS', clearance: '绝密', 'cognito:groups': '[admin]' };
    expect(actorFromClaims(claims, keycloak)).toEqual({ username: 'zhaomin', name: '赵敏', roles: ['main-leader'], department: 'BGS', clearance: '绝密' });
  });

  it('an issuer that carries no roles, department or clearance gives none, and 非密', () => {
    expect(actorFromClaims({ preferred_username: 'liuyang', 'custom:clearance': '绝密' }, { username: 'preferred_username', name: 'name' })).toEqual({
      username: 'liuyang',
      name: 'liuyang',
      roles: [],
      clearance: '非密',
    });
  });
});

describe('checkClaims', () => {
  const base = { exp: now + 3600, iat: now - 60 };
  it('Cognito: only ID tokens (token_use id)', () => {
    expect(() => checkClaims({ ...base, token_use: 'id' }, now)).not.toThrow();
    expect(() => checkClaims({ ...base }, now)).toThrow(ClaimsError);
    expect(() => checkClaims({ ...base, token_use: 'access' }, now)).toThrow(/ID token/);
  });

  it('OIDC: an ID token without token_use passes; an access token marked as such (token_use, Keycloak typ) is refused', () => {
    expect(() => checkClaims({ ...base }, now, 'oidc')).not.toThrow();
    expect(() => checkClaims({ ...base, typ: 'ID' }, now, 'oidc')).not.toThrow();
    expect(() => checkClaims({ ...base, typ: 'Bearer' }, now, 'oidc')).toThrow(/ID token/);
    expect(() => checkClaims({ ...base, token_use: 'access' }, now, 'oidc')).toThrow(/ID token/);
    expect(() => checkClaims({ exp: now - 1, iat: now - 60 }, now, 'oidc')).toThrow(/登录已过期/);
  });
});

describe('branch config: identity and region', () => {
  const hq = loadBranchConfig('hq');

  it('defaults to Cognito without threat protection, console on CloudFront, no alarm mail', () => {
    expect(hq.identity).toEqual({ kind: 'cognito', threatProtection: false });
    expect(claimNamesOf(hq.identity)).toEqual(COGNITO_CLAIMS);
    expect(hq.console).toEqual({});
    expect(hq.alarms).toEqual({ email: [] });
  });

  it('an OIDC issuer with its claim names (username and name defaulted)', () => {
    const config = parseBranchConfig({ ...hq, region: 'cn-north-1', identity: { kind: 'oidc', issuer: 'https://sso.example.cn/realms/x', clientId: 'console', claims: { roles: 'chancery_roles' } } }, 'test');
    expect(claimNamesOf(config.identity)).toEqual({ username: 'preferred_username', name: 'name', roles: 'chancery_roles' });
    expect(isChinaRegion(config.region)).toBe(true);
    expect(isChinaRegion('us-east-1')).toBe(false);
    expect(isChinaRegion(undefined)).toBe(false);
  });

  it('refuses an issuer that is not https, and a region written otherwise', () => {
    expect(() => parseBranchConfig({ ...hq, identity: { kind: 'oidc', issuer: 'http://sso.example.cn', clientId: 'c' } }, 'test')).toThrow(/identity/);
    expect(() => parseBranchConfig({ ...hq, region: 'China North' }, 'test')).toThrow(/cn-north-1/);
  });
});
