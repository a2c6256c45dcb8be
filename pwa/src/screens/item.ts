// The item behind a scanned code (/s/<code>, also what a label's URL opens from the
// phone's own camera app): the equipment or material batch, its warnings, and the
// actions this person may take. Online it asks the server; offline it shows the
// cached ledger of the worker's sites. Every action is a write through the outbox.

import { ApiError, NetworkError, api } from "../api";
import { h } from "../dom";
import { t, type MessageKey } from "../i18n";
import { newId } from "../db";
import { codeFromScan, displayCode, rememberScan, scanOffline, type Batch, type Equipment, type ScanResult } from "../ledger";
import { navigate, type Screen } from "../router";
import type { Session } from "../session";
import { submit } from "../sync";
import { describeError, frame, messageBox, withSession } from "./common";

export function itemScreen(raw: string): Screen {
  return withSession((session) => {
    const controller = new AbortController();
    const body = h("div", { class: "item-body", "data-testid": "item-body" }, h("p", { class: "hint" }, () => t("item.loading")));
    const status = messageBox("item-message");
    const code = codeFromScan(raw);

    async function load(): Promise<void> {
      if (!code) {
        status.show("error", () => t("item.unknown"));
        body.replaceChildren();
        return;
      }
      try {
        const found = await api<ScanResult>(`/api/scan/${encodeURIComponent(code)}`, { token: session.token, signal: controller.signal });
        await rememberScan(session.user.id, found).catch(() => undefined);
        status.hide();
        render(found, null);
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.code === "unknown_code") {
          status.show("error", () => t("item.unknown"), displayCode(code));
          body.replaceChildren();
          return;
        }
        if (error instanceof ApiError && error.status === 401) {
          navigate("/login", { replace: true });
          return;
        }
        const offline = await scanOffline(session.user.id, session.user.role, code);
        if (offline) {
          render(offline, error instanceof NetworkError ? "offline" : "error");
          return;
        }
        const { main, detail } = describeError(error);
        status.show("error", error instanceof NetworkError ? () => t("item.offline_unknown") : main, detail);
        body.replaceChildren();
      }
    }

    function render(found: ScanResult, stale: "offline" | "error" | null): void {
      const parts: Node[] = [];
      if (stale) parts.push(h("p", { class: "message message-info", "data-testid": "item-cached" }, () => t("item.cached")));
      if (found.kind === "equipment") parts.push(...equipmentView(found.item, found.flags));
      else parts.push(...batchView(found.item, found.flags));
      parts.push(actionsView(session, found, () => void load()));
      body.replaceChildren(...parts);
      body.dataset.kind = found.kind;
      body.dataset.code = found.code;
    }

    void load();
    return {
      el: frame("item", "item.title", status.el, body),
      dispose: () => controller.abort(),
    };
  });
}

function fact(label: MessageKey, value: string | null | undefined, testid?: string): HTMLElement | null {
  if (value === null || value === undefined || value === "") return null;
  return h("div", { class: "fact" }, h("dt", {}, () => t(label)), h("dd", testid ? { "data-testid": testid } : {}, value));
}

function flagList(flags: string[]): HTMLElement | null {
  if (flags.length === 0) return null;
  return h(
    "ul",
    { class: "flags", "data-testid": "item-flags" },
    ...flags.map((flag) => h("li", { class: "flag", "data-flag": flag }, () => flagText(flag))),
  );
}

const FLAGS: Record<string, MessageKey> = {
  retired: "item.flag.retired",
  open_defects: "item.flag.open_defects",
  certificate_expired: "item.flag.certificate_expired",
  certificate_expiring: "item.flag.certificate_expiring",
  certificate_missing: "item.flag.certificate_missing",
  maintenance_overdue: "item.flag.maintenance_overdue",
  maintenance_due: "item.flag.maintenance_due",
  rejected_deliveries: "item.flag.rejected_deliveries",
  over_delivered: "item.flag.over_delivered",
};

function flagText(flag: string): string {
  const key = FLAGS[flag];
  return key ? t(key) : flag;
}

function equipmentView(item: Equipment, flags: string[]): Node[] {
  const facts = [
    fact("item.code", displayCode(item.code), "item-code"),
    fact("item.site", item.site_name),
    fact("item.category", item.category),
    fact("item.model", item.model),
    fact("item.serial", item.serial_no),
    fact("item.status", t(`item.status.${item.status}` as MessageKey), "item-status"),
    fact("item.holder", item.holder?.name, "item-holder"),
    fact("item.certificate", `${t(`item.cert.${item.certificate.state}` as MessageKey)}${item.certificate.expires_on ? ` · ${item.certificate.expires_on}` : ""}`),
    fact("item.next_maintenance", item.next_maintenance ? `${item.next_maintenance.title} · ${item.next_maintenance.due_on}` : null),
  ];
  return [
    h("h2", { class: "item-name", "data-testid": "item-name" }, item.name),
    flagList(flags) ?? document.createTextNode(""),
    h("dl", { class: "facts" }, ...facts),
  ];
}

function batchView(item: Batch, flags: string[]): Node[] {
  const facts = [
    fact("item.code", displayCode(item.code), "item-code"),
    fact("item.site", item.site_name),
    fact("item.spec", item.spec),
    fact("item.batch_no", item.batch_no),
    fact("item.supplier", item.supplier),
    fact("item.quantity", `${item.quantity} ${item.unit}`),
    fact("item.received", `${item.received.accepted} / ${item.received.rejected} (${item.received.receipts})`),
    fact("item.certificate", t(`item.cert.${item.certificate.state}` as MessageKey)),
  ];
  return [
    h("h2", { class: "item-name", "data-testid": "item-name" }, item.material),
    flagList(flags) ?? document.createTextNode(""),
    h("dl", { class: "facts" }, ...facts),
  ];
}

/** The buttons, and the small forms some of them open (a defect needs a note, a
 * delivery a quantity). */
function actionsView(session: Session, found: ScanResult, reload: () => void): HTMLElement {
  const result = messageBox("item-result");
  const form = h("div", { class: "item-form" });
  const buttons: HTMLElement[] = [];
  const done = async (kind: string, url: string, json: Record<string, unknown>, summary: string) => {
    result.hide();
    try {
      const id = newId();
      const { outcome } = await submit<unknown>({
        id,
        method: "POST",
        url,
        kind: kind === "receipt" ? "receipt" : "equipment_event",
        summary,
        body: { type: "json", json: { id, ...json } },
      });
      form.replaceChildren();
      if (outcome.state === "sent") {
        result.show("ok", () => t("item.done"));
        reload();
      } else if (outcome.state === "failed") {
        result.show("error", () => t("item.refused"), outcome.message);
      } else {
        result.show("info", () => t("item.queued"));
      }
    } catch (error) {
      const { main, detail } = describeError(error);
      result.show("error", main, detail);
    }
  };
  const button = (testid: string, label: MessageKey, action: () => void, primary = false) =>
    h("button", { type: "button", class: `btn ${primary ? "btn-primary" : "btn-secondary"} btn-block`, "data-testid": testid, on: { click: action } }, () => t(label));

  if (found.kind === "equipment") {
    const item = found.item;
    const occurred = () => new Date().toISOString();
    buttons.push(
      button("action-inspect", "item.action.inspect", () =>
        navigate(`/inspect?site=${encodeURIComponent(item.site_id)}&equipment=${encodeURIComponent(item.id)}&title=${encodeURIComponent(item.name)}`),
      true),
    );
    if (found.actions.includes("check_out")) {
      buttons.push(button("action-check-out", "item.action.check_out", () =>
        void done("event", `/api/equipment/${item.id}/events`, { kind: "check_out", holder_id: session.user.id, occurred_at: occurred() }, `${t("item.action.check_out")}: ${item.name}`)));
    }
    if (found.actions.includes("check_in")) {
      buttons.push(button("action-check-in", "item.action.check_in", () =>
        void done("event", `/api/equipment/${item.id}/events`, { kind: "check_in", occurred_at: occurred() }, `${t("item.action.check_in")}: ${item.name}`)));
    }
    if (found.actions.includes("defect")) {
      buttons.push(button("action-defect", "item.action.defect", () => {
        const note = h("textarea", { class: "textarea", rows: 3, maxlength: 1000, "data-testid": "defect-note", "aria-label": () => t("item.defect.note") });
        form.replaceChildren(
          h("label", { class: "field-label" }, () => t("item.defect.note")),
          note,
          button("defect-submit", "item.defect.submit", () => {
            if (!note.value.trim()) {
              result.show("error", () => t("item.defect.need_note"));
              return;
            }
            void done("event", `/api/equipment/${item.id}/events`, { kind: "defect", note: note.value.trim(), occurred_at: occurred() }, `${t("item.action.defect")}: ${item.name}`);
          }, true),
        );
        note.focus();
      }));
    }
  } else {
    const item = found.item;
    buttons.push(button("action-receive", "item.action.receive", () => {
      const quantity = h("input", { type: "number", inputmode: "decimal", min: "0", step: "any", class: "input", "data-testid": "receipt-quantity", value: String(item.quantity) });
      const note = h("textarea", { class: "textarea", rows: 2, maxlength: 1000, "data-testid": "receipt-note" });
      const send = (accepted: boolean) => {
        const amount = Number(quantity.value);
        if (!(amount > 0)) {
          result.show("error", () => t("item.receipt.need_quantity"));
          return;
        }
        const text = note.value.trim();
        if (!accepted && !text) {
          result.show("error", () => t("item.receipt.need_reason"));
          return;
        }
        void done("receipt", `/api/materials/batches/${item.id}/receipts`, {
          quantity: amount,
          accepted,
          received_at: new Date().toISOString(),
          ...(accepted ? (text ? { note: text } : {}) : { reason: text }),
        }, `${t("item.action.receive")}: ${item.material} ${item.batch_no}`);
      };
      form.replaceChildren(
        h("label", { class: "field-label" }, () => `${t("item.receipt.quantity")} (${item.unit})`),
        quantity,
        h("label", { class: "field-label" }, () => t("item.receipt.note")),
        note,
        h("div", { class: "button-row" },
          button("receipt-accept", "item.receipt.accept", () => send(true), true),
          button("receipt-reject", "item.receipt.reject", () => send(false))),
      );
    }, true));
  }
  return h("section", { class: "item-actions", "data-testid": "item-actions" }, form, result.el, ...buttons);
}
