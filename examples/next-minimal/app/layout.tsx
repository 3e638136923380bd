import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import '@galaxyflow/react-editor/style.css';
import './globals.css';

export const metadata: Metadata = { title: 'Galaxy Flow' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
