import { ClerkProvider } from '@clerk/nextjs';
import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { testAuthEnabled } from '../auth/testAuthMode';
import '@galaxyflow/react-editor/style.css';
import './globals.css';

export const metadata: Metadata = {
  title: 'Galaxy Flow',
  description: 'AI workflows drawn as graphs.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  const page = (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
  // The end-to-end tests run without Clerk (it cannot be reached from them).
  return testAuthEnabled() ? page : <ClerkProvider>{page}</ClerkProvider>;
}
