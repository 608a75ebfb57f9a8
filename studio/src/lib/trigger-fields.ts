import { isMapping, scalarText, valueText } from './mapping.js';

/**
 * A schedule's trigger as written, field by field, for the page that shows it beside the words
 * the server puts it in: the cron expression or the recurrence, then the time zone (UTC when none
 * is written, as Azure ML reads it), start and end.
 */
export function triggerFields(trigger: Record<string, unknown>): Array<[string, string]> {
  const fields: Array<[string, string]> = [['type', scalarText(trigger.type) ?? '']];
  if (trigger.type === 'cron') fields.push(['expression', scalarText(trigger.expression) ?? '']);
  else {
    fields.push(['frequency', scalarText(trigger.frequency) ?? ''], ['interval', scalarText(trigger.interval) ?? '']);
    if (isMapping(trigger.schedule))
      for (const [key, value] of Object.entries(trigger.schedule))
        fields.push([`schedule.${key}`, Array.isArray(value) ? value.map(valueText).join(', ') : valueText(value)]);
  }
  fields.push(
    ['time_zone', scalarText(trigger.time_zone) ?? 'UTC (none written)'],
    ['start_time', scalarText(trigger.start_time) ?? 'when created (none written)'],
    ['end_time', scalarText(trigger.end_time) ?? 'none (fires on)'],
  );
  return fields;
}
