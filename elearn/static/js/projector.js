// The QR check-in projector. Without this file the page reloads itself when the code changes
// (<noscript> refresh); with it, the image alone is replaced at each 30-second step and the count
// of who has come is kept up to date.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector("[data-projector]");
  const image = root && root.querySelector("[data-qr]");
  if (!image) return;
  let step = Number(root.dataset.step);
  const stepMs = Number(root.dataset.stepMs) || 30000;
  let version = Number(root.dataset.version) || 0;

  const problem = (message) => {
    let note = root.querySelector("[data-projector-problem]");
    if (!note) {
      note = document.createElement("p");
      note.className = "flash flash--error";
      note.setAttribute("role", "alert");
      note.dataset.projectorProblem = "";
      image.closest("figure").before(note);
    }
    note.textContent = message;
    note.hidden = !message;
  };

  // The next code is loaded off screen and shown once it has arrived, so the screen never goes blank.
  const refresh = () => {
    step += 1;
    const next = new Image();
    next.onload = () => {
      image.src = next.src;
      problem("");
    };
    next.onerror = () => problem("QRコードを更新できませんでした。ログインが切れた可能性があります。ページを開き直してください。");
    next.src = root.dataset.qrUrl + "?step=" + step;
  };
  setTimeout(() => {
    refresh();
    setInterval(refresh, stepMs);
  }, Number(root.dataset.refreshMs) || stepMs);

  const poll = async () => {
    try {
      const response = await fetch(root.dataset.changesUrl + "?since=" + version, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (response.ok) {
        const data = await response.json();
        version = data.version;
        for (const element of root.querySelectorAll("[data-count]")) {
          const value = data.counts[element.dataset.count];
          if (value !== undefined) element.textContent = String(value);
        }
      }
    } catch {
      // the next poll catches up
    }
    setTimeout(poll, Number(root.dataset.pollMs) || 3000);
  };
  setTimeout(poll, Number(root.dataset.pollMs) || 3000);

  const full = root.querySelector("[data-fullscreen]");
  if (full && document.fullscreenEnabled) {
    full.hidden = false;
    full.addEventListener("click", () => root.requestFullscreen());
  }
});
