import { type FormEvent, useState } from 'react';

export interface SignInProps {
  /** The last token was refused by the server. */
  rejected: boolean;
  onSubmit(token: string): void;
}

/** Shown when there is no token: the login URL printed at start-up signs in directly. */
export function SignIn({ rejected, onSubmit }: SignInProps) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) onSubmit(value.trim());
  };
  return (
    <main className="gfa-signin">
      <form onSubmit={submit} aria-labelledby="gfa-signin-title">
        <h1 id="gfa-signin-title">Sign in to Galaxy Flow</h1>
        <p>Open the login link the server printed when it started, or paste its token here.</p>
        {rejected && (
          <p role="alert" className="gfa-error">
            That token was not accepted. Check the server's output or AUTH_TOKENS.
          </p>
        )}
        <label>
          Token
          <input type="password" autoComplete="current-password" value={value} onChange={(e) => setValue(e.target.value)} />
        </label>
        <button type="submit" disabled={!value.trim()}>
          Sign in
        </button>
      </form>
    </main>
  );
}
