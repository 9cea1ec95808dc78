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
