// The signed-in session: the bearer token with its expiry, and the last known user
// (so the home screen can show who is signed in while offline). Kept in
// localStorage: it must survive the app being closed on a site with no signal.

import type { LoginResponse, Me, UserSummary } from "./api";

const STORAGE_KEY = "sitecheck.session";

// Treat a token as expired a little early, so a request is not sent with a token
// that runs out on the way.
const EXPIRY_MARGIN_MS = 30_000;

export interface Session {
  token: string;
  tokenType: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  user: UserSummary & Partial<Me>;
}

export function saveLogin(response: LoginResponse, now = Date.now()): Session {
  const session: Session = {
    token: response.access_token,
    tokenType: response.token_type || "Bearer",
    expiresAt: now + Math.max(0, response.expires_in) * 1000,
    user: response.user,
  };
  write(session);
  return session;
}

/** The current session, or null if there is none or its token has expired. */
export function getSession(now = Date.now()): Session | null {
  let session: Session | null = null;
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    session = raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    session = null;
  }
  if (!session || typeof session.token !== "string" || typeof session.expiresAt !== "number") {
    return null;
  }
  if (session.expiresAt - EXPIRY_MARGIN_MS <= now) {
    clearSession();
    return null;
  }
  return session;
}

/** Remember the fresher user details from GET /api/me. */
export function updateUser(user: Me): void {
  const session = getSession();
  if (session) write({ ...session, user: { ...session.user, ...user } });
}

export function clearSession(): void {
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored, nothing to clear.
  }
}

/** Milliseconds until the session must be treated as expired. */
export function msUntilExpiry(session: Session, now = Date.now()): number {
  return Math.max(0, session.expiresAt - EXPIRY_MARGIN_MS - now);
}

function write(session: Session): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}
