/**
 * CSV fields that a spreadsheet opens as text. Quoted when they hold a quote, a
 * comma or a line break (\n or \r); a string that a spreadsheet would run as a
 * formula (starting with = + - @, a tab or \r — a scraped file name can) gets a
 * leading apostrophe, which `unguardCsvField` removes again on import (OWASP's advice).
 */
export function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** The field as it was before `csvField` guarded it. */
export const unguardCsvField = (field: string): string => (/^'[=+\-@\t\r]/.test(field) ? field.slice(1) : field);
