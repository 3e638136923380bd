import { UserButton } from '@clerk/nextjs';
import { auth } from '@clerk/nextjs/server';
import { Dashboard } from './Dashboard';

export const dynamic = 'force-dynamic';

export default async function DashboardPage() {
  // The proxy already sends signed-out visitors to sign in; this keeps the page safe if its
  // matcher ever misses the route.
  await auth.protect();
  return (
    <div className="dashboard">
      <header className="header">
        <strong>Galaxy Flow</strong>
        <UserButton />
      </header>
      <main className="dashboard-main">
        <Dashboard />
      </main>
    </div>
  );
}
