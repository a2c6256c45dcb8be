// Online/offline as the browser reports it. navigator.onLine only says whether there
// is a network interface up, not whether the API is reachable (a phone on a site
// often has "signal" but no data), so callers still treat every request as
// fallible; this drives the indicator and, later, outbox replay on `online`.

export function isOnline(): boolean {
  return navigator.onLine;
}

/** Call `listener` now and on every change; returns a function that stops it. */
export function watchOnline(listener: (online: boolean) => void): () => void {
  const onOnline = () => listener(true);
  const onOffline = () => listener(false);
  window.addEventListener("online", onOnline);
  window.addEventListener("offline", onOffline);
  listener(isOnline());
  return () => {
    window.removeEventListener("online", onOnline);
    window.removeEventListener("offline", onOffline);
  };
}
