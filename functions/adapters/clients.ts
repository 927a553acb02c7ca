/**
 * AWS SDK v3 clients, created once per container. Endpoints come from the standard variables
 * (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SFN), so local mode needs no
 * special case here.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';

let ddb: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;
let sfn: SFNClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  ddb ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return ddb;
}

/**
 * Path-style addressing only against an endpoint of our own (local mode's S3 on a port has no
 * bucket subdomains); real S3 is addressed virtual-hosted (bucket.s3.<region>.<suffix>), the only
 * style AWS keeps for new buckets and the origin the cloud console's CSP allows.
 */
export const s3PathStyle = (environment: NodeJS.ProcessEnv = process.env): boolean =>
  Boolean(environment.AWS_ENDPOINT_URL_S3 || environment.AWS_ENDPOINT_URL);

export function s3Client(): S3Client {
  // Checksums only where S3 requires them.
  s3 ??= new S3Client({
    forcePathStyle: s3PathStyle(),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return s3;
}

export function sfnClient(): SFNClient {
  sfn ??= new SFNClient({});
  return sfn;
}
