import type { NodeRegistry, Workflow } from '@galaxyflow/engine';
import type { EditorClient } from '../../client/types';

/** What an implementation hands the suite for one test. */
export interface EditorClientHarness {
  /** The client under test. */
  client: EditorClient;
  /**
   * Stores a workflow the way the host creates one (the editor only opens and saves
   * workflows), and gives its id and version.
   */
  seed(name: string, workflow: Workflow): Promise<{ id: string; version: number }>;
  /** Saves the next version of a workflow as another tab or user would. */
  saveElsewhere(id: string, workflow: Workflow): Promise<void>;
  /** Frees what `create` made. Default nothing. */
  close?: () => Promise<void>;
}

export interface EditorClientContractOptions {
  /** Names the implementation in the test titles. */
  name: string;
  /**
   * Makes a fresh client, with nothing stored, whose runs execute with `registry`: the
   * built-in nodes and the suite's `contract-wait`, which runs until its run is canceled.
   * Called once per test.
   */
  create: (options: {
    registry: NodeRegistry;
  }) => EditorClientHarness | Promise<EditorClientHarness>;
}
