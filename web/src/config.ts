/** What the host tells the console at start: where to log in and where the API lives. */
export interface ConsoleConfig {
  issuer: string;
  clientId: string;
  apiBase: string;
  branch: string;
  /**
   * Logout address, for an issuer whose discovery document names none (Cognito: its /logout with
   * client_id and logout_uri). Without it the discovery document's end_session_endpoint is used.
   */
  endSessionEndpoint?: string;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`无法读取系统配置（/config.json 返回 ${res.status}）`);
  return (await res.json()) as ConsoleConfig;
}
