/**
 * The user directory in local mode, behind the Cognito Identity Provider API (awsJson1_1), so the
 * handlers' @aws-sdk/client-cognito-identity-provider calls and `aws cognito-idp …` work
 * unchanged: AdminGetUser, AdminListGroupsForUser, ListUsers and ListUsersInGroup (paged, like
 * Cognito) over the seeded users, and AdminDisableUser/AdminEnableUser (kept in memory: a
 * restart enables everyone again).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, type ListeningServer } from './http-listen.js';
import { localEmailOf, type LocalUser } from './users.js';

const attributesOf = (u: LocalUser) => [
  { Name: 'sub', Value: `local-${u.username}` },
  { Name: 'name', Value: u.name },
  { Name: 'email', Value: localEmailOf(u) },
  { Name: 'custom:department', Value: u.department },
  { Name: 'custom:clearance', Value: u.clearance },
];

class CognitoError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

export async function startLocalCognito(options: { users: LocalUser[]; userPoolId: string; host: string; port: number }): Promise<ListeningServer> {
  const created = Date.now() / 1000;
  const disabled = new Set<string>();
  const checkPool = (body: Record<string, unknown>) => {
    if (body.UserPoolId !== options.userPoolId) throw new CognitoError('ResourceNotFoundException', `User pool ${String(body.UserPoolId)} does not exist.`);
  };
  const listed = (u: LocalUser) => ({ Username: u.username, Attributes: attributesOf(u), Enabled: !disabled.has(u.username), UserStatus: 'CONFIRMED', UserCreateDate: created });
  const findUser = (body: Record<string, unknown>) => {
    checkPool(body);
    const user = options.users.find((u) => u.username === body.Username);
    if (!user) throw new CognitoError('UserNotFoundException', 'User does not exist.');
    return user;
  };
  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    AdminGetUser: (body) => {
      const user = findUser(body);
      return { Username: user.username, UserAttributes: attributesOf(user), Enabled: !disabled.has(user.username), UserStatus: 'CONFIRMED', UserCreateDate: created, UserLastModifiedDate: created };
    },
    AdminListGroupsForUser: (body) => ({
      Groups: findUser(body).groups.map((g) => ({ GroupName: g, UserPoolId: options.userPoolId, CreationDate: created, LastModifiedDate: created })),
    }),
    AdminDisableUser: (body) => {
      disabled.add(findUser(body).username);
      return {};
    },
    AdminEnableUser: (body) => {
      disabled.delete(findUser(body).username);
      return {};
    },
    ListUsers: (body) => {
      checkPool(body);
      return { Users: options.users.map(listed) };
    },
    ListUsersInGroup: (body) => {
      checkPool(body);
      const limit = body.Limit === undefined ? 60 : Number(body.Limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 60) throw new CognitoError('InvalidParameterException', 'Limit must be between 1 and 60.');
      const start = body.NextToken === undefined ? 0 : Number(Buffer.from(String(body.NextToken), 'base64url').toString('utf8'));
      if (!Number.isInteger(start) || start < 0) throw new CognitoError('InvalidParameterException', 'Invalid NextToken.');
      const members = options.users.filter((u) => u.groups.includes(String(body.GroupName) as LocalUser['groups'][number]));
      const page = members.slice(start, start + limit);
      const next = start + limit < members.length ? Buffer.from(String(start + limit)).toString('base64url') : undefined;
      return { Users: page.map(listed), ...(next ? { NextToken: next } : {}) };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = operations[target.replace(/^AWSCognitoIdentityProviderService\./, '')];
    const reply = (status: number, body: unknown, type?: string) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(type ? { 'x-amzn-errortype': type } : {}) });
      res.end(JSON.stringify(body));
    };
    if (!operation) return reply(400, { __type: 'InvalidParameterException', message: `${target} is not supported by local mode` }, 'InvalidParameterException');
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      reply(200, operation(body));
    } catch (err) {
      if (err instanceof CognitoError) reply(400, { __type: err.type, message: err.message }, err.type);
      else reply(400, { __type: 'InvalidParameterException', message: String(err) }, 'InvalidParameterException');
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  return listen(server, options.host, options.port);
}
