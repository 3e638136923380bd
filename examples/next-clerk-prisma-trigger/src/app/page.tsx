import { SignInButton } from '@clerk/nextjs';
import { auth } from '@clerk/nextjs/server';
import Link from 'next/link';

export default async function Home() {
  const { userId } = await auth();
  return (
    <main className="page">
      <h1>Galaxy Flow</h1>
      <p>
        Draw AI workflows as graphs, run them, and watch every node light up as results stream in.
      </p>
      {userId ? (
        <Link href="/dashboard">Open your workflows</Link>
      ) : (
        <SignInButton forceRedirectUrl="/dashboard">
          <button type="button">Sign in</button>
        </SignInButton>
      )}
    </main>
  );
}
