/**
 * TEST SCAFFOLDING ONLY — AWS Backup restore testing, which moto 5.2.1 does not implement, kept in memory for the
 * moto shim (test/support/moto-shim.ts):
 *
 * - Restore testing plans: `CreateRestoreTestingPlan`, `GetRestoreTestingPlan`, `UpdateRestoreTestingPlan`,
 *   `ListRestoreTestingPlans`, `DeleteRestoreTestingPlan` (a plan with selections is refused, as AWS does).
 * - Restore testing selections: `CreateRestoreTestingSelection`, `Get…`, `Update…`, `List…`, `Delete…`.
 * - `ListTags` / `TagResource` / `UntagResource` of restore testing plan ARNs (moto knows no such resource).
 * - `PutRestoreValidationResult`: recorded per restore job id in {@link RestoreTestingEmulation.validations}, for tests
 *   to read (a second result for the same job is refused, as AWS does); `GET /__shim/restore-validations` returns them
 *   (for tests that reach the shim only by its endpoint).
 *
 * Answers have AWS's shapes (restJson1, epoch-second timestamps). Nothing here runs a restore test.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

export interface EmulatedAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly errorType?: string;
}

export interface RecordedValidation {
  readonly restoreJobId: string;
  readonly status: string;
  readonly message: string | undefined;
}

interface StoredPlan {
  readonly arn: string;
  readonly creationTime: number;
  readonly creatorRequestId?: string;
  updateTime?: number;
  plan: Record<string, unknown>;
}

const PLANS = /^\/restore-testing\/plans\/?(?:([^/?]+)\/?)?(?:\?.*)?$/;
const SELECTIONS = /^\/restore-testing\/plans\/([^/?]+)\/selections\/?(?:([^/?]+)\/?)?(?:\?.*)?$/;
const VALIDATIONS = /^\/restore-jobs\/([^/?]+)\/validations\/?(?:\?.*)?$/;
const TAGS = /^\/(tags|untag)\/([^?]+?)\/?(?:\?.*)?$/;
const ACCOUNT = "123456789012";
/** Test control: the validation results recorded so far. */
export const VALIDATIONS_CONTROL = "/__shim/restore-validations";

function regionOf(req: IncomingMessage): string {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\/backup\//.exec(req.headers.authorization ?? "")?.[1] ?? "us-east-1";
}

function error(status: number, type: string, message: string): EmulatedAnswer {
  return { status, errorType: type, body: { __type: type, Message: message, Code: type } };
}

const now = (): number => Math.floor(Date.now() / 1000);

export class RestoreTestingEmulation {
  readonly plans = new Map<string, StoredPlan>();
  /** `<plan name>/<selection name>` → stored selection. */
  readonly selections = new Map<string, { creationTime: number; selection: Record<string, unknown> }>();
  readonly tags = new Map<string, Record<string, string>>();
  readonly validations: RecordedValidation[] = [];

  constructor(private readonly answered: string[]) {}

  /** The answer for a restore-testing call, or undefined for any other request. */
  handle(req: IncomingMessage, body: Buffer): EmulatedAnswer | undefined {
    const url = req.url ?? "";
    const input = (): Record<string, unknown> => JSON.parse(body.toString("utf8") || "{}") as Record<string, unknown>;
    if (req.method === "GET" && url === VALIDATIONS_CONTROL) return { status: 200, body: this.validations };
    const v = VALIDATIONS.exec(url);
    if (v !== null && req.method === "PUT") return this.putValidation(decodeURIComponent(v[1] as string), input());
    const s = SELECTIONS.exec(url);
    if (s !== null) return this.selection(req.method ?? "", decodeURIComponent(s[1] as string), s[2], input);
    const p = PLANS.exec(url);
    if (p !== null) return this.plan(req, p[1] === undefined ? undefined : decodeURIComponent(p[1]), input);
    const t = TAGS.exec(url);
    if (t !== null && decodeURIComponent(t[2] as string).includes(":restore-testing-plan:")) {
      return this.tagCall(req.method ?? "", t[1] as string, decodeURIComponent(t[2] as string), input);
    }
    return undefined;
  }

  private record(operation: string): void {
    this.answered.push(operation);
  }

  private putValidation(restoreJobId: string, input: Record<string, unknown>): EmulatedAnswer {
    this.record("PutRestoreValidationResult");
    const status = input.ValidationStatus;
    if (status !== "SUCCESSFUL" && status !== "FAILED" && status !== "TIMED_OUT" && status !== "VALIDATING") {
      return error(400, "InvalidParameterValueException", `ValidationStatus ${String(status)} is not valid`);
    }
    if (this.validations.some((x) => x.restoreJobId === restoreJobId)) {
      return error(400, "InvalidRequestException", `restore job ${restoreJobId} already has a validation result`);
    }
    const message = typeof input.ValidationStatusMessage === "string" ? input.ValidationStatusMessage : undefined;
    this.validations.push({ restoreJobId, status, message });
    return { status: 204 };
  }

  private plan(
    req: IncomingMessage,
    name: string | undefined,
    input: () => Record<string, unknown>,
  ): EmulatedAnswer | undefined {
    const method = req.method ?? "";
    if (name === undefined && method === "PUT") {
      this.record("CreateRestoreTestingPlan");
      const body = input();
      const plan = body.RestoreTestingPlan as Record<string, unknown>;
      const planName = String(plan.RestoreTestingPlanName);
      if (this.plans.has(planName)) return error(409, "AlreadyExistsException", `plan ${planName} exists`);
      const arn = `arn:aws:backup:${regionOf(req)}:${ACCOUNT}:restore-testing-plan:${planName}-${randomUUID()}`;
      const stored: StoredPlan = { arn, creationTime: now(), plan, creatorRequestId: body.CreatorRequestId as string };
      this.plans.set(planName, stored);
      this.tags.set(arn, { ...((body.Tags as Record<string, string> | undefined) ?? {}) });
      return {
        status: 201,
        body: { CreationTime: stored.creationTime, RestoreTestingPlanArn: arn, RestoreTestingPlanName: planName },
      };
    }
    if (name === undefined && method === "GET") {
      this.record("ListRestoreTestingPlans");
      return {
        status: 200,
        body: {
          RestoreTestingPlans: [...this.plans.values()].map((p) => ({
            CreationTime: p.creationTime,
            RestoreTestingPlanArn: p.arn,
            RestoreTestingPlanName: p.plan.RestoreTestingPlanName,
            ScheduleExpression: p.plan.ScheduleExpression,
          })),
        },
      };
    }
    if (name === undefined) return undefined;
    const stored = this.plans.get(name);
    if (stored === undefined) return error(404, "ResourceNotFoundException", `restore testing plan ${name} not found`);
    if (method === "GET") {
      this.record("GetRestoreTestingPlan");
      return { status: 200, body: { RestoreTestingPlan: this.planView(stored) } };
    }
    if (method === "PUT") {
      this.record("UpdateRestoreTestingPlan");
      const update = input().RestoreTestingPlan as Record<string, unknown>;
      stored.plan = { ...stored.plan, ...update, RestoreTestingPlanName: name };
      stored.updateTime = now();
      return {
        status: 200,
        body: {
          CreationTime: stored.creationTime,
          RestoreTestingPlanArn: stored.arn,
          RestoreTestingPlanName: name,
          UpdateTime: stored.updateTime,
        },
      };
    }
    if (method === "DELETE") {
      this.record("DeleteRestoreTestingPlan");
      if ([...this.selections.keys()].some((k) => k.startsWith(`${name}/`))) {
        return error(400, "InvalidRequestException", `restore testing plan ${name} still has selections`);
      }
      this.plans.delete(name);
      this.tags.delete(stored.arn);
      return { status: 204 };
    }
    return undefined;
  }

  private planView(p: StoredPlan): Record<string, unknown> {
    return {
      ScheduleExpressionTimezone: "Etc/UTC",
      StartWindowHours: 24,
      ...p.plan,
      CreationTime: p.creationTime,
      CreatorRequestId: p.creatorRequestId,
      RestoreTestingPlanArn: p.arn,
      ...(p.updateTime === undefined ? {} : { LastUpdateTime: p.updateTime }),
    };
  }

  private selection(
    method: string,
    planName: string,
    rawName: string | undefined,
    input: () => Record<string, unknown>,
  ): EmulatedAnswer | undefined {
    const plan = this.plans.get(planName);
    if (plan === undefined)
      return error(404, "ResourceNotFoundException", `restore testing plan ${planName} not found`);
    if (rawName === undefined && method === "PUT") {
      this.record("CreateRestoreTestingSelection");
      const selection = input().RestoreTestingSelection as Record<string, unknown>;
      const name = String(selection.RestoreTestingSelectionName);
      const key = `${planName}/${name}`;
      if (this.selections.has(key)) return error(409, "AlreadyExistsException", `selection ${name} exists`);
      const creationTime = now();
      this.selections.set(key, { creationTime, selection });
      return {
        status: 201,
        body: {
          CreationTime: creationTime,
          RestoreTestingPlanArn: plan.arn,
          RestoreTestingPlanName: planName,
          RestoreTestingSelectionName: name,
        },
      };
    }
    if (rawName === undefined && method === "GET") {
      this.record("ListRestoreTestingSelections");
      const items = [...this.selections.entries()].filter(([k]) => k.startsWith(`${planName}/`));
      return {
        status: 200,
        body: {
          RestoreTestingSelections: items.map(([, s]) => ({
            CreationTime: s.creationTime,
            IamRoleArn: s.selection.IamRoleArn,
            ProtectedResourceType: s.selection.ProtectedResourceType,
            RestoreTestingPlanName: planName,
            RestoreTestingSelectionName: s.selection.RestoreTestingSelectionName,
            ValidationWindowHours: s.selection.ValidationWindowHours,
          })),
        },
      };
    }
    if (rawName === undefined) return undefined;
    const name = decodeURIComponent(rawName);
    const key = `${planName}/${name}`;
    const stored = this.selections.get(key);
    if (stored === undefined) return error(404, "ResourceNotFoundException", `selection ${name} not found`);
    if (method === "GET") {
      this.record("GetRestoreTestingSelection");
      return {
        status: 200,
        body: {
          RestoreTestingSelection: {
            ...stored.selection,
            CreationTime: stored.creationTime,
            RestoreTestingPlanName: planName,
            RestoreTestingSelectionName: name,
          },
        },
      };
    }
    if (method === "PUT") {
      this.record("UpdateRestoreTestingSelection");
      const update = input().RestoreTestingSelection as Record<string, unknown>;
      stored.selection = { ...stored.selection, ...update, RestoreTestingSelectionName: name };
      return {
        status: 200,
        body: {
          CreationTime: stored.creationTime,
          RestoreTestingPlanArn: plan.arn,
          RestoreTestingPlanName: planName,
          RestoreTestingSelectionName: name,
          UpdateTime: now(),
        },
      };
    }
    if (method === "DELETE") {
      this.record("DeleteRestoreTestingSelection");
      this.selections.delete(key);
      return { status: 204 };
    }
    return undefined;
  }

  private tagCall(
    method: string,
    kind: string,
    arn: string,
    input: () => Record<string, unknown>,
  ): EmulatedAnswer | undefined {
    const tags = this.tags.get(arn);
    if (tags === undefined) return error(404, "ResourceNotFoundException", `${arn} not found`);
    if (kind === "tags" && method === "GET") {
      this.record("ListTags (restore testing plan)");
      return { status: 200, body: { Tags: tags } };
    }
    if (kind === "tags" && method === "POST") {
      this.record("TagResource (restore testing plan)");
      Object.assign(tags, input().Tags as Record<string, string>);
      return { status: 204 };
    }
    if (kind === "untag" && method === "POST") {
      this.record("UntagResource (restore testing plan)");
      for (const k of (input().TagKeyList as string[] | undefined) ?? []) delete tags[k];
      return { status: 204 };
    }
    return undefined;
  }
}
