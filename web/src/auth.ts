/**
 * OIDC authorization code + PKCE through oidc-client-ts, against whatever issuer /config.json
 * names (the local identity provider, Cognito managed login, any OIDC issuer later).
 * The session lives in sessionStorage: closing the tab ends it.
 */
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import type { ConsoleConfig } from './config';

export const CALLBACK_PATH = '/auth/callback';

interface ReturnState {
  returnTo: string;
}

let manager: UserManager | undefined;
let redirecting = false;

export function createUserManager(config: ConsoleConfig): UserManager {
  const origin = window.location.origin;
  manager = new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: `${origin}${CALLBACK_PATH}`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code',
    scope: 'openid profile',
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    // Renewal happens on demand (a 401 or expiry): no hidden iframes against the issuer.
    automaticSilentRenew: false,
    // Login pages in Chinese: ui_locales is the OIDC parameter, lang Cognito managed login's.
    ui_locales: 'zh-CN',
    extraQueryParams: { lang: 'zh-CN' },
    ...(config.endSessionEndpoint ? { metadataSeed: { end_session_endpoint: config.endSessionEndpoint } } : {}),
  });
  return manager;
}

export function userManager(): UserManager {
  if (!manager) throw new Error('登录组件尚未初始化');
  return manager;
}

const here = () => `${window.location.pathname}${window.location.search}`;

/** To the login page; back to where the person was afterwards. */
export async function login(returnTo: string = here()): Promise<void> {
  if (redirecting) return;
  redirecting = true;
  const state: ReturnState = { returnTo };
  // A nonce ties the ID token to this request (oidc-client-ts checks it on return); optional in
  // the code flow, but some issuers (the local one among them) require it.
  const nonce = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  await userManager().signinRedirect({ state, nonce });
}

/** Finishes a login on /auth/callback; answers where to go next. */
export async function completeLogin(): Promise<string> {
  const user = await userManager().signinRedirectCallback();
  const state = user.state as ReturnState | undefined;
  // Only paths of this console: never an address someone slipped into the state.
  return state?.returnTo?.startsWith('/') && !state.returnTo.startsWith('//') ? state.returnTo : '/';
}

/**
 * The session ended (token expired, or the API answered 401). Whatever the person was typing is
 * already in sessionStorage (see drafts.ts): a refresh token is tried first, else the login page.
 */
export async function sessionExpired(): Promise<User | undefined> {
  const um = userManager();
  const current = await um.getUser();
  if (current?.refresh_token) {
    try {
      const renewed = await um.signinSilent();
      if (renewed && !renewed.expired) return renewed;
    } catch {
      // Fall through to a full login.
    }
  }
  await um.removeUser();
  await login();
  return undefined;
}

export async function logout(): Promise<void> {
  const um = userManager();
  try {
    await um.signoutRedirect();
  } catch {
    // An issuer without an end-session endpoint: forget the session here and start over.
    await um.removeUser();
    window.location.assign('/');
  }
}
