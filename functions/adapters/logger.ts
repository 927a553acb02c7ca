import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per function container (Powertools: JSON lines with the request id). */
export const logger = new Logger({ serviceName: 'chancery', logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO' });
