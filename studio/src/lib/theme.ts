import { useEffect, useState } from 'react';

export type Theme = 'light' | 'dark';

const storageKey = 'trellis.theme';

/** The theme: the one the user chose last, else the system's; set on <html data-theme>. */
export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(() => {
    const saved = localStorage.getItem(storageKey);
    if (saved === 'light' || saved === 'dark') return saved;
    return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  });
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem(storageKey, theme);
  }, [theme]);
  return [theme, setTheme];
}

/** A CSS variable's value, for the charts (which draw on a canvas, outside CSS). */
export function cssVariable(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
