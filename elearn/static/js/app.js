// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    nav.classList.add("site-nav--collapsible");
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      nav.classList.toggle("site-nav--open", !open);
    });
  }
  for (const field of document.querySelectorAll(".copy-field")) {
    field.addEventListener("focus", () => field.select());
  }
});

// Print buttons (e.g. on a certificate): shown only when this script runs.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});

// Signing out removes this tab's unsaved drafts (sheet.js), so the next person at the computer cannot restore them.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-clear-drafts]")) {
    form.addEventListener("submit", () => {
      try {
        for (const key of Object.keys(sessionStorage)) {
          if (key.startsWith("elearn-draft:")) sessionStorage.removeItem(key);
        }
      } catch {
        // storage blocked: nothing was kept
      }
    });
  }
});

// Land at the message: a summary of what to fix (or a confirmation next to its form) takes focus.
document.addEventListener("DOMContentLoaded", () => {
  const target = document.querySelector("[data-focus]");
  if (target) {
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  }
});

// The quiz: a running 回答済み n / N, and before sending, the unanswered questions listed as links.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-quiz]");
  if (!form) return;
  const questions = [...form.querySelectorAll("[data-question]")];
  const counter = form.querySelector("[data-answered]");
  const count = form.querySelector("[data-answered-count]");
  const summary = document.getElementById("quiz-errors");
  const unanswered = () => questions.filter((q) => !q.querySelector("input:checked"));
  const update = () => { count.textContent = String(questions.length - unanswered().length); };
  counter.hidden = false;
  update();
  form.addEventListener("change", update);
  form.addEventListener("submit", (event) => {
    const missing = unanswered();
    for (const q of questions) q.classList.toggle("question--error", missing.includes(q));
    if (!missing.length || !summary) return;
    event.preventDefault();
    const list = summary.querySelector("[data-missing-list]");
    list.replaceChildren(...missing.map((q) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#${q.id}`;
      link.textContent = q.dataset.question;
      item.append(link, "：未回答です。");
      return item;
    }));
    summary.querySelector("[data-missing-count]").textContent = String(missing.length);
    summary.hidden = false;
    summary.scrollIntoView({ block: "start" });
    summary.focus({ preventScroll: true });
  });
});

// Show-password toggles next to every password field (typing a long passphrase on a phone).
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[type=password]")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small password-toggle";
    button.textContent = "パスワードを表示";
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-controls", input.id);
    button.addEventListener("click", () => {
      const shown = input.type === "text";
      input.type = shown ? "password" : "text";
      button.textContent = shown ? "パスワードを表示" : "パスワードを隠す";
      button.setAttribute("aria-pressed", String(!shown));
    });
    input.insertAdjacentElement("afterend", button);
  }
});
