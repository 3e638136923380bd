import type { GalaxyStore } from '../types';
import { createProgressWriter, createSqlEvents } from './events';
import { createSqlFiles } from './files';
import { createSqlLeases } from './leases';
import type { SqlContext } from './query';
import { createSqlRetention } from './retention';
import { createSqlRuns } from './runs';
import { createSqlUsage } from './usage';
import { createSqlUsers } from './users';
import { createSqlWorkflows } from './workflows';

/** What each database does its own way: the connection's health and its end. */
export type SqlStoreConnection = Pick<GalaxyStore, 'ping' | 'checkWritable' | 'close'>;

/** A `GalaxyStore` on a SQL database: the shared operations, run by the database's executor. */
export function createSqlStore(context: SqlContext, connection: SqlStoreConnection): GalaxyStore {
  const writer = createProgressWriter(context);
  return {
    ...createSqlUsers(context),
    ...createSqlWorkflows(context),
    ...createSqlRuns(context, writer),
    ...createSqlLeases(context, writer),
    ...createSqlEvents(context, writer),
    ...createSqlRetention(context),
    ...connection,
    files: createSqlFiles(context),
    usage: createSqlUsage(context),
  };
}
