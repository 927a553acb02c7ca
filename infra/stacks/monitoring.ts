/**
 * What an admin watches on a branch: alarms on everything that fails without a person seeing it
 * (failed route executions, events in the failed-events queue, function errors and throttles, API
 * 5xx), all to one SNS topic to subscribe to, and a dashboard of the branch's day (documents in,
 * tasks opened / decided / overdue, archived, failures). The business figures come from the
 * functions as CloudWatch embedded metrics (functions/adapters/metrics.ts).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, Metric, SingleValueWidget, TextWidget, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BUSINESS_METRICS, METRICS_NAMESPACE, metricsService, physicalName, type BusinessMetric, type FunctionId, type StateMachineId } from '../manifest.js';

export interface BranchMonitoringProps {
  branch: string;
  /** Subscribed to the alarm topic (each address confirms by mail). */
  alarmEmails: string[];
  functions: Map<FunctionId, NodejsFunction>;
  stateMachines: Map<StateMachineId, StateMachine>;
  api: HttpApi;
  failedEvents: Queue;
  /** The failed-events queue's alarm (made beside the queue); it reports to the topic too. */
  failedEventsAlarm: Alarm;
}

const FIVE_MINUTES = Duration.minutes(5);

export class BranchMonitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: BranchMonitoringProps) {
    super(scope, id);
    const name = (suffix: string) => physicalName(props.branch, suffix);
    this.topic = new Topic(this, 'Alarms', {
      topicName: name('alarms'),
      displayName: `公文系统 ${props.branch} 告警`,
      enforceSSL: true,
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason: 'The topic carries alarm names and states only, no document data; a KMS key would need a key policy for CloudWatch in every partition for no gain.',
    });
    for (const email of props.alarmEmails) this.topic.addSubscription(new EmailSubscription(email));
    const action = new SnsAction(this.topic);

    const alarm = (alarmId: string, alarmName: string, description: string, metric: IMetric) => {
      const a = new Alarm(this, alarmId, {
        alarmName,
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      this.alarms.push(a);
      return a;
    };

    props.failedEventsAlarm.addAlarmAction(action);
    this.alarms.push(props.failedEventsAlarm);

    for (const [routeId, machine] of props.stateMachines) {
      alarm(
        `ExecutionsFailed-${routeId}`,
        name(`${routeId}-failed`),
        `流程 ${routeId} 有执行失败（环节超过时限或归档出错）：请在 Step Functions 控制台查看该执行，并查看该文件的办理过程。A route execution failed.`,
        machine.metricFailed({ period: FIVE_MINUTES, statistic: 'Sum' }),
      );
    }
    for (const [functionId, fn] of props.functions) {
      alarm(`Errors-${functionId}`, name(`${functionId}-errors`), `函数 ${functionId} 出错：请查看其日志组。A function invocation failed.`, fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }));
      alarm(
        `Throttles-${functionId}`,
        name(`${functionId}-throttles`),
        `函数 ${functionId} 被限流：账户的 Lambda 并发额度不足。A function invocation was throttled.`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      );
    }
    alarm('Api5xx', name('api-5xx'), '接口返回了服务器错误（5xx）：请查看接口访问日志与函数日志。The HTTP API answered 5xx.', props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }));

    // ---- Dashboard ---------------------------------------------------------------------------------
    const business = (metric: BusinessMetric, label: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: BUSINESS_METRICS[metric],
        dimensionsMap: { service: metricsService(props.branch) },
        statistic: 'Sum',
        period: Duration.days(1),
        label,
      });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: name('operations'),
      defaultInterval: Duration.days(30),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `## 公文系统 ${props.branch}\n每日收文、待办与归档；失败与告警（告警发送到 SNS 主题 ${name('alarms')}）。`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: '收文登记（每天）Documents in', left: [business('registered', '登记')], width: 8 }),
      new GraphWidget({
        title: '待办（每天）Tasks opened / decided / overdue',
        left: [business('taskOpened', '新建待办'), business('decided', '办理'), business('overdue', '超期')],
        width: 8,
      }),
      new GraphWidget({ title: '归档（每天）Archived', left: [business('archived', '归档')], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: '流程失败 Failed executions',
        left: [...props.stateMachines].map(([routeId, m]) => m.metricFailed({ period: Duration.hours(1), statistic: 'Sum', label: routeId })),
        width: 8,
      }),
      new GraphWidget({
        title: '函数错误与限流 Function errors / throttles',
        left: [...props.functions].map(([functionId, fn]) => fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum', label: functionId })),
        right: [...props.functions].map(([functionId, fn]) => fn.metricThrottles({ period: Duration.hours(1), statistic: 'Sum', label: `${functionId} 限流` })),
        width: 8,
      }),
      new SingleValueWidget({
        title: '失败队列 / 接口 5xx  Failed events, API 5xx',
        metrics: [
          props.failedEvents.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: '失败队列' }),
          props.api.metricServerError({ period: Duration.days(1), statistic: 'Sum', label: '接口 5xx（当天）' }),
        ],
        width: 8,
      }),
    );
  }
}
