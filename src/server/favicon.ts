/**
 * Attune's icon as a Windows ICO file (what browsers fetch from /favicon.ico unless a page names
 * another): one 32 × 32 image, drawn here instead of shipped as a binary, in 32-bit BGRA with an
 * all-clear AND mask (the alpha channel does the transparency). A teal disc with a white ring and dot.
 */
const SIZE = 32
const TEAL = [0x0f, 0x76, 0x6e] as const // RGB
/** Samples per pixel side, for smooth edges. */
const SUPERSAMPLE = 4

/** 1 where the mark is white, 0 where it is teal, null outside the disc. */
function shade(x: number, y: number): number | null {
  const r = Math.hypot(x - SIZE / 2, y - SIZE / 2)
  if (r > 15.5) return null
  return (r >= 7 && r <= 10) || r <= 3.2 ? 1 : 0
}

function pixels(): Buffer {
  const out = Buffer.alloc(SIZE * SIZE * 4)
  for (let row = 0; row < SIZE; row++) {
    for (let col = 0; col < SIZE; col++) {
      let inside = 0
      let white = 0
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const s = shade(col + (sx + 0.5) / SUPERSAMPLE, row + (sy + 0.5) / SUPERSAMPLE)
          if (s === null) continue
          inside += 1
          white += s
        }
      }
      const alpha = inside / SUPERSAMPLE ** 2
      const w = inside === 0 ? 0 : white / inside
      const [r, g, b] = TEAL.map((c) => Math.round(c + (255 - c) * w))
      // Bitmap rows run bottom to top.
      const at = ((SIZE - 1 - row) * SIZE + col) * 4
      out[at] = b!
      out[at + 1] = g!
      out[at + 2] = r!
      out[at + 3] = Math.round(alpha * 255)
    }
  }
  return out
}

function buildIco(): Buffer {
  const colour = pixels()
  const mask = Buffer.alloc((SIZE / 8) * SIZE) // 1 bit a pixel, rows of 4 bytes: all 0 (opaque; alpha decides)
  const header = Buffer.alloc(40) // BITMAPINFOHEADER
  header.writeUInt32LE(40, 0)
  header.writeInt32LE(SIZE, 4)
  header.writeInt32LE(SIZE * 2, 8) // the colour rows and the mask rows
  header.writeUInt16LE(1, 12) // planes
  header.writeUInt16LE(32, 14) // bits per pixel
  header.writeUInt32LE(colour.length + mask.length, 20)
  const image = Buffer.concat([header, colour, mask])
  const directory = Buffer.alloc(6 + 16)
  directory.writeUInt16LE(1, 2) // type: icon
  directory.writeUInt16LE(1, 4) // one image
  directory[6] = SIZE
  directory[7] = SIZE
  directory.writeUInt16LE(1, 10) // planes
  directory.writeUInt16LE(32, 12) // bits per pixel
  directory.writeUInt32LE(image.length, 14)
  directory.writeUInt32LE(directory.length, 18)
  return Buffer.concat([directory, image])
}

export const FAVICON_ICO: Buffer = buildIco()
