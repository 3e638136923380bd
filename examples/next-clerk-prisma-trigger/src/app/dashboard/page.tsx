import { UserButton } from '@clerk/nextjs';
import { requireSignedIn } from '../../auth/session';
import { testAuthEnabled } from '../../auth/testAuthMode';
import { ClerkDashboard } from './ClerkDashboard';
import { CookieDashboard } from './CookieDashboard';

export const dynamic = 'force-dynamic';

export default async function DashboardPage() {
  // The proxy already sends signed-out visitors to sign in; this keeps the page safe if its
  // matcher ever misses the route.
  const userId = await requireSignedIn('/dashboard');
  const testAuth = testAuthEnabled();
  return (
    <div className="dashboard">
      <header className="header">
        <strong>Galaxy Flow</strong>
        {testAuth ? <span>Signed in as {userId} (test sign-in)</span> : <UserButton />}
      </header>
      <main className="dashboard-main">{testAuth ? <CookieDashboard /> : <ClerkDashboard />}</main>
    </div>
  );
}
