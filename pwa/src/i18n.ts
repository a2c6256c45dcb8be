// Every string the app shows lives in these tables. English is the reference table;
// the Chinese one must have exactly the same keys (the type says so), so a missing
// translation is a type error, not a blank label on a phone.

export type Lang = "zh-CN" | "en";
export const LANGS: readonly Lang[] = ["zh-CN", "en"];

const en = {
  "app.name": "SiteCheck",
  "lang.switch": "中文",
  "lang.switch.aria": "切换到中文 (switch to Chinese)",
  "net.online": "Online",
  "net.offline": "Offline",

  "login.title": "Sign in",
  "login.subtitle": "Site attendance and safety checks",
  "login.login": "Login or phone number",
  "login.password": "Password",
  "login.password.show": "Show",
  "login.password.hide": "Hide",
  "login.submit": "Sign in",
  "login.submitting": "Signing in…",
  "login.missing": "Enter your login and password.",
  "login.bad_credentials": "Wrong login or password.",
  "login.rate_limited": "Too many attempts. Please wait and try again.",
  "login.rate_limited_for": "Too many attempts. Please wait {seconds} s and try again.",
  "login.offline": "No connection. Signing in needs signal — move to where you have coverage and try again.",

  "home.title": "Home",
  "home.greeting": "Signed in as",
  "home.role": "Role",
  "home.company": "Company",
  "home.cached": "Showing saved details — could not reach the server.",
  "home.logout": "Sign out",
  "home.session_expired": "Your session has expired. Please sign in again.",

  "role.superadmin": "Platform admin",
  "role.admin": "Company admin",
  "role.manager": "Project manager",
  "role.safety_officer": "Safety officer",
  "role.foreman": "Foreman",
  "role.worker": "Worker",

  "error.network": "No connection. Check your signal and try again.",
  "error.server": "The server had a problem ({status}). Try again shortly.",
  "error.unexpected": "Something went wrong ({status}).",

  "update.available": "A new version of SiteCheck is ready.",
  "update.reload": "Update now",
  "update.later": "Later",
  "update.offline_ready": "SiteCheck is ready to work offline.",
  "update.dismiss": "OK",
} as const;

export type MessageKey = keyof typeof en;
type Messages = Record<MessageKey, string>;

const zhCN: Messages = {
  "app.name": "SiteCheck",
  "lang.switch": "English",
  "lang.switch.aria": "Switch to English (切换到英文)",
  "net.online": "在线",
  "net.offline": "离线",

  "login.title": "登录",
  "login.subtitle": "工地考勤与安全检查",
  "login.login": "账号或手机号",
  "login.password": "密码",
  "login.password.show": "显示",
  "login.password.hide": "隐藏",
  "login.submit": "登录",
  "login.submitting": "正在登录…",
  "login.missing": "请输入账号和密码。",
  "login.bad_credentials": "账号或密码错误。",
  "login.rate_limited": "尝试次数过多，请稍后再试。",
  "login.rate_limited_for": "尝试次数过多，请等待 {seconds} 秒后再试。",
  "login.offline": "没有网络。登录需要信号，请到有信号的地方再试。",

  "home.title": "首页",
  "home.greeting": "当前用户",
  "home.role": "角色",
  "home.company": "公司",
  "home.cached": "无法连接服务器，显示的是已保存的信息。",
  "home.logout": "退出登录",
  "home.session_expired": "登录已过期，请重新登录。",

  "role.superadmin": "平台管理员",
  "role.admin": "公司管理员",
  "role.manager": "项目经理",
  "role.safety_officer": "安全员",
  "role.foreman": "班组长",
  "role.worker": "工人",

  "error.network": "没有网络，请检查信号后重试。",
  "error.server": "服务器出错（{status}），请稍后再试。",
  "error.unexpected": "出现错误（{status}）。",

  "update.available": "SiteCheck 有新版本。",
  "update.reload": "立即更新",
  "update.later": "稍后",
  "update.offline_ready": "SiteCheck 已可离线使用。",
  "update.dismiss": "知道了",
};

const TABLES: Record<Lang, Messages> = { en, "zh-CN": zhCN };
const STORAGE_KEY = "sitecheck.lang";

/** The first of the browser's preferred languages we have a table for; English otherwise. */
export function detectLang(preferred: readonly string[] = browserLanguages()): Lang {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith("zh")) return "zh-CN";
    if (lower.startsWith("en")) return "en";
  }
  return "en";
}

function browserLanguages(): readonly string[] {
  if (navigator.languages && navigator.languages.length > 0) return navigator.languages;
  return navigator.language ? [navigator.language] : [];
}

function savedLang(): Lang | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return LANGS.includes(value as Lang) ? (value as Lang) : null;
  } catch {
    return null;
  }
}

let current: Lang = savedLang() ?? detectLang();
const listeners = new Set<(lang: Lang) => void>();

export function getLang(): Lang {
  return current;
}

/** Switch language, remember the choice, and relabel everything bound with `bindText`. */
export function setLang(lang: Lang): void {
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Private mode or storage full: the switch still works for this session.
  }
  document.documentElement.lang = lang;
  for (const listener of listeners) listener(lang);
}

export function onLangChange(listener: (lang: Lang) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = TABLES[current][key];
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    name in params ? String(params[name]) : match,
  );
}

/** A label for a role code; an unknown role shows its code rather than nothing. */
export function roleLabel(role: string): string {
  const key = `role.${role}` as MessageKey;
  return key in en ? t(key) : role;
}

// Text that follows the language: each bound element is relabelled on a switch, so
// a screen keeps its state (typed input, errors) instead of being rebuilt. A binding
// with a slot name replaces the element's earlier binding for that slot.
const bindings = new Map<Element, Map<string, () => void>>();
let anonymousSlot = 0;

export function bind(el: Element, apply: () => void, slot = `#${anonymousSlot++}`): void {
  apply();
  let slots = bindings.get(el);
  if (!slots) bindings.set(el, (slots = new Map()));
  slots.set(slot, apply);
}

/** Stop relabelling an element's slot (e.g. a message that now shows a fixed text). */
export function unbind(el: Element, slot: string): void {
  bindings.get(el)?.delete(slot);
}

onLangChange(() => {
  for (const [el, slots] of bindings) {
    if (!el.isConnected) bindings.delete(el);
    else for (const apply of slots.values()) apply();
  }
});

document.documentElement.lang = current;
