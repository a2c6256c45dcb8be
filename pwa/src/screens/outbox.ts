// What is waiting to be sent, and what "needs attention": writes the server refused
// (4xx) with its message, each with Retry (after fixing the cause, e.g. signing in
// again or being added to the site) and Discard (the only way an item ever leaves
// the phone unsent, and only by a person's decision).

import { h } from "../dom";
import { t, type MessageKey } from "../i18n";
import { list, remove, requeue, type OutboxItem } from "../db";
import type { Screen } from "../router";
import { notifyChanged, onOutboxChange, replay } from "../sync";
import { ageText, frame, withSession } from "./common";

const KINDS: Record<string, MessageKey> = {
  punch: "outbox.kind.punch",
  inspection: "outbox.kind.inspection",
  photo: "outbox.kind.photo",
  equipment_event: "outbox.kind.equipment_event",
  receipt: "outbox.kind.receipt",
};

export function outboxScreen(): Screen {
  return withSession(() => {
    const failedList = h("ul", { class: "outbox-list", "data-testid": "attention-list" });
    const pendingList = h("ul", { class: "outbox-list", "data-testid": "pending-list" });
    const failedSection = h("section", { class: "outbox-section attention", "data-testid": "needs-attention" },
      h("h2", { class: "section-title" }, () => t("outbox.attention")), failedList);
    const pendingSection = h("section", { class: "outbox-section" },
      h("h2", { class: "section-title" }, () => t("outbox.pending")), pendingList);
    const empty = h("p", { class: "message message-ok", "data-testid": "outbox-empty", hidden: true }, () => t("outbox.empty"));
    const sendNow = h("button", {
      type: "button",
      class: "btn btn-primary btn-block",
      "data-testid": "outbox-send",
      on: { click: () => void replay({ force: true }) },
    }, () => t("outbox.send_now"));

    const row = (item: OutboxItem): HTMLElement => {
      const kind = item.kind ? KINDS[item.kind] : undefined;
      const head = h("p", { class: "outbox-what" }, h("strong", {}, kind ? t(kind) : item.url), item.summary ? ` · ${item.summary}` : "");
      const meta = h("p", { class: "outbox-meta" }, `${ageText(Date.parse(item.created_at))}${item.attempts ? ` · ${t("outbox.attempts", { n: item.attempts })}` : ""}`);
      const li = h("li", { class: "outbox-item", "data-testid": item.state === "failed" ? "attention-item" : "pending-item", "data-id": item.id, "data-kind": item.kind ?? "" }, head, meta);
      if (item.state === "failed") {
        li.append(
          h("p", { class: "outbox-error", "data-testid": "attention-detail", "data-code": item.last_code ?? "" },
            item.last_error ?? "", item.last_code ? ` (${item.last_code})` : ""),
          h("div", { class: "button-row" },
            h("button", { type: "button", class: "btn btn-secondary", "data-testid": "attention-retry", on: { click: () => void (async () => {
              await requeue(item.id);
              notifyChanged();
              await replay({ force: true });
            })() } }, () => t("outbox.retry")),
            h("button", { type: "button", class: "btn btn-secondary btn-danger", "data-testid": "attention-discard", on: { click: () => void (async () => {
              if (!window.confirm(t("outbox.discard_confirm"))) return;
              await remove(item.id);
              notifyChanged();
            })() } }, () => t("outbox.discard"))),
        );
      } else if (item.last_error) {
        li.append(h("p", { class: "outbox-meta" }, item.last_error === "network" ? t("error.network") : item.last_error));
      }
      return li;
    };

    const refresh = async () => {
      const [failed, pending] = await Promise.all([list("failed"), list("pending")]);
      failedList.replaceChildren(...failed.map(row));
      pendingList.replaceChildren(...pending.map(row));
      failedSection.hidden = failed.length === 0;
      pendingSection.hidden = pending.length === 0;
      sendNow.hidden = pending.length === 0;
      empty.hidden = failed.length + pending.length > 0;
    };
    const stop = onOutboxChange(() => void refresh());
    void refresh();

    return {
      el: frame("outbox", "outbox.title", empty, failedSection, pendingSection, h("div", { class: "screen-actions" }, sendNow)),
      dispose: stop,
    };
  });
}
