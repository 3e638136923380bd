import type { GalaxyStore } from '@galaxyflow/server-adapter';
import { expect, type TestAPI } from 'vitest';
import { clerkAuth } from '../auth/clerkAuth';
import type { GalaxyPrismaClient } from '../store/prismaStore';
import { createUserProfiles } from '../store/userProfiles';

/** A migrated database with the host's store on it, closed by `close`. */
export interface HostDatabase {
  prisma: GalaxyPrismaClient;
  store: GalaxyStore;
  close(): Promise<void>;
}

const request = { method: 'GET', url: '/workflows', headers: { get: () => null } };
const graph = {
  nodes: [
    { id: 'prompt', type: 'text', data: { text: 'hi' } },
    { id: 'answer', type: 'llm', data: {} },
  ],
  edges: [],
};

/**
 * What this host keeps beyond the store contract (the Clerk profile, node types, the
 * Trigger.dev run id), on one database. Run by the SQLite and the Postgres test files.
 */
export function runHostDataSuite(test: TestAPI, open: () => Promise<HostDatabase>): void {
  const withDb = (name: string, body: (db: HostDatabase) => Promise<void>) =>
    test(name, async () => {
      const db = await open();
      try {
        await body(db);
      } finally {
        await db.close();
      }
    });

  withDb(
    'stores each node result’s node type, from an ad-hoc graph or a saved version',
    async ({ prisma, store }) => {
      await store.ensureUser('alice');
      const adHoc = await store.createRun('alice', {
        workflowId: null,
        workflowVersion: null,
        graph,
        scope: 'FULL',
        targetNodeIds: null,
        reuseRunId: null,
      });
      const workflow = await store.createWorkflow('alice', {
        name: 'Saved',
        description: '',
        tags: [],
        ...graph,
      });
      const saved = await store.createRun('alice', {
        workflowId: workflow.id,
        workflowVersion: workflow.version,
        graph: null,
        scope: 'FULL',
        targetNodeIds: null,
        reuseRunId: null,
      });
      if (!adHoc.ok || !saved.ok) throw new Error('runs were not created');
      for (const run of [adHoc.run, saved.run]) {
        await store.recordNodeResult(run.id, { nodeId: 'prompt', status: 'SUCCESS', attempts: 1 });
        await store.recordNodeResult(run.id, { nodeId: 'answer', status: 'RUNNING', attempts: 1 });
        await store.recordNodeResult(run.id, { nodeId: 'answer', status: 'FAILED', attempts: 2 });
        const rows = await prisma.nodeResult.findMany({
          where: { runId: run.id },
          orderBy: { seq: 'asc' },
          select: { nodeId: true, nodeType: true, status: true },
        });
        expect(rows).toEqual([
          { nodeId: 'prompt', nodeType: 'text', status: 'SUCCESS' },
          { nodeId: 'answer', nodeType: 'llm', status: 'FAILED' },
        ]);
      }
    },
  );

  withDb('refuses one Trigger.dev run id on two runs', async ({ store }) => {
    await store.ensureUser('alice');
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const created = await store.createRun('alice', {
        workflowId: null,
        workflowVersion: null,
        graph,
        scope: 'FULL',
        targetNodeIds: null,
        reuseRunId: null,
      });
      if (created.ok) ids.push(created.run.id);
    }
    await store.setRunExternalId(ids[0] as string, 'run_trigger_1');
    await expect(store.setRunExternalId(ids[1] as string, 'run_trigger_1')).rejects.toThrow(
      /Unique constraint/i,
    );
    expect((await store.getRunById(ids[1] as string))?.externalId).toBeNull();
  });

  withDb(
    'copies the Clerk profile once per Clerk session, i.e. at each sign-in',
    async ({ prisma, store }) => {
      let clock = 1_000;
      const profiles = createUserProfiles({ prisma, now: () => clock });
      let profile = {
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        avatarUrl: 'https://img/ada',
      };
      const reads: string[] = [];
      let session = 'sess_1';
      const auth = clerkAuth({
        getAuth: async () => ({ userId: 'user_ada', sessionId: session }),
        profiles,
        getProfile: async (id) => {
          reads.push(id);
          return profile;
        },
      });
      expect(await auth.authenticate(request)).toEqual({ userId: 'user_ada' });
      // The API creates the user after authenticating; the profile's row must survive it.
      await store.ensureUser('user_ada');
      expect(await profiles.get('user_ada')).toEqual(profile);
      for (let i = 0; i < 3; i++) await auth.authenticate(request);
      expect(reads).toEqual(['user_ada']);

      // A new sign-in (a new session) picks up a changed name; another process with the same
      // session finds it stored and asks Clerk nothing.
      profile = { ...profile, name: 'Ada King' };
      session = 'sess_2';
      clock = 2_000;
      await auth.authenticate(request);
      expect(reads).toEqual(['user_ada', 'user_ada']);
      expect(await profiles.get('user_ada')).toEqual(profile);
      const otherProcess = clerkAuth({
        getAuth: async () => ({ userId: 'user_ada', sessionId: 'sess_2' }),
        profiles,
        getProfile: async (id) => {
          reads.push(id);
          return profile;
        },
      });
      await otherProcess.authenticate(request);
      expect(reads).toHaveLength(2);
      const row = await prisma.user.findUniqueOrThrow({ where: { id: 'user_ada' } });
      expect(row.profileUpdatedAt?.getTime()).toBe(2_000);
    },
  );

  withDb(
    'lets a user in when Clerk cannot say who they are, and tries again next request',
    async ({ prisma }) => {
      const profiles = createUserProfiles({ prisma });
      const errors: unknown[] = [];
      let fail = true;
      const auth = clerkAuth({
        getAuth: async () => ({ userId: 'user_bo', sessionId: 'sess_9' }),
        profiles,
        getProfile: async () => {
          if (fail) throw new Error('Clerk is down');
          return { email: null, name: 'Bo', avatarUrl: null };
        },
        onProfileError: (error) => errors.push(error),
      });
      expect(await auth.authenticate(request)).toEqual({ userId: 'user_bo' });
      expect(errors).toHaveLength(1);
      fail = false;
      await auth.authenticate(request);
      expect(await profiles.get('user_bo')).toEqual({ email: null, name: 'Bo', avatarUrl: null });
    },
  );
}
