// A tiny element builder. Text always goes in through textContent (never innerHTML),
// so names and server messages cannot inject markup. A text child given as a
// function is bound to the current language and relabelled on a switch.

import { bind } from "./i18n";

type Child = Node | string | (() => string) | null | undefined | false;
type Listeners = Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
/** Attribute values; a function is a text bound to the current language. */
type AttrValue = string | number | boolean | null | undefined | (() => string);
type Attrs = { on?: Listeners; [name: string]: AttrValue | Listeners };

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "on" || (typeof value === "object" && value !== null)) continue;
    if (typeof value === "function") {
      const compute = value as () => string;
      bind(el, () => el.setAttribute(name, compute()), `attr:${name}`);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  for (const [type, handler] of Object.entries(attrs.on ?? {})) {
    el.addEventListener(type, handler as EventListener);
  }
  for (const child of children) append(el, child);
  return el;
}

function append(parent: Element, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (typeof child === "function") {
    const node = document.createTextNode("");
    parent.append(node);
    bind(parent, () => {
      node.data = child();
    });
    return;
  }
  parent.append(child);
}

/** Set an element's whole text to follow the language (replaces what it showed before). */
export function bindText(el: Element, compute: () => string): void {
  bind(
    el,
    () => {
      el.textContent = compute();
    },
    "text",
  );
}
