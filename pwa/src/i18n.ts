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
  // staff screens
  "staff.loading": "Loading…",
  "staff.load_failed": "This screen could not be loaded. Check your connection and try again.",
  "staff.back": "‹ Home",
  "staff.link.crew": "Crew board",
  "staff.link.attendance": "Attendance",
  "staff.link.hazards": "Hazard review",
  "staff.link.fixes": "Rectifications",
  "staff.link.sites": "Sites map",
  "staff.link.equipment": "Equipment due",
  "staff.site": "Site",
  "staff.all_sites": "All my sites",
  "staff.no_sites": "You have no sites yet.",
  "staff.date": "Date",
  "staff.refresh": "Refresh",
  "staff.more": "Show more",
  "staff.none": "Nobody / nothing here.",
  "staff.total": "{n} in total",
  "staff.save": "Save",
  "staff.note_optional": "Note (optional)",
  "staff.accept": "Accept",
  "staff.reject": "Reject",
  "staff.selfie": "Selfie",
  "staff.crew.title": "Today's crew",
  "staff.attendance.title": "Attendance",
  "staff.crew.in": "On site",
  "staff.crew.missing": "Missing",
  "staff.crew.anomaly": "Needs a look",
  "staff.day.present": "In",
  "staff.day.late": "Late",
  "staff.day.absent": "Missing",
  "staff.day.anomaly": "Check",
  "staff.late_by": "{minutes} min late",
  "staff.not_working_day": "Not a working day: nobody is expected.",
  "staff.punches.cosign": "Waiting for your co-sign",
  "staff.punches.review": "Punches to decide",
  "staff.cosign": "Co-sign: I saw them on site",
  "staff.punch.in": "In",
  "staff.punch.out": "Out",
  "staff.punch.inside": "inside the fence",
  "staff.punch.outside": "{metres} m outside the fence",
  "staff.reason.outside_geofence": "Outside the site",
  "staff.reason.face_mismatch": "Face does not match",
  "staff.reason.gps_inaccurate": "Location too rough",
  "staff.reason.fake_gps_suspected": "Location looks faked",
  "staff.reason.no_face": "No face in the selfie",
  "staff.reason.multiple_faces": "Several faces in the selfie",
  "staff.reason.not_enrolled": "No face on file",
  "staff.reason.cosign_required": "Needs a foreman's co-sign",
  "staff.reason.clock_skew": "Phone clock is off",
  "staff.reason.stale_punch": "Sent very late",
  "staff.reason.impossible_travel": "Impossible travel",
  "staff.reason.new_device": "New phone",
  "staff.reason.site_inactive": "Site closed",
  "staff.anomaly.in_review": "Punch waiting for a decision",
  "staff.anomaly.rejected_punch": "A punch was rejected",
  "staff.anomaly.missing_in": "Out without in",
  "staff.anomaly.missing_out": "Never punched out",
  "staff.export.title": "Export punches",
  "staff.export.from": "From",
  "staff.export.to": "To",
  "staff.export.format": "Format",
  "staff.export.download": "Download",
  "staff.hazards.title": "Hazard review",
  "staff.hazards.empty": "No photos in this list.",
  "staff.hazard.open": "To review",
  "staff.hazard.confirmed": "Confirmed",
  "staff.hazard.dismissed": "Dismissed",
  "staff.hazard.photo_alt": "Inspection photo with the model's boxes",
  "staff.hazard.score": "model {percent}% sure",
  "staff.hazard.confirm": "Confirm hazard",
  "staff.hazard.dismiss": "Dismiss",
  "staff.hazard.open_fix": "Confirm and open a rectification",
  "staff.hazard.assignee": "Who fixes it",
  "staff.hazard.unassigned": "Not assigned yet",
  "staff.hazard.due": "Fixed by",
  "staff.hazard.confirmed_done": "Confirmed: a rectification is open.",
  "staff.hazard.dismissed_done": "Dismissed as a false alarm.",
  "staff.hazard.already_reviewed": "Someone already reviewed this photo. Refresh to see their decision.",
  "staff.fixes.title": "Rectifications",
  "staff.fix.overdue": "Overdue",
  "staff.fix.open": "Open",
  "staff.fix.verifying": "Checking photo",
  "staff.fix.closed": "Closed",
  "staff.fix.untitled": "Rectification",
  "staff.fix.due": "due {when}",
  "staff.fix.after_photo": "After photo",
  "staff.fix.close_note": "What was done",
  "staff.fix.close": "Close with this photo",
  "staff.fix.need_photo": "Take an after photo first.",
  "staff.fix.need_note": "Say what was done.",
  "staff.fix.override": "Close anyway: I checked it myself (say why in the note)",
  "staff.fix.still_flagged": "The model still sees the hazard in the after photo.",
  "staff.fix.closed_done": "Closed.",
  "staff.fix.verifying_done": "Sent: it closes once the model has checked the photo.",
  "staff.fix.refused.after_photo_flagged": "The last after photo still showed the hazard.",
  "staff.fix.refused.after_photo_unchecked": "The last after photo could not be checked.",
  "staff.sites.title": "Sites",
  "staff.sites.map": "Map of the sites' fences",
  "staff.sites.active": "Open",
  "staff.sites.closed": "Closed",
  "staff.sites.shift": "shift {time}",
  "staff.sites.show": "Show on map",
  "staff.sites.tiles": "Map tiles",
  "staff.sites.tiles_help": "Tile address with {z}, {x} and {y}. Leave empty for outlines only.",
  "staff.sites.tiles_default": "Use default",
  "staff.sites.tiles_offline": "Map tiles could not be loaded: showing the outlines only.",
  "staff.equipment.title": "Equipment due",
  "staff.due.week": "Next 7 days",
  "staff.due.month": "Next 30 days",
  "staff.due.nothing": "Nothing due.",
  "staff.due.overdue": "Overdue",
  "staff.due.due": "Due",
  "staff.due.expired": "Expired",
  "staff.due.expiring": "Expiring",
  "staff.due.certificate": "Inspection certificate",
  "staff.due.days_left": "in {days} d",
  "staff.due.days_late": "{days} d late",
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
  // staff screens
  "staff.loading": "加载中…",
  "staff.load_failed": "页面加载失败，请检查网络后重试。",
  "staff.back": "‹ 首页",
  "staff.link.crew": "班组考勤",
  "staff.link.attendance": "考勤",
  "staff.link.hazards": "隐患审核",
  "staff.link.fixes": "整改",
  "staff.link.sites": "工地地图",
  "staff.link.equipment": "设备到期",
  "staff.site": "工地",
  "staff.all_sites": "我的全部工地",
  "staff.no_sites": "您还没有工地。",
  "staff.date": "日期",
  "staff.refresh": "刷新",
  "staff.more": "显示更多",
  "staff.none": "暂无。",
  "staff.total": "共 {n} 条",
  "staff.save": "保存",
  "staff.note_optional": "备注（可选）",
  "staff.accept": "通过",
  "staff.reject": "驳回",
  "staff.selfie": "自拍",
  "staff.crew.title": "今日班组",
  "staff.attendance.title": "考勤",
  "staff.crew.in": "在场",
  "staff.crew.missing": "未到",
  "staff.crew.anomaly": "需核实",
  "staff.day.present": "已到",
  "staff.day.late": "迟到",
  "staff.day.absent": "未到",
  "staff.day.anomaly": "异常",
  "staff.late_by": "迟到 {minutes} 分钟",
  "staff.not_working_day": "今天不是工作日，无需出勤。",
  "staff.punches.cosign": "等待您会签",
  "staff.punches.review": "待处理的打卡",
  "staff.cosign": "会签：我在现场见到本人",
  "staff.punch.in": "上班",
  "staff.punch.out": "下班",
  "staff.punch.inside": "在围栏内",
  "staff.punch.outside": "在围栏外 {metres} 米",
  "staff.reason.outside_geofence": "不在工地范围内",
  "staff.reason.face_mismatch": "人脸不匹配",
  "staff.reason.gps_inaccurate": "定位精度不够",
  "staff.reason.fake_gps_suspected": "疑似虚拟定位",
  "staff.reason.no_face": "自拍中没有人脸",
  "staff.reason.multiple_faces": "自拍中有多张人脸",
  "staff.reason.not_enrolled": "未录入人脸",
  "staff.reason.cosign_required": "需要班组长会签",
  "staff.reason.clock_skew": "手机时间不准",
  "staff.reason.stale_punch": "上传过晚",
  "staff.reason.impossible_travel": "位置变化不合理",
  "staff.reason.new_device": "新手机",
  "staff.reason.site_inactive": "工地已关闭",
  "staff.anomaly.in_review": "有打卡待处理",
  "staff.anomaly.rejected_punch": "有打卡被驳回",
  "staff.anomaly.missing_in": "有下班无上班",
  "staff.anomaly.missing_out": "未打下班卡",
  "staff.export.title": "导出打卡记录",
  "staff.export.from": "开始",
  "staff.export.to": "结束",
  "staff.export.format": "格式",
  "staff.export.download": "下载",
  "staff.hazards.title": "隐患审核",
  "staff.hazards.empty": "此列表中没有照片。",
  "staff.hazard.open": "待审核",
  "staff.hazard.confirmed": "已确认",
  "staff.hazard.dismissed": "已排除",
  "staff.hazard.photo_alt": "带有模型标注框的检查照片",
  "staff.hazard.score": "模型置信度 {percent}%",
  "staff.hazard.confirm": "确认隐患",
  "staff.hazard.dismiss": "排除",
  "staff.hazard.open_fix": "确认并发起整改",
  "staff.hazard.assignee": "整改负责人",
  "staff.hazard.unassigned": "暂不指派",
  "staff.hazard.due": "整改期限",
  "staff.hazard.confirmed_done": "已确认，整改已发起。",
  "staff.hazard.dismissed_done": "已作为误报排除。",
  "staff.hazard.already_reviewed": "已有人审核过这张照片，请刷新查看结果。",
  "staff.fixes.title": "整改",
  "staff.fix.overdue": "已逾期",
  "staff.fix.open": "进行中",
  "staff.fix.verifying": "照片核验中",
  "staff.fix.closed": "已关闭",
  "staff.fix.untitled": "整改",
  "staff.fix.due": "期限 {when}",
  "staff.fix.after_photo": "整改后照片",
  "staff.fix.close_note": "整改情况",
  "staff.fix.close": "用此照片关闭",
  "staff.fix.need_photo": "请先拍一张整改后的照片。",
  "staff.fix.need_note": "请填写整改情况。",
  "staff.fix.override": "仍然关闭：我已亲自核实（请在备注中说明）",
  "staff.fix.still_flagged": "模型在整改后照片中仍发现隐患。",
  "staff.fix.closed_done": "已关闭。",
  "staff.fix.verifying_done": "已提交，模型核验照片后自动关闭。",
  "staff.fix.refused.after_photo_flagged": "上次的整改后照片仍有隐患。",
  "staff.fix.refused.after_photo_unchecked": "上次的整改后照片无法核验。",
  "staff.sites.title": "工地",
  "staff.sites.map": "工地围栏地图",
  "staff.sites.active": "开放",
  "staff.sites.closed": "已关闭",
  "staff.sites.shift": "上班 {time}",
  "staff.sites.show": "在地图上显示",
  "staff.sites.tiles": "地图底图",
  "staff.sites.tiles_help": "底图地址，含 {z}、{x}、{y}。留空则只显示轮廓。",
  "staff.sites.tiles_default": "恢复默认",
  "staff.sites.tiles_offline": "地图底图无法加载，只显示轮廓。",
  "staff.equipment.title": "设备到期",
  "staff.due.week": "7 天内",
  "staff.due.month": "30 天内",
  "staff.due.nothing": "暂无到期项目。",
  "staff.due.overdue": "已逾期",
  "staff.due.due": "即将到期",
  "staff.due.expired": "已过期",
  "staff.due.expiring": "即将过期",
  "staff.due.certificate": "检验证书",
  "staff.due.days_left": "{days} 天后",
  "staff.due.days_late": "逾期 {days} 天",
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
