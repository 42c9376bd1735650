// Fetches the public status summary and shows it; refreshes every 30 seconds.
const REFRESH_MS = 30_000;
const HEADLINES = {
  operational: "All systems operational",
  degraded: "Some features are degraded",
  outage: "Service outage",
  unreachable: "Status unavailable: the service cannot be reached",
};
const SERVICE_NAMES = { api: "API", database: "Database", cache: "Cache", search: "Search" };

function render(summary) {
  const overall = document.getElementById("overall");
  overall.dataset.status = summary.status;
  overall.textContent = HEADLINES[summary.status] ?? summary.status;
  const list = document.getElementById("services");
  list.replaceChildren(
    ...summary.services.map((service) => {
      const item = document.createElement("li");
      item.dataset.service = service.name;
      item.dataset.status = service.status;
      const name = document.createElement("span");
      name.textContent = SERVICE_NAMES[service.name] ?? service.name;
      const state = document.createElement("span");
      state.className = "state";
      state.textContent = service.status === "up" ? "Operational" : "Down";
      item.append(name, state);
      return item;
    }),
  );
  const checkedAt = document.getElementById("checked-at");
  checkedAt.dateTime = summary.checkedAt;
  checkedAt.textContent = new Date(summary.checkedAt).toLocaleString();
}

async function refresh() {
  try {
    const response = await fetch("/api/status", { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`status ${response.status}`);
    render(await response.json());
  } catch {
    render({ status: "unreachable", services: [], checkedAt: new Date().toISOString() });
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
