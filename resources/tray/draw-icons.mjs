// Draws Dlite's tray icons: one small cube glyph per VM state, as 16 px (@1x) and 32 px (@2x) PNGs.
// - `<state>Template.png`: black with alpha only, for macOS (it tints template images itself);
// - `<state>.png`: the same glyph in the state's colour, for Linux trays.
// Run `node resources/tray/draw-icons.mjs` after changing a shape; the PNGs are committed.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const OUT = path.dirname(new URL(import.meta.url).pathname);
/** Samples per pixel side: coverage is measured on an 8×8 grid per pixel. */
const SS = 8;
const STROKE = 1.1;

// The cube, in a 16×16 unit square: an isometric hexagon with the three inner edges meeting at C.
const T = [7.5, 1.5];
const UL = [2.5, 4];
const UR = [12.5, 4];
const C = [7.5, 6.5];
const LL = [2.5, 11];
const LR = [12.5, 11];
const B = [7.5, 13.5];
const HEX = [T, UR, LR, B, LL, UL];

const COLOURS = {
  stopped: [142, 142, 147],
  running: [52, 199, 89],
  busy: [255, 159, 10],
  error: [255, 59, 48],
  sleeping: [125, 143, 168],
};

function inPolygon(poly, x, y) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function segmentDistance([ax, ay], [bx, by], x, y) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
}

const polygon = (poly) => (x, y) => inPolygon(poly, x, y);
const lines = (segments, width) => (x, y) =>
  segments.some(([a, b]) => segmentDistance(a, b, x, y) <= width / 2);
const circle =
  ([cx, cy], r) =>
  (x, y) =>
    Math.hypot(x - cx, y - cy) <= r;
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const and =
  (...fs) =>
  (x, y) =>
    fs.every((f) => f(x, y));

const outline = lines(
  [...HEX.map((p, i) => [p, HEX[(i + 1) % HEX.length]]), [C, UL], [C, UR], [C, B]],
  STROKE,
);
const innerEdges = lines(
  [
    [C, UL],
    [C, UR],
    [C, B],
  ],
  0.9,
);
const solid = polygon(HEX);

/** A glyph is a list of layers painted in order: `paint` adds its colour, `erase` clears. */
const cube = (colour) => [{ shape: outline, colour }];
const filledTo = (level, colour) => [
  ...cube(colour),
  { shape: and(solid, (_x, y) => y >= level), colour },
  { shape: and(innerEdges, (_x, y) => y >= level), erase: true },
];

const GLYPHS = {
  stopped: cube(COLOURS.stopped),
  running: [
    { shape: solid, colour: COLOURS.running },
    { shape: innerEdges, erase: true },
  ],
  // Starting and stopping: the cube fills (or drains) a third at a time, 250 ms a frame.
  'busy-1': filledTo(10.5, COLOURS.busy),
  'busy-2': filledTo(7.5, COLOURS.busy),
  'busy-3': filledTo(4.5, COLOURS.busy),
  error: [
    ...cube(COLOURS.stopped),
    { shape: circle([12, 12], 4.6), erase: true },
    { shape: circle([12, 12], 3.6), colour: COLOURS.error },
    { shape: rect(11.4, 9.6, 12.6, 12.6), erase: true },
    { shape: rect(11.4, 13.4, 12.6, 14.4), erase: true },
  ],
  sleeping: [
    ...cube(COLOURS.sleeping),
    { shape: rect(9.4, -1, 17, 6.6), erase: true },
    {
      shape: lines(
        [
          [
            [11, 1],
            [15, 1],
          ],
          [
            [15, 1],
            [11, 5.2],
          ],
          [
            [11, 5.2],
            [15, 5.2],
          ],
        ],
        1.1,
      ),
      colour: COLOURS.sleeping,
    },
  ],
};

function render(layers, scale, template) {
  const size = 16 * scale;
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SS; sy += 1) {
        for (let sx = 0; sx < SS; sx += 1) {
          const x = (px + (sx + 0.5) / SS) / scale;
          const y = (py + (sy + 0.5) / SS) / scale;
          let hit = null;
          for (const layer of layers) {
            if (!layer.shape(x, y)) continue;
            hit = layer.erase ? null : layer.colour;
          }
          if (hit !== null) {
            r += hit[0];
            g += hit[1];
            b += hit[2];
            a += 1;
          }
        }
      }
      const o = (py * size + px) * 4;
      if (a > 0 && !template) {
        rgba[o] = Math.round(r / a);
        rgba[o + 1] = Math.round(g / a);
        rgba[o + 2] = Math.round(b / a);
      }
      rgba[o + 3] = Math.round((255 * a) / (SS * SS));
    }
  }
  return encodePng(size, size, rgba);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An 8-bit RGBA PNG: IHDR, one IDAT (filter 0 on every row), IEND. */
function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

for (const [name, layers] of Object.entries(GLYPHS)) {
  for (const [scale, suffix] of [
    [1, ''],
    [2, '@2x'],
  ]) {
    writeFileSync(path.join(OUT, `${name}Template${suffix}.png`), render(layers, scale, true));
    writeFileSync(path.join(OUT, `${name}${suffix}.png`), render(layers, scale, false));
  }
}
console.log(`drew ${Object.keys(GLYPHS).length} glyphs into ${OUT}`);
