import type { ReactNode } from 'react';

/** `**bold**` runs inside one line, as React elements (nothing is parsed as HTML). */
function inline(line: string, key: string): ReactNode[] {
  const out: ReactNode[] = [];
  // Keyed by where the part starts in the line: stable for the same text.
  let at = 0;
  for (const part of line.split(/(\*\*[^*]+\*\*)/)) {
    const bold = part.startsWith('**') && part.endsWith('**') && part.length > 4;
    out.push(bold ? <strong key={`${key}:${at}`}>{part.slice(2, -2)}</strong> : part);
    at += part.length;
  }
  return out;
}

/**
 * A note's text as a person reads it: `# ` lines as headings, `- ` lines as a list, `**bold**`,
 * everything else as paragraphs. Plain text in, React elements out: nothing is interpreted.
 */
export function renderNoteText(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let list: ReactNode[] = [];
  const flush = () => {
    if (list.length > 0) out.push(<ul key={`ul-${out.length}`}>{list}</ul>);
    list = [];
  };
  text.split('\n').forEach((line, index) => {
    const key = String(index);
    const heading = /^#{1,3}\s+(.*)$/.exec(line);
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (item) {
      list.push(<li key={key}>{inline(item[1]!, key)}</li>);
      return;
    }
    flush();
    if (heading)
      out.push(
        <p key={key} className="gf-note__heading">
          {inline(heading[1]!, key)}
        </p>,
      );
    else if (line.trim() === '') out.push(<br key={key} />);
    else out.push(<p key={key}>{inline(line, key)}</p>);
  });
  flush();
  return out;
}
