import { formatBytes } from '../format';

/** Series colors, readable on the light surface and distinct for the color-blind (Okabe-Ito). */
export const CHART_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7'] as const;

export function formatPercent(value: number): string {
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} %`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}
