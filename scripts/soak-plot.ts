/**
 * Draws the soak's samples as a PNG: stacked panels sharing the time axis, each with one or
 * more lines, a y-axis scale and a legend. Dependency-free: a small raster, Bresenham lines,
 * a 5×7 bitmap font for the labels, and the PNG file format written with `node:zlib`
 * (deflate and CRC-32). A charting package would need a canvas (native code) or font files
 * at run time; this needs neither, and the plot is simple.
 */
import { crc32, deflateSync } from 'node:zlib';

export interface Series {
  label: string;
  color: [number, number, number];
  points: { x: number; y: number }[];
}

export interface Panel {
  title: string;
  series: Series[];
  /** Draw a horizontal dashed line here (a bound). */
  marks?: { y: number; label: string }[];
}

/** 5×7 glyphs, one row per string of 5 bits ('#' on). */
const GLYPHS: Record<string, string> = {
  '0': ' ### #   ##  ### # ###  ##   # ### ',
  '1': '  #   ##    #    #    #    #   ### ',
  '2': ' ### #   #    #   #   #   #   #####',
  '3': '#####   #   #     #     ##   # ### ',
  '4': '   #   ##  # # #  # #####   #    # ',
  '5': '######    ####     #    ##   # ### ',
  '6': '  ##  #   #    #### #   ##   # ### ',
  '7': '#####    #   #   #   #    #    #   ',
  '8': ' ### #   ##   # ### #   ##   # ### ',
  '9': ' ### #   ##   # ####    #   #  ##  ',
  A: ' ### #   ##   #######   ##   ##   #',
  B: '#### #   ##   ##### #   ##   ##### ',
  C: ' ### #   ##    #    #    #   # ### ',
  D: '#### #   ##   ##   ##   ##   ##### ',
  E: '######    #    #### #    #    #####',
  F: '######    #    #### #    #    #    ',
  G: ' ### #   ##    # ####   ##   # ####',
  H: '#   ##   ##   #######   ##   ##   #',
  I: ' ###   #    #    #    #    #   ### ',
  J: '  ###   #    #    #    # #  #  ##  ',
  K: '#   ##  # # #  ##   # #  #  # #   #',
  L: '#    #    #    #    #    #    #####',
  M: '#   ### ### # ##   ##   ##   ##   #',
  N: '#   ##   ###  ## # ##  ###   ##   #',
  O: ' ### #   ##   ##   ##   ##   # ### ',
  P: '#### #   ##   ##### #    #    #    ',
  Q: ' ### #   ##   ##   ## # ##  #  ## #',
  R: '#### #   ##   ##### # #  #  # #   #',
  S: ' #####    #     ###     #    ##### ',
  T: '#####  #    #    #    #    #    #  ',
  U: '#   ##   ##   ##   ##   ##   # ### ',
  V: '#   ##   ##   ##   ##   # # #   #  ',
  W: '#   ##   ##   ## # ## # ## # # # # ',
  X: '#   ##   # # #   #   # # #   ##   #',
  Y: '#   ##   # # #   #    #    #    #  ',
  Z: '#####    #   #   #   #   #    #####',
  ' ': '                                   ',
  '.': '                          ##   ##  ',
  ',': '                     ##   ##  #    ',
  ':': '      ##   ##        ##   ##       ',
  '-': '               #####               ',
  '+': '       #    #  #####  #    #       ',
  '(': '   #   #   #    #    #     #     # ',
  ')': ' #     #     #    #    #   #   #   ',
  '/': '         #   #   #   #   #         ',
  '%': '##   ##  #   #   #   #   #  ##   ##',
  '=': '          #####     #####          ',
  '<': '   #   #   #   #     #     #     # ',
  '>': ' #     #     #     #   #   #   #   ',
  _: '                              #####',
};

class Raster {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height * 3).fill(255);
  }

  set(x: number, y: number, [r, g, b]: [number, number, number]) {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.pixels[i] = r;
    this.pixels[i + 1] = g;
    this.pixels[i + 2] = b;
  }

  line(x0: number, y0: number, x1: number, y1: number, color: [number, number, number], dash = 0) {
    x0 = Math.round(x0);
    y0 = Math.round(y0);
    x1 = Math.round(x1);
    y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (let step = 0; ; step++) {
      if (!dash || Math.floor(step / dash) % 2 === 0) this.set(x0, y0, color);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  rect(x: number, y: number, w: number, h: number, color: [number, number, number]) {
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.set(x + i, y + j, color);
  }

  /** Text at (x, y) = its top left; `scale` 1 is 6 pixels per character. */
  text(x: number, y: number, text: string, color: [number, number, number], scale = 1) {
    for (const ch of text.toUpperCase()) {
      const glyph = GLYPHS[ch] ?? GLYPHS[' '];
      for (let row = 0; row < 7; row++)
        for (let col = 0; col < 5; col++)
          if (glyph[row * 5 + col] === '#')
            this.rect(x + col * scale, y + row * scale, scale, scale, color);
      x += 6 * scale;
    }
  }

  png(): Buffer {
    const raw = Buffer.alloc((this.width * 3 + 1) * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * (this.width * 3 + 1)] = 0; // filter: none
      Buffer.from(this.pixels.buffer, y * this.width * 3, this.width * 3).copy(
        raw,
        y * (this.width * 3 + 1) + 1,
      );
    }
    const chunk = (type: string, data: Buffer) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(data.length);
      const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(typed));
      return Buffer.concat([length, typed, crc]);
    };
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header[8] = 8; // bit depth
    header[9] = 2; // colour type: RGB
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

/** A round step for an axis from 0 to `max` with about `ticks` ticks. */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
}

const INK: [number, number, number] = [40, 40, 40];
const GRID: [number, number, number] = [225, 225, 225];

/** The PNG of `panels` over a shared x axis in minutes (0 … `xMax`). */
export function plotPng(title: string, xLabel: string, xMax: number, panels: Panel[]): Buffer {
  const width = 960;
  const panelHeight = 200;
  const top = 40;
  const left = 70;
  const right = 20;
  const gap = 50;
  const height = top + panels.length * (panelHeight + gap) + 10;
  const r = new Raster(width, height);
  r.text(left, 12, title, INK, 2);
  const plotWidth = width - left - right;
  const xStep = niceStep(xMax, 10);
  panels.forEach((panel, index) => {
    const y0 = top + index * (panelHeight + gap) + 20;
    const all = panel.series.flatMap((s) => s.points.map((p) => p.y));
    const yMax = Math.max(1e-9, ...all, ...(panel.marks ?? []).map((m) => m.y)) * 1.1;
    const yStep = niceStep(yMax, 4);
    const px = (x: number) => left + (x / xMax) * plotWidth;
    const py = (y: number) => y0 + panelHeight - (y / yMax) * panelHeight;
    for (let y = 0; y <= yMax; y += yStep) {
      r.line(left, py(y), left + plotWidth, py(y), GRID);
      const label = Number.isInteger(yStep) ? String(y) : y.toFixed(1);
      r.text(left - 6 - label.length * 6, py(y) - 3, label, INK);
    }
    for (let x = 0; x <= xMax + 1e-9; x += xStep) {
      r.line(px(x), y0, px(x), y0 + panelHeight, GRID);
      const label = Number.isInteger(xStep) ? String(Math.round(x)) : x.toFixed(1);
      r.text(px(x) - label.length * 3, y0 + panelHeight + 5, label, INK);
    }
    r.line(left, y0, left, y0 + panelHeight, INK);
    r.line(left, y0 + panelHeight, left + plotWidth, y0 + panelHeight, INK);
    r.text(left, y0 - 14, panel.title, INK);
    let legendX = left + panel.title.length * 6 + 24;
    for (const s of panel.series) {
      r.rect(legendX, y0 - 12, 14, 3, s.color);
      r.text(legendX + 18, y0 - 14, s.label, INK);
      legendX += 18 + s.label.length * 6 + 20;
    }
    for (const mark of panel.marks ?? []) {
      r.line(left, py(mark.y), left + plotWidth, py(mark.y), [200, 60, 60], 4);
      r.text(left + plotWidth - mark.label.length * 6, py(mark.y) - 10, mark.label, [200, 60, 60]);
    }
    for (const s of panel.series)
      for (let i = 1; i < s.points.length; i++) {
        const a = s.points[i - 1];
        const b = s.points[i];
        r.line(px(a.x), py(a.y), px(b.x), py(b.y), s.color);
        r.line(px(a.x), py(a.y) + 1, px(b.x), py(b.y) + 1, s.color);
      }
    if (index === panels.length - 1)
      r.text(left + plotWidth / 2 - xLabel.length * 3, y0 + panelHeight + 18, xLabel, INK);
  });
  return r.png();
}
