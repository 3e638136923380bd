import { shortcuts } from '../../hooks/useEditorShortcuts';
import { SidePanel } from '../SidePanel';

const isMac = () => typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** The keyboard shortcuts, with Mod shown as ⌘ on Apple devices and Ctrl elsewhere. */
export function ShortcutHelp() {
  const mod = isMac() ? '⌘' : 'Ctrl';
  return (
    <SidePanel title="Keyboard shortcuts">
      <table className="gf-shortcuts">
        <tbody>
          {shortcuts.map((shortcut) => (
            <tr key={shortcut.keys}>
              <th scope="row">
                <kbd>{shortcut.keys.replaceAll('Mod', mod)}</kbd>
              </th>
              <td>{shortcut.action}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </SidePanel>
  );
}
