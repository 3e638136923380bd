import { Editor } from './Editor';

// A Server Component: the editor takes a registry and a client (objects with functions), so it
// is rendered from a client component of our own.
export default function Page() {
  return <Editor />;
}
