/**
 * Point-in-time restore of one table to a new table: the checks (table exists, PITR enabled, time inside the
 * restorable window, target free) and the request, which keeps the source table's encryption.
 */
import {
  DescribeContinuousBackupsCommand,
  DynamoDBClient,
  RestoreTableToPointInTimeCommand,
  RestoreTableToPointInTimeCommandInput,
  SSEDescription,
  SSESpecification,
  TableDescription,
} from "@aws-sdk/client-dynamodb";
import { NotFoundError, PreconditionError } from "../errors";
import { clientRegion, describeTable, isNotFound } from "../table-io/tables";

export interface PitrRestoreRequest {
  /** Catalog name, for messages. */
  readonly catalogName: string;
  readonly sourceName: string;
  readonly targetName: string;
  /** Restore to this instant, or … */
  readonly at?: Date;
  /** … to the latest restorable time. */
  readonly latest: boolean;
}

export interface RestorableWindow {
  readonly earliest?: string;
  readonly latest?: string;
}

export interface PitrRestoreCheck {
  readonly source: TableDescription;
  readonly window: RestorableWindow;
  /** The exact RestoreTableToPointInTime request. */
  readonly input: RestoreTableToPointInTimeCommandInput;
}

/** The source table's encryption as a restore override: same KMS key, or the AWS-owned key. */
export function sseOverride(sse: SSEDescription | undefined): SSESpecification {
  const enabled = sse?.Status === "ENABLED" || sse?.Status === "ENABLING" || sse?.Status === "UPDATING";
  if (enabled && sse?.SSEType === "KMS" && sse.KMSMasterKeyArn !== undefined) {
    return { Enabled: true, SSEType: "KMS", KMSMasterKeyId: sse.KMSMasterKeyArn };
  }
  return { Enabled: false };
}

function iso(d: Date | undefined): string | undefined {
  return d === undefined ? undefined : d.toISOString();
}

/** Read-only checks; throws the typed error for each problem, changes nothing. */
export async function checkPitrRestore(client: DynamoDBClient, req: PitrRestoreRequest): Promise<PitrRestoreCheck> {
  const region = await clientRegion(client);
  const source = await describeTable(client, req.sourceName);
  if (source === undefined) {
    throw new NotFoundError(
      `table "${req.sourceName}" (${req.catalogName} with this --prefix) does not exist in ${region}; check --prefix and AWS_REGION. If the whole deployment was deleted, use restore-backups.`,
    );
  }
  let pitr;
  try {
    pitr = (await client.send(new DescribeContinuousBackupsCommand({ TableName: req.sourceName })))
      .ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  } catch (err) {
    if (isNotFound(err)) throw new NotFoundError(`table "${req.sourceName}" does not exist in ${region}`);
    throw err;
  }
  const status = pitr?.PointInTimeRecoveryStatus ?? "DISABLED";
  if (status !== "ENABLED") {
    throw new PreconditionError(
      `point-in-time recovery is ${status} on "${req.sourceName}", so it cannot be restored to a point in time. Restore an on-demand backup instead (aws dynamodb list-backups --table-name ${req.sourceName}), and add ${req.catalogName} to the module's enable_point_in_time_tables.`,
    );
  }
  const window: RestorableWindow = {
    earliest: iso(pitr?.EarliestRestorableDateTime),
    latest: iso(pitr?.LatestRestorableDateTime),
  };
  if (req.at !== undefined) {
    const t = req.at.getTime();
    const lo = pitr?.EarliestRestorableDateTime?.getTime();
    const hi = pitr?.LatestRestorableDateTime?.getTime();
    if ((lo !== undefined && t < lo) || (hi !== undefined && t > hi)) {
      throw new PreconditionError(
        `--at ${req.at.toISOString()} is outside the restorable window of "${req.sourceName}": ${window.earliest ?? "?"} to ${window.latest ?? "?"} (UTC). Pick a time inside it, or use --latest.`,
      );
    }
  }
  if ((await describeTable(client, req.targetName)) !== undefined) {
    throw new PreconditionError(
      `target table "${req.targetName}" already exists in ${region}; AWS restores only to a new table: choose another --target-name`,
    );
  }
  const input: RestoreTableToPointInTimeCommandInput = {
    SourceTableName: req.sourceName,
    TargetTableName: req.targetName,
    ...(req.latest ? { UseLatestRestorableTime: true } : { RestoreDateTime: req.at }),
    SSESpecificationOverride: sseOverride(source.SSEDescription),
  };
  return { source, window, input };
}

/** Starts the restore. A target that appeared since the check is reported as such. */
export async function startPitrRestore(
  client: DynamoDBClient,
  input: RestoreTableToPointInTimeCommandInput,
): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new RestoreTableToPointInTimeCommand(input))).TableDescription;
  } catch (err) {
    if ((err as { name?: string }).name === "TableAlreadyExistsException") {
      throw new PreconditionError(
        `target table "${input.TargetTableName}" already exists; choose another --target-name. Nothing was restored.`,
      );
    }
    throw err;
  }
}
