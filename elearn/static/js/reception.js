// Reception mode (受付). Progressive enhancement only: without this file every row is a small form
// that posts and comes back. With it, the list is searched as one types, a tap posts in the
// background and updates the row and the count, and the page asks every few seconds what other
// desks (or participants' QR check-ins) recorded, so each desk sees the others' marks. A tap carries
// the state its row showed; the server refuses it when someone recorded that person since, and the
// row is refreshed with the reason.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector("[data-reception]");
  if (!root) return;
  const rows = new Map();
  for (const row of root.querySelectorAll("[data-user-id]")) rows.set(row.dataset.userId, row);
  const note = root.querySelector("[data-reception-note]");
  const empty = root.querySelector("[data-reception-empty]");
  const search = root.querySelector("[data-reception-search]");
  let version = Number(root.dataset.version) || 0;

  // Search: 氏名・所属・メールアドレス (and whatever else the server puts in data-search), ignoring
  // spaces, width (ＡＢＣ/ABC), case and katakana/hiragana.
  const normalise = (text) =>
    (text || "")
      .normalize("NFKC")
      .toLowerCase()
      .replace(/\s+/g, "")
      .replace(/[\u30a1-\u30f6]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60));
  const haystacks = new Map();
  for (const [id, row] of rows) haystacks.set(id, normalise(row.dataset.search));
  const filter = () => {
    const needle = normalise(search.value);
    let shown = 0;
    for (const [id, row] of rows) {
      const match = !needle || haystacks.get(id).includes(needle);
      row.hidden = !match;
      if (match) shown += 1;
    }
    if (empty) empty.hidden = shown > 0 || rows.size === 0;
  };
  if (search) {
    search.addEventListener("input", filter);
    search.form.addEventListener("submit", (event) => {
      // Every participant is on this page, so the rows are filtered already; a list of several pages
      // is searched by the server as without this script.
      if (root.dataset.complete !== "true") return;
      event.preventDefault();
      filter();
    });
    filter();
  }

  const say = (message, kind) => {
    note.textContent = message;
    note.className = "reception__note flash" + (kind ? " flash--" + kind : "");
    note.hidden = !message;
  };
  const signedOut = (message) => {
    note.replaceChildren(message + " ");
    const link = document.createElement("a");
    link.href = root.dataset.loginUrl;
    link.textContent = "ログインする";
    note.append(link);
    note.className = "reception__note flash flash--error";
    note.hidden = false;
  };

  const updateCounts = (counts) => {
    if (!counts) return;
    for (const element of root.querySelectorAll("[data-count]")) {
      const value = counts[element.dataset.count];
      if (value !== undefined) element.textContent = String(value);
    }
  };

  // Show a row as the server sent it, unless the row already shows a later change.
  const updateRow = (data) => {
    const row = rows.get(String(data.user_id));
    if (!row || Number(row.dataset.rowVersion) > data.version) return;
    row.dataset.rowVersion = String(data.version);
    row.dataset.state = data.state;
    row.classList.toggle("reception-row--attended", data.attended);
    row.querySelector("[data-row-label]").textContent = data.label;
    row.querySelector("[data-row-note]").textContent = data.note;
    const form = row.querySelector("form");
    if (!form) return;
    form.elements.was.value = data.state;
    const button = form.querySelector("button[name=status]");
    button.value = data.attended ? "none" : "present";
    button.textContent = data.attended ? "取消" : "出席";
    button.classList.toggle("button--primary", !data.attended);
    button.classList.toggle("reception-row__button--undo", data.attended);
  };

  const asJson = async (response) => {
    if (response.status === 401) {
      const body = await response.json().catch(() => ({}));
      signedOut(body.error || "ログインの有効期限が切れました。");
      return null;
    }
    const type = response.headers.get("Content-Type") || "";
    if (!type.includes("application/json")) throw new Error("unexpected answer");
    return response.json();
  };

  for (const form of root.querySelectorAll("form.reception-row__action")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = event.submitter || form.querySelector("button[name=status]");
      if (button.disabled) return;
      const body = new FormData(form);
      body.set("status", button.value);
      button.disabled = true;
      let pause = 0;
      try {
        const response = await fetch(form.action, {
          method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" },
        });
        const data = await asJson(response);
        if (!data) return;
        if (data.row) updateRow(data.row);
        if (data.result === "saved") pause = 700; // the button now says the opposite: no double tap undoes it
        updateCounts(data.counts);
        if (data.result === "conflict") {
          say(data.message, "error");
          note.focus();
        } else {
          say(data.message || data.error || "", data.error ? "error" : "success");
        }
      } catch {
        say("通信できませんでした。接続を確かめて、もう一度押してください。", "error");
      } finally {
        setTimeout(() => { button.disabled = false; }, pause);
      }
    });
  }

  // Poll for what changed since this page's version; one request at a time, none while hidden.
  const pollMs = Number(root.dataset.pollMs) || 3000;
  let timer = null;
  const poll = async () => {
    clearTimeout(timer);
    if (!document.hidden) {
      try {
        const url = root.dataset.changesUrl + "?since=" + encodeURIComponent(version);
        const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
        const data = await asJson(response);
        if (!data) return; // signed out: stop asking
        for (const row of data.rows) updateRow(row);
        updateCounts(data.counts);
        version = data.version; // the server's word, even lower (a database restored from a backup)
        root.dataset.version = String(version);
      } catch {
        // offline for a moment: the next poll catches up
      }
    }
    timer = setTimeout(poll, pollMs);
  };
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) poll();
  });
  timer = setTimeout(poll, pollMs);
});
