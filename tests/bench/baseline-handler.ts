/**
 * The init bench's baseline (tests/bench/init.ts): the least a DynamoDB-backed function loads, the
 * SDK client and its document client, created at import as such handlers usually do. Bundled
 * exactly as the real functions are; never deployed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (event: { docId: string }): Promise<unknown> =>
  (await client.send(new GetCommand({ TableName: process.env.DOCUMENTS_TABLE, Key: { pk: `DOC#${event.docId}`, sk: 'META' } }))).Item ?? null;
