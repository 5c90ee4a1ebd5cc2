/**
 * The allowed direction of imports between the folders of `src/` (issue #15,
 * docs/ARCHITECTURE.md): each folder names the folders it may import, and
 * scripts/folder-graph.ts fails on any other import, and on any cycle.
 */
export interface FolderRule {
  /** What the folder holds, in a few words (the table in docs/ARCHITECTURE.md). */
  holds: string;
  /** The folders of `src/` it may import. */
  imports: readonly string[];
}

export type FolderRules = Readonly<Record<string, FolderRule>>;

export const FOLDER_RULES: FolderRules = {};
