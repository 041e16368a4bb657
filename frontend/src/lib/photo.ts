// Photos are shrunk on the phone before they are sent: a 12-megapixel camera shot of a document is 4–6 MB on
// slow 4G, and 2560 px on its long edge still reads every line of an A4 page. Never upscaled, never re-encoded
// when already small, and anything that is not a browser-decodable photo (PDF, HEIC, office files) is sent as is.

/** Long edge kept: enough for an A4 document photographed whole to stay readable. */
export const MAX_EDGE = 2560;
/** A photo under this size and edge is sent untouched (re-encoding would only lose quality). */
export const SMALL_BYTES = 3 * 1024 * 1024;
export const JPEG_QUALITY = 0.85;
const DECODABLE = new Set(["image/jpeg", "image/png", "image/webp"]);

/** The size to draw at: the long edge brought down to `maxEdge`, the aspect ratio kept, never larger. */
export function fittedSize(width: number, height: number, maxEdge = MAX_EDGE): { width: number; height: number } {
  const longEdge = Math.max(width, height);
  if (longEdge <= maxEdge) return { width, height };
  const scale = maxEdge / longEdge;
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

/** Whether a file is worth shrinking, before decoding it. */
export function mayShrink(file: { type: string; size: number }): boolean {
  return DECODABLE.has(file.type);
}

/** The photo as it will be sent: resized and re-encoded as JPEG when that makes it smaller, else the original. */
export async function shrinkPhoto(file: File): Promise<File> {
  if (!mayShrink(file) || typeof createImageBitmap !== "function") return file;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return file; // not decodable here: the server checks it as it is
  }
  try {
    const size = fittedSize(bitmap.width, bitmap.height);
    if (size.width === bitmap.width && file.size <= SMALL_BYTES) return file;
    const canvas = document.createElement("canvas");
    canvas.width = size.width;
    canvas.height = size.height;
    const context = canvas.getContext("2d");
    if (!context) return file;
    context.fillStyle = "#fff"; // a PNG's transparent parts become white paper, not black
    context.fillRect(0, 0, size.width, size.height);
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, size.width, size.height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
    if (!blob || blob.size >= file.size) return file;
    const name = file.name.replace(/\.[^.]+$/, "") + ".jpg";
    return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
  } finally {
    bitmap.close();
  }
}
