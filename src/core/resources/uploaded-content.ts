/** Bytes the client already uploaded for a local `path:` of a file (in the workspace's content store, by digest). */
export type UploadedContent =
  | { type: 'file'; digest: string; size: number; fileName: string }
  | {
      type: 'folder';
      digest: string;
      size: number;
      fileCount: number;
      /** The folder's own name on the client's disk (for `path: .`). */
      name?: string | undefined;
    };
