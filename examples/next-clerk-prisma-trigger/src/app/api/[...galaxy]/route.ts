import { galaxyHandler } from '../../../server/galaxy';

// Prisma's drivers and the Trigger.dev SDK need Node.js; every answer depends on the caller.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

async function handle(request: Request): Promise<Response> {
  return (await galaxyHandler())(request);
}

export { handle as DELETE, handle as GET, handle as POST, handle as PUT };
