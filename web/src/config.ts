/** What the host tells the console at start: where to log in and where the API lives. */
export interface ConsoleConfig {
  issuer: string;
  clientId: string;
  apiBase: string;
  branch: string;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`无法读取系统配置（/config.json 返回 ${res.status}）`);
  return (await res.json()) as ConsoleConfig;
}
