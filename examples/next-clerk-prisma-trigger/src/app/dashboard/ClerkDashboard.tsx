'use client';

import { useAuth } from '@clerk/nextjs';
import { Dashboard } from './Dashboard';

/** The dashboard calling the API with Clerk session tokens. */
export function ClerkDashboard() {
  const { getToken } = useAuth();
  return <Dashboard getToken={getToken} />;
}
