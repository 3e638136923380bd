import { describe, expect, test } from 'vitest';
import type { AuthAdapter, AuthIdentity, AuthRequest } from '../auth';

/** Request headers, by name. */
export type AuthHeaders = Readonly<Record<string, string>>;

/** What an implementation hands the suite. */
export interface AuthContractHarness {
  /** The adapter under test. */
  adapter: AuthAdapter;
  /** Headers that sign in, with the user id each must give: two users at least. */
  users: readonly { headers: AuthHeaders; userId: string }[];
  /**
   * Headers shaped like real credentials that must be refused: an unknown token, a revoked or
   * expired session, another app's token. One at least.
   */
  refused: readonly AuthHeaders[];
}

export interface AuthContractOptions {
  /** Names the implementation in the test titles. */
  name: string;
  /** Makes the adapter and its credentials; called once per test. */
  create: () => AuthContractHarness | Promise<AuthContractHarness>;
}

/** The user id the adapter gives a request with these headers; a throw fails the test. */
async function userIdOf(
  adapter: AuthAdapter,
  headers: AuthHeaders,
  method = 'GET',
  url = '/workflows',
): Promise<string | null> {
  const byName = new Map(Object.entries(headers).map(([name, v]) => [name.toLowerCase(), v]));
  const request: AuthRequest = {
    method,
    url,
    headers: { get: (name) => byName.get(name.toLowerCase()) ?? null },
  };
  let identity: AuthIdentity | null;
  try {
    identity = await adapter.authenticate(request);
  } catch (error) {
    const sent = JSON.stringify(headers).slice(0, 200);
    throw new Error(`authenticate threw instead of answering null for ${sent}`, { cause: error });
  }
  return identity?.userId ?? null;
}

/** The same value with its last character changed, dropped, or one appended. */
function alterations(value: string): string[] {
  const last = value.at(-1) === 'x' ? 'y' : 'x';
  return [`${value.slice(0, -1)}${last}`, value.slice(0, -1), `${value}x`];
}

/** Header values no adapter should mistake for credentials, nor choke on. */
const GARBAGE = [
  '',
  ' ',
  'Bearer',
  'Bearer ',
  'Bearer  ',
  'Bearer null',
  'Bearer undefined',
  'Basic dXNlcjpwYXNzd29yZA==',
  'Bearer a b',
  'Bearer \u0000',
  'Bearer \u00ff\u00fe',
  `Bearer ${'x'.repeat(65_536)}`,
  '%',
  '=;=;',
  '__session=',
  '__session=; __session=',
  'null',
];

/** Headers a client sets freely: none of them may name the user. */
const SPOOFS = (userId: string): AuthHeaders => ({
  'x-user-id': userId,
  'x-forwarded-user': userId,
  'x-remote-user': userId,
  'x-auth-user': userId,
});

/**
 * What every `AuthAdapter` guarantees: the right user for valid credentials, and null (never
 * a throw, so the API answers 401) for missing, malformed, altered or unknown ones, judged
 * per request from the credentials alone. Run it in a Vitest file:
 * `runAuthAdapterContract({ name: 'my SSO', create: () => ({ adapter, users, refused }) })`.
 * Whether a comparison is constant-time cannot be told from the outside reliably; each
 * adapter documents and reviews that itself.
 */
export function runAuthAdapterContract(options: AuthContractOptions): void {
  const open = async () => {
    const harness = await options.create();
    expect(harness.users.length, 'the harness needs two users').toBeGreaterThanOrEqual(2);
    expect(harness.refused.length, 'the harness needs refused credentials').toBeGreaterThan(0);
    return harness;
  };

  describe(`AuthAdapter contract: ${options.name}`, () => {
    test("valid credentials give their user's id, whatever the method and path", async () => {
      const { adapter, users } = await open();
      for (const user of users) {
        expect(await userIdOf(adapter, user.headers)).toBe(user.userId);
        expect(await userIdOf(adapter, user.headers, 'POST', '/execute')).toBe(user.userId);
        expect(await userIdOf(adapter, user.headers, 'GET', '/runs/r1/events?lastEventId=3')).toBe(
          user.userId,
        );
      }
      expect(new Set(users.map((u) => u.userId)).size).toBe(users.length);
    });

    test('a request without credentials is not signed in', async () => {
      const { adapter } = await open();
      expect(await userIdOf(adapter, {})).toBeNull();
      expect(await userIdOf(adapter, {}, 'POST', '/execute')).toBeNull();
    });

    test('credentials the adapter does not know are refused', async () => {
      const { adapter, refused } = await open();
      for (const headers of refused) expect(await userIdOf(adapter, headers)).toBeNull();
    });

    test('a valid credential altered by one character is refused', async () => {
      const { adapter, users } = await open();
      const [user] = users;
      for (const [name, value] of Object.entries(user!.headers)) {
        for (const altered of alterations(value)) {
          expect(await userIdOf(adapter, { ...user!.headers, [name]: altered })).toBeNull();
        }
      }
    });

    test('malformed credentials give null and never throw', async () => {
      const { adapter, users } = await open();
      const names = new Set(['authorization', 'cookie']);
      for (const user of users) for (const name of Object.keys(user.headers)) names.add(name);
      for (const name of names) {
        for (const value of GARBAGE) expect(await userIdOf(adapter, { [name]: value })).toBeNull();
      }
    });

    test('identity comes from the credentials alone, never from headers a client sets', async () => {
      const { adapter, users } = await open();
      const [first, second] = users;
      expect(await userIdOf(adapter, { ...first!.headers, ...SPOOFS(second!.userId) })).toBe(
        first!.userId,
      );
      expect(await userIdOf(adapter, SPOOFS(second!.userId))).toBeNull();
    });

    test('each request is judged on its own, in turn and concurrently', async () => {
      const { adapter, users, refused } = await open();
      const [first, second] = users;
      const turns: [AuthHeaders, string | null][] = [
        [first!.headers, first!.userId],
        [{}, null],
        [second!.headers, second!.userId],
        [refused[0]!, null],
        [first!.headers, first!.userId],
      ];
      for (const [headers, expected] of turns)
        expect(await userIdOf(adapter, headers)).toBe(expected);
      const many = Array.from({ length: 20 }, (_, i) => turns[i % turns.length]!);
      const answers = await Promise.all(many.map(([headers]) => userIdOf(adapter, headers)));
      expect(answers).toEqual(many.map(([, expected]) => expected));
    });
  });
}
