// Sites with their geofences on a Leaflet map. Tiles come from a configurable URL
// template: this phone's choice (localStorage), else a <meta name="sitecheck-tile-url">
// in index.html, else the build's VITE_TILE_URL, else OpenStreetMap's. The outlines are
// vectors drawn by Leaflet itself (SVG), so they show even when no tile loads: on a
// site without data, behind a firewall, or with tiles turned off (an empty URL).
// It is also the site dashboard: each site's card says how many hazards wait for review
// and how often reviewers found the model's flags right there, under a banner with the
// model and its measured quality (quality.ts).

import "leaflet/dist/leaflet.css";
import * as L from "leaflet";
import type { Answer } from "../api";
import { h } from "../dom";
import { t } from "../i18n";
import type { Screen } from "../router";
import { call, failureText, messageBox, siteScreen, type Site } from "./common";
import { liveLine, lineEl, modelBanner, type LiveCounts, type ModelReport } from "./quality";

/** One site of GET /api/hazards/precision: all its hazards, and per model. */
type SitePrecision = Answer<"/api/hazards/precision">["items"][number];

const TILE_KEY = "sitecheck.tileUrl";
const OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';

/** The tile URL template in use; "" means no tiles (outlines on a plain background). */
export function tileUrl(): string {
  try {
    const chosen = localStorage.getItem(TILE_KEY);
    if (chosen !== null) return chosen.trim();
  } catch {
    // No storage: fall through to the defaults.
  }
  return defaultTileUrl();
}

function defaultTileUrl(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="sitecheck-tile-url"]');
  if (meta) return meta.content.trim();
  const built: unknown = import.meta.env.VITE_TILE_URL;
  return typeof built === "string" ? built.trim() : OSM_TILES;
}

function setTileUrl(url: string | null): void {
  try {
    if (url === null) localStorage.removeItem(TILE_KEY);
    else localStorage.setItem(TILE_KEY, url.trim());
  } catch {
    // Not remembered; applies until the screen is left.
  }
}

export function sitesScreen(): Screen {
  return siteScreen("site-map-screen", "staff.sites.title", (sites, signal) => {
    const view = mapView(sites);
    void loadHazards(signal).then(
      ([report, precision]) => view.showHazards(report, precision),
      (error: unknown) => {
        if (!signal.aborted) view.hazardsFailed(error);
      },
    );
    let map: L.Map | null = null;
    // Leaflet measures its element: start once the view is on the page (right after
    // this returns, in the same task).
    queueMicrotask(() => {
      map = view.start();
    });
    return { el: view.el, dispose: () => map?.remove() };
  });
}

/** The model report for every site I see, and each site's reviewed and open hazards. */
async function loadHazards(signal: AbortSignal): Promise<[ModelReport, SitePrecision[]]> {
  return Promise.all([
    call<ModelReport>("/api/hazards/model", { signal }),
    call<Answer<"/api/hazards/precision">>("/api/hazards/precision", { signal }).then((page) => page.items),
  ]);
}

interface MapView {
  el: HTMLElement;
  start: () => L.Map;
  showHazards: (report: ModelReport, precision: SitePrecision[]) => void;
  hazardsFailed: (error: unknown) => void;
}

function mapView(sites: Site[]): MapView {
  const mapEl = h("div", { class: "staff-map", "data-testid": "site-map", role: "region", "aria-label": () => t("staff.sites.map") });
  const tilesNote = h("p", { class: "staff-note", "data-testid": "tiles-offline", hidden: true }, () => t("staff.sites.tiles_offline"));
  const list = h("ul", { class: "staff-list", "data-testid": "site-list" });
  const tileInput = h("input", { type: "url", class: "staff-input", "data-testid": "tile-url", value: tileUrl(), placeholder: OSM_TILES, spellcheck: "false" });
  const layers = new Map<string, L.GeoJSON>();
  const banner = h("div", { class: "staff-model-slot" });
  const hazardErrors = messageBox("site-hazards-error");
  // Each card's hazard lines, filled once the numbers arrive.
  const hazardSlots = new Map<string, HTMLElement>();
  let map: L.Map | null = null;
  let tiles: L.TileLayer | null = null;

  const applyTiles = () => {
    if (!map) return;
    tiles?.remove();
    tiles = null;
    tilesNote.hidden = true;
    const url = tileUrl();
    if (!url) return;
    tiles = L.tileLayer(url, { maxZoom: 19, attribution: url === OSM_TILES ? OSM_ATTRIBUTION : "" });
    // One note for however many tiles fail; the outlines stay either way.
    tiles.on("tileerror", () => {
      tilesNote.hidden = false;
    });
    tiles.on("tileload", () => {
      tilesNote.hidden = true;
    });
    tiles.addTo(map);
  };

  const focus = (site: Site) => {
    const layer = layers.get(site.id);
    if (map && layer) map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 18 });
    for (const item of list.children) (item as HTMLElement).dataset.selected = String((item as HTMLElement).dataset.siteId === site.id);
  };

  for (const site of sites) {
    const slot = h("div", { class: "staff-site-hazards", "data-testid": "site-hazards" });
    hazardSlots.set(site.id, slot);
    list.append(
      h(
        "li",
        { class: "staff-row", "data-testid": "site-row", "data-site-id": site.id },
        h("span", { class: "staff-row-name" }, site.name),
        h("span", { class: `staff-badge staff-badge-${site.is_active ? "present" : "absent"}` }, () => t(site.is_active ? "staff.sites.active" : "staff.sites.closed")),
        h("span", { class: "staff-row-meta" }, () => `${area(site.area_m2)} · ${site.timezone} · ${t("staff.sites.shift", { time: site.shift_start.slice(0, 5) })}`),
        slot,
        h("button", { type: "button", class: "btn btn-secondary", "data-testid": "site-show", on: { click: () => focus(site) } }, () => t("staff.sites.show")),
      ),
    );
  }

  const showHazards = (report: ModelReport, precision: SitePrecision[]) => {
    banner.replaceChildren(modelBanner(report, false));
    const bySite = new Map(precision.map((p) => [p.site_id, p]));
    for (const [siteId, slot] of hazardSlots) {
      const found = bySite.get(siteId);
      // Open hazards of any model wait for a reviewer; the verdicts quoted are the
      // current model's, as in the banner.
      const mine = found?.models.find((m) => m.model === report.model);
      const live: LiveCounts = { site_id: siteId, confirmed: mine?.confirmed ?? 0, dismissed: mine?.dismissed ?? 0, open: mine?.open ?? 0, precision: mine?.precision ?? null };
      const open = found?.open ?? 0;
      slot.dataset.open = String(open);
      slot.replaceChildren(
        h("p", { class: "staff-model-line", "data-testid": "site-open" }, () => t("staff.sites.open_hazards", { n: open })),
        lineEl(liveLine(live, true)),
        h("p", { class: "staff-model-line staff-row-meta", "data-testid": "site-model" }, () => t("staff.model.name", { name: report.model })),
      );
    }
  };
  if (sites.length === 0) list.append(h("li", { class: "staff-empty", "data-testid": "no-sites" }, () => t("staff.no_sites")));

  const settings = h(
    "details",
    { class: "staff-settings", "data-testid": "tile-settings" },
    h("summary", {}, () => t("staff.sites.tiles")),
    h("p", { class: "staff-note" }, () => t("staff.sites.tiles_help")),
    tileInput,
    h(
      "div",
      { class: "staff-actions" },
      h("button", { type: "button", class: "btn btn-primary", "data-testid": "tile-save", on: { click: () => (setTileUrl(tileInput.value), applyTiles()) } }, () => t("staff.save")),
      h("button", { type: "button", class: "btn btn-secondary", "data-testid": "tile-reset", on: { click: () => (setTileUrl(null), (tileInput.value = tileUrl()), applyTiles()) } }, () => t("staff.sites.tiles_default")),
    ),
  );

  const start = (): L.Map => {
    map = L.map(mapEl, { zoomControl: true, attributionControl: true, preferCanvas: false });
    const all = L.featureGroup();
    for (const site of sites) {
      const layer = L.geoJSON(site.geofence as unknown as Parameters<typeof L.geoJSON>[0], {
        style: { color: site.is_active ? "#a3001b" : "#2f343b", weight: 3, fillColor: "#ffc400", fillOpacity: 0.25 },
      });
      layer.bindTooltip(site.name, { sticky: true });
      layer.on("click", () => focus(site));
      layers.set(site.id, layer);
      all.addLayer(layer);
    }
    all.addTo(map);
    const fit = () => {
      if (!map) return;
      if (sites.length) map.fitBounds(all.getBounds(), { padding: [24, 24], maxZoom: 17 });
      else map.setView([0, 0], 2);
    };
    fit();
    applyTiles();
    // Zoom is computed from the element's size, which is only final once laid out.
    requestAnimationFrame(() => {
      map?.invalidateSize();
      fit();
    });
    return map;
  };

  return {
    el: h("div", { class: "staff-body" }, banner, hazardErrors.el, mapEl, tilesNote, list, settings),
    start,
    showHazards,
    hazardsFailed: (error) => hazardErrors.show(failureText(error)),
  };
}

function area(m2: number): string {
  return m2 >= 10_000 ? `${(m2 / 10_000).toFixed(1)} ha` : `${Math.round(m2)} m²`;
}
