import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { PUBLIC_RESOURCE_NAMES, RESOURCE_NAMES } from "../lib/addresses";
import { ALARM_TOPIC_SUFFIX } from "../lib/pipeline/config";
import { oneOrNull, only } from "./refs";

/** Terraform expressions (without `${}`). */
export interface AlarmTopicProps {
  readonly countExpr: string;
  readonly nameBaseExpr: string;
  readonly tagsExpr: string;
  /** Key for the topic's encryption, or null for none. */
  readonly kmsKeyExpr: string;
  /** List of `{ protocol, endpoint }` subscriptions. */
  readonly subscriptionsExpr: string;
}

/**
 * The alarm topic `<base>-dynamo-backup-failed` and its subscriptions. The pipeline's alarms and its Lambdas publish
 * failures to it.
 */
export class AlarmTopic extends Construct {
  public readonly topic: SnsTopic;
  /** The topic's ARN (an expression without `${}`), for resources counted like the topic. */
  public readonly arnExpr: string;
  /** The topic's ARN, or null when it does not exist (an expression without `${}`). */
  public readonly arnOrNullExpr: string;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new SnsTopic(this, "topic", {
      count: Token.asNumber(`\${${props.countExpr}}`),
      name: `\${${props.nameBaseExpr}}-${ALARM_TOPIC_SUFFIX}`,
      displayName: "DynamoDB backup failures",
      kmsMasterKeyId: `\${${props.kmsKeyExpr}}`,
      tags: Token.asStringMap(`\${${props.tagsExpr}}`),
    });
    this.topic.overrideLogicalId(PUBLIC_RESOURCE_NAMES.alarmTopic);
    this.arnExpr = only(this.topic, "arn");
    this.arnOrNullExpr = oneOrNull(this.topic, "arn");

    // for_each is written directly: cdktf's iterators wrap the expression in another toset()/interpolation.
    const subscription = new SnsTopicSubscription(this, "subscription", {
      topicArn: `\${${this.arnExpr}}`,
      protocol: "${each.value.protocol}",
      endpoint: "${each.value.endpoint}",
    });
    subscription.overrideLogicalId(RESOURCE_NAMES.alarmSubscription);
    subscription.addOverride(
      "for_each",
      `\${${props.countExpr} == 1 ? { for s in distinct(${props.subscriptionsExpr}) : "\${s.protocol}:\${s.endpoint}" => s } : {}}`,
    );
  }
}
