/**
 * The frame around every page: header (branch, the signed-in person, 退出登录), the menu of boxes
 * (a side menu on a desk, a drawer on a phone) and the pages.
 */
import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { App as AntApp, Button, ConfigProvider, Drawer, Grid, Layout, Menu, Result, Space, Spin, Tag, Typography } from 'antd';
import { MenuOutlined } from '@ant-design/icons';
import zhCN from 'antd/locale/zh_CN';
import type { Me } from './api';
import { loadMe } from './me';
import { logout } from './auth';
import { BoxPage, BOXES } from './pages/BoxPage';
import { mayReadRegisters, mayUseDesk } from './office-roles';
import { NotificationsMenuLabel, NotificationsPage } from './pages/NotificationsPage';

// The boxes come with the first download; every other page is fetched when first opened, so 待办
// shows sooner (a phone on a slow line most of all).
const DocumentPage = lazy(() => import('./pages/DocumentPage').then((m) => ({ default: m.DocumentPage })));
const RegistrationDeskPage = lazy(() => import('./pages/RegistrationDeskPage').then((m) => ({ default: m.RegistrationDeskPage })));
const RegistersPage = lazy(() => import('./pages/RegistersPage').then((m) => ({ default: m.RegistersPage })));
const RejectedUploadsPage = lazy(() => import('./pages/RejectedUploadsPage').then((m) => ({ default: m.RejectedUploadsPage })));
const SubmitPage = lazy(() => import('./pages/SubmitPage').then((m) => ({ default: m.SubmitPage })));
const ProfilePage = lazy(() => import('./pages/ProfilePage').then((m) => ({ default: m.ProfilePage })));
const PeopleAdminPage = lazy(() => import('./pages/PeoplePage').then((m) => ({ default: m.PeopleAdminPage })));
const AdminAuditPage = lazy(() => import('./pages/AdminAuditPage').then((m) => ({ default: m.AdminAuditPage })));
const VerifySealPage = lazy(() => import('./pages/VerifySealPage').then((m) => ({ default: m.VerifySealPage })));
const DraftsPage = lazy(() => import('./pages/DraftsPage').then((m) => ({ default: m.DraftsPage })));
const DraftEditorPage = lazy(() => import('./pages/DraftEditorPage').then((m) => ({ default: m.DraftEditorPage })));

const office = (me: Me | undefined) => me !== undefined && mayReadRegisters(me.roles);
const desk = (me: Me | undefined) => me !== undefined && mayUseDesk(me.roles);
/** 三员: each admin sees their own page only (the API refuses the others'). */
const holds = (role: string) => (me: Me | undefined) => me !== undefined && me.roles.includes(role);

/** The menu; `show` hides what the person's roles cannot use (the API refuses it anyway). */
const MENU: { key: string; label: ReactNode; show?: (me: Me | undefined) => boolean }[] = [
  ...BOXES.map((b) => ({ key: `/${b.box}`, label: b.name })),
  { key: '/notifications', label: <NotificationsMenuLabel /> },
  { key: '/desk', label: '登记台', show: desk },
  { key: '/registers', label: '登记簿', show: office },
  { key: '/rejected-uploads', label: '拒收扫描件', show: office },
  { key: '/submit', label: '提交请示报告' },
  // Drafting is a department's: the API refuses a draft from an account without one.
  { key: '/drafts', label: '拟稿', show: (me) => Boolean(me?.department) },
  { key: '/verify', label: '核验用印件' },
  { key: '/profile', label: '个人设置与委托' },
  { key: '/admin/people', label: '人员管理', show: holds('system-admin') },
  { key: '/admin/clearance', label: '密级管理', show: holds('security-admin') },
  { key: '/admin/audit', label: '审计日志', show: holds('audit-admin') },
];

export function Shell({ branch }: { branch: string }) {
  const screens = Grid.useBreakpoint();
  // Until the first measurement, assume a phone: never wider than the screen.
  const phone = screens.md !== true;
  return (
    <ConfigProvider locale={zhCN} theme={{ token: { controlHeight: phone ? 44 : 36, colorPrimary: '#b22222', borderRadius: 4 } }}>
      <AntApp>
        <Frame branch={branch} phone={phone} />
      </AntApp>
    </ConfigProvider>
  );
}

function Frame({ branch, phone }: { branch: string; phone: boolean }) {
  const [me, setMe] = useState<Me>();
  const [drawer, setDrawer] = useState(false);
  const location = useLocation();
  const navigate = useNavigate();

  useEffect(() => {
    loadMe().then(setMe, () => undefined);
  }, []);

  const items = MENU.filter((m) => !m.show || m.show(me)).map(({ key, label }) => ({ key, label }));
  const selected = items.find((m) => location.pathname.startsWith(m.key))?.key ?? '/todo';
  const menu = (
    <Menu
      mode="inline"
      selectedKeys={[selected]}
      items={items}
      onClick={({ key }) => {
        setDrawer(false);
        navigate(key);
      }}
      style={{ borderInlineEnd: 'none' }}
    />
  );
  // GET /me names the roles in Chinese (the server's one list of role names).
  const roles = me ? (me.roleNames ?? me.roles).join('、') : '';

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <header className="app-header">
        {phone && <Button aria-label="菜单" icon={<MenuOutlined />} onClick={() => setDrawer(true)} />}
        <span className="brand">公文处理</span>
        <Tag color="red" data-testid="branch">
          {branch}
        </Tag>
        <span className="spacer" />
        {me && (
          <Space size={4} wrap data-testid="me">
            <Typography.Text strong>{me.name}</Typography.Text>
            <Typography.Text type="secondary">{roles}</Typography.Text>
          </Space>
        )}
        {/* On a phone the header keeps to one line: 退出登录 moves into the menu drawer. */}
        {!phone && <Button onClick={() => void logout()}>退出登录</Button>}
      </header>
      <Layout>
        {!phone && (
          <Layout.Sider width={180} theme="light" style={{ borderInlineEnd: '1px solid #f0f0f0' }}>
            {menu}
          </Layout.Sider>
        )}
        <Layout.Content className="app-content">
          <Suspense fallback={<Spin description="正在加载…"><div style={{ height: 120 }} /></Spin>}>
          <Routes>
            <Route path="/" element={<Navigate to="/todo" replace />} />
            {BOXES.map((b) => (
              <Route key={b.box} path={`/${b.box}`} element={<BoxPage box={b.box} />} />
            ))}
            <Route path="/desk" element={<RegistrationDeskPage phone={phone} />} />
            <Route path="/registers" element={<RegistersPage />} />
            <Route path="/rejected-uploads" element={<RejectedUploadsPage />} />
            <Route path="/documents/:docId" element={<DocumentPage phone={phone} />} />
            <Route path="/submit" element={<SubmitPage />} />
            <Route path="/drafts" element={<DraftsPage />} />
            <Route path="/drafts/new" element={<DraftEditorPage phone={phone} />} />
            <Route path="/drafts/:draftId" element={<DraftEditorPage phone={phone} />} />
            <Route path="/verify" element={<VerifySealPage />} />
            <Route path="/profile" element={<ProfilePage />} />
            <Route path="/notifications" element={<NotificationsPage />} />
            <Route path="/admin/people" element={<PeopleAdminPage key="people" mode="people" />} />
            <Route path="/admin/clearance" element={<PeopleAdminPage key="clearance" mode="clearance" />} />
            <Route path="/admin/audit" element={<AdminAuditPage />} />
            <Route path="*" element={<Result status="404" title="页面不存在" extra={<Button onClick={() => navigate('/todo')}>回到待办</Button>} />} />
          </Routes>
          </Suspense>
        </Layout.Content>
      </Layout>
      <Drawer title="菜单" placement="left" open={phone && drawer} onClose={() => setDrawer(false)} size={240} styles={{ body: { padding: 0 } }}>
        {menu}
        <div style={{ padding: 16 }}>
          <Button block onClick={() => void logout()}>
            退出登录
          </Button>
        </div>
      </Drawer>
    </Layout>
  );
}
