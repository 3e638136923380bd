export { runEditorClientContract } from './editorClientContract';
export type {
  EditorClientContractOptions,
  EditorClientHarness,
} from './editorClientContract';
