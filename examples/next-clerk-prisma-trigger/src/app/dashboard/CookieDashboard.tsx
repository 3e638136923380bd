'use client';

import { Dashboard } from './Dashboard';

const noToken = async () => null;

/** The dashboard with the test sign-in: the session cookie alone names the user. */
export function CookieDashboard() {
  return <Dashboard getToken={noToken} />;
}
