/** What the studio's tracking reads may ask for: the bounds the API declares and the services apply. */

/** How many points a chart may ask for: enough for a wide screen, few enough to draw at once. */
export const seriesPointLimits = { min: 3, max: 10_000, default: 1000 } as const;

/** The axes a metric series is ordered and downsampled along. */
export const seriesAxes = ['step', 'timestamp'] as const;
/** One of `seriesAxes`. */
export type SeriesAxis = (typeof seriesAxes)[number];

/** At most this many keys of each kind: more than any run table can offer as columns. */
export const experimentKeyLimit = 1000;
