import { ClerkProvider } from '@clerk/nextjs';
import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import '@galaxyflow/react-editor/style.css';
import './globals.css';

export const metadata: Metadata = {
  title: 'Galaxy Flow',
  description: 'AI workflows drawn as graphs.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <ClerkProvider>
      <html lang="en">
        <body>{children}</body>
      </html>
    </ClerkProvider>
  );
}
