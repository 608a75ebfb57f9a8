/** The metadata databases Trellis runs on. */
export type Dialect = 'sqlite' | 'postgres';
