/**
 * 核验用印件: anyone holding a sealed copy (received by mail, printed and scanned back as the
 * original PDF) checks it is what was signed — the file goes up through POST /uploads and
 * POST /seals/verify says whether it matches, or what differs.
 */
import { useState } from 'react';
import { Alert, Button, Card, Descriptions, Space, Typography, Upload } from 'antd';
import { SafetyCertificateOutlined } from '@ant-design/icons';
import { api, ApiError } from '../api';
import { fullDate } from '../format';
import { uploadFile } from '../uploads';

interface Verification {
  ok: boolean;
  explanation?: string;
  number?: string;
  title?: string;
  signedBy?: string;
  signedAt?: string;
  seal?: string;
  sealedAt?: string;
}

export function VerifySealPage() {
  const [result, setResult] = useState<Verification & { fileName: string }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const check = async (file: File) => {
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const uploadId = await uploadFile(file);
      const answer = await api<Verification>('POST', '/seals/verify', { uploadId });
      setResult({ ...answer, fileName: file.name });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : '核验失败，请稍后再试');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="核验用印件" data-testid="verify-page">
      <Typography.Paragraph type="secondary">
        选择收到的用印件 PDF（本系统印发的电子公文原件）：系统按文件上的发文字号查发文登记簿，核对它与签发稿是否一致、用印后是否被改动。
      </Typography.Paragraph>
      <Upload
        accept=".pdf"
        showUploadList={false}
        beforeUpload={(file) => {
          void check(file);
          return false;
        }}
      >
        <Button type="primary" icon={<SafetyCertificateOutlined />} loading={busy} data-testid="verify-choose">
          选择用印件 PDF
        </Button>
      </Upload>
      <Space orientation="vertical" style={{ width: '100%', marginTop: 16 }}>
        {error && <Alert type="error" showIcon title={error} />}
        {result && (
          <Alert
            data-testid="verify-result"
            type={result.ok ? 'success' : 'error'}
            showIcon
            title={result.ok ? `《${result.fileName}》与签发稿一致，用印后未被改动` : `《${result.fileName}》核验未通过`}
            description={
              <>
                {result.explanation && <Typography.Paragraph style={{ marginBottom: 8 }}>{result.explanation}</Typography.Paragraph>}
                {(result.number || result.title) && (
                  <Descriptions size="small" column={1}>
                    {result.number && <Descriptions.Item label="发文字号">{result.number}</Descriptions.Item>}
                    {result.title && <Descriptions.Item label="标题">{result.title}</Descriptions.Item>}
                    {result.signedBy && <Descriptions.Item label="签发">{`${result.signedBy}${result.signedAt ? `　${fullDate(result.signedAt)}` : ''}`}</Descriptions.Item>}
                  </Descriptions>
                )}
              </>
            }
          />
        )}
      </Space>
    </Card>
  );
}
