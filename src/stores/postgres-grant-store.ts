/**
 * The device flow's pending-grant store over Postgres (SPEC §13), through the same query port as
 * the token store (`fromPg`, `fromPglite`). One table; each operation is one statement (an update
 * reads first, then writes with a compare-and-set on `version`), so each is atomic by itself.
 */
import type { PendingGrant, PendingGrantStore } from '../device/grant-store.ts';
import { applyPatch } from '../device/grant-store.ts';
import { checkSqlPort, type SqlPort } from './postgres-port.ts';
import { splitStatements } from './postgres-schema.ts';
import { stringify } from '../core/builtins.ts';

/** The table of pending device grants; `migrateDeviceGrants` runs it. Idempotent. */
export const DEVICE_GRANTS_SQL = `-- keycard pending device grants (keycard/postgres), version 1.
CREATE TABLE IF NOT EXISTS keycard_device_grants (
  device_code_hash text PRIMARY KEY,
  user_code text NOT NULL UNIQUE,
  expires_at bigint NOT NULL,
  version integer NOT NULL,
  data text NOT NULL
);
CREATE INDEX IF NOT EXISTS keycard_device_grants_expires_at ON keycard_device_grants (expires_at);
`;

/**
 * Creates the pending-grant table (idempotent). Run it beside `migrate` at start-up.
 *
 * @example
 * ```ts
 * await migrate(port);
 * await migrateDeviceGrants(port);
 * ```
 */
export async function migrateDeviceGrants(port: SqlPort): Promise<void> {
  checkSqlPort(port, 'migrateDeviceGrants');
  if (port.exec) {
    await port.exec(DEVICE_GRANTS_SQL);
    return;
  }
  for (const statement of splitStatements(DEVICE_GRANTS_SQL)) await port.query(statement, []);
}

const encode = (g: PendingGrant): string => {
  const { version: _version, ...rest } = g;
  return stringify(rest);
};
const decode = (row: Readonly<Record<string, unknown>> | undefined): PendingGrant | null =>
  row === undefined
    ? null
    : { ...(JSON.parse(String(row['data'])) as Omit<PendingGrant, 'version'>), version: Number(row['version']) };

/**
 * Creates a pending-grant store over a database whose table `migrateDeviceGrants` created.
 *
 * @example
 * ```ts
 * import { fromPg, migrateDeviceGrants, postgresPendingGrantStore } from 'keycard/postgres';
 * await migrateDeviceGrants(fromPg(pool));
 * const grants = postgresPendingGrantStore(fromPg(pool));
 * ```
 */
export function postgresPendingGrantStore(port: SqlPort): PendingGrantStore {
  checkSqlPort(port, 'postgresPendingGrantStore');
  const one = async (text: string, params: readonly (string | number | null)[]) =>
    (await port.query(text, params)).rows[0];
  const get = async (hash: string) =>
    decode(await one('SELECT data, version FROM keycard_device_grants WHERE device_code_hash = $1', [hash]));
  return {
    async create(grant) {
      const row = await one(
        'INSERT INTO keycard_device_grants (device_code_hash, user_code, expires_at, version, data) VALUES ($1, $2, $3, $5, $4) ON CONFLICT DO NOTHING RETURNING 1 AS ok',
        [grant.deviceCodeHash, grant.userCode, grant.expiresAt, encode(grant), grant.version],
      );
      return row !== undefined;
    },
    get,
    getByUserCode: async (userCode) =>
      decode(await one('SELECT data, version FROM keycard_device_grants WHERE user_code = $1', [userCode])),
    async update(hash, expectedVersion, patch) {
      const current = await get(hash);
      if (current === null || current.version !== expectedVersion) return null;
      const next = applyPatch(current, patch);
      const row = await one(
        'UPDATE keycard_device_grants SET data = $1, version = version + 1 WHERE device_code_hash = $2 AND version = $3 RETURNING version',
        [encode(next), hash, expectedVersion],
      );
      return row === undefined ? null : next;
    },
    take: async (hash) =>
      decode(
        await one('DELETE FROM keycard_device_grants WHERE device_code_hash = $1 RETURNING data, version', [hash]),
      ),
    prune: async (before) =>
      (await port.query('DELETE FROM keycard_device_grants WHERE expires_at <= $1 RETURNING 1 AS ok', [before])).rows
        .length,
  };
}
