// The phone's sensors the worker screens use: the camera (a live video, frames taken
// from it) and the position. Both need a secure context (https or localhost) and the
// person's permission; every failure is turned into a reason the screen can show.

export type CameraFacing = "user" | "environment";

export type CameraProblem = "unsupported" | "denied" | "not_found" | "busy" | "failed";

export class CameraError extends Error {
  constructor(readonly reason: CameraProblem, cause?: unknown) {
    super(`camera: ${reason}`, { cause });
  }
}

/** Start the camera into `video`. The front camera for selfies: a live picture, never a
 * file from the gallery, so a punch shows who is standing there now. */
export async function startCamera(video: HTMLVideoElement, facing: CameraFacing): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) throw new CameraError("unsupported");
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: facing, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
  } catch (error) {
    const name = error instanceof DOMException ? error.name : "";
    if (name === "NotAllowedError" || name === "SecurityError") throw new CameraError("denied", error);
    if (name === "NotFoundError" || name === "OverconstrainedError") throw new CameraError("not_found", error);
    if (name === "NotReadableError" || name === "AbortError") throw new CameraError("busy", error);
    throw new CameraError("failed", error);
  }
  video.muted = true;
  video.playsInline = true;
  video.setAttribute("playsinline", "");
  video.srcObject = stream;
  await video.play().catch(() => undefined);
  if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) {
    await new Promise<void>((resolve) => video.addEventListener("loadeddata", () => resolve(), { once: true }));
  }
  return stream;
}

export function stopCamera(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** The current frame, drawn at most `maxSide` px on its longest side. */
export function grabFrame(video: HTMLVideoElement, maxSide: number, canvas = document.createElement("canvas")): HTMLCanvasElement {
  const w = video.videoWidth;
  const h = video.videoHeight;
  if (!w || !h) throw new CameraError("failed");
  const scale = Math.min(1, maxSide / Math.max(w, h));
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(h * scale);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) throw new CameraError("failed");
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  return canvas;
}

export function canvasToJpeg(canvas: HTMLCanvasElement, quality = 0.85): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("encode failed"))), "image/jpeg", quality),
  );
}

export interface Position {
  lat: number;
  lon: number;
  /** Metres (68% confidence radius), as the phone reports it. */
  accuracy_m: number;
  /** Epoch ms of the fix. */
  at: number;
}

export type PositionProblem = "unsupported" | "denied" | "unavailable" | "timeout";

export class PositionError extends Error {
  constructor(readonly reason: PositionProblem) {
    super(`position: ${reason}`);
  }
}

/** One fresh, high-accuracy fix (GPS, not a cached cell-tower guess). */
export function getPosition(timeoutMs = 20_000): Promise<Position> {
  if (!navigator.geolocation) return Promise.reject(new PositionError("unsupported"));
  return new Promise((resolve, reject) => {
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: p.coords.accuracy, at: p.timestamp || Date.now() }),
      (error) =>
        reject(
          new PositionError(
            error.code === error.PERMISSION_DENIED ? "denied" : error.code === error.TIMEOUT ? "timeout" : "unavailable",
          ),
        ),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 10_000 },
    );
  });
}
