import type { UserStore } from '../types';
import { get, type SqlContext } from './query';
import { type Row, toUser } from './rows';

const ENSURE_USER = `INSERT INTO users (id, created_at, last_seen_at) VALUES (@id, @at, @at)
  ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at
  RETURNING id, created_at, last_seen_at`;

export function createSqlUsers({ db, now }: SqlContext): UserStore {
  return {
    async ensureUser(userId) {
      const at = now();
      return toUser((await db.single(() => get(ENSURE_USER, { id: userId, at }))) as Row);
    },
  };
}
