// The dashboard's only script. Both parts are extras: without JavaScript every page is
// complete server-rendered HTML (and the watchlist reloads itself via <noscript> meta refresh).

// Live refresh of the watchlist without a full reload: fetch the server-rendered fragment
// (/live/watchlist) every REFRESH_SECONDS and swap in each element marked data-swap.
(() => {
  "use strict";

  const live = document.getElementById("live");
  if (!live || !live.dataset.liveUrl) return;
  const url = live.dataset.liveUrl;
  const seconds = Math.max(1, Number(live.dataset.refreshSeconds) || 10);
  let refreshes = 0;

  function note(text, failed) {
    const element = document.querySelector("[data-refresh-note]");
    if (!element) return;
    element.hidden = false;
    element.textContent = text;
    element.classList.toggle("is-failed", failed);
  }

  function swap(html) {
    const fresh = new DOMParser().parseFromString(html, "text/html");
    for (const element of fresh.querySelectorAll("[data-swap][id]")) {
      const current = document.getElementById(element.id);
      if (current) current.replaceWith(document.adoptNode(element));
    }
  }

  async function refresh() {
    if (document.hidden) return schedule(); // no polling from background tabs
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(5, seconds) * 1000);
    try {
      const response = await fetch(url, {
        signal: controller.signal,
        cache: "no-store",
        headers: { Accept: "text/html" },
      });
      // 503 still carries the friendly "unavailable" state, so it is swapped in too.
      if (!response.ok && response.status !== 503) throw new Error(`HTTP ${response.status}`);
      swap(await response.text());
      refreshes += 1;
      const current = document.getElementById("live");
      current.dataset.refreshes = String(refreshes);
      note(`updated ${new Date().toISOString().slice(11, 19)} UTC`, false);
    } catch (error) {
      note("dashboard not answering, retrying", true);
    } finally {
      clearTimeout(timer);
    }
    schedule();
  }

  function schedule() {
    setTimeout(refresh, seconds * 1000);
  }

  live.dataset.refreshes = "0";
  schedule();
})();

// Hover read-out on the symbol chart: the nearest candle's time and close.
(() => {
  "use strict";

  const data = document.getElementById("chart-points");
  const hover = document.querySelector("[data-chart-hover]");
  if (!data || !hover) return;
  const points = JSON.parse(data.textContent);
  const svg = hover.ownerSVGElement;
  const [line, dot, label] = ["line", "circle", "text"].map((tag) => hover.querySelector(tag));
  const width = svg.viewBox.baseVal.width;

  function show(event) {
    const box = svg.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * width;
    let nearest = points[0];
    for (const point of points) {
      if (Math.abs(point[0] - x) < Math.abs(nearest[0] - x)) nearest = point;
    }
    const [px, py, text] = nearest;
    line.setAttribute("x1", px);
    line.setAttribute("x2", px);
    dot.setAttribute("cx", px);
    dot.setAttribute("cy", py);
    label.textContent = text;
    label.setAttribute("x", px);
    // keep the read-out inside the chart near both edges
    label.setAttribute("text-anchor", px < width * 0.2 ? "start" : px > width * 0.7 ? "end" : "middle");
    hover.classList.add("is-on");
  }

  svg.addEventListener("pointermove", show);
  svg.addEventListener("pointerleave", () => hover.classList.remove("is-on"));
})();
