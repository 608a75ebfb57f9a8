/** Something said about a field of a file that was accepted (recorded with no local effect, a reference, ...): its path, line and what to know. */
export interface Note {
  path: string;
  line?: number;
  message: string;
}
