/**
 * Public list prices, AWS us-east-1, the one place the bench's cost model takes them from.
 * Checked 2026-11 against the public pricing pages (on-demand / pay-per-request, no free tier,
 * no savings plans); update the date and the figures together.
 *   Step Functions  https://aws.amazon.com/step-functions/pricing/   Standard: $0.025 per 1,000 state transitions
 *   Lambda          https://aws.amazon.com/lambda/pricing/           arm64: $0.0000133334 per GB-s; $0.20 per 1M requests
 *   DynamoDB        https://aws.amazon.com/dynamodb/pricing/on-demand/  on-demand (since 2024-11-01): $0.625 per 1M WRU, $0.125 per 1M RRU
 *   S3 Standard     https://aws.amazon.com/s3/pricing/               PUT, COPY, POST, LIST $0.005 per 1,000; GET, HEAD and others $0.0004 per 1,000; DELETE free
 *   API Gateway     https://aws.amazon.com/api-gateway/pricing/      HTTP API: $1.00 per 1M requests (first 300M a month)
 *   KMS             https://aws.amazon.com/kms/pricing/              $0.03 per 10,000 requests (GenerateMac, VerifyMac)
 *   CloudWatch Logs https://aws.amazon.com/cloudwatch/pricing/       Standard log class: $0.50 per GB ingested (Lambda's
 *                   logs are vended logs, $0.50 per GB for the first 10 TB a month), $0.03 per GB-month stored
 *                   (compressed); a GB here is 2^30 bytes
 *   X-Ray           https://aws.amazon.com/xray/pricing/             $5.00 per 1M traces recorded (retrieval and
 *                   scans, $0.50 per 1M, only when someone looks)
 * Not modelled: storage (GB-month of tables and buckets), data transfer, CloudWatch custom
 * metrics ($0.30 per metric a month, whatever the volume: the EMF lines themselves are priced as
 * logs), Logs Insights queries, Cognito MAUs (directory lookups carry no per-request charge).
 */
export const PRICES = {
  source: 'AWS public list prices, us-east-1, checked 2026-11 (see tests/bench/prices.ts)',
  region: 'us-east-1',
  stepFunctionsStandardPerTransition: 0.025 / 1000,
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1_000_000,
  dynamoDbPerWru: 0.625 / 1_000_000,
  dynamoDbPerRru: 0.125 / 1_000_000,
  s3PutCopyPostListPerRequest: 0.005 / 1000,
  s3GetHeadOtherPerRequest: 0.0004 / 1000,
  httpApiPerRequest: 1.0 / 1_000_000,
  kmsPerRequest: 0.03 / 10_000,
  logsIngestedPerGb: 0.5,
  logsStoredPerGbMonth: 0.03,
  xRayPerTraceRecorded: 5.0 / 1_000_000,
} as const;

/** The aim for every route, all in (core, KMS, logs, X-Ray), in dollars per 1,000 documents. */
export const GOAL_PER_1000_DOCUMENTS = 0.25;
