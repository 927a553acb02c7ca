/**
 * The frame around every page: header (branch, the signed-in person, 退出登录), the menu of boxes
 * (a side menu on a desk, a drawer on a phone) and the pages.
 */
import { useEffect, useState } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { App as AntApp, Button, ConfigProvider, Drawer, Grid, Layout, Menu, Result, Space, Tag, Typography } from 'antd';
import { MenuOutlined } from '@ant-design/icons';
import zhCN from 'antd/locale/zh_CN';
import { api, type Me } from './api';
import { logout } from './auth';
import { BoxPage, BOXES } from './pages/BoxPage';
import { DocumentPage } from './pages/DocumentPage';
import { NotificationsMenuLabel, NotificationsPage } from './pages/NotificationsPage';

const MENU = [
  ...BOXES.map((b) => ({ key: `/${b.box}`, label: b.name })),
  { key: '/registers', label: '登记簿' },
  { key: '/notifications', label: <NotificationsMenuLabel /> },
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
    api<Me>('GET', '/me').then(setMe, () => undefined);
  }, []);

  const selected = MENU.find((m) => location.pathname.startsWith(m.key))?.key ?? '/todo';
  const menu = (
    <Menu
      mode="inline"
      selectedKeys={[selected]}
      items={MENU}
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
          <Routes>
            <Route path="/" element={<Navigate to="/todo" replace />} />
            {BOXES.map((b) => (
              <Route key={b.box} path={`/${b.box}`} element={<BoxPage box={b.box} />} />
            ))}
            <Route path="/registers" element={<Result status="info" title="登记簿" subTitle="登记簿页面正在建设中，请暂时使用命令行 chancery register。" />} />
            <Route path="/documents/:docId" element={<DocumentPage phone={phone} />} />
            <Route path="/notifications" element={<NotificationsPage />} />
            <Route path="*" element={<Result status="404" title="页面不存在" extra={<Button onClick={() => navigate('/todo')}>回到待办</Button>} />} />
          </Routes>
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
