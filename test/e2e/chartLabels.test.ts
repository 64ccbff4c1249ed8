/**
 * uPlot draws axis labels on its canvas, so there are no DOM boxes to compare: the page's 2D context is
 * instrumented (before the app loads) to record each label as drawn, with the box Chromium measures for it
 * (measureText's actual bounding box, relative to the alignment point and baseline uPlot set), per canvas and
 * per frame (uPlot clears the whole canvas before each redraw). A demo VM's CPU chart, at a wide and at a
 * narrow window, must draw no two time labels (nor value labels) over each other.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserModeApp, type BrowserModeApp } from '../support/browserModeApp';

interface DrawnLabel {
  text: string;
  align: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

declare global {
  interface Window {
    __labelsOf?: (canvas: HTMLCanvasElement) => DrawnLabel[];
  }
}

function recordCanvasLabels(): void {
  const frames = new WeakMap<HTMLCanvasElement, DrawnLabel[]>();
  window.__labelsOf = (canvas) => frames.get(canvas) ?? [];
  const proto = CanvasRenderingContext2D.prototype;
  const clearRect = proto.clearRect;
  proto.clearRect = function (x: number, y: number, w: number, h: number) {
    if (x <= 0 && y <= 0 && w >= this.canvas.width && h >= this.canvas.height) frames.set(this.canvas as HTMLCanvasElement, []);
    clearRect.call(this, x, y, w, h);
  };
  const fillText = proto.fillText;
  proto.fillText = function (text: string, x: number, y: number, maxWidth?: number) {
    const box = this.measureText(text);
    const { e, f } = this.getTransform();
    const labels = frames.get(this.canvas as HTMLCanvasElement) ?? [];
    frames.set(this.canvas as HTMLCanvasElement, labels);
    labels.push({
      text,
      align: this.textAlign,
      left: e + x - box.actualBoundingBoxLeft,
      right: e + x + box.actualBoundingBoxRight,
      top: f + y - box.actualBoundingBoxAscent,
      bottom: f + y + box.actualBoundingBoxDescent,
    });
    if (maxWidth === undefined) fillText.call(this, text, x, y);
    else fillText.call(this, text, x, y, maxWidth);
  };
}

/** The labels of the chart's last frame: time labels (centered under the plot) and value labels (right-aligned). */
async function chartLabels(page: Page, testId: string): Promise<{ time: DrawnLabel[]; value: DrawnLabel[] }> {
  const labels = await page.$eval(`[data-testid="${testId}"] canvas`, (canvas) => window.__labelsOf!(canvas as HTMLCanvasElement));
  return { time: labels.filter((l) => l.align === 'center'), value: labels.filter((l) => l.align === 'right') };
}

/** Pairs of neighbours whose boxes overlap along the axis. */
function overlaps(labels: DrawnLabel[], axis: 'x' | 'y'): string[] {
  const [start, end] = axis === 'x' ? (['left', 'right'] as const) : (['top', 'bottom'] as const);
  const sorted = [...labels].sort((a, b) => a[start] - b[start]);
  return sorted.slice(1).flatMap((label, i) => (sorted[i]![end] > label[start] ? [`"${sorted[i]!.text}" and "${label.text}"`] : []));
}

describe('chart axis labels in Chromium', () => {
  let app: BrowserModeApp;
  let page: Page;

  beforeAll(async () => {
    app = await startBrowserModeApp(['--demo', 'always']);
    page = await app.browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => {
      throw error;
    });
    await page.addInitScript(recordCanvasLabels);
    await page.goto(app.url);
    await page.click('[data-testid="vm-row-db-primary"]');
    await page.waitForSelector('[data-testid="vm-chart-cpu"] canvas');
    // Sampled every second, so the time axis spans enough seconds for several labels.
    await page.selectOption('[data-testid="monitoring-interval"]', '1');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="vm-chart-cpu"]')?.getAttribute('data-points')) >= 12, null, {
      timeout: 30_000,
    });
  });

  afterAll(async () => {
    await app?.stop();
  });

  it("draws a demo VM's CPU chart with no time or value labels over each other, at every width from 200 to 440 px", async () => {
    const found: string[] = [];
    let frames = 0;
    for (let width = 200; width <= 440; width += 6) {
      // The chart follows its box (a ResizeObserver sizes uPlot): give the figure the width, as a narrow layout
      // would (CSSOM, which the page's CSP allows), and read the frame drawn at that size.
      await page.$eval('[data-testid="vm-chart-cpu"]', (figure, w) => ((figure as HTMLElement).style.width = `${w}px`), width);
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      const { time, value } = await chartLabels(page, 'vm-chart-cpu');
      if (time.length < 2 || value.length < 2) continue;
      frames++;
      for (const pair of overlaps(time, 'x')) found.push(`${width} px: time labels ${pair}`);
      for (const pair of overlaps(value, 'y')) found.push(`${width} px: value labels ${pair}`);
    }
    expect(found).toEqual([]);
    // Narrow charts get fewer, coarser time labels (one, when two would not fit); the wider ones still drew
    // several per axis, so the check compared real neighbours.
    expect(frames).toBeGreaterThanOrEqual(10);
  });
});
