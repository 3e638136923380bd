import { SignInButton } from '@clerk/nextjs';
import Link from 'next/link';
import { signedInUserId } from '../auth/session';
import { TEST_SIGN_IN_PATH, testAuthEnabled } from '../auth/testAuthMode';

export default async function Home() {
  const userId = await signedInUserId();
  return (
    <main className="page">
      <h1>Galaxy Flow</h1>
      <p>
        Draw AI workflows as graphs, run them, and watch every node light up as results stream in.
      </p>
      {userId ? (
        <Link href="/dashboard">Open your workflows</Link>
      ) : testAuthEnabled() ? (
        <a href={`${TEST_SIGN_IN_PATH}?redirect_url=/dashboard`}>Sign in</a>
      ) : (
        <SignInButton forceRedirectUrl="/dashboard">
          <button type="button">Sign in</button>
        </SignInButton>
      )}
    </main>
  );
}
