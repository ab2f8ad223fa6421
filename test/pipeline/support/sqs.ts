/**
 * Just enough SQS (JSON protocol over fetch, against moto on loopback) to read back what SNS delivered: the project has
 * no SQS client dependency, and the tests only need create, receive and an ARN.
 */
async function call<T>(endpoint: string, action: string, body: Record<string, unknown>): Promise<T> {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": `AmazonSQS.${action}`,
      // moto reads the region from the credential scope.
      authorization:
        "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`SQS ${action} failed (${res.status}): ${text}`);
  return JSON.parse(text) as T;
}

export interface TestQueue {
  readonly url: string;
  readonly arn: string;
}

export async function createQueue(endpoint: string, name: string): Promise<TestQueue> {
  const { QueueUrl } = await call<{ QueueUrl: string }>(endpoint, "CreateQueue", { QueueName: name });
  const { Attributes } = await call<{ Attributes: Record<string, string> }>(endpoint, "GetQueueAttributes", {
    QueueUrl,
    AttributeNames: ["QueueArn"],
  });
  return { url: QueueUrl, arn: Attributes.QueueArn as string };
}

/** Receives everything currently in the queue (the SNS envelopes' bodies, parsed). */
export async function receiveAll(endpoint: string, queue: TestQueue): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (;;) {
    const res = await call<{ Messages?: { Body: string }[] }>(endpoint, "ReceiveMessage", {
      QueueUrl: queue.url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
    });
    const batch = res.Messages ?? [];
    if (batch.length === 0) return out;
    for (const m of batch) out.push(JSON.parse(m.Body) as Record<string, unknown>);
  }
}
