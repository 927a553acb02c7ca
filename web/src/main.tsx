/**
 * Start: read /config.json, finish a login coming back from the issuer, or send the person to
 * log in; then the console.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { loadConfig } from './config';
import { CALLBACK_PATH, completeLogin, createUserManager, login } from './auth';
import { setApiBase } from './api';
import { Shell } from './Shell';
import './style.css';

dayjs.locale('zh-cn');

const root = createRoot(document.getElementById('root')!);
const notice = (text: string) => {
  root.render(<div className="boot-notice">{text}</div>);
};

async function start(): Promise<void> {
  const config = await loadConfig();
  setApiBase(config.apiBase);
  const um = createUserManager(config);
  if (window.location.pathname === CALLBACK_PATH) {
    const next = await completeLogin();
    window.history.replaceState(null, '', next);
  }
  const user = await um.getUser();
  if (!user || user.expired) {
    notice('正在转到登录页…');
    await login();
    return;
  }
  // An expired token on an idle page: the next API call logs in again; say so when it happens.
  um.events.addAccessTokenExpired(() => void um.removeUser().then(() => login()));
  root.render(
    <StrictMode>
      <BrowserRouter>
        <Shell branch={config.branch} />
      </BrowserRouter>
    </StrictMode>,
  );
}

notice('正在加载…');
start().catch((err: unknown) => {
  notice(`系统启动失败：${err instanceof Error ? err.message : String(err)}`);
});
