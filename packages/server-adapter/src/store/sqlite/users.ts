import type { UserStore } from '../types';
import type { SqliteContext } from './context';
import { type Row, toUser } from './rows';

export function createSqliteUsers({ db, now }: SqliteContext): UserStore {
  const ensureUser = db.prepare(
    `INSERT INTO users (id, created_at, last_seen_at) VALUES (?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at
     RETURNING id, created_at, last_seen_at`,
  );

  return {
    async ensureUser(userId) {
      const at = now();
      return toUser(ensureUser.get(userId, at, at) as Row);
    },
  };
}
